"""Overdue submissions in the Dagster UI: a ``submission_freshness`` check on each periodic raw
data set (``raw/review_summary``, ``raw/workforce``, ``raw/outcomes``).

It lists the members whose next period is past due, with their days overdue, from the one
definition of overdue (:func:`quality_checks.freshness.freshness`, which the status report reads
too), so the asset page says e.g. "raw/workforce: 3 members overdue". Non-blocking and always
WARN severity: a late member is a matter for its coordinator, never a reason to stop the
refresh (the raw gates' own Soda ``freshness`` check fails when the landing zone as a whole stops
delivering).

It reads the membership marts, so it runs after dbt has rebuilt them: in ``full_refresh`` and
``publish`` it sees the files just loaded. In ``ingest_jurisdiction`` (no dbt) it reports what
the marts held before that run; the ``publish`` run that follows evaluates it again.
"""

from datetime import date

import dagster as dg

from orchestration.defs.ingestion import raw_asset_key
from orchestration.defs.resources import WarehouseResource
from quality_checks.freshness import PERIODIC, SOURCES

CHECK_NAME = "submission_freshness"


class FreshnessConfig(dg.Config):
    as_of: str | None = None  # YYYY-MM-DD; overdue as of this date (default today)


def check_keys() -> list[dg.AssetCheckKey]:
    return [dg.AssetCheckKey(raw_asset_key(ds), CHECK_NAME) for ds in PERIODIC]


def _spec(data_set: str) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        name=CHECK_NAME,
        asset=raw_asset_key(data_set),
        blocking=False,
        # after dbt: the marts it reads are rebuilt first when the run builds them
        additional_deps=[dg.AssetKey([schema, table]) for schema, table in SOURCES],
        description=(
            f"Members overdue with `{data_set}`: the period after the latest one received ended "
            "more than dbt var `submission_due_days` days ago; only members that share the data "
            "set owe it. Lists each with its days overdue. WARN only, never blocks (the same "
            "list as the status report's overdue section)."
        ),
    )


def _table(rows: list[dict]) -> str:
    lines = [
        "| jurisdiction | latest period received | period owed | due | days overdue |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['jurisdiction_id']} | {r['latest_period'] or 'none'} | {r['next_period']} "
            f"| {r['due_date']} | {r['days_overdue']} |"
        )
    return "\n".join(lines)


def check_result(data_set: str, rows: list[dict], as_of: date, due_days: int):
    """One data set's freshness as a check result: passed when no member is overdue."""
    owing = [r for r in rows if r["data_set"] == data_set]
    late = [r for r in owing if r["days_overdue"] > 0]
    return dg.AssetCheckResult(
        asset_key=raw_asset_key(data_set),
        check_name=CHECK_NAME,
        passed=not late,
        severity=dg.AssetCheckSeverity.WARN,
        description=(
            f"{len(late)} member{'s' if len(late) != 1 else ''} overdue as of {as_of}"
            if late
            else f"no member overdue as of {as_of}"
        ),
        metadata={
            "as_of": as_of.isoformat(),
            "due_days": due_days,
            "members_owing": len(owing),
            "members_overdue": len(late),
            "max_days_overdue": max((r["days_overdue"] for r in late), default=0),
            "jurisdictions_overdue": ", ".join(r["jurisdiction_id"] for r in late) or "none",
            "overdue": dg.MetadataValue.md(_table(late) if late else "none"),
        },
    )


@dg.multi_asset_check(
    specs=[_spec(ds) for ds in PERIODIC],
    can_subset=True,
    name=CHECK_NAME,
    compute_kind="duckdb",
)
def submission_freshness(
    context: dg.AssetCheckExecutionContext, config: FreshnessConfig, warehouse: WarehouseResource
):
    from quality_checks.freshness import freshness, sources_present, submission_due_days

    as_of = date.fromisoformat(config.as_of) if config.as_of else date.today()
    due_days = submission_due_days()
    keys = sorted(context.selected_asset_check_keys, key=lambda k: k.to_user_string())
    with warehouse.connect(read_only=True) as con:
        rows = freshness(con, as_of, due_days) if sources_present(con) else None
    for key in keys:
        data_set = key.asset_key.path[-1]
        if rows is None:
            yield dg.AssetCheckResult(
                asset_key=key.asset_key,
                check_name=CHECK_NAME,
                passed=False,
                severity=dg.AssetCheckSeverity.WARN,
                description="not known yet: the membership marts have not been built",
            )
            continue
        result = check_result(data_set, rows, as_of, due_days)
        if not result.passed:
            context.log.info(f"{key.asset_key.to_user_string()}: {result.description}")
        yield result
