"""One member jurisdiction's figures beside the partnership's, for its profile page.

Every measure is computed twice by the same query, once for the jurisdiction and once for the
partnership, so the two columns always mean the same thing. What a member shares decides what
its profile shows: the review counts and themes come from record-level and aggregate-only
members alike; the record-level figures (partner agencies, cause of incident, survey responses)
only exist for members that share records, and the page says so for the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from reporting.figures import _rows, last_completed_fiscal_year, workforce_turnover

PROFILE_THEMES = ("teamwork_coordination", "economic_support")


def members(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict]:
    """Members on as_of (joined, not left), with the small-cell threshold each one set."""
    return _rows(
        con,
        """
        select jurisdiction_id, jurisdiction_name, jurisdiction_type, parent_jurisdiction_id,
               joined_date, small_cell_threshold
        from membership.dim_jurisdictions
        where joined_date <= ? and (left_date is null or left_date > ?)
        order by jurisdiction_id
        """,
        [as_of, as_of],
    )


def sharing_levels(con: duckdb.DuckDBPyConnection, jurisdiction_id: str, as_of: date) -> dict:
    """Data set -> sharing level in force on as_of ('record', 'aggregate', 'none')."""
    rows = _rows(
        con,
        """
        select data_set, sharing_level
        from membership.dim_jurisdiction_sharing_levels
        where jurisdiction_id = ? and valid_from <= ? and (valid_to is null or valid_to > ?)
        """,
        [jurisdiction_id, as_of, as_of],
    )
    return {r["data_set"]: r["sharing_level"] for r in rows}


def review_measures(con: duckdb.DuckDBPyConnection, as_of: date, jid: str | None) -> dict:
    """Reviews, IOs and each theme's share of reviews (all members' counts, record and summary)."""
    return _rows(
        con,
        """
        with counts as (
            select sum(reviews_completed) as reviews, sum(ios_identified) as ios
            from reviews.agg_review_counts
            where counted_on <= ? and (? is null or jurisdiction_id = ?)
        ),
        themes as (
            select io_theme, sum(reviews_with_theme) as reviews_with_theme
            from reviews.agg_review_theme_counts
            where counted_on <= ? and (? is null or jurisdiction_id = ?)
            group by io_theme
        )
        select c.reviews, c.ios,
               round(c.ios / nullif(c.reviews, 0), 2) as ios_per_review,
               coalesce(map_from_entries(list(struct_pack(k := t.io_theme,
                                                          v := t.reviews_with_theme))
                                         filter (where t.io_theme is not null)), map())
                   as reviews_with_theme
        from counts c left join themes t on true
        group by c.reviews, c.ios
        """,
        [as_of, jid, jid, as_of, jid, jid],
    )[0]


def theme_rows(con: duckdb.DuckDBPyConnection, as_of: date, jid: str) -> list[dict]:
    """Each theme: the jurisdiction's reviews with it and share, beside the partnership's."""
    return _rows(
        con,
        """
        with totals as (
            select sum(reviews_completed) as reviews,
                   sum(reviews_completed) filter (where jurisdiction_id = ?) as own_reviews
            from reviews.agg_review_counts where counted_on <= ?
        ),
        themes as (
            select io_theme, sum(reviews_with_theme) as reviews_with_theme,
                   coalesce(sum(reviews_with_theme) filter (where jurisdiction_id = ?), 0)
                       as own_reviews_with_theme
            from reviews.agg_review_theme_counts where counted_on <= ?
            group by io_theme
        )
        select t.io_theme, t.own_reviews_with_theme, totals.own_reviews,
               round(100.0 * t.own_reviews_with_theme / nullif(totals.own_reviews, 0), 1)
                   as own_pct,
               t.reviews_with_theme, totals.reviews,
               round(100.0 * t.reviews_with_theme / nullif(totals.reviews, 0), 1) as pct
        from themes t cross join totals
        order by pct desc, io_theme
        """,
        [jid, as_of, jid, as_of],
    )


def economic_by_cause(con: duckdb.DuckDBPyConnection, as_of: date, jid: str) -> list[dict]:
    """Record-level reviews by cause: share with an economic-support IO, the jurisdiction's
    beside the partnership's (record-level members)."""
    return _rows(
        con,
        """
        select cause_of_incident,
               count(*) filter (where jurisdiction_id = ?) as own_reviews,
               count(*) filter (where jurisdiction_id = ?
                                  and list_contains(themes, 'economic_support')) as own_with,
               round(100.0 * count(*) filter (where jurisdiction_id = ?
                                               and list_contains(themes, 'economic_support'))
                     / nullif(count(*) filter (where jurisdiction_id = ?), 0), 1) as own_pct,
               count(*) as reviews,
               count(*) filter (where list_contains(themes, 'economic_support')) as with_es,
               round(100.0 * count(*) filter (where list_contains(themes, 'economic_support'))
                     / count(*), 1) as pct
        from reviews.fct_reviews
        where review_completed_date <= ?
        group by cause_of_incident
        order by pct desc, cause_of_incident
        """,
        [jid, jid, jid, jid, as_of],
    )


def survey_measures(con: duckdb.DuckDBPyConnection, as_of: date, jid: str | None) -> dict:
    """Survey responses, psychological safety (% positive) and % intending to stay."""
    return _rows(
        con,
        """
        select count(*) as respondents,
               count(*) filter (where psychological_safety_band is not null)
                   as psych_safety_respondents,
               round(100.0 * avg(case when psychological_safety_band = 'high' then 1.0
                                      when psychological_safety_band is not null then 0.0 end), 1)
                   as pct_high_psych_safety,
               count(*) filter (where intent_to_stay is not null) as intent_respondents,
               round(100.0 * avg(case when intends_to_stay then 1.0
                                      when intends_to_stay is not null then 0.0 end), 1)
                   as pct_intends_to_stay
        from workforce.fct_tasc_responses
        where response_date <= ? and (? is null or jurisdiction_id = ?)
        """,
        [as_of, jid, jid],
    )[0]


def outcome_measures(con: duckdb.DuckDBPyConnection, as_of: date, jid: str | None) -> dict:
    """All children, last completed fiscal year: victims per 1,000, recurrence, fatalities per
    100,000 (the partnership's without double counting nested members)."""
    fy = last_completed_fiscal_year(as_of)
    if jid is None:
        sql = """
            select fiscal_year, child_population, victims, victims_with_recurrence,
                   maltreatment_fatalities,
                   round(victimization_rate_per_1000, 2) as victimization_rate_per_1000,
                   round(100.0 * recurrence_rate, 1) as pct_recurrence,
                   round(fatality_rate_per_100k, 2) as fatality_rate_per_100k
            from equity.agg_outcome_rates_by_group
            where race_ethnicity_group = 'all' and fiscal_year <= ?
            order by fiscal_year desc limit 1
        """
        params: list = [fy]
    else:
        sql = """
            select fiscal_year, child_population, victims, victims_with_recurrence,
                   maltreatment_fatalities,
                   round(victimization_rate_per_1000, 2) as victimization_rate_per_1000,
                   round(100.0 * recurrence_rate, 1) as pct_recurrence,
                   round(fatality_rate_per_100k, 2) as fatality_rate_per_100k
            from equity.fct_outcomes
            where race_ethnicity_group = 'all' and fiscal_year <= ? and jurisdiction_id = ?
            order by fiscal_year desc limit 1
        """
        params = [fy, jid]
    rows = _rows(con, sql, params)
    return rows[0] if rows else {}


@dataclass
class Profile:
    jurisdiction: dict
    sharing: dict
    reviews: dict
    partnership_reviews: dict
    themes: list[dict]
    economic_by_cause: list[dict] | None  # None: the member does not share record-level reviews
    survey: dict | None  # None: no record-level survey responses shared
    partnership_survey: dict
    turnover: dict | None
    partnership_turnover: dict | None
    outcomes: dict
    partnership_outcomes: dict
    notes: list[str] = field(default_factory=list)

    @property
    def threshold(self) -> int:
        return int(self.jurisdiction["small_cell_threshold"] or 10)


def _last(rows: list[dict]) -> dict | None:
    return rows[-1] if rows else None


def partnership_measures(con: duckdb.DuckDBPyConnection, as_of: date) -> dict:
    """The partnership's column, computed once for every profile."""
    return {
        "reviews": review_measures(con, as_of, None),
        "survey": survey_measures(con, as_of, None),
        "turnover": _last(workforce_turnover(con, as_of)),
        "outcomes": outcome_measures(con, as_of, None),
    }


def profile(
    con: duckdb.DuckDBPyConnection, as_of: date, member: dict, partnership: dict
) -> Profile:
    jid = member["jurisdiction_id"]
    sharing = sharing_levels(con, jid, as_of)
    record_reviews = sharing.get("reviews") == "record"
    record_survey = sharing.get("tasc_responses") == "record"
    notes = []
    if not record_reviews:
        notes.append(
            f"{member['jurisdiction_name']} shares reviews as "
            f"{sharing.get('reviews', 'none')} data: its review and theme counts are in the "
            "figures, but it has no record-level figures (causes of incident, partner agencies)."
        )
    if not record_survey:
        notes.append(
            f"{member['jurisdiction_name']} does not share record-level safety-culture survey "
            f"responses (sharing level: {sharing.get('tasc_responses', 'none')}): no survey "
            "figures for it."
        )
    return Profile(
        jurisdiction=member,
        sharing=sharing,
        reviews=review_measures(con, as_of, jid),
        partnership_reviews=partnership["reviews"],
        themes=theme_rows(con, as_of, jid),
        economic_by_cause=economic_by_cause(con, as_of, jid) if record_reviews else None,
        survey=survey_measures(con, as_of, jid) if record_survey else None,
        partnership_survey=partnership["survey"],
        turnover=_last(workforce_turnover(con, as_of, jid)),
        partnership_turnover=partnership["turnover"],
        outcomes=outcome_measures(con, as_of, jid),
        partnership_outcomes=partnership["outcomes"],
        notes=notes,
    )


def compute_profiles(con: duckdb.DuckDBPyConnection, as_of: date) -> list[Profile]:
    partnership = partnership_measures(con, as_of)
    return [profile(con, as_of, m, partnership) for m in members(con, as_of)]
