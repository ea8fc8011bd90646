"""The dbt project as Dagster sees it, kept in its own module (see stack notes).

The manifest is prepared ahead of loading (``npcs refresh`` and the tests prepare it when it is
missing; ``dagster dev`` re-parses it), never parsed at every import.
"""

from __future__ import annotations

from dagster_dbt import DbtProject

from npcs.settings import DBT_PROJECT_DIR

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
dbt_project.prepare_if_dev()


def ensure_manifest() -> None:
    """Parse the dbt project when no manifest exists yet (fresh clone)."""
    if not dbt_project.manifest_path.exists():
        dbt_project.preparer.prepare(dbt_project)
