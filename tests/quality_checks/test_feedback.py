"""The quality gate's section of a coordinator's feedback (quality_checks/feedback.py).

Real loads of real files into DuckDB in tmp_path (ingestion writes the load's report), then
check results and gate decisions written with quality_checks.store as the gate step does.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from ingestion.core_data_set import REVIEWS
from ingestion.feedback import write_feedback
from ingestion.landing import discover
from ingestion.raw_loader import load_data_set
from quality_checks.feedback import add_gate_feedback
from quality_checks.store import CheckRow, record_check_rows, set_gate_status

ROW = "{id},fatality,2024-01-01,2024-03-01,suid_sleep,neglect,0,male,white,false,0,true,false"
BAD = "R9,alien,2024-01-01,2024-03-01,suid_sleep,neglect,0,male,white,false,0,true,false"
CHECKED_AT = datetime(2030, 1, 1, 12, 0, 0)  # after the loads below were received


def _write(landing: Path, jurisdiction: str, name: str, *rows: str) -> None:
    folder = landing / jurisdiction / "reviews"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(",".join(REVIEWS.column_names) + "\n" + "\n".join(rows) + "\n")


@pytest.fixture
def loaded(tmp_path):
    """CT (one good row, one quarantined) and NY reviews loaded, feedback written at load."""
    landing = tmp_path / "landing"
    _write(landing, "CT", "ct.csv", ROW.format(id="R1"), BAD)
    _write(landing, "PA-ALLEGHENY", "pa.csv", ROW.format(id="R1"), ROW.format(id="R2"))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    result = load_data_set(con, "reviews", discover(landing, "reviews"))
    folder = tmp_path / "feedback"
    write_feedback(con, result.outcomes, folder)
    ids = {o.file.jurisdiction_id: o.submission_id for o in result.outcomes}
    yield con, folder, ids
    con.close()


def _gate_run(con, failing_in: dict[str, int]) -> None:
    """One raw.reviews verification: a passing check, a failing duplicate check whose rows are
    in the jurisdictions ``failing_in`` (jurisdiction -> rows), and a warned range check on
    PA-ALLEGHENY."""
    common = dict(layer="raw", contract="raw/reviews.yml", dataset="raw.reviews")
    rows = [
        CheckRow(
            **common,
            check_name="schema",
            check_type="schema",
            column_name=None,
            check_path="checks.schema",
            level="fail",
            outcome="passed",
        ),
        CheckRow(
            **common,
            check_name="key unique within a submission file",
            check_type="duplicate",
            column_name=None,
            check_path="checks.duplicate",
            level="fail",
            outcome="failed" if failing_in else "passed",
            failing_rows=sum(failing_in.values()) or None,
        ),
        CheckRow(
            **common,
            check_name="prior reports in range",
            check_type="invalid",
            column_name="prior_reports_count",
            check_path="columns.prior_reports_count",
            level="warn",
            outcome="warned",
        ),
    ]
    for jurisdiction, n in failing_in.items():
        rows.append(
            CheckRow(
                **common,
                check_name="key unique within a submission file",
                check_type="duplicate",
                column_name=None,
                check_path="checks.duplicate",
                level="fail",
                outcome="failed",
                jurisdiction_id=jurisdiction,
                failing_rows=n,
                action="held",
                sample=[
                    {"jurisdiction_id": jurisdiction, "review_id": "R1", "source_row_number": 2}
                ],
            )
        )
    rows.append(
        CheckRow(
            **common,
            check_name="prior reports in range",
            check_type="invalid",
            column_name="prior_reports_count",
            check_path="columns.prior_reports_count",
            level="warn",
            outcome="warned",
            jurisdiction_id="PA-ALLEGHENY",
            failing_rows=1,
            action="warned",
        )
    )
    record_check_rows(con, "run-1", rows, at=CHECKED_AT)


def test_held_file_names_each_failing_check_with_rows_sample_keys_and_what_to_do(loaded):
    con, folder, ids = loaded
    _gate_run(con, {"CT": 2})
    set_gate_status(con, [ids["CT"]], "held", "run-1", "raw/reviews.yml: key unique failed")
    set_gate_status(con, [ids["PA-ALLEGHENY"]], "accepted", "run-1")

    written = add_gate_feedback(con, folder, [ids["CT"], ids["PA-ALLEGHENY"]])

    assert len(written) == 2
    ct = json.loads(written[0].read_text())
    # the load's report is kept as it was
    assert ct["status"] == "accepted_with_rejected_rows" and ct["rows_quarantined"] == 1
    gate = ct["quality_gate"]
    assert gate["status"] == "held" and gate["run_id"] == "run-1"
    assert [c["check"] for c in gate["failing_checks"]] == ["key unique within a submission file"]
    failing = gate["failing_checks"][0]
    assert failing["rows"] == 2
    assert failing["sample_keys"] == [
        {"jurisdiction_id": "CT", "review_id": "R1", "source_row_number": 2}
    ]
    assert "one row per key" in failing["what_to_do"]
    assert gate["warnings"] == []  # the warning was on PA-ALLEGHENY's rows, not CT's
    assert "held" in gate["what_to_do"] and "CT/reviews/" in gate["what_to_do"]
    text = written[0].with_suffix(".txt").read_text()
    assert text.startswith("CT/reviews/ct.csv: ACCEPTED WITH REJECTED ROWS")
    assert "quality gate: HELD" in text
    assert "failed: check 'key unique within a submission file': 2 row(s) of yours" in text
    assert "e.g. jurisdiction_id=CT, review_id=R1, source_row_number=2" in text

    pa = json.loads(written[1].read_text())["quality_gate"]
    assert pa["status"] == "accepted" and pa["failing_checks"] == []
    assert [w["check"] for w in pa["warnings"]] == ["prior reports in range"]
    assert pa["what_to_do"].startswith("Nothing to do") and "warnings below" in pa["what_to_do"]


def test_a_check_failing_on_no_named_jurisdiction_is_listed_for_every_file(loaded):
    """A failed schema check names no jurisdiction's rows: it concerns everyone's data."""
    con, folder, ids = loaded
    record_check_rows(
        con,
        "run-2",
        [
            CheckRow(
                layer="raw",
                contract="raw/reviews.yml",
                dataset="raw.reviews",
                check_name="schema",
                check_type="schema",
                column_name=None,
                check_path="checks.schema",
                level="fail",
                outcome="failed",
            )
        ],
        at=CHECKED_AT,
    )
    set_gate_status(con, [ids["PA-ALLEGHENY"]], "held", "run-2", "schema")
    (path,) = add_gate_feedback(con, folder, [ids["PA-ALLEGHENY"]])
    gate = json.loads(path.read_text())["quality_gate"]
    assert [(c["check"], c["rows"]) for c in gate["failing_checks"]] == [("schema", None)]
    assert "data team" in gate["failing_checks"][0]["what_to_do"]


def test_calling_again_replaces_the_section_with_the_latest_decision(loaded):
    con, folder, ids = loaded
    _gate_run(con, {"CT": 2})
    set_gate_status(con, [ids["CT"]], "held", "run-1", "duplicate keys")
    add_gate_feedback(con, folder, [ids["CT"]])
    set_gate_status(con, [ids["CT"]], "released", "release-by-hand", "checked with CT: correct")

    (path,) = add_gate_feedback(con, folder, [ids["CT"]])

    gate = json.loads(path.read_text())["quality_gate"]
    assert gate["status"] == "released" and gate["reason"] == "checked with CT: correct"
    # the releasing run recorded no checks: the latest verification of raw.reviews is shown
    assert [c["check"] for c in gate["failing_checks"]] == ["key unique within a submission file"]
    assert "checked with CT: correct" in gate["what_to_do"]
    text = path.with_suffix(".txt").read_text()
    assert text.count("quality gate:") == 1 and "quality gate: RELEASED" in text


def test_a_missing_load_report_is_rebuilt_from_the_ledger(loaded):
    con, folder, ids = loaded
    _gate_run(con, {})
    set_gate_status(con, [ids["CT"]], "accepted", "run-1")
    (path,) = add_gate_feedback(con, folder, [ids["CT"]])
    before = json.loads(path.read_text())
    path.unlink()
    path.with_suffix(".txt").unlink()

    (again,) = add_gate_feedback(con, folder, [ids["CT"]])

    assert again == path
    assert json.loads(again.read_text()) == before
    assert (
        "row 3, column incident_type: code list incident_type"
        in again.with_suffix(".txt").read_text()
    )


def test_pending_and_unknown_versions(loaded):
    con, folder, ids = loaded
    written = add_gate_feedback(con, folder, [ids["CT"], 999])
    assert len(written) == 1  # 999 is no file version
    gate = json.loads(written[0].read_text())["quality_gate"]
    assert gate["status"] == "pending" and gate["failing_checks"] == []
    assert gate["what_to_do"].startswith("Not checked")


def test_reports_written_in_the_background_equal_those_written_at_once(loaded, tmp_path):
    """The raw gate step writes feedback in a thread while dbt runs; the files are the same."""
    from quality_checks.feedback import wait_for_writes

    con, folder, ids = loaded
    _gate_run(con, {"CT": 2})
    set_gate_status(con, [ids["CT"]], "held", "run-1", "duplicate keys")
    set_gate_status(con, [ids["PA-ALLEGHENY"]], "accepted", "run-1")
    at_once = add_gate_feedback(con, folder, [ids["CT"], ids["PA-ALLEGHENY"]])
    expected = {p: (p.read_text(), p.with_suffix(".txt").read_text()) for p in at_once}
    for p in at_once:
        p.unlink()
        p.with_suffix(".txt").unlink()

    paths = add_gate_feedback(con, folder, [ids["CT"], ids["PA-ALLEGHENY"]], background=True)

    assert wait_for_writes() == []
    assert paths == at_once
    assert {p: (p.read_text(), p.with_suffix(".txt").read_text()) for p in paths} == expected
