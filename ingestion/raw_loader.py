"""Load canonical submission files into the raw schema (``raw.<data set>``).

One table per data set: the canonical columns in contract order, typed, then the lineage columns
(jurisdiction, source file, row number in the file, file sha256, load time). Each refresh of a
data set replaces its rows with the current landing-zone files in one transaction, so a failure
leaves the previous raw state in place. Every file seen is recorded in ``raw.submission_ledger``.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb

from ingestion.core_data_set import DATA_SETS, LINEAGE_COLUMNS, DataSet
from ingestion.landing import MisplacedFile, SubmissionFile
from ingestion.reference import sharing_level

RAW_SCHEMA = "raw"
LEDGER_TABLE = f"{RAW_SCHEMA}.submission_ledger"
LEDGER_COLUMNS = (
    "source_file, jurisdiction_id, data_set, file_sha256, size_bytes, received_at, status, "
    "rows_loaded, reason, stage"
)


class FileRejected(Exception):
    """A whole file could not be loaded; the message names the file and the reason."""


@dataclass
class FileOutcome:
    file: SubmissionFile
    sha256: str
    size_bytes: int
    status: str  # accepted | rejected
    rows_loaded: int = 0
    reason: str | None = None


@dataclass
class LoadResult:
    data_set: str
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(o.rows_loaded for o in self.outcomes)

    @property
    def rejected(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "rejected"]

    @property
    def jurisdictions(self) -> list[str]:
        return sorted({o.file.jurisdiction_id for o in self.outcomes if o.status == "accepted"})


def _exec(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list:
    """Run a statement to completion (DuckDB 2 refuses new work while a result is unfetched)."""
    return con.execute(sql, params or []).fetchall()


def raw_table(data_set: str) -> str:
    return f"{RAW_SCHEMA}.{data_set}"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, one table per data set, and the ledger (idempotent)."""
    _exec(con, f"create schema if not exists {RAW_SCHEMA}")
    for ds in DATA_SETS.values():
        cols = [f"{c.name} {c.duckdb_type}" for c in ds.columns]
        cols += [f"{name} {typ}" for name, typ in LINEAGE_COLUMNS]
        _exec(con, f"create table if not exists {raw_table(ds.name)} ({', '.join(cols)})")
    _exec(
        con,
        f"""
        create table if not exists {LEDGER_TABLE} (
            source_file varchar, jurisdiction_id varchar, data_set varchar, file_sha256 varchar,
            size_bytes bigint, received_at timestamp, status varchar, rows_loaded integer,
            reason varchar, stage varchar
        )
        """,
    )
    # Warehouses made before the ledger had a stage column: add it and mark their rows as loads.
    _exec(con, f"alter table {LEDGER_TABLE} add column if not exists stage varchar")
    _exec(con, f"update {LEDGER_TABLE} set stage = 'load' where stage is null")


def _select_canonical(ds: DataSet, header: list[str]) -> str:
    """The SELECT list that casts a file's text columns into the raw table's types."""
    exprs = []
    for c in ds.columns:
        if c.name in header:
            exprs.append(f"cast(nullif(trim(\"{c.name}\"), '') as {c.duckdb_type}) as {c.name}")
        else:
            exprs.append(f"cast(null as {c.duckdb_type}) as {c.name}")
    return ", ".join(exprs)


def _bad_value_probes(ds: DataSet, columns: list[str]) -> list[tuple[str, str]]:
    """(column, SQL condition) for every typed column: a value present that does not cast."""
    return [
        (
            c.name,
            f"nullif(trim(\"{c.name}\"), '') is not null "
            f'and try_cast(trim("{c.name}") as {c.duckdb_type}) is null',
        )
        for c in ds.columns
        if c.name in columns and c.duckdb_type != "VARCHAR"
    ]


def _read_header(f: SubmissionFile) -> list[str]:
    with f.path.open(newline="", encoding="utf-8-sig") as fh:
        first = next(csv.reader(fh), None)
    if not first:
        raise FileRejected(f"{f.relative_path}: empty file (no header row)")
    return [h.strip().lower() for h in first]


def _stage(con: duckdb.DuckDBPyConnection, files: list[SubmissionFile]) -> list[str]:
    """Read many CSV files in one DuckDB scan into the temp table ``_batch``; return its columns."""
    _exec(
        con,
        """
        create or replace temp table _batch as
        select *, cast(row_number() over (partition by filename) + 1 as integer) as _rn
        from read_csv(?, header = true, all_varchar = true, union_by_name = true,
                      delim = ',', quote = '"', escape = '"',
                      filename = true)
        """,
        [[str(f.path) for f in files]],
    )
    return [r[0] for r in con.execute("select name from pragma_table_info('_batch')").fetchall()]


def _unreadable(con: duckdb.DuckDBPyConnection, f: SubmissionFile) -> str | None:
    """Why a file cannot be read as canonical CSV, or None when it can."""
    try:
        con.execute(
            "select count(*) from read_csv(?, header = true, all_varchar = true, "
            "delim = ',', quote = '\"', escape = '\"')",
            [str(f.path)],
        ).fetchall()
    except duckdb.Error as e:
        return f"{f.relative_path}: unreadable as CSV ({str(e).splitlines()[0]})"
    return None


def _type_rejections(
    con: duckdb.DuckDBPyConnection, ds: DataSet, files: list[SubmissionFile], columns: list[str]
) -> dict[SubmissionFile, str]:
    """Files in ``_batch`` holding a value that does not fit its column's type, with the reason."""
    probes = _bad_value_probes(ds, columns)
    if not probes:
        return {}
    by_path = {str(f.path): f for f in files}
    select = ", ".join(
        f"count(*) filter (where {cond}), min(_rn) filter (where {cond})" for _, cond in probes
    )
    rejected = {}
    for row in con.execute(f"select filename, {select} from _batch group by filename").fetchall():
        f = by_path[row[0]]
        for i, (name, _) in enumerate(probes):
            n_bad, first_row = row[1 + 2 * i], row[2 + 2 * i]
            if n_bad:
                rejected[f] = (
                    f"{f.relative_path}: row {first_row}, column {name}: value is not a valid "
                    f"{ds.column(name).type} ({n_bad} row(s) affected; rule: type)"
                )
                break
    return rejected


def _insert_batch(
    con: duckdb.DuckDBPyConnection,
    ds: DataSet,
    good: list[SubmissionFile],
    columns: list[str],
    shas: dict[SubmissionFile, str],
    loaded_at: datetime,
) -> dict[str, int]:
    """Insert the rows of ``good`` files from ``_batch`` into the raw table; rows per file."""
    _exec(
        con,
        "create or replace temp table _files as select * from (values "
        + ", ".join("(?, ?, ?, ?)" for _ in good)
        + ") v(filename, jurisdiction_id, source_file, file_sha256)",
        [x for f in good for x in (str(f.path), f.jurisdiction_id, f.relative_path, shas[f])],
    )
    try:
        _exec(
            con,
            f"""
            insert into {raw_table(ds.name)}
            select {_select_canonical(ds, columns)},
                   fl.jurisdiction_id, fl.source_file, b._rn, fl.file_sha256, ? as loaded_at
            from _batch b join _files fl on b.filename = fl.filename
            """,
            [loaded_at],
        )
        return dict(
            con.execute(
                "select filename, count(*) from _batch semi join _files using (filename) "
                "group by filename"
            ).fetchall()
        )
    finally:
        _exec(con, "drop table if exists _files")


def sharing_level_refusal(f: SubmissionFile, on: date) -> str | None:
    """Why the jurisdiction's sharing level on ``on`` does not allow this file, or None.

    Record-level data sets need level ``record``; aggregate data sets need ``aggregate`` or
    ``record`` (a record-level member may also send counts); ``none`` allows nothing.
    """
    ds = DATA_SETS[f.data_set]
    level = sharing_level(f.jurisdiction_id, f.data_set, on)
    allowed = {"record"} if ds.sharing_level == "record" else {"aggregate", "record"}
    if level in allowed:
        return None
    reason = (
        f"{f.relative_path}: {f.jurisdiction_id} shares {f.data_set} at level '{level}' on "
        f"{on.isoformat()}; {ds.sharing_level}-level files are not accepted (rule: sharing level)"
    )
    if f.data_set in ("reviews", "improvement_opportunities") and level == "aggregate":
        reason += "; send review counts as review_summary instead"
    return reason


def record_misplaced(
    con: duckdb.DuckDBPyConnection, misplaced: list[MisplacedFile], received_at: datetime
) -> None:
    """Record the files rejected by their place in the landing zone (replacing the last scan's)."""
    ensure_schema(con)
    _exec(con, "begin transaction")
    try:
        _exec(con, f"delete from {LEDGER_TABLE} where stage = 'placement'")
        if misplaced:
            _exec(
                con,
                f"insert into {LEDGER_TABLE} ({LEDGER_COLUMNS}) values "
                + ", ".join(
                    "(?, ?, ?, null, null, ?, 'rejected', 0, ?, 'placement')" for _ in misplaced
                ),
                [
                    x
                    for m in misplaced
                    for x in (m.relative_path, m.jurisdiction_id, m.data_set, received_at, m.reason)
                ],
            )
        _exec(con, "commit")
    except BaseException:
        _exec(con, "rollback")
        raise


def load_data_set(
    con: duckdb.DuckDBPyConnection,
    data_set: str,
    files: list[SubmissionFile],
    progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Replace ``raw.<data_set>`` with the rows of ``files``; record each file in the ledger.

    A file that cannot be read, lacks a required column or holds a value that does not fit its
    column's type is rejected whole (its reason names file, row, column and rule) and the other
    files still load. Files are read together in one DuckDB scan (if that scan fails, each file is
    probed alone so one broken file cannot stop the others); the replacement of the raw table and
    the ledger rows are one transaction.
    """
    ds = DATA_SETS[data_set]
    for f in files:
        if f.data_set != data_set:
            raise ValueError(f"{f.relative_path} is not a {data_set} file")
    ensure_schema(con)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    shas = {f: f.sha256() for f in files}
    reasons: dict[SubmissionFile, str] = {}
    for f in files:
        if why := sharing_level_refusal(f, loaded_at.date()):
            reasons[f] = why
            continue
        try:
            header = _read_header(f)
        except FileRejected as e:
            reasons[f] = str(e)
            continue
        except UnicodeDecodeError as e:
            reasons[f] = f"{f.relative_path}: not UTF-8 text ({e.reason} at byte {e.start})"
            continue
        missing = [c for c in ds.required_columns if c not in header]
        if missing:
            reasons[f] = f"{f.relative_path}: required columns missing: {', '.join(missing)}"

    # Stage outside the transaction: a read error must not abort the load of the other files.
    readable = [f for f in files if f not in reasons]
    columns: list[str] = []
    if readable:
        try:
            columns = _stage(con, readable)
        except duckdb.Error:
            for f in readable:
                if why := _unreadable(con, f):
                    reasons[f] = why
            readable = [f for f in readable if f not in reasons]
            columns = _stage(con, readable) if readable else []
    if readable:
        reasons.update(_type_rejections(con, ds, readable, columns))
    good = [f for f in readable if f not in reasons]

    _exec(con, "begin transaction")
    try:
        _exec(con, f"delete from {raw_table(data_set)}")
        rows = _insert_batch(con, ds, good, columns, shas, loaded_at) if good else {}
        result = LoadResult(data_set=data_set)
        for f in files:
            reason = reasons.get(f)
            result.outcomes.append(
                FileOutcome(
                    f,
                    shas[f],
                    f.path.stat().st_size,
                    "rejected" if reason else "accepted",
                    rows_loaded=rows.get(str(f.path), 0),
                    reason=reason,
                )
            )
            if progress:
                progress(f"{f.relative_path}: {result.outcomes[-1].status}")
        _exec(con, f"delete from {LEDGER_TABLE} where data_set = ? and stage = 'load'", [data_set])
        if result.outcomes:
            _exec(
                con,
                f"insert into {LEDGER_TABLE} ({LEDGER_COLUMNS}) values "
                + ", ".join("(?, ?, ?, ?, ?, ?, ?, ?, ?, 'load')" for _ in result.outcomes),
                [
                    x
                    for o in result.outcomes
                    for x in (
                        o.file.relative_path,
                        o.file.jurisdiction_id,
                        data_set,
                        o.sha256,
                        o.size_bytes,
                        loaded_at,
                        o.status,
                        o.rows_loaded,
                        o.reason,
                    )
                ],
            )
        _exec(con, "commit")
    except BaseException:
        _exec(con, "rollback")
        raise
    finally:
        _exec(con, "drop table if exists _batch")
    return result
