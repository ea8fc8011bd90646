"""Run one command in a fresh process and measure its wall-clock time and peak memory.

Three memory figures, because a refresh is several processes: the refresh itself, the ``dbt``
process it starts, and the Soda gate worker (``quality_checks/parallel.py``).

- **own**: the peak RSS of the measured process alone, ``getrusage(RUSAGE_SELF)`` read inside it
  as it exits: this module, run as a script, is the wrapper (``python benchmarks/processes.py
  RESULT.json -m npcs.cli refresh …`` runs ``npcs.cli`` as ``__main__`` — or ``-c CODE``, or a
  script — and writes the figure to RESULT.json when it exits);
- **children**: the peak RSS of each process it started (dbt, the gate worker), named by its
  command line: the high-water mark ``VmHWM`` of ``/proc/<pid>/status``, sampled every 0.2 s
  while the process lives (its last 0.2 s can be missed);
- **tree**: the largest sum of the RSS of the process and all its descendants at one moment,
  sampled at the same time — what the machine must hold at once.

Not ``getrusage(RUSAGE_CHILDREN)`` nor ``os.wait4`` for the children: Python starts a subprocess
with ``vfork``, and at ``exec`` the kernel records the high-water mark of the memory the child
shared with its parent as the child's peak, so a 50 MB child of a 400 MB process reports 400 MB
(measured: ``RUSAGE_CHILDREN`` said 392 MiB for such a child, ``/usr/bin/time`` on it 57 MB).
``os.wait4`` on the refresh reports ``max(own, children)`` with that error in it. psutil is not in
the lock (Windows only), so ``/proc`` is read directly (Linux).
"""

from __future__ import annotations

import atexit
import json
import os
import resource
import runpy
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE_SECONDS = 0.2
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Measured:
    """Seconds and peak resident memory in MiB (the README's "MB" figures are MiB too)."""

    seconds: float
    own_mb: float  # peak RSS of the process itself
    tree_mb: float  # largest sampled sum over the process and its descendants
    children: dict[str, float] = field(default_factory=dict)  # name -> largest sampled peak
    stdout: str = ""

    @property
    def children_mb(self) -> float:
        """The peak of the largest process it started (0 when none lived 0.2 s)."""
        return max(self.children.values(), default=0.0)


def _children(pid: int) -> list[int]:
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                out.extend(int(c) for c in f.read().split())
    except OSError:  # the process ended between two reads
        pass
    return out


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def _name(cmdline: bytes) -> str:
    """A short name for a process: its module (``-m``), else its program's file name."""
    argv = cmdline.decode(errors="replace").split("\0")
    if "-m" in argv[:-1]:
        return argv[argv.index("-m") + 1]
    if "-c" in argv[:-1]:
        return "python -c"
    program = argv[1] if len(argv) > 1 and "python" in Path(argv[0]).name else argv[0]
    return Path(program).name or "?"


def _hwm_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except (OSError, ValueError):
        pass
    return 0.0


class _Sampler:
    """The process tree under ``root`` every 0.2 s: the largest sum of RSS, and each
    descendant's high-water mark by name."""

    def __init__(self, root: int) -> None:
        self.root, self.tree_mb, self.children = root, 0.0, {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def sample(self) -> None:
        total, todo, seen = 0, [(self.root, None)], set()
        while todo:
            p, parent_cmdline = todo.pop()
            if p in seen:
                continue
            seen.add(p)
            total += _rss_bytes(p)
            cmdline = _cmdline(p)
            # A child between vfork and exec still reads as its parent (same memory, same
            # command line): not counted as a process of its own.
            if parent_cmdline is not None and cmdline != parent_cmdline:
                name = _name(cmdline)
                self.children[name] = max(self.children.get(name, 0.0), _hwm_mb(p))
            todo.extend((c, cmdline) for c in _children(p))
        self.tree_mb = max(self.tree_mb, total / 2**20)

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.sample()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def run(cmd: list[str], env: dict, capture: bool = False) -> Measured:
    """Run ``cmd`` (a Python command line: ``[python, -m module | -c code | script.py, …]``) under
    the wrapper; fail loudly when it exits non-zero. ``capture``: keep its stdout."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        result = Path(f.name)
    wrapped = [cmd[0], str(Path(__file__).resolve()), str(result), *cmd[1:]]
    start = time.perf_counter()
    proc = subprocess.Popen(
        wrapped,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    sampler = _Sampler(proc.pid)
    out = proc.stdout.read() if capture else ""
    proc.wait()
    seconds = time.perf_counter() - start
    sampler.stop()
    try:
        figures = json.loads(result.read_text() or "{}")
    finally:
        result.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}")
    return Measured(
        seconds=seconds,
        own_mb=figures.get("own_mb", float("nan")),
        tree_mb=sampler.tree_mb,
        children={k: round(v) for k, v in sampler.children.items() if v > 0},
        stdout=out,
    )


def _write_usage(path: str) -> None:
    # VmHWM belongs to this process's memory map, which exec made new. getrusage(RUSAGE_SELF)
    # keeps the high-water mark from before exec: started (vfork) from a large process, such as
    # a long pytest session, it reported the parent's peak as ours.
    own = _hwm_mb(os.getpid()) or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    Path(path).write_text(json.dumps({"own_mb": own}))


def _main(argv: list[str]) -> None:
    """``processes.py RESULT.json (-m module | -c code | script.py) args…``"""
    result, what, *rest = argv
    atexit.register(_write_usage, result)
    sys.path[0] = str(REPO)  # as `python -m` / `python -c` run from the repository would
    if what == "-m":
        sys.argv = rest
        runpy.run_module(rest[0], run_name="__main__", alter_sys=True)
    elif what == "-c":
        sys.argv = ["-c", *rest[1:]]
        exec(compile(rest[0], "<string>", "exec"), {"__name__": "__main__"})
    else:
        sys.argv = [what, *rest]
        runpy.run_path(what, run_name="__main__")


if __name__ == "__main__":
    _main(sys.argv[1:])
