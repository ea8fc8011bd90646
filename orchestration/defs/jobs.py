"""Jobs.

- ``full_refresh``: every asset and check, in dependency order — the landing zone of the run's
  jurisdictions (normally all of them, as one partition range) to raw, the raw gates, dbt, the
  mart gates and the report. ``npcs refresh`` runs it.
- ``ingest_jurisdiction``: the raw assets and their gates for the jurisdictions of the run; the
  landing-zone sensor starts one per jurisdiction whose files changed.
- ``publish``: everything downstream of raw (dbt, mart gates, report), and the raw data sets'
  ``submission_freshness`` checks once the marts they read are rebuilt; started once the
  ingestion runs have finished, by the ``publish_after_ingestion`` sensor.

A failed gate stops everything downstream of it, in the same run and in later ones.
"""

import dagster as dg

from orchestration.defs.freshness import check_keys as freshness_check_keys
from orchestration.defs.ingestion import RAW_GROUP

FULL_REFRESH_JOB = "full_refresh"
INGEST_JOB = "ingest_jurisdiction"
PUBLISH_JOB = "publish"

full_refresh_job = dg.define_asset_job(
    name=FULL_REFRESH_JOB,
    selection=dg.AssetSelection.all(),
    description=(
        "Landing zone -> raw (Soda gates) -> dbt seeds, staging and marts (dbt tests, Soda gates) "
        "-> report. Run it over all jurisdictions (a partition range); a failed gate stops "
        "everything downstream of it."
    ),
)

ingest_job = dg.define_asset_job(
    name=INGEST_JOB,
    selection=dg.AssetSelection.groups(RAW_GROUP),
    description=(
        "Load the landing-zone files of the run's jurisdictions into raw and run the raw gates. "
        "Started by the landing-zone sensor, one run per jurisdiction whose files changed."
    ),
)

publish_job = dg.define_asset_job(
    name=PUBLISH_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(RAW_GROUP)
    | dg.AssetSelection.checks(*freshness_check_keys()),
    description=(
        "dbt seeds, staging and marts (dbt tests, Soda gates) -> report, from what raw holds now, "
        "and which members are overdue (WARN). Refused downstream of any failing raw gate."
    ),
)
