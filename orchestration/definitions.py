"""The Dagster code location: every asset, check, job and resource of the warehouse.

Paths come from one place (``npcs.settings``): NPCS_WAREHOUSE, NPCS_LANDING, NPCS_REPORTS.
Steps run in process, one after another: the warehouse is a single-writer DuckDB file.
"""

from __future__ import annotations

from npcs.settings import configure_environment

configure_environment()  # telemetry off and paths set before dagster, dbt or soda load

import dagster as dg  # noqa: E402

from orchestration.defs.dbt_project import ensure_manifest  # noqa: E402

ensure_manifest()

from orchestration.defs.automation import (  # noqa: E402
    landing_zone_sensor,
    publish_after_ingestion,
)
from orchestration.defs.freshness import submission_freshness  # noqa: E402
from orchestration.defs.ingestion import raw_tables  # noqa: E402
from orchestration.defs.jobs import full_refresh_job, ingest_job, publish_job  # noqa: E402
from orchestration.defs.notifications import run_failure_alert  # noqa: E402
from orchestration.defs.publishing import (  # noqa: E402
    postgres_configured,
    postgres_tables,
    published_warehouse,
)
from orchestration.defs.quality import soda_checks  # noqa: E402
from orchestration.defs.reporting import partnership_report  # noqa: E402
from orchestration.defs.resources import (  # noqa: E402
    LandingZoneResource,
    ReportsResource,
    WarehouseResource,
)
from orchestration.defs.schedules import nightly_refresh  # noqa: E402
from orchestration.defs.transformation import dbt_build  # noqa: E402

defs = dg.Definitions(
    assets=[
        raw_tables,
        dbt_build,
        partnership_report,
        published_warehouse,
        # PostgreSQL serving when a server is configured (NPCS_PG_DSN or PGHOST)
        *([postgres_tables] if postgres_configured() else []),
    ],
    asset_checks=[*soda_checks, submission_freshness],
    jobs=[full_refresh_job, ingest_job, publish_job],
    schedules=[nightly_refresh],
    sensors=[landing_zone_sensor, publish_after_ingestion, run_failure_alert],
    resources={
        "warehouse": WarehouseResource(path=dg.EnvVar("NPCS_WAREHOUSE")),
        "landing_zone": LandingZoneResource(path=dg.EnvVar("NPCS_LANDING")),
        "reports": ReportsResource(path=dg.EnvVar("NPCS_REPORTS")),
    },
    executor=dg.in_process_executor,
)
