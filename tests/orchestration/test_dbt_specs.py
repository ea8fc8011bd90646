"""The dbt assets' specs, built from the manifest without dbt, are the ones dagster-dbt builds.

Loading the code location reads ``manifest.json`` only (``orchestration/defs/dbt_specs.py``); the
step imports dbt and dagster-dbt. These tests hold the two to each other: a spec that drifted
from dagster-dbt's (a key, a dependency, a group, a description, a code version, table metadata)
would change what the UI shows and what a subset run selects.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

# Run-time objects dagster-dbt attaches to its specs (the step builds its own).
RUNTIME_METADATA = {
    "dagster_dbt/manifest",
    "dagster_dbt/dagster_dbt_translator",
    "dagster_dbt/project",
}


def _deps(spec) -> list[tuple[str, str]]:
    # dagster-dbt collects a node's parents in a set: compare them as a set
    return sorted(
        (d.asset_key.to_user_string(), repr(sorted((d.metadata or {}).items()))) for d in spec.deps
    )


@pytest.fixture(scope="module")
def both():
    from dagster_dbt.asset_utils import build_dbt_specs

    from orchestration.defs import dbt_in_process
    from orchestration.defs.dbt_project import MANIFEST_PATH, dbt_project, ensure_manifest
    from orchestration.defs.dbt_specs import FULL_SELECTION, asset_specs, load_manifest

    ensure_manifest()
    manifest = load_manifest(MANIFEST_PATH)
    theirs, _checks = build_dbt_specs(
        manifest=manifest,
        translator=dbt_in_process.translator(),
        select=" ".join(FULL_SELECTION),
        exclude="",
        selector="",
        io_manager_key=None,
        project=dbt_project(),
    )
    return {s.key: s for s in asset_specs(manifest)}, {s.key: s for s in theirs}, manifest


def test_the_same_assets_as_dagster_dbt(both):
    mine, theirs, manifest = both
    assert set(mine) == set(theirs)
    owned = [n for n in manifest["nodes"].values() if n["resource_type"] in ("seed", "model")]
    assert len(mine) == len(owned) > 50


@pytest.mark.parametrize(
    "attribute",
    ["description", "group_name", "code_version", "kinds", "tags", "owners", "skippable"],
)
def test_each_attribute_as_dagster_dbt_builds_it(both, attribute):
    mine, theirs, _ = both
    differ = [
        k.to_user_string()
        for k, spec in theirs.items()
        if getattr(spec, attribute) != getattr(mine[k], attribute)
    ]
    assert not differ, f"{attribute} differs from dagster-dbt's for {differ[:5]}"


def test_dependencies_and_table_metadata_as_dagster_dbt_builds_them(both):
    mine, theirs, _ = both
    for key, spec in theirs.items():
        assert _deps(mine[key]) == _deps(spec), key
        expected = {k: v for k, v in spec.metadata.items() if k not in RUNTIME_METADATA}
        assert dict(mine[key].metadata) == expected, key
    # the rules themselves: warehouse addresses, sources as the ingestion assets
    fct = next(s for k, s in mine.items() if k.path == ["reviews", "fct_reviews"])
    assert fct.group_name == "reviews"
    assert fct.metadata["dagster/table_name"].endswith("reviews.fct_reviews")
    stg = next(s for k, s in mine.items() if k.path == ["staging", "stg_raw__reviews"])
    assert ["raw", "reviews"] in [d.asset_key.path for d in stg.deps]


def test_loading_the_code_location_imports_neither_dbt_nor_dagster_dbt():
    code = (
        "import sys; from orchestration.definitions import defs; defs.resolve_asset_graph(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dbt', 'dagster_dbt')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "[]"
