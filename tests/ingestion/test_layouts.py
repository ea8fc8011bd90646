"""Jurisdiction layouts: YAML validation and the canonical SELECT, run on a real DuckDB."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ingestion.core_data_set import DATA_SETS
from ingestion.layouts import (
    LAYOUTS_DIR,
    Constant,
    Layout,
    LayoutError,
    RaceFlags1997,
    canonical_select,
    layout_for,
    load_layout,
    missing_columns,
)

REVIEWS_LAYOUT = """
reviews:
  format: csv
  encoding: windows-1252
  delimiter: ";"
  columns:
    Review No: review_id
    Incident Category: incident_type
    Date of Incident: incident_date
    REVIEW  completed: review_completed_date
    Sex: child_sex
    Age: child_age_years
    Open Case (Y/N): open_case_at_incident
    Placement: in_out_of_home_care
    Prior Referrals: prior_reports_count
  ignore: [Case Number, Child Name]
  codes:
    child_sex: {M: male, F: female, U: unknown}
    incident_type:
      Near Fatality: near_fatality
      Fatality: fatality
  dates:
    default: "%m/%d/%Y"
  booleans:
    true: [Y, yes, 1]
    false: [N, no, 0]
  conversions:
    child_race_ethnicity:
      race_flags_1997:
        race_aian: AIAN
        race_asian: Asian
        race_black: Black
        race_nhpi: NHPI
        race_white: White
        hispanic: Hispanic
    cause_of_incident:
      constant: undetermined
"""


def _layout_file(tmp_path: Path, text: str, name: str = "XX-TEST") -> Path:
    path = tmp_path / f"{name}.yml"
    path.write_text(text)
    return path


def _canonical(
    layout: Layout | None, data_set: str, header: list[str], rows: list[tuple]
) -> tuple[list[dict[str, str | None]], list[str]]:
    """Load ``rows`` under ``header`` into a VARCHAR table and run the canonical SELECT."""
    select, notes = canonical_select(layout, data_set, header)
    con = duckdb.connect()
    try:
        cols = ", ".join('"' + h.replace('"', '""') + '" VARCHAR' for h in header)
        con.execute(f"create table src ({cols})").fetchall()
        if rows:
            marks = ", ".join("?" for _ in header)
            con.executemany(f"insert into src values ({marks})", [list(r) for r in rows])
        cur = con.execute(f"select {select} from src")
        names = [d[0] for d in cur.description]
        types = [str(d[1]) for d in cur.description]
        out = [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        con.close()
    assert names == DATA_SETS[data_set].column_names
    assert set(types) == {"VARCHAR"}
    return out, notes


@pytest.fixture
def reviews_layout(tmp_path) -> Layout:
    return load_layout(_layout_file(tmp_path, REVIEWS_LAYOUT))["reviews"]


REVIEW_HEADER = [
    "Review No",
    "incident category",  # case-insensitive
    "Date of Incident",
    "Review Completed",  # space-insensitive ("REVIEW  completed" in the layout)
    "Sex",
    "Age",
    "Open Case (Y/N)",
    "Placement",
    "Prior Referrals",
    "AIAN",
    "Asian",
    "Black",
    "NHPI",
    "White",
    "Hispanic",
    "Case Number",
    "Worker Notes",
]


def _review_row(**kw) -> tuple:
    row = {
        "Review No": "R1",
        "incident category": "Fatality",
        "Date of Incident": "3/5/2024",
        "Review Completed": "12/31/2024",
        "Sex": "F",
        "Age": "2",
        "Open Case (Y/N)": "Y",
        "Placement": "N",
        "Prior Referrals": "1",
        "AIAN": "N",
        "Asian": "N",
        "Black": "N",
        "NHPI": "N",
        "White": "N",
        "Hispanic": "N",
        "Case Number": "C-123",
        "Worker Notes": "x",
    }
    row.update(kw)
    return tuple(row[h] for h in REVIEW_HEADER)


def test_renames_codes_dates_and_booleans(reviews_layout):
    rows = [
        _review_row(),
        _review_row(**{"Review No": "R2", "incident category": "near FATALITY", "Sex": " m "}),
        _review_row(**{"Review No": "R3", "incident category": "SERIOUS_INJURY", "Sex": "u"}),
        _review_row(**{"Review No": "R4", "incident category": "Suicide", "Sex": "X"}),
        _review_row(**{"Review No": "R5", "Sex": "female", "Open Case (Y/N)": "yes"}),
        _review_row(**{"Review No": "R6", "Open Case (Y/N)": "0", "Placement": "TRUE"}),
        _review_row(**{"Review No": "R7", "Open Case (Y/N)": "maybe", "Placement": ""}),
    ]
    out, _ = _canonical(reviews_layout, "reviews", REVIEW_HEADER, rows)
    by_id = {r["review_id"]: r for r in out}

    r1 = by_id["R1"]
    assert r1["incident_type"] == "fatality"
    assert r1["incident_date"] == "2024-03-05"
    assert r1["review_completed_date"] == "2024-12-31"
    assert r1["child_sex"] == "female"
    assert r1["child_age_years"] == "2"
    assert r1["prior_reports_count"] == "1"
    assert (r1["open_case_at_incident"], r1["in_out_of_home_care"]) == ("true", "false")
    assert r1["cause_of_incident"] == "undetermined"  # constant
    assert r1["maltreatment_type"] is None  # not supplied
    # Code translations are case-insensitive; canonical codes pass (any case); the rest as written.
    assert (by_id["R2"]["incident_type"], by_id["R2"]["child_sex"]) == ("near_fatality", "male")
    assert (by_id["R3"]["incident_type"], by_id["R3"]["child_sex"]) == ("serious_injury", "unknown")
    assert (by_id["R4"]["incident_type"], by_id["R4"]["child_sex"]) == ("Suicide", "X")
    assert by_id["R5"]["child_sex"] == "female"
    # Booleans: declared spellings (case-insensitive) and true/false; anything else as written.
    assert by_id["R5"]["open_case_at_incident"] == "true"
    assert (by_id["R6"]["open_case_at_incident"], by_id["R6"]["in_out_of_home_care"]) == (
        "false",
        "true",
    )
    assert by_id["R7"]["open_case_at_incident"] == "maybe"
    assert by_id["R7"]["in_out_of_home_care"] == ""


def test_dates_that_do_not_parse_are_left_as_written(reviews_layout):
    values = {
        "D1": "03/05/2024",
        "D2": "2/29/2024",
        "D3": "2/30/2024",  # no such day
        "D4": "13/01/2024",  # month 13 (a day-first date)
        "D5": "2024-03-05",  # ISO already
        "D6": "soon",
        "D7": "",
    }
    rows = [_review_row(**{"Review No": k, "Date of Incident": v}) for k, v in values.items()]
    rows.append(_review_row(**{"Review No": "D8", "Date of Incident": None}))
    out, _ = _canonical(reviews_layout, "reviews", REVIEW_HEADER, rows)
    got = {r["review_id"]: r["incident_date"] for r in out}
    assert got == {
        "D1": "2024-03-05",
        "D2": "2024-02-29",
        "D3": "2/30/2024",
        "D4": "13/01/2024",
        "D5": "2024-03-05",
        "D6": "soon",
        "D7": "",
        "D8": None,
    }


FLAGS = ["AIAN", "Asian", "Black", "NHPI", "White", "Hispanic"]


@pytest.mark.parametrize(
    ("set_flags", "expected"),
    [
        ({"White": "Y"}, "white"),
        (
            {"Black": "y", "White": "YES", "AIAN": "1"},
            "american_indian_alaska_native;black_african_american;white",
        ),
        ({"Hispanic": "Y", "White": "Y"}, "hispanic_latino;white"),
        ({"Hispanic": "Y"}, "hispanic_latino"),
        ({"Asian": "Y", "NHPI": "Y"}, "asian;native_hawaiian_pacific_islander"),
        ({}, "unknown"),  # all N
        (dict.fromkeys(FLAGS, ""), "unknown"),  # all empty = not set
        (dict.fromkeys(FLAGS, None), "unknown"),
        ({"White": "Y", "Asian": "?"}, "Asian=?"),  # not a spelling: as written, for quarantine
    ],
)
def test_race_flags_1997(reviews_layout, set_flags, expected):
    out, _ = _canonical(reviews_layout, "reviews", REVIEW_HEADER, [_review_row(**set_flags)])
    assert out[0]["child_race_ethnicity"] == expected


def test_race_flags_with_own_spellings_and_missing_flag_columns(tmp_path):
    layout = load_layout(
        _layout_file(
            tmp_path,
            """
reviews:
  conversions:
    child_race_ethnicity:
      race_flags_1997:
        race_white: Wht
        race_black: Blk
        race_asian: Asn
        hispanic: Hisp
        true: [X]
""",
        )
    )["reviews"]
    header = ["review_id", "Wht", "Blk", "Hisp"]  # no Asn column in this file
    rows = [("1", "x", "", ""), ("2", "X", "X", "X"), ("3", "", "", ""), ("4", "Y", "", "")]
    out, notes = _canonical(layout, "reviews", header, rows)
    assert [r["child_race_ethnicity"] for r in out] == [
        "white",
        "black_african_american;hispanic_latino;white",
        "unknown",
        "Wht=Y",  # Y is not a spelling of this conversion
    ]
    assert any("'Asn'" in n and "not set" in n for n in notes)


def test_constant_and_codes_list_translation(tmp_path):
    layout = load_layout(
        _layout_file(
            tmp_path,
            """
reviews:
  codes:
    child_race_ethnicity:
      W: white
      B: black_african_american
      H: hispanic_latino
      Multi-AB: asian;black_african_american
  conversions:
    child_sex: {constant: unknown}
    prior_reports_count: {constant: "0"}
""",
        )
    )["reviews"]
    header = ["REVIEW_ID", "child_race_ethnicity", "child_sex"]
    rows = [("1", "W", "F"), ("2", "h; b", "F"), ("3", "multi-ab;Other", "M"), ("4", None, None)]
    out, notes = _canonical(layout, "reviews", header, rows)
    assert [r["child_race_ethnicity"] for r in out] == [
        "white",
        "hispanic_latino;black_african_american",
        "asian;black_african_american;Other",
        None,
    ]
    assert {r["child_sex"] for r in out} == {"unknown"}
    assert {r["prior_reports_count"] for r in out} == {"0"}
    assert [r["review_id"] for r in out] == ["1", "2", "3", "4"]
    # The file's own child_sex column is overridden by the constant and reported as not loaded.
    assert any("'child_sex'" in n and "not loaded" in n for n in notes)


def test_notes_name_unmapped_columns_but_not_ignored_ones(reviews_layout):
    _, notes = canonical_select(reviews_layout, "reviews", [*REVIEW_HEADER, "Child Name"])
    unmapped = [n for n in notes if "not loaded" in n]
    assert len(unmapped) == 1
    assert "'Worker Notes'" in unmapped[0]
    assert "Case Number" not in unmapped[0] and "Child Name" not in unmapped[0]
    assert any("maltreatment_type" in n for n in notes)  # not supplied
    assert missing_columns(reviews_layout, "reviews", REVIEW_HEADER) == [
        "maltreatment_type",
        "contact_within_3_years",
    ]
    # A layout column the file lacks is noted.
    _, notes = canonical_select(reviews_layout, "reviews", ["Review No"])
    assert any("'Placement'" in n and "not in the file" in n for n in notes)


def test_identity_without_a_layout():
    ds = DATA_SETS["workforce"]
    header = [c.upper() if i % 2 else c for i, c in enumerate(ds.column_names)] + ["remarks"]
    rows = [("2024-Q1", "Caseworker", "10", "11", "2", "1", "0", "x", "free text")]
    out, notes = _canonical(None, "workforce", header, rows)
    # Values pass through untouched (no translation without a layout).
    assert list(out[0].values()) == list(rows[0][:-1])
    assert notes == ["columns not in the workforce data set, not loaded: 'remarks'"]

    out, notes = _canonical(None, "reviews", ["review_id", "Child_Sex"], [("R1", "F")])
    assert (out[0]["review_id"], out[0]["child_sex"], out[0]["incident_date"]) == ("R1", "F", None)
    assert missing_columns(None, "reviews", ["review_id"])[0] == "incident_type"


def test_yaml_scalars_stay_text(tmp_path):
    layout = load_layout(
        _layout_file(
            tmp_path,
            """
tasc_responses:
  codes:
    role: {1: caseworker, 2: supervisor, yes: other, null: manager}
  booleans:
    true: [yes, on, 1]
    false: [no, off, 0]
""",
        )
    )["tasc_responses"]
    assert dict(layout.codes["role"]) == {
        "1": "caseworker",
        "2": "supervisor",
        "yes": "other",
        "null": "manager",
    }
    assert layout.true_values == ("true", "yes", "on", "1")
    assert layout.false_values == ("false", "no", "off", "0")


BAD_LAYOUTS = [
    # (yaml, key named in the error, words in the error)
    ("reviews:\n  columns:\n    Sex: child_gender\n", "reviews.columns.Sex", "child_gender"),
    (
        "reviews:\n  codes:\n    child_sex: {F: femme}\n",
        "reviews.codes.child_sex.F",
        "'femme' is not in the child_sex code list",
    ),
    (
        "reviews:\n  codes:\n    child_gender: {F: female}\n",
        "reviews.codes.child_gender",
        "not a column",
    ),
    ("reviews:\n  codes:\n    review_id: {F: female}\n", "reviews.codes.review_id", "an id column"),
    ('reviews:\n  dates:\n    default: "%m/%d/%Q"\n', "reviews.dates.default", "strptime"),
    (
        'reviews:\n  dates:\n    incident_date: "%m/%d"\n',
        "reviews.dates.incident_date",
        "full date",
    ),
    ("reviews:\n  dates:\n    incident_date: mm/dd/yyyy\n", "reviews.dates.incident_date", "full"),
    ('reviews:\n  dates:\n    child_sex: "%Y-%m-%d"\n', "reviews.dates.child_sex", "not date"),
    ("review:\n  format: csv\n", "review", "not a data set"),
    ("reviews:\n  delimeter: ';'\n", "reviews.delimeter", "unknown key"),
    ("reviews:\n  format: parquet\n", "reviews.format", "parquet"),
    ("reviews:\n  encoding: klingon\n", "reviews.encoding", "klingon"),
    ("reviews:\n  delimiter: '::'\n", "reviews.delimiter", "not a delimiter"),
    ("reviews:\n  sheet: Data\n", "reviews.sheet", "xlsx"),
    (
        "reviews:\n  booleans:\n    true: [Y]\n    false: [y]\n",
        "reviews.booleans",
        "both true and false",
    ),
    (
        "reviews:\n  conversions:\n    child_race_ethnicity:\n      race_flags_1997:\n"
        "        race_purple: P\n",
        "reviews.conversions.child_race_ethnicity.race_flags_1997.race_purple",
        "unknown flag",
    ),
    (
        "reviews:\n  conversions:\n    child_sex:\n      race_flags_1997:\n        race_white: W\n",
        "reviews.conversions.child_sex.race_flags_1997",
        "not a race_ethnicity list column",
    ),
    (
        "reviews:\n  conversions:\n    child_sex: {constant: girl}\n",
        "reviews.conversions.child_sex.constant",
        "'girl' is not in the child_sex code list",
    ),
    (
        "reviews:\n  conversions:\n    child_sex: {uppercase: x}\n",
        "reviews.conversions.child_sex",
        "exactly one of",
    ),
    (
        "reviews:\n  columns: {Gender: child_sex}\n"
        "  conversions:\n    child_sex: {constant: male}\n",
        "reviews.conversions.child_sex",
        "also mapped from column 'Gender'",
    ),
    (
        "reviews:\n  columns: {Gender: child_sex, ' gender': child_sex}\n",
        "reviews.columns. gender",
        "same header",
    ),
]


@pytest.mark.parametrize(("text", "key", "words"), BAD_LAYOUTS)
def test_invalid_layouts_name_file_and_key(tmp_path, text, key, words):
    path = _layout_file(tmp_path, text)
    with pytest.raises(LayoutError) as e:
        load_layout(path)
    assert e.value.path == str(path)
    assert e.value.key == key
    assert str(e.value).startswith(f"{path}: {key}: ")
    assert words in str(e.value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("reviews:\n  dates:\n    default: %m/%d/%Y\n", "not valid YAML"),  # unquoted %
        ("reviews:\n  format: csv\n  format: xlsx\n", "duplicate key 'format'"),
        ("- reviews\n", "mapping of data set sections"),
        ("", "mapping of data set sections"),
    ],
)
def test_unreadable_layouts_name_the_file(tmp_path, text, words):
    path = _layout_file(tmp_path, text)
    with pytest.raises(LayoutError, match=words) as e:
        load_layout(path)
    assert str(e.value).startswith(str(path))


def test_example_layouts_load_and_validate():
    franklin = load_layout(LAYOUTS_DIR / "examples" / "OH-FRANKLIN.yml")
    assert set(franklin) == {"reviews", "improvement_opportunities"}
    reviews = franklin["reviews"]
    assert (reviews.format, reviews.encoding, reviews.delimiter) == ("csv", "windows-1252", ";")
    assert dict(reviews.codes["child_sex"]) == {"m": "male", "f": "female", "u": "unknown"}
    assert reviews.date_formats("incident_date") == ("%m/%d/%Y",)
    assert "y" in reviews.true_values and "n" in reviews.false_values
    race = reviews.conversions["child_race_ethnicity"]
    assert isinstance(race, RaceFlags1997) and len(race.flags) == 6
    assert franklin["improvement_opportunities"].delimiter == ";"

    alameda = load_layout(LAYOUTS_DIR / "examples" / "CA-ALAMEDA.yml")
    assert set(alameda) == {"tasc_responses"}
    tasc = alameda["tasc_responses"]
    assert (tasc.format, tasc.sheet) == ("xlsx", "Responses")
    assert tasc.codes["role"]["social worker"] == "caseworker"

    # Every example layout supplies every required canonical column from its own headers.
    for layouts in (franklin, alameda):
        for name, layout in layouts.items():
            header = list(layout.columns) + [
                h
                for c in layout.conversions.values()
                if isinstance(c, RaceFlags1997)
                for h in c.flags.values()
            ]
            missing = missing_columns(layout, name, header)
            assert not set(missing) & set(DATA_SETS[name].required_columns), (name, missing)


def test_franklin_example_on_a_row():
    layout = layout_for("OH-FRANKLIN", "reviews", layouts_dir=LAYOUTS_DIR / "examples")
    header = [
        "Review Number",
        "Incident Category",
        "Date of Incident",
        "Review Completed",
        "Primary Cause",
        "Maltreatment Type",
        "Child Age (Years)",
        "Child Sex",
        "Race - American Indian/Alaska Native",
        "Race - Asian",
        "Race - Black/African American",
        "Race - Native Hawaiian/Pacific Islander",
        "Race - White",
        "Hispanic/Latino (Y/N)",
        "Open Case at Incident (Y/N)",
        "Prior Referrals",
        "Agency Contact Within 3 Yrs (Y/N)",
        "In Placement (Y/N)",
        "Case Number",
        "Child Name",
    ]
    row = (
        "FC-2024-017",
        "Near Fatality",
        "07/04/2024",
        "09/30/2024",
        "Unsafe Sleep",
        "Neglect",
        "0",
        "M",
        "N",
        "N",
        "Y",
        "N",
        "Y",
        "N",
        "Y",
        "2",
        "Y",
        "N",
        "2024-000123",
        "(name)",
    )
    out, notes = _canonical(layout, "reviews", header, [row])
    assert out[0] == {
        "review_id": "FC-2024-017",
        "incident_type": "near_fatality",
        "incident_date": "2024-07-04",
        "review_completed_date": "2024-09-30",
        "cause_of_incident": "suid_sleep",
        "maltreatment_type": "neglect",
        "child_age_years": "0",
        "child_sex": "male",
        "child_race_ethnicity": "black_african_american;white",
        "open_case_at_incident": "true",
        "prior_reports_count": "2",
        "contact_within_3_years": "true",
        "in_out_of_home_care": "false",
    }
    assert notes == []


def test_layout_for_looks_the_file_up_by_jurisdiction(tmp_path):
    examples = LAYOUTS_DIR / "examples"
    assert layout_for("OH-FRANKLIN", "workforce", layouts_dir=examples) is None  # canonical
    assert layout_for("CT", "reviews") is None  # no layout file
    assert layout_for("CA-ALAMEDA", "tasc_responses") is None  # examples are not in force
    assert isinstance(layout_for("CA-ALAMEDA", "tasc_responses", layouts_dir=examples), Layout)

    _layout_file(tmp_path, "workforce:\n  delimiter: tab\n", name="ZZ-TEST")
    layout = layout_for("ZZ-TEST", "workforce", layouts_dir=tmp_path)
    assert layout is not None and layout.delimiter == "\t" and layout.jurisdiction_id == "ZZ-TEST"
    _layout_file(tmp_path, "workforce:\n  delimiter: pipe\n", name="ZZ-TEST")
    assert layout_for("ZZ-TEST", "workforce", layouts_dir=tmp_path).delimiter == "|"

    with pytest.raises(ValueError):
        layout_for("../etc/passwd", "reviews")
    with pytest.raises(ValueError):
        layout_for("CT", "not_a_data_set")
    with pytest.raises(ValueError):
        canonical_select(
            layout_for("CA-ALAMEDA", "tasc_responses", layouts_dir=examples), "reviews", []
        )


def test_constant_kinds_are_typed(tmp_path):
    layout = load_layout(
        _layout_file(
            tmp_path,
            "workforce:\n  conversions:\n    period: {constant: 2024-Q3}\n",
        )
    )["workforce"]
    assert layout.conversions["period"] == Constant("2024-Q3")
    with pytest.raises(LayoutError, match="not a canonical quarter"):
        load_layout(
            _layout_file(tmp_path, "workforce:\n  conversions:\n    period: {constant: Q3}\n")
        )
