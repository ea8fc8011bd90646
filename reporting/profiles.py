"""One member jurisdiction's figures beside the partnership's, for its profile page.

Every measure is computed once for all members together by one query (``grouping sets``: one row
per member and the partnership's row), so the two columns always mean the same thing, and
suppressed once with the partnership's row declared as the members' total
(:mod:`reporting.protection`); each profile takes its own row and the partnership's from that
suppressed frame, so no set of profiles gives a hidden count back by subtraction. What a
member shares decides what its profile shows: the review counts and themes come from
record-level and aggregate-only members alike; the record-level figures (cause of incident,
survey responses) only exist for members that share records, and the page says so for the
others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from publishing.catalog import CatalogTable, Link, Margin
from reporting.figures import (
    ECONOMIC,
    INTENT_BANDS,
    IOS_PER_REVIEW,
    OUTCOME_RATES,
    THEMES,
    TRAILING_PERIODS,
    TURNOVER,
    TURNOVER_MART,
    _rows,
    _side,
    last_completed_fiscal_year,
    quarters_to,
)
from reporting.protection import (
    ALL,
    MEMBER,
    PARTNERSHIP,
    Protected,
    partnership_margin,
    spec,
    split,
)
from reporting.suppression import shown

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


def _scoped(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pd.DataFrame:
    """A query's rows per jurisdiction and the partnership's (``grouping sets``: a NULL
    jurisdiction), with ``scope`` member or partnership."""
    frame = pd.DataFrame(_rows(con, sql, params))
    if frame.empty:
        frame = pd.DataFrame(columns=["jurisdiction_id"])
    frame.insert(0, "scope", [PARTNERSHIP if pd.isna(j) else MEMBER for j in frame.jurisdiction_id])
    return frame


def _shown(frame: pd.DataFrame, shown: list[str]) -> pd.DataFrame:
    """The partnership's rows and those of the members whose profile shows the measure; what
    the other jurisdictions add is the partnership's remainder."""
    keep = (frame.scope == PARTNERSHIP) | frame.jurisdiction_id.isin(shown)
    return frame.loc[keep].reset_index(drop=True)


def review_frame(
    con: duckdb.DuckDBPyConnection, as_of: date, shown: list[str]
) -> tuple[pd.DataFrame, CatalogTable]:
    """Reviews, IOs, IOs per review, and each theme's reviews and share of reviews (record and
    summary counts): one row per member and the partnership's, a count and a share per theme."""
    frame = _scoped(
        con,
        """
        select jurisdiction_id, sum(reviews_completed) as reviews, sum(ios_identified) as ios,
               round(sum(ios_identified) / nullif(sum(reviews_completed), 0), 2)
                   as ios_per_review
        from reviews.agg_review_counts where counted_on <= ?
        group by grouping sets ((jurisdiction_id), ())
        """,
        [as_of],
    )
    absent = [j for j in shown if j not in set(frame.jurisdiction_id.dropna())]
    frame = pd.concat(
        [frame, pd.DataFrame({"scope": MEMBER, "jurisdiction_id": absent, "reviews": 0, "ios": 0})],
        ignore_index=True,
    )
    frame = _shown(frame, shown)
    themes = _rows(
        con,
        """
        with totals as (
            select jurisdiction_id, sum(reviews_completed) as reviews
            from reviews.agg_review_counts where counted_on <= ?
            group by grouping sets ((jurisdiction_id), ())
        ),
        themes as (
            select jurisdiction_id, io_theme, sum(reviews_with_theme) as reviews_with_theme
            from reviews.agg_review_theme_counts where counted_on <= ?
            group by grouping sets ((jurisdiction_id, io_theme), (io_theme))
        )
        select c.jurisdiction_id, codes.io_theme,
               coalesce(t.reviews_with_theme, 0) as reviews_with_theme,
               round(100.0 * coalesce(t.reviews_with_theme, 0) / nullif(c.reviews, 0), 1) as pct
        from totals c
        cross join (select distinct io_theme from themes) codes
        left join themes t
          on t.jurisdiction_id is not distinct from c.jurisdiction_id
         and t.io_theme = codes.io_theme
        """,
        [as_of, as_of],
    )
    codes = sorted({r["io_theme"] for r in themes})
    by_key = {(r["jurisdiction_id"], r["io_theme"]): r for r in themes}
    for t in codes:
        found = [by_key.get((None if pd.isna(j) else j, t), {}) for j in frame.jurisdiction_id]
        frame[f"n:{t}"] = [int(r.get("reviews_with_theme", 0)) for r in found]
        frame[f"pct:{t}"] = [r.get("pct") for r in found]
    counts = ("reviews", "ios", *(f"n:{t}" for t in codes))
    table = spec(
        "profile_reviews",
        grain=("scope", "jurisdiction_id"),
        jurisdiction="jurisdiction_id",
        counts=counts,
        rates={
            "ios_per_review": ("reviews", "ios"),
            **{f"pct:{t}": (f"n:{t}", "reviews") for t in codes},
        },
        margins=(partnership_margin(frame, counts),),
    )
    return frame, table


def economic_frame(
    con: duckdb.DuckDBPyConnection, as_of: date, shown: list[str]
) -> tuple[pd.DataFrame, CatalogTable]:
    """Record-level reviews by cause of incident and those with an economic-support IO, per
    member sharing record-level reviews and the partnership's; cause "all" is each one's total."""
    frame = _scoped(
        con,
        """
        with counts as (
            select jurisdiction_id, coalesce(cause_of_incident, 'all') as cause_of_incident,
                   count(*) as reviews,
                   count(*) filter (where list_contains(themes, 'economic_support'))
                       as reviews_with_economic_support
            from reviews.fct_reviews
            where review_completed_date <= ?
            group by grouping sets ((jurisdiction_id, cause_of_incident), (cause_of_incident),
                                    (jurisdiction_id), ())
        ),
        keys as (
            select j.jurisdiction_id, c.cause_of_incident
            from (select distinct jurisdiction_id from counts) j
            cross join (select distinct cause_of_incident from counts) c
            union all
            select s.jurisdiction_id, c.cause_of_incident
            from unnest(?::varchar[]) s(jurisdiction_id)
            cross join (select distinct cause_of_incident from counts) c
            where s.jurisdiction_id not in (select jurisdiction_id from counts
                                            where jurisdiction_id is not null)
        )
        select k.jurisdiction_id, k.cause_of_incident,
               coalesce(c.reviews, 0) as reviews,
               coalesce(c.reviews_with_economic_support, 0) as reviews_with_economic_support,
               round(100.0 * c.reviews_with_economic_support / nullif(c.reviews, 0), 1)
                   as pct_reviews
        from keys k left join counts c
          on c.jurisdiction_id is not distinct from k.jurisdiction_id
         and c.cause_of_incident = k.cause_of_incident
        order by k.jurisdiction_id nulls first, k.cause_of_incident = 'all', k.cause_of_incident
        """,
        [as_of, shown],
    )
    frame = _shown(frame, shown)
    counts = ("reviews", "reviews_with_economic_support")
    table = spec(
        "profile_economic_by_cause",
        grain=("scope", "jurisdiction_id", "cause_of_incident"),
        jurisdiction="jurisdiction_id",
        counts=counts,
        rates={"pct_reviews": counts},
        margins=(
            partnership_margin(frame, counts, ("cause_of_incident",)),
            Margin(group_by=("scope", "jurisdiction_id"), total={"cause_of_incident": ALL}),
        ),
    )
    return frame, table


def survey_frame(
    con: duckdb.DuckDBPyConnection, as_of: date, shown: list[str]
) -> tuple[pd.DataFrame, CatalogTable]:
    """Survey responses, psychological safety (% in the high band) and % intending to stay, per
    member sharing record-level responses and the partnership's."""
    frame = _scoped(
        con,
        """
        select jurisdiction_id, count(*) as respondents,
               count(*) filter (where psychological_safety_band is not null)
                   as psych_safety_respondents,
               count(*) filter (where psychological_safety_band = 'high') as high_psych_safety,
               round(100.0 * avg(case when psychological_safety_band = 'high' then 1.0
                                      when psychological_safety_band is not null then 0.0 end), 1)
                   as pct_high_psych_safety,
               count(*) filter (where intent_to_stay is not null) as intent_respondents,
               count(*) filter (where intends_to_stay) as intends_to_stay,
               round(100.0 * avg(case when intends_to_stay then 1.0
                                      when intends_to_stay is not null then 0.0 end), 1)
                   as pct_intends_to_stay
        from workforce.fct_tasc_responses
        where response_date <= ?
        group by grouping sets ((jurisdiction_id), ())
        """,
        [as_of],
    )
    counts = (
        "respondents",
        "psych_safety_respondents",
        "high_psych_safety",
        "intent_respondents",
        "intends_to_stay",
    )
    absent = [j for j in shown if j not in set(frame.jurisdiction_id.dropna())]
    zeros = pd.DataFrame({"scope": MEMBER, "jurisdiction_id": absent, **dict.fromkeys(counts, 0)})
    frame = _shown(pd.concat([frame, zeros], ignore_index=True), shown)
    table = spec(
        "profile_survey",
        grain=("scope", "jurisdiction_id"),
        jurisdiction="jurisdiction_id",
        counts=counts,
        rates={
            "pct_high_psych_safety": ("high_psych_safety", "psych_safety_respondents"),
            "pct_intends_to_stay": ("intends_to_stay", "intent_respondents"),
        },
        margins=(partnership_margin(frame, counts),),
    )
    return frame, table


def turnover_frame(
    con: duckdb.DuckDBPyConnection, as_of: date, shown: list[str]
) -> tuple[pd.DataFrame, CatalogTable]:
    """Staff turnover in the trailing year to the latest quarter (all roles) of each member and
    of the partnership (jurisdictions with four quarters in their trailing year)."""
    frame = _scoped(
        con,
        """
        select jurisdiction_id, period,
               sum(trailing_separations) filter (where trailing_quarters = 4)
                   as trailing_separations,
               round(100.0 * sum(trailing_separations) filter (where trailing_quarters = 4)
                     / nullif(sum(trailing_average_headcount)
                              filter (where trailing_quarters = 4), 0), 1)
                   as pct_trailing_year_turnover
        from workforce.agg_workforce_turnover
        where role = 'all' and period_end_date <= ?
        group by grouping sets ((jurisdiction_id, period, period_end_date),
                                (period, period_end_date))
        qualify row_number() over (partition by jurisdiction_id
                                   order by period_end_date desc) = 1
        order by jurisdiction_id nulls first
        """,
        [as_of],
    )
    frame = _shown(frame, shown)
    counts = ("trailing_separations",)
    # members whose latest quarter is older are not among the partnership's parts: the rest
    margin = partnership_margin(frame, counts, ("period",))
    table = spec(
        "profile_turnover",
        grain=("scope", "jurisdiction_id"),
        jurisdiction="jurisdiction_id",
        counts=counts,
        rates={"pct_trailing_year_turnover": counts},
        margins=(Margin(margin.group_by, margin.total, margin.parts, remainder=True),),
    )
    return frame, table


def outcome_frame(
    con: duckdb.DuckDBPyConnection, as_of: date, shown: list[str]
) -> tuple[pd.DataFrame, CatalogTable]:
    """All children, each member's latest completed fiscal year and the partnership's: victims
    per 1,000, recurrence, fatalities per 100,000. The partnership's counts nested members once
    (a member state's figures include its counties'): its parts are the members counted in the
    partnership, and a parent is the total of its children (``hierarchy: inclusive``)."""
    fy = last_completed_fiscal_year(as_of)
    columns = """fiscal_year, victims, victims_with_recurrence, maltreatment_fatalities,
                 round(victimization_rate_per_1000, 2) as victimization_rate_per_1000,
                 round(100.0 * recurrence_rate, 1) as pct_recurrence,
                 round(fatality_rate_per_100k, 2) as fatality_rate_per_100k"""
    frame = _scoped(
        con,
        f"""
        (select jurisdiction_id, {columns}, is_counted_in_partnership as in_partnership
         from equity.fct_outcomes
         where race_ethnicity_group = 'all' and fiscal_year <= ?
         qualify row_number() over (partition by jurisdiction_id order by fiscal_year desc) = 1)
        union all
        (select null as jurisdiction_id, {columns}, false as in_partnership
         from equity.agg_outcome_rates_by_group
         where race_ethnicity_group = 'all' and fiscal_year <= ?
         order by fiscal_year desc limit 1)
        order by jurisdiction_id nulls first
        """,
        [fy, fy],
    )
    frame = _shown(frame, shown)
    counts = ("victims", "victims_with_recurrence", "maltreatment_fatalities")
    table = spec(
        "profile_outcomes",
        grain=("scope", "fiscal_year", "jurisdiction_id"),
        jurisdiction="jurisdiction_id",
        counts=counts,
        rates={
            "victimization_rate_per_1000": ("victims",),
            "pct_recurrence": ("victims_with_recurrence", "victims"),
            "fatality_rate_per_100k": ("maltreatment_fatalities",),
        },
        margins=(partnership_margin(frame, counts, ("fiscal_year",), in_partnership=True),),
        hierarchy="inclusive",
    )
    return frame, table


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


def profile_frames(
    con: duckdb.DuckDBPyConnection, as_of: date, member_rows: list[dict] | None = None
) -> tuple[dict, dict[str, dict]]:
    """Every profile measure for all members together, as a frame with the spec it is suppressed
    with (name -> (frame, spec)); and each member's sharing levels (which decide the members a
    measure shows)."""
    member_rows = members(con, as_of) if member_rows is None else member_rows
    ids = [m["jurisdiction_id"] for m in member_rows]
    sharing = {j: sharing_levels(con, j, as_of) for j in ids}
    record = {ds: [j for j in ids if sharing[j].get(ds) == "record"] for ds in DATA_SETS}
    built = {
        "reviews": review_frame(con, as_of, ids),
        "economic_by_cause": economic_frame(con, as_of, record["reviews"]),
        "survey": survey_frame(con, as_of, record["tasc_responses"]),
        "turnover": turnover_frame(con, as_of, ids),
        "outcomes": outcome_frame(con, as_of, ids),
    }
    return {f"profile {name}": frame for name, frame in built.items()}, sharing


def profile_links(as_of: date, built: dict) -> list[Link]:
    """What ties the profile frames to the published warehouse and to the findings: a member's
    reviews and survey respondents by quarter or wave there, and the partnership's row, which
    repeats the findings' figures (``remainder`` where the profile counts to the day and the
    warehouse by quarter or by wave)."""
    q = quarters_to(as_of)
    fy = last_completed_fiscal_year(as_of)
    member, partnership = f"scope = '{MEMBER}'", f"scope = '{PARTNERSHIP}'"
    jur = ("jurisdiction_id",)
    everyone = ("'all'",)
    reviews = built["profile reviews"][1]
    themes = [c[2:] for c in reviews.counts if c.startswith("n:")]
    economic = built["profile economic_by_cause"][1]
    survey = built["profile survey"][1]
    turnover = built["profile turnover"][1]
    outcomes = built["profile outcomes"][1]
    by_group = "workforce.agg_tasc_scores_by_group"
    total = "grouping_dimension = 'total'"
    return [
        Link(
            "a member's reviews and IOs are its quarters'",
            _side(reviews.name, ("reviews", "ios"), jur, member),
            _side(IOS_PER_REVIEW, ("reviews_completed", "ios_identified"), jur, q),
            remainder=True,
        ),
        Link(
            "the partnership's reviews are the findings'",
            _side(reviews.name, ("reviews",), everyone, partnership),
            _side(THEMES.name, ("reviews",), everyone, one_per=("1",)),
        ),
        *(
            Link(
                f"the partnership's reviews with a {t} IO are the findings'",
                _side(reviews.name, (f"n:{t}",), everyone, partnership),
                _side(THEMES.name, ("reviews_with_theme",), everyone, f"io_theme = '{t}'"),
            )
            for t in themes
        ),
        Link(
            "the partnership's reviews by cause are the findings'",
            _side(economic.name, economic.counts, ("cause_of_incident",), partnership),
            _side(ECONOMIC.name, economic.counts, ("cause_of_incident",)),
        ),
        Link(
            "a member's survey respondents are its waves'",
            _side(
                survey.name,
                ("respondents", "psych_safety_respondents", "intent_respondents"),
                jur,
                member,
            ),
            _side(
                by_group,
                ("respondents", "psychological_safety_respondents", "intent_to_stay_respondents"),
                jur,
                total,
            ),
            remainder=True,
        ),
        Link(
            "a member's respondents with high psychological safety are its waves'",
            _side(survey.name, ("high_psych_safety",), jur, member),
            _side(
                by_group,
                ("respondents",),
                jur,
                "grouping_dimension = 'psychological_safety_band' and group_value = 'high'",
            ),
            remainder=True,
        ),
        Link(
            "the partnership's respondents with high psychological safety are the survey's",
            _side(survey.name, ("high_psych_safety",), everyone, partnership),
            _side(INTENT_BANDS, ("respondents",), everyone, "psychological_safety_band = 'high'"),
            remainder=True,
        ),
        Link(
            "a member's trailing-year separations are its quarters'",
            # members without four quarters in their trailing year show none (NULL)
            _side(
                turnover.name,
                ("trailing_separations",),
                (*jur, "period"),
                f"{member} and trailing_separations is not null",
            ),
            _side(
                TURNOVER_MART,
                ("separations",),
                (*jur, TRAILING_PERIODS),
                f"role = 'all' and {q}",
                explode=True,
            ),
        ),
        Link(
            "the partnership's trailing-year separations are the findings'",
            _side(turnover.name, ("trailing_separations",), ("period",), partnership),
            _side(TURNOVER.name, ("trailing_separations",), ("period",)),
        ),
        Link(
            "the partnership's outcome counts are the published ones",
            _side(outcomes.name, outcomes.counts, ("fiscal_year",), partnership),
            _side(
                OUTCOME_RATES,
                outcomes.counts,
                ("fiscal_year",),
                f"race_ethnicity_group = 'all' and fiscal_year <= {fy}",
            ),
        ),
    ]


DATA_SETS = ("reviews", "tasc_responses")


def _themes(own: dict, partnership: dict) -> list[dict]:
    """The theme rows of a profile, ordered by the partnership's share."""
    codes = [c[2:] for c in partnership if c.startswith("n:")]
    rows = [
        {
            "io_theme": t,
            "own_reviews_with_theme": own[f"n:{t}"],
            "own_pct": own[f"pct:{t}"],
            "reviews_with_theme": partnership[f"n:{t}"],
            "pct": partnership[f"pct:{t}"],
        }
        for t in codes
    ]
    return sorted(
        rows, key=lambda r: (shown(r["pct"]) is None, -(shown(r["pct"]) or 0), r["io_theme"])
    )


def _economic(own: list[dict], partnership: list[dict]) -> list[dict]:
    by_cause = {r["cause_of_incident"]: r for r in own}
    rows = [
        {
            "cause_of_incident": p["cause_of_incident"],
            "own_reviews": by_cause[p["cause_of_incident"]]["reviews"],
            "own_with": by_cause[p["cause_of_incident"]]["reviews_with_economic_support"],
            "own_pct": by_cause[p["cause_of_incident"]]["pct_reviews"],
            "reviews": p["reviews"],
            "with_es": p["reviews_with_economic_support"],
            "pct": p["pct_reviews"],
        }
        for p in partnership
    ]
    # the query's order: the partnership's share, highest first; the total last
    return sorted(
        rows,
        key=lambda r: (
            r["cause_of_incident"] == ALL,
            shown(r["pct"]) is None,
            -(shown(r["pct"]) or 0),
            r["cause_of_incident"],
        ),
    )


def compute_profiles(
    con: duckdb.DuckDBPyConnection, as_of: date, protected: dict[str, Protected] | None = None
) -> list[Profile]:
    """Every member's profile; ``protected``: the report's suppressed frames
    (:func:`reporting.disclosure.protect_report`), computed here when not given."""
    member_rows = members(con, as_of)
    sharing = {
        m["jurisdiction_id"]: sharing_levels(con, m["jurisdiction_id"], as_of) for m in member_rows
    }
    if protected is None:
        from reporting.disclosure import protect_report

        protected = protect_report(con, as_of).frames
    rows = {
        name.removeprefix("profile "): split(p.rows())
        for name, p in protected.items()
        if name.startswith("profile ")
    }
    first = lambda name, jid: (rows[name][0].get(jid) or [None])[0]  # noqa: E731
    whole = {name: (rows[name][1] or [None])[0] for name in rows}
    out = []
    for member in member_rows:
        jid = member["jurisdiction_id"]
        levels = sharing[jid]
        record_reviews = levels.get("reviews") == "record"
        record_survey = levels.get("tasc_responses") == "record"
        notes = []
        if not record_reviews:
            notes.append(
                f"{member['jurisdiction_name']} shares reviews as "
                f"{levels.get('reviews', 'none')} data: its review and theme counts are in the "
                "figures, but it has no record-level figures (causes of incident, partner "
                "agencies)."
            )
        if not record_survey:
            notes.append(
                f"{member['jurisdiction_name']} does not share record-level safety-culture "
                f"survey responses (sharing level: {levels.get('tasc_responses', 'none')}): no "
                "survey figures for it."
            )
        own_reviews = first("reviews", jid)
        out.append(
            Profile(
                jurisdiction=member,
                sharing=levels,
                reviews=own_reviews,
                partnership_reviews=whole["reviews"],
                themes=_themes(own_reviews, whole["reviews"]),
                economic_by_cause=(
                    _economic(
                        rows["economic_by_cause"][0].get(jid, []), rows["economic_by_cause"][1]
                    )
                    if record_reviews
                    else None
                ),
                survey=first("survey", jid) if record_survey else None,
                partnership_survey=whole["survey"] or {},
                turnover=first("turnover", jid),
                partnership_turnover=whole["turnover"],
                outcomes=first("outcomes", jid) or {},
                partnership_outcomes=whole["outcomes"] or {},
                notes=notes,
            )
        )
    return out
