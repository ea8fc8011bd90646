"""ingestion_benchmark.py --reference-commit: the reference is the commit's own files, and the
process timing it imports the reference's ingestion code, not this working tree's."""

from __future__ import annotations

import sys

from npcs.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

import ingestion_benchmark  # noqa: E402


def test_the_reference_is_timed_with_its_own_code(tmp_path):
    ref = tmp_path / "reference"
    sha = ingestion_benchmark.export_commit("HEAD", ref)
    assert len(sha) == 40 and (ref / "ingestion" / "raw_loader.py").is_file()
    assert not (ref / ".git").exists()  # an export, not a worktree of the shared repository
    csv = tmp_path / "data" / "tasc_responses.csv"
    csv.parent.mkdir()
    ingestion_benchmark.write_csv(csv, 200)
    # _run stops the benchmark when the measuring process imported another tree's ingestion
    seconds, rows, _ = ingestion_benchmark._run("ingest", csv, ref)
    assert rows == 200 and seconds > 0
