"""Shared fixtures: a demo landing zone, an isolated Dagster home, and one full refresh.

Everything runs for real: DuckDB files in tmp folders, dbt builds, Soda verifications and
Dagster in-process runs. The session-scoped refresh is shared by the read-only tests so the suite
stays well inside CI's time budget.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from npcs.settings import REPO_ROOT, configure_environment

DEMO_AS_OF = date(2024, 10, 1)

# Retries of transient failures (orchestration/defs/retries.py) wait seconds in production; in the
# tests a fraction of one. Read when the definitions are imported, so set before any test module.
os.environ.setdefault("NPCS_RETRY_DELAY_SECONDS", "0.25")
os.environ.setdefault("NPCS_RETRY_MAX_RETRIES", "4")


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory) -> Path:
    """Point every path variable and DAGSTER_HOME at a throw-away folder for the session."""
    root = tmp_path_factory.mktemp("env")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ["NPCS_WAREHOUSE"] = str(root / "warehouse" / "npcs.duckdb")
    os.environ["NPCS_LANDING"] = str(root / "landing")
    os.environ["NPCS_REPORTS"] = str(root / "reports")
    os.environ["NPCS_RELEASES"] = str(root / "releases")
    configure_environment()
    return root


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory) -> Path:
    """The scale-1 demo landing zone (generated once; copy it before changing it)."""
    from npcs.demo_data import write_landing_zone

    out = tmp_path_factory.mktemp("demo") / "landing"
    write_landing_zone(out)
    return out


@pytest.fixture(scope="session")
def demo_refresh(tmp_path_factory, demo_landing):
    """One full refresh of the demo landing zone as of 2024-10-01."""
    from npcs.refresh import run_refresh

    root = tmp_path_factory.mktemp("demo_refresh")
    outcome = run_refresh(
        landing=demo_landing,
        warehouse=root / "warehouse.duckdb",
        out=root / "reports",
        as_of=DEMO_AS_OF,
    )
    return outcome


def copy_landing(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst
