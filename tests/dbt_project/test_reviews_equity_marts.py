"""The review-share, IOs-per-review and outcome-equity marts on the hand-written rows of
conftest.py, every expected figure computed by hand in the comments."""

from __future__ import annotations

import pytest

NEW_MARTS = {
    "reviews": {
        "agg_ios_per_review",
        "agg_review_theme_shares",
        "agg_review_theme_cause_shares",
        "agg_review_theme_partner_counts",
    },
    "equity": {"agg_outcome_recurrence_by_window"},
}


def _one(con, sql, params=None):
    return con.execute(sql, params or []).fetchone()


def test_new_marts_are_tables(warehouse):
    for schema, names in NEW_MARTS.items():
        for name in names:
            assert _one(
                warehouse,
                "select table_type from information_schema.tables "
                "where table_catalog = current_database() and table_schema = ? and table_name = ?",
                [schema, name],
            ) == ("BASE TABLE",), (schema, name)


# Record-level reviews: CT R1 (teamwork x2, economic), R2 (supervision), R3 (economic),
# OH-FRANKLIN R1 (teamwork) -> 4 reviews. NY summaries: 2024-Q1 fatality 4 (teamwork 2,
# economic 1), near fatality 2 (teamwork 1), 2024-Q3 fatality 3 (none) -> 9 reviews.
@pytest.mark.parametrize(
    ("scope", "theme", "with_theme", "in_scope", "from_summaries"),
    [
        ("record_level_reviews", "teamwork_coordination", 2, 4, 0),
        ("record_level_reviews", "economic_support", 2, 4, 0),
        ("record_and_summary_reviews", "teamwork_coordination", 2 + 3, 4 + 9, 9),
        ("record_and_summary_reviews", "economic_support", 2 + 1, 4 + 9, 9),
        ("record_and_summary_reviews", "tools_technology", 0, 4 + 9, 9),
    ],
)
def test_theme_shares_state_their_denominator(
    warehouse, scope, theme, with_theme, in_scope, from_summaries
):
    assert _one(
        warehouse,
        "select sum(reviews_with_theme), sum(reviews_in_scope), sum(reviews_from_summaries) "
        "from reviews.agg_review_theme_shares where denominator_scope = ? and io_theme = ?",
        [scope, theme],
    ) == (with_theme, in_scope, from_summaries)


def test_theme_shares_match_the_report_totals(warehouse):
    # the record_and_summary scope is what the report's headline share divides by
    rows = warehouse.execute(
        "select io_theme, sum(reviews_with_theme), sum(reviews_in_scope) "
        "from reviews.agg_review_theme_shares "
        "where denominator_scope = 'record_and_summary_reviews' group by io_theme"
    ).fetchall()
    reviews = _one(warehouse, "select sum(reviews_completed) from reviews.agg_review_counts")[0]
    themes = dict(
        warehouse.execute(
            "select io_theme, sum(reviews_with_theme) from reviews.agg_review_theme_counts "
            "group by io_theme"
        ).fetchall()
    )
    assert len(rows) == 14  # every theme of the code list, zeros included
    for theme, with_theme, in_scope in rows:
        assert in_scope == reviews
        assert with_theme == themes.get(theme, 0), theme


def test_ios_per_review(warehouse):
    rows = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "select ios_per_review_key, reviews_completed, ios_identified, ios_per_review "
            "from reviews.agg_ios_per_review"
        ).fetchall()
    }
    assert rows["CT:2024-Q1:record:fatality"] == (1, 3, 3.0)  # R1: 3 IOs
    assert rows["NY:2024-Q1:summary:fatality"] == (4, 5, 1.25)  # 3 + 2 IOs over 4 reviews
    assert rows["NY:2024-Q3:summary:fatality"] == (3, 0, 0.0)
    # partnership: 13 reviews, 6 record + 6 summary IOs
    assert _one(
        warehouse,
        "select sum(ios_identified), sum(reviews_completed) from reviews.agg_ios_per_review",
    ) == (12, 13)


def test_theme_by_cause(warehouse):
    rows = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "select cause_of_incident, sum(reviews_with_theme), sum(reviews_in_scope) "
            "from reviews.agg_review_theme_cause_shares where io_theme = 'economic_support' "
            "group by cause_of_incident"
        ).fetchall()
    }
    # suid_sleep: CT R1 and R3, both with economic support; drowning OH-FRANKLIN R1, AHT CT R2
    assert rows == {"suid_sleep": (2, 2), "drowning": (0, 1), "abusive_head_trauma": (0, 1)}


def test_theme_by_partner(warehouse):
    rows = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "select coalesce(partner_agency, 'none'), sum(ios_with_partner), "
            "sum(reviews_with_theme_and_partner), sum(ios_in_theme), sum(reviews_with_theme), "
            "sum(reviews_in_scope) from reviews.agg_review_theme_partner_counts "
            "where io_theme = 'teamwork_coordination' group by all"
        ).fetchall()
    }
    # teamwork IOs: CT IO1 law enforcement, CT IO2 none (both R1), OH-FRANKLIN IO1 medical
    assert rows["law_enforcement"] == (1, 1, 3, 2, 4)
    assert rows["none"] == (1, 1, 3, 2, 4)
    assert rows["medical"] == (1, 1, 3, 2, 4)
    assert rows["courts_legal"] == (0, 0, 3, 2, 4)
    assert len(rows) == 12  # 11 partner agencies and none


def test_partnership_recurrence_never_mixes_windows(warehouse):
    # FY2023: CT (12 months, 40 victims, 4 with recurrence) and PA-ALLEGHENY (6 months, 30, 6)
    assert _one(
        warehouse,
        "select jurisdictions_counted, victims, recurrence_victims, victims_with_recurrence, "
        "recurrence_window_months, recurrence_jurisdictions_excluded, recurrence_rate "
        "from equity.agg_outcome_rates_by_group "
        "where fiscal_year = 2023 and race_ethnicity_group = 'all'",
    ) == (2, 70, 40, 4, 12, 1, 0.1)
    rows = warehouse.execute(
        "select recurrence_window_months, jurisdictions_counted, victims, "
        "victims_with_recurrence, recurrence_rate from equity.agg_outcome_recurrence_by_window "
        "where race_ethnicity_group = 'all' order by fiscal_year, recurrence_window_months"
    ).fetchall()
    # FY2024: OH + CT (OH-FRANKLIN is within OH), 80 victims, 8 with recurrence
    assert rows == [(6, 1, 30, 6, 0.2), (12, 1, 40, 4, 0.1), (12, 2, 80, 8, 0.1)]


def test_pooled_fatality_rates_and_indices(warehouse):
    ct = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "select race_ethnicity_group, pooled_fiscal_years, pooled_maltreatment_fatalities, "
            "pooled_child_population, pooled_fatality_rate_per_100k, "
            "pooled_fatality_rate_is_unreliable, disproportionality_index_fatalities, "
            "disparity_index_fatalities from equity.fct_outcomes "
            "where jurisdiction_id = 'CT' and fiscal_year = 2024"
        ).fetchall()
    }
    # CT FY2023 + FY2024, 1 fatality a year on every row (so every group's share of fatalities
    # is 2/2 = 1.0): all 2 / 2,000 -> 100 (DI 1.0, disparity 100/200 = 0.5); white 2 / 1,000 ->
    # 200 (DI 1.0 / (1,000/2,000) = 2.0, disparity 1.0); black 2 / 500 -> 400 (DI
    # 1.0 / (500/2,000) = 4.0, disparity 400/200 = 2.0).
    assert ct["all"] == (2, 2, 2000, 100.0, True, 1.0, 0.5)
    assert ct["white"] == (2, 2, 1000, 200.0, True, 2.0, 1.0)
    assert ct["black_african_american"] == (2, 2, 500, 400.0, True, 4.0, 2.0)
    partnership = _one(
        warehouse,
        "select pooled_fiscal_years, pooled_maltreatment_fatalities, pooled_child_population, "
        "pooled_fatality_rate_per_100k, fatality_rate_per_100k, fatality_rate_is_unreliable "
        "from equity.agg_outcome_rates_by_group "
        "where fiscal_year = 2024 and race_ethnicity_group = 'all'",
    )
    # FY2023 (CT + PA-ALLEGHENY: 2 fatalities, 1,400 children) + FY2024 (OH + CT: 2, 2,000)
    assert partnership[:3] == (2, 4, 3400)
    assert partnership[3] == pytest.approx(4 / 3400 * 100000)
    assert partnership[4:] == (100.0, True)  # FY2024 alone: 2 / 2,000


def test_disparity_at_every_decision_point(warehouse):
    black = _one(
        warehouse,
        "select disparity_index_investigated, disparity_index_victims, disparity_index_entries, "
        "disparity_index_fatalities, index_investigated_is_unreliable, "
        "index_victims_is_unreliable from equity.agg_outcome_rates_by_group "
        "where fiscal_year = 2024 and race_ethnicity_group = 'black_african_american'",
    )
    # OH + CT: black 200 investigated / 500 children (400 per 1,000) vs white 100 / 1,000 (100);
    # victims 80 vs 20 per 1,000; entries 48 vs 8; pooled fatalities 3 / 750 vs 3 / 1,500.
    assert black == (4.0, 4.0, 6.0, 2.0, False, False)


def test_nested_rows_flagged(warehouse):
    rows = warehouse.execute(
        "select jurisdiction_id, fiscal_year, bool_and(is_counted_in_partnership), "
        "any_value(counted_within_jurisdiction_id) from equity.fct_outcomes group by all "
        "order by all"
    ).fetchall()
    assert rows == [
        ("CT", 2023, True, None),
        ("CT", 2024, True, None),
        ("OH", 2024, True, None),
        ("OH-FRANKLIN", 2024, False, "OH"),
        ("PA-ALLEGHENY", 2023, True, None),
    ]
