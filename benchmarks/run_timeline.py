"""Where a run's time goes, read back from the Dagster event log of the instance it ran in.

    DAGSTER_HOME=… python benchmarks/run_timeline.py RUN_ID [RUN_ID …]
    DAGSTER_HOME=… python benchmarks/run_timeline.py --last-of full_refresh [--wall SECONDS]

For each run: each step's start (seconds after the run's first event), its duration and how many
events it wrote, and the time before the first step and after the last one. Only what the event
log holds: a process's start-up before its run's first event is not in it (the benchmark prints
it as the process's wall-clock time minus the run's span).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Step:
    key: str
    start: float  # seconds after the run's first event
    seconds: float
    events: int
    status: str


@dataclass
class Timeline:
    run_id: str
    job: str
    span: float  # first event to last event
    steps: list[Step]
    events: int


def timeline(instance, run_id: str) -> Timeline:
    from dagster import DagsterEventType

    run = instance.get_run_by_id(run_id)
    entries = instance.all_logs(run_id)
    first, last = entries[0].timestamp, entries[-1].timestamp
    starts: dict[str, float] = {}
    ends: dict[str, tuple[float, str]] = {}
    counts: dict[str, int] = {}
    done = {
        DagsterEventType.STEP_SUCCESS: "ok",
        DagsterEventType.STEP_FAILURE: "FAILED",
        DagsterEventType.STEP_SKIPPED: "skipped",
    }
    for e in entries:
        ev = e.dagster_event
        step = e.step_key or (ev.step_key if ev else None)
        if not step:
            continue
        counts[step] = counts.get(step, 0) + 1
        if ev is not None and ev.event_type == DagsterEventType.STEP_START:
            starts.setdefault(step, e.timestamp)
        if ev is not None and ev.event_type in done:
            ends[step] = (e.timestamp, done[ev.event_type])
    steps = []
    for step, n in counts.items():
        begin = starts.get(step, ends.get(step, (first,))[0])
        end, status = ends.get(step, (last, "unfinished"))
        steps.append(Step(step, begin - first, end - begin, n, status))
    steps.sort(key=lambda s: s.start)
    return Timeline(run_id, run.job_name if run else "?", last - first, steps, len(entries))


def render(t: Timeline, wall_seconds: float | None = None) -> str:
    lines = [
        f"run {t.run_id} ({t.job}): {t.span:.1f} s from its first to its last event, "
        f"{t.events} events"
    ]
    if wall_seconds is not None:
        lines.append(
            f"  {wall_seconds - t.span:6.1f} s  outside the run (process start-up, imports, "
            "instance, before the first event; exit)"
        )
    cursor = 0.0
    for s in t.steps:
        if s.start - cursor > 0.05:
            lines.append(f"  {s.start - cursor:6.1f} s  between steps (planning, events)")
        lines.append(
            f"  {s.seconds:6.1f} s  {s.key} [{s.status}] at +{s.start:.1f} s, {s.events} events"
        )
        cursor = max(cursor, s.start + s.seconds)
    if t.span - cursor > 0.05:
        lines.append(f"  {t.span - cursor:6.1f} s  after the last step")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_ids", nargs="*")
    parser.add_argument("--last-of", metavar="JOB", help="the latest run of this job")
    parser.add_argument(
        "--wall", type=float, help="the wall-clock seconds of the process that ran the run"
    )
    args = parser.parse_args(argv)

    from npcs.settings import configure_environment

    configure_environment()  # telemetry off before dagster loads
    from dagster import DagsterInstance, RunsFilter

    instance = DagsterInstance.get()
    run_ids = list(args.run_ids)
    if args.last_of:
        records = instance.get_run_records(RunsFilter(job_name=args.last_of), limit=1)
        run_ids += [r.dagster_run.run_id for r in records]
    for run_id in run_ids:
        print(render(timeline(instance, run_id), args.wall))


if __name__ == "__main__":
    main()
