"""The dbt project as Dagster sees it, kept in its own module (see stack notes).

The manifest is prepared ahead of loading (``npcs refresh`` and the tests prepare it when it is
missing; ``dagster dev`` re-parses it), never parsed at every import.
"""

from __future__ import annotations

from pathlib import Path

from dagster_dbt import DbtProject

from npcs.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


def _sources_newer_than(path: Path) -> bool:
    built = path.stat().st_mtime
    watched = [DBT_PROJECT_DIR / "dbt_project.yml", DBT_PROJECT_DIR / "profiles.yml"]
    for folder in ("models", "seeds", "macros", "snapshots", "tests"):
        watched.extend((DBT_PROJECT_DIR / folder).rglob("*"))
    return any(p.is_file() and p.stat().st_mtime > built for p in watched)


def ensure_manifest() -> None:
    """Parse the dbt project when the manifest is missing (fresh clone) or older than any file of
    the project; otherwise load the prepared one as it is."""
    manifest = dbt_project.manifest_path
    if not manifest.exists() or _sources_newer_than(manifest):
        dbt_project.preparer.prepare(dbt_project)


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

    marts = dbt_project.project_dir / "models" / "marts"
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
