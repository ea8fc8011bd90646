"""Where the gates keep what they decided: schema ``quality`` of the warehouse, and the gate
columns of ``raw.submission_ledger``.

Plain Python on an open DuckDB connection (never imports dagster or soda).

Tables
------
``quality.check_results`` — every check of every verification, one row per check with
``jurisdiction_id`` NULL (the dataset as a whole), plus one row per jurisdiction whose rows made a
failing check fail (``jurisdiction_id`` set, ``failing_rows`` its rows). Never an identifier: the
sample holds keys and codes only, masked by the privacy rules.

``quality.volume_baseline`` — per dataset and jurisdiction, the row count the dataset had when its
gate last passed; the volume checks compare against it.

``quality.gate_overrides`` — an engineer's recorded decision to let one failing contract (or one
check of it) through once, with a reason; used by the next verification of that contract and
then spent.

Gate columns of ``raw.submission_ledger`` (rows with ``stage = 'load'``)
----------------------------------------------------------------------
``gate_status``: NULL = pending (loaded, not yet through a raw gate); ``accepted``; ``held``
(a raw gate failed on this file version's rows: staging leaves it out, so the marts keep the
jurisdiction's last good data); ``released`` (held, then let through by an engineer).
``gate_checked_at``, ``gate_run_id``, ``gate_reason``: when, by which run, and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb

QUALITY_SCHEMA = "quality"
CHECK_RESULTS = f"{QUALITY_SCHEMA}.check_results"
VOLUME_BASELINE = f"{QUALITY_SCHEMA}.volume_baseline"
GATE_OVERRIDES = f"{QUALITY_SCHEMA}.gate_overrides"
LEDGER = "raw.submission_ledger"

# gate_status values of the ledger
PENDING = None
ACCEPTED = "accepted"
HELD = "held"
RELEASED = "released"

CHECK_RESULT_COLUMNS = (
    "run_id",
    "checked_at",
    "layer",
    "contract",
    "dataset",
    "check_name",
    "check_type",
    "column_name",
    "check_path",
    "level",
    "outcome",
    "jurisdiction_id",
    "failing_rows",
    "diagnostics",
    "sample",
    "action",
)


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def ensure_quality_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create schema ``quality`` and its tables, and the ledger's gate columns (idempotent)."""
    con.execute(f"create schema if not exists {QUALITY_SCHEMA}")
    con.execute(
        f"""
        create table if not exists {CHECK_RESULTS} (
            run_id varchar,          -- Dagster run id, or 'cli', or a release id
            checked_at timestamp,    -- UTC
            layer varchar,           -- raw | mart
            contract varchar,        -- path under quality_checks/contracts, e.g. raw/reviews.yml
            dataset varchar,         -- schema.table
            check_name varchar,
            check_type varchar,      -- schema, missing, invalid, duplicate, failed_rows, ...
            column_name varchar,     -- NULL for dataset-level checks
            check_path varchar,      -- the check's place in the contract
            level varchar,           -- fail | warn
            outcome varchar,         -- passed | warned | failed | not_evaluated | error
            jurisdiction_id varchar, -- NULL: the dataset as a whole
            failing_rows bigint,     -- rows that made the check fail (NULL when not row-based)
            diagnostics varchar,     -- JSON: Soda's measured values
            sample varchar,          -- JSON: up to 5 failing keys, masked
            action varchar           -- none | warned | held | blocked | overridden
        )
        """
    )
    con.execute(
        f"""
        create table if not exists {VOLUME_BASELINE} (
            dataset varchar,
            jurisdiction_id varchar,
            row_count bigint,
            recorded_at timestamp,
            run_id varchar
        )
        """
    )
    con.execute(
        f"""
        create table if not exists {GATE_OVERRIDES} (
            override_id bigint,
            contract varchar,        -- e.g. reviews/fct_reviews.yml
            check_name varchar,      -- NULL: any failing check of the contract
            reason varchar,
            created_by varchar,
            created_at timestamp,
            used_by_run_id varchar,  -- NULL until a verification used it
            used_at timestamp
        )
        """
    )
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'raw' and table_name = 'submission_ledger'"
    ).fetchall()[0][0]
    if exists:
        for column, typ in (
            ("gate_status", "varchar"),
            ("gate_checked_at", "timestamp"),
            ("gate_run_id", "varchar"),
            ("gate_reason", "varchar"),
        ):
            con.execute(f"alter table {LEDGER} add column if not exists {column} {typ}")


@dataclass
class CheckRow:
    """One row of ``quality.check_results``."""

    layer: str
    contract: str
    dataset: str
    check_name: str
    check_type: str
    column_name: str | None
    check_path: str
    level: str
    outcome: str
    jurisdiction_id: str | None = None
    failing_rows: int | None = None
    diagnostics: dict[str, Any] | None = None
    sample: list[dict[str, Any]] | None = None
    action: str = "none"


def record_check_rows(
    con: duckdb.DuckDBPyConnection, run_id: str, rows: list[CheckRow], at: datetime | None = None
) -> None:
    if not rows:
        return
    at = at or now_utc()
    values = [
        (
            run_id,
            at,
            r.layer,
            r.contract,
            r.dataset,
            r.check_name,
            r.check_type,
            r.column_name,
            r.check_path,
            r.level,
            r.outcome,
            r.jurisdiction_id,
            r.failing_rows,
            json.dumps(r.diagnostics or {}, default=str, sort_keys=True),
            json.dumps(r.sample or [], default=str),
            r.action,
        )
        for r in rows
    ]
    _insert_rows(con, CHECK_RESULTS, CHECK_RESULT_COLUMNS, values)


def _insert_rows(con, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert ``rows`` in one statement, read from a data frame: DuckDB's executemany runs one
    statement per row, and binding thousands of ``?`` parameters costs ~0.2 ms per row; a frame
    of Python objects is scanned in bulk (700 result rows: 120 ms -> 7 ms)."""
    if not rows:
        return
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(columns), dtype=object)
    name = f"_npcs_insert_{id(frame)}"
    con.register(name, frame)
    try:
        con.execute(
            f"insert into {table} ({', '.join(columns)}) select {', '.join(columns)} from {name}"
        )
    finally:
        con.unregister(name)


# --- the ledger's gate columns ------------------------------------------------------------------


def pending_submissions(con: duckdb.DuckDBPyConnection, data_set: str) -> dict[int, str]:
    """File versions of ``data_set`` loaded but not yet through a raw gate: id -> jurisdiction."""
    rows = con.execute(
        f"select submission_id, jurisdiction_id from {LEDGER} "
        "where stage = 'load' and data_set = ? and submission_id is not null "
        "and gate_status is null",
        [data_set],
    ).fetchall()
    return dict(rows)


def held_submissions(con: duckdb.DuckDBPyConnection, data_set: str | None = None) -> list[dict]:
    sql = (
        f"select submission_id, jurisdiction_id, data_set, source_file, gate_checked_at, "
        f"gate_run_id, gate_reason from {LEDGER} where gate_status = 'held'"
    )
    params: list[Any] = []
    if data_set:
        sql += " and data_set = ?"
        params.append(data_set)
    rel = con.execute(sql + " order by submission_id", params)
    names = [d[0] for d in rel.description]
    return [dict(zip(names, r, strict=True)) for r in rel.fetchall()]


def set_gate_status(
    con: duckdb.DuckDBPyConnection,
    submission_ids: list[int],
    status: str,
    run_id: str,
    reason: str | None = None,
) -> None:
    if not submission_ids:
        return
    con.execute(
        f"update {LEDGER} set gate_status = ?, gate_checked_at = ?, gate_run_id = ?, "
        "gate_reason = ? where submission_id in (select unnest(?::bigint[]))",
        [status, now_utc(), run_id, reason, list(submission_ids)],
    )


# --- overrides ----------------------------------------------------------------------------------


def add_override(
    con: duckdb.DuckDBPyConnection,
    contract: str,
    reason: str,
    created_by: str,
    check_name: str | None = None,
) -> int:
    if not reason or not reason.strip():
        raise ValueError("an override needs a reason")
    (next_id,) = con.execute(
        f"select coalesce(max(override_id), 0) + 1 from {GATE_OVERRIDES}"
    ).fetchall()[0]
    con.execute(
        f"insert into {GATE_OVERRIDES} (override_id, contract, check_name, reason, created_by, "
        "created_at) values (?, ?, ?, ?, ?, ?)",
        [next_id, contract, check_name, reason.strip(), created_by, now_utc()],
    )
    return int(next_id)


def open_overrides(con: duckdb.DuckDBPyConnection, contract: str) -> list[dict]:
    rel = con.execute(
        f"select override_id, contract, check_name, reason, created_by, created_at "
        f"from {GATE_OVERRIDES} where contract = ? and used_by_run_id is null "
        "order by override_id",
        [contract],
    )
    names = [d[0] for d in rel.description]
    return [dict(zip(names, r, strict=True)) for r in rel.fetchall()]


def spend_override(con: duckdb.DuckDBPyConnection, override_id: int, run_id: str) -> None:
    con.execute(
        f"update {GATE_OVERRIDES} set used_by_run_id = ?, used_at = ? where override_id = ?",
        [run_id, now_utc(), override_id],
    )


# --- volume baseline ----------------------------------------------------------------------------


def record_volume_baseline(
    con: duckdb.DuckDBPyConnection, dataset: str, counts: dict[str | None, int], run_id: str
) -> None:
    """Replace ``dataset``'s baseline with ``counts`` (jurisdiction -> rows; None = whole)."""
    record_volume_baselines(con, {dataset: counts}, run_id)


def record_volume_baselines(
    con: duckdb.DuckDBPyConnection, counts: dict[str, dict[str | None, int]], run_id: str
) -> None:
    """Replace the baseline of each data set in ``counts`` (data set -> jurisdiction -> rows)."""
    if not counts:
        return
    con.execute(
        f"delete from {VOLUME_BASELINE} where dataset in (select unnest(?::varchar[]))",
        [list(counts)],
    )
    at = now_utc()
    _insert_rows(
        con,
        VOLUME_BASELINE,
        ("dataset", "jurisdiction_id", "row_count", "recorded_at", "run_id"),
        [(d, j, int(n), at, run_id) for d, by_j in counts.items() for j, n in by_j.items()],
    )
