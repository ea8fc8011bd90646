"""Run the whole asset graph headless, in process, and summarise what passed and failed.

Used by ``npcs refresh``, the tests and the benchmark: one function, so they measure and check
the same thing the engineers run.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from npcs.settings import REPO_ROOT, Settings, configure_environment


@dataclass
class FailedCheck:
    check: str  # e.g. raw/reviews:soda_contract
    description: str
    metadata: dict = field(default_factory=dict)


@dataclass
class RefreshOutcome:
    run_id: str
    log_path: Path
    success: bool
    failed_checks: list[FailedCheck]
    failed_steps: list[str]
    warned_checks: list[FailedCheck]  # held file versions, warnings, overrides: not blocking
    skipped_assets: list[str]
    materialized: list[str]
    settings: Settings

    @property
    def report_path(self) -> Path:
        return self.settings.reports / "report.html"

    @property
    def headline_path(self) -> Path:
        return self.settings.reports / "headline.json"


def _set_paths(landing: Path | None, warehouse: Path | None, out: Path | None) -> Settings:
    for var, value in (
        ("NPCS_LANDING", landing),
        ("NPCS_WAREHOUSE", warehouse),
        ("NPCS_REPORTS", out),
    ):
        if value is not None:
            os.environ[var] = str(Path(value).expanduser().resolve())
    configure_environment()
    return Settings.from_env()


def _instance_config(dagster_home: Path) -> None:
    """A Dagster home without ``dagster.yaml`` (a new folder named by ``DAGSTER_HOME``) gets the
    product's: telemetry off, one run at a time. Dagster would otherwise run it on its defaults;
    an existing ``dagster.yaml`` is never touched."""
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        shutil.copyfile(REPO_ROOT / "dagster_home" / "dagster.yaml", config)


def _sqlite_wal() -> None:
    """Write the local Dagster instance's SQLite files in WAL mode with ``synchronous=NORMAL``.

    A refresh writes some 700 events; in SQLite's default mode each is a transaction with its own
    fsync (about 2 s of a 30 s refresh on this disk). WAL with NORMAL sync is SQLite's own
    recommended setting for this: commits survive a crash of the process, and only an OS crash
    or power loss may lose the last ones (run history, never warehouse data). Applies to SQLite
    connections opened by this process only; a PostgreSQL-backed instance is unaffected.
    """
    import sqlite3

    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if getattr(_sqlite_wal, "done", False):
        return

    @event.listens_for(Engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            cur = dbapi_connection.cursor()
            cur.execute("pragma journal_mode = wal")
            cur.execute("pragma synchronous = normal")
            cur.close()

    _sqlite_wal.done = True


def _watch(instance, run_id: str, stop: threading.Event, progress: Callable[[str], None]) -> None:
    """Print step progress from the run's event log while the run executes (new events only)."""
    from dagster import DagsterEventType

    wanted = {
        DagsterEventType.STEP_START: "started",
        DagsterEventType.STEP_SUCCESS: "done",
        DagsterEventType.STEP_FAILURE: "FAILED",
        DagsterEventType.STEP_SKIPPED: "skipped",
    }
    cursor = None
    while True:
        finished = stop.wait(1.0)
        try:
            conn = instance.get_records_for_run(run_id, cursor=cursor, of_type=set(wanted))
        except Exception:  # the run may not be registered yet
            conn = None
        if conn is not None:
            cursor = conn.cursor
            for record in conn.records:
                ev = record.event_log_entry.dagster_event
                if ev is not None and ev.step_key:
                    progress(f"{ev.step_key}: {wanted[ev.event_type]}")
        if finished:
            return


def run_refresh(
    landing: Path | None = None,
    warehouse: Path | None = None,
    out: Path | None = None,
    as_of: date | None = None,
    progress: Callable[[str], None] | None = None,
    gates: bool = True,
    leave_out_gated_dbt_tests: bool = False,
    pdf: bool = False,
) -> RefreshOutcome:
    """Materialize every asset and run every check in process; never raises on a failed gate.

    ``pdf=True`` prints every report page to PDF too (headless Chromium).

    ``gates=False`` runs the same job without its Soda checks — so its ``dbt build`` runs the
    mart tests the gates would have repeated, as a refresh without gates must;
    ``leave_out_gated_dbt_tests=True`` leaves them out all the same (nothing checks those rules
    then). Both exist for one purpose: the benchmark measures what the gates cost
    (``benchmarks/refresh_benchmark.py --compare-gates``); the command line never offers them."""
    settings = _set_paths(landing, warehouse, out)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    settings.dagster_home.mkdir(parents=True, exist_ok=True)
    _instance_config(settings.dagster_home)

    _sqlite_wal()
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from orchestration.defs.jobs import FRESHNESS_OP, FULL_REFRESH_JOB, full_refresh_request
    from orchestration.one_writer import fail_interrupted_run, wait_for_other_runs, writing

    run_id = str(uuid.uuid4())
    say = progress or (lambda message: print(message, file=sys.stderr))
    # One writer at a time (orchestration/one_writer.py): from before it touches the instance to
    # the end of its run, a refresh holds the writer lock, after any run the daemon started has
    # finished; a previous refresh that died without ending its run (kill -9) has it marked
    # failed first.
    with writing(settings.warehouse, what="npcs refresh", run_id=run_id, say=say) as previous:
        instance = DagsterInstance.get()
        interrupted = fail_interrupted_run(instance, previous)
        if interrupted:
            say(f"run {interrupted} was interrupted before it finished: marked failed")
        wait_for_other_runs(instance, run_id, say)
        job = defs.resolve_job_def(FULL_REFRESH_JOB)
        if not gates:
            job = job.get_subset(
                asset_selection=set(job.asset_layer.executable_asset_keys),
                asset_check_selection=set(),
            )
        # Every jurisdiction in the registry, as one partition range: one ingestion step.
        tags, run_config = full_refresh_request(instance, as_of=as_of, pdf=pdf)
        if not gates:  # the benchmark's run without checks: no freshness check either
            run_config["ops"].pop(FRESHNESS_OP, None)
        tags["npcs/trigger"] = "npcs refresh"
        if leave_out_gated_dbt_tests:
            from orchestration.defs.transformation import LEAVE_OUT_TAG

            tags[LEAVE_OUT_TAG] = "true"
        run_config["loggers"] = {"console": {"config": {"log_level": "WARNING"}}}
        stop = threading.Event()
        watcher = None
        if progress:
            watcher = threading.Thread(
                target=_watch, args=(instance, run_id, stop, progress), daemon=True
            )
            watcher.start()
        # dbt's own log lines (which dagster-dbt echoes to stdout) go to a file.
        log_path = settings.warehouse.parent / "logs" / f"refresh-{run_id}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with log_path.open("w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
                result = job.execute_in_process(
                    run_config=run_config,
                    instance=instance,
                    raise_on_error=False,
                    run_id=run_id,
                    tags=tags,
                )
        finally:
            stop.set()
            if watcher:
                watcher.join()
            from quality_checks.feedback import wait_for_writes

            wait_for_writes()  # the raw gates' coordinator feedback, written while dbt ran

    def _checks(severity: str) -> list[FailedCheck]:
        return [
            FailedCheck(
                check=ev.asset_check_key.to_user_string(),
                description=ev.description or "",
                metadata={k: getattr(v, "value", v) for k, v in ev.metadata.items()},
            )
            for ev in result.get_asset_check_evaluations()
            if not ev.passed and ev.severity.value == severity
        ]

    failed_checks = _checks("ERROR")
    warned_checks = _checks("WARN")
    failed_steps = []
    for e in result.get_step_failure_events():
        error = e.event_specific_data.error if e.event_specific_data else None
        failed_steps.append(f"{e.step_key}: {error.message.strip() if error else 'failed'}")
    materialized = sorted(
        {
            e.asset_key.to_user_string()
            for e in result.get_asset_materialization_events()
            if e.asset_key
        }
    )
    failed_loads = sorted(
        {
            f"{e.asset_key.to_user_string()}: {text}"
            for e in result.get_asset_materialization_events()
            if e.asset_key
            and (
                text := getattr(
                    e.materialization.metadata.get("jurisdictions_failed"), "value", None
                )
            )
            and text != "none"
        }
    )
    failed_steps += [f"load failed for jurisdictions of {x}" for x in failed_loads]
    planned = sorted(k.to_user_string() for k in job.asset_layer.executable_asset_keys)
    skipped = [k for k in planned if k not in materialized]
    ok = result.success and not failed_checks and not failed_steps and not skipped
    return RefreshOutcome(
        run_id=run_id,
        log_path=log_path,
        success=ok,
        failed_checks=failed_checks,
        failed_steps=failed_steps,
        warned_checks=warned_checks,
        skipped_assets=skipped,
        materialized=materialized,
        settings=settings,
    )
