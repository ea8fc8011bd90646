"""Submitter feedback (`npcs validate`, per-file reports) and idempotent re-ingestion."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb

from ingestion.core_data_set import DATA_SETS, REVIEWS
from ingestion.feedback import render_text, validate_file, write_feedback
from ingestion.landing import discover
from ingestion.raw_loader import load_data_set

GOOD = "R1,fatality,2024-01-01,2024-03-01,suid_sleep,neglect,0,male,white,false,0,true,false"
BAD = "R2,alien,2024-01-01,2024-03-01,suid_sleep,neglect,0,male,white,false,0,true,false"


def _file(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "reviews.csv"
    path.write_text(",".join(REVIEWS.column_names) + "\n" + "\n".join(rows) + "\n")
    return path


def test_validate_loads_nothing_and_names_row_column_and_rule(tmp_path):
    report = validate_file(_file(tmp_path, GOOD, BAD), "CT", "reviews")
    assert report["loaded"] is False
    assert report["status"] == "accepted_with_rejected_rows"
    assert (report["rows_read"], report["rows_loaded"], report["rows_quarantined"]) == (2, 1, 1)
    [q] = report["quarantined_rows"]
    # the coordinator's own file on their own machine: the value as typed, and what was expected
    assert (q["row"], q["column"], q["rule"], q["value"]) == (
        3,
        "incident_type",
        "code list incident_type",
        "alien",
    )
    assert q["expected"] == "one of fatality, near_fatality, serious_injury, other_critical"
    assert "found 'alien'; expected one of fatality" in render_text(report)


def test_validate_reports_a_ragged_row_without_its_values(tmp_path):
    ragged = GOOD.replace("R1,", "R3,Marisol Okafor,", 1)
    path = _file(tmp_path, GOOD.replace("R1", "R2"), ragged, GOOD)
    report = validate_file(path, "CT", "reviews")
    assert report["status"] == "accepted_with_rejected_rows"
    assert (report["rows_read"], report["rows_loaded"], report["rows_quarantined"]) == (3, 2, 1)
    rule = (
        "row has 14 values but the header row has 13 columns (comma delimiter) — check for a "
        "missing or extra delimiter, or an unquoted value containing the delimiter"
    )
    assert report["quarantined_rows"] == [
        {"row": 3, "column": "(row)", "rule": rule, "found": None, "expected": None, "value": None}
    ]
    assert report["reason"] == f"column (row), rule {rule}: 1 row(s), first row 3"
    text = render_text(report)
    assert f"  row 3: {rule}" in text.splitlines()
    assert "Marisol" not in json.dumps(report) + text


def test_npcs_validate_exit_code_and_json(tmp_path):
    good = subprocess.run(
        [
            sys.executable,
            "-m",
            "npcs.cli",
            "validate",
            str(_file(tmp_path, GOOD)),
            "--jurisdiction",
            "CT",
            "--dataset",
            "reviews",
        ],
        capture_output=True,
        text=True,
    )
    assert good.returncode == 0, good.stderr
    assert "ACCEPTED" in good.stdout
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "npcs.cli",
            "validate",
            str(_file(tmp_path, GOOD)),
            "--jurisdiction",
            "NY",
            "--dataset",
            "reviews",
            "--json",
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    report = json.loads(bad.stdout)
    assert report["status"] == "rejected" and "sharing level" in report["reason"]


def test_feedback_is_written_per_new_file_version(tmp_path):
    landing = tmp_path / "landing" / "CT" / "reviews"
    landing.mkdir(parents=True)
    (landing / "a.csv").write_text(_file(tmp_path, GOOD, BAD).read_text())
    con = duckdb.connect()
    result = load_data_set(con, "reviews", discover(tmp_path / "landing", "reviews"))
    written = write_feedback(con, result.outcomes, tmp_path / "feedback")
    assert len(written) == 1
    report = json.loads(written[0].read_text())
    assert report["status"] == "accepted_with_rejected_rows"
    assert report["file_version"] == result.outcomes[0].submission_id
    text = written[0].with_suffix(".txt").read_text()
    assert text.startswith(
        f"CT/reviews/a.csv: ACCEPTED WITH REJECTED ROWS (file version {report['file_version']})"
    )
    # a stored report keeps the class of the value and what was expected, never the value
    [q] = report["quarantined_rows"]
    assert (q["found"], "value" in q) == ("word of 5 characters", False)
    assert "alien" not in json.dumps(report) + text
    assert "expected one of fatality" in text
    again = load_data_set(con, "reviews", discover(tmp_path / "landing", "reviews"))
    assert write_feedback(con, again.outcomes, tmp_path / "feedback") == []


def _fingerprint(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    tables = con.execute(
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema in ('raw', 'restricted')"
    ).fetchall()
    return {
        t: con.execute(f"select count(*), sum(hash(x)) from {t} as x").fetchall()[0]
        for (t,) in tables
    }


def test_reingesting_the_demo_landing_zone_changes_no_table(demo_landing, tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    for name in DATA_SETS:
        load_data_set(con, name, discover(demo_landing, name))
    first = _fingerprint(con)
    for name in DATA_SETS:
        result = load_data_set(con, name, discover(demo_landing, name))
        assert {o.status for o in result.outcomes} == {"unchanged"}
    assert _fingerprint(con) == first
    assert first["raw.reviews"][0] > 600
