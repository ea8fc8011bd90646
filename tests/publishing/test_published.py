"""What a refresh publishes, read back the way readers get it — the published DuckDB file, its
Parquet files, and PostgreSQL loaded by the Dagster asset — then attacked: no suppressed count
comes back by subtraction, and no count from 1 to its jurisdiction's threshold is there."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import psycopg
import pytest

from publishing.attack import recover_many
from publishing.catalog import load_catalog
from publishing.publish import current_path
from publishing.suppression import is_small, jurisdiction_thresholds, row_thresholds

CATALOG = load_catalog()
TABLES = CATALOG.tables


@pytest.fixture(scope="module")
def root(demo_refresh) -> Path:
    assert demo_refresh.success
    assert "publishing/published_warehouse" in demo_refresh.materialized
    return demo_refresh.settings.warehouse.parent / "published"


@pytest.fixture(scope="module")
def thresholds(demo_refresh):
    con = duckdb.connect(str(demo_refresh.settings.warehouse), read_only=True)
    try:
        return jurisdiction_thresholds(con)
    finally:
        con.close()


@pytest.fixture(scope="module")
def postgres_loaded(root, demo_refresh, postgres_server, tmp_path_factory, monkeypatch_module):
    """The postgres_tables asset materialized by Dagster against the real test server."""
    from orchestration.defs.publishing import postgres_tables
    from orchestration.defs.resources import WarehouseResource

    monkeypatch_module.setenv("NPCS_PG_DSN", postgres_server)
    monkeypatch_module.setenv("NPCS_PUBLISHED", str(root))
    result = dg.materialize(
        [postgres_tables],
        resources={"warehouse": WarehouseResource(path=str(demo_refresh.settings.warehouse))},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    return postgres_server


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _from_duckdb(root: Path) -> dict[str, pd.DataFrame]:
    con = duckdb.connect(str(current_path(root)), read_only=True)
    try:
        return {t.name: con.execute(f"select * from {t.name}").df() for t in TABLES}
    finally:
        con.close()


def _from_parquet(root: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for t in TABLES:
        schema, name = t.name.split(".")
        out[t.name] = duckdb.sql(f"select * from '{root / 'parquet' / schema / name}.parquet'").df()
    return out


def _from_postgres(dsn: str) -> dict[str, pd.DataFrame]:
    out = {}
    with psycopg.connect(dsn) as con:
        for t in TABLES:
            cur = con.execute(f"select * from {t.name}")
            names = [d.name for d in cur.description]
            out[t.name] = pd.DataFrame(cur.fetchall(), columns=names).convert_dtypes()
    return out


def _frames(where: str, request) -> dict[str, pd.DataFrame]:
    root = request.getfixturevalue("root")
    if where == "duckdb":
        return _from_duckdb(root)
    if where == "parquet":
        return _from_parquet(root)
    return _from_postgres(request.getfixturevalue("postgres_loaded"))


@pytest.mark.parametrize("where", ["duckdb", "parquet", "postgres"])
def test_no_suppressed_count_is_recovered_by_subtraction(where, request, thresholds):
    """The attacker reads every published table together (the catalog's links between tables
    included) and solves the identities one by one and all together."""
    frames = _frames(where, request)
    limits, parents = thresholds
    hidden = sum(int(frames[t.name][c].isna().sum()) for t in TABLES for c in t.counts)
    assert hidden > 0  # there is something to recover
    recovered = recover_many(frames, TABLES, limits, parents, CATALOG.links)
    assert recovered == [], (where, recovered[:3])


@pytest.mark.parametrize("where", ["duckdb", "parquet", "postgres"])
def test_no_count_from_one_to_the_threshold_is_published(where, request, thresholds):
    frames = _frames(where, request)
    limits, _ = thresholds
    checked = 0
    for table in TABLES:
        frame = frames[table.name]
        limit = row_thresholds(frame, table, limits)
        for column in table.counts:
            for value, t in zip(frame[column], limit, strict=True):
                if pd.isna(value):
                    continue
                assert not is_small(int(value), t), (where, table.name, column, value)
                checked += 1
    assert checked > 0


def test_every_published_table_is_in_all_three_and_the_same(request):
    duck = _frames("duckdb", request)
    parquet = _frames("parquet", request)
    pg = _frames("postgres", request)
    for table in TABLES:
        assert len(duck[table.name]) == len(parquet[table.name]) == len(pg[table.name])
        for c in table.counts:
            a = sorted(duck[table.name][c].dropna().astype(int))
            assert a == sorted(parquet[table.name][c].dropna().astype(int)), (table.name, c)
            assert a == sorted(pg[table.name][c].dropna().astype(int)), (table.name, c)


def test_what_suppression_cost_each_table_is_published_with_it(root):
    """meta.publication_tables says, per table, the count cells before suppression and how many
    are published as NULL — in cells only: the sum of the hidden counts would be one more
    identity over them, so it is not published."""
    from publishing.catalog import load_catalog

    con = duckdb.connect(str(current_path(root)), read_only=True)
    try:
        loss = {
            f"{s}.{t}": (cells, hidden, share)
            for s, t, cells, hidden, share in con.execute(
                "select table_schema, table_name, count_cells, suppressed_cells, "
                "share_of_cells_hidden from meta.publication_tables"
            ).fetchall()
        }
        columns = {
            c for (c,) in con.execute(
                "select column_name from duckdb_columns() where table_name = 'publication_tables'"
            ).fetchall()
        }  # fmt: skip
        assert not {"count_hidden", "count_total", "share_of_count_hidden"} & columns
        catalog = load_catalog()
        assert set(loss) == {t.name for t in catalog.tables}
        for table in catalog.tables:
            cells, hidden, share = loss[table.name]
            published = con.execute(f"select * from {table.name}").df()
            nulls = sum(int(published[c].isna().sum()) for c in table.counts)
            # every count cell published as NULL is a suppressed one (a mart's own NULLs are
            # not count cells)
            assert hidden <= nulls and hidden <= cells
            assert share is None or abs(share - hidden / cells) < 1e-9
        assert sum(v[1] for v in loss.values()) > 0  # the demo data has small cells
    finally:
        con.close()


def test_every_hidden_count_and_rate_says_it_is_suppressed(root, demo_refresh):
    """``<column>_state`` beside every count and rate: 'suppressed' exactly where the published
    value is NULL and the mart's is not, 'not available' where the mart has none, 'published'
    where the value is shown — so a sum can count what it leaves out."""
    from publishing.publish import NOT_AVAILABLE, PUBLISHED, STATE_SUFFIX, SUPPRESSED
    from publishing.suppression import read_relation

    live = duckdb.connect(str(demo_refresh.settings.warehouse), read_only=True)
    con = duckdb.connect(str(current_path(root)), read_only=True)
    try:
        suppressed_somewhere = 0
        for table in load_catalog().tables:
            order = ", ".join(f'"{c}" nulls first' for c in table.grain)
            published = con.execute(f"select * from {table.name} order by {order}").df()
            mart = read_relation(live, table)
            for column in [*table.counts, *(r.column for r in table.rates)]:
                state = published[column + STATE_SUFFIX].tolist()
                shown = published[column].notna().tolist()
                exists = mart[column].notna().tolist()
                for pos, (s, v, m) in enumerate(zip(state, shown, exists, strict=True)):
                    expected = PUBLISHED if v else SUPPRESSED if m else NOT_AVAILABLE
                    assert s == expected, (table.name, column, pos)
                suppressed_somewhere += state.count(SUPPRESSED)
        assert suppressed_somewhere > 0
    finally:
        con.close()
        live.close()


def test_no_comment_sends_a_reader_to_a_table_that_is_not_published(root):
    """Table and column comments come from the dbt descriptions, which name record-level and
    internal models (fct_reviews, stg_raw__reviews): each such name says it is not published."""
    import re

    con = duckdb.connect(str(current_path(root)), read_only=True)
    try:
        published = {
            t for (t,) in con.execute("select table_name from meta.publication_tables").fetchall()
        }
        comments = con.execute(
            "select comment from duckdb_tables() where comment is not null "
            "union all select comment from duckdb_columns() where comment is not null"
        ).fetchall()
    finally:
        con.close()
    named = 0
    for (text,) in comments:
        for m in re.finditer(r"\b((?:fct|agg|dim|stg|int)_[a-z0-9_]+)\b", text):
            if m.group(1) not in published:
                named += 1
                assert text[m.end() :].startswith(" (not in the published warehouse)"), text
    assert named > 0  # the descriptions do name unpublished models
