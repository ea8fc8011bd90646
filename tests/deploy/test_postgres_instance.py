"""The production Dagster instance (deploy/dagster.yaml) on a real PostgreSQL server.

The instance is loaded the way production loads it — DAGSTER_HOME holding a copy of the file,
the connection from DAGSTER_PG_* — and a real job of the code location (`ingest_jurisdiction`
for one jurisdiction) runs into it. The run, its events and the jurisdiction partitions are then
read back through Dagster and straight from PostgreSQL's tables with psycopg.
"""

from __future__ import annotations

import shutil

import dagster as dg
import psycopg
import pytest
import yaml
from dagster._core.run_coordinator import QueuedRunCoordinator
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage, PostgresScheduleStorage

from npcs.settings import REPO_ROOT

PRODUCTION_YAML = REPO_ROOT / "deploy" / "dagster.yaml"
LOCAL_YAML = REPO_ROOT / "dagster_home" / "dagster.yaml"
JURISDICTION = "CT"


@pytest.fixture(scope="module")
def dagster_database(postgres_server) -> dict[str, str]:
    """A login role and database of their own for Dagster, as an operator would create them;
    returns the DAGSTER_PG_* variables that reach it."""
    params = dict(part.split("=", 1) for part in postgres_server.split())
    with psycopg.connect(postgres_server, autocommit=True) as con:
        con.execute("create role dagster login password 'not-a-secret'")
        con.execute("create database dagster owner dagster")
    return {
        "DAGSTER_PG_HOST": params["host"],
        "DAGSTER_PG_PORT": params["port"],
        "DAGSTER_PG_USER": "dagster",
        "DAGSTER_PG_PASSWORD": "not-a-secret",
        "DAGSTER_PG_DB": "dagster",
    }


@pytest.fixture
def home(tmp_path, monkeypatch, dagster_database):
    """DAGSTER_HOME holding a copy of deploy/dagster.yaml, the PostgreSQL variables set."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(PRODUCTION_YAML, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    for key, value in dagster_database.items():
        monkeypatch.setenv(key, value)
    return home


def _pg(env: dict[str, str]) -> str:
    return (
        f"host={env['DAGSTER_PG_HOST']} port={env['DAGSTER_PG_PORT']} "
        f"user={env['DAGSTER_PG_USER']} dbname={env['DAGSTER_PG_DB']}"
    )


def test_concurrency_is_the_local_instances():
    """Production runs one run at a time like the local instance: whatever the local file
    limits (runs, pools) the production file limits the same way."""
    production = yaml.safe_load(PRODUCTION_YAML.read_text())
    local = yaml.safe_load(LOCAL_YAML.read_text())
    assert production["concurrency"] == local["concurrency"]
    assert production["code_servers"] == local["code_servers"]
    assert local["code_servers"]["wait_for_local_processes_on_shutdown"] is True
    assert production["concurrency"]["runs"]["max_concurrent_runs"] == 1
    assert production["telemetry"] == {"enabled": False}


def test_the_instance_keeps_everything_in_postgres(home):
    with dg.DagsterInstance.get() as instance:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        assert isinstance(instance.schedule_storage, PostgresScheduleStorage)
        assert not instance.telemetry_enabled
        assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
        queue = instance.get_concurrency_config().run_queue_config
        assert queue is not None and queue.max_concurrent_runs == 1


def test_a_real_run_lands_in_postgres(home, tmp_path, monkeypatch, demo_landing, dagster_database):
    from orchestration.definitions import defs
    from orchestration.defs.jobs import INGEST_JOB
    from orchestration.defs.partitions import JURISDICTION_PARTITIONS, sync_partitions

    shutil.copytree(demo_landing / JURISDICTION, tmp_path / "landing" / JURISDICTION)
    monkeypatch.setenv("NPCS_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("NPCS_WAREHOUSE", str(tmp_path / "w" / "npcs.duckdb"))
    monkeypatch.setenv("NPCS_REPORTS", str(tmp_path / "reports"))

    with dg.DagsterInstance.get() as instance:
        partitions = sync_partitions(instance)
        result = defs.resolve_job_def(INGEST_JOB).execute_in_process(
            instance=instance, partition_key=JURISDICTION
        )
        assert result.success
        run_id = result.run_id

        # through Dagster: the run record and its materializations
        (record,) = instance.get_run_records(filters=dg.RunsFilter(run_ids=[run_id]))
        assert record.dagster_run.job_name == INGEST_JOB
        assert record.dagster_run.status == dg.DagsterRunStatus.SUCCESS
        assert record.dagster_run.tags["dagster/partition"] == JURISDICTION
        materialized = {
            e.asset_key.to_user_string()
            for e in result.get_asset_materialization_events()
            if e.asset_key is not None
        }
        assert "raw/reviews" in materialized

    # straight from PostgreSQL: the same run, its events, the partitions
    with psycopg.connect(_pg(dagster_database)) as con:
        assert con.execute(
            "select pipeline_name, status from runs where run_id = %s", [run_id]
        ).fetchall() == [(INGEST_JOB, "SUCCESS")]
        events = dict(
            con.execute(
                "select dagster_event_type, count(*) from event_logs where run_id = %s "
                "and dagster_event_type is not null group by 1",
                [run_id],
            ).fetchall()
        )
        assert events[dg.DagsterEventType.RUN_SUCCESS.value] == 1
        assert events[dg.DagsterEventType.ASSET_MATERIALIZATION.value] == len(materialized)
        assert events[dg.DagsterEventType.ASSET_CHECK_EVALUATION.value] == len(
            result.get_asset_check_evaluations()
        )
        stored_keys = {
            k
            for (k,) in con.execute(
                "select asset_key from event_logs where run_id = %s and dagster_event_type = %s",
                [run_id, dg.DagsterEventType.ASSET_MATERIALIZATION.value],
            ).fetchall()
        }
        assert stored_keys == {dg.AssetKey.from_user_string(k).to_string() for k in materialized}
        stored_partitions = [
            p
            for (p,) in con.execute(
                "select partition from dynamic_partitions where partitions_def_name = %s "
                "order by id",
                [JURISDICTION_PARTITIONS],
            ).fetchall()
        ]
        assert stored_partitions == partitions

    # nothing went to the local SQLite storage a default instance would have written
    assert not (home / "history").exists() and not (home / "storage" / "index.db").exists()
