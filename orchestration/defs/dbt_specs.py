"""The dbt project's seeds and models as Dagster asset specs, read from the manifest alone.

Loading the code location must not import dbt: dagster-dbt's ``@dbt_assets`` imports dbt-core
(``dagster_dbt.compat``), about 1.3 s of a 2.5 s load. The specs it would build are a pure
function of ``manifest.json``, so this module builds the same ones — the same keys, dependencies,
groups, descriptions, code versions, kinds, tags and table metadata (``tests/orchestration/
test_dbt_specs.py`` compares them with dagster-dbt's own, spec by spec) — and dbt and dagster-dbt
are imported only inside the ``dbt_build`` step (``dbt_in_process.py``), whose translator uses the
key and group rules defined here.

The rules: a seed's or a model's key is ``[schema, name]`` (the warehouse address) and its group
is its schema; a source's key is ``[source_name, name]`` (``raw/reviews``, the ingestion asset).
"""

from __future__ import annotations

import hashlib
import json
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._utils.tags import is_valid_tag_key  # the rule dagster-dbt applies to dbt tags

# What the dbt_build asset owns: every seed and model (a run that selects a subset passes those
# nodes instead: dbt_in_process.selection_for).
FULL_SELECTION = ["resource_type:seed", "resource_type:model"]
OWNED_TYPES = ("seed", "model")


def asset_key(props: Mapping[str, Any]) -> dg.AssetKey:
    """The asset key of a dbt node (seed, model) or source."""
    meta = props.get("config", {}).get("meta", {}) or props.get("meta", {})
    configured = meta.get("dagster", {}).get("asset_key")
    if configured:
        return dg.AssetKey(configured)
    if props["resource_type"] == "source":
        return dg.AssetKey([props["source_name"], props["name"]])
    return dg.AssetKey([props["schema"], props["name"]])


def group_name(props: Mapping[str, Any]) -> str:
    return props["schema"]


def _description(props: Mapping[str, Any]) -> str:
    code = textwrap.indent(props.get("raw_code") or "", "    ")
    text = props.get("description") or f"dbt {props['resource_type']} {props['name']}"
    return "\n\n".join(filter(None, [text, f"#### Raw SQL:\n```sql\n{code}\n```"]))


def _code_version(props: Mapping[str, Any]) -> str | None:
    code = props.get("raw_code")
    if code:
        return hashlib.sha1(code.encode("utf-8")).hexdigest()
    return props.get("checksum", {}).get("checksum")


def _table_metadata(props: Mapping[str, Any], adapter: str | None) -> dict[str, Any]:
    columns = props.get("columns") or {}
    parts = [
        props.get("database"),
        props.get("schema"),
        props.get("alias"),
        props.get("name") if props["resource_type"] == "source" else None,
    ]
    metadata: dict[str, Any] = {
        "dagster-dbt/materialization_type": props.get("config", {}).get("materialized"),
    }
    if columns:
        metadata["dagster/column_schema"] = dg.TableSchema(
            columns=[
                dg.TableColumn(
                    name=name,
                    type=info.get("data_type") or "?",
                    description=info.get("description"),
                    tags={t: "" for t in info.get("tags", [])},
                )
                for name, info in columns.items()
            ]
        )
    if any(parts):
        metadata["dagster/table_name"] = ".".join(p for p in parts if p)
    if adapter:
        metadata["dagster/storage_kind"] = adapter
    return {k: v for k, v in metadata.items() if v is not None}


def asset_specs(manifest: Mapping[str, Any]) -> list[dg.AssetSpec]:
    """One spec per seed and model of the manifest, as dagster-dbt would build it."""
    adapter = manifest.get("metadata", {}).get("adapter_type")
    project_id = manifest.get("metadata", {}).get("project_id")
    sources = manifest.get("sources", {})
    nodes = manifest.get("nodes", {})
    specs = []
    for unique_id, props in nodes.items():
        if props["resource_type"] not in OWNED_TYPES:
            continue
        deps, seen = [], set()
        for parent in props.get("depends_on", {}).get("nodes", []):
            parent_props = nodes.get(parent) or sources.get(parent)
            if parent_props is None:
                continue
            key = asset_key(parent_props)
            if key in seen:
                continue
            seen.add(key)
            dep_metadata = (
                _table_metadata(parent_props, adapter) if parent.startswith("source") else None
            )
            deps.append(dg.AssetDep(key, metadata=dep_metadata))
        metadata = {
            **_table_metadata(props, adapter),
            "dagster_dbt/unique_id": unique_id,
        }
        if project_id:
            metadata["dagster_dbt/project_id"] = dg.MetadataValue.text(project_id)
        specs.append(
            dg.AssetSpec(
                key=asset_key(props),
                deps=deps,
                description=_description(props),
                metadata=metadata,
                skippable=True,
                group_name=group_name(props),
                code_version=_code_version(props),
                owners=props.get("meta", {}).get("dagster", {}).get("owners"),
                tags={t: "" for t in props.get("tags", []) if is_valid_tag_key(t)},
                kinds={"dbt", adapter or "dbt"},
            )
        )
    return specs


def load_manifest(path: Path) -> dict[str, Any]:
    """The manifest as a dict."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
