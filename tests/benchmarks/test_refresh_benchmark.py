"""The benchmark harness itself (benchmarks/ is not a package and its runs are not tests): its
options parse, its memory figures tell a process from its children, and the new file it sends
is a valid copy of a jurisdiction's reviews."""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

import pytest

from npcs.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

import processes  # noqa: E402
import refresh_benchmark  # noqa: E402


def test_issue_7_options_parse():
    args = refresh_benchmark.parse_args(
        ["--scales", "1", "10", "100", "--one-jurisdiction", "CT", "--definitions-load"]
        + ["--timeline", "--single-run-over", "60"]
    )
    assert args.scales == [1, 10, 100]
    assert args.one_jurisdiction == "CT"
    assert args.definitions_load and args.timeline and not args.keep
    assert args.single_run_over == 60.0 and args.repeat == 3
    defaults = refresh_benchmark.parse_args([])
    assert defaults.scales == [1] and defaults.one_jurisdiction is None
    assert not defaults.definitions_load and not defaults.compare_gates


def _peaks(parent_bytes: int, child_bytes: int) -> processes.Measured:
    code = (
        f"import subprocess, sys, time; a = bytearray({parent_bytes}); "
        "subprocess.run([sys.executable, '-c', "
        f"'import time; b = bytearray({child_bytes}); time.sleep(1.0)'], check=True)"
    )
    return processes.run([sys.executable, "-c", code], {**os.environ})


def test_peak_memory_of_a_process_and_of_its_child_are_told_apart():
    """A process holding 150 MB starts a child that holds 400 MB: 'own' is the parent's peak,
    'children' the child's, and the sampled tree holds both at once (figures in MiB)."""
    mib = 2**20
    m = _peaks(150_000_000, 400_000_000)
    assert 150e6 / mib <= m.own_mb < 300, m
    assert 400e6 / mib <= m.children_mb < 500, m
    assert list(m.children) == ["python -c"], m
    assert m.tree_mb >= 550e6 / mib, m  # both alive during the child's sleep
    assert m.seconds >= 1.0


def test_the_measured_process_is_not_given_the_peak_of_the_process_that_starts_it():
    """Started from a large process (a long test session, here 600 MB held), the measured
    process's own peak is still its own: VmHWM after exec, not getrusage's inherited mark."""
    held = bytearray(600_000_000)
    m = _peaks(150_000_000, 400_000_000)
    assert m.own_mb < 300, m
    del held


def test_a_small_child_of_a_large_process_is_not_given_the_parents_peak():
    """The kernel gives a vforked child its parent's high-water mark in getrusage: the child's
    figure must be its own."""
    mib = 2**20
    m = _peaks(400_000_000, 50_000_000)
    assert m.own_mb >= 400e6 / mib, m
    assert 50e6 / mib <= m.children_mb < 150, m


def test_a_failing_command_fails_the_benchmark():
    with pytest.raises(SystemExit, match="exited 3"):
        processes.run([sys.executable, "-c", "import sys; sys.exit(3)"], {**os.environ})


def test_the_new_file_is_one_review_in_the_jurisdictions_layout(tmp_path):
    folder = tmp_path / "CT" / "reviews"
    folder.mkdir(parents=True)
    (folder / "reviews_2024q3.csv").write_text(
        "review_id,period,score\nCT-1,2024Q3,4\nCT-2,2024Q3,5\n"
    )
    path = refresh_benchmark.add_reviews_file(tmp_path, "CT", "new.csv", "CT-BENCH-0A")
    rows = list(csv.DictReader(path.open()))
    assert rows == [{"review_id": "CT-BENCH-0A", "period": "2024Q3", "score": "4"}]
    assert path.parent == folder and Path(path).name == "new.csv"
