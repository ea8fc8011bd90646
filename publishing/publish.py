"""The published warehouse: a DuckDB file of the BI-facing tables, and the same tables as Parquet,
switched in atomically.

Layout under ``NPCS_PUBLISHED`` (default ``data/published``)::

    npcs.duckdb -> current/npcs.duckdb       the stable path analysts and BI tools open read-only
    current -> versions/<version>            switched by one rename: the publish's commit point
    versions/<version>/npcs.duckdb           the published tables, small-cell suppression applied
    versions/<version>/parquet/<schema>/<table>.parquet
    versions/<version>/manifest.json         tables, row counts, Parquet checksums, the source

A publish builds a new version in ``versions/.building-<version>`` (nothing reads it), renames it
into place complete, then points ``current`` at it with one ``rename`` of a symbolic link. So:

- readers never see a half-published state: a path resolves to the old version or the new one;
- readers never block a refresh: a reader holds the old version's file, which nothing writes
  again; the next publish writes a new file beside it (DuckDB's lock is per file);
- a reader sees the old state until it reopens the path, then the new one;
- a publish killed at any point leaves ``current`` on the last complete version; the next publish
  removes the half-built folder. Old versions beyond the last ``KEEP_VERSIONS`` are removed (a
  reader still holding one keeps reading it: the file system frees it when the reader closes).

Every published table is also in ``meta.publication_tables``; ``meta.publication`` says which
version, when, and from which refresh — a reader can tell which state it sees.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:  # a frame is built by the suppression; loading the code location needs no pandas
    import pandas as pd

FILE_NAME = "npcs.duckdb"
KEEP_VERSIONS = 3


@dataclass(frozen=True)
class PublishedTable:
    """One table as readers get it: already suppressed (``publishing.suppression``)."""

    schema: str
    name: str
    frame: pd.DataFrame
    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # column -> description
    # column -> DuckDB type: the source mart's, so that a column the suppression left all NULL
    # keeps its type (a frame would make it type NULL)
    types: dict[str, str] = field(default_factory=dict)
    # what suppression cost the table (publishing.suppression.Loss); None for a table published
    # without the catalog
    loss: Any = None

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"

    def select(self, view: str) -> str:
        """SELECT of the frame registered as ``view``, each column in its mart's type."""
        columns = ", ".join(
            f'cast("{c}" as {self.types[c]}) as "{c}"' if c in self.types else f'"{c}"'
            for c in self.frame.columns
        )
        return f'select {columns} from "{view}"'


# meta.publication_tables: what suppression cost each table, in cells only. The sum of the
# hidden counts (Loss.count_hidden) is not published: with the published cells it is one more
# identity over the hidden ones, which could give one back.
LOSS_COLUMNS = (
    ("count_cells", "bigint", "count cells of the table before suppression"),
    ("suppressed_cells", "bigint", "count cells published as NULL (small, or protecting one)"),
    ("share_of_cells_hidden", "double", "suppressed_cells / count_cells"),
    ("rate_cells", "bigint", "rate, percentage and mean cells before suppression"),
    ("rates_suppressed", "bigint", "rate cells published as NULL (built on a hidden count)"),
)


def loss_values(loss) -> list:
    """The LOSS_COLUMNS of one table (NULLs without a loss)."""
    if loss is None:
        return [None] * len(LOSS_COLUMNS)
    return [
        loss.count_cells,
        loss.suppressed_cells,
        loss.share_of_cells,
        loss.rate_cells,
        loss.rates_suppressed,
    ]


def write_parquet(table: PublishedTable, path: Path) -> None:
    """One published table as Parquet, in its mart's column types (outside a publication: a
    release's shareable part)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.register("_frame", table.frame)
        con.execute(f"copy ({table.select('_frame')}) to '{sql_path(path)}' (format parquet)")
    finally:
        con.close()


@dataclass(frozen=True)
class Publication:
    version: str
    root: Path
    path: Path  # the version's DuckDB file
    manifest: dict[str, Any]


def current_path(root: Path) -> Path:
    """The stable path readers open (read-only): ``<root>/npcs.duckdb``."""
    return Path(root) / FILE_NAME


def current_version(root: Path) -> str | None:
    link = Path(root) / "current"
    return Path(os.readlink(link)).name if link.is_symlink() else None


def publish(
    tables: Iterable[PublishedTable],
    root: Path,
    source: dict[str, Any],
    extras: Callable[[Path, str], Any] | None = None,
) -> Publication:
    """Build a new version of the published warehouse from ``tables`` and switch it in.

    ``extras(folder, version)`` adds more files to the version before it is switched in (the
    member extract packages), so they appear and disappear with the tables they match."""
    root = Path(root)
    versions = root / "versions"
    versions.mkdir(parents=True, exist_ok=True)
    _remove_half_built(versions)
    now = datetime.now(UTC).replace(tzinfo=None)
    version = now.strftime("%Y%m%dT%H%M%S%fZ")
    building = versions / f".building-{version}"
    building.mkdir()
    try:
        manifest = _build(list(tables), building, version, now, source)
        if extras is not None:
            extras(building, version)
        final = versions / version
        os.replace(building, final)
        _fsync_dir(versions)
        _switch(root, final)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    _remove_old(versions, keep=KEEP_VERSIONS)
    return Publication(version=version, root=root, path=final / FILE_NAME, manifest=manifest)


def _build(
    tables: list[PublishedTable], folder: Path, version: str, now: datetime, source: dict
) -> dict[str, Any]:
    path = folder / FILE_NAME
    con = duckdb.connect(str(path))
    manifest: dict[str, Any] = {
        "version": version,
        "published_at": now.isoformat(timespec="seconds") + "Z",
        "source": source,
        "tables": {},
    }
    try:
        con.execute("create schema meta")
        for t in tables:
            con.execute(f'create schema if not exists "{t.schema}"')
            view = f"_frame_{t.schema}_{t.name}"
            con.register(view, t.frame)
            try:
                con.execute(f'create table "{t.schema}"."{t.name}" as {t.select(view)}')
            finally:
                con.unregister(view)
            if t.description:
                comment = _literal(t.description)
                con.execute(f'comment on table "{t.schema}"."{t.name}" is {comment}')
            for column, text in t.columns.items():
                if column in t.frame.columns and text:
                    con.execute(
                        f'comment on column "{t.schema}"."{t.name}"."{column}" is {_literal(text)}'
                    )
        con.execute(
            "create table meta.publication as select ?::varchar as version, "
            "?::timestamp as published_at, ?::varchar as source",
            [version, now, json.dumps(source, sort_keys=True, default=str)],
        )
        con.execute(
            "comment on table meta.publication is "
            "'Which publication this file is: its version, when, and from which refresh.'"
        )
        loss_cols = ", ".join(f"{name} {kind}" for name, kind, _ in LOSS_COLUMNS)
        con.execute(
            "create table meta.publication_tables (table_schema varchar, table_name varchar, "
            f"row_count bigint, description varchar, {loss_cols})"
        )
        con.execute(
            "comment on table meta.publication_tables is 'Every published table, its rows, and "
            "what the small-cell suppression cost it (cells and share of the counts hidden).'"
        )
        for name, _, text in LOSS_COLUMNS:
            con.execute(f"comment on column meta.publication_tables.{name} is {_literal(text)}")
        marks = ", ".join("?" for _ in range(4 + len(LOSS_COLUMNS)))
        for t in tables:
            con.execute(
                f"insert into meta.publication_tables values ({marks})",
                [t.schema, t.name, len(t.frame), t.description, *loss_values(t.loss)],
            )
        con.execute("checkpoint")
        for t in tables:
            out = folder / "parquet" / t.schema / f"{t.name}.parquet"
            out.parent.mkdir(parents=True, exist_ok=True)
            con.execute(f'copy "{t.schema}"."{t.name}" to \'{sql_path(out)}\' (format parquet)')
            manifest["tables"][t.relation] = {
                "rows": len(t.frame),
                "parquet": out.relative_to(folder).as_posix(),
                "parquet_sha256": hashlib.sha256(out.read_bytes()).hexdigest(),
            }
    finally:
        con.close()
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    for p in folder.rglob("*"):
        if p.is_file():
            _fsync_file(p)
    return manifest


def _switch(root: Path, final: Path) -> None:
    """Point ``current`` at ``final`` (relative link, one rename), and make sure the stable file
    path goes through ``current``."""
    tmp = root / f".current-{final.name}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(Path("versions") / final.name)
    os.replace(tmp, root / "current")
    stable = current_path(root)
    if not stable.is_symlink():
        tmp_file = root / f".{FILE_NAME}-link"
        tmp_file.unlink(missing_ok=True)
        tmp_file.symlink_to(Path("current") / FILE_NAME)
        os.replace(tmp_file, stable)
    parquet = root / "parquet"
    if not parquet.is_symlink():
        tmp_dir = root / ".parquet-link"
        tmp_dir.unlink(missing_ok=True)
        tmp_dir.symlink_to(Path("current") / "parquet")
        os.replace(tmp_dir, parquet)
    _fsync_dir(root)


def _remove_half_built(versions: Path) -> None:
    for p in versions.glob(".building-*"):
        shutil.rmtree(p, ignore_errors=True)


def _remove_old(versions: Path, keep: int) -> None:
    complete = sorted(p for p in versions.iterdir() if p.is_dir() and not p.name.startswith("."))
    current = versions.parent / "current"
    live = current.resolve() if current.exists() else None
    for p in complete[:-keep] if keep else complete:
        if p.resolve() != live:
            shutil.rmtree(p, ignore_errors=True)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def sql_path(path: Path) -> str:
    """A file path as a DuckDB string literal's contents."""
    return path.as_posix().replace("'", "''")


# --- from the catalog -----------------------------------------------------------------------------


def catalog_tables(
    con: duckdb.DuckDBPyConnection, earlier: Sequence[Any] = ()
) -> tuple[list[PublishedTable], dict[str, int]]:
    """Every catalog table read from the marts on ``con`` and suppressed (the one place:
    ``publishing.suppression``), with the ``earlier`` publications' models taken as known
    (``publishing.linked``), and its dbt descriptions; and how many cells each rule hid."""
    from publishing.catalog import load_catalog
    from publishing.suppression import catalog_state, information_loss

    descriptions = _column_descriptions()
    tables, hidden = [], {}
    catalog = load_catalog()
    state = catalog_state(con, catalog, earlier)  # together: the links between tables hold
    published = {t.name.split(".", 1)[1] for t in catalog.tables}
    for table in catalog.tables:
        suppressed = state.suppressed[table.name]
        for cell in suppressed.cells:
            hidden[cell.rule] = hidden.get(cell.rule, 0) + 1
        schema, name = table.name.split(".", 1)
        types = dict(
            con.execute(
                "select column_name, data_type from duckdb_columns() "
                "where schema_name = ? and table_name = ?",
                table.source.split(".", 1),
            ).fetchall()
        )
        frame, states = with_states(state.frames[table.name], table, suppressed)
        columns = {
            c: not_published(text, published)
            for c, text in descriptions.get(table.source, {}).items()
        }
        tables.append(
            PublishedTable(
                schema=schema,
                name=name,
                frame=frame,
                description=not_published(table.description, published),
                columns={**columns, **states},
                types=types,
                loss=information_loss(state.frames[table.name], table, suppressed),
            )
        )
    return tables, hidden


_MODEL_NAME = re.compile(r"\b((?:fct|agg|dim|stg|int|rpt)_[a-z0-9_]+)\b")


def not_published(text: str, published: set[str]) -> str:
    """A dbt description as the published warehouse shows it: a model it names that is not
    published (a record-level fact, an internal step) is said to be so, so that no reader looks
    for it there."""

    def mark(m: re.Match) -> str:
        name = m.group(1)
        return name if name in published else f"{name} (not in the published warehouse)"

    return _MODEL_NAME.sub(mark, text or "")


STATE_SUFFIX = "_state"
PUBLISHED, SUPPRESSED, NOT_AVAILABLE = "published", "suppressed", "not available"


def with_states(mart: pd.DataFrame, table: Any, suppressed: Any) -> tuple[pd.DataFrame, dict]:
    """The published frame with, after its columns, one ``<column>_state`` per count and rate:
    ``published``, ``suppressed`` (small-cell rule: a count from 1 to the threshold, a cell
    protecting one, or a rate built on one) or ``not available`` (the mart has no value) — so
    that a sum over a column can tell what it leaves out. The primary and the complementary rule
    are not told apart here (that would say which hidden counts are small). Returns the frame
    and the new columns' descriptions."""
    frame = suppressed.frame.copy()
    hidden: dict[str, set[int]] = {}
    for cell in suppressed.cells:
        hidden.setdefault(cell.column, set()).add(cell.row)
    states: dict[str, str] = {}
    for column in [*table.counts, *(r.column for r in table.rates)]:
        if column not in frame.columns:
            continue
        name = column + STATE_SUFFIX
        missing = mart[column].isna().tolist()
        rows = hidden.get(column, set())
        frame[name] = [
            NOT_AVAILABLE if missing[pos] else SUPPRESSED if pos in rows else PUBLISHED
            for pos in range(len(frame))
        ]
        states[name] = (
            f"Why {column} is shown or not: '{PUBLISHED}'; '{SUPPRESSED}' (the small-cell rule: "
            f"a count from 1 to the member's threshold, a count hidden so that one cannot be "
            f"worked out, or a rate built on a hidden count); '{NOT_AVAILABLE}' (no value). "
            f"A sum over {column} leaves out the '{SUPPRESSED}' rows: count them first."
        )
    return frame, states


def _column_descriptions() -> dict[str, dict[str, str]]:
    """``schema.table`` -> column -> description, from the dbt manifest (dbt's own rendering of
    the yml descriptions and doc blocks)."""
    from orchestration.defs.dbt_project import MANIFEST_PATH

    manifest = json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))
    out: dict[str, dict[str, str]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") == "model":
            out[f"{node['schema']}.{node['name']}"] = {
                c: (v.get("description") or "") for c, v in (node.get("columns") or {}).items()
            }
    return out
