"""Verify many contracts at once: this process and worker processes, each on its own read-only
connection to the warehouse.

Soda verifies a contract in its own Python — parsing the YAML and building every check, about
2 ms per check, against ~0.5 ms of SQL — so one gate step keeps one core busy while the others
wait. Soda's YAML parser is one shared object and not thread-safe (two threads verifying at once
fail with parser errors), so the parallelism is processes: a pool of spawned workers, started
ahead (:func:`prestart`) so that they have imported Soda by the time a gate needs them, and fed
one contract at a time while this process verifies the others.

Used by the mart gates, whose verifications are independent: deciding about a mart records
results and moves its volume baseline, and changes nothing another mart contract reads. The raw
gates stay one after another, because a hold changes what the next raw contract sees.

Fails closed as :func:`quality_checks.gate.verify` does: a contract whose worker dies or raises
is verified again here, where any error is a failed gate.

``NPCS_GATE_WORKERS`` sets the number of worker processes (``0``: verify everything here);
the default is one fewer than the machine's cores, at most 3.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from collections import deque
from collections.abc import Mapping
from multiprocessing.connection import Connection, wait
from pathlib import Path

import duckdb

from quality_checks.gate import GateResult, contract_variables, verify

READY = "ready"
RELEASE = "release"


def worker_count() -> int:
    configured = os.environ.get("NPCS_GATE_WORKERS")
    if configured not in (None, ""):
        return max(0, int(configured))
    return min(3, max(0, (os.cpu_count() or 1) - 1))


class _Worker:
    """One ``python -m quality_checks.parallel`` process: one request, one reply at a time."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "quality_checks.parallel"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=Path(__file__).resolve().parents[1],
        )
        self.requests = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.replies = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()
        self.ready = False
        self.contract: Path | None = None  # the one it is verifying

    def poll_ready(self) -> bool:
        if not self.ready and self.replies.poll():
            self.ready = self.replies.recv() == READY
        return self.ready

    def send(self, warehouse: Path, contract: Path, variables: Mapping) -> None:
        self.requests.send((str(warehouse), str(contract), dict(variables)))
        self.contract = contract

    def receive(self) -> GateResult:
        self.contract = None
        result = self.replies.recv()
        if not isinstance(result, GateResult):
            raise TypeError(f"worker replied {type(result).__name__}")
        return result

    def close(self, wait: bool = True) -> None:
        """End the worker: it stops at the end of its input. ``wait=False`` (this process is
        exiting) leaves it to finish on its own; it holds nothing but a read-only connection,
        and only while verifying."""
        for c in (self.requests, self.replies):
            try:
                c.close()
            except OSError:
                pass
        if not wait:
            return
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


_workers: list[_Worker] = []


def prestart() -> None:
    """Start the workers now, so they import Soda while this process does other work (a refresh
    calls this before it ingests). Does nothing when they run already or workers are off."""
    while len(_workers) < worker_count():
        try:
            _workers.append(_Worker())
        except OSError:
            return


def shutdown(wait: bool = True) -> None:
    while _workers:
        _workers.pop().close(wait)


atexit.register(shutdown, wait=False)


def _drop(worker: _Worker) -> None:
    _workers.remove(worker)
    worker.close()


def verify_many(warehouse: Path, contracts: list[Path]) -> dict[Path, GateResult]:
    """Verify ``contracts`` on read-only connections to ``warehouse``, here and in the workers.

    No connection of this process may hold the warehouse read-write meanwhile (DuckDB lets
    processes share a file only when all of them read). Returns every contract's result."""
    variables = contract_variables()  # computed here: the workers see what this process sees
    # Largest contracts to the workers, smallest here, so that both ends finish together.
    todo = deque(sorted(contracts, key=lambda c: c.stat().st_size if c.is_file() else 0))
    results: dict[Path, GateResult] = {}
    prestart()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        while True:
            for worker in list(_workers):
                if worker.contract is not None or not todo:
                    continue
                contract = todo.pop()
                try:
                    if worker.poll_ready():
                        worker.send(warehouse, contract, variables)
                        continue
                except Exception:  # noqa: BLE001 - it died while idle: drop it
                    _drop(worker)
                todo.append(contract)
            busy = [w for w in _workers if w.contract is not None]
            if todo:
                contract = todo.popleft()
                results[contract] = verify(con, contract, variables)
            elif busy:
                wait([w.replies for w in busy])
            else:
                break
            for worker in [w for w in busy if w.replies.poll()]:
                contract = worker.contract
                try:
                    results[contract] = worker.receive()
                except Exception:  # noqa: BLE001
                    # the worker died or sent nonsense: verify here (fails closed on errors)
                    _drop(worker)
                    results[contract] = verify(con, contract, variables)
    finally:
        con.close()
        _release()
    return results


def _release() -> None:
    """Have every worker close its read-only connection (the caller writes next)."""
    for worker in list(_workers):
        try:
            if worker.contract is not None:
                worker.receive()
            if worker.ready:
                worker.requests.send(RELEASE)
                if worker.replies.recv() != RELEASE:
                    raise TypeError("worker did not release the warehouse")
        except Exception:  # noqa: BLE001 - a worker that cannot say it let go is stopped
            _drop(worker)


_WARM_UP_CONTRACT = """\
dataset: npcs/main/warm_up
checks:
  - schema:
  - row_count:
  - failed_rows:
      query: select code from main.warm_up where code = 'z'
columns:
  - name: code
    data_type: varchar
    checks:
      - missing:
      - duplicate:
      - invalid:
          valid_values: [a, b]
  - name: n
    data_type: integer
    checks:
      - invalid:
          valid_min: 0
"""


def _warm_up() -> None:
    """Verify a small contract on an in-memory database: Soda imports what a verification
    needs on its first one (~0.4 s), before the worker says it is ready rather than after."""
    import tempfile

    con = duckdb.connect()
    try:
        con.execute("create table main.warm_up as select 'a' as code, 1 as n")
        with tempfile.TemporaryDirectory() as folder:
            contract = Path(folder) / "warm_up.yml"
            contract.write_text(_WARM_UP_CONTRACT, encoding="utf-8")
            verify(con, contract, {})
    finally:
        con.close()


def _serve() -> None:
    """The worker: import Soda, say ready, then verify one contract per request until EOF."""
    requests = Connection(os.dup(0), writable=False)
    replies = Connection(os.dup(1), readable=False)
    sys.stdout = sys.stderr  # nothing but replies on the reply pipe
    _warm_up()
    replies.send(READY)
    con, opened = None, None
    while True:
        try:
            request = requests.recv()
        except EOFError:
            return
        if request == RELEASE:  # the caller is about to write: let go of the file
            if con is not None:
                con.close()
            con, opened = None, None
            replies.send(RELEASE)
            continue
        warehouse, contract, variables = request
        if opened != warehouse:
            if con is not None:
                con.close()
            con, opened = duckdb.connect(warehouse, read_only=True), warehouse
        replies.send(verify(con, Path(contract), variables))


if __name__ == "__main__":
    _serve()
