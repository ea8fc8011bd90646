"""HTML to PDF (and DOM, screenshot) with headless Chromium from the system's packages.

The pages are self-contained (inline CSS and SVG, no script, no network), so Chromium only lays
them out. One page: :func:`html_to_pdf`, the plain command line. Many pages (a build prints one
profile per member): :func:`pdfs`, one browser driven over the DevTools pipe, because starting
Chromium costs 1–2 s a page on this machine and a build prints dozens.

``CHROMIUM`` names another binary. Every failure raises :class:`RenderError` naming the file.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

DEFAULT_BINARY = "/usr/bin/chromium"
TIMEOUT_S = 60.0
FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--mute-audio")


class RenderError(RuntimeError):
    """Chromium is missing, failed or timed out on a page."""


def chromium_binary() -> str:
    """The Chromium to run: ``$CHROMIUM`` or Debian's; an error when it is not there."""
    name = os.environ.get("CHROMIUM") or DEFAULT_BINARY
    found = shutil.which(name)
    if not found:
        raise RenderError(
            f"Chromium not found at {name!r} (set CHROMIUM, or `apt-get install -y chromium`)"
        )
    return found


def _run(args: list[str], page: Path, timeout: float) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="npcs-chromium-") as profile:
        cmd = [chromium_binary(), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()]
        try:
            done = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as e:
            raise RenderError(f"Chromium timed out after {timeout:.0f} s on {page}") from e
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise RenderError(f"Chromium failed ({done.returncode}) on {page}: {' | '.join(tail)}")
    return done


def html_to_pdf(html: Path, out: Path, timeout: float = TIMEOUT_S) -> Path:
    """Print one page to PDF with the command line."""
    html, out = Path(html).resolve(), Path(out).resolve()
    _run(["--no-pdf-header-footer", f"--print-to-pdf={out}"], html, timeout)
    if not out.exists() or out.read_bytes()[:4] != b"%PDF":
        raise RenderError(f"Chromium wrote no PDF for {html}")
    return out


def dump_dom(html: Path, timeout: float = TIMEOUT_S) -> str:
    """The page's DOM after Chromium has parsed it (what a reader's browser shows)."""
    return _run(["--dump-dom"], Path(html).resolve(), timeout).stdout.decode()


def screenshot(html: Path, out: Path | None = None, timeout: float = TIMEOUT_S) -> bytes:
    """A PNG of the page's first screen (1280×1600)."""
    html = Path(html).resolve()
    with tempfile.TemporaryDirectory(prefix="npcs-shot-") as tmp:
        png = Path(out).resolve() if out else Path(tmp) / "shot.png"
        _run([f"--screenshot={png}", "--window-size=1280,1600", "--hide-scrollbars"], html, timeout)
        if not png.exists():
            raise RenderError(f"Chromium wrote no screenshot for {html}")
        return png.read_bytes()


def _as_fds_3_and_4(read_end: int, write_end: int) -> None:
    """In the child: the pipe ends become fds 3 and 4 (moved above 10 first, so neither
    overwrites the other)."""
    high_read = fcntl.fcntl(read_end, fcntl.F_DUPFD, 10)
    high_write = fcntl.fcntl(write_end, fcntl.F_DUPFD, 10)
    os.dup2(high_read, 3)
    os.dup2(high_write, 4)


class _Browser:
    """One headless Chromium over ``--remote-debugging-pipe`` (fd 3 in, fd 4 out, NUL-framed
    JSON): the DevTools protocol without a network port."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="npcs-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # The child sees the pipes as fds 3 and 4, where Chromium expects them.
        self.proc = subprocess.Popen(
            [
                chromium_binary(),
                *FLAGS,
                f"--user-data-dir={self._profile.name}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,  # our other descriptors are not inheritable (PEP 446)
            preexec_fn=lambda: _as_fds_3_and_4(to_browser_r, from_browser_w),
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buf = b""
        self._id = 0

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_browser], [], [], left)[0]:
                raise TimeoutError
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RenderError("Chromium closed the DevTools pipe")
            self._buf += chunk
        msg, self._buf = self._buf.split(b"\0", 1)
        return json.loads(msg)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RenderError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method: str, session: str) -> None:
        deadline = time.monotonic() + self.timeout
        while True:
            for i, ev in enumerate(self.events):
                if ev.get("method") == method and ev.get("sessionId") == session:
                    del self.events[: i + 1]
                    return
            self.events.clear()
            self.events.append(self._read_message(deadline))

    events: list[dict]

    def print_pdf(self, html: Path, out: Path) -> None:
        self.events = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        try:
            self.send("Page.enable", session=session)
            self.send("Page.navigate", {"url": html.as_uri()}, session=session)
            self.wait_event("Page.loadEventFired", session)
            data = self.send(
                "Page.printToPDF",
                {"printBackground": True, "displayHeaderFooter": False},
                session=session,
            )["data"]
            out.write_bytes(base64.b64decode(data))
        finally:
            self.send("Target.closeTarget", {"targetId": target})

    def close(self) -> None:
        try:
            os.close(self._to_browser)
            os.close(self._from_browser)
        finally:
            try:
                self.proc.terminate()
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self._profile.cleanup()


def pdfs(pages: Iterable[tuple[Path, Path]], timeout: float = TIMEOUT_S) -> None:
    """Print every (html, pdf) pair in one browser; the first failure raises, naming its file."""
    browser = _Browser(timeout)
    try:
        for html, out in pages:
            html, out = Path(html).resolve(), Path(out).resolve()
            try:
                browser.print_pdf(html, out)
            except TimeoutError as e:
                raise RenderError(f"Chromium timed out after {timeout:.0f} s on {html}") from e
            except (RenderError, OSError) as e:
                raise RenderError(f"Chromium could not print {html}: {e}") from e
            if not out.exists() or out.read_bytes()[:4] != b"%PDF":
                raise RenderError(f"Chromium wrote no PDF for {html}")
    finally:
        browser.close()
