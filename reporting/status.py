"""The submission status report for the data engineers: who sent what, what was rejected, what is
overdue, what the gates held back.

Counts, file names, dates and reasons only — never a record's contents. It reads the submission
ledger (schema ``raw``) as it stands — file versions are dated when they were received, not by
the periods they cover, so the as-of date only decides what is overdue (periods ended by then)
— and the quality scorecard, which a release's warehouse does not hold:
:func:`compute` returns ``None`` there and the page says so. What is overdue comes from the one
definition of it, :func:`quality_checks.freshness.freshness` (the Dagster freshness checks read
the same).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from quality_checks.freshness import SOURCES, freshness, overdue, submission_due_days
from reporting.figures import _rows


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
        [("raw", "submission_ledger"), ("data_quality", "agg_quality_scorecard"), *SOURCES],
    ):
        return None
    due_days = submission_due_days()
    return Status(
        as_of=as_of,
        due_days=due_days,
        submissions=submissions(con),
        rejected=rejected(con),
        held=held(con),
        overdue=overdue(freshness(con, as_of, due_days)),
        timeliness=timeliness(con),
    )
