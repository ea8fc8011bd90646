"""Conformed dimensions (schema ``common``) and membership marts on the hand-written warehouse of
conftest.py, with the real seeds (registry, sharing levels, code lists)."""

from __future__ import annotations

import csv
from datetime import date, timedelta

from tests.dbt_project.conftest import DBT_PROJECT_DIR, LOADED_AT

SEEDS = DBT_PROJECT_DIR / "seeds"


def _rows(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()


def test_new_marts_are_tables(warehouse):
    tables = {
        (s, t)
        for s, t in _rows(
            warehouse,
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() and table_type = 'BASE TABLE'",
        )
    }
    assert {
        ("common", "dim_calendar"),
        ("common", "dim_codes"),
        ("common", "dim_race_ethnicity"),
        ("common", "dim_race_ethnicity_combinations"),
        ("membership", "dim_jurisdiction_sharing_levels"),
        ("membership", "agg_members_by_type"),
        ("membership", "fct_submission_coverage"),
    } <= tables


def test_dim_calendar(warehouse):
    days = (date(2035, 12, 31) - date(2015, 1, 1)).days + 1
    assert _rows(
        warehouse, "select count(*), min(date_day), max(date_day) from common.dim_calendar"
    ) == [(days, date(2015, 1, 1), date(2035, 12, 31))]
    rows = dict(
        (r[0], r[1:])
        for r in _rows(
            warehouse,
            "select date_day, calendar_quarter, federal_fiscal_year, federal_fiscal_quarter "
            "from common.dim_calendar where date_day in ('2023-09-30', '2023-10-01')",
        )
    )
    assert rows[date(2023, 9, 30)] == ("2023-Q3", 2023, 4)
    assert rows[date(2023, 10, 1)] == ("2023-Q4", 2024, 1)


def test_dim_codes_holds_every_code_list_seed(warehouse):
    expected = set()
    for path in sorted((SEEDS / "code_lists").glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                expected.add((path.stem, row["code"], row["label"], int(row["sort_order"])))
    actual = set(
        _rows(warehouse, "select code_list, code, label, sort_order from common.dim_codes")
    )
    assert actual == expected


def test_race_ethnicity_standards(warehouse):
    rows = {
        r[0]: r[1:]
        for r in _rows(
            warehouse,
            "select race_ethnicity_code, race_1997, is_hispanic_latino_1997, category_2024, "
            "reporting_priority from common.dim_race_ethnicity",
        )
    }
    assert rows["middle_eastern_north_african"] == (
        "white",
        False,
        "middle_eastern_north_african",
        None,
    )
    assert rows["hispanic_latino"] == (None, True, "hispanic_latino", 1)
    assert {"two_or_more", "all", "unknown"} <= set(rows)
    # the combinations submitted in the conftest reviews, and their groups
    combos = {
        r[0]: r[1:]
        for r in _rows(
            warehouse,
            "select race_ethnicity_combination, reporting_race_ethnicity_group, race_1997, "
            "is_hispanic_latino_1997, category_2024 from common.dim_race_ethnicity_combinations",
        )
    }
    assert combos["hispanic_latino;white"] == ("hispanic_latino", "white", True, "two_or_more")
    assert combos["black_african_american;white"] == (
        "two_or_more",
        "two_or_more",
        False,
        "two_or_more",
    )
    assert combos["unknown"] == ("unknown", "unknown", None, "unknown")
    # fct_reviews and the dimension use the same hierarchy
    mismatches = _rows(
        warehouse,
        "select r.review_key from reviews.fct_reviews as r "
        "join common.dim_race_ethnicity_combinations as c "
        "on array_to_string(r.race_ethnicity_codes, ';') = c.race_ethnicity_combination "
        "where r.reporting_race_ethnicity_group <> c.reporting_race_ethnicity_group",
    )
    assert mismatches == []
    assert _rows(
        warehouse,
        "select count(*) from reviews.fct_reviews as r left join "
        "common.dim_race_ethnicity_combinations as c "
        "on array_to_string(r.race_ethnicity_codes, ';') = c.race_ethnicity_combination "
        "where c.race_ethnicity_combination is null",
    ) == [(0,)]


def test_jurisdiction_hierarchy(warehouse):
    rows = {
        r[0]: r[1:]
        for r in _rows(
            warehouse,
            "select jurisdiction_id, top_level_jurisdiction_id, hierarchy_level, hierarchy_path "
            "from membership.dim_jurisdictions",
        )
    }
    assert rows["OH-FRANKLIN"] == ("OH", 2, "OH > OH-FRANKLIN")
    assert rows["OH"] == ("OH", 1, "OH")
    assert rows["ND-SPIRIT-LAKE"] == ("ND-SPIRIT-LAKE", 1, "ND-SPIRIT-LAKE")  # tribe, no parent
    assert rows["PA-ALLEGHENY"] == ("PA-ALLEGHENY", 1, "PA-ALLEGHENY")  # PA is not a member
    assert rows["DC"][1] == 1


def test_members_joined_in_fiscal_year_2024(warehouse):
    """The domain fact: Alameda County, Maine and Wyoming joined within the last year of the
    source report (as of 2024-10-01: FY2024 = 2023-10-01..2024-09-30)."""
    joined = {
        r[0]
        for r in _rows(
            warehouse,
            "select jurisdiction_id from membership.dim_jurisdictions "
            "where joined_fiscal_year = 2024",
        )
    }
    assert joined == {"CA-ALAMEDA", "ME", "WY"}
    by_type = {
        r[0]: r[1:]
        for r in _rows(
            warehouse,
            "select jurisdiction_type, members_joined, members_at_end "
            "from membership.agg_members_by_type where fiscal_year = 2024",
        )
    }
    assert sum(j for j, _ in by_type.values()) == 3
    assert by_type["state"][0] == 2 and by_type["county"][0] == 1
    assert sum(e for _, e in by_type.values()) == 38


def test_sharing_level_history(warehouse):
    with (SEEDS / "jurisdiction_sharing_levels.csv").open(newline="", encoding="utf-8") as f:
        seed_rows = list(csv.DictReader(f))
    assert _rows(warehouse, "select count(*) from membership.dim_jurisdiction_sharing_levels") == [
        (len(seed_rows),)
    ]
    # the level in force on a day: valid_from <= d < valid_to
    assert _rows(
        warehouse,
        "select sharing_level from membership.dim_jurisdiction_sharing_levels "
        "where jurisdiction_id = 'NY' and data_set = 'reviews' "
        "and valid_from <= date '2024-10-01' and date '2024-10-01' < valid_to",
    ) == [("aggregate",)]


def test_submission_coverage(warehouse):
    # ledger ids: the conftest files in name order over all data sets, received a minute apart
    at = {i: LOADED_AT + timedelta(minutes=i) for i in range(1, 14)}
    rows = {
        r[0]: r[1:]
        for r in _rows(
            warehouse,
            "select submission_coverage_key, current_row_count, file_version_count, "
            "first_received_at, sharing_level_at_period_end "
            "from membership.fct_submission_coverage",
        )
    }
    assert rows == {
        # CT reviews R1 (2024-01-10) and R2 (2024-02-20) from CT/reviews/2024-12.csv (id 4); the
        # first version of R1 (2024-01.csv, id 3) is replaced, so it is not counted
        "CT:reviews:2024-Q1": (2, 1, at[4], "record"),
        "CT:reviews:2024-Q4": (1, 1, at[4], "record"),  # R3, 2024-10-15
        "OH-FRANKLIN:reviews:2024-Q2": (1, 1, at[11], "record"),
        # IOs are dated by their review: IO1-IO4 (R1, R2) in Q1, IO5 (R3) in Q4
        "CT:improvement_opportunities:2024-Q1": (4, 1, at[1], "record"),
        "CT:improvement_opportunities:2024-Q4": (1, 1, at[1], "record"),
        "OH-FRANKLIN:improvement_opportunities:2024-Q2": (1, 1, at[9], "record"),
        "NY:review_summary:2024-Q1": (3, 1, at[8], "aggregate"),
        "NY:review_summary:2024-Q3": (1, 1, at[8], "aggregate"),
        "CT:tasc_responses:2024-1": (6, 1, at[5], "record"),
        "ME:tasc_responses:2024-1": (2, 1, at[7], "record"),
        # four quarters of CT workforce counts, two roles each, in one file (id 6)
        "CT:workforce:2023-Q2": (2, 1, at[6], "aggregate"),
        "CT:workforce:2023-Q3": (2, 1, at[6], "aggregate"),
        "CT:workforce:2023-Q4": (2, 1, at[6], "aggregate"),
        "CT:workforce:2024-Q1": (2, 1, at[6], "aggregate"),
        # CT outcomes for two fiscal years in one file (id 2), three groups each
        "CT:outcomes:2023": (3, 1, at[2], "aggregate"),
        "CT:outcomes:2024": (3, 1, at[2], "aggregate"),
        "OH-FRANKLIN:outcomes:2024": (3, 1, at[10], "aggregate"),
        "OH:outcomes:2024": (3, 1, at[12], "aggregate"),
        "PA-ALLEGHENY:outcomes:2023": (1, 1, at[13], "aggregate"),  # the 6-month window member
    }
