"""The submission contract (core data set, version 1) as data.

One declaration per data set: its columns, their types, which are required, which code list a
code column draws from, value ranges and the key. Code *values* are not repeated here: they live
in the dbt seeds under ``dbt_project/seeds/code_lists`` (see :mod:`ingestion.reference`).
Everything that needs the shape of a submission — the raw loader, the demo generator, the tests —
reads it from this module.
"""

from __future__ import annotations

from dataclasses import dataclass

# Canonical column type -> DuckDB type used in the raw schema.
DUCKDB_TYPES = {
    "text": "VARCHAR",  # free text: restricted (the IO narrative), never in a raw table
    "id": "VARCHAR",  # a member's record id, stored only as its keyed pseudonym (pseudonyms.py)
    "wave": "VARCHAR",  # a survey wave label: YYYY-n (the year and the wave's number in it)
    "label": "VARCHAR",  # a value the member declares (org units): undeclared -> 'other'
    "code": "VARCHAR",
    "codes": "VARCHAR",  # ';'-separated list of codes, split in staging
    "date": "DATE",
    "integer": "INTEGER",
    "boolean": "BOOLEAN",
    "quarter": "VARCHAR",  # YYYY-Qn
    "year": "INTEGER",  # federal fiscal year
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    code_list: str | None = None
    min: int | None = None
    max: int | None = None
    # For an id: the namespace of its pseudonym (an IO's review_id is a review's id).
    pseudonym: str | None = None

    @property
    def duckdb_type(self) -> str:
        return DUCKDB_TYPES[self.type]


@dataclass(frozen=True)
class DataSet:
    name: str
    description: str
    sharing_level: str  # the level the contract gives the data set
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _items(prefix: str, n: int, lo: int, hi: int) -> tuple[Column, ...]:
    return tuple(Column(f"{prefix}_{i}", "integer", min=lo, max=hi) for i in range(1, n + 1))


REVIEWS = DataSet(
    name="reviews",
    description="One row per critical-incident review (SSIT).",
    sharing_level="record",
    key=("review_id",),
    columns=(
        Column("review_id", "id", required=True, pseudonym="review"),
        Column("incident_type", "code", required=True, code_list="incident_type"),
        Column("incident_date", "date", required=True),
        Column("review_completed_date", "date", required=True),
        Column("cause_of_incident", "code", required=True, code_list="cause_of_incident"),
        Column("maltreatment_type", "code", code_list="maltreatment_type"),
        Column("child_age_years", "integer", required=True, min=0, max=17),
        Column("child_sex", "code", required=True, code_list="child_sex"),
        Column("child_race_ethnicity", "codes", required=True, code_list="race_ethnicity"),
        Column("open_case_at_incident", "boolean", required=True),
        Column("prior_reports_count", "integer", min=0),
        Column("contact_within_3_years", "boolean"),
        Column("in_out_of_home_care", "boolean"),
    ),
)

IMPROVEMENT_OPPORTUNITIES = DataSet(
    name="improvement_opportunities",
    description="One row per improvement opportunity (IO) found in a review.",
    sharing_level="record",
    key=("io_id",),
    columns=(
        Column("io_id", "id", required=True, pseudonym="io"),
        Column("review_id", "id", required=True, pseudonym="review"),
        Column("io_theme", "code", required=True, code_list="io_theme"),
        Column("io_level", "code", required=True, code_list="io_level"),
        Column("partner_agency", "code", code_list="partner_agency"),
        Column("rating", "integer", min=0, max=3),
        Column("narrative", "text"),
    ),
)

REVIEW_SUMMARY = DataSet(
    name="review_summary",
    description="Review counts per quarter, incident type and theme, from aggregate-only members.",
    sharing_level="aggregate",
    key=("period", "incident_type", "io_theme"),
    columns=(
        Column("period", "quarter", required=True),
        Column("incident_type", "code", required=True, code_list="incident_type"),
        Column("reviews_completed", "integer", required=True, min=0),
        Column("io_theme", "code", required=True, code_list="io_theme"),
        Column("ios_identified", "integer", required=True, min=0),
        Column("reviews_with_theme", "integer", required=True, min=0),
    ),
)

TASC_RESPONSES = DataSet(
    name="tasc_responses",
    description="One row per survey respondent and wave of the TASC safety-culture survey.",
    sharing_level="record",
    key=("survey_wave", "response_id"),
    columns=(
        Column("response_id", "id", required=True, pseudonym="response"),
        Column("survey_wave", "wave", required=True),
        Column("response_date", "date", required=True),
        Column("org_unit", "label"),
        Column("role", "code", required=True, code_list="staff_role"),
        Column("tenure_band", "code", code_list="tenure_band"),
        *_items("ps", 7, 1, 7),
        *_items("sr", 4, 1, 5),
        *_items("wc", 3, 1, 5),
        *_items("ee", 5, 0, 6),
        Column("intent_to_stay", "integer", min=1, max=5),
    ),
)

WORKFORCE = DataSet(
    name="workforce",
    description="Staffing counts per quarter and role.",
    sharing_level="aggregate",
    key=("period", "role"),
    columns=(
        Column("period", "quarter", required=True),
        Column("role", "code", required=True, code_list="staff_role"),
        Column("headcount_start", "integer", required=True, min=0),
        Column("headcount_end", "integer", required=True, min=0),
        Column("hires", "integer", required=True, min=0),
        Column("separations_voluntary", "integer", required=True, min=0),
        Column("separations_involuntary", "integer", required=True, min=0),
        Column("vacancies", "integer", required=True, min=0),
    ),
)

OUTCOMES = DataSet(
    name="outcomes",
    description="Annual outcome counts per race/ethnicity group (federal fiscal year).",
    sharing_level="aggregate",
    key=("fiscal_year", "race_ethnicity_group"),
    columns=(
        Column("fiscal_year", "year", required=True, min=2000, max=2100),
        Column("race_ethnicity_group", "code", required=True, code_list="race_ethnicity_group"),
        Column("child_population", "integer", required=True, min=0),
        Column("children_investigated", "integer", required=True, min=0),
        Column("victims", "integer", required=True, min=0),
        Column("victims_with_recurrence", "integer", required=True, min=0),
        Column("recurrence_window_months", "integer", required=True, min=1, max=24),
        Column("entries_to_care", "integer", required=True, min=0),
        Column("maltreatment_fatalities", "integer", required=True, min=0),
        Column("near_fatalities", "integer", required=True, min=0),
    ),
)

DATA_SETS: dict[str, DataSet] = {
    d.name: d
    for d in (
        REVIEWS,
        IMPROVEMENT_OPPORTUNITIES,
        REVIEW_SUMMARY,
        TASC_RESPONSES,
        WORKFORCE,
        OUTCOMES,
    )
}

# Lineage columns every raw table carries after the canonical columns.
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("jurisdiction_id", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("source_row_number", "INTEGER"),
    ("file_sha256", "VARCHAR"),
    ("loaded_at", "TIMESTAMP"),
    ("submission_id", "BIGINT"),  # the ledger row of the file version the row came from
)
