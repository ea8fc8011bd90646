"""No personal identifier is stored anywhere: plant some in a submission, then look for them."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from tests.conftest import DEMO_AS_OF, copy_landing
from tests.submitted_ids import pseudonym_of

PLANTED = {
    "child_name": "Jaquelyn Worthington",
    "date_of_birth": "2019-03-04",
    "ssn": "123-45-6789",
    "parent_email": "jaquelyn.worthington@example.org",
}
NARRATIVE = (
    "Caseworker met Jaquelyn Worthington; mother reachable at jaquelyn.worthington@example.org"
)


def _plant(landing: Path) -> None:
    f = sorted((landing / "CT" / "reviews").glob("*.csv"))[0]
    rows = list(csv.DictReader(f.open()))
    for r in rows:
        r.update(PLANTED)
    with f.open("w", newline="") as out:
        w = csv.DictWriter(out, fieldnames=[*rows[0].keys()])
        w.writeheader()
        w.writerows(rows)
    g = sorted((landing / "CT" / "improvement_opportunities").glob("*.csv"))[0]
    rows = list(csv.DictReader(g.open()))
    rows[0]["narrative"] = NARRATIVE
    # A stray identifier as the whole value of a record id: the row loads, the id is stored
    # only as its keyed pseudonym.
    rows[1]["io_id"] = PLANTED["ssn"]
    with g.open("w", newline="") as out:
        w = csv.DictWriter(out, fieldnames=[*rows[0].keys()])
        w.writeheader()
        w.writerows(rows)


# Tables that list every calendar day: a planted date of birth is in them by construction, not
# because it leaked (they are built from date ranges, not from any submission).
CALENDAR_TABLES = {("common", "dim_calendar"), ("semantic", "metricflow_time_spine")}


def _hits_in_tables(warehouse: Path) -> list[str]:
    hits = []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_catalog = current_database()"
        ).fetchall()
        for schema, table, column in columns:
            for key, value in PLANTED.items():
                if key == "date_of_birth" and (schema, table) in CALENDAR_TABLES:
                    continue
                n = con.execute(
                    f'select count(*) from "{schema}"."{table}" '
                    f'where cast("{column}" as varchar) like ?',
                    [f"%{value}%"],
                ).fetchall()[0][0]
                if n:
                    hits.append(f"{schema}.{table}.{column}: {value}")
    finally:
        con.close()
    return hits


def _hits_in_files(folder: Path) -> list[str]:
    hits = []
    for p in folder.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            hits += [f"{p}: {v}" for v in PLANTED.values() if v.encode() in data]
    return hits


def test_planted_identifiers_are_stored_nowhere(demo_landing, tmp_path):
    from npcs.refresh import run_refresh

    landing = copy_landing(demo_landing, tmp_path / "landing")
    _plant(landing)
    root = tmp_path / "out"
    outcome = run_refresh(
        landing=landing,
        warehouse=root / "warehouse" / "w.duckdb",
        out=root / "reports",
        as_of=DEMO_AS_OF,
    )
    assert outcome.success, (outcome.failed_checks, outcome.failed_steps)

    warehouse = root / "warehouse" / "w.duckdb"
    assert _hits_in_tables(warehouse) == []
    # the warehouse file itself, its logs and feedback, and the published reports
    assert _hits_in_files(root) == []
    # the Dagster instance: event log, run storage, compute logs
    assert _hits_in_files(outcome.settings.dagster_home) == []

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        dropped = con.execute(
            "select dropped_columns from raw.submission_ledger where dropped_columns is not null"
        ).fetchall()
        stray = con.execute(
            "select count(*) from raw.improvement_opportunities where jurisdiction_id = 'CT' "
            "and io_id = ?",
            [pseudonym_of("CT", "io", PLANTED["ssn"])],
        ).fetchall()
        narratives = con.execute(
            "select narrative_redacted from restricted.io_narratives"
        ).fetchall()
    finally:
        con.close()
    recorded = " ".join(d[0] for d in dropped)
    for column in PLANTED:
        assert column in recorded  # the ledger says which column was dropped, not its values
    # no member shares IO narratives in the demo (narrative_sharing.csv): none is kept at all
    assert narratives == []
    assert "does not share IO narratives" in recorded
    assert stray == [(1,)]  # the SSN used as an id loaded, as its pseudonym only
