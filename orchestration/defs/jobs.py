"""Jobs.

- ``full_refresh``: every asset and check, in dependency order — the landing zone of the run's
  jurisdictions (normally all of them, as one partition range) to raw, the raw gates, dbt, the
  mart gates and the report. ``npcs refresh`` runs it.
- ``ingest_jurisdiction``: the raw assets and their gates for the jurisdictions of the run; the
  landing-zone sensor starts one per jurisdiction whose files changed.
- ``publish``: everything downstream of raw (dbt, mart gates, report), and the raw data sets'
  ``submission_freshness`` checks once the marts they read are rebuilt; started once the
  ingestion runs have finished, by the ``publish_after_ingestion`` sensor — for only the part
  that the ingested data sets reach (``publish_subset``) when the ingestion runs say which.

A failed gate stops everything downstream of it, in the same run and in later ones.
"""

from datetime import date

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


RANGE_START, RANGE_END = "dagster/asset_partition_range_start", "dagster/asset_partition_range_end"
REPORT_OP = "reporting__partnership_report"


FRESHNESS_OP = "submission_freshness"


def full_refresh_request(
    instance: dg.DagsterInstance, as_of: date | None = None, pdf: bool = False
) -> tuple[dict[str, str], dict]:
    """The tags and run config of a ``full_refresh`` over every jurisdiction, shared by
    ``npcs refresh`` and the nightly schedule so both run the same thing: the registry's
    jurisdictions (added as partitions first) as one partition range — one ingestion step, not
    38 — and the report as of ``as_of`` (today when None), printed to PDF when ``pdf``."""
    from orchestration.defs.partitions import sync_partitions

    partitions = sync_partitions(instance)
    tags = {RANGE_START: partitions[0], RANGE_END: partitions[-1]}
    day = as_of.isoformat() if as_of else None
    run_config = {
        "ops": {
            REPORT_OP: {"config": {"as_of": day, "pdf": pdf}},
            # overdue submissions as of the same day (orchestration/defs/freshness.py)
            FRESHNESS_OP: {"config": {"as_of": day}},
        }
    }
    return tags, run_config


def publish_subset(asset_graph, data_sets) -> tuple[set[dg.AssetKey], set[dg.AssetCheckKey]]:
    """The assets and checks of ``publish`` that new files of ``data_sets`` reach.

    Every ingestion run writes the ledger, the quarantine and the raw gates' results whatever it
    loads, so what reads those is always rebuilt (the data-quality marts, coverage, the
    published warehouse and the report); of the data sets' own staging models, only those of
    ``data_sets``, with everything downstream of them. A ``reviews`` file leaves the workforce
    and outcomes marts as they are: their raw tables, and so their staging, did not change.
    The checks are the selected assets' own (the mart gates) and the freshness checks.
    """

    def written_by_every_ingestion(key: dg.AssetKey) -> bool:  # the ledger, the gates' results
        return key.path[0] in (RAW_GROUP, "quality") and not asset_graph.get(key).is_materializable

    def a_data_set(key: dg.AssetKey) -> bool:  # raw/reviews, raw/tasc_responses, ...
        return key.path[0] == RAW_GROUP and asset_graph.get(key).is_materializable

    always = [  # the staging models of the ledger, the quarantine and the gates' results
        key
        for key in asset_graph.get_all_asset_keys()
        if key.path[0] == "staging"
        and any(written_by_every_ingestion(p) for p in asset_graph.get(key).parent_keys)
        and not any(a_data_set(p) for p in asset_graph.get(key).parent_keys)
    ]
    changed = [dg.AssetKey(["staging", f"stg_raw__{name}"]) for name in sorted(data_sets)]
    start = [k for k in [*always, *changed] if asset_graph.has(k)]
    assets = set(dg.AssetSelection.assets(*start).downstream().resolve(asset_graph))
    checks = {c for c in asset_graph.asset_check_keys if c.asset_key in assets}
    return assets, checks | set(freshness_check_keys())
