"""Serve the published tables from PostgreSQL, and each member its own record-level rows.

BI tools that speak PostgreSQL read the same tables as the published DuckDB file: `load` copies
every table of that file into PostgreSQL schema-for-schema (``reviews.agg_ios_per_review``
stays ``reviews.agg_ios_per_review``), with matching column types (COPY, not row inserts) and the
DuckDB comments (the dbt descriptions) as ``COMMENT ON TABLE/COLUMN``.

Record-level member data goes to schema ``member`` (one table per mart in
``RECORD_LEVEL_TABLES``, no free-text column) with row-level security, enabled and forced: a row
is visible only to the roles of its own jurisdiction (``access.member_roles`` maps each
``npcs_member_<id>`` role to its jurisdiction; ``access.jurisdictions_of(role)`` resolves a login
role through its role memberships).

Roles (cluster-wide, NOLOGIN, created idempotently by every load):

- ``npcs_reader``: BI tools; reads the published schemas, not ``member``.
- ``npcs_member_<id>`` per jurisdiction in ``membership.dim_jurisdictions`` (lower-case,
  ``-`` -> ``_``, e.g. ``npcs_member_oh_franklin``): member of ``npcs_reader`` and of
  ``npcs_members``, which reads ``member`` — where row-level security leaves it its own rows.

Give a person or a tool a login and one of these: ``CREATE ROLE ct_analyst LOGIN PASSWORD '...'
IN ROLE npcs_member_ct``.

Readers never see a half-loaded set: one transaction creates staging schemas
(``<schema>__loading``), copies everything into them, then renames the live schemas away, the
staging ones in, and drops the old ones; nothing is visible before it commits and a failure
anywhere rolls all of it back, leaving the old tables. Dropping the old tables waits for readers
holding them in an open transaction (so such a reader keeps seeing the old rows until its
transaction ends) — at most ``lock_timeout``, after which the load fails and changes nothing.
A READ COMMITTED reader (the default) sees the new tables from its next statement; like after a
TRUNCATE, a REPEATABLE READ transaction that first touches a table after the swap sees it empty.
Loads are serialized by an advisory lock.

Connection settings come from the environment: ``NPCS_PG_DSN`` (a libpq connection string or
URI, e.g. ``postgresql://npcs_loader@db.example:5432/npcs``), or else the libpq variables
``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGPASSWORD``, ``PGDATABASE`` (and ``PGPASSFILE``, ...).
The loading role needs CREATEROLE and to own (or be able to create) the schemas it replaces.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from publishing.extracts import MEMBER_TABLES

READER_ROLE = "npcs_reader"
MEMBERS_ROLE = "npcs_members"  # every member role; holds the read grant on schema `member`
MEMBER_ROLE_PREFIX = "npcs_member_"
MEMBER_SCHEMA = "member"
ACCESS_SCHEMA = "access"
STAGING_SUFFIX = "__loading"
REPLACED_SUFFIX = "__replaced"
# The record-level marts a member reads its own rows of (schema.table in the live warehouse),
# the same its extract package holds; each lands as member.<table>.
RECORD_LEVEL_TABLES = MEMBER_TABLES
JURISDICTIONS_TABLE = "membership.dim_jurisdictions"
# Free text never leaves the warehouse: a record-level column named like this is not copied
# (the marts carry none; restricted.io_narratives is never read here).
NARRATIVE_COLUMN = re.compile(r"narrative|free_text|comment|notes?$|description", re.IGNORECASE)
# Schemas a published file may not bring: ours, and PostgreSQL's own.
RESERVED_SCHEMAS = {MEMBER_SCHEMA, ACCESS_SCHEMA, "public", "information_schema"}
# pg_advisory_xact_lock key serializing loads (any constant; "NPCS" in ASCII).
LOAD_LOCK_KEY = 0x4E504353
COPY_BATCH_ROWS = 10_000

_SIMPLE_TYPES = {
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(39,0)",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "UHUGEINT": "numeric(39,0)",
    "FLOAT": "real",
    "DOUBLE": "double precision",
    "VARCHAR": "text",
    "DATE": "date",
    "TIME": "time",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP_S": "timestamp",
    "TIMESTAMP_MS": "timestamp",
    "TIMESTAMP_NS": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "INTERVAL": "interval",
    "UUID": "uuid",
    "BLOB": "bytea",
    "JSON": "jsonb",
}


class PostgresLoadError(Exception):
    """The published tables cannot be loaded; nothing was changed in PostgreSQL."""


def pg_type(duckdb_type: str) -> str:
    """The PostgreSQL type holding every value of a DuckDB column type exactly."""
    t = duckdb_type.strip().upper()
    if t.endswith("[]"):
        inner = pg_type(t[:-2])
        if inner.endswith("[]"):
            raise PostgresLoadError(f"nested list type {duckdb_type} has no PostgreSQL array")
        return inner + "[]"
    if m := re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", t):
        return f"numeric({m[1]},{m[2]})"
    if t in _SIMPLE_TYPES:
        return _SIMPLE_TYPES[t]
    raise PostgresLoadError(f"no PostgreSQL type for DuckDB type {duckdb_type}")


def member_role(jurisdiction_id: str) -> str:
    """The group role of one jurisdiction: npcs_member_<id>, lower-case, '-' -> '_'."""
    return MEMBER_ROLE_PREFIX + jurisdiction_id.lower().replace("-", "_")


def resolve_dsn(dsn: str | None = None) -> str:
    """The connection string: the argument, else NPCS_PG_DSN, else "" (libpq reads PG*)."""
    return dsn or os.environ.get("NPCS_PG_DSN", "")


@dataclass
class Column:
    name: str
    duckdb_type: str
    comment: str | None

    @property
    def pg_type(self) -> str:
        return pg_type(self.duckdb_type)


@dataclass
class Table:
    """A table to copy: where it comes from in DuckDB and where it goes in PostgreSQL."""

    source_schema: str
    source_table: str
    schema: str
    name: str
    columns: list[Column]
    comment: str | None
    rows: int = 0


@dataclass
class LoadResult:
    tables: list[Table]
    member_roles: dict[str, str]  # jurisdiction_id -> role
    dropped_columns: dict[str, list[str]] = field(default_factory=dict)  # free text left out
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def _describe(con: duckdb.DuckDBPyConnection, where: str, params: list) -> list[Table]:
    tables = con.execute(
        f"""
        select schema_name, table_name, comment from duckdb_tables()
        where database_name = current_database() and not internal and ({where})
        order by schema_name, table_name
        """,
        params,
    ).fetchall()
    columns = con.execute(
        """
        select schema_name, table_name, column_name, data_type, comment from duckdb_columns()
        where database_name = current_database() and not internal
        order by schema_name, table_name, column_index
        """
    ).fetchall()
    by_table: dict[tuple[str, str], list[Column]] = {}
    for schema, table, name, dtype, comment in columns:
        by_table.setdefault((schema, table), []).append(Column(name, dtype, comment or None))
    return [
        Table(schema, table, schema, table, by_table[(schema, table)], comment or None)
        for schema, table, comment in tables
    ]


def published_tables(con: duckdb.DuckDBPyConnection) -> list[Table]:
    """Every table of the published file, schema-for-schema."""
    tables = _describe(con, "true", [])
    clash = {t.schema for t in tables} & RESERVED_SCHEMAS
    if clash or any(t.schema.startswith("pg_") or "__" in t.schema for t in tables):
        raise PostgresLoadError(f"the published file uses reserved schema names: {sorted(clash)}")
    return tables


def record_level_tables(con: duckdb.DuckDBPyConnection) -> tuple[list[Table], dict]:
    """The record-level marts as member.<table>, without free-text columns (and which those
    were): each must carry jurisdiction_id, the column row-level security filters on."""
    where = " or ".join("(schema_name = ? and table_name = ?)" for _ in RECORD_LEVEL_TABLES)
    params = [p for name in RECORD_LEVEL_TABLES for p in name.split(".")]
    tables = _describe(con, where, params)
    missing = set(RECORD_LEVEL_TABLES) - {f"{t.source_schema}.{t.source_table}" for t in tables}
    if missing:
        raise PostgresLoadError(f"record-level tables missing: {sorted(missing)}")
    dropped = {}
    for t in tables:
        source = f"{t.source_schema}.{t.source_table}"
        if "jurisdiction_id" not in {c.name for c in t.columns}:
            raise PostgresLoadError(f"{source} has no jurisdiction_id: no row-level security")
        free_text = [c.name for c in t.columns if NARRATIVE_COLUMN.search(c.name)]
        if free_text:
            dropped[source] = free_text
            t.columns = [c for c in t.columns if c.name not in free_text]
        t.schema = MEMBER_SCHEMA
        note = (
            f"Record-level rows of {source}. Row-level security: each npcs_member_<id> role "
            "reads only its own jurisdiction's rows."
        )
        t.comment = f"{t.comment}\n\n{note}" if t.comment else note
    return tables, dropped


def jurisdictions(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            f"select jurisdiction_id from {JURISDICTIONS_TABLE} order by jurisdiction_id"
        ).fetchall()
    ]


def _has_table(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, table = qualified.split(".")
    return bool(
        con.execute(
            "select count(*) from duckdb_tables() where database_name = current_database() "
            "and schema_name = ? and table_name = ?",
            [schema, table],
        ).fetchall()[0][0]
    )


def _create_and_copy(
    cur: psycopg.Cursor, duck: duckdb.DuckDBPyConnection, t: Table, schema: str
) -> None:
    target = sql.Identifier(schema, t.name)
    cur.execute(
        sql.SQL("create table {} ({})").format(
            target,
            sql.SQL(", ").join(
                sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.pg_type))
                for c in t.columns
            ),
        )
    )
    names = [c.name for c in t.columns]
    select = ", ".join(f'"{n}"' for n in names)
    result = duck.execute(f'select {select} from "{t.source_schema}"."{t.source_table}"')
    copy = sql.SQL("copy {} ({}) from stdin").format(
        target, sql.SQL(", ").join(map(sql.Identifier, names))
    )
    t.rows = 0
    with cur.copy(copy) as cp:
        while batch := result.fetchmany(COPY_BATCH_ROWS):
            for row in batch:
                cp.write_row(row)
            t.rows += len(batch)
    if t.comment:
        cur.execute(sql.SQL("comment on table {} is {}").format(target, sql.Literal(t.comment)))
    for c in t.columns:
        if c.comment:
            cur.execute(
                sql.SQL("comment on column {} is {}").format(
                    sql.Identifier(schema, t.name, c.name), sql.Literal(c.comment)
                )
            )


def _ensure_roles(cur: psycopg.Cursor, roles: list[str]) -> None:
    """NOLOGIN group roles, created when missing (PostgreSQL 15 has no CREATE ROLE IF NOT
    EXISTS; a DO block checks pg_roles first)."""
    for role in roles:
        cur.execute(
            sql.SQL(
                "do $$ begin if not exists (select from pg_roles where rolname = {}) then "
                "create role {} nologin; end if; end $$"
            ).format(sql.Literal(role), sql.Identifier(role))
        )


def _ensure_access(cur: psycopg.Cursor, member_roles: dict[str, str]) -> None:
    """Schema `access`: the role -> jurisdiction map, the function policies call, the load log."""
    cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(ACCESS_SCHEMA)))
    cur.execute(
        "create table if not exists access.member_roles ("
        " role_name name primary key, jurisdiction_id text not null)"
    )
    cur.execute(
        "comment on table access.member_roles is "
        "'Which jurisdiction each npcs_member_<id> role stands for "
        "(row-level security on member.*)'"
    )
    cur.execute(
        "create table if not exists access.loads ("
        " loaded_at timestamptz not null default now(), published_file text,"
        " schemas text[] not null, tables integer not null, rows bigint not null)"
    )
    cur.execute(
        "comment on table access.loads is 'Every load of the published tables: what it replaced'"
    )
    # security definer: members need not read access.member_roles; pg_has_role resolves a login
    # role through its memberships (grant npcs_member_ct to ct_analyst).
    cur.execute(
        """
        create or replace function access.jurisdictions_of(who name) returns text[]
        language sql stable security definer set search_path = pg_catalog, access as $$
            select coalesce(array_agg(m.jurisdiction_id order by m.jurisdiction_id), '{}')
            from access.member_roles as m
            where pg_has_role(who, m.role_name, 'MEMBER')
        $$
        """
    )
    cur.execute("revoke all on function access.jurisdictions_of(name) from public")
    cur.execute("delete from access.member_roles")
    with cur.copy("copy access.member_roles (role_name, jurisdiction_id) from stdin") as cp:
        for jurisdiction_id, role in sorted(member_roles.items()):
            cp.write_row((role, jurisdiction_id))


def _protect(cur: psycopg.Cursor, schema: str, table: str) -> None:
    """Row-level security, forced (the owner too), on one member table."""
    target = sql.Identifier(schema, table)
    cur.execute(sql.SQL("alter table {} enable row level security").format(target))
    cur.execute(sql.SQL("alter table {} force row level security").format(target))
    # the scalar subquery runs once per query, not once per row
    cur.execute(
        sql.SQL(
            "create policy own_jurisdiction on {} for select using "
            "(jurisdiction_id = any ((select access.jurisdictions_of(current_user))::text[]))"
        ).format(target)
    )


def _existing_schemas(cur: psycopg.Cursor, names: set[str]) -> set[str]:
    cur.execute("select nspname from pg_namespace where nspname = any(%s)", [list(names)])
    return {r[0] for r in cur.fetchall()}


def _previously_published(cur: psycopg.Cursor) -> set[str]:
    cur.execute("select schemas from access.loads order by loaded_at desc limit 1")
    row = cur.fetchone()
    return set(row[0]) if row else set()


def _swap(cur: psycopg.Cursor, schemas: set[str], retired: set[str]) -> None:
    """Staging schemas in, live ones out, old ones dropped: all inside the load's transaction.
    Locking the old tables first makes the swap wait for readers inside a transaction."""
    live = _existing_schemas(cur, schemas | retired)
    cur.execute(
        "select format('%%I.%%I', n.nspname, c.relname) from pg_class as c "
        "join pg_namespace as n on n.oid = c.relnamespace "
        "where n.nspname = any(%s) and c.relkind in ('r', 'p', 'v', 'm')",
        [sorted(live)],
    )
    old_tables = [r[0] for r in cur.fetchall()]
    if old_tables:
        cur.execute(
            sql.SQL("lock table {} in access exclusive mode").format(
                sql.SQL(", ").join(sql.SQL(t) for t in old_tables)
            )
        )
    for s in sorted(live):
        cur.execute(sql.SQL("drop schema if exists {} cascade").format(_ident(s, REPLACED_SUFFIX)))
        cur.execute(
            sql.SQL("alter schema {} rename to {}").format(
                sql.Identifier(s), _ident(s, REPLACED_SUFFIX)
            )
        )
    for s in sorted(schemas):
        cur.execute(
            sql.SQL("alter schema {} rename to {}").format(
                _ident(s, STAGING_SUFFIX), sql.Identifier(s)
            )
        )
    for s in sorted(live):
        cur.execute(sql.SQL("drop schema {} cascade").format(_ident(s, REPLACED_SUFFIX)))


def _ident(schema: str, suffix: str) -> sql.Identifier:
    return sql.Identifier(schema + suffix)


def _grant(cur: psycopg.Cursor, published: set[str], member_roles: list[str]) -> None:
    for s in sorted(published):
        cur.execute(sql.SQL("grant usage on schema {} to {}").format(*_ids(s, READER_ROLE)))
        cur.execute(
            sql.SQL("grant select on all tables in schema {} to {}").format(*_ids(s, READER_ROLE))
        )
    usage = sql.SQL("grant usage on schema {} to {}")
    cur.execute(usage.format(*_ids(ACCESS_SCHEMA, MEMBERS_ROLE)))
    cur.execute(
        sql.SQL("grant execute on function access.jurisdictions_of(name) to {}").format(
            sql.Identifier(MEMBERS_ROLE)
        )
    )
    for role in member_roles:
        cur.execute(sql.SQL("grant {}, {} to {}").format(*_ids(READER_ROLE, MEMBERS_ROLE, role)))


def _ids(*names: str) -> list[sql.Identifier]:
    return [sql.Identifier(n) for n in names]


def load(
    published: Path,
    dsn: str | None = None,
    record_level: Path | None = None,
    *,
    lock_timeout: str = "60s",
) -> LoadResult:
    """Copy the published DuckDB file (and, given the live warehouse, the members' record-level
    rows) into PostgreSQL, replacing what a previous load put there in one transaction.

    Roles come from membership.dim_jurisdictions of the live warehouse (else of the published
    file). Raises PostgresLoadError (or psycopg's error) with nothing changed when it fails."""
    start = time.perf_counter()
    pub = duckdb.connect(str(published), read_only=True)
    live = duckdb.connect(str(record_level), read_only=True) if record_level else None
    try:
        tables = published_tables(pub)
        members, dropped = record_level_tables(live) if live else ([], {})
        roster = live if live else pub
        ids = jurisdictions(roster) if _has_table(roster, JURISDICTIONS_TABLE) else []
        member_roles = {j: member_role(j) for j in ids}
        if len(set(member_roles.values())) != len(member_roles):
            raise PostgresLoadError("two jurisdictions map to the same role name")
        schemas = {t.schema for t in tables}
        with psycopg.connect(resolve_dsn(dsn)) as pg, pg.cursor() as cur:
            cur.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(lock_timeout)))
            cur.execute("select pg_advisory_xact_lock(%s)", [LOAD_LOCK_KEY])
            _ensure_roles(cur, [READER_ROLE, MEMBERS_ROLE, *member_roles.values()])
            _ensure_access(cur, member_roles)
            retired = _previously_published(cur) - schemas
            targets = schemas | ({MEMBER_SCHEMA} if live else set())
            for s in sorted(targets):
                cur.execute(sql.SQL("create schema {}").format(_ident(s, STAGING_SUFFIX)))
            for s, comment in _schema_comments(pub, schemas).items():
                cur.execute(
                    sql.SQL("comment on schema {} is {}").format(
                        _ident(s, STAGING_SUFFIX), sql.Literal(comment)
                    )
                )
            for t in tables:
                _create_and_copy(cur, pub, t, t.schema + STAGING_SUFFIX)
            for t in members:
                _create_and_copy(cur, live, t, MEMBER_SCHEMA + STAGING_SUFFIX)
                _protect(cur, MEMBER_SCHEMA + STAGING_SUFFIX, t.name)
            if live:
                cur.execute(
                    sql.SQL("comment on schema {} is {}").format(
                        _ident(MEMBER_SCHEMA, STAGING_SUFFIX),
                        sql.Literal(
                            "Each member's own record-level rows; row-level security "
                            "(access.jurisdictions_of) shows a role only its jurisdiction's."
                        ),
                    )
                )
                cur.execute(
                    sql.SQL("grant usage on schema {} to {}").format(
                        _ident(MEMBER_SCHEMA, STAGING_SUFFIX), sql.Identifier(MEMBERS_ROLE)
                    )
                )
                cur.execute(
                    sql.SQL("grant select on all tables in schema {} to {}").format(
                        _ident(MEMBER_SCHEMA, STAGING_SUFFIX), sql.Identifier(MEMBERS_ROLE)
                    )
                )
            _swap(cur, targets, retired)
            _grant(cur, schemas, list(member_roles.values()))
            everything = tables + members
            cur.execute(
                "insert into access.loads (published_file, schemas, tables, rows) "
                "values (%s, %s, %s, %s)",
                [
                    str(published),
                    sorted(schemas),
                    len(everything),
                    sum(t.rows for t in everything),
                ],
            )
    finally:
        pub.close()
        if live:
            live.close()
    return LoadResult(
        tables=tables + members,
        member_roles=member_roles,
        dropped_columns=dropped,
        seconds=time.perf_counter() - start,
    )


def _schema_comments(con: duckdb.DuckDBPyConnection, schemas: set[str]) -> dict[str, str]:
    rows = con.execute(
        "select schema_name, comment from duckdb_schemas() "
        "where database_name = current_database() and comment is not null"
    ).fetchall()
    return {s: c for s, c in rows if s in schemas and c}
