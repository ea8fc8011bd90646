"""One writer at a time: the warehouse is one DuckDB file, and DuckDB lets one process write it.

Three things start runs that write it — the landing-zone sensor, the nightly schedule and a person
(``npcs refresh``, or a launch in the UI) — and none may crash halfway on DuckDB's lock because
another is writing. Two mechanisms, one lock file:

- **The writer lock** (:func:`writing`): an exclusive ``flock`` on ``<warehouse>.writer.lock``,
  taken by every step that opens the warehouse to write (``WarehouseResource.connect``, the dbt
  step) and, for its whole run, by ``npcs refresh``. Re-entrant within a process (an in-process
  run's steps take it again under the refresh). A writer that finds it taken waits, saying once
  who holds it (pid, run, since when), and gives up after ``NPCS_WRITER_WAIT_SECONDS`` (default one
  hour) with :class:`WarehouseBusy` — a clear refusal, before anything is written. The kernel
  drops the lock when its holder dies, even by ``kill -9``: a crashed writer never leaves the
  warehouse locked.
- **Runs launched by the daemon** go through its run queue (``dagster_home/dagster.yaml``: one run
  at a time, and an ``npcs refresh`` in progress counts as one); ``npcs refresh`` waits for any
  run in progress in the instance before it starts (:func:`wait_for_other_runs`), and marks the
  run of a previous holder that died without ending as failed, so it does not wait for it forever.
"""

import fcntl
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_WAIT_SECONDS = 3600.0
POLL_SECONDS = 0.5
# How long a waiting writer waits for the holder's record before naming it "another process".
HOLDER_RECORD_GRACE_SECONDS = 2.0


class WarehouseBusy(RuntimeError):
    """Another writer held the warehouse for longer than this one would wait: nothing written."""


def lock_path(warehouse: Path | str) -> Path:
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + ".writer.lock")


def wait_seconds() -> float:
    return float(os.environ.get("NPCS_WRITER_WAIT_SECONDS", DEFAULT_WAIT_SECONDS))


_held: dict[str, list] = {}  # lock path -> [fd, depth] for the locks this process holds
_guard = threading.Lock()


def holder(warehouse: Path | str) -> dict:
    """What the lock file says about its last holder (empty when never held)."""
    try:
        return json.loads(lock_path(warehouse).read_text() or "{}")
    except (OSError, ValueError):
        return {}


def describe(info: dict) -> str:
    if not info:
        return "another process"
    run = f"run {info['run_id']}" if info.get("run_id") else "a process"
    what, pid, since = info.get("what", "a writer"), info.get("pid"), info.get("since")
    return f"{run} ({what}, pid {pid}, since {since})"


@contextmanager
def writing(
    warehouse: Path | str,
    *,
    what: str = "a step",
    run_id: str | None = None,
    say: Callable[[str], None] | None = None,
    wait: float | None = None,
) -> Iterator[dict]:
    """Hold the writer lock of ``warehouse`` (waiting at most ``wait`` seconds); yields what the
    lock file said about the previous holder when this process took it first."""
    path = str(lock_path(warehouse))
    with _guard:
        mine = _held.get(path)
        if mine:
            mine[1] += 1
    if mine:
        try:
            yield {}
        finally:
            with _guard:
                mine[1] -= 1
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    started = time.monotonic()
    deadline = started + (wait_seconds() if wait is None else wait)
    told = False
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                other = holder(warehouse)
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"the warehouse {warehouse} is being written by {describe(other)}; "
                        "nothing was written — try again when it has finished (or raise "
                        "NPCS_WRITER_WAIT_SECONDS to wait longer)"
                    ) from None
                # The holder writes who it is just after taking the lock: give it a moment, so
                # that the message names the run rather than "another process".
                named = bool(other) or time.monotonic() - started >= HOLDER_RECORD_GRACE_SECONDS
                if not told and say and named:
                    say(f"waiting for {describe(other)} to finish writing the warehouse")
                    told = True
                time.sleep(POLL_SECONDS)
        previous = holder(warehouse)
        record = {
            "pid": os.getpid(),
            "run_id": run_id,
            "what": what,
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        with _guard:
            _held[path] = [fd, 1]
        try:
            yield previous
        finally:
            with _guard:
                del _held[path]
    finally:
        os.close(fd)  # closing the descriptor releases the flock


_IN_PROGRESS = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")


def fail_interrupted_run(instance, previous: dict) -> str | None:
    """The previous holder of the writer lock died (the kernel released its lock) without ending
    its run: mark that run failed so nobody waits for it. Returns its id when it did."""
    import dagster as dg

    run_id = previous.get("run_id")
    if not run_id:
        return None
    run = instance.get_run_by_id(run_id)
    if run is None or run.status.value not in _IN_PROGRESS:
        return None
    if previous.get("pid") == os.getpid():
        return None
    instance.report_run_failed(
        run,
        message=(
            f"interrupted: its process (pid {previous.get('pid')}) ended without finishing the "
            "run; the next refresh starts again from what was committed"
        ),
    )
    return run_id if instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE else None


def wait_for_other_runs(
    instance, run_id: str, say: Callable[[str], None] | None = None, wait: float | None = None
) -> None:
    """Wait until no other run of the instance is in progress (the daemon's runs do not take the
    writer lock for their whole run, only for each writing step)."""
    import dagster as dg

    started = time.monotonic()
    deadline = started + (wait_seconds() if wait is None else wait)
    told = False
    statuses = [dg.DagsterRunStatus(s) for s in _IN_PROGRESS if s != "QUEUED"]
    while True:
        others = [
            r.dagster_run
            for r in instance.get_run_records(filters=dg.RunsFilter(statuses=statuses), limit=10)
            if r.dagster_run.run_id != run_id
        ]
        if not others:
            return
        names = ", ".join(f"{r.job_name} run {r.run_id}" for r in others)
        if time.monotonic() >= deadline:
            raise WarehouseBusy(
                f"{names} still in progress; nothing was written — try again when it has finished"
            )
        if not told and say:
            say(f"waiting for {names} to finish")
            told = True
        time.sleep(2 * POLL_SECONDS)
