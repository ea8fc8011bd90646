"""Environment resolution in one place: paths, and every tool's telemetry switched off.

Import this module before dagster, dbt or soda_core: it sets the telemetry variables that those
tools read at import time (Soda's must be set before ``soda_core`` is imported).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
CONTRACTS_DIR = REPO_ROOT / "quality_checks" / "contracts"

TELEMETRY_OFF = {
    "SODA_CORE_TELEMETRY_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "DAGSTER_DISABLE_TELEMETRY": "1",
}

DEFAULTS = {
    "NPCS_WAREHOUSE": "data/warehouse/npcs.duckdb",
    "NPCS_LANDING": "data/landing",
    "NPCS_REPORTS": "data/reports",
    "NPCS_RELEASES": "data/releases",
    "DAGSTER_HOME": "dagster_home",
}


# DuckDB's buffer pool for the warehouse, in every process that writes or builds it (the loader,
# dbt, publishing): DuckDB's own default is 80% of RAM, which it keeps once it has used it; under
# this limit it spills sorts, joins and aggregations to ``<warehouse>.tmp`` instead. 1 GB keeps a
# 100x refresh under 2 GiB of resident memory (benchmarks/README.md).
DUCKDB_MEMORY_LIMIT_DEFAULT = "1GB"


def duckdb_config() -> dict[str, str]:
    """Settings for a connection to the warehouse file (``NPCS_DUCKDB_MEMORY_LIMIT``)."""
    limit = os.environ.get("NPCS_DUCKDB_MEMORY_LIMIT") or DUCKDB_MEMORY_LIMIT_DEFAULT
    return {"memory_limit": limit}


def _resolve(value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (REPO_ROOT / p).resolve()


def configure_environment() -> None:
    """Telemetry off, and every path variable set (absolute) so dbt, Dagster and Soda agree."""
    for key, value in TELEMETRY_OFF.items():
        os.environ[key] = value
    for key, default in DEFAULTS.items():
        os.environ[key] = str(_resolve(os.environ.get(key) or default))


@dataclass(frozen=True)
class Settings:
    warehouse: Path
    landing: Path
    reports: Path
    dagster_home: Path
    releases: Path

    @classmethod
    def from_env(cls) -> Settings:
        configure_environment()
        return cls(
            warehouse=Path(os.environ["NPCS_WAREHOUSE"]),
            landing=Path(os.environ["NPCS_LANDING"]),
            reports=Path(os.environ["NPCS_REPORTS"]),
            dagster_home=Path(os.environ["DAGSTER_HOME"]),
            releases=Path(os.environ["NPCS_RELEASES"]),
        )


configure_environment()
