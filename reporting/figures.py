"""Every figure the report shows, computed by SQL from the marts for one as-of date.

Nothing here is a constant: each function is a query over the mart tables, filtered to what
happened on or before ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from publishing.catalog import Link, LinkSide, Margin, Repeated, load_catalog
from reporting.protection import ALL, Protected, spec, with_total
from reporting.suppression import shown

HEADLINE_KEYS = (
    "reviews_completed",
    "improvement_opportunities",
    "pct_reviews_with_teamwork_coordination",
    "pct_reviews_with_economic_support",
    "survey_responses",
    "survey_jurisdictions",
    "member_jurisdictions",
    "jurisdictions_joined_in_prior_year",
)

# The marts the report's queries read ...
_QUERIED = (
    ("reviews", "agg_review_counts"),
    ("reviews", "agg_review_theme_counts"),
    ("reviews", "fct_improvement_opportunities"),
    ("reviews", "fct_reviews"),
    ("workforce", "fct_tasc_responses"),
    ("workforce", "agg_tasc_scores"),
    ("workforce", "agg_workforce_turnover"),
    ("equity", "fct_outcomes"),
    ("equity", "agg_outcome_rates_by_group"),
    ("membership", "dim_jurisdictions"),
    ("membership", "dim_jurisdiction_sharing_levels"),
    ("membership", "fct_submission_coverage"),
    ("data_quality", "agg_quality_scorecard"),
    ("data_quality", "agg_quarantine_reasons"),
)
# ... and those it is suppressed against (the published warehouse's: reporting.disclosure). The
# report asset depends on exactly these.
REPORT_MARTS = tuple(
    sorted(set(_QUERIED) | {tuple(t.source.split(".")) for t in load_catalog().tables})
)


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> tuple:
    return con.execute(sql, params).fetchone()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> list[dict]:
    cur = con.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def headline(
    con: duckdb.DuckDBPyConnection, as_of: date, semantic_manifest: Path | None = None
) -> dict:
    """The headline figures as of a date: metrics of the dbt semantic layer, computed by
    MetricFlow (reviews and IOs include aggregate-only members). See :mod:`reporting.metrics`."""
    from reporting.metrics import headline as metrics_headline

    return metrics_headline(con, as_of, semantic_manifest)


def theme_prevalence(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict]:
    """Share of reviews with at least one IO in each theme (all members, record + summary)."""
    return _rows(
        con,
        """
        with totals as (
            select sum(reviews_completed) as reviews
            from reviews.agg_review_counts where counted_on <= ?
        ),
        themes as (
            select io_theme, sum(reviews_with_theme) as reviews_with_theme,
                   sum(ios_in_theme) as ios
            from reviews.agg_review_theme_counts where counted_on <= ?
            group by io_theme
        )
        select t.io_theme, t.reviews_with_theme, t.ios, totals.reviews,
               round(100.0 * t.reviews_with_theme / nullif(totals.reviews, 0), 1) as pct_reviews
        from themes t cross join totals
        order by pct_reviews desc, io_theme
        """,
        [as_of, as_of],
    )


def teamwork_partners(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict]:
    """Partner agencies named on teamwork IOs (record-level members only: partners are not in
    the summary counts)."""
    return _rows(
        con,
        """
        select coalesce(partner_agency, 'not recorded') as partner_agency, count(*) as ios,
               round(100.0 * count(*) / sum(count(*)) over (), 1) as pct_of_teamwork_ios
        from reviews.fct_improvement_opportunities
        where io_theme = 'teamwork_coordination' and review_completed_date <= ?
        group by all
        order by ios desc, partner_agency
        """,
        [as_of],
    )


def economic_support_by_cause(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict]:
    """Share of record-level reviews with an economic-support IO, per cause of incident."""
    return _rows(
        con,
        """
        select cause_of_incident, count(*) as reviews,
               count(*) filter (where list_contains(themes, 'economic_support'))
                   as reviews_with_economic_support,
               round(100.0 * count(*) filter (where list_contains(themes, 'economic_support'))
                     / count(*), 1) as pct_reviews
        from reviews.fct_reviews
        where review_completed_date <= ?
        group by cause_of_incident
        order by pct_reviews desc, cause_of_incident
        """,
        [as_of],
    )


def intent_by_psych_safety(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict]:
    """Intent to stay by psychological-safety band, responses on or before as_of."""
    return _rows(
        con,
        """
        select psychological_safety_band, count(*) as respondents,
               count(*) filter (where intends_to_stay) as intends_to_stay,
               round(100.0 * avg(case when intends_to_stay then 1 else 0 end), 1)
                   as pct_intends_to_stay
        from workforce.fct_tasc_responses
        where response_date <= ? and psychological_safety_band is not null
          and intent_to_stay is not null
        group by psychological_safety_band
        order by case psychological_safety_band when 'low' then 1 when 'medium' then 2 else 3 end
        """,
        [as_of],
    )


def last_completed_fiscal_year(as_of: date) -> int:
    """The latest federal fiscal year (named by the year it ends) that ended before as_of."""
    return as_of.year if as_of >= date(as_of.year, 10, 1) else as_of.year - 1


def workforce_turnover(
    con: duckdb.DuckDBPyConnection, as_of: date, jurisdiction_id: str | None = None
) -> list[dict]:
    """Staff turnover per quarter ended on or before as_of (all roles): the quarter's
    separations over its average headcount, annualised (x 4), and the trailing-year rate from
    the jurisdictions with four quarters in their trailing year. The partnership's, or one
    jurisdiction's."""
    return _rows(
        con,
        """
        select period, count(distinct jurisdiction_id) as jurisdictions,
               sum(separations) as separations,
               round(sum(average_headcount)) as average_headcount,
               round(400.0 * sum(separations) / nullif(sum(average_headcount), 0), 1)
                   as pct_annualised_turnover,
               round(100.0 * sum(trailing_separations) filter (where trailing_quarters = 4)
                     / nullif(sum(trailing_average_headcount)
                              filter (where trailing_quarters = 4), 0), 1)
                   as pct_trailing_year_turnover,
               sum(trailing_separations) filter (where trailing_quarters = 4)
                   as trailing_separations
        from workforce.agg_workforce_turnover
        where role = 'all' and period_end_date <= ?
          and (? is null or jurisdiction_id = ?)
        group by period
        order by period
        """,
        [as_of, jurisdiction_id, jurisdiction_id],
    )


def outcomes_by_group(con: duckdb.DuckDBPyConnection, as_of: date) -> list[dict]:
    """The partnership's outcomes by race/ethnicity group ('all' for all children), every
    completed federal fiscal year: counts, rates, disproportionality (share at the decision point
    / share of children) and disparity (rate / the White rate), with the mart's reliability flags.
    One frame for the outcomes table (the 'all' rows) and the equity table (the last year), so one
    suppression covers both."""
    return _rows(
        con,
        """
        select fiscal_year, race_ethnicity_group, child_population,
               children_investigated, victims, entries_to_care, maltreatment_fatalities,
               victims_with_recurrence, recurrence_victims, recurrence_window_months,
               round(fatality_rate_per_100k, 2) as fatality_rate_per_100k,
               round(victimization_rate_per_1000, 2) as victimization_rate_per_1000,
               round(100.0 * recurrence_rate, 1) as pct_recurrence,
               round(entry_rate_per_1000, 2) as entry_rate_per_1000,
               round(disproportionality_index_victims, 2) as disproportionality_index_victims,
               round(disparity_index_victims, 2) as disparity_index_victims,
               round(disproportionality_index_entries, 2) as disproportionality_index_entries,
               round(disparity_index_entries, 2) as disparity_index_entries,
               victimization_rate_is_unreliable, index_victims_is_unreliable,
               index_entries_is_unreliable
        from equity.agg_outcome_rates_by_group
        where fiscal_year <= ?
        order by fiscal_year, race_ethnicity_group = 'all' desc, child_population desc,
                 race_ethnicity_group
        """,
        [last_completed_fiscal_year(as_of)],
    )


def data_quality(con: duckdb.DuckDBPyConnection) -> list[dict] | None:
    """Per jurisdiction, every file version it has sent so far (all fiscal quarters of the
    scorecard, whatever the as-of date: the report's figures come from all of them): received,
    accepted (released ones included), held, rejected; rows quarantined and the rule that kept
    most rows out; the raw-gate pass rate and the share of due file versions sent on time.

    None when the warehouse has no scorecard: a release's warehouse does not build it (it
    changes with every gate run, a release must not)."""
    present = con.execute(
        "select count(*) from information_schema.tables where table_catalog = current_database() "
        "and table_schema = 'data_quality' "
        "and table_name in ('agg_quality_scorecard', 'agg_quarantine_reasons')"
    ).fetchall()[0][0]
    if present < 2:
        return None
    return _rows(
        con,
        """
        with totals as (
            select jurisdiction_id,
                   min(period) as first_period, max(period) as last_period,
                   sum(file_versions_received) as received,
                   sum(file_versions_accepted + file_versions_released) as accepted,
                   sum(file_versions_held) as held,
                   sum(file_versions_pending) as pending,
                   sum(file_versions_rejected) as rejected,
                   sum(rows_read) as rows_read,
                   sum(rows_quarantined) as rows_quarantined,
                   sum(raw_gate_checks_run) as checks_run,
                   sum(raw_gate_checks_failed) as checks_failed,
                   sum(file_versions_due) as due,
                   sum(file_versions_on_time) as on_time
            from data_quality.agg_quality_scorecard
            group by jurisdiction_id
        ),
        reasons as (
            select jurisdiction_id, data_set, column_name, rule,
                   sum(rows_quarantined) as rows_quarantined
            from data_quality.agg_quarantine_reasons
            group by jurisdiction_id, data_set, column_name, rule
            qualify row_number() over (
                partition by jurisdiction_id
                order by sum(rows_quarantined) desc, data_set, column_name, rule
            ) = 1
        )
        select t.jurisdiction_id, t.first_period, t.last_period, t.received, t.accepted,
               t.held, t.pending, t.rejected, t.rows_read, t.rows_quarantined,
               r.data_set as top_reason_data_set, r.column_name as top_reason_column,
               r.rule as top_reason_rule, r.rows_quarantined as top_reason_rows,
               t.checks_run, t.checks_failed,
               round(100.0 * (t.checks_run - t.checks_failed) / nullif(t.checks_run, 0), 1)
                   as pct_checks_passed,
               t.due,
               round(100.0 * t.on_time / nullif(t.due, 0), 1) as pct_on_time
        from totals t
        left join reasons r using (jurisdiction_id)
        order by t.held desc, t.rejected desc, t.rows_quarantined desc, t.jurisdiction_id
        """,
        [],
    )


THEMES = spec(
    "themes",
    grain=("io_theme",),
    counts=("reviews_with_theme", "ios", "reviews"),
    rates={"pct_reviews": ("reviews_with_theme", "reviews")},
    repeated=(Repeated("reviews", ()),),  # every theme's denominator: all reviews
)
PARTNERS = spec(
    "partners",
    grain=("partner_agency",),
    counts=("ios",),
    rates={"pct_of_teamwork_ios": ("ios",)},
    # a count and its share give the total: it is in the frame (and on the page)
    margins=(Margin(group_by=(), total={"partner_agency": ALL}),),
)
ECONOMIC = spec(
    "economic_by_cause",
    grain=("cause_of_incident",),
    counts=("reviews", "reviews_with_economic_support"),
    rates={"pct_reviews": ("reviews", "reviews_with_economic_support")},
    margins=(Margin(group_by=(), total={"cause_of_incident": ALL}),),
)
INTENT = spec(
    "intent_by_band",
    grain=("psychological_safety_band",),
    counts=("respondents", "intends_to_stay"),
    rates={"pct_intends_to_stay": ("respondents", "intends_to_stay")},
)
TURNOVER = spec(
    "turnover",
    grain=("period",),
    counts=("separations", "average_headcount", "trailing_separations"),
    rates={
        "pct_annualised_turnover": ("separations", "average_headcount"),
        "pct_trailing_year_turnover": ("trailing_separations",),
    },
)
_VICTIMS = ("victims",)
_ENTRIES = ("entries_to_care",)
OUTCOMES = spec(
    "outcomes_by_group",
    grain=("fiscal_year", "race_ethnicity_group"),
    # child_population is a census denominator, published as it is (as in the catalog)
    counts=(
        "children_investigated",
        "victims",
        "entries_to_care",
        "maltreatment_fatalities",
        "victims_with_recurrence",
        "recurrence_victims",
    ),
    rates={
        "fatality_rate_per_100k": ("maltreatment_fatalities",),
        "victimization_rate_per_1000": _VICTIMS,
        "pct_recurrence": ("victims_with_recurrence", "recurrence_victims"),
        "entry_rate_per_1000": _ENTRIES,
        "disproportionality_index_victims": _VICTIMS,
        "disparity_index_victims": _VICTIMS,
        "disproportionality_index_entries": _ENTRIES,
        "disparity_index_entries": _ENTRIES,
    },
    margins=(Margin(group_by=("fiscal_year",), total={"race_ethnicity_group": ALL}),),
)


def findings_frames(con: duckdb.DuckDBPyConnection, as_of: date) -> dict:
    """Every findings table or chart that shows counts of people or events, as a frame with the
    spec it is suppressed with: name -> (frame, spec)."""
    partners = teamwork_partners(con, as_of)
    by_cause = economic_support_by_cause(con, as_of)
    frames = {
        "themes": (pd.DataFrame(theme_prevalence(con, as_of)), THEMES),
        "partners": (
            with_total(partners, "partner_agency", PARTNERS.counts, pct_of_teamwork_ios=100.0),
            PARTNERS,
        ),
        "economic_by_cause": (with_total(by_cause, "cause_of_incident", ECONOMIC.counts), ECONOMIC),
        "intent_by_band": (pd.DataFrame(intent_by_psych_safety(con, as_of)), INTENT),
        "turnover": (pd.DataFrame(workforce_turnover(con, as_of)), TURNOVER),
        "outcomes_by_group": (pd.DataFrame(outcomes_by_group(con, as_of)), OUTCOMES),
    }
    total = frames["economic_by_cause"][0].iloc[-1]
    if total["reviews"]:
        # the total row's share, by the query's formula
        frames["economic_by_cause"][0].loc[len(by_cause), "pct_reviews"] = round(
            100.0 * int(total["reviews_with_economic_support"]) / int(total["reviews"]), 1
        )
    return frames


def _side(table: str, counts, key, where: str = "true", **kw) -> LinkSide:
    return LinkSide(table=table, counts=tuple(counts), key=tuple(key), where=where, **kw)


def quarters_to(as_of: date) -> str:
    """SQL: the catalog's quarterly rows wholly on or before ``as_of``."""
    return f"period_end_date <= date '{as_of.isoformat()}'"


# The four quarters whose trailing year a quarter's figures count in: its own and the next three.
TRAILING_PERIODS = (
    "[strftime(period_start_date + to_months(3 * i), '%Y') || '-Q' || "
    "quarter(period_start_date + to_months(3 * i)) for i in range(4)]"
)
THEME_SHARES = "reviews.agg_review_theme_shares"
CAUSE_SHARES = "reviews.agg_review_theme_cause_shares"
PARTNER_COUNTS = "reviews.agg_review_theme_partner_counts"
IOS_PER_REVIEW = "reviews.agg_ios_per_review"
OUTCOME_RATES = "equity.agg_outcome_rates_by_group"
INTENT_BANDS = "workforce.agg_intent_to_stay_by_psych_safety"
TURNOVER_MART = "workforce.agg_workforce_turnover"


def findings_links(as_of: date) -> list[Link]:
    """What ties each findings frame to the published warehouse: the same reviews, IOs, people
    and staff counted by quarter or year there. The findings count to the day of ``as_of``, the
    warehouse by whole quarter: the days of a quarter not yet over are a rest nobody publishes
    (``remainder``), protected like a hidden count when it is small."""
    q = quarters_to(as_of)
    fy = last_completed_fiscal_year(as_of)
    everyone = "denominator_scope = 'record_and_summary_reviews'"
    record = "denominator_scope = 'record_level_reviews'"
    teamwork = "io_theme = 'teamwork_coordination'"
    by_theme, by_cause, by_partner = ("io_theme",), ("cause_of_incident",), ("partner_agency",)
    some = "{} <> 'all'"
    return [
        Link(
            "a theme's reviews and IOs are the quarters' (all members)",
            _side(THEMES.name, ("reviews_with_theme", "ios"), by_theme),
            _side(
                THEME_SHARES,
                ("reviews_with_theme", "ios_in_theme"),
                by_theme,
                f"{everyone} and {q}",
            ),
            remainder=True,
        ),
        Link(
            "the reviews the themes are shares of are the quarters'",
            _side(THEMES.name, ("reviews",), ("'all'",), one_per=("1",)),
            _side(IOS_PER_REVIEW, ("reviews_completed",), ("'all'",), q),
            remainder=True,
        ),
        Link(
            "a partner's teamwork IOs are the quarters'",
            _side(PARTNERS.name, ("ios",), by_partner, some.format("partner_agency")),
            _side(PARTNER_COUNTS, ("ios_with_partner",), by_partner, f"{teamwork} and {q}"),
            remainder=True,
        ),
        Link(
            "the teamwork IOs are the quarters'",
            _side(PARTNERS.name, ("ios",), ("'all'",), "partner_agency = 'all'"),
            _side(
                PARTNER_COUNTS,
                ("ios_in_theme",),
                ("'all'",),
                f"{teamwork} and {q}",
                one_per=("period",),
            ),
            remainder=True,
        ),
        Link(
            "a cause's record-level reviews are the quarters'",
            _side(ECONOMIC.name, ("reviews",), by_cause, some.format("cause_of_incident")),
            _side(
                CAUSE_SHARES,
                ("reviews_in_scope",),
                by_cause,
                q,
                one_per=("period", "cause_of_incident"),
            ),
            remainder=True,
        ),
        Link(
            "a cause's reviews with an economic-support IO are the quarters'",
            _side(
                ECONOMIC.name,
                ("reviews_with_economic_support",),
                by_cause,
                some.format("cause_of_incident"),
            ),
            _side(
                CAUSE_SHARES,
                ("reviews_with_theme",),
                by_cause,
                f"io_theme = 'economic_support' and {q}",
            ),
            remainder=True,
        ),
        Link(
            "the record-level reviews and those with an economic-support IO are the quarters'",
            _side(
                ECONOMIC.name,
                ("reviews", "reviews_with_economic_support"),
                ("'all'",),
                "cause_of_incident = 'all'",
            ),
            _side(
                THEME_SHARES,
                ("reviews_in_scope", "reviews_with_theme"),
                ("'all'",),
                f"{record} and io_theme = 'economic_support' and {q}",
            ),
            remainder=True,
        ),
        Link(
            "a band's respondents answering intent are the survey's",
            _side(INTENT.name, ("respondents",), ("psychological_safety_band",)),
            _side(INTENT_BANDS, ("respondents_answering_intent",), ("psychological_safety_band",)),
            remainder=True,
        ),
        Link(
            "a quarter's separations are the members'",
            _side(TURNOVER.name, ("separations",), ("period",)),
            _side(TURNOVER_MART, ("separations",), ("period",), f"role = 'all' and {q}"),
        ),
        Link(
            "a trailing year's separations are its quarters' (members with four)",
            _side(TURNOVER.name, ("trailing_separations",), ("period",)),
            _side(
                TURNOVER_MART,
                ("separations",),
                (TRAILING_PERIODS,),
                f"role = 'all' and {q}",
                explode=True,
            ),
            remainder=True,
        ),
        Link(
            "the outcome counts by group are the published ones",
            _side(OUTCOMES.name, OUTCOMES.counts, ("fiscal_year", "race_ethnicity_group")),
            _side(
                OUTCOME_RATES,
                OUTCOMES.counts,
                ("fiscal_year", "race_ethnicity_group"),
                f"fiscal_year <= {fy}",
            ),
        ),
    ]


def _published_order(rows: list[dict], key: str, by: str) -> list[dict]:
    """Rows by a published figure, highest first; hidden ones after them by key, the total last
    (an order by a hidden figure would tell a reader where it lies)."""
    return sorted(
        rows,
        key=lambda r: (r[key] == ALL, shown(r[by]) is None, -(shown(r[by]) or 0), r[key]),
    )


@dataclass
class Figures:
    as_of: date
    headline: dict
    themes: list[dict]
    partners: list[dict]  # the last row is the total ("all")
    economic_by_cause: list[dict]  # the last row is the total ("all")
    intent_by_band: list[dict]
    outcomes: list[dict]
    turnover: list[dict]
    equity: list[dict]
    data_quality: list[dict] | None = None  # None: no scorecard in this warehouse (a release)
    protected: dict[str, Protected] = field(default_factory=dict)  # the suppressed frames


def compute(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    semantic_manifest: Path | None = None,
    protected: dict[str, Protected] | None = None,
) -> Figures:
    """The findings' figures; ``protected``: the report's suppressed frames
    (:func:`reporting.disclosure.protect_report`), computed here when not given."""
    if protected is None:
        from reporting.disclosure import protect_report

        protected = protect_report(con, as_of).frames
    rows = {name: p.rows() for name, p in protected.items()}
    by_group = rows["outcomes_by_group"]
    last_year = max((r["fiscal_year"] for r in by_group), default=None)
    return Figures(
        as_of=as_of,
        headline=headline(con, as_of, semantic_manifest),
        themes=_published_order(rows["themes"], "io_theme", "pct_reviews"),
        partners=_published_order(rows["partners"], "partner_agency", "ios"),
        economic_by_cause=_published_order(
            rows["economic_by_cause"], "cause_of_incident", "pct_reviews"
        ),
        intent_by_band=rows["intent_by_band"],
        outcomes=[r for r in by_group if r["race_ethnicity_group"] == ALL],
        turnover=rows["turnover"],
        equity=[r for r in by_group if r["fiscal_year"] == last_year],
        data_quality=data_quality(con),
        protected=protected,
    )
