"""Raw-layer assets: one per data set, loading the landing zone into ``raw.<data set>``.

The assets are partitioned by jurisdiction (``orchestration/defs/partitions.py``): a run loads
the files of just the jurisdictions it was started for — one, when the landing-zone sensor saw
that jurisdiction's files change; all of them, in one run, for ``npcs refresh`` or a backfill
(``BackfillPolicy.single_run``: a range of partitions is one step, not 38).

All six data sets are computed by one subsettable step (one warehouse connection), and each is
still its own asset: the UI can materialize any one of them, for any jurisdictions.

Isolation: a file that is bad is rejected with its reason (the ingestion library never raises on
a bad file). If loading a batch fails on an unexpected error, each jurisdiction is loaded alone,
so one jurisdiction's failure is recorded in the ledger (and in the materialization's
``jurisdictions_failed``) while the others' data loads and flows on. A run for a single
jurisdiction fails when that jurisdiction's load fails.

What the engineers see in the UI, on each partition's materialization: for a run of one
jurisdiction (the sensor's), its files one by one (status, rows loaded and quarantined, reasons,
columns the privacy firewall dropped) and the feedback report paths; for a run over many, one row
per jurisdiction and every rejection with its reason. (One event per partition and data set; a
per-jurisdiction observation on top doubled the run's event writes for no new information.)
"""

from collections import defaultdict
from datetime import UTC, datetime

import dagster as dg

from ingestion.core_data_set import DATA_SETS, DataSet
from ingestion.feedback import write_feedback
from ingestion.landing import SubmissionFile, scan
from ingestion.raw_loader import (
    FileOutcome,
    LoadResult,
    load_data_set,
    raw_table,
    record_load_failure,
    record_misplaced,
)
from orchestration.defs.partitions import jurisdiction_partitions
from orchestration.defs.resources import LandingZoneResource, WarehouseResource
from orchestration.defs.retries import TRANSIENT_RETRY, retry_only_if_transient

RAW_GROUP = "raw"


def raw_asset_key(data_set: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", data_set])


def _spec(ds: DataSet) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=raw_asset_key(ds.name),
        group_name=RAW_GROUP,
        kinds={"duckdb", "python"},
        description=(
            f"`{raw_table(ds.name)}` — {ds.description} Loaded as submitted from every "
            f"`<jurisdiction>/{ds.name}/` folder of the landing zone, typed per the core data set, "
            "with lineage columns (jurisdiction_id, source_file, source_row_number, file_sha256, "
            f"loaded_at, submission_id). Key per jurisdiction: {', '.join(ds.key)}. "
            "Partitioned by jurisdiction; every file version is kept, staging reads the latest."
        ),
    )


class JurisdictionLoadFailed(Exception):
    """The one jurisdiction of the run could not be loaded (the failure is in the ledger)."""


def _load_isolated(
    context: dg.AssetExecutionContext, con, name: str, files: list[SubmissionFile]
) -> tuple[LoadResult, dict[str, Exception]]:
    """Load a data set's files in one batch; on an unexpected error, jurisdiction by jurisdiction.

    Returns the result and the jurisdictions whose load failed (recorded in the ledger), each
    with its error."""
    try:
        return load_data_set(con, name, files), {}
    except Exception as batch_error:  # noqa: BLE001 - isolate, record, then decide below
        by_jurisdiction: dict[str, list[SubmissionFile]] = defaultdict(list)
        for f in files:
            by_jurisdiction[f.jurisdiction_id].append(f)
        context.log.error(
            f"raw.{name}: loading {len(by_jurisdiction)} jurisdictions together failed "
            f"({type(batch_error).__name__}); loading each jurisdiction alone"
        )
        result, failed = LoadResult(data_set=name), {}
        for j, group in sorted(by_jurisdiction.items()):
            try:
                result.outcomes += load_data_set(con, name, group).outcomes
            except Exception as e:  # noqa: BLE001
                context.log.error(
                    f"raw.{name}: {j}'s files could not be loaded ({type(e).__name__}: {e}); "
                    "recorded in the ledger, the other jurisdictions go on"
                )
                result.outcomes += record_load_failure(con, name, group, e)
                failed[j] = e
        return result, failed


def _files_table(outcomes: list[FileOutcome]) -> str:
    lines = [
        "| file | status | rows read | loaded | quarantined | reason | dropped columns |",
        "|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        dropped = ", ".join(f"{d['column']} ({d['reason']})" for d in o.dropped_columns)
        reason = (o.reason or "").replace("|", "\\|").replace("\n", " ")
        lines.append(
            f"| {o.file.name} | {o.status} | {o.rows_read} | {o.rows_loaded} | "
            f"{o.rows_quarantined} | {reason} | {dropped} |"
        )
    return "\n".join(lines)


def _by_jurisdiction_table(outcomes: list[FileOutcome], feedback: list) -> str:
    """One row per jurisdiction of the run with files: what happened to its new file versions."""
    by_j: dict[str, list[FileOutcome]] = defaultdict(list)
    for o in outcomes:
        by_j[o.file.jurisdiction_id].append(o)
    reports: dict[str, int] = defaultdict(int)
    for path in feedback:
        reports[path.parent.parent.name] += 1
    lines = [
        "| jurisdiction | new files | unchanged | rejected | rows loaded | quarantined "
        "| feedback reports |",
        "|---|---|---|---|---|---|---|",
    ]
    for j, items in sorted(by_j.items()):
        new = [o for o in items if o.status != "unchanged"]
        lines.append(
            f"| {j} | {len(new)} | {len(items) - len(new)} | "
            f"{sum(o.status == 'rejected' for o in items)} | "
            f"{sum(o.rows_loaded for o in items)} | {sum(o.rows_quarantined for o in items)} | "
            f"{reports.get(j, 0)} |"
        )
    return "\n".join(lines)


def _run_detail(outcomes: list[FileOutcome], feedback: list, jurisdictions: set[str]) -> dict:
    """What the UI shows on each partition the run materialized.

    Dagster gives every partition of a range run the same metadata, so a run for one
    jurisdiction (the sensor's) shows that jurisdiction's files one by one, with the feedback
    report paths; a run over many shows one row per jurisdiction and the rejected files."""
    new = [o for o in outcomes if o.status != "unchanged"]
    if len(jurisdictions) == 1:
        return {
            "files": dg.MetadataValue.md(_files_table(new) if new else "no new files"),
            "feedback_report_paths": dg.MetadataValue.md(
                "\n".join(f"- `{p}`" for p in sorted(map(str, feedback))) or "none"
            ),
        }
    return {"jurisdictions": dg.MetadataValue.md(_by_jurisdiction_table(outcomes, feedback))}


@dg.multi_asset(
    specs=[_spec(ds) for ds in DATA_SETS.values()],
    can_subset=True,
    name="raw_tables",
    partitions_def=jurisdiction_partitions,
    backfill_policy=dg.BackfillPolicy.single_run(),
    retry_policy=TRANSIENT_RETRY,
)
def raw_tables(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    landing_zone: LandingZoneResource,
):
    """Load each selected data set's new landing-zone files of the run's jurisdictions into its
    raw table, and write a feedback report per new file version for the jurisdiction's
    coordinator (beside the warehouse, in ``feedback/<jurisdiction>/<data set>/``; not in the
    public reports). Retried when it fails on a transient error (``defs/retries.py``): the
    warehouse locked by another process, the landing zone briefly unreadable."""
    with retry_only_if_transient():
        yield from _load(context, warehouse, landing_zone)


def _load(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    landing_zone: LandingZoneResource,
):
    selected = [ds for ds in DATA_SETS if raw_asset_key(ds) in context.selected_asset_keys]
    jurisdictions = set(context.partition_keys)
    placed, misplaced = scan(landing_zone.root)
    placed = [f for f in placed if f.jurisdiction_id in jurisdictions]
    failures: dict[str, dict[str, Exception]] = {}
    # An earlier run's gate feedback, written in the background in this process, is complete
    # before this run writes reports (quality_checks/feedback.py).
    from quality_checks.feedback import wait_for_writes

    wait_for_writes()
    with warehouse.connect() as con:
        record_misplaced(con, misplaced, datetime.now(UTC).replace(tzinfo=None))
        for m in misplaced:
            context.log.warning(f"rejected {m.reason}")
        for name in selected:
            files = [f for f in placed if f.data_set == name]
            result, failed = _load_isolated(context, con, name, files)
            if failed:
                failures[name] = failed
            context.log.info(
                f"raw.{name}: {result.rows_loaded} rows loaded, {result.rows_quarantined} "
                f"quarantined; {len(files)} files of {len(jurisdictions)} jurisdictions, "
                f"{len(result.rejected)} rejected"
            )
            for o in result.rejected:
                context.log.warning(f"rejected {o.reason}")
            (total,) = con.execute(f"select count(*) from {raw_table(name)}").fetchall()[0]
            feedback = write_feedback(con, result.outcomes, warehouse.feedback_dir)
            yield dg.MaterializeResult(
                asset_key=raw_asset_key(name),
                metadata={
                    "dagster/row_count": total,
                    "rows_loaded": result.rows_loaded,
                    "rows_quarantined": result.rows_quarantined,
                    "files_new": sum(o.status != "unchanged" for o in result.outcomes),
                    "files_unchanged": sum(o.status == "unchanged" for o in result.outcomes),
                    "files_rejected": len(result.rejected),
                    "feedback_reports": len(feedback),
                    "jurisdictions_in_run": len(jurisdictions),
                    "jurisdictions_loaded": len(result.jurisdictions),
                    "jurisdictions_failed": dg.MetadataValue.text(", ".join(failed) or "none"),
                    "rejections": dg.MetadataValue.md(
                        "\n".join(f"- {o.reason}" for o in result.rejected) or "none"
                    ),
                    **_run_detail(result.outcomes, feedback, jurisdictions),
                },
            )
    if failures and len(jurisdictions) == 1:
        # Caused by the first error, so that a transient one (a lock, a share) is retried.
        cause = next(iter(next(iter(failures.values())).values()))
        raise JurisdictionLoadFailed(
            f"{next(iter(jurisdictions))}'s files of {', '.join(failures)} could not be loaded; "
            "see the ledger (stage 'failed') and the errors above"
        ) from cause
