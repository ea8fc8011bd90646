"""The ``submission_freshness`` checks in real runs: a member whose workforce file has not come by
its due date is listed with its days overdue (WARN, the run succeeds); the ingestion run of the
late file evaluates the check too; once the file is in the marts (the ``publish`` run) the member
is on time again.

Real in-process Dagster runs on the session's instance, real DuckDB, dbt and Soda; the demo
landing zone of two members, one of them late with its workforce files.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta

import dagster as dg

from orchestration.defs.freshness import CHECK_NAME
from quality_checks.freshness import submission_due_days
from tests.conftest import DEMO_AS_OF

LATE = "CT"
KEY = dg.AssetCheckKey(dg.AssetKey(["raw", "workforce"]), CHECK_NAME)


def _quarter_end(label: str) -> date:
    year, q = int(label[:4]), int(label[-1])
    return (date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)) - timedelta(days=1)


def _latest_quarter_sent(folder) -> date:
    """The end of the latest quarter in the member's workforce files, ended by the as-of date."""
    ends = [
        _quarter_end(row["period"])
        for f in folder.glob("*.csv")
        for row in csv.DictReader(f.open(newline=""))
    ]
    return max(e for e in ends if e <= DEMO_AS_OF)


def _evaluation(evaluations, key=KEY):
    found = [e for e in evaluations if e.asset_check_key == key]
    assert len(found) == 1, f"{key.to_user_string()} evaluated {len(found)} times"
    return found[0]


def _overdue(evaluation) -> dict[str, int]:
    """jurisdiction -> days overdue, read back from the check's markdown table."""
    table = evaluation.metadata["overdue"].value
    rows = [line.split("|")[1:-1] for line in table.splitlines()[2:]] if table != "none" else []
    return {cells[0].strip(): int(cells[-1]) for cells in rows}


def _status_overdue(reports) -> str:
    """The overdue section of the status report."""
    html = (reports / "status.html").read_text()
    return html[html.index('<h2 id="overdue">') : html.index('<h2 id="held">')]


def test_a_late_member_is_flagged_then_on_time_once_its_file_is_in(tmp_path, demo_landing):
    from npcs.refresh import run_refresh
    from orchestration.definitions import defs
    from orchestration.defs.jobs import INGEST_JOB, PUBLISH_JOB

    landing, held_back = tmp_path / "landing", tmp_path / "not_sent_yet"
    for j in (LATE, "ME"):
        shutil.copytree(demo_landing / j, landing / j)
    # CT has not sent its workforce files for FY2024 on: due 45 days after 2023-Q4, long ago
    held_back.mkdir()
    for f in sorted((landing / LATE / "workforce").glob("*.csv")):
        if f.stem >= "workforce_FY2024":
            shutil.move(f, held_back / f.name)
    assert list(held_back.iterdir())
    due_days = submission_due_days()
    after = _latest_quarter_sent(landing / LATE / "workforce") + timedelta(days=1)
    next_end = _quarter_end(f"{after.year}-Q{(after.month - 1) // 3 + 1}")  # the quarter owed
    expected_days = (DEMO_AS_OF - (next_end + timedelta(days=due_days))).days
    assert expected_days > 0

    outcome = run_refresh(
        landing=landing,
        warehouse=tmp_path / "w" / "npcs.duckdb",
        out=tmp_path / "reports",
        as_of=DEMO_AS_OF,
    )
    # a late member is a warning: the refresh goes through and publishes
    assert outcome.success, (outcome.failed_checks, outcome.failed_steps, outcome.skipped_assets)
    assert "reporting/partnership_report" in outcome.materialized
    warned = {c.check: c for c in outcome.warned_checks}
    late = warned[KEY.to_user_string()]
    assert late.metadata["as_of"] == DEMO_AS_OF.isoformat()
    table = late.metadata["overdue"]
    assert f"| {LATE} |" in table
    row = next(line for line in table.splitlines() if line.startswith(f"| {LATE} |"))
    assert row.split("|")[-2].strip() == str(expected_days)
    assert LATE in late.metadata["jurisdictions_overdue"].split(", ")
    assert late.description.endswith(f"overdue as of {DEMO_AS_OF}")
    # the status report says the same
    assert f"<td>{LATE}</td><td>workforce</td>" in _status_overdue(tmp_path / "reports")

    # the files come in: the ingestion run (no dbt) evaluates the check on the marts as they were
    for f in held_back.iterdir():
        shutil.move(f, landing / LATE / "workforce" / f.name)
    instance = dg.DagsterInstance.get()
    config = {"ops": {CHECK_NAME: {"config": {"as_of": DEMO_AS_OF.isoformat()}}}}
    ingest = defs.resolve_job_def(INGEST_JOB).execute_in_process(
        instance=instance, partition_key=LATE, run_config=config, raise_on_error=False
    )
    assert ingest.success
    evaluation = _evaluation(ingest.get_asset_check_evaluations())
    assert evaluation.severity == dg.AssetCheckSeverity.WARN
    assert _overdue(evaluation)[LATE] == expected_days  # marts not rebuilt yet

    # the publish run rebuilds the marts, then evaluates the check again: CT is on time
    publish = defs.resolve_job_def(PUBLISH_JOB).execute_in_process(
        instance=instance,
        run_config={
            "ops": {
                **config["ops"],
                "reporting__partnership_report": {"config": {"as_of": DEMO_AS_OF.isoformat()}},
            }
        },
        raise_on_error=False,
    )
    assert publish.success
    evaluation = _evaluation(publish.get_asset_check_evaluations())
    assert LATE not in _overdue(evaluation)
    assert evaluation.metadata["members_owing"].value >= 1
    # ... and the report in the same run no longer lists CT's workforce
    assert f"<td>{LATE}</td><td>workforce</td>" not in _status_overdue(tmp_path / "reports")
