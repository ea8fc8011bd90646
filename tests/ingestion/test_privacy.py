"""The privacy firewall: identifier columns by header and by values, redaction and masking."""

from __future__ import annotations

import re

import pytest

from ingestion import privacy
from ingestion.core_data_set import DATA_SETS, LINEAGE_COLUMNS, Column
from ingestion.privacy import (
    DroppedColumn,
    contains_identifier,
    header_identifier_kind,
    identifier_columns,
    mask,
    normalise_header,
    redact,
)
from ingestion.reference import code_labels, code_list, jurisdictions
from npcs.demo_data.profiles import NARRATIVES

ALL_CANONICAL = sorted(
    {c for ds in DATA_SETS.values() for c in ds.column_names} | {n for n, _ in LINEAGE_COLUMNS}
)
DEMO_NARRATIVES = [s for sentences in NARRATIVES.values() for s in sentences]


def _drops(header, samples=None, data_set="reviews", canonical=None) -> dict[str, str]:
    found = identifier_columns(header, samples or {}, data_set, canonical)
    assert all(isinstance(d, DroppedColumn) for d in found)
    return {d.column: d.reason for d in found}


# --------------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("header", "normalised"),
    [
        ("Child DOB", "child_dob"),
        ("childDob", "child_dob"),
        ("CHILD-DOB", "child_dob"),
        ("ChildDOB", "child_dob"),
        ("D.O.B.", "dob"),
        ("SSNumber", "ss_number"),
        ("Case #", "case_num"),
        ("\ufeffReview ID", "review_id"),
        ("IncidentDate", "incident_date"),
        ("Address1", "address_1"),
        ("Fecha de Nacimiento ", "fecha_de_nacimiento"),
        ("Código", "codigo"),
    ],
)
def test_headers_are_normalised(header, normalised):
    assert normalise_header(header) == normalised


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        # names
        ("Name", "name"),
        ("name", "name"),
        ("First Name", "name"),
        ("first_name", "name"),
        ("FirstName", "name"),
        ("FIRSTNAME", "name"),
        ("LAST_NM", "name"),
        ("lname", "name"),
        ("Middle Name", "name"),
        ("middle initial", "name"),
        ("Surname", "name"),
        ("Full Name", "name"),
        ("childFirstName", "name"),
        ("Child Name", "name"),
        ("child_last_name", "name"),
        ("Parent Name", "name"),
        ("Caregiver_Name", "name"),
        ("Mother's Maiden Name", "name"),
        ("Worker Name", "name"),
        ("name_first", "name"),
        ("Initials", "name"),
        ("Alias", "name"),
        # dates of birth
        ("DOB", "date_of_birth"),
        ("dob", "date_of_birth"),
        ("D.O.B.", "date_of_birth"),
        ("Date of Birth", "date_of_birth"),
        ("date-of-birth", "date_of_birth"),
        ("BirthDate", "date_of_birth"),
        ("birth_date", "date_of_birth"),
        ("birthdate", "date_of_birth"),
        ("Birth Dt", "date_of_birth"),
        ("Birthday", "date_of_birth"),
        ("ChildDOB", "date_of_birth"),
        ("CHILDDOB", "date_of_birth"),
        ("child_dob", "date_of_birth"),
        # social security numbers
        ("SSN", "ssn"),
        ("ssn", "ssn"),
        ("S.S.N.", "ssn"),
        ("Social Security Number", "ssn"),
        ("social_security_no", "ssn"),
        ("Social Security #", "ssn"),
        ("SSNumber", "ssn"),
        ("SS No", "ssn"),
        ("ClientSSN", "ssn"),
        ("child_ssn", "ssn"),
        ("SocSecNum", "ssn"),
        # case and person identifiers
        ("Case Number", "identifier"),
        ("case_number", "identifier"),
        ("CaseNumber", "identifier"),
        ("CASENO", "identifier"),
        ("case_no", "identifier"),
        ("Case #", "identifier"),
        ("CaseID", "identifier"),
        ("case id", "identifier"),
        ("Person ID", "identifier"),
        ("PersonID", "identifier"),
        ("person_identifier", "identifier"),
        ("Client ID", "identifier"),
        ("clientId", "identifier"),
        ("Child ID", "identifier"),
        ("Medicaid ID", "identifier"),
        ("MedicaidNumber", "identifier"),
        ("MPI", "identifier"),
        ("mpi_id", "identifier"),
        ("SACWIS ID", "identifier"),
        ("SACWISId", "identifier"),
        ("sacwis_person_id", "identifier"),
        ("Employee ID", "identifier"),
        ("worker_id", "identifier"),
        # addresses
        ("Address", "address"),
        ("Home Address", "address"),
        ("Address Line 1", "address"),
        ("address1", "address"),
        ("Street", "address"),
        ("street_name", "address"),
        ("Zip", "address"),
        ("Zip Code", "address"),
        ("ZIPCode", "address"),
        ("zip_cd", "address"),
        ("Postal Code", "address"),
        ("postcode", "address"),
        ("Latitude", "address"),
        # phones
        ("Phone", "phone"),
        ("phone_number", "phone"),
        ("PhoneNo", "phone"),
        ("Telephone", "phone"),
        ("Tel", "phone"),
        ("Mobile", "phone"),
        ("Cell Phone", "phone"),
        ("cell_no", "phone"),
        ("Fax", "phone"),
        # e-mail
        ("E-mail", "email"),
        ("Email", "email"),
        ("eMail", "email"),
        ("EMAIL_ADDRESS", "email"),
        ("Parent E-Mail", "email"),
    ],
)
def test_identifier_headers_are_recognised_in_many_spellings(header, kind):
    assert header_identifier_kind(header) == kind
    label = privacy.KIND_LABELS[kind]
    assert _drops([header]) == {header: f"header names a personal identifier ({label})"}


@pytest.mark.parametrize("name", ALL_CANONICAL)
def test_no_canonical_column_name_is_an_identifier_header(name):
    """The header rules themselves, without the canonical exemption, pass every canonical name."""
    assert header_identifier_kind(name) is None
    # and in the spellings a jurisdiction might use
    camel = re.sub(r"_(\w)", lambda m: m.group(1).upper(), name)
    assert header_identifier_kind(camel) is None
    assert header_identifier_kind(name.replace("_", " ").title()) is None
    assert header_identifier_kind(name.upper()) is None


@pytest.mark.parametrize(
    "header",
    [
        "Unit Name",
        "Agency Name",
        "org_unit_name",
        "County Name",
        "Hospital Name",
        "file_name",
        "case_notes",
        "open case",
        "Age",
        "child_age",
        "Sex",
        "Race",
        "initial_assessment_date",
        "incident_county",
        "comments",
        "cell_suppressed",
        "id",
    ],
)
def test_headers_that_are_not_identifiers(header):
    assert header_identifier_kind(header) is None


def test_a_canonical_header_is_only_dropped_on_value_evidence():
    # "CaseNumber" mapped to review_id by a jurisdiction layout: canonical, so kept by header
    assert _drops(["CaseNumber"], {"CaseNumber": ["RV-1", "RV-2"]}, canonical={"CaseNumber"}) == {}
    assert "CaseNumber" in _drops(["CaseNumber"], {"CaseNumber": ["RV-1", "RV-2"]})
    # canonical names match in any spelling
    assert _drops(["Review ID", "IncidentDate", "IOID"], data_set="improvement_opportunities") == {}
    # the lineage columns are never identifiers
    assert _drops([n for n, _ in LINEAGE_COLUMNS]) == {}


def test_an_unknown_data_set_is_an_error():
    with pytest.raises(ValueError, match="unknown data set"):
        identifier_columns(["x"], {}, "patients")


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------
SSNS = ["123-45-6789", "987-65-4321", "078-05-1120", "219-09-9999"]
EMAILS = ["jane.doe@example.org", "j_smith+case@county.gov", "Parent1@mail.co.uk", "a@b.io"]
PHONES = ["555-123-4567", "(555) 987-6543", "555.222.3333", "+1 555 444 5555", "1-800-555-0199"]
ADDRESSES = [
    "1234 Maple Street",
    "400 N. Elm Ave, Apt 4B",
    "12 Main St, Springfield, IL 62704",
    "77 West 5th Street",
    "PO Box 42",
]
PERSON_NAMES = ["Jane Doe", "Doe, Jane", "John Q. Smith", "SMITH, JOHN", "Maria Lopez-Garcia"]


@pytest.mark.parametrize(
    ("values", "what"),
    [
        (SSNS, "social security numbers"),
        (EMAILS, "e-mail addresses"),
        (PHONES, "phone numbers"),
        (ADDRESSES, "street addresses"),
        (PERSON_NAMES, "person names"),
    ],
)
def test_value_patterns_drop_a_non_canonical_column(values, what):
    samples = {"extra": [*values, "", None, "ok"]}
    reason = _drops(["extra"], samples)["extra"]
    assert reason == f"values look like {what} ({len(values)} of {len(values) + 1} sampled)"


@pytest.mark.parametrize("values", [SSNS, EMAILS, PHONES, ADDRESSES])
def test_value_patterns_drop_even_a_canonical_column(values):
    assert "review_id" in _drops(["review_id"], {"review_id": values})
    assert "org_unit" in _drops(["org_unit"], {"org_unit": values}, data_set="tasc_responses")


def test_value_patterns_are_found_inside_text_of_an_extra_column():
    notes = ["call mom at 555-123-4567", "lives at 12 Main St with aunt", "no contact", "fine"]
    assert _drops(["notes"], {"notes": notes}) == {
        "notes": "values look like phone numbers or street addresses (2 of 4 sampled)"
    }


def test_thresholds():
    assert privacy.VALUE_SHARE_THRESHOLD == 0.30
    assert privacy.VALUE_MIN_MATCHES == 2
    filler = [f"RV-{i:06d}" for i in range(10)]
    # one match is never enough, whatever the share
    assert _drops(["x"], {"x": [SSNS[0]]}) == {}
    assert _drops(["x"], {"x": [SSNS[0], "a"]}) == {}
    # 2 of 8 = 25% is below the share; 3 of 10 = 30% reaches it
    assert _drops(["x"], {"x": SSNS[:2] + filler[:6]}) == {}
    assert _drops(["x"], {"x": SSNS[:3] + filler[:7]}) == {
        "x": "values look like social security numbers (3 of 10 sampled)"
    }
    # empty cells do not count
    assert "x" in _drops(["x"], {"x": SSNS[:2] + ["", None, "  "] * 5})


def test_nine_bare_digits_are_an_ssn_only_when_the_header_hints_at_one():
    nine = ["123456789", "987654321", "078051120"]
    assert _drops(["x"], {"x": nine}) == {}
    assert _drops(["review_id"], {"review_id": nine}) == {}
    assert _drops(["SS"], {"SS": nine}) == {
        "SS": "values look like social security numbers (3 of 3 sampled)"
    }


def test_a_narrative_is_dropped_only_when_whole_values_are_identifiers():
    ds = "improvement_opportunities"
    mentions = [f"Worker called {p} twice." for p in PHONES]
    assert _drops(["narrative"], {"narrative": mentions}, data_set=ds) == {}
    assert "narrative" in _drops(["narrative"], {"narrative": EMAILS}, data_set=ds)
    # the same texts in a column that is not canonical are dropped
    assert "narrative" in _drops(["narrative"], {"narrative": mentions}, data_set="reviews")


def test_person_names_are_not_looked_for_in_canonical_or_code_columns():
    ds = "improvement_opportunities"
    assert _drops(["narrative"], {"narrative": PERSON_NAMES}, data_set=ds) == {}
    assert _drops(["org_unit"], {"org_unit": PERSON_NAMES}, data_set="tasc_responses") == {}
    codes = list(code_list("cause_of_incident"))
    assert _drops(["cause"], {"cause": codes}) == {}
    # title-case code labels repeated down a column are not people ...
    labels = ["Near Fatality", "Serious Injury", "Law Enforcement", "Medical Neglect"] * 5
    assert _drops(["lbl"], {"lbl": labels}) == {}
    # ... but a few caseworkers repeated down a column are
    workers = ["Kim Park"] * 8 + ["Lee Ann"] * 2
    assert _drops(["Caseworker"], {"Caseworker": workers}) == {
        "Caseworker": "values look like person names (10 of 10 sampled)"
    }


def test_labels_and_place_names_are_not_person_names():
    labels = [label for name in _CODE_LISTS for label in code_labels(name).values()]
    places = [j.jurisdiction_name for j in jurisdictions().values()]
    for values in (labels, [v.title() for v in labels], [v.upper() for v in labels], places):
        assert _drops(["label"], {"label": values}) == {}, values


def test_dates_of_birth_are_only_recognised_by_header():
    dates = ["2015-03-02", "2019-11-30", "03/02/2015"]
    assert _drops(["incident_date"], {"incident_date": dates}) == {}
    assert _drops(["some_date"], {"some_date": dates}) == {}
    assert "Birth Date" in _drops(["Birth Date"], {"Birth Date": dates})


def test_reasons_never_contain_a_sampled_value():
    header = ["Child Name", "DOB", "x1", "x2", "x3", "x4", "x5", "review_id", "SS"]
    samples = {
        "Child Name": PERSON_NAMES,
        "DOB": ["2015-03-02", "2016-01-01"],
        "x1": SSNS,
        "x2": EMAILS,
        "x3": PHONES,
        "x4": ADDRESSES,
        "x5": PERSON_NAMES,
        "review_id": SSNS,
        "SS": ["123456789", "987654321"],
    }
    dropped = identifier_columns(header, samples, "reviews")
    assert [d.column for d in dropped] == header
    for d in dropped:
        for value in samples[d.column]:
            parts = {value, *re.findall(r"[A-Z][A-Za-z]{2,}|\d{3,}", value)}
            assert not any(p in d.reason for p in parts), (d, value)
        assert contains_identifier(d.reason) is None


# --------------------------------------------------------------------------------------------
# No false positives on canonical data
# --------------------------------------------------------------------------------------------
_CODE_LISTS = [
    "cause_of_incident",
    "child_sex",
    "incident_type",
    "io_level",
    "io_theme",
    "maltreatment_type",
    "partner_agency",
    "race_ethnicity",
    "race_ethnicity_group",
    "staff_role",
    "tenure_band",
]

_TEXT_VALUES = {
    "review_id": ["RV-000123", "RV-004567", "RV-012345", "RV-100000", "2024-0001", "R1"],
    "io_id": ["RV-000123-01", "RV-000123-02", "RV-012345-11", "IO1", "IO-2024-0007"],
    "response_id": ["T000123", "T104567", "T000001", "A", "R-2024-1-0042"],
    "survey_wave": ["2024-1", "2023-2", "2024-1", "2022-1"],
    "org_unit": ["U01", "U12", "U1", "", "NORTH-2", "Region 3 Intake"],
    "narrative": [*DEMO_NARRATIVES, ""],
}
_TYPE_VALUES = {
    "date": ["2024-01-15", "2023-12-31", "2024-10-01", "2019-07-04", ""],
    "integer": ["0", "3", "17", "250000", "1234567", ""],
    "boolean": ["true", "false", "Y", "N", "1", "0", ""],
    "quarter": ["2024-Q1", "2023-Q4", "2024-Q3"],
    "year": ["2024", "2023", "2019"],
}


def _realistic_values(col: Column) -> list[str]:
    if col.name in _TEXT_VALUES:
        return _TEXT_VALUES[col.name]
    if col.code_list:
        codes = list(code_list(col.code_list))
        if col.type == "codes":
            codes += ["black_african_american;white", "asian;hispanic_latino", "unknown"]
        return [*codes, ""]
    return _TYPE_VALUES[col.type]


@pytest.mark.parametrize("data_set", sorted(DATA_SETS))
def test_realistic_canonical_files_drop_nothing(data_set):
    ds = DATA_SETS[data_set]
    samples = {c.name: _realistic_values(c) for c in ds.columns}
    assert identifier_columns(ds.column_names, samples, data_set) == []
    # the same values under headers that are not canonical: the value rules alone pass them
    renamed = {f"extra_{name}": values for name, values in samples.items()}
    assert identifier_columns(list(renamed), renamed, data_set) == []


def test_jurisdiction_layout_dates_and_codes_drop_nothing():
    samples = {
        "IncidentDate": ["03/15/2024", "3/5/24", "15.03.2024", "20240315", "March 5, 2024"],
        "Incident Type": ["Near Fatality", "Fatality", "Serious Injury", "Fatality"],
        "Review ID": ["2024-00017", "2024-00018", "CT-R-0042"],
    }
    assert identifier_columns(list(samples), samples, "reviews") == []


# --------------------------------------------------------------------------------------------
# redact / contains_identifier
# --------------------------------------------------------------------------------------------
PLANTED = {
    "email": ["jane.doe@county.gov", "dad_1999@mail.com"],
    "ssn": ["123-45-6789"],
    "phone": ["555-123-4567", "(312) 555-0199", "+1 555.222.3333"],
    "date": ["03/14/2023", "2023-03-15", "January 5, 2021", "5 Feb 2022", "12.06.2020"],
    "address": ["1234 Maple Street", "77 West 5th Ave, Apt 4B", "PO Box 42"],
    "case_number": ["CASE-12345678", "#4455667", "A1234567", "889977"],
    "name": ["Jane Doe", "Maria Lopez-Garcia", "Johnson", "Tina", "Robert K. Nguyen"],
}
NARRATIVE = (
    "On 03/14/2023 the caseworker Jane Doe (jane.doe@county.gov, 555-123-4567) visited the home "
    "at 1234 Maple Street. Mother Tina said Maria Lopez-Garcia, SSN 123-45-6789, had cared for "
    "the infant since January 5, 2021. Case CASE-12345678 and referral #4455667 were linked; "
    "Ms. Johnson of the Family Court called (312) 555-0199 on 2023-03-15. The father "
    "(dad_1999@mail.com, +1 555.222.3333) moved to 77 West 5th Ave, Apt 4B on 5 Feb 2022 and "
    "uses PO Box 42. Client A1234567 was seen on 12.06.2020 by Robert K. Nguyen; SACWIS ID 889977."
)


def test_redact_removes_every_planted_identifier():
    out = redact(NARRATIVE)
    for kind, values in PLANTED.items():
        for value in values:
            assert value not in out, (kind, value, out)
        assert f"[REDACTED:{kind}]" in out
    assert contains_identifier(out) is None
    # the prose around them survives
    for words in ("caseworker", "visited the home", "Family Court", "the infant", "were linked"):
        assert words in out


@pytest.mark.parametrize(
    ("text", "kind"),
    [(v, kind) for kind, values in PLANTED.items() for v in values if kind != "name"]
    + [("Jane Doe", "name"), ("seen by Dr. Patel", "name"), ("his aunt Rosa came", "name")],
)
def test_contains_identifier_names_each_kind(text, kind):
    assert contains_identifier(text) == kind
    assert f"[REDACTED:{kind}]" in redact(text)
    assert contains_identifier(redact(text)) is None


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        ("Jones, Mary was the foster parent.", "[REDACTED:name] was the foster parent."),
        ("SSN: 123456789 on file", "SSN: [REDACTED:ssn] on file"),
        ("call 555-1234 after six", "call [REDACTED:phone] after six"),
        (
            "seen by Dr. Patel and Officer Ruiz",
            "seen by Dr. [REDACTED:name] and Officer [REDACTED:name]",
        ),
        ("Baby Boy Smith", "Baby Boy [REDACTED:name]"),
        ("at 45 Oak Ridge Road, Dayton, OH 45402 since", "at [REDACTED:address] since"),
        ("file no. 4455 was reopened", "file no. [REDACTED:case_number] was reopened"),
    ],
)
def test_redact_forms(text, redacted):
    assert redact(text) == redacted


@pytest.mark.parametrize("text", DEMO_NARRATIVES)
def test_redact_leaves_identifier_free_narratives_alone(text):
    assert redact(text) == text
    assert contains_identifier(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "The Child Protective Services team met with Law Enforcement in 2023.",
        "A 3-year-old was seen in the Emergency Department; the 2023-2024 cycle applies.",
        "Roughly 12 visits over 6 months; COVID-19 delayed Family Court hearings.",
        "Cases rose by 25% in fiscal year 2024 and the Safe Systems Improvement Tool was used.",
        "In 2019 Juvenile Court ordered services.",
        "Costs were $100-1500 a month; the 2019-2020 and 2021/22 plans; pi is 3.1415926.",
        "Head Start staff, the NICU nurse and the Healthy Families America visitor met.",
    ],
)
def test_redact_does_not_touch_ordinary_prose(text):
    assert redact(text) == text


# --------------------------------------------------------------------------------------------
# mask
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value",
    ["alien_abduction", "17x", "-1", "3.5", "RV-000123", "2024-Q5", "U01", "Y",
     "TRUE", "Female", "near fatality", "Near Fatality", "fatality;unknown", "lt_1y"],
)  # fmt: skip
def test_mask_shows_short_code_like_values(value):
    assert mask(value, "child_age_years") == value
    assert mask(f" {value} ", "incident_type") == f" {value} "


def test_mask_shows_a_bad_date_only_in_a_date_column():
    # "2024-13-45" in incident_date is the event date the coordinator mistyped; the same text in
    # child_age_years (or any other column) could be a date of birth, so only its class is shown.
    assert mask("2024-13-45", "incident_date") == "2024-13-45"
    assert mask("07/23/2016", "child_age_years") == "[date-like value withheld]"
    assert mask("2016-07-23", "prior_reports_count") == "[date-like value withheld]"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("jane.doe@county.gov", "[e-mail-like value withheld]"),
        ("123-45-6789", "[SSN-like value withheld]"),
        ("123456789", "[SSN-like value withheld]"),
        ("555-123-4567", "[phone-number-like value withheld]"),
        ("1234 Maple Street", "[address-like value withheld]"),
        ("CASE-12345678", "[case-number-like value withheld]"),
        ("#4455667", "[case-number-like value withheld]"),
        ("Jane Doe", "[name-like value withheld]"),
        ("Born 03/14/2015 in the county hospital", "[date-like value withheld]"),
        ("Smith", "Sm… (5 chars)"),
        ("JOHNSON", "JO… (7 chars)"),
        ("a free-text value with no identifier in it at all", "a… (49 chars)"),
        ("Kwame", "[name-like value withheld]"),
        ("Bo Li", "[name-like value withheld]"),
        ("Al!", "… (3 chars)"),
    ],
)
def test_mask_hides_identifiers_and_long_or_name_like_values(value, masked):
    assert mask(value, "child_sex") == masked


def test_mask_edge_cases():
    assert mask(None, "child_sex") is None
    assert mask("", "child_sex") == ""
    # a column whose header names an identifier never shows its values
    assert mask("2015-03-02", "DOB") == "[date-like value withheld]"
    assert mask("x", "Child Name") == "[name-like value withheld]"
    # the restricted narrative shows only its length
    assert (
        mask("Joint planning was not in place.", "narrative") == "[free text withheld (32 chars)]"
    )
    # a masked form never reveals an identifier (dates and id-like tokens are shown as codes)
    strong = ["email", "ssn", "phone", "address", "name"]
    for value in [v for k in strong for v in PLANTED[k]] + ["CASE-12345678", "#4455667"]:
        assert contains_identifier(mask(value, "review_id") or "") is None, value


# --- what quarantine keeps of an offending value: its class, never the value ----------------------


@pytest.mark.parametrize(
    "value, column, cls",
    [
        ("alien", "incident_type", "word of 5 characters"),
        ("Fatality", "incident_type", "code 'fatality' in other capitals"),
        ("drowning_pool", "cause_of_incident", "word of 13 characters near code 'drowning'"),
        ("07/17/2023", "incident_date", "date-like value"),
        ("2024-02-30", "incident_date", "YYYY-MM-DD that is no calendar date"),
        ("2024-06-11", "incident_date", "ISO date"),
        ("078-05-1120", "child_age_years", "SSN-like value"),
        ("123456789", "hires", "SSN-like value"),
        ("18", "child_age_years", "whole number"),
        ("-1", "child_age_years", "negative whole number"),
        ("2.5", "rating", "number with decimals"),
        ("Jane Doe", "org_unit", "name-like value"),
        ("smith", "partner_agency", "word of 5 characters"),
        ("white;martian", "child_race_ethnicity", "list of 2 codes"),
        ("ops team north", "org_unit", "text of 3 words"),
        ("HFD-2", "org_unit", "code-like text of 5 characters"),
        ("rv_0123456789abcdef0123", "review_id", "pseudonym"),
        ("anything at all", "narrative", "free text (15 characters)"),
        (None, "incident_type", None),
    ],
)
def test_the_class_of_an_offending_value(value, column, cls):
    assert privacy.value_class(value, column) == cls


# Shapes a member's export could hold; none may come back in its class, but a code of the
# column's own code list (the partnership's vocabulary).
_TRIED = [
    "Okafor",
    "okafor",
    "JAQUELYN WORTHINGTON",
    "O'Brien-McDonald",
    "van der Berg",
    "CT-078-05-1120",
    "DOB-20160304",
    "SURNAME-0412",
    "first.last",
    "HC 64 Box 12",
    "County Road 12",
    "j doe @ example . org",
    "03 . 04 . 2016",
    "Maria",
    "x" * 80,
]


@pytest.mark.parametrize("value", _TRIED)
@pytest.mark.parametrize("column", ["partner_agency", "org_unit", "child_age_years", "hires"])
def test_no_offending_value_comes_back_in_its_class(value, column):
    cls = privacy.value_class(value, column)
    assert cls is not None
    words = {w for w in re.split(r"[^a-z0-9]+", value.lower()) if len(w) > 2}
    vocabulary = {c for name in ("partner_agency",) for c in code_list(name)}
    shown = {w for w in re.split(r"[^a-z0-9]+", cls.lower()) if len(w) > 2}
    assert not (words & shown) - set(re.split(r"[^a-z0-9]+", " ".join(vocabulary))), (value, cls)
