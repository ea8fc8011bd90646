"""Load submission files into the raw schema: ledger, history, quarantine, privacy firewall.

For each data set, every file placed in the landing zone goes through the same steps:

1. **Seen before?** A file whose path and sha256 are already in ``raw.submission_ledger`` changes
   nothing (the same bytes submitted again).
2. **Allowed?** The jurisdiction's sharing level for the data set on the day of receipt.
3. **Read** into text columns: canonical UTF-8 comma CSVs of a data set in one DuckDB scan; any
   other file (another encoding or delimiter, XLSX, JSON, a jurisdiction layout) through
   :mod:`ingestion.readers`.
4. **Privacy firewall**: columns that hold personal identifiers, by header or by values, are
   dropped before anything is written (the ledger keeps only the column name and why).
5. **Map** to the canonical columns (:mod:`ingestion.layouts`; identity for canonical files).
6. **Validate** every row (:mod:`ingestion.validation`): rows that break a rule go to
   ``raw.quarantine`` with file, row, column, rule and the (masked) value; good rows load. A row
   the reader could not read because it does not fit the header (a CSV row with more or fewer
   values than the header has columns, an XLSX value under no header name) goes there too, as
   one entry with column ``(row)``, the reader's reason as rule and no value: its cells are never
   stored.

Raw tables keep every version: each loaded row carries its ``submission_id`` (the ledger row of
its file version), and staging reads the latest version of each key. IO narratives never enter a
raw table: they are kept, with identifier patterns redacted, only in ``restricted.io_narratives``.
The writes of one load (ledger rows, raw rows, quarantine, narratives) are one transaction, so a
crash mid-load leaves nothing of it.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from ingestion import privacy, pseudonyms, vocabulary
from ingestion.core_data_set import DATA_SETS, LINEAGE_COLUMNS, DataSet
from ingestion.landing import MisplacedFile, SubmissionFile
from ingestion.layouts import LayoutError, layout_for
from ingestion.reference import shares_narratives, sharing_level
from ingestion.validation import (
    find_violations,
    normalized,
    register_function,
    replace_undeclared_labels,
    typed,
)

RAW_SCHEMA = "raw"
RESTRICTED_SCHEMA = "restricted"
LEDGER_TABLE = f"{RAW_SCHEMA}.submission_ledger"
QUARANTINE_TABLE = f"{RAW_SCHEMA}.quarantine"
NARRATIVES_TABLE = f"{RESTRICTED_SCHEMA}.io_narratives"
RESTRICTED_COLUMNS = {"improvement_opportunities": ("narrative",)}
PRIVACY_SAMPLE_ROWS = 50
LEDGER_COLUMNS = (
    "submission_id, source_file, jurisdiction_id, data_set, file_sha256, size_bytes, "
    "received_at, status, rows_read, rows_loaded, rows_quarantined, reason, dropped_columns, stage"
)


class FileRejected(Exception):
    """A whole file could not be loaded; the message names the file and the reason."""


@dataclass
class FileOutcome:
    file: SubmissionFile
    sha256: str
    size_bytes: int
    status: str  # accepted | accepted_with_rejected_rows | rejected | unchanged
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reason: str | None = None
    dropped_columns: list[dict] = field(default_factory=list)
    submission_id: int | None = None


@dataclass
class LoadResult:
    data_set: str
    outcomes: list[FileOutcome] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(o.rows_loaded for o in self.outcomes)

    @property
    def rows_quarantined(self) -> int:
        return sum(o.rows_quarantined for o in self.outcomes)

    @property
    def rejected(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status == "rejected"]

    @property
    def jurisdictions(self) -> list[str]:
        return sorted(
            {o.file.jurisdiction_id for o in self.outcomes if o.status.startswith("accepted")}
        )


def _exec(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list:
    """Run a statement to completion (DuckDB 2 refuses new work while a result is unfetched)."""
    return con.execute(sql, params or []).fetchall()


def raw_table(data_set: str) -> str:
    return f"{RAW_SCHEMA}.{data_set}"


def raw_columns(ds: DataSet) -> list[str]:
    """The canonical columns a raw table holds (restricted free text is kept elsewhere)."""
    return [c for c in ds.column_names if c not in RESTRICTED_COLUMNS.get(ds.name, ())]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and restricted schemas, their tables and the ledger (idempotent)."""
    _exec(con, f"create schema if not exists {RAW_SCHEMA}")
    _exec(con, f"create schema if not exists {RESTRICTED_SCHEMA}")
    for ds in DATA_SETS.values():
        cols = [f"{c.name} {c.duckdb_type}" for c in ds.columns if c.name in raw_columns(ds)]
        cols += [f"{name} {typ}" for name, typ in LINEAGE_COLUMNS]
        _exec(con, f"create table if not exists {raw_table(ds.name)} ({', '.join(cols)})")
    _exec(con, "create sequence if not exists raw.submission_seq start 1")
    _exec(
        con,
        f"""
        create table if not exists {LEDGER_TABLE} (
            submission_id bigint, source_file varchar, jurisdiction_id varchar, data_set varchar,
            file_sha256 varchar, size_bytes bigint, received_at timestamp, status varchar,
            rows_read integer, rows_loaded integer, rows_quarantined integer, reason varchar,
            dropped_columns varchar, stage varchar
        )
        """,
    )
    _exec(
        con,
        f"""
        create table if not exists {QUARANTINE_TABLE} (
            submission_id bigint, source_file varchar, jurisdiction_id varchar, data_set varchar,
            source_row_number integer, column_name varchar, rule varchar,
            row_loaded boolean, value_class varchar
        )
        """,
    )
    # row_loaded: false for a row kept out of raw; true for a note on a row that loaded with a
    # value replaced (an undeclared org unit loaded as 'other'). Warehouses made before it have
    # only rows kept out.
    _exec(
        con,
        f"alter table {QUARANTINE_TABLE} add column if not exists row_loaded boolean default false",
    )
    # value_class: what is kept of the offending value (privacy.value_class), never the value.
    # A warehouse made before kept a masked value: it becomes its class, and the column goes.
    _exec(con, f"alter table {QUARANTINE_TABLE} add column if not exists value_class varchar")
    if "value" in _header_of(con, QUARANTINE_TABLE):
        register_function(con, "npcs_value_class", privacy.value_class, arguments=2)
        _exec(
            con,
            f"update {QUARANTINE_TABLE} set value_class = npcs_value_class(value, column_name)",
        )
        _exec(con, f"alter table {QUARANTINE_TABLE} drop column value")
    _exec(
        con,
        f"""
        create table if not exists {NARRATIVES_TABLE} (
            jurisdiction_id varchar, io_id varchar, submission_id bigint,
            narrative_redacted varchar
        )
        """,
    )
    # The quality gates' tables and the ledger's gate columns (quality_checks/store.py).
    from quality_checks.store import ensure_quality_schema

    ensure_quality_schema(con)


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
        for m in misplaced:
            _exec(
                con,
                f"insert into {LEDGER_TABLE} ({LEDGER_COLUMNS}) values "
                "(null, ?, ?, ?, null, null, ?, 'rejected', 0, 0, 0, ?, null, 'placement')",
                [m.relative_path, m.jurisdiction_id, m.data_set, received_at, m.reason],
            )
        _exec(con, "commit")
    except BaseException:
        _exec(con, "rollback")
        raise


def record_load_failure(
    con: duckdb.DuckDBPyConnection,
    data_set: str,
    files: list[SubmissionFile],
    error: BaseException,
    received_at: datetime | None = None,
) -> list[FileOutcome]:
    """Record files whose load failed on an unexpected error (nothing of them was stored).

    The ledger rows have stage ``failed``, not ``load``: the same bytes are tried again on the
    next run rather than counted as already seen. Only the error's type is recorded — its message
    could quote a value from the file.
    """
    ensure_schema(con)
    received_at = received_at or datetime.now(UTC).replace(tzinfo=None)
    outcomes = []
    for f in files:
        o = FileOutcome(
            f,
            f.sha256(),
            f.path.stat().st_size,
            "rejected",
            reason=(
                f"{f.relative_path}: could not be loaded because of an internal error "
                f"({type(error).__name__}); nothing of it was stored and it will be tried again "
                "on the next run. The partnership's data team has been alerted."
            ),
        )
        outcomes.append(o)
        _exec(
            con,
            f"insert into {LEDGER_TABLE} ({LEDGER_COLUMNS}) values "
            "(null, ?, ?, ?, ?, ?, ?, 'rejected', 0, 0, 0, ?, null, 'failed')",
            [
                f.relative_path,
                f.jurisdiction_id,
                data_set,
                o.sha256,
                o.size_bytes,
                received_at,
                o.reason,
            ],
        )
    return outcomes


# --- reading -----------------------------------------------------------------------------------


def _is_plain_canonical_csv(f: SubmissionFile) -> bool:
    """A file for the one-scan fast path: a CSV with no jurisdiction layout, valid UTF-8 without a
    BOM throughout, no blank line inside, and a comma-separated header of distinct canonical
    column names of its data set spelled exactly.

    Anything else (another encoding, delimiter or spelling of the header, extra or repeated
    columns, blank lines) is read alone by :mod:`ingestion.readers`, which reads it or rejects it
    with a reason: the fast path must not read a file differently from the reader.
    """
    from ingestion.layouts import layout_for
    from ingestion.readers import UnreadableFile, _reject_non_text, _scan_utf8

    if f.path.suffix.lower() != ".csv" or layout_for(f.jurisdiction_id, f.data_set) is not None:
        return False
    with f.path.open("rb") as fh:
        head = fh.read(1 << 16)
    if not head or head.startswith(b"\xef\xbb\xbf"):
        return False
    try:
        _reject_non_text(head, None)
    except UnreadableFile:
        return False
    scan = _scan_utf8(f.path)
    if scan.bad_offset is not None or scan.blank_lines:
        return False
    try:
        header = _csv_header(f, strip=False)
    except (FileRejected, csv.Error, UnicodeDecodeError):
        return False
    names = set(DATA_SETS[f.data_set].column_names)
    return len(set(header)) == len(header) and all(h in names for h in header)


def _header_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"select name from pragma_table_info('{table}')").fetchall()]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class _Staged:
    """Where one file's rows are, before mapping: a temp table and a filter selecting them."""

    table: str
    where: str
    header: list[str]
    # Rows the reader left out because they do not fit the header: (row number, rule).
    ragged_rows: list[tuple[int, str]] = field(default_factory=list)


def _stage_plain(
    con: duckdb.DuckDBPyConnection, files: list[SubmissionFile]
) -> dict[SubmissionFile, _Staged]:
    """Read canonical CSVs in one scan into ``_plain`` (all text, plus filename and row number).

    Files are read with the reader's explicit options (no sniffing, strict, no padding), one
    ``read_csv`` per distinct header into one table; rows are numbered as the reader numbers
    them, and rows with no value at all are skipped after numbering, as the reader does. A
    malformed file makes this raise ``duckdb.Error``.
    """
    from ingestion.readers import _insertion_order_kept

    groups: dict[tuple[str, ...], list[SubmissionFile]] = defaultdict(list)
    headers = {f: _csv_header(f) for f in files}
    for f in files:
        groups[tuple(headers[f])].append(f)
    union = list(dict.fromkeys(h for header in groups for h in header))
    text = ", ".join(f"{_q(h)} varchar" for h in union)
    _exec(con, f"create or replace temp table _plain ({text}, filename varchar)")
    with _insertion_order_kept(con):
        for header, group in groups.items():
            spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header)))
            cols = ", ".join(f"c{i} as {_q(h)}" for i, h in enumerate(header))
            _exec(
                con,
                f"insert into _plain by name select {cols}, filename "
                f"from read_csv(?, header = true, auto_detect = false, columns = {{{spec}}}, "
                "delim = ',', quote = '\"', escape = '\"', strict_mode = true, "
                "null_padding = false, filename = true)",
                [[str(f.path) for f in group]],
            )
    # A table's rowid is its insertion order: each file's records went in together, in file
    # order, so a record's row number is its distance from the first record of its file.
    # (row_number() over (partition by filename) has no order of its own: on large files it
    # numbered rows in whatever order the parallel scan delivered them.)
    _exec(con, "alter table _plain add column _row_number integer")
    _exec(
        con,
        """
        update _plain set _row_number = cast(_plain.rowid - f.first + 2 as integer)
        from (select filename, min(rowid) as first from _plain group by filename) f
        where _plain.filename = f.filename
        """,
    )
    _exec(con, f"delete from _plain where coalesce({', '.join(_q(h) for h in union)}) is null")
    return {f: _Staged("_plain", "filename = " + _lit(str(f.path)), headers[f]) for f in files}


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _csv_header(f: SubmissionFile, strip: bool = True) -> list[str]:
    with f.path.open(newline="", encoding="utf-8") as fh:
        first = next(csv.reader(fh), None)
    if not first:
        raise FileRejected(f"{f.relative_path}: empty file (no header row)")
    return [h.strip() for h in first] if strip else first


def _stage_one(con: duckdb.DuckDBPyConnection, f: SubmissionFile, index: int) -> _Staged:
    """Read any other file (encoding, delimiter, XLSX, JSON, layout) into its own temp table."""
    from ingestion.layouts import layout_for
    from ingestion.readers import ReadOptions, UnreadableFile, read_submission

    layout = layout_for(f.jurisdiction_id, f.data_set)
    mapped = set(DATA_SETS[f.data_set].column_names) | _layout_headers(f)
    options = ReadOptions(
        format=getattr(layout, "format", None),
        encoding=getattr(layout, "encoding", None),
        delimiter=getattr(layout, "delimiter", None),
        sheet=getattr(layout, "sheet", None),
        header_check=lambda header: privacy.header_looks_like_data(header, f.data_set, mapped),
    )
    table = f"_file_{index}"
    try:
        result = read_submission(con, f.path, options, table=table)
    except UnreadableFile as e:
        # A reader's message may quote a header cell: only what passes the detector is shown.
        # A reader's message may quote a header cell or a sheet name: only names whose every
        # word is in the vocabulary stay (ingestion/vocabulary.py), the detector after that.
        raise FileRejected(
            f"{f.relative_path}: {vocabulary.scrub_message(str(e), f.jurisdiction_id)}"
        ) from e
    return _Staged(table, "true", list(result.columns), list(result.ragged_rows))


# --- privacy, mapping, staging into the canonical batch -----------------------------------------


def _samples(
    con: duckdb.DuckDBPyConnection, staged: dict[SubmissionFile, _Staged]
) -> dict[SubmissionFile, dict[str, list]]:
    """The first rows of every staged file, per column, for the privacy firewall to look at.

    Files read together (``_plain``) are sampled in one query; files read alone, one each.
    """
    out: dict[SubmissionFile, dict[str, list]] = {}
    plain = {str(f.path): f for f, st in staged.items() if st.table == "_plain"}
    if plain:
        union = [c for c in _header_of(con, "_plain") if c not in ("filename", "_row_number")]
        cols = ", ".join(_q(c) for c in union)
        rows = con.execute(
            f"select filename, {cols} from _plain "  # rows 2.. are the file's first data rows
            f"where _row_number < {PRIVACY_SAMPLE_ROWS + 2} order by filename, _row_number"
        ).fetchall()
        grouped: dict[str, list] = defaultdict(list)
        for r in rows:
            grouped[r[0]].append(r[1:])
        for path, f in plain.items():
            idx = {c: i for i, c in enumerate(union)}
            out[f] = {h: [r[idx[h]] for r in grouped[path]] for h in staged[f].header}
    for f, st in staged.items():
        if st.table == "_plain":
            continue
        if not st.header:  # a JSON file with no records has no columns
            out[f] = {}
            continue
        cols = ", ".join(f"cast({_q(h)} as varchar)" for h in st.header)
        rows = con.execute(
            f"select {cols} from {st.table} where {st.where} limit {PRIVACY_SAMPLE_ROWS}"
        ).fetchall()
        out[f] = {h: [r[i] for r in rows] for i, h in enumerate(st.header)}
    return out


def _canonical_select(f: SubmissionFile, header: list[str]) -> str:
    """SELECT list producing the canonical columns as text (through the layout, if any)."""
    from ingestion.layouts import canonical_select, layout_for

    select, _notes = canonical_select(layout_for(f.jurisdiction_id, f.data_set), f.data_set, header)
    return select


# --- the load --------------------------------------------------------------------------------


def load_data_set(
    con: duckdb.DuckDBPyConnection,
    data_set: str,
    files: list[SubmissionFile],
    progress: Callable[[str], None] | None = None,
    received_at: datetime | None = None,
    key: bytes | None = None,
    values_shown: dict[tuple[str, int, str], str] | None = None,
) -> LoadResult:
    """Load the new file versions of one data set; see the module docstring for the steps.

    ``key`` is the pseudonym key (:mod:`ingestion.pseudonyms`); by default the partnership's,
    which must be the one the warehouse's stored pseudonyms were made with.

    ``values_shown``, only for ``npcs validate`` (a coordinator checking their own file on their
    own machine, nothing stored): filled with each offending value as the file holds it, by
    (file, row, column) — record ids excepted (they are pseudonyms by then).
    """
    ds = DATA_SETS[data_set]
    for f in files:
        if f.data_set != data_set:
            raise ValueError(f"{f.relative_path} is not a {data_set} file")
    ensure_schema(con)
    key = pseudonyms.load_key() if key is None else key
    pseudonyms.install(con, key)
    try:
        pseudonyms.ensure_warehouse_key(con, key)
        return _load(con, ds, files, progress, received_at, values_shown)
    finally:
        pseudonyms.uninstall(con)


def _load(
    con: duckdb.DuckDBPyConnection,
    ds: DataSet,
    files: list[SubmissionFile],
    progress: Callable[[str], None] | None,
    received_at: datetime | None,
    values_shown: dict[tuple[str, int, str], str] | None,
) -> LoadResult:
    data_set = ds.name
    received_at = received_at or datetime.now(UTC).replace(tzinfo=None)
    result = LoadResult(data_set=data_set)
    seen = {
        (p, s)
        for p, s in con.execute(
            f"select source_file, file_sha256 from {LEDGER_TABLE} "
            "where stage = 'load' and data_set = ?",
            [data_set],
        ).fetchall()
    }
    outcomes: dict[SubmissionFile, FileOutcome] = {}
    todo: list[SubmissionFile] = []
    for f in files:
        sha = f.sha256()
        o = FileOutcome(f, sha, f.path.stat().st_size, "accepted")
        outcomes[f] = o
        if (f.relative_path, sha) in seen:
            o.status = "unchanged"
        elif why := sharing_level_refusal(f, received_at.date()):
            o.status, o.reason = "rejected", why
        else:
            todo.append(f)

    # Read: plain canonical CSVs together, the rest one by one.
    staged: dict[SubmissionFile, _Staged] = {}
    plain = []
    for f in todo:
        try:
            layout_for(f.jurisdiction_id, f.data_set)
        except LayoutError as e:  # this jurisdiction's files cannot be read; the others can
            where = str(e).replace(e.path, Path(e.path).name)
            why = f"{f.relative_path}: the jurisdiction's layout cannot be used: {where}"
            outcomes[f].status, outcomes[f].reason = "rejected", why
            continue
        if _is_plain_canonical_csv(f):
            plain.append(f)
    if plain:
        try:
            staged.update(_stage_plain(con, plain))
        except duckdb.Error:
            pass  # one of them is malformed: read each alone below to find it
    for i, f in enumerate(todo):
        if f in staged or outcomes[f].status == "rejected":
            continue
        try:
            staged[f] = _stage_one(con, f, i)
        except FileRejected as e:
            outcomes[f].status, outcomes[f].reason = "rejected", str(e)
        except Exception as e:  # noqa: BLE001 - a reader failing on a hostile file rejects it
            outcomes[f].status, outcomes[f].reason = (
                "rejected",
                f"{f.relative_path}: unreadable ({type(e).__name__})",
            )

    # Privacy, mapping, file-level checks; stage every file's canonical text into _batch.
    canonical = set(ds.column_names)
    text_cols = ", ".join(f"{_q(c)} varchar" for c in ds.column_names)
    _exec(
        con,
        f"create or replace temp table _batch ({text_cols}, _file varchar, "
        "_jurisdiction varchar, _row_number integer)",
    )
    samples = _samples(con, staged)
    # Trimmed, NULL when empty; a record id replaced by its pseudonym here, before any rule
    # runs, so the submitted id is never stored (not even in quarantine).
    # Free text (the IO narrative) only of members that share it on the day of receipt.
    has_text = any(c.type == "text" for c in ds.columns)
    shares = {
        j: shares_narratives(j, received_at.date())
        for j in ({f.jurisdiction_id for f in staged} if has_text else ())
    }
    sharing = sorted(j for j, yes in shares.items() if yes)
    norm = ", ".join(_staged_column(ds.column(c), sharing) for c in ds.column_names)
    plain_groups: dict[str, list[SubmissionFile]] = defaultdict(list)
    for f, st in staged.items():
        o = outcomes[f]
        dropped = privacy.identifier_columns(st.header, samples[f], f.data_set, canonical)
        # The ledger and feedback keep a dropped column's header only when the header itself
        # passed the identifier detector (a header that is a person's name is shown by class).
        # The ledger and feedback keep a dropped column's header only when every word of it is
        # in the vocabulary; else its position ("column 7").
        shown = {
            h: vocabulary.shown_name(h, f"column {i + 1}", f.jurisdiction_id)
            for i, h in enumerate(st.header)
        }
        o.dropped_columns = [{"column": shown[d.column], "reason": d.reason} for d in dropped]
        header = [h for h in st.header if h not in {d.column for d in dropped}]
        if has_text and not shares[f.jurisdiction_id]:
            o.dropped_columns += _unshared_text_columns(f, header)
        try:
            select = _canonical_select(f, header)
        except Exception as e:  # noqa: BLE001 - a layout that does not fit the file
            o.status, o.reason = "rejected", f"{f.relative_path}: layout does not fit ({e})"
            continue
        absent = _missing_columns(f, header)
        missing = [c for c in ds.required_columns if c in absent]
        # A JSON file with no records has no columns (and no rows): like a CSV file with only a
        # header row, it is accepted with nothing to load.
        if missing and st.header:
            o.status = "rejected"
            o.reason = f"{f.relative_path}: required columns missing: {', '.join(missing)}"
            if dropped and set(missing) - _missing_columns(f, st.header):
                o.reason += (
                    " (the privacy firewall dropped "
                    + "; ".join(f"{shown[d.column]!r}: {d.reason}" for d in dropped)
                    + ")"
                )
            hint = _looks_like(header, ds.name)
            if hint:
                o.reason += f" (this looks like a {hint} file)"
            continue
        if st.table == "_plain":  # inserted below, together with its like
            plain_groups[select].append(f)
            continue
        _exec(
            con,
            f"insert into _batch select {norm}, _file, _jurisdiction, _row_number from "
            f"(select {select}, ? as _file, ? as _jurisdiction, _row_number "
            f"from {st.table} where {st.where})",
            [f.relative_path, f.jurisdiction_id],
        )
    # Files read in one scan go into _batch in one insert per distinct column set.
    for select, group in plain_groups.items():
        _exec(
            con,
            "create or replace temp table _plain_files as select * from (values "
            + ", ".join("(?, ?, ?)" for _ in group)
            + ") v(filename, _file, _jurisdiction)",
            [x for f in group for x in (str(f.path), f.relative_path, f.jurisdiction_id)],
        )
        _exec(
            con,
            f"insert into _batch select {norm}, _file, _jurisdiction, _row_number from "
            f"(select {select}, pf._file, pf._jurisdiction, p._row_number "
            "from _plain p join _plain_files pf using (filename))",
        )
    _exec(con, "drop table if exists _plain_files")
    for st in {s.table for s in staged.values()}:
        _exec(con, f"drop table if exists {st}")

    loading = [f for f in todo if outcomes[f].status == "accepted"]
    # Per file: (column, rule) -> (rows breaking it, first row), for the ledger's reason.
    violations: dict[str, list[tuple]] = defaultdict(list)
    notes: dict[str, list[tuple]] = defaultdict(list)
    if loading:
        find_violations(con, data_set, "_batch", received_at.date())
        _add_ragged_rows(con, {f.relative_path: staged[f].ragged_rows for f in loading})
        # Undeclared org units load as 'other', each with a note (after the rules: a row kept
        # out for another reason gets no note).
        replace_undeclared_labels(con, data_set, "_batch")
        _exec(
            con,
            "delete from _notes where (_file, _row_number) in "
            "(select _file, _row_number from _violations)",
        )
        for file_, col, rule, n, first in con.execute(
            "select _file, column_name, rule, count(*), min(_row_number) from _notes "
            "group by all order by all"
        ).fetchall():
            notes[file_].append((col, rule, n, first))
        for file_, col, rule, n, first in con.execute(
            "select _file, column_name, rule, count(*), min(_row_number) from _violations "
            "group by all order by all"
        ).fetchall():
            violations[file_].append((col, rule, n, first))
        if values_shown is not None:
            ids = [c.name for c in ds.columns if c.pseudonym]
            for file_, row, col, value in con.execute(
                "select _file, _row_number, column_name, value from _violations "
                "where value is not null and not list_contains(?, column_name) "
                "union all select _file, _row_number, column_name, value from _notes "
                "where value is not null",
                [ids],
            ).fetchall():
                values_shown[(file_, row, col)] = value
    rows_read = dict(con.execute("select _file, count(*) from _batch group by _file").fetchall())
    for f in loading:  # rows the reader left out were read too, and are quarantined
        if staged[f].ragged_rows:
            rows_read[f.relative_path] = rows_read.get(f.relative_path, 0) + len(
                staged[f].ragged_rows
            )

    _exec(con, "begin transaction")
    try:
        for f in loading:
            o = outcomes[f]
            o.submission_id = _exec(con, "select nextval('raw.submission_seq')")[0][0]
        if loading:
            _exec(
                con,
                "create or replace temp table _files as select * from (values "
                + ", ".join("(?, ?, ?, ?)" for _ in loading)
                + ") v(_file, submission_id, file_sha256, _jurisdiction)",
                [
                    x
                    for f in loading
                    for x in (
                        f.relative_path,
                        outcomes[f].submission_id,
                        outcomes[f].sha256,
                        f.jurisdiction_id,
                    )
                ],
            )
            _exec(
                con,
                "create or replace temp table _bad as select distinct _file, _row_number "
                "from _violations",
            )
            cols = raw_columns(ds)
            _exec(
                con,
                f"""
                insert into {raw_table(data_set)}
                select {", ".join(f"{typed(ds.column(c))} as {_q(c)}" for c in cols)},
                       b._jurisdiction, b._file, b._row_number, fl.file_sha256, ? as loaded_at,
                       fl.submission_id
                from _batch b join _files fl using (_file)
                anti join _bad using (_file, _row_number)
                """,
                [received_at],
            )
            loaded = dict(
                con.execute(
                    f"select source_file, count(*) from {raw_table(data_set)} "
                    "where submission_id in (select submission_id from _files) group by all"
                ).fetchall()
            )
            for col in RESTRICTED_COLUMNS.get(data_set, ()):
                register_function(con, "npcs_redact", privacy.redact)
                _exec(
                    con,
                    f"""
                    insert into {NARRATIVES_TABLE}
                    select b._jurisdiction, b.io_id, fl.submission_id,
                           npcs_redact(b.{_q(col)})
                    from _batch b join _files fl using (_file)
                    anti join _bad using (_file, _row_number)
                    where nullif(trim(b.{_q(col)}), '') is not null
                    """,
                )
            # Rejected rows, in one statement: of the offending value only its class is kept
            # (privacy.value_class, once per distinct value and column), never the value.
            if violations or notes:
                register_function(con, "npcs_value_class", privacy.value_class, arguments=2)
                _exec(
                    con,
                    f"""
                    insert into {QUARANTINE_TABLE} (submission_id, source_file, jurisdiction_id,
                        data_set, source_row_number, column_name, rule, row_loaded, value_class)
                    with classes as (
                        select value, column_name,
                               npcs_value_class(value, column_name) as value_class
                        from (select distinct value, column_name from _violations
                              union select distinct value, column_name from _notes)
                    )
                    select fl.submission_id, v._file, fl._jurisdiction, ?, v._row_number,
                           v.column_name, v.rule, v.row_loaded, c.value_class
                    from (select *, false as row_loaded from _violations
                          union all by name
                          select *, true as row_loaded from _notes) v
                    join _files fl using (_file)
                    left join classes c
                        on c.column_name = v.column_name and c.value is not distinct from v.value
                    order by v._file, v._row_number, v.column_name
                    """,
                    [data_set],
                )
            for f in loading:
                o = outcomes[f]
                o.rows_read = rows_read.get(f.relative_path, 0)
                o.rows_loaded = loaded.get(f.relative_path, 0)
                o.rows_quarantined = o.rows_read - o.rows_loaded
                if o.rows_quarantined:
                    o.status = "accepted_with_rejected_rows"
                    o.reason = _summarise(violations[f.relative_path])
                if notes[f.relative_path]:
                    o.reason = "; ".join(
                        x for x in (o.reason, _summarise(notes[f.relative_path])) if x
                    )
        ledger_rows = []
        for f in files:
            o = outcomes[f]
            if f.name_note and o.status != "unchanged":
                o.reason = "; ".join(x for x in (o.reason, f.name_note) if x)
            result.outcomes.append(o)
            if progress:
                progress(f"{f.relative_path}: {o.status}")
            if o.status != "unchanged":
                ledger_rows.append(
                    [
                        o.submission_id,
                        f.relative_path,
                        f.jurisdiction_id,
                        data_set,
                        o.sha256,
                        o.size_bytes,
                        received_at,
                        o.status,
                        o.rows_read,
                        o.rows_loaded,
                        o.rows_quarantined,
                        o.reason,
                        json.dumps(o.dropped_columns) if o.dropped_columns else None,
                    ]
                )
        if ledger_rows:
            _exec(
                con,
                f"insert into {LEDGER_TABLE} ({LEDGER_COLUMNS}) values "
                + ", ".join("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'load')" for _ in ledger_rows),
                [x for row in ledger_rows for x in row],
            )
        _exec(con, "commit")
    except BaseException:
        _exec(con, "rollback")
        raise
    finally:
        for t in ("_batch", "_violations", "_notes", "_files", "_bad", "_plain"):
            _exec(con, f"drop table if exists {t}")
    return result


def _staged_column(column, narrative_sharers: list[str]) -> str:
    """SQL staging one canonical column into ``_batch``: trimmed and NULL when empty, a record
    id as its pseudonym (:mod:`ingestion.pseudonyms`), free text only for the members that share
    it (NULL for the others: it never reaches a table)."""
    if column.type == "text":
        members = ", ".join(_lit(j) for j in narrative_sharers)
        if not members:
            return f"cast(null as varchar) as {_q(column.name)}"
        return (
            f"case when _jurisdiction in ({members}) then nullif(trim({_q(column.name)}), '') "
            f"end as {_q(column.name)}"
        )
    if column.pseudonym is None:
        return normalized(column.name)
    value = f"nullif(trim({_q(column.name)}), '')"
    return f"{pseudonyms.sql(value, '_jurisdiction', column.pseudonym)} as {_q(column.name)}"


def _unshared_text_columns(f: SubmissionFile, header: list[str]) -> list[dict]:
    """The free-text columns (the IO narrative) the file brings although its member does not
    share them (``narrative_sharing.csv``): not kept, each with the reason, for the ledger."""
    text = [c.name for c in DATA_SETS[f.data_set].columns if c.type == "text"]
    brought = [c for c in text if c not in _missing_columns(f, header)]
    return [
        {
            "column": c,
            "reason": (
                f"not kept: {f.jurisdiction_id} does not share IO narratives "
                "(dbt_project/seeds/narrative_sharing.csv); the column was not stored"
            ),
        }
        for c in brought
    ]


def _add_ragged_rows(
    con: duckdb.DuckDBPyConnection, ragged: dict[str, list[tuple[int, str]]]
) -> None:
    """Add the rows readers left out (per file: row number, rule) to ``_violations``.

    One entry per row, with column ``(row)`` and no value: the row's cells were never read into
    the warehouse and are not stored.
    """
    from ingestion.readers import RAGGED_ROW_COLUMN

    items = [(file_, row, rule) for file_, rows in ragged.items() for row, rule in rows]
    if not items:
        return
    files, numbers, rules = (list(x) for x in zip(*items))
    _exec(
        con,
        """
        insert into _violations (_file, _row_number, column_name, rule, value)
        select unnest(?::varchar[]), unnest(?::integer[]), ?, unnest(?::varchar[]), null
        """,
        [files, numbers, RAGGED_ROW_COLUMN, rules],
    )


def _layout_headers(f: SubmissionFile) -> set[str]:
    """The source headers the jurisdiction's layout maps, ignores or reads as race flags."""
    from ingestion.layouts import layout_for

    layout = layout_for(f.jurisdiction_id, f.data_set)
    if layout is None:
        return set()
    heads = set(layout.columns) | set(layout.ignore)
    for conv in layout.conversions.values():
        heads |= set(getattr(conv, "flags", {}).values())
    return heads


def _missing_columns(f: SubmissionFile, header: list[str]) -> set[str]:
    """The canonical columns the file does not provide, directly or through its layout."""
    from ingestion.layouts import layout_for, missing_columns

    layout = layout_for(f.jurisdiction_id, f.data_set)
    return set(missing_columns(layout, f.data_set, header))


def _looks_like(header: list[str], expected: str) -> str | None:
    """The data set whose required columns the header matches best, when it is not ``expected``."""
    names = {h.strip().lower() for h in header}
    best, score = None, 0.0
    for ds in DATA_SETS.values():
        req = set(ds.required_columns)
        share = len(req & names) / len(req)
        if share > score:
            best, score = ds.name, share
    return best if best != expected and score >= 0.5 else None


def _summarise(items: list[tuple]) -> str:
    """One line per rule: how many rows broke it, and the first row."""
    return "; ".join(
        f"column {col}, rule {rule}: {n} row(s), first row {first}"
        for col, rule, n, first in sorted(items)
    )
