"""The published warehouse switches atomically: a reader holding it keeps its state and never
blocks a publish; a reopened reader sees the new state; a publish that fails half-way changes
nothing readers see."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from publishing import publish as pub

READER = textwrap.dedent(
    """
    import sys, time, duckdb
    path = sys.argv[1]
    con = duckdb.connect(path, read_only=True)
    def state():
        v = con.execute("select version from meta.publication").fetchall()[0][0]
        n = con.execute("select count(*) from reviews.counts").fetchall()[0][0]
        return f"{v} {n}"
    print(state(), flush=True)
    for line in sys.stdin:          # each line: read again on the same connection
        if line.strip() == "reopen":
            con.close()
            con = duckdb.connect(path, read_only=True)
        print(state(), flush=True)
    """
)


def _tables(rows: int) -> list[pub.PublishedTable]:
    frame = pd.DataFrame(
        {"jurisdiction_id": [f"J{i:02d}" for i in range(rows)], "reviews": list(range(rows))}
    )
    return [
        pub.PublishedTable(
            "reviews",
            "counts",
            frame,
            "One row per jurisdiction: reviews completed.",
            {"reviews": "Reviews completed (suppressed: NULL)."},
        )
    ]


def test_a_reader_keeps_its_state_while_a_new_version_is_published(tmp_path):
    root = tmp_path / "published"
    first = pub.publish(_tables(3), root, {"run": "one"})
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(pub.current_path(root))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().split() == [first.version, "3"]

        second = pub.publish(_tables(5), root, {"run": "two"})  # the reader holds the old file

        assert second.version != first.version
        assert pub.current_version(root) == second.version
        reader.stdin.write("again\n")
        reader.stdin.flush()
        assert reader.stdout.readline().split() == [first.version, "3"]
        reader.stdin.write("reopen\n")
        reader.stdin.flush()
        assert reader.stdout.readline().split() == [second.version, "5"]
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)


def test_the_published_file_has_comments_parquet_and_a_manifest(tmp_path):
    root = tmp_path / "published"
    p = pub.publish(_tables(4), root, {"run": "one"})
    con = duckdb.connect(str(pub.current_path(root)), read_only=True)
    try:
        assert con.execute(
            "select comment from duckdb_tables() where table_name = 'counts'"
        ).fetchall() == [("One row per jurisdiction: reviews completed.",)]
        assert con.execute(
            "select comment from duckdb_columns() where table_name = 'counts' "
            "and column_name = 'reviews'"
        ).fetchall() == [("Reviews completed (suppressed: NULL).",)]
        rows = con.execute("select * from reviews.counts order by 1").fetchall()
    finally:
        con.close()
    parquet = root / "parquet" / "reviews" / "counts.parquet"
    assert duckdb.sql(f"select * from '{parquet}' order by 1").fetchall() == rows
    manifest = json.loads((p.path.parent / "manifest.json").read_text())
    assert manifest["tables"]["reviews.counts"]["rows"] == 4


def test_a_publish_that_fails_half_way_leaves_the_last_version(tmp_path):
    root = tmp_path / "published"
    good = pub.publish(_tables(2), root, {"run": "good"})

    class Broken:
        schema, name, description, columns = "reviews", "broken", "", {}
        relation = "reviews.broken"

        @property
        def frame(self):
            raise RuntimeError("the source went away")

    with pytest.raises(RuntimeError):
        pub.publish([*_tables(9), Broken()], root, {"run": "bad"})

    assert pub.current_version(root) == good.version
    assert not list((root / "versions").glob(".building-*"))
    con = duckdb.connect(str(pub.current_path(root)), read_only=True)
    try:
        assert con.execute("select count(*) from reviews.counts").fetchall() == [(2,)]
    finally:
        con.close()


def test_old_versions_are_removed_but_the_current_one_stays(tmp_path):
    root = tmp_path / "published"
    for n in range(pub.KEEP_VERSIONS + 2):
        last = pub.publish(_tables(n + 1), root, {"run": n})
    kept = sorted(p.name for p in (root / "versions").iterdir())
    assert len(kept) == pub.KEEP_VERSIONS
    assert last.version == kept[-1] == pub.current_version(root)
    assert Path(root / "npcs.duckdb").resolve() == last.path.resolve()


def test_a_column_left_all_null_keeps_its_type(tmp_path):
    """Suppression can hide every cell of a column; the published column keeps the mart's type
    (a data frame alone would give DuckDB type NULL, which PostgreSQL cannot take)."""
    frame = pd.DataFrame({"j": ["A", "B"], "n": pd.array([None, None], dtype="Int64")})
    frame["rate"] = None
    table = pub.PublishedTable("t", "x", frame, types={"n": "BIGINT", "rate": "DOUBLE"})
    root = tmp_path / "published"
    pub.publish([table], root, {"run": "one"})
    con = duckdb.connect(str(pub.current_path(root)), read_only=True)
    try:
        types = dict(
            con.execute(
                "select column_name, data_type from duckdb_columns() where table_name = 'x'"
            ).fetchall()
        )
    finally:
        con.close()
    assert types == {"j": "VARCHAR", "n": "BIGINT", "rate": "DOUBLE"}
