"""Row-level validation rules against a real DuckDB table of canonical text."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from ingestion.core_data_set import REVIEWS
from ingestion.validation import find_violations, normalized

TODAY = date(2024, 10, 1)
GOOD = {
    "review_id": "R1",
    "incident_type": "fatality",
    "incident_date": "2024-01-01",
    "review_completed_date": "2024-03-01",
    "cause_of_incident": "suid_sleep",
    "maltreatment_type": "neglect",
    "child_age_years": "0",
    "child_sex": "male",
    "child_race_ethnicity": "white;hispanic_latino",
    "open_case_at_incident": "false",
    "prior_reports_count": "0",
    "contact_within_3_years": "true",
    "in_out_of_home_care": None,
}


def _violations(rows: list[dict]) -> set[tuple[int, str, str]]:
    con = duckdb.connect()
    cols = REVIEWS.column_names
    con.execute(
        "create temp table t as select * from (values "
        + ", ".join("(" + ", ".join("?" for _ in range(len(cols) + 1)) + ")" for _ in rows)
        + f") v({', '.join(cols)}, _row_number)",
        [x for i, r in enumerate(rows) for x in [*[r.get(c) for c in cols], i + 2]],
    ).fetchall()
    con.execute(
        f"create temp table t2 as select {', '.join(normalized(c) for c in cols)}, _row_number, "
        "'CT/reviews/a.csv' as _file, 'CT' as _jurisdiction from t"
    ).fetchall()
    find_violations(con, "reviews", "t2", TODAY)
    return {
        tuple(r)
        for r in con.execute("select _row_number, column_name, rule from _violations").fetchall()
    }


def test_a_good_row_has_no_violations():
    assert _violations([GOOD]) == set()


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"incident_type": "alien"}, ("incident_type", "code list incident_type")),
        ({"incident_type": None}, ("incident_type", "required")),
        ({"child_age_years": "18"}, ("child_age_years", "range 0..17")),
        ({"child_age_years": "two"}, ("child_age_years", "type integer")),
        ({"incident_date": "2024-13-45"}, ("incident_date", "type date")),
        ({"incident_date": "2024-05-01"}, ("incident_date", "incident after review completion")),
        ({"review_completed_date": "2030-01-01"}, ("review_completed_date", "date in the future")),
        (
            {"child_race_ethnicity": "white;martian"},
            ("child_race_ethnicity", "code list race_ethnicity"),
        ),
        (
            {"child_race_ethnicity": "unknown;white"},
            ("child_race_ethnicity", "code list race_ethnicity"),
        ),
        ({"open_case_at_incident": "maybe"}, ("open_case_at_incident", "type boolean")),
    ],
)
def test_each_rule_flags_its_column(change, expected):
    assert (2, *expected) in _violations([{**GOOD, **change}])


def test_a_repeated_key_flags_the_later_rows_only():
    assert _violations([GOOD, GOOD, GOOD]) == {
        (3, "review_id", "duplicate key in file"),
        (4, "review_id", "duplicate key in file"),
    }
