"""Submission freshness per jurisdiction and data set: the one definition of "overdue".

Members send review summaries and workforce counts per calendar quarter and outcomes per federal
fiscal year. A period's file is due dbt var ``submission_due_days`` days after the period ends
(the same setting the scorecard's on-time share uses). Per (jurisdiction, data set) the member
owes — it shares the data set (sharing level other than ``none`` on the as-of date) and is a
member then — :func:`freshness` gives the latest period received, the next period it owes (the
one after the latest received, or the period it joined in when it has sent none), that period's
due date and the days overdue (0 while on time).

"Received" is what the warehouse holds (``membership.fct_submission_coverage``: current rows,
held file versions left out) for periods ended by the as-of date. File versions are dated when
the loader saw them, not when the period ended, so the as-of date decides which periods count,
as it does for every other figure of the reports.

A Python function over the marts rather than a mart of its own: "overdue" depends on the as-of
date of the report or the run, and the marts do not depend on the day they were built. Read by
the status report (``reporting/status.py``) and by the Dagster freshness checks
(``orchestration/defs/freshness.py``).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import yaml

from npcs.settings import REPO_ROOT

# Data sets submitted for a period on a cadence: months per period. Record-level reviews, IOs and
# survey responses arrive as they are completed and have no due date.
PERIODIC = {"review_summary": 3, "workforce": 3, "outcomes": 12}

# What freshness() reads: the coverage and membership marts.
SOURCES = [
    ("membership", "dim_jurisdictions"),
    ("membership", "dim_jurisdiction_sharing_levels"),
    ("membership", "fct_submission_coverage"),
]


def submission_due_days(project: Path = REPO_ROOT / "dbt_project" / "dbt_project.yml") -> int:
    """dbt var ``submission_due_days``: days after a period's end its file is due."""
    return int(yaml.safe_load(project.read_text())["vars"]["submission_due_days"])


def sources_present(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the marts :func:`freshness` reads exist (not before the first dbt build)."""
    (found,) = con.execute(
        "select count(*) from information_schema.tables where table_catalog = current_database() "
        "and (table_schema, table_name) in (select unnest(?), unnest(?))",
        [[s for s, _ in SOURCES], [t for _, t in SOURCES]],
    ).fetchall()[0]
    return found == len(SOURCES)


def freshness(
    con: duckdb.DuckDBPyConnection, as_of: date, due_days: int | None = None
) -> list[dict]:
    """Every (jurisdiction, periodic data set) the member owes on ``as_of``, most overdue first:
    ``latest_period`` (null when none was received) and ``latest_period_end``, ``next_period``
    and ``next_period_end`` (the period owed next), ``due_date``, ``days_overdue`` (0 while on
    time). Members sharing none of a data set, or not members on ``as_of``, are not listed."""
    due_days = submission_due_days() if due_days is None else due_days
    months = " ".join(f"when '{ds}' then {m}" for ds, m in PERIODIC.items())
    cur = con.execute(
        f"""
        with owed as (
            select j.jurisdiction_id, s.data_set, j.joined_date
            from membership.dim_jurisdictions j
            join membership.dim_jurisdiction_sharing_levels s using (jurisdiction_id)
            where s.data_set in ({", ".join(f"'{d}'" for d in PERIODIC)})
              and s.sharing_level <> 'none'
              and s.valid_from <= $as_of and (s.valid_to is null or s.valid_to > $as_of)
              and j.joined_date <= $as_of and (j.left_date is null or j.left_date > $as_of)
        ),
        latest as (
            select jurisdiction_id, data_set, max(period_end_date) as latest_period_end,
                   arg_max(period, period_end_date) as latest_period
            from membership.fct_submission_coverage
            where period_end_date <= $as_of
            group by jurisdiction_id, data_set
        ),
        next_due as (
            select o.jurisdiction_id, o.data_set, l.latest_period, l.latest_period_end,
                   -- the end of the period after the latest one received; with none received,
                   -- the end of the period the member joined in
                   coalesce(
                       last_day(l.latest_period_end + to_months(case o.data_set {months} end)),
                       case when o.data_set = 'outcomes'
                            then make_date(year(o.joined_date)
                                           + (month(o.joined_date) >= 10)::int, 9, 30)
                            else last_day(date_trunc('quarter', o.joined_date)
                                          + interval 2 month) end
                   ) as next_period_end
            from owed o left join latest l using (jurisdiction_id, data_set)
        ),
        due as (
            select *,
                   case when data_set = 'outcomes'
                        then cast(year(next_period_end) as varchar)  -- federal fiscal year
                        else year(next_period_end) || '-Q' || quarter(next_period_end)
                   end as next_period,
                   cast(next_period_end + to_days($due_days) as date) as due_date
            from next_due
        )
        select jurisdiction_id, data_set, latest_period, latest_period_end, next_period,
               next_period_end, due_date,
               cast(greatest(date_diff('day', due_date, $as_of), 0) as integer) as days_overdue
        from due
        order by days_overdue desc, jurisdiction_id, data_set
        """,
        {"as_of": as_of, "due_days": due_days},
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def overdue(rows: list[dict]) -> list[dict]:
    """The rows of :func:`freshness` that are overdue."""
    return [r for r in rows if r["days_overdue"] > 0]
