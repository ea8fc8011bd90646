"""The dbt project's SQL is SQLFluff clean (rules in dbt_project/.sqlfluff)."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_models_and_singular_tests_are_sqlfluff_clean():
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sqlfluff",
            "lint",
            "dbt_project/models",
            "dbt_project/tests",
            "--processes",
            "2",
            "--format",
            "github-annotation-native",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert "No module named sqlfluff" not in result.stderr, result.stderr  # never pass when absent
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
