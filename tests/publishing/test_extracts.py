"""Each member's extract holds its own record-level rows — all of them — and the published
benchmarks, and not one row of another member's record-level data."""

from __future__ import annotations

import csv
import io
import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest

from publishing.extracts import MEMBER_TABLES, build_extracts


@pytest.fixture(scope="module")
def built(demo_refresh, tmp_path_factory):
    root = tmp_path_factory.mktemp("extracts")
    warehouse = root / "w.duckdb"
    shutil.copy(demo_refresh.settings.warehouse, warehouse)
    version = root / "v1"
    bench = version / "parquet" / "reviews"
    bench.mkdir(parents=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    con.execute(f"copy reviews.agg_review_counts to '{bench / 'agg_review_counts.parquet'}'")
    packages = build_extracts(con, version, "v1", "2024-10-01")
    yield con, packages, version
    con.close()


def _read(z: zipfile.ZipFile, name: str, tmp: Path) -> list[tuple]:
    out = tmp / name.replace("/", "_")
    out.write_bytes(z.read(name))
    return duckdb.sql(f"select * from '{out}' order by all").fetchall()


def test_every_member_gets_exactly_its_own_rows(built, tmp_path):
    con, packages, _ = built
    members = [
        r[0]
        for r in con.execute("select jurisdiction_id from membership.dim_jurisdictions").fetchall()
    ]
    assert sorted(packages) == sorted(members)
    others_seen = 0
    for jurisdiction in ("CT", "OH", "PA-ALLEGHENY"):
        with zipfile.ZipFile(packages[jurisdiction]) as z:
            for relation in MEMBER_TABLES:
                rows = _read(z, f"own/{relation}.parquet", tmp_path)
                expected = con.execute(
                    f"select * from {relation} where jurisdiction_id = ? order by all",
                    [jurisdiction],
                ).fetchall()
                assert rows == expected, (jurisdiction, relation)
                total = con.execute(f"select count(*) from {relation}").fetchall()[0][0]
                others_seen += total - len(rows)
                text = io.StringIO(z.read(f"own/{relation}.csv").decode())
                assert len(list(csv.reader(text))) == len(rows) + 1
    assert others_seen > 0  # other members have rows that these packages left out
    with zipfile.ZipFile(packages["CT"]) as z:
        assert _read(z, "own/reviews.fct_reviews.parquet", tmp_path), "CT has reviews"


def test_no_package_holds_another_members_record_level_rows(built, tmp_path):
    _, packages, _ = built
    for jurisdiction, package in packages.items():
        with zipfile.ZipFile(package) as z:
            for name in z.namelist():
                if name.startswith("own/") and name.endswith(".parquet"):
                    out = tmp_path / "x.parquet"
                    out.write_bytes(z.read(name))
                    ids = duckdb.sql(f"select distinct jurisdiction_id from '{out}'").fetchall()
                    assert ids in ([], [(jurisdiction,)]), (jurisdiction, name, ids)


def test_a_package_carries_the_published_benchmarks_and_a_manifest(built, tmp_path):
    _, packages, version = built
    with zipfile.ZipFile(packages["CT"]) as z:
        bench = z.read("benchmarks/reviews/agg_review_counts.parquet")
        assert bench == (version / "parquet/reviews/agg_review_counts.parquet").read_bytes()
        manifest = json.loads(z.read("manifest.json"))
        assert manifest["jurisdiction_id"] == "CT"
        assert set(manifest["files"]) == {n for n in z.namelist()} - {"README.txt", "manifest.json"}
        assert "CT" in z.read("README.txt").decode()
