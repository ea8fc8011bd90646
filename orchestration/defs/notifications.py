"""Failure notification: a run-failure sensor that sends each failed run to the alert channels.

Runs in the daemon. It watches every run of the instance (``monitor_all_code_locations``): the
runs the daemon launches (the nightly schedule, the sensors, the UI) and the runs ``npcs refresh``
executes in its own process, which belong to no code location. The message — job, run id, the
failed steps with their errors, a link to the run when ``NPCS_DAGSTER_URL`` is set — goes to the
channels configured in the environment (``orchestration/alerts.py``). Nothing configured: the
sensor does nothing. A channel that cannot be reached is logged on the sensor's tick and never
fails it, so the next failure is still reported.

Running by default (unlike the schedule and the other sensors): it starts nothing, and alerts
that have to be switched on are alerts nobody gets.
"""

import dagster as dg

from orchestration.alerts import AlertConfig, RunFailure, send_alert

ALERT_SENSOR = "run_failure_alert"

# Run tags worth repeating in an alert: what started the run and over which jurisdictions.
_TAGS = (
    "npcs/trigger",
    "dagster/schedule_name",
    "dagster/sensor_name",
    "dagster/partition",
    "dagster/asset_partition_range_start",
    "dagster/asset_partition_range_end",
)


def _messages(error) -> list[str]:
    """The messages of an error and its causes (no stack traces), outermost first; a cause whose
    message an outer one already quotes is left out."""
    out = []
    while error is not None:
        text = (error.message or "").strip()
        bare = text.split(": ", 1)[-1]  # without the exception's class
        if text and not any(bare in kept for kept in out):
            out.append(text)
        error = error.cause
    return out


def run_failure(context: dg.RunFailureSensorContext) -> RunFailure:
    """The alert for the failed run of ``context``, from its failure and step-failure events."""
    run = context.dagster_run
    steps, lines = [], []
    for event in context.get_step_failure_events():
        steps.append(event.step_key)
        error = event.event_specific_data.error if event.event_specific_data else None
        lines.append(f"{event.step_key}: " + " / ".join(_messages(error) or ["failed"]))
    summary = [context.failure_event.message or f"Run of {run.job_name} failed."]
    if not steps:  # a failure outside any step (the run worker, the launch); else it repeats one
        summary += _messages(getattr(context.failure_event.event_specific_data, "error", None))
    return RunFailure(
        job=run.job_name,
        run_id=run.run_id,
        error="\n".join(summary + lines),
        failed_steps=steps,
        tags={k: run.tags[k] for k in _TAGS if k in run.tags},
    )


@dg.run_failure_sensor(
    name=ALERT_SENSOR,
    monitor_all_code_locations=True,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Sends every failed run (job, run id, failed steps and errors, link to the run) to the "
        "webhook (NPCS_ALERT_WEBHOOK_URL) and/or e-mail (NPCS_ALERT_SMTP_*) configured; does "
        "nothing when neither is."
    ),
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    config = AlertConfig.from_env()
    if not config.configured:
        context.log.info(
            f"run {context.dagster_run.run_id} failed; no alert channel configured "
            "(NPCS_ALERT_WEBHOOK_URL, NPCS_ALERT_SMTP_*)"
        )
        return
    for d in send_alert(run_failure(context), config):
        if d.ok:
            context.log.info(f"alert for run {context.dagster_run.run_id} sent by {d.channel}")
        else:
            context.log.error(
                f"alert for run {context.dagster_run.run_id} could not be sent by {d.channel} "
                f"to {d.target}: {d.error}"
            )
