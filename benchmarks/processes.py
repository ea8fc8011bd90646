"""Run one command in a fresh process and measure its wall-clock time and peak memory.

Three memory figures, because a refresh is several processes: the refresh itself, the ``dbt``
process it starts, and the Soda gate worker (``quality_checks/parallel.py``).

- **own**: the peak RSS of the measured process alone (``getrusage(RUSAGE_SELF)``);
- **children**: the peak RSS of the largest process it started and waited for — dbt or the gate
  worker (``getrusage(RUSAGE_CHILDREN)``: the kernel keeps the maximum over the waited-for
  descendants, not a sum). ``os.wait4`` alone reports ``max(own, children)``, which cannot tell
  them apart;
- **tree**: the largest sum of the RSS of the process and all its descendants at one moment,
  sampled from ``/proc`` every 0.2 s — what the machine must hold at once (a short peak between
  two samples can be missed; the two figures above cannot be).

The first two are read inside the measured process at its exit: this module, run as a script,
is the wrapper (``python benchmarks/processes.py RESULT.json -m npcs.cli refresh …`` runs
``npcs.cli`` as ``__main__`` — or ``-c CODE``, or a script — and writes the figures to RESULT.json
when it exits). psutil is not
in the lock (Windows only), so ``/proc`` is read directly (Linux).
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
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SAMPLE_SECONDS = 0.2
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Measured:
    """Seconds and peak resident memory in MiB (the README's "MB" figures are MiB too)."""

    seconds: float
    own_mb: float  # peak RSS of the process itself
    children_mb: float  # peak RSS of its largest waited-for child (dbt, the gate worker)
    tree_mb: float  # largest sampled sum over the process and its descendants
    stdout: str = ""


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


def tree_rss_mb(pid: int) -> float:
    """The RSS of a process and all its descendants now, in MiB."""
    total, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        total += _rss_bytes(p)
        todo.extend(_children(p))
    return total / 2**20


def run(cmd: list[str], env: dict, capture: bool = False) -> Measured:
    """Run ``cmd`` (a Python command line: ``[python, -m module | -c code | script.py, …]``) under
    the wrapper; fail loudly when it exits non-zero. ``capture``: keep its stdout."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        result = Path(f.name)
    wrapped = [cmd[0], str(Path(__file__).resolve()), str(result), *cmd[1:]]
    peak, stop = [0.0], threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(
        wrapped,
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )

    def sample() -> None:
        while not stop.wait(SAMPLE_SECONDS):
            peak[0] = max(peak[0], tree_rss_mb(proc.pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out = proc.stdout.read() if capture else ""
    proc.wait()
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    try:
        figures = json.loads(result.read_text() or "{}")
    finally:
        result.unlink(missing_ok=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}")
    return Measured(
        seconds=seconds,
        own_mb=figures.get("own_mb", float("nan")),
        children_mb=figures.get("children_mb", float("nan")),
        tree_mb=peak[0],
        stdout=out,
    )


def _write_usage(path: str) -> None:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux -> MiB
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    Path(path).write_text(json.dumps({"own_mb": own, "children_mb": children}))


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
