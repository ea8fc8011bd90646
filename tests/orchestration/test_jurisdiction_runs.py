"""Per-jurisdiction runs: raw assets partitioned by jurisdiction, a sensor that ingests only the
jurisdictions whose files changed, isolation of one jurisdiction's failure, and one publish
after the ingestion runs.

Real Dagster runs (in process, against a throw-away instance) on real DuckDB files. The only
fault injected is an exception raised inside our own loader for one jurisdiction's rows, to stand
for a bug or a hostile file that gets past every guard.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.partitions import JURISDICTION_PARTITIONS, sync_partitions
from tests.submitted_ids import pseudonym_of

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst


@pytest.fixture
def paths(tmp_path, monkeypatch, demo_landing):
    """A landing zone with three jurisdictions' demo files, and an empty warehouse."""
    landing = tmp_path / "landing"
    for j in ("CT", "ME", "OH-FRANKLIN"):
        shutil.copytree(demo_landing / j, landing / j)
    warehouse = tmp_path / "w" / "npcs.duckdb"
    monkeypatch.setenv("NPCS_LANDING", str(landing))
    monkeypatch.setenv("NPCS_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("NPCS_REPORTS", str(tmp_path / "reports"))
    return landing, warehouse


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _raw_digest(warehouse: Path, jurisdiction: str) -> str:
    """A content hash of everything raw holds for one jurisdiction."""
    h = hashlib.sha256()
    for table in ("reviews", "improvement_opportunities", "review_summary", "workforce"):
        rows = _rows(
            warehouse,
            f"select * exclude (loaded_at) from raw.{table} where jurisdiction_id = "
            f"'{jurisdiction}' order by all",
        )
        h.update(repr(rows).encode())
    return h.hexdigest()


def _ingest(instance, **kwargs):
    from orchestration.definitions import defs
    from orchestration.defs.jobs import INGEST_JOB

    return defs.resolve_job_def(INGEST_JOB).execute_in_process(
        instance=instance, raise_on_error=False, **kwargs
    )


def _crash_on(monkeypatch, jurisdiction: str) -> None:
    """Make validation raise whenever a batch holds this jurisdiction's rows."""
    from ingestion import raw_loader

    real = raw_loader.find_violations

    def find_violations(con, data_set, table, on):
        (n,) = con.execute(
            f"select count(*) from {table} where _jurisdiction = ?", [jurisdiction]
        ).fetchall()[0]
        if n:
            raise RuntimeError("injected fault")
        return real(con, data_set, table, on)

    monkeypatch.setattr(raw_loader, "find_violations", find_violations)


def test_raw_assets_are_partitioned_by_the_registry_jurisdictions(instance):
    from ingestion.reference import jurisdictions
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    for ds in ("reviews", "tasc_responses", "outcomes"):
        partitions_def = graph.get(dg.AssetKey(["raw", ds])).partitions_def
        assert isinstance(partitions_def, dg.DynamicPartitionsDefinition)
        assert partitions_def.name == JURISDICTION_PARTITIONS
    assert graph.get(dg.AssetKey(["reviews", "fct_reviews"])).partitions_def is None

    keys = sync_partitions(instance)
    assert keys == list(jurisdictions()) and len(keys) == 38
    assert sync_partitions(instance) == keys  # idempotent


def test_a_jurisdiction_run_loads_only_that_jurisdiction(instance, paths):
    landing, warehouse = paths
    sync_partitions(instance)

    result = _ingest(instance, partition_key="CT")
    assert result.success
    loaded = {j for (j,) in _rows(warehouse, "select distinct jurisdiction_id from raw.reviews")}
    assert loaded == {"CT"}
    ledger = {
        j
        for (j,) in _rows(
            warehouse,
            "select distinct jurisdiction_id from raw.submission_ledger where stage = 'load'",
        )
    }  # noqa: E501
    assert ledger == {"CT"}

    # The UI shows the jurisdiction's files, one by one, on the partition's materialization.
    event = instance.get_latest_materialization_event(dg.AssetKey(["raw", "reviews"]))
    assert event.dagster_event.partition == "CT"
    metadata = event.asset_materialization.metadata
    assert metadata["files_new"].value >= 1
    assert "| accepted" in metadata["files"].value
    assert "feedback" in metadata["feedback_report_paths"].value
    materialized = instance.get_materialized_partitions(dg.AssetKey(["raw", "reviews"]))
    assert materialized == {"CT"}


def test_one_jurisdictions_failure_never_blocks_another(instance, paths, monkeypatch):
    landing, warehouse = paths
    keys = sync_partitions(instance)
    assert _ingest(instance, partition_key="CT").success
    ct_before = _raw_digest(warehouse, "CT")

    # ME's load fails on an unexpected error: its run fails, the failure is in the ledger, and
    # CT's data is untouched.
    _crash_on(monkeypatch, "ME")
    failed = _ingest(instance, partition_key="ME")
    assert not failed.success
    rows = _rows(
        warehouse,
        "select source_file, status, reason from raw.submission_ledger where stage = 'failed'",
    )
    assert rows and all(f.startswith("ME/") and s == "rejected" for f, s, _ in rows)
    assert all("internal error (RuntimeError)" in r and "tried again" in r for _, _, r in rows)
    assert _rows(warehouse, "select count(*) from raw.reviews where jurisdiction_id = 'ME'") == [
        (0,)
    ]
    assert _raw_digest(warehouse, "CT") == ct_before

    # A run over every jurisdiction: ME fails again, OH-FRANKLIN loads, and the run succeeds
    # so the others' data flows on; the materialization names the failed jurisdiction.
    result = _ingest(instance, tags={RANGE_START: keys[0], RANGE_END: keys[-1]})
    assert result.success
    oh = _rows(warehouse, "select count(*) from raw.reviews where jurisdiction_id = 'OH-FRANKLIN'")
    assert oh[0][0] > 0
    assert _raw_digest(warehouse, "CT") == ct_before  # unchanged bytes: nothing reloaded
    failed_meta = {
        e.asset_key.to_user_string(): e.materialization.metadata["jurisdictions_failed"].value
        for e in result.get_asset_materialization_events()
    }
    assert failed_meta["raw/reviews"] == "ME"
    table = next(
        e.materialization.metadata["jurisdictions"].value
        for e in result.get_asset_materialization_events()
        if e.asset_key.to_user_string() == "raw/reviews"
    )
    assert "| OH-FRANKLIN |" in table and "| ME |" in table

    # Fixed: the next run for ME loads its files completely (failed loads are retried).
    monkeypatch.undo()
    monkeypatch.setenv("NPCS_LANDING", str(landing))
    monkeypatch.setenv("NPCS_WAREHOUSE", str(warehouse))
    assert _ingest(instance, partition_key="ME").success
    me = _rows(warehouse, "select count(*) from raw.reviews where jurisdiction_id = 'ME'")
    assert me[0][0] > 0


def test_the_sensor_starts_runs_for_just_the_jurisdictions_that_changed(instance, tmp_path):
    from orchestration.defs.automation import landing_zone_sensor
    from orchestration.defs.resources import LandingZoneResource

    for j in ("CT", "ME"):
        folder = tmp_path / j / "workforce"
        folder.mkdir(parents=True)
        (folder / "a.csv").write_text("period,role\n")
    resources = {"landing_zone": LandingZoneResource(path=str(tmp_path))}

    with dg.build_sensor_context(instance=instance, resources=resources) as context:
        first = landing_zone_sensor(context)
    assert sorted(r.partition_key for r in first.run_requests) == ["CT", "ME"]
    assert len(first.dynamic_partitions_requests[0].partition_keys) == 38
    instance.add_dynamic_partitions(
        JURISDICTION_PARTITIONS, list(first.dynamic_partitions_requests[0].partition_keys)
    )

    with dg.build_sensor_context(
        instance=instance, cursor=first.cursor, resources=resources
    ) as context:
        assert isinstance(landing_zone_sensor(context), dg.SkipReason)

    (tmp_path / "ME" / "reviews").mkdir()
    (tmp_path / "ME" / "reviews" / "r.csv").write_text("review_id\n")
    (tmp_path / "NOT-A-MEMBER" / "reviews").mkdir(parents=True)
    (tmp_path / "NOT-A-MEMBER" / "reviews" / "r.csv").write_text("review_id\n")
    with dg.build_sensor_context(
        instance=instance, cursor=first.cursor, resources=resources
    ) as context:
        second = landing_zone_sensor(context)
    assert [r.partition_key for r in second.run_requests] == ["ME"]
    request = second.run_requests[0]
    assert request.tags["npcs/changed_data_sets"] == "reviews"
    assert request.run_key != next(r.run_key for r in first.run_requests if r.partition_key == "ME")
    assert not second.dynamic_partitions_requests  # every registry jurisdiction is a partition


def test_publish_waits_for_ingestion_and_publishes_once(instance, paths):
    from orchestration.defs.automation import publish_after_ingestion

    sync_partitions(instance)
    with dg.build_sensor_context(instance=instance) as context:
        assert isinstance(publish_after_ingestion(context), dg.SkipReason)  # nothing ingested

    assert _ingest(instance, partition_key="CT").success
    assert _ingest(instance, partition_key="ME").success
    with dg.build_sensor_context(instance=instance) as context:
        result = publish_after_ingestion(context)
    assert len(result.run_requests) == 1
    assert result.run_requests[0].tags["npcs/jurisdictions"] == "CT,ME"

    with dg.build_sensor_context(instance=instance, cursor=result.cursor) as context:
        assert isinstance(publish_after_ingestion(context), dg.SkipReason)  # already published

    assert _ingest(instance, partition_key="OH-FRANKLIN").success
    with dg.build_sensor_context(instance=instance, cursor=result.cursor) as context:
        again = publish_after_ingestion(context)
    assert again.run_requests[0].tags["npcs/jurisdictions"] == "OH-FRANKLIN"


def test_publish_rebuilds_only_what_the_changed_data_sets_reach(instance, paths):
    """After a reviews file, the publish run rebuilds the reviews marts and what every ingestion
    changes (ledger, gates' results: data quality, coverage), publishes and reports — and leaves
    the workforce and outcomes marts, whose raw tables did not change, as they are."""
    from orchestration.definitions import defs
    from orchestration.defs.automation import CHANGED_DATA_SETS_TAG, publish_after_ingestion

    sync_partitions(instance)
    assert _ingest(instance, partition_key="CT", tags={CHANGED_DATA_SETS_TAG: "reviews"}).success
    with dg.build_sensor_context(instance=instance, definitions=defs) as context:
        (request,) = publish_after_ingestion(context).run_requests
    assert request.tags[CHANGED_DATA_SETS_TAG] == "reviews"
    chosen = {k.to_user_string() for k in request.asset_selection}
    for key in (
        "staging/stg_raw__reviews",
        "reviews/fct_reviews",
        "reviews/agg_ios_per_review",
        "data_quality/agg_quality_scorecard",
        "membership/fct_submission_coverage",
        "publishing/published_warehouse",
        "reporting/partnership_report",
    ):
        assert key in chosen, key
    for key in (
        "staging/stg_raw__tasc_responses",
        "workforce/agg_tasc_scores",
        "equity/agg_outcome_rates_by_group",
        "reference/jurisdictions",
    ):
        assert key not in chosen, key
    checks = {(c.asset_key.to_user_string(), c.name) for c in request.asset_check_keys}
    assert any(a == "reviews/fct_reviews" for a, _ in checks)  # its mart gate
    assert not any(a.startswith("workforce/") for a, _ in checks)
    assert {n for a, n in checks if a.startswith("raw/")} == {"submission_freshness"}

    # A run that does not say what changed (started by hand) publishes everything.
    assert _ingest(instance, partition_key="ME").success
    with dg.build_sensor_context(instance=instance, definitions=defs) as context:
        (everything,) = publish_after_ingestion(context).run_requests
    assert everything.asset_selection is None and CHANGED_DATA_SETS_TAG not in everything.tags


def test_a_reviews_file_publishes_through_the_reviews_marts_and_leaves_the_others(instance, paths):
    """As the daemon runs it: ingestion, then the publish run the sensor requests — once for
    everything, then, after CT's new review, for the part a reviews file reaches. The subset
    run rebuilds the reviews marts (CT's review is in them) and the report, and does not touch
    the workforce marts."""
    from orchestration.definitions import defs
    from orchestration.defs.automation import CHANGED_DATA_SETS_TAG, publish_after_ingestion
    from orchestration.defs.jobs import PUBLISH_JOB
    from tests.e2e.test_gates import _append_reviews, _reviews

    landing, warehouse = paths
    sync_partitions(instance)

    def publish(cursor=None):
        with dg.build_sensor_context(instance=instance, definitions=defs, cursor=cursor) as ctx:
            result = publish_after_ingestion(ctx)
        (request,) = result.run_requests
        job = defs.resolve_job_def(PUBLISH_JOB)
        if request.asset_selection is not None:
            job = job.get_subset(
                asset_selection=set(request.asset_selection),
                asset_check_selection=set(request.asset_check_keys),
            )
        run = job.execute_in_process(instance=instance, tags=request.tags, raise_on_error=False)
        assert run.success
        return result.cursor, {
            e.asset_key.to_user_string() for e in run.get_asset_materialization_events()
        }

    for j in ("CT", "ME", "OH-FRANKLIN"):
        assert _ingest(instance, partition_key=j).success
    cursor, everything = publish()
    assert "workforce/agg_tasc_scores" in everything and "reviews/fct_reviews" in everything
    workforce = _rows(warehouse, "select * from workforce.agg_tasc_scores order by all")

    ct = {**_reviews(landing, "CT")[0], "review_id": "CT-NEW-0001"}
    _append_reviews(landing, "CT", "reviews_late_addition.csv", [ct])
    assert _ingest(instance, partition_key="CT", tags={CHANGED_DATA_SETS_TAG: "reviews"}).success
    _, rebuilt = publish(cursor)
    assert {"reviews/fct_reviews", "reviews/agg_ios_per_review"} <= rebuilt
    assert {"publishing/published_warehouse", "reporting/partnership_report"} <= rebuilt
    assert not any(k.startswith(("workforce/", "equity/", "reference/")) for k in rebuilt)
    assert len(rebuilt) < len(everything)
    new_review = pseudonym_of("CT", "review", "CT-NEW-0001")
    assert _rows(
        warehouse, f"select count(*) from reviews.fct_reviews where review_id = '{new_review}'"
    ) == [(1,)]
    assert _rows(warehouse, "select * from workforce.agg_tasc_scores order by all") == workforce
