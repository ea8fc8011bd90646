"""Submitted record ids become keyed pseudonyms at the boundary (ingestion/pseudonyms.py): the key,
the SQL form held to Python's hmac, and real loads into a DuckDB file."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

import duckdb
import pytest

from ingestion import pseudonyms
from ingestion.core_data_set import DATA_SETS
from ingestion.landing import discover
from ingestion.raw_loader import load_data_set

REVIEW_HEADER = ",".join(DATA_SETS["reviews"].column_names)
IO_HEADER = ",".join(DATA_SETS["improvement_opportunities"].column_names)
TASC_HEADER = ",".join(DATA_SETS["tasc_responses"].column_names)
SSN_ID = "CT-078-05-1120"
NAME_ID = "SMITH-0412"


def _review(review_id: str, age: int = 3) -> str:
    return (
        f"{review_id},fatality,2024-01-05,2024-04-20,suid_sleep,neglect,{age},female,white,"
        "true,1,true,false"
    )


def _tasc(response_id: str, wave: str = "2024-1") -> str:
    items = ",".join(["4"] * 7 + ["3"] * 4 + ["3"] * 3 + ["2"] * 5 + ["4"])
    return f"{response_id},{wave},2024-03-05,U01,caseworker,1_2y,{items}"


def _stored_bytes(warehouse: Path) -> bytes:
    """The warehouse file and its write-ahead log, as a disk holds them."""
    wal = Path(f"{warehouse}.wal")
    return warehouse.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _write(landing: Path, jurisdiction: str, data_set: str, name: str, lines: list[str]) -> None:
    folder = landing / jurisdiction / data_set
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n".join(lines) + "\n")


def _load(con, landing: Path, data_set: str, key: bytes | None = None):
    return load_data_set(con, data_set, discover(landing, data_set), key=key)


@pytest.fixture
def key_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "config" / "npcs" / "pseudonym.key"
    monkeypatch.setenv(pseudonyms.KEY_FILE_ENV, str(path))
    return path


# --- the key ------------------------------------------------------------------------------------


def test_the_key_is_created_on_first_use_owner_only_and_then_reused(key_file):
    assert not key_file.exists()
    key = pseudonyms.load_key()
    assert len(key) == pseudonyms.KEY_BYTES
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert pseudonyms.load_key() == key
    assert [p.name for p in key_file.parent.iterdir()] == ["pseudonym.key"]  # no temp file left


def test_the_default_place_is_the_users_config_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(pseudonyms.KEY_FILE_ENV)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert pseudonyms.key_path() == tmp_path / "xdg" / "npcs" / "pseudonym.key"


def test_a_key_others_may_read_is_refused(key_file):
    pseudonyms.load_key()
    os.chmod(key_file, 0o644)
    with pytest.raises(pseudonyms.PseudonymKeyError, match="chmod 600"):
        pseudonyms.load_key()


def test_a_missing_key_is_not_created_when_asked_not_to(key_file):
    with pytest.raises(pseudonyms.PseudonymKeyError, match=pseudonyms.KEY_FILE_ENV):
        pseudonyms.load_key(create=False)
    assert not key_file.exists()


def test_a_file_that_is_not_a_key_is_refused(key_file):
    key_file.parent.mkdir(parents=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, b"not a key\n")
    os.close(fd)
    with pytest.raises(pseudonyms.PseudonymKeyError, match="not a key"):
        pseudonyms.load_key()


# --- the pseudonym --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["RV-000001", SSN_ID, "Case No. 2023-7741203", "Zoë O'Brien", "x\\x41", "  padded "]
)
def test_the_sql_form_is_rfc_2104_hmac_sha256(value):
    key = bytes(range(40))
    message = "\x1f".join(("CT", "review", value.strip())).encode()
    expected = "rv_" + hmac.new(key, message, hashlib.sha256).hexdigest()[:20]
    assert pseudonyms.pseudonym(key, "CT", "review", value) == expected
    con = duckdb.connect()
    pseudonyms.install(con, key)
    sql = pseudonyms.sql("trim(?)", "'CT'", "review")
    assert con.execute(f"select {sql}", [value]).fetchone()[0] == expected
    pseudonyms.uninstall(con)
    assert con.execute("select count(*) from duckdb_variables()").fetchone()[0] == 0


def test_pseudonyms_differ_by_key_jurisdiction_and_kind():
    k1, k2 = b"a" * 32, b"b" * 32
    p = pseudonyms.pseudonym
    seen = {
        p(k1, "CT", "review", "R1"),
        p(k2, "CT", "review", "R1"),
        p(k1, "ME", "review", "R1"),
        p(k1, "CT", "io", "R1"),
    }
    assert len(seen) == 4
    assert p(k1, "CT", "review", "") is None and p(k1, "CT", "review", None) is None


# --- loads ------------------------------------------------------------------------------------


def test_ids_holding_identifiers_load_as_pseudonyms_and_are_stored_nowhere(
    tmp_path, key_file, monkeypatch
):
    import ingestion.raw_loader

    # CT shares its narratives here (none does in the demo): the narrative is keyed by pseudonym
    monkeypatch.setattr(ingestion.raw_loader, "shares_narratives", lambda j, on: j == "CT")
    landing = tmp_path / "landing"
    _write(landing, "CT", "reviews", "r.csv", [REVIEW_HEADER, _review(SSN_ID), _review(NAME_ID)])
    _write(
        landing,
        "CT",
        "improvement_opportunities",
        "i.csv",
        [
            IO_HEADER,
            f"IO-{SSN_ID},{SSN_ID},teamwork_coordination,team,,1,",
            f"{NAME_ID}-IO,{NAME_ID},safe_sleep_education,family_need,,2,a note",
            f"{NAME_ID}-IO2,NOT-A-REVIEW,safe_sleep_education,family_need,,2,",
        ],
    )
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    reviews = _load(con, landing, "reviews")
    ios = _load(con, landing, "improvement_opportunities")
    key = pseudonyms.load_key()
    assert reviews.rows_loaded == 2 and ios.rows_loaded == 2
    # an IO finds its review by the pseudonym of the review's id
    expected = sorted(pseudonyms.pseudonym(key, "CT", "review", i) for i in (SSN_ID, NAME_ID))
    assert [
        r[0] for r in con.execute("select review_id from raw.reviews order by 1").fetchall()
    ] == (expected)
    assert con.execute(
        "select count(*) from raw.improvement_opportunities i join raw.reviews r using (review_id)"
    ).fetchone() == (2,)
    # the reference that finds no review is quarantined as a pseudonym, never the id
    assert con.execute("select column_name, rule, value_class from raw.quarantine").fetchall() == [
        ("review_id", "review not found in this jurisdiction", "pseudonym")
    ]
    assert con.execute("select io_id from restricted.io_narratives").fetchall() == [
        (pseudonyms.pseudonym(key, "CT", "io", f"{NAME_ID}-IO"),)
    ]
    con.close()
    data = _stored_bytes(warehouse)
    for submitted in (SSN_ID, NAME_ID, "078-05-1120", "SMITH", "NOT-A-REVIEW"):
        assert submitted.encode() not in data, submitted


# Ids that hold an identifier in shapes nobody listed: each loads as a pseudonym, none is kept.
ID_SHAPES = (
    "DOB-20160304",
    "CT-078.05.1120",
    "MEDICAID 88120455",
    "zwaluw-0412",
    "tobias.quennell",
    "Quennell, Tobias",
    "078051120",
)


def test_ids_of_any_shape_load_and_none_is_stored(tmp_path, key_file):
    landing = tmp_path / "landing"
    _write(
        landing, "CT", "reviews", "r.csv", [REVIEW_HEADER, *(_review(f'"{i}"') for i in ID_SHAPES)]
    )
    _write(
        landing,
        "CT",
        "tasc_responses",
        "t.csv",
        [TASC_HEADER, *(_tasc(f'"{i}"') for i in ID_SHAPES)],
    )
    warehouse = tmp_path / "w.duckdb"
    con = duckdb.connect(str(warehouse))
    assert _load(con, landing, "reviews").rows_loaded == len(ID_SHAPES)
    assert _load(con, landing, "tasc_responses").rows_loaded == len(ID_SHAPES)
    key = pseudonyms.load_key()
    assert sorted(
        r[0] for r in con.execute("select response_id from raw.tasc_responses").fetchall()
    ) == sorted(pseudonyms.pseudonym(key, "CT", "response", i) for i in ID_SHAPES)
    con.close()
    data = _stored_bytes(warehouse).lower()
    for fragment in ("20160304", "078.05", "88120455", "zwaluw", "quennell", "078051120"):
        assert fragment.encode() not in data, fragment


def test_a_corrected_file_keys_its_rows_by_the_same_pseudonyms(tmp_path, key_file):
    landing = tmp_path / "landing"
    _write(landing, "CT", "reviews", "r.csv", [REVIEW_HEADER, _review("R1", 3), _review("R2", 4)])
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    _load(con, landing, "reviews")
    _write(landing, "CT", "reviews", "r_corrected.csv", [REVIEW_HEADER, _review("R2", 5)])
    _load(con, landing, "reviews")
    versions = con.execute(
        "select review_id, count(*), max(child_age_years) from raw.reviews group by 1 order by 2"
    ).fetchall()
    key = pseudonyms.load_key()
    assert versions == [
        (pseudonyms.pseudonym(key, "CT", "review", "R1"), 1, 3),
        (pseudonyms.pseudonym(key, "CT", "review", "R2"), 2, 5),
    ]


def test_a_duplicate_key_is_found_on_pseudonyms(tmp_path, key_file):
    landing = tmp_path / "landing"
    _write(landing, "CT", "reviews", "r.csv", [REVIEW_HEADER, _review("R1"), _review(" R1 ")])
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    result = _load(con, landing, "reviews")
    assert (result.rows_loaded, result.rows_quarantined) == (1, 1)
    assert con.execute("select source_row_number, rule from raw.quarantine").fetchall() == [
        (3, "duplicate key in file")
    ]


def test_another_key_is_refused_by_a_warehouse_made_with_one(tmp_path, key_file):
    landing = tmp_path / "landing"
    _write(landing, "CT", "reviews", "r.csv", [REVIEW_HEADER, _review("R1")])
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    _load(con, landing, "reviews")
    _write(landing, "CT", "reviews", "r2.csv", [REVIEW_HEADER, _review("R2")])
    with pytest.raises(pseudonyms.PseudonymKeyError, match="not the key this warehouse"):
        _load(con, landing, "reviews", key=b"k" * 32)
    assert con.execute("select count(*) from raw.reviews").fetchone() == (1,)
    assert con.execute("select count(*) from duckdb_variables()").fetchone() == (0,)


@pytest.mark.parametrize(
    "wave, ok",
    [("2024-1", True), ("2024-Q2", True), ("2024-spring", True), ("2024", True)]
    + [("Jane 2024", False), ("2024-ops-team", False), ("2024-10", False)],
)
def test_a_survey_wave_is_kept_only_in_a_known_shape(tmp_path, key_file, wave, ok):
    landing = tmp_path / "landing"
    _write(
        landing,
        "CT",
        "tasc_responses",
        "t.csv",
        [TASC_HEADER, _tasc("T1", wave)],
    )
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    result = _load(con, landing, "tasc_responses")
    assert result.rows_loaded == (1 if ok else 0)
    stored = con.execute("select survey_wave from raw.tasc_responses").fetchall()
    assert stored == ([(wave,)] if ok else [])
    if not ok:
        assert con.execute("select column_name from raw.quarantine").fetchall() == [
            ("survey_wave",)
        ]


def test_a_warehouse_loaded_before_pseudonyms_has_its_stored_ids_replaced(tmp_path, key_file):
    """A warehouse from before this change holds submitted ids: the first load replaces them in
    place (raw, narratives, gate samples), so a correction still replaces; quarantined values
    become their class."""
    landing = tmp_path / "landing"
    _write(landing, "CT", "reviews", "r.csv", [REVIEW_HEADER, _review("R1", 3)])
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    _load(con, landing, "reviews")
    # as the loader stored it before: the submitted id, no key recorded
    con.execute("update raw.reviews set review_id = 'R1'")
    con.execute("insert into restricted.io_narratives values ('CT', 'IO-R1', 1, 'a note')")
    # and a quarantine that kept (masked) values
    con.execute("alter table raw.quarantine add column value varchar")
    con.execute(
        "insert into raw.quarantine (submission_id, source_file, jurisdiction_id, data_set, "
        "source_row_number, column_name, rule, row_loaded, value) values (1, 'CT/reviews/r.csv', "
        "'CT', 'reviews', 3, 'incident_type', 'code list incident_type', false, 'Jane Doe')"
    )
    con.execute('update quality.check_results set sample = \'[{"review_id": "R1"}]\'')
    con.execute(f"drop table {pseudonyms.FINGERPRINT_TABLE}")

    _write(landing, "CT", "reviews", "r_corrected.csv", [REVIEW_HEADER, _review("R1", 5)])
    _load(con, landing, "reviews")
    key = pseudonyms.load_key()
    r1 = pseudonyms.pseudonym(key, "CT", "review", "R1")
    assert con.execute(
        "select review_id, child_age_years from raw.reviews order by submission_id"
    ).fetchall() == [(r1, 3), (r1, 5)]
    assert con.execute("select io_id from restricted.io_narratives").fetchall() == [
        (pseudonyms.pseudonym(key, "CT", "io", "IO-R1"),)
    ]
    # the values became their class, the column is gone
    assert con.execute("select value_class from raw.quarantine").fetchall() == [
        ("name-like value",)
    ]
    assert "value" not in [r[0] for r in con.execute("describe raw.quarantine").fetchall()]
    assert con.execute("select count(sample) from quality.check_results").fetchone() == (0,)
    assert con.execute(f"select count(*) from {pseudonyms.FINGERPRINT_TABLE}").fetchone() == (1,)
