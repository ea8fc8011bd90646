"""The corpus of bad and awkward submission files, loaded for real: a catalogue of outcomes.

Every case is a folder ``corpus/<case>/`` laid out as a landing zone
(``<JURISDICTION>/<data set>/<file>``) holding one file that is bad or awkward in one way, named
for what it is (plus, where the case needs it, a good file the bad one depends on). Each case is
loaded into a fresh DuckDB file together with the good canonical files of other jurisdictions in
``corpus/_good/`` (WY for every data set, MI for ``review_summary``), through ``scan`` and
``load_data_set`` as the pipeline does, and the test asserts the exact outcome:

- the file's status, and for a rejected or misplaced file the one reason;
- which rows load (spreadsheet row number, key) and which go to quarantine (row, column, rule,
  shown value) — so no good row of a file that is not rejected whole is lost;
- the columns the privacy firewall dropped, and that planted identifiers are stored nowhere;
- that the good files of the other jurisdictions load exactly as they load alone.

Folders starting with ``_`` inside a case are not part of its landing zone: ``_layouts`` holds the
jurisdiction layouts in force for the case, ``_outside`` a file a symbolic link points to from
inside the landing zone (made by the test; no link is committed), ``_resubmit`` a corrected
version of a file. Byte-exact and binary files are written by ``corpus/make_corpus.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

import ingestion.layouts
import ingestion.raw_loader
from ingestion import pseudonyms
from ingestion.core_data_set import DATA_SETS
from ingestion.landing import MisplacedFile, scan
from ingestion.raw_loader import FileOutcome, load_data_set, record_misplaced
from tests import submitted_ids

CORPUS = Path(__file__).resolve().parent / "corpus"
GOOD = CORPUS / "_good"
GOOD_JURISDICTIONS = ("MI", "WY")
RECEIVED_AT = datetime(2024, 10, 1, 9, 30)  # "today" for the date rules and sharing levels

ORG_UNIT_NOTE = (
    "org_unit not declared by the jurisdiction (loaded as 'other'); declare it in "
    "dbt_project/seeds/org_units.csv or map it in the jurisdiction's layout"
)
ACCEPTED = "accepted"
PARTLY = "accepted_with_rejected_rows"
REJECTED = "rejected"
MISPLACED = "misplaced"  # not loaded at all: scan() returns it as a MisplacedFile

Check = Callable[[duckdb.DuckDBPyConnection, Path], None]


@dataclass(frozen=True)
class Case:
    name: str  # the folder under corpus/
    file: str  # the bad or awkward file, relative to the landing root
    status: str  # accepted | accepted_with_rejected_rows | rejected | misplaced
    loaded: tuple[tuple[int, str], ...] = ()  # (row number, key) of the rows that load
    quarantined: tuple[tuple[int, str, str, str | None], ...] = ()  # (row, column, rule, value)
    notes: tuple[tuple[int, str, str, str | None], ...] = ()  # the same, for rows that loaded
    reason: str | None = None  # part of the rejection or misplacement reason
    dropped: tuple[tuple[str, str], ...] = ()  # (column, part of the reason) the firewall drops
    planted: tuple[str, ...] = ()  # identifiers in the file that must be stored nowhere
    link: str | None = None  # make this path a link to (a copy of) corpus/<case>/_outside/<name>
    check: Check | None = None  # further assertions on the loaded warehouse
    # The file's name holds words outside the partnership's vocabulary (ingestion/vocabulary.py):
    # it is recorded as <data set>_<first 12 hex of its SHA-256><suffix>.
    name_kept: bool = True
    recorded: str | None = None  # a misplaced path as the ledger records it, when not ``file``

    def __str__(self) -> str:
        return self.name


# --- checks particular to one case --------------------------------------------------------------


def _values(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def _accents_decoded(con, landing):
    # The org units are not declared by CT, so they load as 'other' with a note whose value is
    # withheld (capitalised words no dictionary knows could be a name).
    assert _values(
        con, "select org_unit from raw.tasc_responses where jurisdiction_id = 'CT' order by 1"
    ) == [("other",), ("other",)]


def _org_units_are(con, expected: list[str]) -> None:
    assert [
        r[0]
        for r in _values(
            con, "select org_unit from raw.tasc_responses where jurisdiction_id = 'CT' order by 1"
        )
    ] == expected


def _narratives_redacted(con, expected: int) -> None:
    rows = _values(
        con, "select narrative_redacted from restricted.io_narratives order by submitted(io_id)"
    )
    assert len([r for (r,) in rows if "[REDACTED:" in r]) == expected, rows


def _no_narratives_of(con, jurisdiction: str) -> None:
    assert _values(
        con,
        f"select count(*) from restricted.io_narratives where jurisdiction_id = '{jurisdiction}'",
    ) == [(0,)]


def _quoted_values_kept_whole(con, landing):
    assert _values(
        con,
        "select submitted(io_id), narrative_redacted from restricted.io_narratives "
        "where jurisdiction_id = 'CT' order by 1",
    ) == [
        ("CT-IO1", "Crib was available, but not used"),
        ("CT-IO2", "First line\nsecond line of the same note"),
        ("CT-IO4", "plain"),
    ]


def _crlf_values_clean(con, landing):
    assert _values(
        con, "select role, vacancies from raw.workforce where jurisdiction_id = 'CT' order by 1"
    ) == [("caseworker", 9), ("supervisor", 2)]


def _upper_headers_mapped(con, landing):
    assert _values(
        con,
        "select period, role, headcount_start, vacancies from raw.workforce "
        "where jurisdiction_id = 'CT' order by role",
    ) == [("2024-Q1", "caseworker", 120, 9), ("2024-Q1", "supervisor", 20, 2)]


def _whole_number_with_zero_decimals_read(con, landing):
    assert _values(
        con,
        "select submitted(review_id), prior_reports_count from raw.reviews "
        "where jurisdiction_id = 'CT' order by 1",
    ) == [(R1, 1), (R4, 2)]


REVIEW_VALUES = (
    "select submitted(review_id), incident_date, review_completed_date, child_age_years, "
    "child_sex, open_case_at_incident, maltreatment_type from raw.reviews "
    "where jurisdiction_id = 'CT' order by 1"
)


def _typed_values_read(con, landing):
    assert _values(con, REVIEW_VALUES) == [
        ("CT-R1", date(2024, 1, 5), date(2024, 4, 20), 0, "female", True, "neglect"),
        ("CT-R2", date(2024, 2, 11), date(2024, 5, 30), 4, "male", False, None),
    ]


def _layout_applied(con, landing):
    assert _values(con, REVIEW_VALUES) == [
        ("CT-R1", date(2024, 1, 5), date(2024, 4, 20), 0, "female", True, None),
        ("CT-R2", date(2024, 2, 11), date(2024, 5, 30), 4, "male", False, None),
    ]


def _org_unit_empty(con, landing):
    assert _values(con, "select org_unit from raw.tasc_responses where jurisdiction_id = 'CT'") == [
        (None,),
        (None,),
    ]


def _identifier_columns_not_in_raw(con, landing):
    columns = {r[0] for r in _values(con, "select name from pragma_table_info('raw.reviews')")}
    assert not columns & {"child_name", "ssn"}


def _corrected_version_kept_as_history(con, landing):
    """A corrected file at the same path: a new version, the first kept, the newest current."""
    path = "CT/workforce/workforce_2024.csv"
    shutil.copy(CORPUS / "corrected_resubmission" / "_resubmit" / path, landing / path)
    second = _load(con, landing)[0]
    assert second[path].status == ACCEPTED and second[path].rows_loaded == 2
    assert {second[g].status for g in second if g != path} == {"unchanged"}
    versions = _values(
        con,
        "select submission_id, role, headcount_end, vacancies from raw.workforce "
        f"where source_file = '{path}' order by submission_id, role",
    )
    first_id, second_id = versions[0][0], versions[2][0]
    assert first_id < second_id
    assert [v[1:] for v in versions] == [
        ("caseworker", 118, 9),
        ("supervisor", 21, 2),
        ("caseworker", 117, 10),
        ("supervisor", 21, 2),
    ]
    current = _values(
        con,
        "select role, headcount_end, vacancies from raw.workforce "
        f"where source_file = '{path}' qualify submission_id = max(submission_id) "
        "over (partition by period, role) order by role",
    )
    assert current == [("caseworker", 117, 10), ("supervisor", 21, 2)]
    assert _values(
        con,
        "select submission_id, status from raw.submission_ledger "
        f"where source_file = '{path}' order by submission_id",
    ) == [(first_id, ACCEPTED), (second_id, ACCEPTED)]
    # The corrected bytes once more: nothing changes.
    before = _dump(con)
    third = _load(con, landing)[0]
    assert {o.status for o in third.values()} == {"unchanged"}
    assert _dump(con) == before


def _same_bytes_change_nothing(con, landing):
    before = _dump(con)
    again = _load(con, landing)[0]
    assert {o.status for o in again.values()} == {"unchanged"}
    assert all(o.submission_id is None for o in again.values())
    assert _dump(con) == before


# --- the catalogue --------------------------------------------------------------------------

TYPE_DATE = "type date"
INCONSISTENT = "reviews_completed differs within period and incident type"
R1, R2, R3, R4 = "CT-R1", "CT-R2", "CT-R3", "CT-R4"
Q1_CASEWORKER, Q1_SUPERVISOR = "2024-Q1 / caseworker", "2024-Q1 / supervisor"
WF_RULES = (Q1_CASEWORKER, Q1_SUPERVISOR)
RAGGED = "(row)"  # the column of a quarantined row that does not fit the header


def _ragged_rule(found: int, expected: int) -> str:
    return (
        f"row has {found} values but the header row has {expected} columns (comma delimiter) — "
        "check for a missing or extra delimiter, or an unquoted value containing the delimiter"
    )


EMAILS = ("jane.doe@dcf.ct.example", "john.public@dcf.ct.example", "maria.garcia@dcf.ct.example")

CASES = [
    # --- encodings, delimiters, quoting, line endings --------------------------------------
    Case(
        "utf8_bom",
        "CT/reviews/reviews_2024_utf8_bom.csv",
        ACCEPTED,
        name_kept=False,
        loaded=((2, R1), (3, R2)),
    ),
    Case(
        "windows_1252_accents",
        "CT/tasc_responses/tasc_2024-1_windows_1252.csv",
        ACCEPTED,
        loaded=((2, "2024-1 / CT-T1"), (3, "2024-1 / CT-T2")),
        notes=(
            (2, "org_unit", ORG_UNIT_NOTE, "name-like value"),
            (3, "org_unit", ORG_UNIT_NOTE, "name-like value"),
        ),
        check=_accents_decoded,
    ),
    Case(
        "semicolon_delimited",
        "CT/workforce/workforce_2024_semicolon.csv",
        ACCEPTED,
        name_kept=False,
        loaded=((2, Q1_CASEWORKER), (3, Q1_SUPERVISOR)),
    ),
    Case(
        "tab_delimited",
        "CT/outcomes/outcomes_2023_tab.tsv",
        ACCEPTED,
        loaded=((2, "2023 / all"), (3, "2023 / black_african_american")),
    ),
    Case(
        "quoted_fields_comma_newline_quote",
        "CT/improvement_opportunities/ios_2024_quoted.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, "CT-IO1"), (3, "CT-IO2"), (5, "CT-IO4")),
        quarantined=((4, "io_level", "code list io_level", "word of 9 characters"),),
        check=_quoted_values_kept_whole,
    ),
    Case(
        "crlf_line_endings",
        "CT/workforce/workforce_2024_crlf.csv",
        ACCEPTED,
        name_kept=False,
        loaded=((2, Q1_CASEWORKER), (3, Q1_SUPERVISOR)),
        check=_crlf_values_clean,
    ),
    Case(
        "utf16_unicode_text",
        "CT/workforce/workforce_2024.txt",
        REJECTED,
        reason="the file is UTF-16 text; save it as 'CSV UTF-8'",
    ),
    # --- files that are not (readable) CSV ---------------------------------------------------
    Case("header_only", "CT/workforce/workforce_2024_header_only.csv", ACCEPTED, name_kept=False),
    Case("empty_file", "CT/workforce/workforce_2024.csv", REJECTED, reason="the file is empty"),
    Case(
        "binary_garbage_named_csv",
        "CT/reviews/reviews_2024.csv",
        REJECTED,
        reason="the file is not a text file (it holds binary data)",
    ),
    Case(
        "xlsx_renamed_csv",
        "CT/reviews/reviews_2024.csv",
        REJECTED,
        reason="the file is a zip archive (an Excel .xlsx workbook?), not a text file",
    ),
    # A row that does not fit the header is quarantined whole, without its values; the rest loads.
    Case(
        "ragged_row_too_many_values",
        "CT/workforce/workforce_2024_ragged.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, Q1_CASEWORKER), (4, "2024-Q2 / caseworker")),
        quarantined=((3, RAGGED, _ragged_rule(9, 8), None),),
    ),
    Case(
        "ragged_last_row_too_many_values",
        "CT/workforce/workforce_2024_ragged_last_row.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, Q1_CASEWORKER),),
        quarantined=((3, RAGGED, _ragged_rule(9, 8), None),),
    ),
    Case(
        "ragged_row_among_good_rows",
        "CT/reviews/reviews_2024_extra_value.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, R1), (3, R2), (5, R4)),
        quarantined=((4, RAGGED, _ragged_rule(14, 13), None),),
        planted=("Marisol Okafor",),
    ),
    Case(
        "sign_off_row_split_across_cells",
        "CT/reviews/reviews_2024.csv",
        # a name, surname and phone number in the cells of a last row: the row is quarantined by
        # the rules it breaks, and of its cells only their classes are kept
        PARTLY,
        loaded=((2, R1), (3, R2)),
        quarantined=(
            (4, "cause_of_incident", "code list cause_of_incident", "phone-number-like value"),
            (4, "child_age_years", "required", None),
            (4, "child_race_ethnicity", "required", None),
            (4, "child_sex", "required", None),
            (4, "incident_date", TYPE_DATE, "name-like value"),
            (4, "incident_type", "code list incident_type", "name-like value"),
            (4, "open_case_at_incident", "required", None),
            (4, "review_completed_date", TYPE_DATE, "code-like text of 5 characters"),
        ),
        planted=("Tobias", "Quennell", "010-4477", "Prepared by"),
    ),
    Case(
        "ragged_row_too_few_values",
        "CT/workforce/workforce_2024_missing_value.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, Q1_CASEWORKER), (4, "2024-Q2 / caseworker")),
        quarantined=((3, RAGGED, _ragged_rule(7, 8), None),),
    ),
    Case(
        "title_line_above_csv_header",
        "CT/workforce/workforce_2024_titled.csv",
        REJECTED,
        name_kept=False,
        reason="no row could be read: every row has a different number of values than the header "
        "row has columns (row 2 has 8 values, the header row 1 column, with comma as the "
        "delimiter)",
    ),
    Case(
        "mixed_line_endings",
        "CT/workforce/workforce_2024_mixed_line_endings.csv",
        ACCEPTED,
        name_kept=False,
        loaded=((2, Q1_CASEWORKER), (3, Q1_SUPERVISOR), (4, "2024-Q2 / caseworker")),
    ),
    Case(
        "unterminated_quote",
        "CT/workforce/workforce_2024_unterminated_quote.csv",
        REJECTED,
        name_kept=False,
        reason="has a quoted value that is not closed properly",
    ),
    Case(
        "blank_lines_inside",
        "CT/workforce/workforce_2024_blank_lines.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, Q1_CASEWORKER), (4, Q1_SUPERVISOR)),
        quarantined=((5, "vacancies", "type integer", "word of 5 characters"),),
    ),
    Case(
        "row_of_only_delimiters",
        "CT/workforce/workforce_2024_empty_row.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, Q1_CASEWORKER),),
        quarantined=((4, "vacancies", "range 0..", "negative whole number"),),
    ),
    # --- headers -------------------------------------------------------------------------
    Case(
        "upper_case_space_padded_headers",
        "CT/workforce/workforce_2024_upper_headers.csv",
        ACCEPTED,
        name_kept=False,
        loaded=((2, Q1_CASEWORKER), (3, Q1_SUPERVISOR)),
        check=_upper_headers_mapped,
    ),
    Case(
        "duplicate_column_in_header",
        "CT/workforce/workforce_2024_vacancies_twice.csv",
        REJECTED,
        name_kept=False,
        reason="the header row names 'vacancies' twice (column 8 and column 9)",
    ),
    Case(
        "trailing_delimiter_unnamed_column",
        "CT/workforce/workforce_2024_trailing_comma.csv",
        REJECTED,
        name_kept=False,
        reason="column 9 has no name in the header row",
    ),
    Case(
        "extra_unknown_columns",
        "CT/reviews/reviews_2024_extra_columns.csv",
        ACCEPTED,
        name_kept=False,
        loaded=((2, R1), (3, R2)),
    ),
    Case(
        "required_column_missing",
        "CT/reviews/reviews_2024_no_incident_date.csv",
        REJECTED,
        reason="required columns missing: incident_date",
    ),
    Case(
        "wrong_data_set_in_folder",
        "CT/reviews/workforce_2024.csv",
        REJECTED,
        reason="(this looks like a workforce file)",
    ),
    # --- row rules --------------------------------------------------------------------------
    Case(
        "duplicate_key_in_file",
        "CT/reviews/reviews_2024_duplicate_key.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, R1), (3, R2), (5, R3)),
        quarantined=((4, "review_id", "duplicate key in file", "pseudonym"),),
    ),
    Case(
        "code_not_in_list",
        "CT/reviews/reviews_2024_bad_incident_type.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, R1), (4, R3)),
        quarantined=((3, "incident_type", "code list incident_type", "word of 5 characters"),),
    ),
    Case(
        "multi_code_unknown_code_and_unknown_combined",
        "CT/reviews/reviews_2024_race_lists.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, R1), (5, R4)),
        quarantined=(
            (3, "child_race_ethnicity", "code list race_ethnicity", "list of 2 codes"),
            (4, "child_race_ethnicity", "code list race_ethnicity", "list of 2 codes"),
        ),
    ),
    Case(
        "age_out_of_range",
        "CT/reviews/reviews_2024_age_18.csv",
        PARTLY,
        loaded=((2, R1), (5, R4)),
        quarantined=(
            (3, "child_age_years", "range 0..17", "whole number"),
            (4, "child_age_years", "range 0..17", "negative whole number"),
        ),
    ),
    Case(
        "number_of_wrong_type",
        "CT/reviews/reviews_2024_not_whole_numbers.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, R1), (5, R4)),
        quarantined=(
            (3, "child_age_years", "type integer", "word of 4 characters"),
            (4, "prior_reports_count", "type integer", "number with decimals"),
            (6, "prior_reports_count", "type integer", "word of 3 characters"),
        ),
        check=_whole_number_with_zero_decimals_read,
    ),
    Case(
        "impossible_date",
        "CT/reviews/reviews_2024_feb_30.csv",
        PARTLY,
        loaded=((2, R1), (4, R3)),
        quarantined=((3, "incident_date", TYPE_DATE, "YYYY-MM-DD that is no calendar date"),),
    ),
    Case(
        "incident_after_review_completion",
        "CT/reviews/reviews_2024_incident_after_review.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, R1), (4, R3)),
        quarantined=((3, "incident_date", "incident after review completion", "ISO date"),),
    ),
    Case(
        "date_in_the_future",
        "CT/reviews/reviews_2024_future_dates.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, R1), (4, R3)),
        quarantined=((3, "review_completed_date", "date in the future", "ISO date"),),
    ),
    Case(
        "required_value_empty",
        "CT/reviews/reviews_2024_no_sex.csv",
        PARTLY,
        loaded=((2, R1), (4, R3)),
        quarantined=((3, "child_sex", "required", None),),
    ),
    Case(
        "boolean_spelled_y_without_layout",
        "CT/reviews/reviews_2024_yes_no.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, R1),),
        quarantined=(
            (3, "contact_within_3_years", "type boolean", "word of 1 character"),
            (3, "open_case_at_incident", "type boolean", "word of 1 character"),
        ),
    ),
    Case(
        "io_review_not_in_jurisdiction",
        "CT/improvement_opportunities/ios_2024.csv",
        PARTLY,
        loaded=((2, "CT-IO1"),),
        quarantined=(
            (3, "review_id", "review not found in this jurisdiction", "pseudonym"),
            (4, "review_id", "review not found in this jurisdiction", "pseudonym"),
        ),
    ),
    Case(
        "summary_with_theme_above_completed",
        "NY/review_summary/review_summary_2024.csv",
        PARTLY,
        loaded=((2, "2024-Q1 / fatality / safe_sleep_education"),),
        quarantined=(
            (3, "reviews_with_theme", "more than reviews_completed", "whole number"),
            (4, "reviews_with_theme", "more than ios_identified", "whole number"),
        ),
    ),
    Case(
        "summary_inconsistent_reviews_completed",
        "NY/review_summary/review_summary_2024.csv",
        PARTLY,
        loaded=((4, "2024-Q1 / near_fatality / workload_staffing"),),
        quarantined=(
            (2, "reviews_completed", INCONSISTENT, "whole number"),
            (3, "reviews_completed", INCONSISTENT, "whole number"),
        ),
    ),
    # --- sharing levels ------------------------------------------------------------------------
    Case(
        "record_reviews_from_aggregate_member",
        "NY/reviews/reviews_2024.csv",
        REJECTED,
        reason=(
            "NY shares reviews at level 'aggregate' on 2024-10-01; record-level files are not "
            "accepted (rule: sharing level); send review counts as review_summary instead"
        ),
    ),
    Case(
        "tasc_from_member_sharing_none",
        "OH/tasc_responses/tasc_2024-1.csv",
        REJECTED,
        reason="OH shares tasc_responses at level 'none' on 2024-10-01",
    ),
    # --- place in the landing zone ------------------------------------------------------------
    Case(
        "unknown_jurisdiction_folder",
        "XX/reviews/reviews_2024.csv",
        MISPLACED,
        # a folder that is not a registered jurisdiction is not named (it could be a family's)
        recorded="(unregistered folder)/reviews/reviews_2024.csv",
        reason="unknown jurisdiction folder '(unregistered folder)' (not in the registry",
    ),
    Case(
        "unregistered_folder_named_after_a_family",
        "Quennell/reviews/reviews_2024.csv",
        MISPLACED,
        recorded="(unregistered folder)/reviews/reviews_2024.csv",
        reason="unknown jurisdiction folder '(unregistered folder)' (not in the registry",
        planted=("Quennell",),
    ),
    Case(
        "family_named_subfolder",
        "CT/reviews/Zwaluw household/reviews_2024.csv",
        MISPLACED,
        recorded="CT/reviews/(folder)/reviews_2024.csv",
        reason="not in a <jurisdiction>/<data set>/ folder",
        planted=("Zwaluw",),
    ),
    Case(
        "misplaced_pdf_named_after_a_family",
        "CT/reviews/Quennell family case notes.pdf",
        MISPLACED,
        name_kept=False,
        reason="unsupported file type '.pdf'",
        planted=("Quennell",),
    ),
    Case(
        "lower_case_jurisdiction_folder",
        "ct/reviews/reviews_2024.csv",
        MISPLACED,
        reason="unknown jurisdiction folder 'ct' (not in the registry",
    ),
    Case(
        "unknown_data_set_folder",
        "CT/review/reviews_2024.csv",
        MISPLACED,
        reason="unknown data set folder 'review'",
    ),
    Case(
        "file_at_landing_root",
        "reviews_2024.csv",
        MISPLACED,
        reason="not in a <jurisdiction>/<data set>/ folder",
    ),
    Case(
        "symlink_outside_landing_root",
        "CT/reviews/reviews_2024.csv",
        MISPLACED,
        reason="leads outside the landing zone; not read",
        link="CT/reviews/reviews_2024.csv",
    ),
    Case(
        "symlinked_folder_outside_landing_root",
        "CT/reviews",
        MISPLACED,
        reason="leads outside the landing zone; not read",
        link="CT/reviews",
    ),
    Case(
        "unsupported_file_type",
        "CT/workforce/workforce_2024.pdf",
        MISPLACED,
        reason="unsupported file type '.pdf'",
    ),
    Case(
        "upper_case_file_suffix",
        "CT/workforce/WORKFORCE_2024.CSV",
        ACCEPTED,
        loaded=((2, Q1_CASEWORKER),),
    ),
    # --- workbooks -------------------------------------------------------------------------
    Case(
        "xlsx_first_sheet",
        "CT/reviews/reviews_2024.xlsx",
        PARTLY,
        loaded=((2, R1), (3, R2)),
        quarantined=((4, "child_sex", "code list child_sex", "word of 1 character"),),
        check=_typed_values_read,
    ),
    Case(
        "xlsx_named_sheet_via_layout",
        "CT/reviews/reviews_2024.xlsx",
        PARTLY,
        loaded=((2, R1), (3, R2)),
        quarantined=((4, "child_sex", "code list child_sex", "word of 1 character"),),
        check=_layout_applied,
    ),
    Case(
        "xlsx_layout_sheet_missing",
        "CT/reviews/reviews_2024.xlsx",
        REJECTED,
        reason="the workbook has no sheet named 'Data'; its sheets are 'Read me', 'Sheet1'",
    ),
    Case(
        "xlsx_title_row_above_header",
        "CT/workforce/workforce_2024.xlsx",
        REJECTED,
        reason="cell B3 of sheet 'Workforce' holds a value in a column that has no name in the "
        "header row, in the first row under it: is row 1 a title above the header row?",
    ),
    Case(
        "xlsx_value_beside_the_table",
        "CT/workforce/workforce_2024.xlsx",
        PARTLY,
        loaded=((2, Q1_CASEWORKER), (4, "2024-Q2 / caseworker")),
        quarantined=(
            (
                3,
                RAGGED,
                "row has a value in column I, which has no name in the header row (the header "
                "row names columns A to H)",
                None,
            ),
        ),
        planted=("Marisol Okafor",),
    ),
    Case(
        "excel_owner_lock_file",
        "CT/reviews/~$reviews_2024.xlsx",
        REJECTED,
        reason="the file is not an Excel .xlsx workbook",
    ),
    Case(
        "layout_file_invalid",
        "CT/workforce/workforce_2024.csv",
        REJECTED,
        reason="the jurisdiction's layout cannot be used: CT.yml: workforce.colums: unknown key",
    ),
    # --- JSON (row numbers are record numbers) -------------------------------------------------
    Case(
        "json_array",
        "CT/reviews/reviews_2024.json",
        PARTLY,
        loaded=((1, R1), (2, R2)),
        quarantined=((3, "child_age_years", "range 0..17", "whole number"),),
        check=_typed_values_read,
    ),
    Case(
        "json_lines",
        "CT/tasc_responses/tasc_2024-1.jsonl",
        PARTLY,
        loaded=((1, "2024-1 / CT-T1"), (3, "2024-1 / CT-T3")),
        quarantined=((2, "ps_1", "range 1..7", "whole number"),),
        notes=((1, "org_unit", ORG_UNIT_NOTE, "code-like text of 5 characters"),),
    ),
    Case(
        "malformed_json",
        "CT/reviews/reviews_2024.json",
        REJECTED,
        reason="the file is not valid JSON: line 7, column 4: Expecting ',' delimiter",
    ),
    Case("json_empty_array", "CT/reviews/reviews_2024.json", ACCEPTED),
    Case("json_only_empty_records", "CT/reviews/reviews_2024.json", ACCEPTED),
    Case(
        "json_non_object_record",
        "CT/reviews/reviews_2024.json",
        REJECTED,
        reason="record 2 is a number, not an object",
    ),
    # --- privacy ---------------------------------------------------------------------------
    # The leaks an adversarial member found (issue 15), one case each.
    Case(
        "org_unit_named_after_a_person",
        "CT/tasc_responses/tasc_2024-1_unit_named_after_supervisor.csv",
        ACCEPTED,
        name_kept=False,
        loaded=((2, "2024-1 / CT-T1"), (3, "2024-1 / CT-T2")),
        notes=((2, "org_unit", ORG_UNIT_NOTE, "name-like value"),),
        planted=("Maria Gonzalez",),
        check=lambda con, landing: _org_units_are(con, ["U01", "other"]),
    ),
    Case(
        "record_ids_that_are_identifiers",
        "CT/reviews/reviews_2024_identifiers_as_ids.csv",
        # Every id is stored as its keyed pseudonym, so these rows load like any other and the
        # ids themselves are stored nowhere (a file of mostly such ids would lose the column to
        # the firewall and be rejected).
        ACCEPTED,
        name_kept=False,
        loaded=(
            (2, "078 05 1120"),
            (3, "Case No. 2023-7741203"),
            (4, "JANE DOE"),
            *((n, f"CT-R{n - 4}") for n in range(5, 13)),
        ),
        planted=("078 05 1120", "2023-7741203", "JANE DOE"),
    ),
    Case(
        "header_row_missing_first_row_has_ssn",
        "CT/reviews/reviews_2024_no_header.csv",
        REJECTED,
        name_kept=False,
        reason="the first row looks like data, not a header row",
        planted=("078-05-1120",),
    ),
    Case(
        "date_of_birth_in_child_age",
        "CT/reviews/reviews_2024_dob_in_age.csv",
        PARTLY,
        loaded=((3, R2),),
        quarantined=((2, "child_age_years", "type integer", "date-like value"),),
        planted=("07/23/2016",),
    ),
    Case(
        "narrative_from_a_member_that_does_not_share",
        "ME/improvement_opportunities/ios_2024_narratives.csv",
        ACCEPTED,
        name_kept=False,
        loaded=((2, "ME-IO1"), (3, "ME-IO2")),
        # ME has no row in narrative_sharing.csv: the column is not kept, and the file says so
        dropped=(("narrative", "not kept: ME does not share IO narratives"),),
        planted=("Tobias Quennell", "Quennell", "HC 64 Box 12"),
        check=lambda con, landing: _no_narratives_of(con, "ME"),
    ),
    Case(
        "narrative_identifiers_redaction_missed",
        "CT/improvement_opportunities/ios_2024_narratives.csv",
        ACCEPTED,
        name_kept=False,
        loaded=((2, "CT-IO1"), (3, "CT-IO2")),
        # kept only redacted, in restricted.io_narratives (the corpus test searches every table)
        planted=(
            "JAQUELYN WORTHINGTON",
            "maria garcia",
            "41 juniper hollow road",
            "078–05–1120",
            "marisol [at] example [dot] org",
        ),
        check=lambda con, landing: _narratives_redacted(con, 2),
    ),
    Case(
        "file_name_with_a_particle_surname",
        "CT/reviews/review van der Zwaluw 2024.csv",
        ACCEPTED,
        name_kept=False,
        loaded=((2, R1), (3, R2)),
        planted=("Zwaluw",),
    ),
    Case(
        "column_header_holding_a_family_name",
        "CT/reviews/reviews_2024.csv",
        # a header row all the same (it names every required column): the extra column is not
        # read into anything, and its header is stored nowhere
        ACCEPTED,
        loaded=((2, R1), (3, R2)),
        planted=("Quennell", "Dwyer"),
    ),
    Case(
        "json_key_holding_a_family_name",
        "CT/reviews/reviews_2024.json",
        ACCEPTED,
        loaded=((1, R1),),
        planted=("Quennell", "Dwyer"),
    ),
    Case(
        "name_and_birth_date_in_file_name",
        # stored by data set and content hash, never by the name it came with
        "CT/reviews/reviews_6fb872cbfc95.csv",
        ACCEPTED,
        loaded=((2, R1),),
        reason="the file's name holds words outside the partnership's vocabulary",
        planted=("Marisol", "Okafor", "2016-08-21"),
    ),
    Case(
        "identifier_columns_child_name_ssn",
        "CT/reviews/reviews_2024_with_identifiers.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, R1), (3, R2)),
        quarantined=((4, "contact_within_3_years", "type boolean", "word of 3 characters"),),
        dropped=(
            ("child_name", "header names a personal identifier (name)"),
            ("ssn", "header names a personal identifier (social security number)"),
        ),
        planted=(
            "Jane Doe",
            "John Q. Public",
            "Maria Garcia",
            "123-45-6789",
            "987-65-4321",
            "111-22-3333",
        ),
        check=_identifier_columns_not_in_raw,
    ),
    Case(
        "canonical_column_of_emails",
        "CT/tasc_responses/tasc_2024-1_org_unit_emails.csv",
        PARTLY,
        name_kept=False,
        loaded=((2, "2024-1 / CT-T1"), (3, "2024-1 / CT-T2")),
        quarantined=((4, "intent_to_stay", "range 1..5", "whole number"),),
        dropped=(("org_unit", "values look like e-mail addresses (3 of 3 sampled)"),),
        planted=EMAILS,
        check=_org_unit_empty,
    ),
    Case(
        "required_column_of_emails",
        "CT/reviews/reviews_2024_ids_are_emails.csv",
        REJECTED,
        name_kept=False,
        reason="required columns missing: review_id (the privacy firewall dropped 'review_id': "
        "values look like e-mail addresses (2 of 2 sampled))",
        dropped=(("review_id", "values look like e-mail addresses (2 of 2 sampled)"),),
        planted=EMAILS[:2],
    ),
    # --- resubmissions -------------------------------------------------------------------------
    Case(
        "corrected_resubmission",
        "CT/workforce/workforce_2024.csv",
        ACCEPTED,
        loaded=((2, Q1_CASEWORKER), (3, Q1_SUPERVISOR)),
        check=_corrected_version_kept_as_history,
    ),
    Case(
        "same_bytes_resubmitted",
        "CT/workforce/workforce_2024.csv",
        ACCEPTED,
        loaded=((2, Q1_CASEWORKER), (3, Q1_SUPERVISOR)),
        check=_same_bytes_change_nothing,
    ),
]


# --- the harness -------------------------------------------------------------------------------


def _landing(case: Case, tmp_path: Path) -> Path:
    """The good files of other jurisdictions plus the case's files (not its ``_`` folders)."""
    landing = tmp_path / "landing"
    shutil.copytree(GOOD, landing)
    for entry in (CORPUS / case.name).iterdir():
        if entry.name.startswith("_"):
            continue
        if entry.is_dir():
            shutil.copytree(entry, landing / entry.name, dirs_exist_ok=True)
        else:
            shutil.copy(entry, landing / entry.name)
    if case.link:
        source = CORPUS / case.name / "_outside" / Path(case.link).name
        target = tmp_path / "outside" / source.name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir()
            shutil.copy(source, target)
        link = landing / case.link
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(target)
    return landing


def _load(
    con: duckdb.DuckDBPyConnection, landing: Path
) -> tuple[dict[str, FileOutcome], dict[str, MisplacedFile]]:
    """What a refresh does with the landing zone: scan, record the misplaced, load every set."""
    placed, misplaced = scan(landing)
    record_misplaced(con, misplaced, RECEIVED_AT)
    outcomes: dict[str, FileOutcome] = {}
    for data_set in DATA_SETS:  # contract order: reviews before their IOs
        files = [f for f in placed if f.data_set == data_set]
        if files:
            result = load_data_set(con, data_set, files, received_at=RECEIVED_AT)
            outcomes.update({o.file.relative_path: o for o in result.outcomes})
    return outcomes, {m.relative_path: m for m in misplaced}


def _key(data_set: str) -> str:
    """The key as submitted (a record id read back from its pseudonym: tests/submitted_ids.py)."""
    return " || ' / ' || ".join(
        f"cast({submitted_ids.as_submitted(k, data_set)} as varchar)"
        for k in DATA_SETS[data_set].key
    )


def _good_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Everything the good jurisdictions' files put in the warehouse, without load metadata."""
    out = {}
    marks = ", ".join(f"'{j}'" for j in GOOD_JURISDICTIONS)
    for name in DATA_SETS:
        out[name] = _values(
            con,
            f"select * exclude (submission_id, loaded_at) from raw.{name} "
            f"where jurisdiction_id in ({marks}) order by all",
        )
    out["io_narratives"] = _values(
        con,
        "select * exclude (submission_id) from restricted.io_narratives "
        f"where jurisdiction_id in ({marks}) order by all",
    )
    out["ledger"] = _values(
        con,
        "select source_file, status, rows_read, rows_loaded, rows_quarantined, reason, "
        f"dropped_columns from raw.submission_ledger where jurisdiction_id in ({marks}) "
        "order by all",
    )
    out["quarantine"] = _values(
        con, f"select * from raw.quarantine where jurisdiction_id in ({marks}) order by all"
    )
    return out


def _dump(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every table of the warehouse, whole."""
    tables = _values(
        con,
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' order by all",
    )
    return {f"{s}.{t}": _values(con, f'select * from "{s}"."{t}" order by all') for s, t in tables}


# The corpus's CT shares its IO narratives (narrative_sharing.csv shares none in the demo), so
# the cases of narratives kept redacted have one to keep; every other member does not share.
NARRATIVE_SHARERS = ("CT",)


@pytest.fixture(autouse=True)
def _ct_shares_narratives(monkeypatch):
    monkeypatch.setattr(
        ingestion.raw_loader, "shares_narratives", lambda j, on: j in NARRATIVE_SHARERS
    )


@pytest.fixture(autouse=True)
def _layouts_of_the_case(request, tmp_path, monkeypatch):
    """Only the case's own layouts are in force (none, unless it has ``_layouts/``)."""
    case = request.node.callspec.params.get("case") if hasattr(request.node, "callspec") else None
    folder = CORPUS / case.name / "_layouts" if case else None
    if folder is None or not folder.is_dir():
        folder = tmp_path / "no_layouts"
        folder.mkdir()
    monkeypatch.setattr(ingestion.layouts, "LAYOUTS_DIR", folder)


@pytest.fixture(scope="module")
def good_alone(tmp_path_factory) -> dict[str, list[tuple]]:
    """The good files loaded without any case: what they must load as next to every case."""
    root = tmp_path_factory.mktemp("good_alone")
    shutil.copytree(GOOD, root / "landing")
    with pytest.MonkeyPatch.context() as mp:
        (root / "no_layouts").mkdir()
        mp.setattr(ingestion.layouts, "LAYOUTS_DIR", root / "no_layouts")
        con = duckdb.connect(str(root / "warehouse.duckdb"))
        try:
            outcomes, misplaced = _load(con, root / "landing")
            assert not misplaced
            assert {o.status for o in outcomes.values()} == {ACCEPTED}
            rows = _good_rows(con)
        finally:
            con.close()
    assert all(rows[name] for name in DATA_SETS)
    return rows


def test_the_catalogue_covers_every_case_folder():
    folders = {p.name for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("_")}
    assert folders == {c.name for c in CASES}
    assert len(CASES) >= 30


def test_the_generated_files_are_what_make_corpus_writes(tmp_path):
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    make_corpus = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_corpus)
    written = make_corpus.write_corpus(tmp_path)
    assert written
    for relative in written:
        assert (tmp_path / relative).read_bytes() == (CORPUS / relative).read_bytes(), relative


def _as_recorded(case: Case, landing: Path) -> Case:
    """The case with ``file`` as the warehouse records it: a name outside the vocabulary is
    replaced by the file's data set and the start of its SHA-256 (computed here, independently)."""
    if case.recorded is not None:
        return dataclasses.replace(case, file=case.recorded)
    if case.name_kept:
        return case
    path = landing / case.file
    jurisdiction, data_set, _ = case.file.split("/")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return dataclasses.replace(
        case, file=f"{jurisdiction}/{data_set}/{data_set}_{digest}{path.suffix.lower()}"
    )


@pytest.mark.parametrize("case", CASES, ids=str)
def test_corpus_case(case: Case, tmp_path: Path, good_alone: dict[str, list[tuple]]):
    landing = _landing(case, tmp_path)
    case = _as_recorded(case, landing)
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        outcomes, misplaced = _load(con, landing)
        submitted_ids.register_for_landing(con, landing)

        # The other jurisdictions' data loads exactly as it does alone.
        assert _good_rows(con) == good_alone
        # Files of the case other than the one under test (a review its IOs point to): whole.
        for path, o in outcomes.items():
            if path != case.file and path.split("/")[0] not in GOOD_JURISDICTIONS:
                assert (o.status, o.rows_quarantined) == (ACCEPTED, 0), path

        if case.status == MISPLACED:
            _assert_misplaced(con, case, outcomes, misplaced)
        else:
            assert case.file in outcomes, f"{case.file} not placed: {misplaced}"
            _assert_outcome(con, case, outcomes[case.file])

        stored = repr(_dump(con)) + repr([(o.reason, o.dropped_columns) for o in outcomes.values()])
        for value in case.planted:
            assert value not in stored, f"{value!r} is stored"
        if case.check:
            case.check(con, landing)
    finally:
        con.close()
    if case.planted:  # nor in the database file itself
        data = (tmp_path / "warehouse.duckdb").read_bytes()
        for value in case.planted:
            assert value.encode() not in data


def _assert_misplaced(con, case: Case, outcomes, misplaced) -> None:
    assert case.file not in outcomes
    assert set(misplaced) == {case.file}
    reason = misplaced[case.file].reason
    assert reason.startswith(f"{case.file}: ") and case.reason in reason, reason
    assert _values(
        con,
        "select source_file, status, stage from raw.submission_ledger where stage = 'placement'",
    ) == [(case.file, REJECTED, "placement")]


NAME_NOT_KEPT = "outside the partnership's vocabulary"


def _assert_outcome(con, case: Case, o: FileOutcome) -> None:
    data_set = case.file.split("/")[1]
    assert o.status == case.status, o.reason
    reason = o.reason
    if not case.name_kept and case.status != REJECTED:  # the coordinator is told why
        note = f"it is not stored: the file is recorded as {case.file.split('/')[-1]}"
        assert reason and note in reason, reason
        reason = "; ".join(p for p in reason.split("; ") if NAME_NOT_KEPT not in p) or None
    if case.status == REJECTED:
        assert o.reason.startswith(f"{case.file}: "), o.reason
        assert case.reason in o.reason, o.reason
    elif case.status == ACCEPTED and not case.notes:
        # an accepted file has no reason, but for a note on its name
        assert reason is None if case.reason is None else case.reason in reason, reason
    else:  # the ledger's summary names every column and rule broken, and every note
        for _, column, rule, _ in case.quarantined + case.notes:
            assert f"column {column}, rule {rule}: " in o.reason, o.reason

    loaded = _values(
        con,
        f"select source_row_number, {_key(data_set)} from raw.{data_set} "
        f"where source_file = '{case.file}' order by 1",
    )
    assert loaded == list(case.loaded)
    quarantined = _values(
        con,
        "select source_row_number, column_name, rule, value_class from raw.quarantine "
        f"where source_file = '{case.file}' and not row_loaded order by 1, 2",
    )
    assert quarantined == list(case.quarantined)
    notes = _values(
        con,
        "select source_row_number, column_name, rule, value_class from raw.quarantine "
        f"where source_file = '{case.file}' and row_loaded order by 1, 2",
    )
    assert notes == list(case.notes)
    bad_rows = {q[0] for q in case.quarantined}
    assert not bad_rows & {row for row, _ in case.loaded}
    counts = (len(case.loaded) + len(bad_rows), len(case.loaded), len(bad_rows))
    if case.status == REJECTED:
        counts = (0, 0, 0)
    assert (o.rows_read, o.rows_loaded, o.rows_quarantined) == counts

    assert [d["column"] for d in o.dropped_columns] == [c for c, _ in case.dropped]
    for d, (_, why) in zip(o.dropped_columns, case.dropped):
        assert why in d["reason"], d
    ledger = _values(
        con,
        "select status, reason, rows_read, rows_loaded, rows_quarantined, dropped_columns "
        f"from raw.submission_ledger where source_file = '{case.file}' and stage = 'load'",
    )
    dropped = json.dumps(o.dropped_columns) if o.dropped_columns else None
    assert ledger == [(o.status, o.reason, *counts, dropped)]


def test_rows_of_large_canonical_files_keep_their_spreadsheet_numbers(tmp_path):
    """Not a committed file: the one-scan path numbered rows in whatever order DuckDB's parallel
    scan delivered them, which only shows on files of tens of thousands of rows. Every row must
    keep the number a person sees, so that quarantine points at the right line and, of a key
    repeated in a file, the later row is the one quarantined."""
    rows = 50_000
    answers = "5,6,3,5,2,6,5,4,4,3,4,4,5,4,2,3,2,1,2,4"
    landing = tmp_path / "landing"
    for jurisdiction in ("CT", "ME"):
        folder = landing / jurisdiction / "tasc_responses"
        folder.mkdir(parents=True)
        lines = [",".join(DATA_SETS["tasc_responses"].column_names)]
        for n in range(2, rows + 2):  # the response in spreadsheet row n is <jurisdiction>-<n>
            ps_1 = "9" if n == rows - 7 else "5"  # out of range 1..7
            lines.append(
                f"{jurisdiction}-{n},2024-1,2024-06-03,U01,caseworker,1_2y,{ps_1},{answers[2:]}"
            )
        lines.append(f"{jurisdiction}-2,2024-1,2024-06-04,U01,caseworker,1_2y,{answers}")
        (folder / "tasc_2024-1.csv").write_text("\n".join(lines) + "\n")
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    try:
        outcomes, _ = _load(con, landing)
        assert {o.status for o in outcomes.values()} == {PARTLY}
        pseudonyms.install(con, pseudonyms.load_key(create=False))
        assert _values(
            con,
            "select count(*), count(*) filter (where response_id <> npcs_pseudonym("
            "jurisdiction_id || '-' || source_row_number, jurisdiction_id, 'response')) "
            "from raw.tasc_responses",
        ) == [(2 * (rows - 1), 0)]
        assert _values(
            con,
            "select source_file, source_row_number, column_name, rule from raw.quarantine "
            "order by all",
        ) == [
            (f"{j}/tasc_responses/tasc_2024-1.csv", row, column, rule)
            for j in ("CT", "ME")
            for row, column, rule in (
                (rows - 7, "ps_1", "range 1..7"),
                (rows + 2, "response_id", "duplicate key in file"),
            )
        ]
    finally:
        con.close()
