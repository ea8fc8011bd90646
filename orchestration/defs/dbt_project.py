"""The dbt project as Dagster sees it, kept in its own module (see stack notes).

The manifest is prepared ahead of loading (``npcs refresh`` and the tests prepare it when it is
missing or older than the project's files; ``dagster dev`` re-parses it at every load), never
parsed at every import. Loading the code location reads the manifest only: dagster-dbt (and the
dbt-core it imports) is imported when a manifest must be prepared or a dbt step runs
(``dbt_specs.py``).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from npcs.settings import DBT_PROJECT_DIR

if TYPE_CHECKING:
    from dagster_dbt import DbtProject

# dbt's default target path (dbt_project.yml sets no other): what `dbt parse` writes and the code
# location reads
MANIFEST_PATH = DBT_PROJECT_DIR / "target" / "manifest.json"


@cache
def dbt_project() -> DbtProject:
    """dagster-dbt's view of the project (imports dbt-core: for steps and preparing only)."""
    from dagster_dbt import DbtProject

    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    if Path(project.manifest_path) != MANIFEST_PATH:
        raise RuntimeError(f"dbt writes its manifest to {project.manifest_path}, not here")
    return project


def _sources_newer_than(path: Path) -> bool:
    built = path.stat().st_mtime
    watched = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "seeds", "macros", "snapshots", "tests"):
        watched.extend((DBT_PROJECT_DIR / folder).rglob("*"))
    return any(p.is_file() and p.stat().st_mtime > built for p in watched)


def ensure_manifest() -> None:
    """Parse the dbt project under ``dagster dev`` (as dagster-dbt's ``prepare_if_dev``), and
    otherwise only when the manifest is missing (fresh clone) or older than any file of the
    project; else the prepared one is loaded as it is."""
    dev = bool(os.getenv("DAGSTER_IS_DEV_CLI"))
    if dev or not MANIFEST_PATH.exists() or _sources_newer_than(MANIFEST_PATH):
        project = dbt_project()
        project.preparer.prepare(project)


def refresh_build_args(leave_out_gated_tests: bool = True) -> list[str]:
    """``dbt build`` as a refresh runs it.

    Left out: dbt unit tests (fixed inputs: the test suite runs them), and — when
    ``leave_out_gated_tests``, i.e. the run's mart gates follow — on the marts whose Soda
    contract is generated from the dbt yml, the generic tests that contract repeats (not_null,
    unique, accepted_values, relationships, values_in_code_list): the same rule, defined once in
    the yml, is then checked once per refresh — by the mart gate, which blocks. The test suite's
    full ``dbt build`` runs them all (tests/dbt_project)."""
    if not leave_out_gated_tests:
        return ["build", "--exclude-resource-type", "unit_test"]
    from quality_checks.mart_contracts import CONVERTED_TESTS, HAND_WRITTEN_SCHEMAS

    marts = DBT_PROJECT_DIR / "models" / "marts"
    schemas = sorted(
        p.name for p in marts.iterdir() if p.is_dir() and p.name not in HAND_WRITTEN_SCHEMAS
    )
    repeated = [
        f"test_name:{kind},path:models/marts/{schema}"
        for schema in schemas
        for kind in CONVERTED_TESTS
    ]
    # one --exclude value, space-separated: dagster-dbt folds it into its own selection
    return ["build", "--exclude-resource-type", "unit_test", "--exclude", " ".join(repeated)]
