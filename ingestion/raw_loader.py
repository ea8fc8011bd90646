"""Load canonical submission files into the raw schema (``raw.<data set>``).

One table per data set: the canonical columns in contract order, typed, then the lineage columns
(jurisdiction, source file, row number in the file, file sha256, load time). Each refresh of a
data set replaces its rows with the current landing-zone files in one transaction, so a failure
leaves the previous raw state in place. Every file seen is recorded in ``raw.submission_ledger``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb

from ingestion.core_data_set import DATA_SETS, LINEAGE_COLUMNS, DataSet
from ingestion.landing import SubmissionFile

RAW_SCHEMA = "raw"
LEDGER_TABLE = f"{RAW_SCHEMA}.submission_ledger"


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


def raw_table(data_set: str) -> str:
    return f"{RAW_SCHEMA}.{data_set}"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw schema, one table per data set, and the ledger (idempotent)."""
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for ds in DATA_SETS.values():
        cols = [f"{c.name} {c.duckdb_type}" for c in ds.columns]
        cols += [f"{name} {typ}" for name, typ in LINEAGE_COLUMNS]
        con.execute(f"create table if not exists {raw_table(ds.name)} ({', '.join(cols)})")
    con.execute(
        f"""
        create table if not exists {LEDGER_TABLE} (
            source_file varchar, jurisdiction_id varchar, data_set varchar, file_sha256 varchar,
            size_bytes bigint, received_at timestamp, status varchar, rows_loaded integer,
            reason varchar
        )
        """
    )


def _select_canonical(ds: DataSet, header: list[str]) -> str:
    """The SELECT list that casts a file's text columns into the raw table's types."""
    exprs = []
    for c in ds.columns:
        if c.name in header:
            exprs.append(f'cast(nullif(trim("{c.name}"), \'\') as {c.duckdb_type}) as {c.name}')
        else:
            exprs.append(f"cast(null as {c.duckdb_type}) as {c.name}")
    return ", ".join(exprs)


def _check_types(
    con: duckdb.DuckDBPyConnection, ds: DataSet, f: SubmissionFile, header: list[str]
) -> None:
    """Reject the file, naming row and column, when a value does not fit its column's type."""
    typed = [c for c in ds.columns if c.name in header and c.duckdb_type != "VARCHAR"]
    if not typed:
        return
    probes = []
    for c in typed:
        bad = (
            f"nullif(trim(\"{c.name}\"), '') is not null "
            f"and try_cast(trim(\"{c.name}\") as {c.duckdb_type}) is null"
        )
        probes.append(f"count(*) filter (where {bad})")
        probes.append(f"min(rn) filter (where {bad})")
    row = con.execute(
        f"select {', '.join(probes)} from (select *, row_number() over () + 1 as rn from _submission)"
    ).fetchone()
    for i, c in enumerate(typed):
        n_bad, first_row = row[2 * i], row[2 * i + 1]
        if n_bad:
            raise FileRejected(
                f"{f.relative_path}: row {first_row}, column {c.name}: value is not a valid "
                f"{c.type} ({n_bad} row(s) affected; rule: type)"
            )


def _load_file(
    con: duckdb.DuckDBPyConnection, ds: DataSet, f: SubmissionFile, sha: str, loaded_at: datetime
) -> int:
    try:
        rel = con.read_csv(str(f.path), header=True, all_varchar=True)
        header = [h.strip().lower() for h in rel.columns]
    except duckdb.Error as e:
        raise FileRejected(f"{f.relative_path}: unreadable as CSV ({e})") from e
    if rel.columns != header:
        rel = rel.project(", ".join(f'"{a}" as "{b}"' for a, b in zip(rel.columns, header)))
    missing = [c for c in ds.required_columns if c not in header]
    if missing:
        raise FileRejected(f"{f.relative_path}: required columns missing: {', '.join(missing)}")
    con.register("_submission", rel)
    try:
        _check_types(con, ds, f, header)
        before = con.execute(f"select count(*) from {raw_table(ds.name)}").fetchone()[0]
        con.execute(
            f"""
            insert into {raw_table(ds.name)}
            select {_select_canonical(ds, header)},
                   ? as jurisdiction_id, ? as source_file,
                   cast(row_number() over () + 1 as integer) as source_row_number,
                   ? as file_sha256, ? as loaded_at
            from _submission
            """,
            [f.jurisdiction_id, f.relative_path, sha, loaded_at],
        )
        after = con.execute(f"select count(*) from {raw_table(ds.name)}").fetchone()[0]
    finally:
        con.unregister("_submission")
    return after - before


def load_data_set(
    con: duckdb.DuckDBPyConnection,
    data_set: str,
    files: list[SubmissionFile],
    progress: Callable[[str], None] | None = None,
) -> LoadResult:
    """Replace ``raw.<data_set>`` with the rows of ``files``; record each file in the ledger.

    A file that cannot be read or cast is rejected whole (with its reason in the ledger) and the
    other files still load. The replacement is one transaction.
    """
    ds = DATA_SETS[data_set]
    ensure_schema(con)
    result = LoadResult(data_set=data_set)
    loaded_at = datetime.now(UTC).replace(tzinfo=None)
    con.execute("begin transaction")
    try:
        con.execute(f"delete from {raw_table(data_set)}")
        for f in files:
            if f.data_set != data_set:
                raise ValueError(f"{f.relative_path} is not a {data_set} file")
            sha, size = f.sha256(), f.path.stat().st_size
            try:
                rows = _load_file(con, ds, f, sha, loaded_at)
                result.outcomes.append(FileOutcome(f, sha, size, "accepted", rows_loaded=rows))
            except FileRejected as e:
                con.execute(
                    f"delete from {raw_table(data_set)} where source_file = ?", [f.relative_path]
                )
                result.outcomes.append(FileOutcome(f, sha, size, "rejected", reason=str(e)))
            if progress:
                progress(f"{f.relative_path}: {result.outcomes[-1].status}")
        con.execute(f"delete from {LEDGER_TABLE} where data_set = ?", [data_set])
        con.executemany(
            f"insert into {LEDGER_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [o.file.relative_path, o.file.jurisdiction_id, data_set, o.sha256, o.size_bytes,
                 loaded_at, o.status, o.rows_loaded, o.reason]
                for o in result.outcomes
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return result
