"""Every mart is documented and contracted; the exposures and the semantic layer match what the
report and releases really read. Checked on the manifest of a real ``dbt parse``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

MART_SCHEMAS = {"reviews", "workforce", "equity", "membership", "common", "data_quality"}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    from npcs.dbt_cli import run_dbt

    target = tmp_path_factory.mktemp("parse")
    proc = run_dbt(["parse", "--quiet"], target / "w.duckdb", target)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads((target / "manifest.json").read_text())


def _marts(manifest: dict) -> list[dict]:
    return [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model" and n["schema"] in MART_SCHEMAS
    ]


def test_every_mart_has_an_enforced_contract_a_grain_and_described_columns(manifest):
    marts = _marts(manifest)
    assert len(marts) >= 25
    problems = []
    for node in marts:
        name = f"{node['schema']}.{node['name']}"
        if not node["config"]["contract"]["enforced"]:
            problems.append(f"{name}: contract not enforced")
        if "one row per" not in node["description"].lower():
            problems.append(f"{name}: description does not state the grain")
        if not node["columns"]:
            problems.append(f"{name}: no columns declared")
        for column in node["columns"].values():
            if not column.get("description", "").strip():
                problems.append(f"{name}.{column['name']}: no description")
            if not column.get("data_type"):
                problems.append(f"{name}.{column['name']}: no data_type")
    assert problems == []


def test_every_mart_has_a_tested_primary_key(manifest):
    marts = _marts(manifest)
    tested = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        meta = node.get("test_metadata") or {}
        if meta.get("name") in ("unique", "not_null") and node.get("attached_node"):
            column = meta.get("kwargs", {}).get("column_name")
            tested.setdefault((node["attached_node"], column), set()).add(meta["name"])
    missing = []
    for node in marts:
        keys = [
            c
            for con in node.get("constraints") or []
            if con["type"] == "primary_key"
            for c in con.get("columns") or []
        ]
        keys += [
            col["name"]
            for col in node["columns"].values()
            if any(c["type"] == "primary_key" for c in col.get("constraints") or [])
        ]
        if len(keys) != 1:
            missing.append(f"{node['name']}: primary key {keys}")
            continue
        if tested.get((node["unique_id"], keys[0]), set()) != {"unique", "not_null"}:
            missing.append(f"{node['name']}.{keys[0]}: not tested unique and not_null")
    assert missing == []


def test_the_report_exposure_lists_exactly_the_marts_the_report_reads(manifest):
    from reporting.figures import REPORT_MARTS
    from reporting.metrics import HEADLINE_METRICS

    exposure = manifest["exposures"]["exposure.npcs.partnership_report"]
    models = {
        (manifest["nodes"][n]["schema"], manifest["nodes"][n]["name"])
        for n in exposure["depends_on"]["nodes"]
        if n.startswith("model.")
    }
    assert models == set(REPORT_MARTS)
    metrics = {n.split(".")[-1] for n in exposure["depends_on"]["nodes"] if n.startswith("metric.")}
    assert set(HEADLINE_METRICS) <= metrics


def test_the_releases_exposure_covers_every_released_mart(manifest):
    """Every mart but the data_quality ones, which releases leave out (they change with every
    gate run)."""
    from releases.build import NON_PUBLISHED_SCHEMAS

    exposure = manifest["exposures"]["exposure.npcs.releases"]
    marts = _marts(manifest)
    released = {n["unique_id"] for n in marts if n["schema"] not in NON_PUBLISHED_SCHEMAS}
    assert set(exposure["depends_on"]["nodes"]) == released
    assert {n["schema"] for n in marts if n["unique_id"] not in released} == {"data_quality"}


def test_every_headline_metric_is_defined_and_described(manifest):
    from reporting.metrics import HEADLINE_METRICS

    metrics = {m["name"]: m for m in manifest["metrics"].values()}
    for name in (*HEADLINE_METRICS, "jurisdictions_joined"):
        assert name in metrics, name
        assert metrics[name]["description"].strip(), name


def test_npcs_docs_builds_the_site_with_the_marts_and_the_overview(built_warehouse, tmp_path):
    out = tmp_path / "docs"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "npcs.cli",
            "docs",
            "--out",
            str(out),
            "--warehouse",
            str(built_warehouse["path"]),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    catalog = json.loads((out / "catalog.json").read_text())
    assert "model.npcs.fct_reviews" in catalog["nodes"]  # columns read from the warehouse
    manifest = json.loads((out / "manifest.json").read_text())
    overview = manifest["docs"]["doc.npcs.__overview__"]["block_contents"]
    assert "Naming rules" in overview and "Layers" in overview
    assert (out / "static_index.html").stat().st_size > 100_000


def test_not_null_contract_constraints_are_enforced_by_the_warehouse(manifest, warehouse):
    """Mart columns that must not be null carry a contract constraint (DuckDB refuses a null at
    build time, so a bad table is never created) instead of a separate not_null test."""
    nullable = {
        (s, t, c)
        for s, t, c in warehouse.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where is_nullable = 'YES'"
        ).fetchall()
    }
    constrained = [
        (node["schema"], node["name"], col["name"])
        for node in _marts(manifest)
        for col in node["columns"].values()
        if any(c["type"] == "not_null" for c in col.get("constraints") or [])
    ]
    assert len(constrained) >= 200
    assert [c for c in constrained if c in nullable] == []


def test_the_published_warehouse_exposure_lists_exactly_what_it_reads(manifest):
    from publishing.catalog import load_catalog
    from publishing.extracts import MEMBER_TABLES

    exposure = manifest["exposures"]["exposure.npcs.published_warehouse"]
    models = {
        f"{manifest['nodes'][n]['schema']}.{manifest['nodes'][n]['name']}"
        for n in exposure["depends_on"]["nodes"]
    }
    assert models == {t.source for t in load_catalog().tables} | set(MEMBER_TABLES)
