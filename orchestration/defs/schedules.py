"""The nightly refresh: ``full_refresh`` over every jurisdiction, as ``npcs refresh`` runs it.

Each tick requests one run with the same tags and run config the command line uses
(``jobs.full_refresh_request``): the registry's jurisdictions as one partition range (new
registry rows are added as partitions first) and the report as of the scheduled day in the
schedule's time zone, so a run that waits in the queue still reports as of the day it was for.

Configured by environment, read when the definitions load:

- ``NPCS_REFRESH_CRON`` (default ``0 2 * * *``: 02:00 every day);
- ``NPCS_REFRESH_TIMEZONE`` (default ``UTC``; an IANA name such as ``America/New_York``);
- ``NPCS_REFRESH_PDF`` (default ``true``): print the report pages to PDF too (headless Chromium).

Stopped by default, like the sensors: turn it on in the UI (Automation) where the daemon runs.
The instance runs one run at a time, so a nightly run that meets a sensor's run waits for it.
"""

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from orchestration.defs.jobs import FULL_REFRESH_JOB, full_refresh_request

NIGHTLY_REFRESH = "nightly_refresh"
DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "UTC"


def _flag(value: str | None, default: bool) -> bool:
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def nightly_refresh_schedule(
    cron: str = DEFAULT_CRON, timezone: str = DEFAULT_TIMEZONE, pdf: bool = True
) -> dg.ScheduleDefinition:
    """The nightly ``full_refresh`` schedule at ``cron`` in ``timezone``."""
    ZoneInfo(timezone)  # an unknown time zone fails when the definitions load, not at 02:00

    @dg.schedule(
        name=NIGHTLY_REFRESH,
        job_name=FULL_REFRESH_JOB,
        cron_schedule=cron,
        execution_timezone=timezone,
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=(
            f"Full refresh of every jurisdiction at `{cron}` ({timezone}), as `npcs refresh` "
            "runs it: landing zone -> raw -> gates -> dbt -> gates -> report -> publication. "
            "NPCS_REFRESH_CRON / NPCS_REFRESH_TIMEZONE / NPCS_REFRESH_PDF configure it."
        ),
    )
    def nightly_refresh(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        zone = ZoneInfo(timezone)
        scheduled = context.scheduled_execution_time or datetime.now(zone)  # None: a manual test
        scheduled = (
            scheduled.astimezone(zone) if scheduled.tzinfo else scheduled.replace(tzinfo=zone)
        )
        tags, run_config = full_refresh_request(context.instance, as_of=scheduled.date(), pdf=pdf)
        return dg.RunRequest(
            run_key=f"{NIGHTLY_REFRESH}:{scheduled.isoformat()}",
            run_config=run_config,
            tags={**tags, "npcs/trigger": NIGHTLY_REFRESH},
        )

    return nightly_refresh


nightly_refresh = nightly_refresh_schedule(
    cron=os.environ.get("NPCS_REFRESH_CRON") or DEFAULT_CRON,
    timezone=os.environ.get("NPCS_REFRESH_TIMEZONE") or DEFAULT_TIMEZONE,
    pdf=_flag(os.environ.get("NPCS_REFRESH_PDF"), default=True),
)
