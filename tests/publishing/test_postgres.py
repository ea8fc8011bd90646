"""PostgreSQL serving against a real server: contents, types and comments as published,
row-level security with real login roles, and loads that readers never see half-done."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb
import psycopg
import pytest
from psycopg import errors

from publishing import postgres

# The aggregate marts the test publishes (dates, integers, doubles, booleans, nulls between them)
PUBLISHED = (
    "reviews.agg_review_counts",
    "workforce.agg_tasc_scores",
    "equity.agg_outcome_rates_by_group",
    "membership.dim_jurisdictions",
)
COMMENTED_TABLE = "reviews.agg_review_counts"
TWO_MEMBERS = ("CT", "OH")


def _comment(table: str, column: str | None = None) -> str:
    return f"test description of {table}" + (f".{column} (it's quoted)" if column else "")


def build_published(live: Path, out: Path, tables=PUBLISHED, where: str = "true") -> Path:
    """A small published file: the marts copied from the live warehouse, with comments on one
    table and its columns (the lead's file carries the dbt descriptions the same way); `where`
    filters the commented table."""
    out.unlink(missing_ok=True)
    con = duckdb.connect(str(out))
    try:
        con.execute(f"attach '{live}' as live (read_only)")
        for name in tables:
            schema, _ = name.split(".")
            con.execute(f"create schema if not exists {schema}")
            only = where if name == COMMENTED_TABLE else "true"
            con.execute(f"create table {name} as select * from live.{name} where {only}")
        con.execute("detach live")
        con.execute(f"comment on table {COMMENTED_TABLE} is '{_comment(COMMENTED_TABLE)}'")
        for (column,) in con.execute(
            f"select column_name from (describe {COMMENTED_TABLE})"
        ).fetchall():
            text = _comment(COMMENTED_TABLE, column).replace("'", "''")
            con.execute(f"comment on column {COMMENTED_TABLE}.{column} is '{text}'")
    finally:
        con.close()
    return out


def _normal(rows) -> list[tuple]:
    """Rows comparable across the two databases: lists as tuples, in one order."""
    out = [tuple(tuple(v) if isinstance(v, list) else v for v in r) for r in rows]
    return sorted(out, key=repr)


def duck_rows(path: Path, query: str, params=None) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


def pg_rows(dsn: str, query: str, params=None) -> list[tuple]:
    with psycopg.connect(dsn) as con:
        return con.execute(query, params).fetchall()


def login(admin_dsn: str, name: str, *roles: str) -> str:
    """A login role in the given group roles (trust authentication on loopback: no password)."""
    with psycopg.connect(admin_dsn, autocommit=True) as con:
        con.execute(f"drop role if exists {name}")
        con.execute(f"create role {name} login in role {', '.join(roles)}")
    return admin_dsn.replace(f"user={_user(admin_dsn)}", f"user={name}")


def _user(dsn: str) -> str:
    return dict(part.split("=", 1) for part in dsn.split())["user"]


@pytest.fixture(scope="module")
def live(demo_refresh) -> Path:
    assert demo_refresh.success
    return demo_refresh.settings.warehouse


@pytest.fixture(scope="module")
def published(live, tmp_path_factory) -> Path:
    return build_published(live, tmp_path_factory.mktemp("published") / "published.duckdb")


@pytest.fixture(scope="module")
def loaded(postgres_server, published, live) -> postgres.LoadResult:
    return postgres.load(published, postgres_server, record_level=live)


def test_every_table_arrives_with_the_same_rows(loaded, postgres_server, published, live):
    record_level = {t.split(".")[1]: t for t in postgres.RECORD_LEVEL_TABLES}
    assert {f"{t.schema}.{t.name}" for t in loaded.tables} == set(PUBLISHED) | {
        f"member.{t}" for t in record_level
    }
    for t in loaded.tables:
        source = published if t.schema != "member" else live
        columns = ", ".join(f'"{c.name}"' for c in t.columns)
        expected = duck_rows(source, f"select {columns} from {t.source_schema}.{t.source_table}")
        got = pg_rows(postgres_server, f"select {columns} from {t.schema}.{t.name}")
        assert t.rows == len(expected) > 0
        assert len(got) == len(expected), t.name
        assert _normal(got) == _normal(expected), t.name


def test_column_types_match(loaded, postgres_server):
    for t in loaded.tables:
        got = pg_rows(
            postgres_server,
            "select attname, format_type(atttypid, atttypmod) from pg_attribute "
            "where attrelid = %s::regclass and attnum > 0 and not attisdropped order by attnum",
            [f"{t.schema}.{t.name}"],
        )
        assert got == [(c.name, c.pg_type) for c in t.columns]
    # the mapping itself: what a BI tool sees for each DuckDB type of the published marts
    assert postgres.pg_type("VARCHAR[]") == "text[]"
    assert postgres.pg_type("DECIMAL(18,3)") == "numeric(18,3)"
    assert postgres.pg_type("DOUBLE") == "double precision"


def test_comments_arrive(loaded, postgres_server, published):
    schema, table = COMMENTED_TABLE.split(".")
    assert pg_rows(postgres_server, "select obj_description(%s::regclass)", [COMMENTED_TABLE]) == [
        (_comment(COMMENTED_TABLE),)
    ]
    columns = pg_rows(
        postgres_server,
        "select attname, col_description(attrelid, attnum) from pg_attribute "
        "where attrelid = %s::regclass and attnum > 0 and not attisdropped",
        [COMMENTED_TABLE],
    )
    names = duck_rows(
        published,
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
        [schema, table],
    )
    assert len(columns) == len(names) > 0
    assert all(text == _comment(COMMENTED_TABLE, name) for name, text in columns)
    # the member tables say how they are protected
    (note,) = pg_rows(postgres_server, "select obj_description('member.fct_reviews'::regclass)")
    assert "row-level security" in note[0].lower()


def test_no_free_text_reaches_the_member_schema(loaded, postgres_server):
    assert loaded.dropped_columns == {}, "the marts carry no narrative column"
    names = pg_rows(
        postgres_server,
        "select column_name from information_schema.columns where table_schema = 'member'",
    )
    assert names and not [n for (n,) in names if postgres.NARRATIVE_COLUMN.search(n)]


def test_one_nologin_role_per_jurisdiction(loaded, postgres_server, published, live):
    ids = [
        r[0] for r in duck_rows(live, "select jurisdiction_id from membership.dim_jurisdictions")
    ]
    roles = dict(
        pg_rows(
            postgres_server,
            "select rolname, rolcanlogin from pg_roles where rolname like 'npcs\\_member\\_%'",
        )
    )
    assert {postgres.member_role(j) for j in ids} == set(roles) and not any(roles.values())
    assert postgres.member_role("OH-FRANKLIN") == "npcs_member_oh_franklin"
    # a second load finds them there and keeps them
    again = postgres.load(published, postgres_server, record_level=live)
    assert set(again.member_roles.values()) == set(roles)


@pytest.mark.parametrize("jurisdiction", TWO_MEMBERS)
def test_a_member_sees_only_its_own_rows(loaded, postgres_server, live, jurisdiction):
    role = postgres.member_role(jurisdiction)
    dsn = login(postgres_server, f"login_{role}", role)
    for t in postgres.RECORD_LEVEL_TABLES:
        name = "member." + t.split(".")[1]
        (own,) = duck_rows(
            live, f"select count(*) from {t} where jurisdiction_id = ?", [jurisdiction]
        )
        seen = pg_rows(dsn, f"select jurisdiction_id, count(*) from {name} group by 1")
        assert seen == [(jurisdiction, own[0])] and own[0] > 0, name
        # not even by asking for another member's rows
        other = next(j for j in TWO_MEMBERS if j != jurisdiction)
        assert pg_rows(dsn, f"select count(*) from {name} where jurisdiction_id = %s", [other]) == [
            (0,)
        ]
    # and the published benchmarks, whole
    (total,) = duck_rows(live, f"select count(*) from {COMMENTED_TABLE}")
    assert pg_rows(dsn, f"select count(*) from {COMMENTED_TABLE}") == [total]


def test_the_reader_role_reads_published_tables_but_not_member(loaded, postgres_server, published):
    dsn = login(postgres_server, "login_bi", postgres.READER_ROLE)
    for name in PUBLISHED:
        (count,) = duck_rows(published, f"select count(*) from {name}")
        assert pg_rows(dsn, f"select count(*) from {name}") == [count]
    for t in postgres.RECORD_LEVEL_TABLES:
        with pytest.raises(errors.InsufficientPrivilege):
            pg_rows(dsn, f"select count(*) from member.{t.split('.')[1]}")


def test_row_level_security_is_forced(loaded, postgres_server):
    flags = pg_rows(
        postgres_server,
        "select relname, relrowsecurity, relforcerowsecurity from pg_class "
        "where relnamespace = 'member'::regnamespace and relkind = 'r'",
    )
    assert len(flags) == len(postgres.RECORD_LEVEL_TABLES)
    assert all(rls and forced for _, rls, forced in flags)


def _count(dsn_or_con, table: str) -> int:
    return dsn_or_con.execute(f"select count(*) from {table}").fetchall()[0][0]


def _wait_for_lock_wait(admin_dsn: str, seconds: float = 30) -> bool:
    """True once some backend waits on a lock (the load's swap behind the reader)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        waiting = pg_rows(
            admin_dsn,
            "select count(*) from pg_stat_activity where wait_event_type = 'Lock' "
            "and query ilike 'lock table%%'",
        )[0][0]
        if waiting:
            return True
        time.sleep(0.05)
    return False


def test_a_reader_in_a_transaction_sees_the_old_rows_until_it_starts_a_new_one(
    loaded, postgres_server, published, live, tmp_path
):
    old = duck_rows(published, f"select count(*) from {COMMENTED_TABLE}")[0][0]
    smaller = build_published(live, tmp_path / "next.duckdb", where="jurisdiction_id <> 'CT'")
    new = duck_rows(smaller, f"select count(*) from {COMMENTED_TABLE}")[0][0]
    assert 0 < new < old
    postgres.load(published, postgres_server, record_level=live)  # the known starting state
    reader = psycopg.connect(login(postgres_server, "login_bi2", postgres.READER_ROLE))
    try:
        assert _count(reader, COMMENTED_TABLE) == old  # transaction open, table read
        outcome: dict = {}
        loading = threading.Thread(
            target=lambda: outcome.update(
                result=postgres.load(smaller, postgres_server, record_level=live)
            )
        )
        loading.start()
        assert _wait_for_lock_wait(postgres_server), "the load should wait for the reader"
        assert _count(reader, COMMENTED_TABLE) == old  # still the old rows, whole
        assert "result" not in outcome
        reader.commit()  # the reader's transaction ends: the swap goes ahead
        loading.join(60)
        assert "result" in outcome
        assert _count(reader, COMMENTED_TABLE) == new  # its next transaction sees the new ones
    finally:
        reader.close()
    postgres.load(published, postgres_server, record_level=live)  # back to the start


def test_a_load_that_fails_half_way_leaves_the_old_tables(
    loaded, postgres_server, published, live, tmp_path
):
    postgres.load(published, postgres_server, record_level=live)
    before = {name: pg_rows(postgres_server, f"select count(*) from {name}") for name in PUBLISHED}
    loads = pg_rows(postgres_server, "select count(*) from access.loads")
    broken = build_published(live, tmp_path / "broken.duckdb", where="jurisdiction_id <> 'CT'")
    con = duckdb.connect(str(broken))
    try:  # a value PostgreSQL refuses, in the table copied last: the others are loaded by then
        con.execute("create schema zz_last")
        con.execute("create table zz_last.bad as select 'a' || chr(0) || 'b' as text_with_nul")
    finally:
        con.close()
    with pytest.raises(psycopg.Error):
        postgres.load(broken, postgres_server, record_level=live)
    after = {name: pg_rows(postgres_server, f"select count(*) from {name}") for name in PUBLISHED}
    assert after == before
    assert pg_rows(postgres_server, "select count(*) from access.loads") == loads
    leftovers = pg_rows(
        postgres_server,
        "select nspname from pg_namespace where nspname like '%%\\_\\_loading' "
        "or nspname like '%%\\_\\_replaced' or nspname = 'zz_last'",
    )
    assert leftovers == []


def test_a_load_waits_for_readers_at_most_lock_timeout(loaded, postgres_server, published, live):
    postgres.load(published, postgres_server, record_level=live)
    old = pg_rows(postgres_server, f"select count(*) from {COMMENTED_TABLE}")
    with psycopg.connect(postgres_server) as reader:
        _count(reader, COMMENTED_TABLE)  # holds the table until the transaction ends
        start = time.monotonic()
        with pytest.raises(errors.LockNotAvailable):
            postgres.load(published, postgres_server, record_level=live, lock_timeout="300ms")
        assert time.monotonic() - start < 30
        assert [(_count(reader, COMMENTED_TABLE),)] == old
    assert pg_rows(postgres_server, f"select count(*) from {COMMENTED_TABLE}") == old


def test_a_planted_free_text_column_is_not_copied(postgres_server, live, tmp_path):
    copy = tmp_path / "record_level.duckdb"
    con = duckdb.connect(str(copy))
    try:
        con.execute(f"attach '{live}' as live (read_only)")
        for name in (*postgres.RECORD_LEVEL_TABLES, postgres.JURISDICTIONS_TABLE):
            con.execute(f"create schema if not exists {name.split('.')[0]}")
            con.execute(f"create table {name} as select * from live.{name}")
        con.execute("detach live")
        con.execute("alter table reviews.fct_reviews add column narrative varchar default 'x'")
    finally:
        con.close()
    tables, dropped = postgres.record_level_tables(duckdb.connect(str(copy), read_only=True))
    assert dropped == {"reviews.fct_reviews": ["narrative"]}
    assert all("narrative" not in {c.name for c in t.columns} for t in tables)


def test_the_cli_loads_with_settings_from_the_environment(
    postgres_server, published, live, monkeypatch
):
    from typer.testing import CliRunner

    from npcs.cli import app

    monkeypatch.setenv("NPCS_PG_DSN", postgres_server)
    args = ["publish-postgres", "--published", str(published), "--record-level", str(live)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    (count,) = duck_rows(published, f"select count(*) from {COMMENTED_TABLE}")
    assert f"{COMMENTED_TABLE}\t{count[0]} rows" in result.output
    # the libpq variables instead: an unreachable server is a failed load, exit 1
    monkeypatch.delenv("NPCS_PG_DSN")
    monkeypatch.setenv("PGHOST", "127.0.0.1")
    monkeypatch.setenv("PGPORT", "1")
    assert CliRunner().invoke(app, args).exit_code == 1
