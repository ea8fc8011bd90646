"""Overdue submissions (quality_checks/freshness.py) on the demo refresh: the list equals one
computed here in Python from the registry, the sharing levels and the coverage mart; members
that share none of a data set owe none of it; the status report shows exactly that list."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from html import unescape

import duckdb
import pytest

from quality_checks.freshness import PERIODIC, freshness, overdue, submission_due_days
from tests.conftest import DEMO_AS_OF

# the demo's as-of date and two earlier ones, when more members were behind
AS_OF_DATES = [DEMO_AS_OF, date(2023, 3, 1), date(2022, 8, 20)]


@pytest.fixture(scope="module")
def con(demo_refresh):
    c = duckdb.connect(str(demo_refresh.settings.warehouse), read_only=True)
    yield c
    c.close()


def _end_of_month(year: int, month: int) -> date:
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def _next_period_end(data_set: str, latest_end: date | None, joined: date) -> date:
    """The end of the period after ``latest_end`` (or of the period ``joined`` falls in)."""
    if data_set == "outcomes":  # federal fiscal years end on 30 September
        if latest_end is None:
            return date(joined.year + (joined.month >= 10), 9, 30)
        return date(latest_end.year + 1, 9, 30)
    if latest_end is None:
        return _end_of_month(joined.year, (joined.month - 1) // 3 * 3 + 3)
    return _end_of_month(latest_end.year, latest_end.month + 3)


def _expected(con, as_of: date, due_days: int, ignore_sharing: bool = False) -> dict:
    """(jurisdiction, data set) -> (latest period end, next period end, due date, days overdue)."""
    members = {
        j: joined
        for j, joined, left in con.execute(
            "select jurisdiction_id, joined_date, left_date from membership.dim_jurisdictions"
        ).fetchall()
        if joined <= as_of and (left is None or left > as_of)
    }
    shared = {
        (j, ds)
        for j, ds, level, start, end in con.execute(
            "select jurisdiction_id, data_set, sharing_level, valid_from, valid_to "
            "from membership.dim_jurisdiction_sharing_levels"
        ).fetchall()
        if start <= as_of < end and (level != "none" or ignore_sharing)
    }
    latest: dict[tuple[str, str], date] = {}
    for j, ds, end in con.execute(
        "select jurisdiction_id, data_set, period_end_date from membership.fct_submission_coverage"
    ).fetchall():
        if end <= as_of and end > latest.get((j, ds), date.min):
            latest[(j, ds)] = end
    out = {}
    for j, joined in members.items():
        for ds in PERIODIC:
            if (j, ds) not in shared:
                continue
            last = latest.get((j, ds))
            next_end = _next_period_end(ds, last, joined)
            due = next_end + timedelta(days=due_days)
            out[(j, ds)] = (last, next_end, due, max((as_of - due).days, 0))
    return out


@pytest.mark.parametrize("as_of", AS_OF_DATES)
def test_freshness_equals_an_independent_computation(con, as_of):
    due_days = submission_due_days()
    rows = freshness(con, as_of, due_days)
    got = {
        (r["jurisdiction_id"], r["data_set"]): (
            r["latest_period_end"],
            r["next_period_end"],
            r["due_date"],
            r["days_overdue"],
        )
        for r in rows
    }
    assert len(got) == len(rows)  # one row per jurisdiction and data set
    assert got == _expected(con, as_of, due_days)
    # the overdue ones are exactly those with days overdue, most overdue first
    late = overdue(rows)
    assert [r["days_overdue"] for r in late] == sorted(
        (v[3] for v in got.values() if v[3] > 0), reverse=True
    )


def test_some_member_is_overdue_on_some_date(con):
    """The comparison above is not vacuous: members are overdue on these dates, others not."""
    counts = [len(overdue(freshness(con, d))) for d in AS_OF_DATES]
    assert all(n > 0 for n in counts)
    assert all(len(freshness(con, d)) > n for d, n in zip(AS_OF_DATES, counts, strict=True))


def test_the_period_owed_is_labelled_like_the_coverage_periods(con):
    rows = freshness(con, DEMO_AS_OF)
    for r in rows:
        pattern = r"\d{4}" if r["data_set"] == "outcomes" else r"\d{4}-Q[1-4]"
        assert re.fullmatch(pattern, r["next_period"]), r
    labels = dict(
        con.execute(
            "select distinct data_set || ':' || cast(period_end_date as varchar), period "
            "from membership.fct_submission_coverage"
        ).fetchall()
    )
    for r in rows:  # where the warehouse holds the period owed (later data), same label
        key = f"{r['data_set']}:{r['next_period_end']}"
        if key in labels:
            assert labels[key] == r["next_period"]


def test_a_member_that_shares_none_owes_none(con):
    due_days = submission_due_days()
    for as_of in AS_OF_DATES:
        owed = {(r["jurisdiction_id"], r["data_set"]) for r in freshness(con, as_of, due_days)}
        none = set(_expected(con, as_of, due_days, ignore_sharing=True)) - set(
            _expected(con, as_of, due_days)
        )
        assert none  # the demo has members that share none of a periodic data set
        assert not owed & none
        # were their sharing level ignored, those members would be overdue since they joined
        everything = _expected(con, as_of, due_days, ignore_sharing=True)
        assert any(everything[k][3] > 0 for k in none)


def _overdue_table(html: str) -> list[list[str]]:
    table = re.search(r'<table id="overdue-table">.*?<tbody>(.*?)</tbody>', html, re.S)
    if table is None:
        return []
    return [
        [unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
    ]


def test_the_status_report_lists_exactly_the_overdue_submissions(con, demo_refresh):
    html = (demo_refresh.settings.reports / "status.html").read_text()
    expected = [
        [
            r["jurisdiction_id"],
            r["data_set"],
            r["latest_period"] or "none",
            r["next_period"],
            str(r["next_period_end"]),
            str(r["due_date"]),
            str(r["days_overdue"]),
        ]
        for r in overdue(freshness(con, DEMO_AS_OF))
    ]
    assert expected
    assert _overdue_table(html) == expected
    tile = re.search(r'data-key="overdue">(\d+)<', html)
    assert tile and int(tile.group(1)) == len(expected)


# Hand-made marts (only the columns freshness() reads), figures computed by hand: as of
# 2024-10-01 with 45 days, a quarter ended 30 June is due 14 August: 48 days overdue.
HAND_AS_OF = date(2024, 10, 1)


@pytest.fixture
def hand_made():
    c = duckdb.connect()
    c.execute("create schema membership")
    c.execute(
        "create table membership.dim_jurisdictions as from (values "
        "('A', date '2020-01-01', null::date), "  # behind with workforce
        "('B', date '2024-05-01', null), "  # joined in 2024-Q2, sent nothing yet
        "('C', date '2023-10-15', null), "  # outcomes: joined in FY2024, sent nothing yet
        "('E', date '2019-01-01', date '2024-01-01'), "  # left the partnership
        "('F', date '2019-01-01', null), "  # on time; holds a later quarter too
        "('G', date '2019-01-01', null)"  # stopped sharing workforce
        ") t(jurisdiction_id, joined_date, left_date)"
    )
    c.execute(
        "create table membership.dim_jurisdiction_sharing_levels as from (values "
        "('A', 'workforce', 'aggregate', date '2020-01-01', date '9999-12-31'), "
        "('A', 'review_summary', 'none', date '2020-01-01', date '9999-12-31'), "
        "('B', 'workforce', 'aggregate', date '2024-05-01', date '9999-12-31'), "
        "('C', 'outcomes', 'aggregate', date '2023-10-15', date '9999-12-31'), "
        "('E', 'workforce', 'aggregate', date '2019-01-01', date '9999-12-31'), "
        "('F', 'workforce', 'aggregate', date '2019-01-01', date '9999-12-31'), "
        "('G', 'workforce', 'aggregate', date '2019-01-01', date '2024-07-01'), "
        "('G', 'workforce', 'none', date '2024-07-01', date '9999-12-31')"
        ") t(jurisdiction_id, data_set, sharing_level, valid_from, valid_to)"
    )
    c.execute(
        "create table membership.fct_submission_coverage as from (values "
        "('A', 'workforce', '2024-Q1', date '2024-03-31'), "
        "('A', 'workforce', '2023-Q4', date '2023-12-31'), "
        "('F', 'workforce', '2024-Q2', date '2024-06-30'), "
        "('F', 'workforce', '2024-Q4', date '2024-12-31'), "  # ends after the as-of date
        "('G', 'workforce', '2023-Q1', date '2023-03-31')"
        ") t(jurisdiction_id, data_set, period, period_end_date)"
    )
    yield c
    c.close()


def _brief(rows: list[dict]) -> dict:
    return {
        (r["jurisdiction_id"], r["data_set"]): (
            r["latest_period"],
            r["next_period"],
            str(r["due_date"]),
            r["days_overdue"],
        )
        for r in rows
    }


def test_hand_computed_freshness(hand_made):
    assert _brief(freshness(hand_made, HAND_AS_OF, 45)) == {
        ("A", "workforce"): ("2024-Q1", "2024-Q2", "2024-08-14", 48),
        ("B", "workforce"): (None, "2024-Q2", "2024-08-14", 48),  # due from the quarter joined
        ("C", "outcomes"): (None, "2024", "2024-11-14", 0),  # FY2024 ends 30 September 2024
        ("F", "workforce"): ("2024-Q2", "2024-Q3", "2024-11-14", 0),
        # not listed: A's review_summary and G's workforce (shared as 'none'), E (left)
    }
    assert _brief(freshness(hand_made, HAND_AS_OF, 60))[("A", "workforce")] == (
        "2024-Q1",
        "2024-Q2",
        "2024-08-29",
        33,
    )  # the due date follows the setting


def test_late_then_on_time_once_received(hand_made):
    """A's 2024-Q2 workforce, due 14 August, has not come by 1 October: 48 days overdue. It comes
    (after its due date): A owes 2024-Q3 next, due 14 November, and is on time."""
    assert _brief(overdue(freshness(hand_made, HAND_AS_OF, 45)))[("A", "workforce")][3] == 48
    hand_made.execute(
        "insert into membership.fct_submission_coverage "
        "values ('A', 'workforce', '2024-Q2', date '2024-06-30')"
    )
    after = _brief(freshness(hand_made, HAND_AS_OF, 45))
    assert after[("A", "workforce")] == ("2024-Q2", "2024-Q3", "2024-11-14", 0)
    assert ("A", "workforce") not in _brief(overdue(freshness(hand_made, HAND_AS_OF, 45)))
