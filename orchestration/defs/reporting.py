"""The report asset: the partnership's findings, downstream of the checked marts.

Blocking checks stop the report within a run. Because a report can also be launched on its own
in a later run (a click in the UI), the asset first reads the latest completed evaluation of every
blocking-severity check upstream of it and refuses to build while any of them is failing — so the
last good report stays in place.
"""

from datetime import date

import dagster as dg

from ingestion.landing import SYNTHETIC_MARKER
from orchestration.defs.publishing import PUBLISHED_KEY
from orchestration.defs.resources import LandingZoneResource, ReportsResource, WarehouseResource
from orchestration.defs.retries import TRANSIENT_RETRY, retry_only_if_transient
from reporting.figures import REPORT_MARTS

REPORT_KEY = dg.AssetKey(["reporting", "partnership_report"])


class ReportConfig(dg.Config):
    as_of: str | None = (
        None  # YYYY-MM-DD; counts only what happened on or before it (default today)
    )
    # Print every page to PDF too (headless Chromium, ~15 s for the ~40 pages); off in a plain
    # refresh, on with `npcs refresh --pdf`, in the nightly schedule's config and in releases.
    pdf: bool = False


def _is_synthetic(landing: LandingZoneResource) -> bool:
    return (landing.root / SYNTHETIC_MARKER).exists()


@dg.asset(
    key=REPORT_KEY,
    group_name="reporting",
    # After the publication: the report is suppressed against the published warehouse, and a
    # refresh that stops before it has published leaves the reports as they were.
    deps=[*(dg.AssetKey(list(m)) for m in REPORT_MARTS), PUBLISHED_KEY],
    kinds={"html"},
    retry_policy=TRANSIENT_RETRY,
    description=(
        "The partnership's findings (`report.html|pdf`: headline figures, themes, partners, "
        "cause x theme, workforce and turnover, outcomes, equity) and `headline.json`; one "
        "profile per member beside the partnership (`profiles/<jurisdiction_id>.html|pdf`); the "
        "submission status report (`status.html|pdf`). Computed by SQL from the marts as of a "
        "date, printed to PDF by headless Chromium when configured (`pdf: true`, `npcs refresh "
        "--pdf`) and published atomically into the reports folder. Not built while an upstream "
        "gate fails."
    ),
)
def partnership_report(
    context: dg.AssetExecutionContext,
    config: ReportConfig,
    warehouse: WarehouseResource,
    reports: ReportsResource,
    landing_zone: LandingZoneResource,
) -> dg.MaterializeResult:
    from orchestration.defs.quality import refuse_while_gates_fail
    from publishing.linked import earlier_models
    from reporting.build import build_report

    refuse_while_gates_fail(
        context,
        "Report not rebuilt: upstream quality gates are failing; the last good report stays in "
        "place.",
    )
    as_of = date.fromisoformat(config.as_of) if config.as_of else date.today()
    with retry_only_if_transient(), warehouse.connect(read_only=True) as con:
        headline = build_report(
            con,
            reports.root,
            as_of,
            synthetic=_is_synthetic(landing_zone),
            pdf=config.pdf,
            earlier=earlier_models(),  # the releases out already: no differencing gives back
        )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(reports.root / "report.html")),
            **{k: v for k, v in headline.items() if isinstance(v, int | float | str)},
        }
    )
