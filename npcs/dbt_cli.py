"""Run the dbt command line on the project against a given warehouse file (a subprocess, so the
warehouse path and target folder are the run's own and nothing leaks into the caller)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from npcs.settings import DBT_PROJECT_DIR


def run_dbt(args: list[str], warehouse: Path, target: Path) -> subprocess.CompletedProcess:
    """``dbt <args>`` with ``NPCS_WAREHOUSE=warehouse``, writing into ``target`` (logs in
    ``target/logs``). Output is captured; the caller checks ``returncode``."""
    env = {**os.environ, "NPCS_WAREHOUSE": str(warehouse)}
    dbt = Path(sys.executable).parent / "dbt"
    return subprocess.run(
        [
            str(dbt),
            *args,
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(target / "logs"),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
