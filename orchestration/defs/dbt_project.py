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
