"""Workforce marts on the hand-written rows of conftest.py: scores per group, the association of
psychological safety with intent to stay, and annual turnover against the benchmark."""

from __future__ import annotations

import statistics

import pytest


def test_tasc_scores_by_group_add_up_and_suppress(warehouse):
    rows = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "select tasc_group_score_key, respondents, is_suppressed, "
            "psychological_safety_score_mean, pct_intends_to_stay "
            "from workforce.agg_tasc_scores_by_group where jurisdiction_id = 'CT'"
        ).fetchall()
    }
    # every CT respondent is a caseworker with no tenure band and no unit: those groups are the
    # total; the psychological-safety bands hold 1 (low: D), 2 (medium: B, F), 2 (high: A, C)
    # and 1 unscored (E) respondents, all below 5 -> suppressed
    total = (6, False, 55.0, 50.0)
    assert rows["CT:2024-1:total:all"] == total
    assert rows["CT:2024-1:role:caseworker"] == total
    assert rows["CT:2024-1:tenure_band:~"] == total
    assert rows["CT:2024-1:org_unit:~"] == total
    assert rows["CT:2024-1:psychological_safety_band:low"] == (1, True, None, None)
    assert rows["CT:2024-1:psychological_safety_band:medium"] == (2, True, None, None)
    assert rows["CT:2024-1:psychological_safety_band:high"] == (2, True, None, None)
    assert rows["CT:2024-1:psychological_safety_band:~"] == (1, True, None, None)
    me = warehouse.execute(
        "select count(*), bool_and(is_suppressed), count(psychological_safety_score_mean) "
        "from workforce.agg_tasc_scores_by_group where jurisdiction_id = 'ME'"
    ).fetchone()
    assert me[1:] == (True, 0)


def test_psych_safety_intent_association(warehouse):
    rows = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "select psych_safety_intent_key, scope_level, respondents, respondents_low, "
            "respondents_medium, respondents_high, pct_intends_to_stay_high_minus_low, "
            "psych_safety_intent_correlation from workforce.agg_psych_safety_intent_association"
        ).fetchall()
    }
    assert set(rows) == {"CT:2024-1", "ME:2024-1", "~:2024-1", "~:~"}
    # CT: (score, stays) = A (100, 1), B (50, 1), C (75, 0), D (0, 0), F (50, 0); E is unscored.
    # mean x 55, mean y 0.4; sum dx dy = 40, sum dx^2 = 5500, sum dy^2 = 1.2
    # r = 40 / sqrt(5500 * 1.2) = 0.492366
    assert rows["CT:2024-1"] == ("jurisdiction_wave", 5, 1, 2, 2, None, 0.492366)
    # ME: 2 respondents < 5 -> no correlation
    assert rows["ME:2024-1"] == ("jurisdiction_wave", 2, 0, 0, 2, None, None)
    x = [100, 50, 75, 0, 50, 100, 100]
    y = [1, 1, 0, 0, 0, 1, 1]
    r = round(statistics.correlation(x, y), 6)
    assert rows["~:2024-1"] == ("partnership_wave", 7, 1, 2, 4, None, r)
    assert rows["~:~"] == ("partnership", 7, 1, 2, 4, None, r)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        # (5 + 5 + 5 + 9) / ((100 + 100 + 100 + 90) / 4 = 97.5) = 0.246 -> high
        ("caseworker", (1, 4, 24, 97.5, 24 / 97.5, "high")),
        # (1 + 0 + 1 + 0) / 20 = 0.10 -> borderline (healthy is below 0.10)
        ("supervisor", (1, 4, 2, 20.0, 0.1, "borderline")),
        # all roles: (6 + 5 + 6 + 9) / ((120 + 120 + 120 + 110) / 4 = 117.5) -> high
        ("all", (2, 4, 26, 117.5, 26 / 117.5, "high")),
    ],
)
def test_annual_turnover_against_benchmark(warehouse, role, expected):
    row = warehouse.execute(
        "select roles_counted, trailing_quarters, trailing_separations, "
        "trailing_average_headcount, annual_turnover_rate, turnover_benchmark_band "
        "from workforce.agg_workforce_turnover "
        "where jurisdiction_id = 'CT' and period = '2024-Q1' and role = ?",
        [role],
    ).fetchone()
    assert row[:4] == expected[:4]
    assert row[4] == pytest.approx(expected[4])
    assert row[5] == expected[5]


def test_turnover_needs_four_quarters(warehouse):
    rows = warehouse.execute(
        "select period, trailing_quarters, annual_turnover_rate, turnover_benchmark_band "
        "from workforce.agg_workforce_turnover where jurisdiction_id = 'CT' and role = 'all' "
        "order by period"
    ).fetchall()
    assert [(p, q) for p, q, _, _ in rows] == [
        ("2023-Q2", 1),
        ("2023-Q3", 2),
        ("2023-Q4", 3),
        ("2024-Q1", 4),
    ]
    assert [(rate, band) for _, q, rate, band in rows if q < 4] == [(None, None)] * 3
