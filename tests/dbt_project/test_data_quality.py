"""The data_quality marts and the report's "Data quality" section, on the hand-written rows of
conftest.py (write_raw and write_quality), with every figure computed by hand there."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

from tests.dbt_project.conftest import HELD_SUBMISSION_ID


def _rows(con, sql, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_scorecard_per_jurisdiction_and_fiscal_quarter_received(warehouse):
    rows = {
        r["scorecard_key"]: r
        for r in _rows(warehouse, "select * from data_quality.agg_quality_scorecard")
    }
    assert set(rows) == {
        "CT:FY2025-Q1",  # the workforce file rejected in December 2024
        "CT:FY2025-Q2",
        "ME:FY2025-Q2",
        "NY:FY2025-Q2",
        "OH:FY2025-Q2",
        "OH-FRANKLIN:FY2025-Q2",
        "PA-ALLEGHENY:FY2025-Q2",
    }
    rejected = rows["CT:FY2025-Q1"]
    assert (rejected["file_versions_received"], rejected["file_versions_rejected"]) == (1, 1)
    assert (rejected["period_start_date"], rejected["period_end_date"]) == (
        date(2024, 10, 1),
        date(2024, 12, 31),
    )
    assert rejected["quarantine_rate"] is None and rejected["raw_gate_pass_rate"] is None

    ct = rows["CT:FY2025-Q2"]
    # files 1-6 accepted, 14 held: rows read 5 + 6 + 1 + 3 + 6 + 8 + 3 = 32, one quarantined
    assert {k: ct[k] for k in ct if k.startswith("file_versions")} == {
        "file_versions_received": 7,
        "file_versions_accepted": 6,
        "file_versions_released": 0,
        "file_versions_held": 1,
        "file_versions_pending": 0,
        "file_versions_rejected": 0,
        "file_versions_due": 2,  # outcomes and workforce; reviews, IOs and TASC have no deadline
        "file_versions_on_time": 0,
    }
    assert (ct["rows_read"], ct["rows_loaded"], ct["rows_quarantined"]) == (32, 31, 1)
    assert ct["quarantine_rate"] == pytest.approx(1 / 32)
    # reviews gate (3 checks, the duplicate check failed on CT's rows) + outcomes gate (2 passed)
    assert (ct["raw_gate_checks_run"], ct["raw_gate_checks_failed"]) == (5, 1)
    assert ct["raw_gate_pass_rate"] == pytest.approx(0.8)
    # outcomes FY2024 due 2024-11-14, received 2025-01-15: 62 days late; workforce 2024-Q1 due
    # 2024-05-15: 245 days late; median 153.5
    assert ct["on_time_rate"] == 0.0 and ct["median_days_late"] == 153.5

    # the duplicate check failed on CT's rows only: OH-FRANKLIN's reviews passed it
    oh_franklin = rows["OH-FRANKLIN:FY2025-Q2"]
    assert (oh_franklin["raw_gate_checks_run"], oh_franklin["raw_gate_checks_failed"]) == (5, 0)
    assert oh_franklin["raw_gate_pass_rate"] == 1.0

    ny = rows["NY:FY2025-Q2"]  # not through a gate yet
    assert (ny["file_versions_pending"], ny["raw_gate_checks_run"]) == (1, 0)
    assert ny["raw_gate_pass_rate"] is None and ny["median_days_late"] == 62.0


def test_quarantine_reasons_name_column_and_rule_never_a_value(warehouse):
    rows = _rows(
        warehouse,
        "select jurisdiction_id, period, data_set, column_name, rule, rows_quarantined, "
        "file_versions from data_quality.agg_quarantine_reasons order by column_name",
    )
    assert rows == [
        dict(jurisdiction_id="CT", period="FY2025-Q2", data_set="reviews", column_name=c,
             rule=f"code list {c}", rows_quarantined=1, file_versions=1)
        for c in ("child_sex", "incident_type")
    ]  # fmt: skip
    columns = warehouse.execute(
        "select table_name, column_name from information_schema.columns "
        "where table_schema = 'data_quality' and column_name in ('value', 'narrative')"
    ).fetchall()
    assert columns == []


def test_check_results_history_as_stored(warehouse):
    rows = _rows(warehouse, "select * from data_quality.fct_check_results")
    assert len(rows) == 7
    assert sum(r["is_dataset_result"] for r in rows) == 6
    (ct,) = [r for r in rows if r["jurisdiction_id"] == "CT"]
    assert (ct["outcome"], ct["failing_rows"], ct["action"]) == ("failed", 2, "held")
    assert ct["sample"] == '[{"jurisdiction_id": "CT", "review_id": "R7"}]'
    assert {r["layer"] for r in rows} == {"raw", "mart"}


def test_held_version_is_in_the_ledger_staging_with_its_gate_status(warehouse):
    statuses = dict(
        warehouse.execute(
            "select submission_id, gate_status from staging.stg_raw__submission_ledger"
        ).fetchall()
    )
    assert statuses[HELD_SUBMISSION_ID] == "held"
    assert statuses[8] == "pending"  # null in the ledger
    assert None not in statuses  # the rejected file has no submission_id: not here


def test_report_data_quality_figures(warehouse):
    from reporting.figures import data_quality

    rows = {r["jurisdiction_id"]: r for r in data_quality(warehouse)}
    ct = rows["CT"]
    assert (ct["received"], ct["accepted"], ct["held"], ct["rejected"]) == (8, 6, 1, 1)
    assert (ct["first_period"], ct["last_period"]) == ("FY2025-Q1", "FY2025-Q2")
    # two rules, one row each: the tie goes to the first by data set, column and rule
    assert (ct["rows_quarantined"], ct["top_reason_column"], ct["top_reason_rows"]) == (
        1,
        "child_sex",
        1,
    )
    assert (ct["pct_checks_passed"], ct["due"], ct["pct_on_time"]) == (80.0, 2, 0.0)
    assert rows["NY"]["pct_checks_passed"] is None
    assert list(rows)[0] == "CT"  # held files first


@pytest.fixture
def report_warehouse(built_warehouse, tmp_path):
    """A copy of the built warehouse (the report's tests change it) and dbt's semantic manifest."""
    assert built_warehouse["result"].success, built_warehouse["result"].exception
    path = tmp_path / "w.duckdb"
    shutil.copyfile(built_warehouse["path"], path)
    return path, built_warehouse["work_dir"] / "target" / "semantic_manifest.json"


def _build(path, manifest, out) -> str:
    from reporting.build import build_report

    con = duckdb.connect(str(path), read_only=True)
    try:
        build_report(con, out, date(2025, 6, 30), synthetic=False, semantic_manifest=manifest)
    finally:
        con.close()
    return (out / "report.html").read_text()


def test_report_has_a_data_quality_section_and_builds_without_a_scorecard(
    report_warehouse, tmp_path
):
    path, manifest = report_warehouse
    html = _build(path, manifest, tmp_path / "full")
    assert 'id="data-quality-table"' in html
    assert '<tr data-jurisdiction="CT"><td>CT</td><td class="num">8</td>' in html
    assert "reviews.child_sex: code list child_sex (1 rows)" in html
    assert "80.0%" in html

    with duckdb.connect(str(path)) as con:  # nothing received yet
        con.execute("delete from data_quality.agg_quality_scorecard").fetchall()
        con.execute("delete from data_quality.agg_quarantine_reasons").fetchall()
    html = _build(path, manifest, tmp_path / "empty")
    assert "No file versions have been received yet." in html
    assert 'id="data-quality-table"' not in html

    with duckdb.connect(str(path)) as con:  # a release's warehouse has no data_quality schema
        con.execute("drop schema data_quality cascade").fetchall()
    html = _build(path, manifest, tmp_path / "release")
    assert "not part of releases" in html
