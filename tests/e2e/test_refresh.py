"""End to end: files -> raw -> dbt marts -> Soda gates -> report, through `npcs refresh`."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.conftest import DEMO_AS_OF, copy_landing

HEADLINE_NUMERIC_KEYS = (
    "reviews_completed",
    "improvement_opportunities",
    "pct_reviews_with_teamwork_coordination",
    "pct_reviews_with_economic_support",
    "survey_responses",
    "survey_jurisdictions",
    "member_jurisdictions",
    "jurisdictions_joined_in_prior_year",
)


def _headline(reports: Path) -> dict:
    return json.loads((reports / "headline.json").read_text())


def test_demo_refresh_passes_every_gate(demo_refresh):
    assert demo_refresh.success, (demo_refresh.failed_checks, demo_refresh.failed_steps)
    assert demo_refresh.failed_checks == []
    assert "reporting/partnership_report" in demo_refresh.materialized


def test_each_mart_materialization_carries_its_dbt_tests_and_row_count(demo_refresh):
    from dagster import AssetKey, DagsterEventType, DagsterInstance

    # the demo refresh's own materializations (other tests refresh in the same instance)
    events = {
        e.dagster_event.asset_key: e
        for e in DagsterInstance.get().all_logs(
            demo_refresh.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION
        )
    }
    for key in (["reviews", "fct_reviews"], ["workforce", "agg_tasc_scores"]):
        event = events[AssetKey(key)]
        metadata = {
            k: getattr(v, "value", v) for k, v in event.asset_materialization.metadata.items()
        }
        assert metadata["dbt_tests_passed"] >= 0, key  # the repeated ones run in the gate
        assert metadata["dbt_tests_not_passed"] == 0, key
        assert metadata["dagster/row_count"] > 0, key
    # dbt tests still run in a refresh: those no Soda contract repeats (singular tests, ...)
    tallied = [
        e.asset_materialization.metadata["dbt_tests_passed"].value
        for e in events.values()
        if "dbt_tests_passed" in e.asset_materialization.metadata
    ]
    assert sum(tallied) > 50


def test_headline_as_of_2024_10_01_matches_the_published_findings(demo_refresh):
    h = _headline(demo_refresh.settings.reports)
    assert h["as_of"] == DEMO_AS_OF.isoformat()
    for key in HEADLINE_NUMERIC_KEYS:
        assert isinstance(h[key], int | float), key
    assert h["reviews_completed"] == 711
    assert h["improvement_opportunities"] == 1841
    assert h["pct_reviews_with_teamwork_coordination"] > 50
    assert h["pct_reviews_with_economic_support"] > 20
    assert h["survey_responses"] > 24000
    assert h["survey_jurisdictions"] == 10
    assert h["member_jurisdictions"] == 38
    assert h["jurisdictions_joined_in_prior_year"] == 3
    assert h["synthetic"] is True


def test_report_html_shows_the_headline_and_a_chart(demo_refresh):
    html = (demo_refresh.settings.reports / "report.html").read_text()
    h = _headline(demo_refresh.settings.reports)
    assert "711" in html and "1,841" in html
    assert f"{h['pct_reviews_with_teamwork_coordination']}%" in html
    assert "<svg" in html
    assert "SYNTHETIC" in html


def test_report_figures_agree_with_the_marts(demo_refresh):
    """The teamwork partner and economic-support findings hold in the computed tables."""
    from reporting.figures import economic_support_by_cause, teamwork_partners

    con = duckdb.connect(str(demo_refresh.settings.warehouse), read_only=True)
    try:
        partners = teamwork_partners(con, DEMO_AS_OF)
        by_cause = economic_support_by_cause(con, DEMO_AS_OF)
    finally:
        con.close()
    assert partners[0]["partner_agency"] == "law_enforcement"
    assert by_cause[0]["cause_of_incident"] == "suid_sleep"


def test_without_as_of_the_totals_are_larger(demo_refresh, tmp_path):
    from reporting.figures import headline

    con = duckdb.connect(str(demo_refresh.settings.warehouse), read_only=True)
    try:
        later = headline(con, DEMO_AS_OF.replace(year=2026))
    finally:
        con.close()
    assert later["reviews_completed"] > 711
    assert later["improvement_opportunities"] > 1841
    assert later["survey_responses"] > _headline(demo_refresh.settings.reports)["survey_responses"]


def _drop_reviews(landing: Path, jurisdiction: str) -> int:
    """Delete a jurisdiction's record-level reviews (and their IOs) completed by the as-of date."""
    removed = 0
    ids: set[str] = set()
    for f in sorted((landing / jurisdiction / "reviews").glob("*.csv")):
        rows = list(csv.DictReader(f.open()))
        keep = [r for r in rows if r["review_completed_date"] > DEMO_AS_OF.isoformat()]
        ids |= {r["review_id"] for r in rows if r not in keep}
        removed += len(rows) - len(keep)
        with f.open("w", newline="") as out:
            w = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(keep)
    for f in sorted((landing / jurisdiction / "improvement_opportunities").glob("*.csv")):
        rows = list(csv.DictReader(f.open()))
        keep = [r for r in rows if r["review_id"] not in ids]
        with f.open("w", newline="") as out:
            w = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
            w.writeheader()
            w.writerows(keep)
    return removed


def test_changing_the_landing_data_changes_the_figures(demo_landing, tmp_path):
    from npcs.refresh import run_refresh

    landing = copy_landing(demo_landing, tmp_path / "landing")
    removed = _drop_reviews(landing, "CT")
    assert removed > 0
    outcome = run_refresh(
        landing=landing, warehouse=tmp_path / "w.duckdb", out=tmp_path / "reports", as_of=DEMO_AS_OF
    )
    assert outcome.success, (outcome.failed_checks, outcome.failed_steps)
    h = _headline(tmp_path / "reports")
    assert h["reviews_completed"] == 711 - removed
    assert h["improvement_opportunities"] < 1841


def _duplicate_a_review(warehouse: Path) -> None:
    """A second copy of one loaded review in the same submission: a duplicate key in raw."""
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            "insert into raw.reviews select * from raw.reviews where jurisdiction_id = 'CT' "
            "order by submission_id, source_row_number limit 1"
        ).fetchall()
    finally:
        con.close()


# One defect per class, blocking the refresh and later runs: tests/e2e/test_gates.py.


def test_npcs_refresh_cli_exits_non_zero_and_names_the_failed_check(
    demo_refresh, demo_landing, tmp_path
):
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(demo_refresh.settings.warehouse, warehouse)
    _duplicate_a_review(warehouse)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "npcs.cli",
            "refresh",
            "--landing",
            str(demo_landing),
            "--warehouse",
            str(warehouse),
            "--out",
            str(tmp_path / "reports"),
            "--as-of",
            DEMO_AS_OF.isoformat(),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode != 0
    assert "raw/reviews:soda_contract" in proc.stderr
    assert "duplicate" in proc.stderr.lower()
    assert not (tmp_path / "reports" / "headline.json").exists()


def test_a_bad_row_in_a_submission_is_quarantined_and_the_rest_loads(demo_landing, tmp_path):
    """Row-level defects in a file do not block the refresh: the row is quarantined with its
    rule, the file's other rows and every other file load, and the ledger says so."""
    from npcs.refresh import run_refresh

    landing = copy_landing(demo_landing, tmp_path / "landing")
    f = sorted((landing / "ME" / "reviews").glob("*.csv"))[0]
    rows = list(csv.DictReader(f.open()))
    rows[0]["incident_type"] = "alien_abduction"
    with f.open("w", newline="") as out:
        w = csv.DictWriter(out, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    warehouse = tmp_path / "w.duckdb"
    outcome = run_refresh(
        landing=landing, warehouse=warehouse, out=tmp_path / "reports", as_of=DEMO_AS_OF
    )
    assert outcome.success, (outcome.failed_checks, outcome.failed_steps)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        quarantined = con.execute(
            "select source_file, source_row_number, column_name, rule, value_class "
            "from raw.quarantine"
        ).fetchall()
        status = con.execute(
            "select status, rows_quarantined from raw.submission_ledger where source_file = ?",
            [f"ME/reviews/{f.name}"],
        ).fetchone()
    finally:
        con.close()
    review = (
        f"ME/reviews/{f.name}",
        2,
        "incident_type",
        "code list incident_type",
        "word of 15 characters",  # its class: the warehouse keeps no submitted value
    )
    assert review in quarantined
    # the quarantined review's IOs cannot load either: their review is not there
    others = [q for q in quarantined if q != review]
    assert {(q[2], q[3], q[4]) for q in others} <= {
        (
            "review_id",
            "review not found in this jurisdiction",
            "pseudonym",
        )
    }
    assert status == ("accepted_with_rejected_rows", 1)
