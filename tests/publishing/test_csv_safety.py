"""CSV written for people opens safely in a spreadsheet: a text cell starting with = + - @, a tab
or a carriage return gets a leading ' (OWASP's CSV injection guidance); numbers, dates and
booleans are written as they are; Parquet keeps every value raw."""

from __future__ import annotations

import csv
import io
import shutil
import zipfile

import duckdb
import pytest

from publishing.csv_safety import (
    DANGEROUS_FIRST_CHARACTERS,
    csv_select_list,
    escape_cell,
    escape_row,
)
from publishing.extracts import MEMBER_TABLES, build_extracts

PAYLOADS = (
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
)
SAFE = ("CT-2023-001", "", "a=b", "'=already text", " =x", "1-2", "éclair")


def _copy_csv(con: duckdb.DuckDBPyConnection, relation: str, path) -> list[list[str]]:
    con.execute(
        f"copy (select {csv_select_list(con, relation)} from {relation} order by n) "
        f"to '{path}' (format csv, header)"
    )
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_the_rule_escapes_every_dangerous_first_character_in_sql_and_python(tmp_path):
    assert set(DANGEROUS_FIRST_CHARACTERS) == {"=", "+", "-", "@", "\t", "\r"}
    dangerous = [c + "x" for c in DANGEROUS_FIRST_CHARACTERS] + list(PAYLOADS)
    dangerous += ['=1+1,"quoted",\nnext line']  # the escape keeps CSV quoting intact
    values = dangerous + list(SAFE)
    con = duckdb.connect()
    con.execute("create type mood as enum ('=ok', 'fine')")
    con.execute(
        "create table t (n integer, s varchar, neg integer, d double, dec decimal(6, 2), "
        "day date, flag boolean, m mood, b blob, codes varchar[])"
    )
    for n, v in enumerate(values):
        con.execute(
            "insert into t values (?, ?, -?, -1.5, -2.25, '2024-01-02', false, ?, ?, ?)",
            [n, v, n + 1, "=ok" if n % 2 else "fine", v.encode(), [v]],
        )
    con.execute("insert into t (n) values (?)", [len(values)])  # NULLs stay empty
    header, *rows = _copy_csv(con, "t", tmp_path / "t.csv")
    assert header == ["n", "s", "neg", "d", "dec", "day", "flag", "m", "b", "codes"]
    for n, v in enumerate(values):
        row = dict(zip(header, rows[n], strict=True))
        assert row["s"] == escape_cell(v)
        as_text = con.execute("select cast(?::blob as varchar)", [v.encode()]).fetchall()[0][0]
        assert row["b"] == escape_cell(as_text)  # a BLOB is written as text: escaped too
        assert row["m"] == ("'=ok" if n % 2 else "fine")  # an ENUM is text
        assert (row["neg"], row["d"], row["dec"]) == (str(-(n + 1)), "-1.5", "-2.25")
        assert (row["day"], row["flag"]) == ("2024-01-02", "false")
        assert row["codes"].startswith("[")  # a list starts with [, never a formula
    assert rows[len(values)][1:] == [""] * 9
    for v in dangerous:
        assert escape_cell(v) == "'" + v
    for v in SAFE:
        assert escape_cell(v) == v
    assert escape_row([-3, None, 1.5, "=x", "y"]) == [-3, None, 1.5, "'=x", "y"]


@pytest.fixture(scope="module")
def planted(demo_refresh, tmp_path_factory):
    """The demo warehouse with every payload planted in CT's reviews (``review_id``, a text
    column a member supplies) and negative numbers in numeric columns, then the extracts built
    from it as publishing builds them."""
    root = tmp_path_factory.mktemp("csv_safety")
    warehouse = root / "w.duckdb"
    shutil.copy(demo_refresh.settings.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    keys = [
        r[0]
        for r in con.execute(
            "select review_key from reviews.fct_reviews where jurisdiction_id = 'CT' order by 1"
        ).fetchall()
    ]
    assert len(keys) > len(PAYLOADS) + 1
    for key, payload in zip(keys, PAYLOADS, strict=False):
        con.execute(
            "update reviews.fct_reviews set review_id = ?, child_age_years = -3 "
            "where review_key = ?",
            [payload, key],
        )
    con.execute(
        "update workforce.fct_workforce_quarters set average_headcount = -1.5, hires = -2 "
        "where jurisdiction_id = 'CT'"
    )
    version = root / "v1"
    (version / "parquet").mkdir(parents=True)
    packages = build_extracts(con, version, "v1", "2024-10-01")
    yield con, packages["CT"], dict(zip(keys, PAYLOADS, strict=False)), keys[len(PAYLOADS)]
    con.close()


def _csv(z: zipfile.ZipFile, relation: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(z.read(f"own/{relation}.csv").decode(), newline="")))


def test_member_extract_csv_has_no_live_formula_and_parquet_keeps_the_original(planted, tmp_path):
    con, package, payloads, ordinary_key = planted
    with zipfile.ZipFile(package) as z:
        for relation in MEMBER_TABLES:
            schema, table = relation.split(".")
            types = dict(
                con.execute(
                    "select column_name, data_type from information_schema.columns "
                    "where table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            )
            for row in _csv(z, relation):
                for column, cell in row.items():
                    if cell[:1] in DANGEROUS_FIRST_CHARACTERS:  # only a negative number may
                        assert types[column] in ("INTEGER", "BIGINT", "DOUBLE"), (column, cell)
                        float(cell)
        reviews = {r["review_key"]: r for r in _csv(z, "reviews.fct_reviews")}
        for key, payload in payloads.items():
            assert reviews[key]["review_id"] == "'" + payload
            assert reviews[key]["child_age_years"] == "-3"
        expected = con.execute(
            "select review_id from reviews.fct_reviews where review_key = ?", [ordinary_key]
        ).fetchall()[0][0]
        assert reviews[ordinary_key]["review_id"] == expected  # an ordinary value: unchanged
        quarters = _csv(z, "workforce.fct_workforce_quarters")
        assert quarters and all(
            (q["average_headcount"], q["hires"]) == ("-1.5", "-2") for q in quarters
        )
        parquet = tmp_path / "reviews.parquet"
        parquet.write_bytes(z.read("own/reviews.fct_reviews.parquet"))
    raw = dict(duckdb.sql(f"select review_key, review_id from '{parquet}'").fetchall())
    for key, payload in payloads.items():
        assert raw[key] == payload  # the Parquet copy holds the original value
