"""The raw loader against real CSV files and a real DuckDB file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingestion.core_data_set import DATA_SETS
from ingestion.landing import discover
from ingestion.raw_loader import load_data_set

HEADER = ",".join(DATA_SETS["workforce"].column_names)


def _write(root: Path, jurisdiction: str, name: str, lines: list[str]) -> Path:
    folder = root / jurisdiction / "workforce"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def con(tmp_path):
    c = duckdb.connect(str(tmp_path / "w.duckdb"))
    yield c
    c.close()


def test_good_rows_load_with_lineage_and_bad_rows_are_quarantined(tmp_path, con):
    landing = tmp_path / "landing"
    _write(
        landing,
        "CT",
        "a.csv",
        [HEADER, "2024-Q1,caseworker,10,11,2,1,0,1", "2024-Q2,caseworker,11,12,1,0,0,0"],
    )
    _write(
        landing,
        "ME",
        "b.csv",
        [HEADER, "2024-Q1,caseworker,5,5,0,0,0,0", "2024-Q2,caseworker,five,5,0,0,0,0"],
    )
    _write(landing, "WY", "c.csv", ["period,role", "2024-Q1,caseworker"])

    result = load_data_set(con, "workforce", discover(landing, "workforce"))

    assert result.rows_loaded == 3
    by_file = {o.file.relative_path: o for o in result.outcomes}
    assert by_file["CT/workforce/a.csv"].status == "accepted"
    me = by_file["ME/workforce/b.csv"]
    assert me.status == "accepted_with_rejected_rows"
    assert (me.rows_read, me.rows_loaded, me.rows_quarantined) == (2, 1, 1)
    assert "headcount_start" in me.reason and "type integer" in me.reason
    assert "required columns missing" in by_file["WY/workforce/c.csv"].reason
    quarantined = con.execute(
        "select source_file, source_row_number, column_name, rule, value_class from raw.quarantine"
    ).fetchall()
    assert quarantined == [
        ("ME/workforce/b.csv", 3, "headcount_start", "type integer", "word of 4 characters")
    ]
    rows = con.execute(
        "select jurisdiction_id, source_file, source_row_number, headcount_end, "
        "length(file_sha256) from raw.workforce order by jurisdiction_id, source_row_number"
    ).fetchall()
    assert rows == [
        ("CT", "CT/workforce/a.csv", 2, 11, 64),
        ("CT", "CT/workforce/a.csv", 3, 12, 64),
        ("ME", "ME/workforce/b.csv", 2, 5, 64),
    ]
    ledger = con.execute(
        "select source_file, status, rows_loaded from raw.submission_ledger order by 1"
    ).fetchall()
    assert ledger == [
        ("CT/workforce/a.csv", "accepted", 2),
        ("ME/workforce/b.csv", "accepted_with_rejected_rows", 1),
        ("WY/workforce/c.csv", "rejected", 0),
    ]


def test_the_same_bytes_again_change_nothing_and_a_new_version_keeps_history(tmp_path, con):
    landing = tmp_path / "landing"
    a = _write(landing, "CT", "a.csv", [HEADER, "2024-Q1,caseworker,10,11,2,1,0,1"])
    load_data_set(con, "workforce", discover(landing, "workforce"))
    snapshot = con.execute("select * from raw.workforce").fetchall()

    again = load_data_set(con, "workforce", discover(landing, "workforce"))
    assert [o.status for o in again.outcomes] == ["unchanged"]
    assert con.execute("select * from raw.workforce").fetchall() == snapshot
    assert con.execute("select count(*) from raw.submission_ledger").fetchone()[0] == 1

    a.write_text(HEADER + "\n2024-Q1,caseworker,10,12,3,1,0,1\n")  # corrected resubmission
    load_data_set(con, "workforce", discover(landing, "workforce"))
    versions = con.execute(
        "select submission_id, headcount_end from raw.workforce order by submission_id"
    ).fetchall()
    assert [v[1] for v in versions] == [11, 12]
    assert versions[0][0] < versions[1][0]


def test_an_unparseable_file_does_not_stop_the_others(tmp_path, con):
    landing = tmp_path / "landing"
    _write(landing, "CT", "a.csv", [HEADER, "2024-Q1,caseworker,10,11,2,1,0,1"])
    bad = landing / "ME" / "workforce" / "b.csv"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(HEADER.encode() + b'\n"2024-Q1,caseworker,1,1,0,0,0,0\n')  # unterminated quote
    result = load_data_set(con, "workforce", discover(landing, "workforce"))
    statuses = {o.file.jurisdiction_id: o.status for o in result.outcomes}
    assert statuses == {"CT": "accepted", "ME": "rejected"}
    assert con.execute("select count(*) from raw.workforce").fetchone()[0] == 1


def test_ragged_rows_are_quarantined_whole_and_the_other_rows_load(tmp_path, con):
    """Canonical files read in one scan: a ragged row fails that scan, the files are read alone,
    and the row goes to quarantine as one entry without its values, next to rule breaks."""
    landing = tmp_path / "landing"
    _write(landing, "CT", "a.csv", [HEADER, "2024-Q1,caseworker,10,11,2,1,0,1"])
    _write(
        landing,
        "ME",
        "b.csv",
        [
            HEADER,
            "2024-Q1,caseworker,5,5,0,0,0,0",
            "2024-Q1,supervisor,Marisol Okafor,5,5,0,0,0,0",  # 9 values
            "2024-Q2,caseworker,five,5,0,0,0,0",  # a rule broken
            "2024-Q2,supervisor,5,5,0,0,0",  # 7 values
            "2024-Q3,caseworker,5,5,0,0,0,0",
        ],
    )
    result = load_data_set(con, "workforce", discover(landing, "workforce"))
    by_file = {o.file.jurisdiction_id: o for o in result.outcomes}
    assert (by_file["CT"].status, by_file["CT"].rows_loaded) == ("accepted", 1)
    me = by_file["ME"]
    assert me.status == "accepted_with_rejected_rows"
    assert (me.rows_read, me.rows_loaded, me.rows_quarantined) == (5, 2, 3)
    hint = "check for a missing or extra delimiter, or an unquoted value containing the delimiter"
    nine = f"row has 9 values but the header row has 8 columns (comma delimiter) — {hint}"
    seven = f"row has 7 values but the header row has 8 columns (comma delimiter) — {hint}"
    assert con.execute(
        "select source_row_number, column_name, rule, value_class from raw.quarantine order by 1"
    ).fetchall() == [
        (3, "(row)", nine, None),
        (4, "headcount_start", "type integer", "word of 4 characters"),
        (5, "(row)", seven, None),
    ]
    assert me.reason == (
        f"column (row), rule {seven}: 1 row(s), first row 5; "
        f"column (row), rule {nine}: 1 row(s), first row 3; "
        "column headcount_start, rule type integer: 1 row(s), first row 4"
    )
    assert con.execute(
        "select source_row_number, period from raw.workforce where jurisdiction_id = 'ME' "
        "order by 1"
    ).fetchall() == [(2, "2024-Q1"), (6, "2024-Q3")]
    assert con.execute(
        "select status, rows_read, rows_loaded, rows_quarantined from raw.submission_ledger "
        "where jurisdiction_id = 'ME'"
    ).fetchall() == [("accepted_with_rejected_rows", 5, 2, 3)]


def _reviews_file(root: Path, jurisdiction: str) -> Path:
    from ingestion.core_data_set import REVIEWS

    folder = root / jurisdiction / "reviews"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "r.csv"
    path.write_text(
        ",".join(REVIEWS.column_names)
        + "\nR1,fatality,2024-01-01,2024-03-01,suid_sleep,neglect,0,male,white,false,0,true,false\n"
    )
    return path


def test_a_file_the_sharing_level_does_not_allow_is_rejected_whole(tmp_path, con):
    landing = tmp_path / "landing"
    _reviews_file(landing, "CT")  # CT shares reviews record by record
    _reviews_file(landing, "NY")  # NY shares reviews only as counts (aggregate)

    result = load_data_set(con, "reviews", discover(landing, "reviews"))

    by_j = {o.file.jurisdiction_id: o for o in result.outcomes}
    assert by_j["CT"].status == "accepted"
    assert by_j["NY"].status == "rejected"
    assert "level 'aggregate'" in by_j["NY"].reason and "review_summary" in by_j["NY"].reason
    assert con.execute("select jurisdiction_id from raw.reviews").fetchall() == [("CT",)]


def test_files_out_of_place_are_rejected_with_one_reason_each(tmp_path, con):
    from ingestion.landing import scan
    from ingestion.raw_loader import record_misplaced

    landing = tmp_path / "landing"
    _reviews_file(landing, "CT")
    (landing / "ZZ-NOWHERE" / "reviews").mkdir(parents=True)
    (landing / "ZZ-NOWHERE" / "reviews" / "a.csv").write_text("x\n1\n")
    (landing / "CT" / "budgets").mkdir()
    (landing / "CT" / "budgets" / "b.csv").write_text("x\n1\n")
    (landing / "CT" / "reviews" / "notes.docx").write_bytes(b"PK\x03\x04")
    (landing / "final.csv").write_text("x\n1\n")
    outside = tmp_path / "secret.csv"
    outside.write_text("x\n1\n")
    (landing / "CT" / "reviews" / "copy.csv").symlink_to(outside)

    placed, misplaced = scan(landing)

    assert [f.relative_path for f in placed] == ["CT/reviews/r.csv"]
    reasons = {m.relative_path: m.reason for m in misplaced}
    # a folder that is not a registered jurisdiction is not named (it could be a family's)
    assert "unknown jurisdiction folder" in reasons["(unregistered folder)/reviews/a.csv"]
    assert "unknown data set folder" in reasons["CT/(folder)/b.csv"]  # "budgets": not a known word
    assert "unsupported file type" in reasons["CT/reviews/notes.docx"]
    assert "not in a <jurisdiction>/<data set>/ folder" in reasons["final.csv"]
    assert "outside the landing zone" in reasons["CT/reviews/copy.csv"]

    from datetime import datetime

    record_misplaced(con, misplaced, datetime(2024, 10, 1))
    ledger = con.execute(
        "select source_file, status from raw.submission_ledger where stage = 'placement' order by 1"
    ).fetchall()
    assert [r[0] for r in ledger] == sorted(reasons)
    assert {r[1] for r in ledger} == {"rejected"}


def _load_both_ways(tmp_path, monkeypatch, files: dict[str, list[str]]) -> list[dict]:
    """Load ``files`` (jurisdiction -> lines) twice into fresh warehouses: canonical CSVs read in
    one scan into the batch, and every file read alone by the reader; what each stored."""
    import ingestion.raw_loader as raw_loader

    out = []
    for one_scan in (True, False):
        landing = tmp_path / f"landing_{one_scan}"
        for j, lines in files.items():
            _write(landing, j, f"{j.lower()}.csv", lines)
        if not one_scan:
            monkeypatch.setattr(raw_loader, "_is_plain_canonical_csv", lambda f: False)
        con = duckdb.connect(str(tmp_path / f"w_{one_scan}.duckdb"))
        load_data_set(con, "workforce", discover(landing, "workforce"))
        cols = ", ".join(DATA_SETS["workforce"].column_names)
        out.append(
            {
                "rows": con.execute(
                    f"select jurisdiction_id, source_file, source_row_number, {cols} "
                    "from raw.workforce order by all"
                ).fetchall(),
                "quarantine": con.execute(
                    "select source_file, source_row_number, column_name, rule, value_class, "
                    "row_loaded from raw.quarantine order by all"
                ).fetchall(),
                "ledger": con.execute(
                    "select source_file, status, rows_read, rows_loaded, rows_quarantined, reason "
                    "from raw.submission_ledger order by all"
                ).fetchall(),
            }
        )
        con.close()
        monkeypatch.undo()
    return out


def test_the_one_scan_stores_what_the_reader_alone_stores(tmp_path, monkeypatch):
    """Padded values, a row with no value at all (numbered, then skipped), a row of blanks and a
    quoted empty value (kept: rules broken), a file missing a required column rejected beside
    files accepted in the same scan: every row, row number, quarantine entry and ledger line is
    the same whether the canonical files are read together or each alone."""
    short = ",".join(c for c in DATA_SETS["workforce"].column_names if c != "role")
    files = {
        "CT": [
            HEADER,
            " 2024-Q1 , caseworker ,10, 11 ,2,1,0,1",
            ",,,,,,,",
            "  ,  ,  ,  ,  ,  ,  ,  ",
            '"",caseworker,1,1,0,0,0,0',
            "2024-Q2,caseworker,11,12,1,0,0,0",
        ],
        "ME": [short, "2024-Q1,10,11,2,1,0,1"],
        "VT": [HEADER, "2024-Q1,supervisor,3,3,0,0,0,0", "2024-Q1,supervisor,3,3,0,0,0,0"],
    }
    together, alone = _load_both_ways(tmp_path, monkeypatch, files)
    assert together["ledger"] == alone["ledger"]
    assert together["rows"] == alone["rows"]
    assert together["quarantine"] == alone["quarantine"]
    statuses = {f.split("/")[0]: s for f, s, *_ in together["ledger"]}
    assert statuses == {
        "CT": "accepted_with_rejected_rows",
        "ME": "rejected",
        "VT": "accepted_with_rejected_rows",
    }
    ct = [(r[2], r[3]) for r in together["rows"] if r[0] == "CT"]
    assert ct == [(2, "2024-Q1"), (6, "2024-Q2")]  # row 3 had no value at all: skipped
    assert {r[1] for r in together["quarantine"] if r[0].startswith("CT")} == {4, 5}


def test_narratives_are_kept_only_while_the_member_shares_them(tmp_path, monkeypatch, con):
    """narrative_sharing.csv is effective-dated like the sharing levels and off by default: a
    narrative is kept (redacted, restricted) only from a member that shares on the day of
    receipt; otherwise the column is not stored, and the ledger says why."""
    import shutil
    from datetime import date, datetime

    from ingestion import reference

    seeds = tmp_path / "seeds"
    shutil.copytree(reference.SEEDS_DIR, seeds)
    (seeds / "narrative_sharing.csv").write_text(
        "jurisdiction_id,is_shared,effective_from,effective_to\n"
        "CT,true,2024-01-01,2024-07-01\nCT,false,2024-07-01,\n"
    )
    monkeypatch.setattr(reference, "SEEDS_DIR", seeds)
    assert reference.shares_narratives("CT", date(2024, 3, 1))
    assert not reference.shares_narratives("CT", date(2024, 8, 1))
    assert not reference.shares_narratives("ME", date(2024, 3, 1))

    landing = tmp_path / "landing"
    reviews = landing / "CT" / "reviews"
    reviews.mkdir(parents=True)
    (reviews / "r.csv").write_text(
        ",".join(DATA_SETS["reviews"].column_names)
        + "\nR1,fatality,2024-01-05,2024-04-20,suid_sleep,neglect,0,female,white,true,1,true,"
        + "false\n"
    )
    load_data_set(con, "reviews", discover(landing, "reviews"), received_at=datetime(2024, 5, 1))
    ios = landing / "CT" / "improvement_opportunities"
    ios.mkdir(parents=True)
    header = ",".join(DATA_SETS["improvement_opportunities"].column_names)

    def load_ios(name: str, io_id: str, received: datetime):
        (ios / name).write_text(f"{header}\n{io_id},R1,other,team,,1,Worker met Ruth Quennell\n")
        data_set = "improvement_opportunities"
        return load_data_set(con, data_set, discover(landing, data_set), received_at=received)

    first = load_ios("a.csv", "IO1", datetime(2024, 5, 1))
    assert first.outcomes[0].dropped_columns == []
    later = load_ios("b.csv", "IO2", datetime(2024, 8, 1))
    [b] = [o for o in later.outcomes if o.status != "unchanged"]
    assert b.rows_loaded == 1
    assert b.dropped_columns == [
        {
            "column": "narrative",
            "reason": "not kept: CT does not share IO narratives "
            "(dbt_project/seeds/narrative_sharing.csv); the column was not stored",
        }
    ]
    kept = con.execute("select narrative_redacted from restricted.io_narratives").fetchall()
    assert len(kept) == 1 and "Quennell" not in kept[0][0]  # the first only, redacted
