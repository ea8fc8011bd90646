"""The published-table catalog against the demo warehouse: every column it names exists, the
grain identifies a row, and every identity it declares holds in the data (else suppression would
protect the wrong sums)."""

from __future__ import annotations

import duckdb
import pytest

from publishing.catalog import load_catalog
from publishing.suppression import build_joint, jurisdiction_thresholds, read_relation
from releases.build import NON_PUBLISHED_SCHEMAS


@pytest.fixture(scope="module")
def con(demo_refresh):
    con = duckdb.connect(str(demo_refresh.settings.warehouse), read_only=True)
    yield con
    con.close()


def test_catalog_names_real_columns_and_grains(con):
    catalog = load_catalog()
    for table in catalog.tables:
        schema, name = table.source.split(".")
        assert schema not in NON_PUBLISHED_SCHEMAS
        columns = {
            r[0]
            for r in con.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ?",
                [schema, name],
            ).fetchall()
        }
        assert table.named_columns() <= columns, (table.name, table.named_columns() - columns)
        grain = ", ".join(f'"{c}"' for c in table.grain)
        rows, distinct = con.execute(
            f"select count(*), count(distinct ({grain})) from {table.source}"
        ).fetchone()
        assert rows == distinct, f"{table.name}: the grain {table.grain} repeats"
        assert table.description, table.name


def test_record_level_marts_are_not_published():
    catalog = load_catalog()
    published = {t.name for t in catalog.tables}
    for fct in ("reviews.fct_reviews", "reviews.fct_improvement_opportunities"):
        assert fct not in published
        assert fct in {e.source for e in catalog.excluded}
    assert all(e.reason for e in catalog.excluded)


def test_every_declared_identity_holds_in_the_data(con):
    """Within each table and between tables (the catalog's links), every identity adds up."""
    thresholds, parents = jurisdiction_thresholds(con)
    catalog = load_catalog()
    frames = {t.name: read_relation(con, t) for t in catalog.tables}
    s = build_joint(frames, catalog.tables, thresholds, parents, catalog.links)
    checked: dict[str, int] = {}
    for kind, terms in s.constraints:
        if any(s.virtual[c] for c, _ in terms):
            continue  # a remainder is defined by its identity
        values = [s.values[c] for c, _ in terms]
        if None in values:
            continue
        total = sum(v * k for v, (_, k) in zip(values, terms))
        assert total == 0, (kind, [s.cells[c] for c, _ in terms], values)
        checked[kind] = checked.get(kind, 0) + 1
    # every link is checked somewhere in the demo data
    assert {f"link '{link.name}'" for link in catalog.links} <= set(checked), checked
    assert checked.get("window sum", 0) > 0
