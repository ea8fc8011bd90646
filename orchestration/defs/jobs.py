"""Jobs: the full refresh materializes every asset and runs every check, in dependency order."""

from __future__ import annotations

import dagster as dg

FULL_REFRESH_JOB = "full_refresh"

full_refresh_job = dg.define_asset_job(
    name=FULL_REFRESH_JOB,
    selection=dg.AssetSelection.all(),
    description=(
        "Landing zone -> raw (Soda gates) -> dbt seeds, staging and marts (dbt tests, Soda gates) "
        "-> report. A failed gate stops everything downstream of it."
    ),
)
