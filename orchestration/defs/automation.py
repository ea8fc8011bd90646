"""Automation: ingest just the jurisdictions whose files changed, then publish once.

``landing_zone_sensor`` lists the landing zone (path, size, modification time), compares it with
the listing it saw last (its cursor) and requests one ``ingest_jurisdiction`` run per
jurisdiction whose files were added, changed or removed — partition = jurisdiction, run key =
that jurisdiction's listing, so the same change never runs twice. It also adds registry
jurisdictions that are not yet partitions. One jurisdiction's bad file fails (at most) its own
run; the others' runs load.

``publish_after_ingestion`` waits until no ingestion run is queued or running, then — if any
ingestion run succeeded since it last published — requests one ``publish`` run (dbt, mart
gates, report) for all of them together: of the marts, only those the changed data sets reach
(``jobs.publish_subset``); everything when a run does not say what changed (started by hand).

Both are stopped by default: turn them on in the UI (Automation) where the daemon runs.
"""

import hashlib
import json
from datetime import UTC, datetime

import dagster as dg

from ingestion.landing import scan
from orchestration.defs.jobs import INGEST_JOB, PUBLISH_JOB, publish_subset
from orchestration.defs.partitions import JURISDICTION_PARTITIONS, missing_partitions
from orchestration.defs.resources import LandingZoneResource

CHANGED_DATA_SETS_TAG = "npcs/changed_data_sets"


def _listing(landing: LandingZoneResource) -> dict[str, list[int]]:
    placed, misplaced = scan(landing.root)
    out = {}
    for f in placed:
        st = f.path.stat()
        out[f.relative_path] = [st.st_size, st.st_mtime_ns]
    for m in misplaced:
        out[m.relative_path] = [0, 0]
    return out


def _fingerprint(listing: dict[str, list[int]], jurisdiction: str) -> str:
    mine = {p: v for p, v in listing.items() if p.split("/")[0] == jurisdiction}
    return hashlib.sha256(json.dumps(mine, sort_keys=True).encode()).hexdigest()[:16]


@dg.sensor(
    job_name=INGEST_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Watches the landing zone; starts `ingest_jurisdiction` for each jurisdiction that added, "
        "replaced or removed a file (only new file versions are loaded)."
    ),
)
def landing_zone_sensor(context: dg.SensorEvaluationContext, landing_zone: LandingZoneResource):
    from ingestion.reference import jurisdictions

    now = _listing(landing_zone)
    before = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(p for p in set(now) | set(before) if now.get(p) != before.get(p))
    if not changed:
        return dg.SkipReason("no new, changed or removed files in the landing zone")
    registry = jurisdictions()
    touched = sorted({p.split("/")[0] for p in changed if "/" in p})
    runnable = [j for j in touched if j in registry]
    for j in sorted(set(touched) - set(runnable)):
        context.log.warning(
            f"files under '{j}/', which is not a jurisdiction in the registry: they are recorded "
            "as rejected in the ledger by the next ingestion run"
        )
    new_partitions = missing_partitions(context.instance)
    requests = []
    for j in runnable:
        mine = [p for p in changed if p.split("/")[0] == j]
        requests.append(
            dg.RunRequest(
                run_key=f"{j}:{_fingerprint(now, j)}",
                partition_key=j,
                tags={
                    "npcs/trigger": "landing_zone_sensor",
                    "npcs/jurisdiction": j,
                    CHANGED_DATA_SETS_TAG: ",".join(
                        sorted({p.split("/")[1] for p in mine if p.count("/") >= 2})
                    ),
                    "npcs/changed_files": str(len(mine)),
                },
            )
        )
    return dg.SensorResult(
        run_requests=requests,
        skip_reason=None if requests else "only files outside registered jurisdictions changed",
        cursor=json.dumps(now, sort_keys=True),
        dynamic_partitions_requests=(
            [dg.AddDynamicPartitionsRequest(JURISDICTION_PARTITIONS, new_partitions)]
            if new_partitions
            else []
        ),
    )


def _utc(ts: datetime) -> datetime:
    """Run storage keeps naive UTC timestamps; make them explicit."""
    return ts.replace(tzinfo=UTC) if ts.tzinfo is None else ts.astimezone(UTC)


_ACTIVE = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
]


@dg.sensor(
    job_name=PUBLISH_JOB,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Starts one `publish` run (dbt, mart gates, report) once ingestion runs have succeeded "
        "and none is still queued or running."
    ),
)
def publish_after_ingestion(context: dg.SensorEvaluationContext):
    instance = context.instance
    if instance.get_run_records(
        filters=dg.RunsFilter(job_name=INGEST_JOB, statuses=_ACTIVE), limit=1
    ):
        return dg.SkipReason("ingestion runs are still queued or running")
    since = datetime.fromisoformat(context.cursor) if context.cursor else None
    done = instance.get_run_records(
        filters=dg.RunsFilter(
            job_name=INGEST_JOB, statuses=[dg.DagsterRunStatus.SUCCESS], updated_after=since
        ),
        order_by="update_timestamp",
        ascending=False,
    )
    if not done:
        return dg.SkipReason("no ingestion run has succeeded since the last publish")
    latest = done[0]
    jurisdictions = sorted({r.dagster_run.tags.get("dagster/partition", "?") for r in done})
    tags = {
        "npcs/trigger": "publish_after_ingestion",
        "npcs/ingestion_runs": str(len(done)),
        "npcs/jurisdictions": ",".join(jurisdictions)[:1000],
    }
    subset = {}
    data_sets = changed_data_sets(done)
    if data_sets is not None and context.repository_def is not None:
        assets, checks = publish_subset(context.repository_def.asset_graph, data_sets)
        subset = {"asset_selection": sorted(assets), "asset_check_keys": sorted(checks)}
        tags[CHANGED_DATA_SETS_TAG] = ",".join(sorted(data_sets)) or "(none)"
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(run_key=f"publish-after:{latest.dagster_run.run_id}", tags=tags, **subset)
        ],
        cursor=_utc(latest.update_timestamp).isoformat(),
    )


def changed_data_sets(runs) -> set[str] | None:
    """The data sets whose files the ingestion runs' sensor saw change (its run tag); None when
    a run does not say (started by hand or by a full refresh): then anything may have changed."""
    found: set[str] = set()
    for record in runs:
        tag = record.dagster_run.tags.get(CHANGED_DATA_SETS_TAG)
        if tag is None:
            return None
        found |= {name for name in tag.split(",") if name}
    return found
