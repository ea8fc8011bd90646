"""The privacy canary sweep: plant identifiers in every field of every data set, in every accepted
format and in file names; after a real refresh, publication, extracts, a release and a PostgreSQL
load, scan every text column of every schema of the warehouse, the published copy and PostgreSQL,
every file the product wrote (inside zip and Parquet too), the Dagster instance (event log,
compute logs) and stdout/stderr. Zero hits — and no record id the landing zone submitted (each is
stored only as its keyed pseudonym).

The canaries and the planting are in tests/e2e/canaries.py. Every command runs as a process, as an
engineer or a coordinator runs it, with its output captured and swept too. The test reports every
hit as ``where: kind: canary`` and fails on any (and on a command that failed).
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg

from npcs.settings import REPO_ROOT
from tests.conftest import DEMO_AS_OF, copy_landing
from tests.e2e.canaries import MISPLACED, Canary, Hit, Planted, covers, find, plant
from tests.submitted_ids import submitted_ids

NPCS = [sys.executable, "-m", "npcs.cli"]

# Where a canary is by construction, not because a submission put it there — the only places
# the sweep does not count. The landing zone is the input, not product output, so it is not
# swept at all. Calendar tables list every day from date ranges, not from any submission: a date
# canary in them (a written-out date label) is not a leak.
CALENDAR_TABLES = ("common.dim_calendar", "semantic.metricflow_time_spine")


def _excluded(where: str, hit: Hit) -> bool:
    return hit.canary.kind == "date" and any(
        t in where or t.replace(".", "/") in where for t in CALENDAR_TABLES
    )


@dataclass(frozen=True)
class Site:
    """A landing zone, a warehouse, reports, releases, a Dagster home and a temp folder of their
    own, and the environment that points ``npcs`` at them."""

    root: Path
    dsn: str

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.root / "out" / "warehouse" / "npcs.duckdb"

    @property
    def published(self) -> Path:
        return self.warehouse.parent / "published" / "npcs.duckdb"

    @property
    def outputs(self) -> dict[str, Path]:
        """Every folder the product writes into, by what it is."""
        out = self.root / "out"
        return {
            "warehouse": out / "warehouse",  # the DuckDB file, published/, feedback/, logs/
            "reports": out / "reports",
            "releases": out / "releases",
            "dagster_home": out / "dagster_home",
            # TMPDIR of every command (what temp files are left behind): a short path, as
            # Chromium's sockets under TMPDIR must fit the 107-byte limit of a socket path
            "tmp": Path(tempfile.gettempdir()) / f"canary-{zlib.crc32(str(self.root).encode())}",
        }

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "NPCS_PUBLISHED"}
        o = self.outputs
        env.update(
            DAGSTER_HOME=str(o["dagster_home"]),
            NPCS_WAREHOUSE=str(self.warehouse),
            NPCS_LANDING=str(self.landing),
            NPCS_REPORTS=str(o["reports"]),
            NPCS_RELEASES=str(o["releases"]),
            NPCS_PG_DSN=self.dsn,
            TMPDIR=str(o["tmp"]),
        )
        return env


def _own_database(dsn: str, name: str = "canary_sweep") -> str:
    """A database of its own on the session's server: other tests load theirs into `npcs`."""
    with psycopg.connect(dsn.replace("dbname=npcs", "dbname=postgres"), autocommit=True) as con:
        con.execute(f"drop database if exists {name}")
        con.execute(f"create database {name}")
    return dsn.replace("dbname=npcs", f"dbname={name}")


def _setup(root: Path, demo_landing: Path, dsn: str) -> tuple[Site, list[Planted]]:
    site = Site(root, _own_database(dsn))
    for folder in site.outputs.values():
        folder.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "dagster_home" / "dagster.yaml", site.outputs["dagster_home"])
    planted = plant(copy_landing(demo_landing, site.landing))
    return site, planted


# --------------------------------------------------------------------------------------------
# Running the product
# --------------------------------------------------------------------------------------------
@dataclass
class Ran:
    label: str  # the command, with planted files named by their place in the landing zone
    returncode: int
    output: str  # stdout and stderr
    shows: Path | None = None  # the file whose own values the command may show (validate)

    def failed(self) -> str:
        last = " | ".join(self.output.strip().splitlines()[-6:])
        return f"npcs {self.label}: exit {self.returncode} ({last[:1200]})"


def _npcs(site: Site, *args: str, label: str | None = None, shows: Path | None = None) -> Ran:
    proc = subprocess.run(
        [*NPCS, *args],
        env=site.env(),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    return Ran(label or " ".join(args), proc.returncode, f"{proc.stdout}\n{proc.stderr}", shows)


def _run_everything(site: Site, planted: list[Planted]) -> tuple[list[Ran], list[str]]:
    """Refresh (publication and member extracts included), release, PostgreSQL load, gate
    status, and ``npcs validate`` on every planted file; returns what ran and what failed."""
    as_of = DEMO_AS_OF.isoformat()
    ran = [_npcs(site, "refresh", "--as-of", as_of), _npcs(site, "release", "--as-of", as_of)]
    if site.published.exists():
        pg = ["--published", str(site.published), "--record-level", str(site.warehouse)]
        ran.append(_npcs(site, "publish-postgres", *pg, label="publish-postgres"))
    ran.append(_npcs(site, "gate", "status", "--warehouse", str(site.warehouse), label="gate"))
    problems = [r.failed() for r in ran if r.returncode != 0]
    if not site.published.exists():
        problems.append("nothing was published: no PostgreSQL load")
    for p in planted:  # exit 1 (rows would be quarantined) is what these files should get
        args = [str(p.path), "--jurisdiction", p.jurisdiction, "--dataset", p.data_set]
        label = f"validate {p.path.relative_to(site.landing)}"
        ran.append(
            _npcs(
                site,
                "validate",
                *args,
                "--warehouse",
                str(site.warehouse),
                label=label,
                shows=p.path,
            )
        )
        ran.append(_npcs(site, "validate", *args, "--json", label=f"{label} --json", shows=p.path))
    return ran, problems


# --------------------------------------------------------------------------------------------
# Sweeping
# --------------------------------------------------------------------------------------------
Hits = list[tuple[str, Hit]]


# Every record id the landing zone submits (tests/submitted_ids.py): stored only as pseudonyms,
# so none may be found anywhere either, as a whole token ("RV-000001" in "CT:RV-000001").
SUBMITTED: set[str] = set()
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


def _text(where: str, text: str | None) -> Hits:
    hits = [(where, h) for h in find(text or "")]
    if SUBMITTED and text:
        for token in sorted(set(_TOKEN.findall(text)) & SUBMITTED):
            hits.append((where, Hit(Canary("submitted id", token), "as written")))
    return hits


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _relation_values(con, relation: str, where: str) -> Hits:
    """Every column of a DuckDB relation (a table, a view, a Parquet file), cast to text."""
    columns = [
        r[0]
        for r in con.execute(
            f"select column_name from (describe select * from {relation})"
        ).fetchall()
    ]
    if not columns:
        return []
    aggs = ", ".join(f"string_agg(distinct try_cast({_q(c)} as varchar), chr(10))" for c in columns)
    values = con.execute(f"select {aggs} from {relation}").fetchone()
    hits: Hits = []
    for column, value in zip(columns, values):
        hits += _text(f"{where}.{column}", value)
    return hits


def sweep_duckdb(path: Path, where: str) -> Hits:
    """Every table and view of every schema, and the catalog's own text (names, comments, view
    definitions)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        catalog = con.execute(
            "select schema_name, table_name, coalesce(comment, '') from duckdb_tables() "
            "where database_name = current_database() union all "
            "select schema_name, view_name, coalesce(comment, '') || ' ' || sql "
            "from duckdb_views() where database_name = current_database() and not internal"
        ).fetchall()
        names = con.execute(
            "select string_agg(schema_name || '.' || table_name || '.' || column_name || ' ' "
            "|| coalesce(comment, ''), chr(10)) from duckdb_columns() "
            "where database_name = current_database()"
        ).fetchone()[0]
        hits = _text(f"{where} (catalog)", "\n".join(f"{s}.{t} {c}" for s, t, c in catalog))
        hits += _text(f"{where} (column names)", names)
        for schema, table, _ in catalog:
            relation = f"{_q(schema)}.{_q(table)}"
            try:
                hits += _relation_values(con, relation, f"{where}: {schema}.{table}")
            except duckdb.Error as e:
                hits += _text(f"{where}: {schema}.{table} (unreadable)", str(e))
    finally:
        con.close()
    return hits


_PARQUET_SEEN: dict[bytes, list[tuple[str, Hit]]] = {}


def sweep_parquet(data: bytes, where: str) -> Hits:
    """Every column and the key-value metadata of a Parquet file. The same bytes are read once:
    every member extract carries the same benchmark tables."""
    digest = hashlib.sha256(data).digest()
    if digest not in _PARQUET_SEEN:
        with tempfile.NamedTemporaryFile(suffix=".parquet") as f:
            f.write(data)
            f.flush()
            con = _memory()
            meta = con.execute(
                "select string_agg(key::varchar || ' ' || value::varchar, chr(10)) "
                f"from parquet_kv_metadata('{f.name}')"
            ).fetchone()[0]
            hits = _text(" (metadata)", meta) + _relation_values(
                con, f"read_parquet('{f.name}')", ""
            )
        _PARQUET_SEEN[digest] = hits
    return [(where + suffix, h) for suffix, h in _PARQUET_SEEN[digest]]


@functools.cache
def _memory() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def sweep_sqlite(path: Path, where: str) -> Hits:
    """Every row of every table (the Dagster event log, runs, schedules, ...)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        hits: Hits = []
        tables = con.execute("select name from sqlite_master where type = 'table'").fetchall()
        for (table,) in tables:
            rows = con.execute(f"select * from {_q(table)}").fetchall()
            text = "\n".join("\t".join(_cell(v) for v in r) for r in rows)
            hits += _text(f"{where}: {table}", text)
        return hits
    finally:
        con.close()


def _cell(v) -> str:
    if v is None:
        return ""
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def sweep_bytes(data: bytes, name: str, where: str, path: Path | None = None) -> Hits:
    """A file's name and bytes, and what it holds when it is a container: zip members (extracts,
    workbooks), Parquet columns, SQLite rows (the Dagster instance), DuckDB tables. A container's
    bytes count only for what its contents did not show (data left in freed pages, say)."""
    hits = _text(f"{where} (file name)", name)
    raw = _text(where, data.decode("utf-8", "replace"))
    inner = _contents(data, where, path)
    if inner is None:
        return hits + raw
    shown = {h.canary for _, h in inner}
    unexplained = [(w, h) for w, h in raw if not any(covers(c, h.canary) for c in shown)]
    return hits + inner + [(f"{w} (bytes)", h) for w, h in unexplained]


def _contents(data: bytes, where: str, path: Path | None) -> Hits | None:
    if data[:4] == b"PK\x03\x04":
        hits: Hits = []
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for member in z.namelist():
                hits += sweep_bytes(z.read(member), member, f"{where}!{member}")
        return hits
    if data[:4] == b"PAR1":
        return sweep_parquet(data, where)
    if path is not None and data[:16] == b"SQLite format 3\x00":
        return sweep_sqlite(path, where)
    if path is not None and data[8:12] == b"DUCK":
        return sweep_duckdb(path, where)
    return None


def sweep_file(path: Path, where: str) -> Hits:
    return sweep_bytes(path.read_bytes(), path.name, where, path)


def sweep_folder(folder: Path, label: str, since: float = 0.0) -> Hits:
    """Every file under ``folder`` (links not followed), with its path below the folder."""
    hits: Hits = []
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = path.relative_to(folder).as_posix()
            if name in dirnames:
                hits += _text(f"{label}/{rel} (folder name)", name)
            elif path.is_symlink() or not path.is_file():
                hits += _text(f"{label}/{rel} (file name)", name)  # a link, a socket: its name
            elif path.stat().st_mtime >= since:
                hits += sweep_file(path, f"{label}/{rel}")
    return hits


def sweep_postgres(dsn: str) -> Hits:
    """Every column of every table and view outside PostgreSQL's own schemas, the comments, the
    role names, and the server's log."""
    hits: Hits = []
    with psycopg.connect(dsn) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema not in ('pg_catalog', 'information_schema') "
            "and table_schema not like 'pg_toast%' order by 1, 2, ordinal_position"
        ).fetchall()
        hits += _text("postgres (column names)", "\n".join(".".join(c) for c in columns))
        for schema, table, column in columns:
            value = con.execute(
                f"select string_agg(distinct {_q(column)}::text, E'\\n') "
                f"from {_q(schema)}.{_q(table)}"
            ).fetchone()[0]
            hits += _text(f"postgres: {schema}.{table}.{column}", value)
        for what, query in (
            ("comments", "select string_agg(description, E'\\n') from pg_description"),
            ("roles", "select string_agg(rolname, E'\\n') from pg_roles"),
        ):
            hits += _text(f"postgres ({what})", con.execute(query).fetchone()[0])
        data_directory = Path(con.execute("show data_directory").fetchone()[0])
    log = data_directory.parent / "server.log"  # where tests/conftest.py starts the server's log
    if log.exists():
        hits += _text("postgres server log", log.read_text(errors="replace"))
    return hits


def _report(hits: Hits) -> list[str]:
    """One line per place: ``where: kind: canary; kind: canary``."""
    by_place: dict[str, list[str]] = {}
    for where, hit in hits:
        if not _excluded(where, hit) and str(hit) not in by_place.get(where, []):
            by_place.setdefault(where, []).append(str(hit))
    return [f"{where}: {'; '.join(found)}" for where, found in sorted(by_place.items())]


# --------------------------------------------------------------------------------------------
# The test
# --------------------------------------------------------------------------------------------
def test_no_planted_identifier_survives_anywhere(demo_landing, postgres_server, tmp_path):
    site, planted = _setup(tmp_path, demo_landing, postgres_server)
    # The canaries occur nowhere in the demo data, and every planted file holds some.
    assert _report(sweep_folder(demo_landing, "demo landing")) == []
    assert all(sweep_bytes(p.path.read_bytes(), p.path.name, "planted") for p in planted)
    assert all((site.landing / rel).exists() for rel in MISPLACED)
    SUBMITTED.clear()
    SUBMITTED.update(submitted_ids(site.landing))
    assert len(SUBMITTED) > 1000  # the demo's review, IO and response ids, and planted ones

    start = time.time()
    ran, problems = _run_everything(site, planted)
    commands_took = time.time() - start

    hits: Hits = []
    for r in ran:
        found = _text(f"output of `npcs {r.label}`", r.output)
        if r.shows is not None:
            # `npcs validate` runs on the coordinator's own machine on their own file, stores
            # nothing and may show that file's values back to them: but never another file's,
            # nor anything the warehouse holds
            own = [h.canary for _, h in sweep_bytes(r.shows.read_bytes(), r.shows.name, "")]
            found = [(w, h) for w, h in found if not any(covers(c, h.canary) for c in own)]
        hits += found
    for label, folder in site.outputs.items():
        hits += sweep_folder(folder, label)
    # dbt's per-invocation target folders (removed after each run) and partial-parse state
    hits += sweep_folder(REPO_ROOT / "dbt_project" / "target", "dbt_project/target", since=start)
    hits += sweep_postgres(site.dsn)

    shutil.rmtree(site.outputs["tmp"], ignore_errors=True)  # outside tmp_path: swept, removed
    lines = _report(hits)
    took = time.time() - start
    print(f"{len(ran)} commands in {commands_took:.0f}s, swept in {took - commands_took:.0f}s")
    print(f"{len(lines)} places with canaries:", *lines, sep="\n")
    assert not problems and not lines, "\n".join([*problems, f"{len(lines)} places:", *lines])
