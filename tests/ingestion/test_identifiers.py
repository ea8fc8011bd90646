"""The identifier detector (ingestion/identifiers.py): the classes of the issue's leaks, each in
several forms, and the SQL fast path held to agreement with the Python check."""

from __future__ import annotations

import random

import duckdb
import pytest

from ingestion import identifiers
from ingestion.landing import SubmissionFile


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        # SSNs, any separator or none
        ("078 05 1120", "ssn"),
        ("078-05-1120", "ssn"),
        ("078–05–1120", "ssn"),
        ("078—05—1120", "ssn"),
        ("078.05.1120", "ssn"),
        ("078051120", "ssn"),
        # case, Medicaid and other agency numbers
        ("Case No. 2023-7741203", "case_number"),
        ("MEDICAID 88120455", "case_number"),
        ("client #445566", "case_number"),
        # names, in any case and order
        ("JANE DOE", "name"),
        ("jane doe", "name"),
        ("Doe, Jane", "name"),
        ("DOE_JANE", "name"),
        ("Marisol Okafor", "name"),
        # dates, phones, e-mail, addresses
        ("07/23/2016", "date"),
        ("23 July 2016", "date"),
        ("20160723", "date"),
        ("(555) 010-4477", "phone"),
        ("555.010.4477", "phone"),
        ("marisol.okafor@example.org", "email"),
        ("marisol [at] example [dot] org", "email"),
        ("41 juniper hollow road", "address"),
        ("41 Juniper Hollow Road, Apt 3", "address"),
    ],
)
def test_whole_values_show_their_kind_and_are_no_record_id(value, kind):
    assert identifiers.value_kind(value) == kind
    assert identifiers.opaque_id_problem(value) is not None
    assert identifiers.shown(value) == identifiers.withheld(kind)


@pytest.mark.parametrize(
    "value",
    ["RV-000001", "T000123", "IO-000123-2", "CT-R-2023-0042", "2024-1", "U01", "suid_sleep",
     "CA-LOS-ANGELES", "OH-FRANKLIN", "NY-NYC", "R_4GiL4JPfoJrL6ud",
     "630215f9-eb0a-4d6d-b624-dcf3777c4251"],
)  # fmt: skip
def test_legitimate_ids_and_codes_pass(value):
    assert identifiers.value_kind(value) is None
    assert identifiers.opaque_id_problem(value) is None


@pytest.mark.parametrize(
    ("text", "planted"),
    [
        ("Caseworker met JANE DOE at the home.", "JANE DOE"),
        ("the aunt, maria garcia, agreed to supervise.", "maria garcia"),
        ("SSN 078–05–1120 was on the intake form.", "078–05–1120"),
        ("The family lived at 41 juniper hollow road for a year.", "41 juniper hollow road"),
        ("Write to marisol [at] example [dot] org for records.", "marisol [at] example [dot] org"),
        ("Det. Brown interviewed the boyfriend.", "Brown"),
    ],
)
def test_narrative_redaction_covers_the_forms_that_slipped_through(text, planted):
    out = identifiers.redact(text)
    assert planted not in out and "[REDACTED:" in out


def test_the_sql_fast_path_passes_only_what_the_detector_passes():
    """Every id the loader passes in SQL without asking the detector, the detector passes too:
    sampled across the fast path's shapes, agency-keyword prefixes included (they must not be
    fast)."""
    rng = random.Random(15)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    values = []
    for _ in range(3000):
        prefix = "".join(rng.choice(letters) for _ in range(rng.randint(1, 3)))
        sep = rng.choice(["", "-", "_"])
        values.append(f"{prefix}{sep}{rng.randrange(10 ** rng.randint(1, 9))}")
        head = str(rng.randrange(10 ** rng.randint(1, 4)))
        tail = rng.choice(["", f"{rng.choice('-_.')}{rng.randrange(1000)}"])
        values.append(head + tail)
    values += ["MCI1234567", "DCF-123456", "cps_0042", "ID12345", "dl-9876543"]
    con = duckdb.connect()
    fast = con.execute(
        f"select v, {identifiers.fast_opaque_id_sql('v')} from unnest(?::varchar[]) t(v)",
        [values],
    ).fetchall()
    passed_in_sql = [v for v, is_fast in fast if is_fast]
    assert len(passed_in_sql) > len(values) // 2  # the fast path is used
    assert [v for v in passed_in_sql if identifiers.opaque_id_problem(v)] == []
    assert not any(is_fast for v, is_fast in fast if v.upper().startswith(("MCI", "DCF", "CPS")))


@pytest.mark.parametrize(
    "name",
    [
        "review Marisol Okafor DOB 2016-08-21.csv",
        "078-05-1120 tasc.xlsx",
        "outcomes marisol.okafor@example.org.json",
        "41 Juniper Hollow Road.csv",
        "Case No. 2023-7741203 summary.csv",
    ],
)
def test_a_file_name_holding_an_identifier_is_stored_by_data_set_and_hash(tmp_path, name):
    _assert_stored_by_hash(tmp_path, name)


# Names the detector sees nothing in, but with a word outside the partnership's vocabulary
# (ingestion/vocabulary.py): kept only as their data set and hash all the same.
@pytest.mark.parametrize(
    "name",
    [
        "review van der Zwaluw.csv",
        "reviews_ragged_rows.csv",
        "Quennell-2024.csv",
        "reviews (copy) okafor.json",
        "DwyerReviews2024.xlsx",
    ],
)
def test_a_file_name_with_a_word_outside_the_vocabulary_is_stored_by_data_set_and_hash(
    tmp_path, name
):
    _assert_stored_by_hash(tmp_path, name)


def _assert_stored_by_hash(tmp_path, name):
    path = tmp_path / "CT" / "reviews" / name
    path.parent.mkdir(parents=True)
    path.write_bytes(b"review_id\nRV-1\n")
    f = SubmissionFile(path, "CT", "reviews")
    assert f.name == f"reviews_{f.sha256()[:12]}{path.suffix.lower()}"
    assert f.relative_path == f"CT/reviews/{f.name}"
    assert f.name_note and f.name in f.name_note


@pytest.mark.parametrize(
    "name", ["reviews_2024-10-01.csv", "reviews_FY2020.csv", "workforce_2024_final_v2.csv"]
)
def test_ordinary_file_names_are_kept(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"x")
    assert SubmissionFile(path, "CT", "reviews").name == name
