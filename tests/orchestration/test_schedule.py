"""The nightly schedule requests the refresh ``npcs refresh`` runs: every jurisdiction as one
partition range, the report as of the scheduled day in the schedule's time zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pytest


@pytest.fixture
def instance():
    with dg.instance_for_test() as inst:
        yield inst


def _request(schedule: dg.ScheduleDefinition, instance, when: datetime) -> dg.RunRequest:
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=when)
    data = schedule.evaluate_tick(context)
    assert data.skip_message is None, data.skip_message
    (request,) = data.run_requests
    return request


def test_the_nightly_refresh_runs_full_refresh_over_every_jurisdiction(instance):
    from ingestion.reference import jurisdictions
    from orchestration.definitions import defs
    from orchestration.defs.jobs import FULL_REFRESH_JOB, RANGE_END, RANGE_START, REPORT_OP
    from orchestration.defs.schedules import DEFAULT_CRON, DEFAULT_TIMEZONE, NIGHTLY_REFRESH

    schedule = defs.resolve_schedule_def(NIGHTLY_REFRESH)
    assert schedule.job_name == FULL_REFRESH_JOB
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    assert (schedule.cron_schedule, schedule.execution_timezone) == (
        DEFAULT_CRON,
        DEFAULT_TIMEZONE,
    )

    when = datetime(2024, 10, 2, 2, 0, tzinfo=ZoneInfo("UTC"))
    request = _request(schedule, instance, when)
    registry = list(jurisdictions())
    # The registry's jurisdictions became partitions, and the run covers all of them at once.
    assert instance.get_dynamic_partitions("jurisdiction") == registry
    assert (request.tags[RANGE_START], request.tags[RANGE_END]) == (registry[0], registry[-1])
    assert request.tags["npcs/trigger"] == NIGHTLY_REFRESH
    assert request.run_config["ops"][REPORT_OP]["config"]["as_of"] == "2024-10-02"
    # The config is valid for the job, and the same tick never runs twice.
    dg.validate_run_config(defs.resolve_job_def(FULL_REFRESH_JOB), request.run_config)
    assert request.run_key == _request(schedule, instance, when).run_key
    assert request.run_key != _request(schedule, instance, when.replace(day=3)).run_key


def test_the_time_zone_decides_the_day_reported(instance):
    from orchestration.defs.jobs import REPORT_OP
    from orchestration.defs.schedules import nightly_refresh_schedule

    chicago = nightly_refresh_schedule(cron="0 2 * * *", timezone="America/Chicago", pdf=False)
    assert chicago.execution_timezone == "America/Chicago"
    # 01:30 UTC on 2 October is still 1 October in Chicago.
    request = _request(chicago, instance, datetime(2024, 10, 2, 1, 30, tzinfo=ZoneInfo("UTC")))
    config = request.run_config["ops"][REPORT_OP]["config"]
    assert config == {"as_of": "2024-10-01", "pdf": False}

    with pytest.raises(Exception, match="Mars"):
        nightly_refresh_schedule(timezone="Mars/Olympus_Mons")
