"""What the product does for one jurisdiction's new file, as the sensors would start it.

    python benchmarks/jurisdiction_refresh.py JURISDICTION LANDING WAREHOUSE REPORTS AS_OF

``landing_zone_sensor`` requests an ``ingest_jurisdiction`` run for the partition of the
jurisdiction whose files changed; once it has succeeded, ``publish_after_ingestion`` requests one
``publish`` run (dbt, mart gates, published warehouse, report) for the part of it that the
changed data set reaches (``jobs.publish_subset``; the new file here is a reviews file). This
script executes those two runs one after the other, in process, against the instance of
``DAGSTER_HOME`` (the one the full refreshes used) — a fresh process, like ``npcs refresh``, so
the two are compared like for like:
imports, definitions and instance included. The daemon would launch each run in a process of its
own; that start-up (~3–4 s a run) is not counted here.

The local instance's SQLite files are written as ``npcs refresh`` writes them (WAL). Prints one
JSON line: each run's id, status and seconds (execute_in_process) and the seconds before the first.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from datetime import date
from pathlib import Path

START = time.perf_counter()


def main(jurisdiction: str, landing: str, warehouse: str, reports: str, as_of: str) -> None:
    from npcs.refresh import _set_paths, _sqlite_wal

    settings = _set_paths(Path(landing), Path(warehouse), Path(reports))
    _sqlite_wal()
    from dagster import DagsterInstance

    from orchestration.definitions import defs
    from orchestration.defs.automation import CHANGED_DATA_SETS_TAG
    from orchestration.defs.jobs import INGEST_JOB, PUBLISH_JOB, REPORT_OP, publish_subset

    instance = DagsterInstance.get()
    data_set = "reviews"  # the benchmark's new file (refresh_benchmark.py)
    assets, checks = publish_subset(defs.resolve_asset_graph(), {data_set})
    publish = defs.resolve_job_def(PUBLISH_JOB).get_subset(
        asset_selection=assets, asset_check_selection=checks
    )
    jobs = {INGEST_JOB: defs.resolve_job_def(INGEST_JOB), PUBLISH_JOB: publish}
    ready = time.perf_counter() - START
    config = {"ops": {REPORT_OP: {"config": {"as_of": date.fromisoformat(as_of).isoformat()}}}}
    quiet = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}
    runs = []
    log = settings.warehouse.parent / "logs" / "jurisdiction_refresh.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    # dbt's log lines, which dagster-dbt echoes to stdout, go to a file (as in npcs refresh).
    with log.open("w", encoding="utf-8") as out, contextlib.redirect_stdout(out):
        for job, kwargs in (
            (
                INGEST_JOB,
                {
                    "partition_key": jurisdiction,
                    "run_config": quiet,
                    "tags": {
                        "npcs/trigger": "benchmark (as landing_zone_sensor)",
                        "npcs/jurisdiction": jurisdiction,
                        CHANGED_DATA_SETS_TAG: data_set,
                    },
                },
            ),
            (
                PUBLISH_JOB,
                {
                    "run_config": {**config, **quiet},
                    "tags": {
                        "npcs/trigger": "benchmark (as publish_after_ingestion)",
                        "npcs/jurisdictions": jurisdiction,
                        CHANGED_DATA_SETS_TAG: data_set,
                    },
                },
            ),
        ):
            t = time.perf_counter()
            result = jobs[job].execute_in_process(instance=instance, raise_on_error=False, **kwargs)
            runs.append(
                {
                    "job": job,
                    "run_id": result.run_id,
                    "success": result.success,
                    "seconds": time.perf_counter() - t,
                }
            )
            if not result.success:
                break
    print(json.dumps({"before_first_run": ready, "runs": runs}))
    if not all(r["success"] for r in runs):
        sys.exit(1)


if __name__ == "__main__":
    main(*sys.argv[1:])
