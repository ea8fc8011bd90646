"""The submission status report for the data engineers: who sent what, what was rejected, what is
overdue, what the gates held back.

Counts, file names, dates and reasons only — never a record's contents. It reads the submission
ledger (schema ``raw``) as it stands — file versions are dated when they were received, not by
the periods they cover, so the as-of date only decides what is overdue (periods ended by then)
— and the quality scorecard, which a release's warehouse does not hold:
:func:`compute` returns ``None`` there and the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import yaml

from npcs.settings import REPO_ROOT
from reporting.figures import _rows

# Data sets submitted for a period on a cadence, with their period type in the coverage mart;
# record-level reviews and IOs arrive as they are completed and have no due date.
PERIODIC = {"review_summary": 3, "workforce": 3, "outcomes": 12}  # months per period


def submission_due_days(project: Path = REPO_ROOT / "dbt_project" / "dbt_project.yml") -> int:
    """dbt var ``submission_due_days``: days after a period's end its file is due."""
    return int(yaml.safe_load(project.read_text())["vars"]["submission_due_days"])


def _present(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]]) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_catalog = current_database() "
        "and (table_schema, table_name) in (select unnest(?), unnest(?))",
        [[s for s, _ in tables], [t for _, t in tables]],
    ).fetchall()[0][0]
    return found == len(tables)


def submissions(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per jurisdiction and data set: every file version in the ledger and its fate, rows
    quarantined, the latest file, and the latest rejection's reason."""
    return _rows(
        con,
        """
        select jurisdiction_id, data_set,
               count(*) as file_versions,
               count(*) filter (where status = 'accepted'
                                  and gate_status in ('accepted', 'released')) as accepted,
               count(*) filter (where gate_status = 'held') as held,
               count(*) filter (where status = 'accepted' and gate_status is null
                                  or gate_status = 'pending') as pending,
               count(*) filter (where status = 'rejected') as rejected,
               coalesce(sum(rows_loaded), 0) as rows_loaded,
               coalesce(sum(rows_quarantined), 0) as rows_quarantined,
               arg_max(source_file, received_at) as latest_file,
               max(received_at) as latest_received_at,
               arg_max(reason, received_at) filter (where status = 'rejected')
                   as latest_rejection_reason
        from raw.submission_ledger
        group by jurisdiction_id, data_set
        order by jurisdiction_id, data_set
        """,
        [],
    )


def rejected(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every rejected file version, with the reason it was not loaded."""
    return _rows(
        con,
        """
        select jurisdiction_id, data_set, submission_id, source_file,
               cast(received_at as date) as received_on, reason
        from raw.submission_ledger
        where status = 'rejected'
        order by received_at desc, submission_id desc
        """,
        [],
    )


def held(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """File versions a quality gate holds back, with the gate's reason."""
    return _rows(
        con,
        """
        select jurisdiction_id, data_set, submission_id, source_file,
               cast(received_at as date) as received_on,
               cast(gate_checked_at as date) as held_on, gate_reason
        from raw.submission_ledger
        where gate_status = 'held'
        order by jurisdiction_id, data_set, submission_id
        """,
        [],
    )


def overdue(con: duckdb.DuckDBPyConnection, as_of: date, due_days: int) -> list[dict]:
    """Periodic data sets whose next period's file is past due on as_of: the period after the
    latest one submitted ended, and ``due_days`` more have passed. Members that share none of a
    data set owe none of it; a member that has sent nothing is due from the period it joined."""
    cases = " ".join(f"when '{ds}' then {months}" for ds, months in PERIODIC.items())
    return _rows(
        con,
        f"""
        with owed as (
            select j.jurisdiction_id, s.data_set, j.joined_date
            from membership.dim_jurisdictions j
            join membership.dim_jurisdiction_sharing_levels s using (jurisdiction_id)
            where s.data_set in ({", ".join(f"'{d}'" for d in PERIODIC)})
              and s.sharing_level <> 'none'
              and s.valid_from <= ? and (s.valid_to is null or s.valid_to > ?)
              and j.joined_date <= ? and (j.left_date is null or j.left_date > ?)
        ),
        latest as (
            select jurisdiction_id, data_set, max(period_end_date) as latest_period_end,
                   arg_max(period, period_end_date) as latest_period
            from membership.fct_submission_coverage
            where period_end_date <= ?
            group by jurisdiction_id, data_set
        ),
        next_due as (
            select o.jurisdiction_id, o.data_set, l.latest_period, l.latest_period_end,
                   case o.data_set {cases} end as months,
                   -- the end of the period after the latest one sent (or of the first period
                   -- after joining), then the days allowed
                   coalesce(
                       last_day(l.latest_period_end
                                + to_months(case o.data_set {cases} end)),
                       case when o.data_set = 'outcomes'
                            then make_date(year(o.joined_date)
                                           + (month(o.joined_date) >= 10)::int, 9, 30)
                            else last_day(date_trunc('quarter', o.joined_date)
                                          + interval 2 month) end
                   ) as next_period_end
            from owed o left join latest l using (jurisdiction_id, data_set)
        )
        select jurisdiction_id, data_set, latest_period, latest_period_end, next_period_end,
               cast(next_period_end + to_days(?) as date) as due_date,
               datediff('day', next_period_end + to_days(?), ?) as days_overdue
        from next_due
        where next_period_end + to_days(?) < ?
        order by days_overdue desc, jurisdiction_id, data_set
        """,
        [as_of, as_of, as_of, as_of, as_of, due_days, due_days, as_of, due_days, as_of],
    )


def timeliness(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per jurisdiction, from the scorecard: file versions due, sent on time, median days late."""
    return _rows(
        con,
        """
        select jurisdiction_id, sum(file_versions_due) as due,
               sum(file_versions_on_time) as on_time,
               round(100.0 * sum(file_versions_on_time) / nullif(sum(file_versions_due), 0), 1)
                   as pct_on_time,
               max(median_days_late) as worst_quarter_median_days_late
        from data_quality.agg_quality_scorecard
        group by jurisdiction_id
        having sum(file_versions_due) > 0
        order by pct_on_time, jurisdiction_id
        """,
        [],
    )


@dataclass
class Status:
    as_of: date
    due_days: int
    submissions: list[dict]
    rejected: list[dict]
    held: list[dict]
    overdue: list[dict]
    timeliness: list[dict]

    @property
    def totals(self) -> dict:
        keys = ("file_versions", "accepted", "held", "pending", "rejected", "rows_quarantined")
        return {k: sum(r[k] for r in self.submissions) for k in keys}


def compute(con: duckdb.DuckDBPyConnection, as_of: date) -> Status | None:
    """None on a warehouse without the ledger and scorecard (a release)."""
    if not _present(
        con,
        [
            ("raw", "submission_ledger"),
            ("data_quality", "agg_quality_scorecard"),
            ("membership", "fct_submission_coverage"),
        ],
    ):
        return None
    due_days = submission_due_days()
    return Status(
        as_of=as_of,
        due_days=due_days,
        submissions=submissions(con),
        rejected=rejected(con),
        held=held(con),
        overdue=overdue(con, as_of, due_days),
        timeliness=timeliness(con),
    )
