"""Automation: a sensor on the landing zone that starts a refresh when submissions change.

The sensor lists the landing zone (path, size, modification time), compares it with the listing
it saw last (its cursor) and, when files were added, changed or removed, requests one run of the
``full_refresh`` job tagged with the jurisdictions and data sets that changed. Ingestion skips
every file version it has already loaded, so the run does the new files' work only.
"""

import hashlib
import json

import dagster as dg

from ingestion.landing import scan
from orchestration.defs.jobs import FULL_REFRESH_JOB
from orchestration.defs.resources import LandingZoneResource


def _listing(landing: LandingZoneResource) -> dict[str, list[int]]:
    placed, misplaced = scan(landing.root)
    out = {}
    for f in placed:
        st = f.path.stat()
        out[f.relative_path] = [st.st_size, st.st_mtime_ns]
    for m in misplaced:
        out[m.relative_path] = [0, 0]
    return out


@dg.sensor(
    job_name=FULL_REFRESH_JOB,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.STOPPED,
    description=(
        "Watches the landing zone; when a jurisdiction adds, replaces or removes a file, starts "
        "`full_refresh` (only new file versions are ingested). Tags name what changed."
    ),
)
def landing_zone_sensor(context: dg.SensorEvaluationContext, landing_zone: LandingZoneResource):
    now = _listing(landing_zone)
    before = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(p for p in set(now) | set(before) if now.get(p) != before.get(p))
    if not changed:
        return dg.SkipReason("no new, changed or removed files in the landing zone")
    context.update_cursor(json.dumps(now, sort_keys=True))
    jurisdictions = sorted({p.split("/")[0] for p in changed if "/" in p})
    data_sets = sorted({p.split("/")[1] for p in changed if p.count("/") >= 2})
    run_key = hashlib.sha256(json.dumps(now, sort_keys=True).encode()).hexdigest()[:16]
    return dg.RunRequest(
        run_key=run_key,
        tags={
            "npcs/trigger": "landing_zone_sensor",
            "npcs/changed_jurisdictions": ",".join(jurisdictions)[:1000],
            "npcs/changed_data_sets": ",".join(data_sets),
            "npcs/changed_files": str(len(changed)),
        },
    )
