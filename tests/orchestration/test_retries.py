"""Retries with back-off: a step that fails on a transient error succeeds on a later attempt; a
step that fails for good is not repeated; the gates are never retried.

The transient fault is the real one of this warehouse: another process holding DuckDB's
single-writer lock on the warehouse file. A separate Python process takes the lock, and lets go
once the run has recorded the step's retry.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.partitions import sync_partitions

_HOLD = (
    "import duckdb, sys\n"
    "con = duckdb.connect(sys.argv[1])\n"
    "print('locked', flush=True)\n"
    "sys.stdin.read()\n"  # until the test closes our stdin
)


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst


@pytest.fixture
def paths(tmp_path, monkeypatch, demo_landing):
    landing = tmp_path / "landing"
    shutil.copytree(demo_landing / "CT", landing / "CT")
    warehouse = tmp_path / "w" / "npcs.duckdb"
    warehouse.parent.mkdir()
    monkeypatch.setenv("NPCS_LANDING", str(landing))
    monkeypatch.setenv("NPCS_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("NPCS_REPORTS", str(tmp_path / "reports"))
    return landing, warehouse


def _hold_lock(warehouse: Path) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(warehouse)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "locked"
    return holder


def _release(holder: subprocess.Popen) -> None:
    if holder.poll() is None:
        holder.stdin.close()
        holder.wait(timeout=30)


def _load_raw(instance, run_id: str | None = None):
    """The real ingestion step alone (no gates) for CT."""
    from orchestration.definitions import defs
    from orchestration.defs.ingestion import raw_tables
    from orchestration.defs.jobs import INGEST_JOB

    return defs.resolve_job_def(INGEST_JOB).execute_in_process(
        instance=instance,
        partition_key="CT",
        asset_selection=list(raw_tables.keys),
        raise_on_error=False,
        run_id=run_id,
    )


def _events(instance, run_id: str, event_type: dg.DagsterEventType) -> list:
    records = instance.get_records_for_run(run_id, of_type=event_type).records
    return [r.event_log_entry.dagster_event for r in records]


def test_ingestion_failing_on_a_locked_warehouse_succeeds_on_retry(instance, paths):
    from orchestration.defs.retries import is_transient

    _, warehouse = paths
    sync_partitions(instance)
    holder = _hold_lock(warehouse)
    try:
        # The fault is what it is in production: DuckDB refuses a second writing process.
        with pytest.raises(duckdb.IOException) as locked:
            duckdb.connect(str(warehouse))
        assert is_transient(locked.value)

        run_id = str(uuid.uuid4())
        done = threading.Event()

        def release_after_first_failure() -> None:
            while not done.is_set():
                if _events(instance, run_id, dg.DagsterEventType.STEP_UP_FOR_RETRY):
                    _release(holder)
                    return
                done.wait(0.05)

        watcher = threading.Thread(target=release_after_first_failure, daemon=True)
        watcher.start()
        try:
            result = _load_raw(instance, run_id)
        finally:
            done.set()
            watcher.join()
    finally:
        _release(holder)

    retries = _events(instance, run_id, dg.DagsterEventType.STEP_UP_FOR_RETRY)
    assert retries and all(e.step_key == "raw_tables" for e in retries)
    assert "lock" in str(retries[0].event_specific_data.error.to_string()).lower()
    assert _events(instance, run_id, dg.DagsterEventType.STEP_RESTARTED)
    assert result.success
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        (ct,) = con.execute(
            "select count(*) from raw.reviews where jurisdiction_id = 'CT'"
        ).fetchone()
        (accepted,) = con.execute(
            "select count(*) from raw.submission_ledger where jurisdiction_id = 'CT' "
            "and status = 'accepted'"
        ).fetchone()
    finally:
        con.close()
    assert ct > 0 and accepted > 0


def test_a_failure_that_is_not_transient_is_not_retried(instance, paths, monkeypatch):
    from ingestion import raw_loader

    sync_partitions(instance)

    def broken(*args, **kwargs):
        raise RuntimeError("injected fault")

    monkeypatch.setattr(raw_loader, "find_violations", broken)
    run_id = str(uuid.uuid4())
    result = _load_raw(instance, run_id)
    assert not result.success
    assert not _events(instance, run_id, dg.DagsterEventType.STEP_UP_FOR_RETRY)
    (failure,) = _events(instance, run_id, dg.DagsterEventType.STEP_FAILURE)
    assert "injected fault" in failure.event_specific_data.error.to_string()


def test_transient_errors_are_told_apart_from_the_others(tmp_path):
    import psycopg

    from orchestration.defs.retries import is_transient

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ConnectionRefusedError) as refused:
        socket.create_connection(("127.0.0.1", port), timeout=5)
    with pytest.raises(psycopg.OperationalError) as pg_down:
        psycopg.connect(host="127.0.0.1", port=port, dbname="x", user="x", connect_timeout=5)
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    with pytest.raises(duckdb.CatalogException) as missing_table:
        con.execute("select * from raw.nothing_here")
    con.close()
    wrapped = RuntimeError("load failed")
    wrapped.__cause__ = refused.value

    assert is_transient(refused.value)
    assert is_transient(pg_down.value)
    assert is_transient(wrapped)
    assert not is_transient(missing_table.value)
    assert not is_transient(ValueError("a bug"))


def test_retries_on_the_steps_that_can_fail_transiently_and_never_on_the_gates():
    from orchestration.definitions import defs
    from orchestration.defs.jobs import FULL_REFRESH_JOB
    from orchestration.defs.publishing import postgres_tables

    ops = {n.name: n for n in defs.resolve_job_def(FULL_REFRESH_JOB).graph.node_defs}
    retried = {
        "raw_tables",
        "dbt_build",
        "reporting__partnership_report",
        "publishing__published_warehouse",
    }
    for name in retried:
        policy = ops[name].retry_policy
        assert policy and policy.max_retries >= 1 and policy.backoff == dg.Backoff.EXPONENTIAL
        assert policy.jitter is not None
    assert postgres_tables.op.retry_policy is not None
    for gate in ("raw_gates", "mart_gates"):
        assert ops[gate].retry_policy is None
