"""A throw-away warehouse for the dbt project: a few hand-written raw rows, then ``dbt build``.

The rows are small enough to compute every expected figure by hand (see test_marts.py). They
cover a record-level state (CT) with a resubmitted review, a nested county (OH-FRANKLIN, inside
OH), a summary-level member (NY), a TASC unit below the suppression threshold (ME), and outcomes
for a state and its county in the same year, an earlier year to pool, and a member measuring
recurrence within 6 months.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from ingestion.core_data_set import DATA_SETS
from ingestion.raw_loader import ensure_schema, raw_columns

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
LOADED_AT = datetime(2025, 1, 15, 12, 0, 0)

# (jurisdiction, file name, rows) per data set; omitted columns are null.
REVIEWS = [
    (
        "CT",
        "2024-01.csv",
        [
            # the first version of R1, replaced by the later file below
            dict(
                review_id="R1",
                incident_type="fatality",
                incident_date="2023-12-01",
                review_completed_date="2024-01-10",
                cause_of_incident="undetermined",
                child_age_years=0,
                child_sex="male",
                child_race_ethnicity="white",
                open_case_at_incident=False,
            ),
        ],
    ),
    (
        "CT",
        "2024-12.csv",
        [
            dict(
                review_id="R1",
                incident_type="fatality",
                incident_date="2023-12-01",
                review_completed_date="2024-01-10",
                cause_of_incident="suid_sleep",
                maltreatment_type="neglect",
                child_age_years=0,
                child_sex="male",
                child_race_ethnicity="white",
                open_case_at_incident=False,
                prior_reports_count=0,
            ),
            dict(
                review_id="R2",
                incident_type="near_fatality",
                incident_date="2024-01-05",
                review_completed_date="2024-02-20",
                cause_of_incident="abusive_head_trauma",
                maltreatment_type="physical_abuse",
                child_age_years=1,
                child_sex="female",
                child_race_ethnicity="white; hispanic_latino",
                open_case_at_incident=True,
                prior_reports_count=2,
            ),
            dict(
                review_id="R3",
                incident_type="fatality",
                incident_date="2024-08-01",
                review_completed_date="2024-10-15",
                cause_of_incident="suid_sleep",
                maltreatment_type="neglect",
                child_age_years=0,
                child_sex="female",
                child_race_ethnicity="black_african_american;white",
                open_case_at_incident=False,
                prior_reports_count=1,
            ),
        ],
    ),
    (
        "OH-FRANKLIN",
        "reviews.csv",
        [
            dict(
                review_id="R1",
                incident_type="fatality",
                incident_date="2024-02-01",
                review_completed_date="2024-05-01",
                cause_of_incident="drowning",
                child_age_years=3,
                child_sex="male",
                child_race_ethnicity="unknown",
                open_case_at_incident=False,
            ),
        ],
    ),
]

IOS = [
    (
        "CT",
        "ios.csv",
        [
            dict(
                io_id="IO1",
                review_id="R1",
                io_theme="teamwork_coordination",
                io_level="cross_system",
                partner_agency="law_enforcement",
                rating=2,
                narrative="restricted free text",
            ),
            dict(io_id="IO2", review_id="R1", io_theme="teamwork_coordination", io_level="team"),
            dict(
                io_id="IO3",
                review_id="R1",
                io_theme="economic_support",
                io_level="family_need",
                partner_agency="economic_assistance",
                rating=3,
            ),
            dict(io_id="IO4", review_id="R2", io_theme="supervision_consultation", io_level="team"),
            dict(io_id="IO5", review_id="R3", io_theme="economic_support", io_level="community"),
        ],
    ),
    (
        "OH-FRANKLIN",
        "ios.csv",
        [
            dict(
                io_id="IO1",
                review_id="R1",
                io_theme="teamwork_coordination",
                io_level="agency",
                partner_agency="medical",
                rating=1,
                narrative="restricted free text",
            ),
        ],
    ),
]

REVIEW_SUMMARY = [
    (
        "NY",
        "summary.csv",
        [
            dict(
                period="2024-Q1",
                incident_type="fatality",
                reviews_completed=4,
                io_theme="teamwork_coordination",
                ios_identified=3,
                reviews_with_theme=2,
            ),
            dict(
                period="2024-Q1",
                incident_type="fatality",
                reviews_completed=4,
                io_theme="economic_support",
                ios_identified=2,
                reviews_with_theme=1,
            ),
            dict(
                period="2024-Q1",
                incident_type="near_fatality",
                reviews_completed=2,
                io_theme="teamwork_coordination",
                ios_identified=1,
                reviews_with_theme=1,
            ),
            dict(
                period="2024-Q3",
                incident_type="fatality",
                reviews_completed=3,
                io_theme="teamwork_coordination",
                ios_identified=0,
                reviews_with_theme=0,
            ),
        ],
    ),
]


def _ps(*values: int | None) -> dict:
    return {f"ps_{i}": v for i, v in enumerate(values, start=1)}


TASC = [
    (
        "CT",
        "tasc.csv",
        [
            # psychological safety means 7, 4, 5.5, 1, unscored, 4
            # -> scores 100, 50, 75, 0, null, 50
            dict(
                response_id="A",
                **_ps(1, 7, 1, 7, 1, 7, 7),
                sr_1=5,
                sr_2=5,
                wc_1=3,
                wc_2=3,
                intent_to_stay=5,
            ),
            dict(
                response_id="B",
                **_ps(4, 4, 4, 4, None, None, None),
                sr_1=3,
                sr_2=3,
                intent_to_stay=4,
            ),
            dict(response_id="C", **_ps(2, 5, 3, 6, 2, 5, None), sr_1=1, sr_2=1, intent_to_stay=2),
            dict(response_id="D", **_ps(7, 1, 7, 1, 7, 1, 1), sr_1=2, sr_2=2, intent_to_stay=1),
            dict(response_id="E", **_ps(7, 7, None, None, None, None, None), intent_to_stay=5),
            dict(response_id="F", **_ps(4, 4, 4, 4, 4, 4, 4), sr_1=4, sr_2=4, intent_to_stay=3),
        ],
    ),
    (
        "ME",
        "tasc.csv",
        [
            dict(response_id="A", **_ps(1, 7, 1, 7, 1, 7, 7), intent_to_stay=5),
            dict(response_id="B", **_ps(1, 7, 1, 7, 1, 7, 7), intent_to_stay=4),
        ],
    ),
]
for _, _, rows in TASC:
    for r in rows:
        r.update(survey_wave="2024-1", response_date="2024-04-01", role="caseworker")


def _quarter(period: str, role: str, headcount: int, separations: int) -> dict:
    return dict(
        period=period,
        role=role,
        headcount_start=headcount,
        headcount_end=headcount,
        hires=separations,
        separations_voluntary=separations,
        separations_involuntary=0,
        vacancies=0,
    )


WORKFORCE = [
    (
        "CT",
        "workforce.csv",
        [
            # three earlier quarters, so 2024-Q1 closes a window of four
            *(_quarter(p, "caseworker", 100, 5) for p in ("2023-Q2", "2023-Q3", "2023-Q4")),
            _quarter("2023-Q2", "supervisor", 20, 1),
            _quarter("2023-Q3", "supervisor", 20, 0),
            _quarter("2023-Q4", "supervisor", 20, 1),
            dict(
                period="2024-Q1",
                role="caseworker",
                headcount_start=100,
                headcount_end=80,
                hires=5,
                separations_voluntary=6,
                separations_involuntary=3,
                vacancies=10,
            ),
            dict(
                period="2024-Q1",
                role="supervisor",
                headcount_start=20,
                headcount_end=20,
                hires=0,
                separations_voluntary=0,
                separations_involuntary=0,
                vacancies=1,
            ),
        ],
    ),
]


def _outcome(group: str, pop: int, inv: int, victims: int, entries: int) -> dict:
    return dict(
        fiscal_year=2024,
        race_ethnicity_group=group,
        child_population=pop,
        children_investigated=inv,
        victims=victims,
        victims_with_recurrence=victims // 10,
        recurrence_window_months=12,
        entries_to_care=entries,
        maltreatment_fatalities=1,
        near_fatalities=1,
    )


OUTCOMES = [
    (
        "OH",
        "outcomes.csv",
        [
            _outcome("all", 1000, 200, 40, 16),
            _outcome("white", 500, 50, 10, 4),
            _outcome("black_african_american", 250, 100, 20, 12),
        ],
    ),
    # nested in OH, which submitted for the same year: left out of the partnership totals
    (
        "OH-FRANKLIN",
        "outcomes.csv",
        [
            _outcome("all", 300, 90, 30, 9),
            _outcome("white", 100, 10, 5, 1),
            _outcome("black_african_american", 150, 70, 20, 7),
        ],
    ),
    (
        "CT",
        "outcomes.csv",
        [
            _outcome("all", 1000, 200, 40, 16),
            _outcome("white", 500, 50, 10, 4),
            _outcome("black_african_american", 250, 100, 20, 12),
            # an earlier year: pooled with FY2024 in the fatality rates pooled over 3 years
            dict(_outcome("all", 1000, 200, 40, 16), fiscal_year=2023),
            dict(_outcome("white", 500, 50, 10, 4), fiscal_year=2023),
            dict(_outcome("black_african_american", 250, 100, 20, 12), fiscal_year=2023),
        ],
    ),
    # a member measuring recurrence within 6 months: left out of the partnership's 12-month rate
    (
        "PA-ALLEGHENY",
        "outcomes.csv",
        [
            dict(
                _outcome("all", 400, 100, 30, 5),
                fiscal_year=2023,
                victims_with_recurrence=6,
                recurrence_window_months=6,
            ),
        ],
    ),
]

RAW_ROWS = {
    "reviews": REVIEWS,
    "improvement_opportunities": IOS,
    "review_summary": REVIEW_SUMMARY,
    "tasc_responses": TASC,
    "workforce": WORKFORCE,
    "outcomes": OUTCOMES,
}


def received_at(submission_id: int) -> datetime:
    """When the ledger says file version ``submission_id`` was received: a minute apart."""
    return LOADED_AT + timedelta(minutes=submission_id)


def write_raw(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema and insert the hand-written rows, with lineage columns, and one
    ledger row per file."""
    ensure_schema(con)
    # A later submission has a larger ledger id; here, one id per file, files in name order
    # (unique across data sets, like the ledger's).
    order = sorted(f"{j}/{ds}/{name}" for ds, files in RAW_ROWS.items() for j, name, _ in files)
    for data_set, files in RAW_ROWS.items():
        canonical = raw_columns(DATA_SETS[data_set])  # the restricted narrative is not in raw
        columns = canonical + [
            "jurisdiction_id",
            "source_file",
            "source_row_number",
            "file_sha256",
            "loaded_at",
            "submission_id",
        ]
        placeholders = ", ".join("?" for _ in columns)
        for jurisdiction_id, file_name, rows in files:
            source_file = f"{jurisdiction_id}/{data_set}/{file_name}"
            for row_number, row in enumerate(rows, start=2):
                unknown = set(row) - set(DATA_SETS[data_set].column_names)
                assert not unknown, f"{data_set}: unknown columns {unknown}"
                values = [row.get(c) for c in canonical]
                values += [jurisdiction_id, source_file, row_number, "0" * 64, LOADED_AT]
                values += [order.index(source_file) + 1]
                con.execute(
                    f"insert into raw.{data_set} ({', '.join(columns)}) values ({placeholders})",
                    values,
                )
            submission_id = order.index(source_file) + 1
            con.execute(
                "insert into raw.submission_ledger (submission_id, source_file, jurisdiction_id, "
                "data_set, file_sha256, size_bytes, received_at, status, rows_read, rows_loaded, "
                "rows_quarantined, stage) "
                "values (?, ?, ?, ?, ?, 0, ?, 'accepted', ?, ?, 0, 'load')",
                [
                    submission_id,
                    source_file,
                    jurisdiction_id,
                    data_set,
                    "0" * 64,
                    received_at(submission_id),
                    len(rows),
                    len(rows),
                ],
            )


# The quality gates' side of the same files (data_quality marts): ledger ids follow the file
# order of write_raw (1 CT/improvement_opportunities, 2 CT/outcomes, 3-4 CT/reviews,
# 5 CT/tasc_responses, 6 CT/workforce, 7 ME/tasc_responses, 8 NY/review_summary,
# 9-11 OH-FRANKLIN ios/outcomes/reviews, 12 OH/outcomes, 13 PA-ALLEGHENY/outcomes), all received
# 2025-01-15 (FY2025-Q2). Added: a CT reviews version held by the gate (id 14, no rows in raw, so
# every other mart is unchanged) with one row quarantined for two rules, and a CT workforce file
# rejected at load in December 2024 (FY2025-Q1). NY's summary (8) is still pending.
HELD_SUBMISSION_ID = 14
REVIEWS_GATE_AT = datetime(2025, 2, 1, 10, 0, 0)  # judges every reviews version (3, 4, 11, 14)
OUTCOMES_GATE_AT = datetime(2025, 1, 15, 13, 0, 0)  # judges every outcomes version


def write_quality(con: duckdb.DuckDBPyConnection) -> None:
    """Gate decisions, a held and a rejected file version, quarantine rows and check results."""
    from quality_checks.store import CheckRow, record_check_rows

    con.execute(
        "update raw.submission_ledger set gate_status = 'accepted', gate_run_id = 'run-a', "
        "gate_checked_at = ? where submission_id <> 8",
        [REVIEWS_GATE_AT],
    )
    ledger = (
        "insert into raw.submission_ledger (submission_id, source_file, jurisdiction_id, "
        "data_set, file_sha256, size_bytes, received_at, status, rows_read, rows_loaded, "
        "rows_quarantined, reason, stage, gate_status, gate_run_id, gate_checked_at) "
        "values (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, 'load', ?, ?, ?)"
    )
    con.execute(
        ledger,
        [
            HELD_SUBMISSION_ID,
            "CT/reviews/2025-02.csv",
            "CT",
            "reviews",
            "1" * 64,
            datetime(2025, 2, 1, 9, 0, 0),
            "accepted_with_rejected_rows",
            3,
            2,
            1,
            "column incident_type, rule code list incident_type: 1 row(s), first row 3",
            "held",
            "run-a",
            REVIEWS_GATE_AT,
        ],
    )
    con.execute(
        ledger,
        [
            None,
            "CT/workforce/bad.xlsx",
            "CT",
            "workforce",
            "2" * 64,
            datetime(2024, 12, 20, 9, 0, 0),
            "rejected",
            0,
            0,
            0,
            "unreadable",
            None,
            None,
            None,
        ],
    )
    for column, rule in (
        ("incident_type", "code list incident_type"),
        ("child_sex", "code list child_sex"),
    ):
        con.execute(
            "insert into raw.quarantine values (?, 'CT/reviews/2025-02.csv', 'CT', 'reviews', "
            "3, ?, ?, false, 'word of 1 characters')",
            [HELD_SUBMISSION_ID, column, rule],
        )
    reviews = dict(layer="raw", contract="raw/reviews.yml", dataset="raw.reviews", level="fail")
    outcomes = dict(layer="raw", contract="raw/outcomes.yml", dataset="raw.outcomes", level="fail")
    record_check_rows(
        con,
        "run-a",
        [
            CheckRow(
                **reviews,
                check_name="schema",
                check_type="schema",
                column_name=None,
                check_path="checks.schema",
                outcome="passed",
            ),
            CheckRow(
                **reviews,
                check_name="key unique",
                check_type="duplicate",
                column_name=None,
                check_path="checks.duplicate",
                outcome="failed",
                failing_rows=2,
            ),
            CheckRow(
                **reviews,
                check_name="key unique",
                check_type="duplicate",
                column_name=None,
                check_path="checks.duplicate",
                outcome="failed",
                jurisdiction_id="CT",
                failing_rows=2,
                action="held",
                sample=[{"jurisdiction_id": "CT", "review_id": "R7"}],
            ),
            CheckRow(
                **reviews,
                check_name="missing",
                check_type="missing",
                column_name="incident_type",
                check_path="columns.incident_type.missing",
                outcome="passed",
            ),
        ],
        at=REVIEWS_GATE_AT,
    )
    record_check_rows(
        con,
        "run-0",
        [
            CheckRow(
                **outcomes,
                check_name="schema",
                check_type="schema",
                column_name=None,
                check_path="checks.schema",
                outcome="passed",
            ),
            CheckRow(
                **outcomes,
                check_name="total row present",
                check_type="failed_rows",
                column_name=None,
                check_path="checks.failed_rows",
                outcome="passed",
            ),
        ],
        at=OUTCOMES_GATE_AT,
    )
    # a mart gate's result: in the history, not in the raw-gate pass rates
    record_check_rows(
        con,
        "run-0",
        [
            CheckRow(
                layer="mart",
                contract="reviews/fct_reviews.yml",
                dataset="reviews.fct_reviews",
                check_name="row count",
                check_type="row_count",
                column_name=None,
                check_path="checks.row_count",
                level="fail",
                outcome="failed",
            ),
        ],
        at=OUTCOMES_GATE_AT,
    )


def run_dbt(args: list[str], warehouse: Path, work_dir: Path):
    """Run dbt in-process against ``warehouse``; returns the dbtRunnerResult."""
    from dbt.cli.main import dbtRunner

    previous = os.environ.get("NPCS_WAREHOUSE")
    os.environ["NPCS_WAREHOUSE"] = str(warehouse)
    try:
        return dbtRunner().invoke(
            [
                *args,
                "--project-dir",
                str(DBT_PROJECT_DIR),
                "--profiles-dir",
                str(DBT_PROJECT_DIR),
                "--target-path",
                str(work_dir / "target"),
                "--log-path",
                str(work_dir / "logs"),
            ]
        )
    finally:
        _release_duckdb()
        if previous is None:
            os.environ.pop("NPCS_WAREHOUSE", None)
        else:
            os.environ["NPCS_WAREHOUSE"] = previous


def _release_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB instance open in-process after a run; close it so the test
    (or the next dbt run) can open the file again."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    env = DuckDBConnectionManager._ENV
    if env is not None:
        env.close()
    DuckDBConnectionManager.close_all_connections()


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The hand-written raw rows, built with ``dbt build``: the warehouse path and dbt's result."""
    work_dir = tmp_path_factory.mktemp("dbt_project")
    warehouse = work_dir / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        write_raw(con)
        write_quality(con)
    result = run_dbt(["build"], warehouse, work_dir)
    yield {"path": warehouse, "result": result, "work_dir": work_dir}


@pytest.fixture
def warehouse(built_warehouse: dict) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the built warehouse."""
    assert built_warehouse["result"].success, built_warehouse["result"].exception
    con = duckdb.connect(str(built_warehouse["path"]), read_only=True)
    try:
        yield con
    finally:
        con.close()
