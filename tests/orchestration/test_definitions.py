"""The platform itself: definitions load fast and the asset graph only changes on purpose."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_graph.txt"


def _graph_listing() -> str:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    lines = []
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        if not node.is_executable:
            continue
        lines.append(f"asset {key.to_user_string()} [group={node.group_name}]")
    for check in sorted(graph.asset_check_keys, key=lambda k: k.to_user_string()):
        lines.append(f"check {check.to_user_string()}")
    for job in sorted(j.name for j in defs.jobs or []):
        lines.append(f"job {job}")
    for schedule in sorted(s.name for s in defs.schedules or []):
        lines.append(f"schedule {schedule}")
    for sensor in sorted(s.name for s in defs.sensors or []):
        lines.append(f"sensor {sensor}")
    return "\n".join(lines) + "\n"


def test_definitions_load_in_a_fresh_process_quickly():
    code = (
        "import time; t = time.perf_counter(); "
        "from orchestration.definitions import defs; defs.resolve_asset_graph(); "
        "print(time.perf_counter() - t)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds = float(proc.stdout.strip().splitlines()[-1])
    print(f"definitions load: {seconds:.2f}s")
    assert seconds < 15


def test_every_asset_has_a_description_and_a_group():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_executable:
            assert node.description, key
            assert node.group_name and node.group_name != "default", key


def test_asset_graph_matches_the_snapshot():
    """A rename of an asset, check or job must be deliberate: regenerate with
    NPCS_UPDATE_SNAPSHOTS=1 and review the diff."""
    listing = _graph_listing()
    if os.environ.get("NPCS_UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text(listing)
    assert listing == SNAPSHOT.read_text()


def test_gates_are_blocking_on_raw_tables_and_report_marts():
    from orchestration.definitions import defs
    from reporting.figures import REPORT_MARTS

    graph = defs.resolve_asset_graph()
    soda = {
        k.asset_key.to_user_string() for k in graph.asset_check_keys if k.name == "soda_contract"
    }
    for ds in (
        "reviews",
        "improvement_opportunities",
        "review_summary",
        "tasc_responses",
        "workforce",
        "outcomes",
    ):
        assert f"raw/{ds}" in soda
    for schema, table in REPORT_MARTS:
        assert f"{schema}/{table}" in soda
    for key in graph.asset_check_keys:
        if key.name == "soda_contract":
            assert graph.get_check_spec(key).blocking, key


def test_the_instance_runs_one_run_at_a_time():
    """The warehouse has a single writer: queued runs (the sensor starts one per jurisdiction)
    must go one after another. The session's DAGSTER_HOME uses the repository's dagster.yaml."""
    from dagster import DagsterInstance

    instance = DagsterInstance.get()
    assert instance.get_concurrency_config().run_queue_config.max_concurrent_runs == 1
    assert instance.get_settings("telemetry") == {"enabled": False}


def test_dbt_leaves_out_the_tests_the_mart_gates_repeat_only_when_they_run():
    """A refresh checks each mart rule once: by the mart gate when the run has it, else by dbt
    (a run without the gates, or of the ingestion job, which has no mart gates)."""
    from types import SimpleNamespace

    from orchestration.definitions import defs
    from orchestration.defs.dbt_project import refresh_build_args
    from orchestration.defs.jobs import FULL_REFRESH_JOB, INGEST_JOB
    from orchestration.defs.quality import mart_gates_in_run

    full = defs.resolve_job_def(FULL_REFRESH_JOB)
    ungated = full.get_subset(
        asset_selection=set(full.asset_layer.executable_asset_keys), asset_check_selection=set()
    )
    assert mart_gates_in_run(SimpleNamespace(job_def=full))
    assert not mart_gates_in_run(SimpleNamespace(job_def=ungated))
    assert not mart_gates_in_run(SimpleNamespace(job_def=defs.resolve_job_def(INGEST_JOB)))
    assert "--exclude" in refresh_build_args(True)
    assert refresh_build_args(False) == ["build", "--exclude-resource-type", "unit_test"]
