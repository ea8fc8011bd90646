"""Raw-layer assets: one per data set, loading the landing zone into ``raw.<data set>``.

All six are computed by one subsettable step (one warehouse connection, one Dagster step), and
each is still its own asset: the UI can materialize any one of them alone.
"""

from datetime import UTC, datetime

import dagster as dg

from ingestion.core_data_set import DATA_SETS, DataSet
from ingestion.feedback import write_feedback
from ingestion.landing import scan
from ingestion.raw_loader import load_data_set, raw_table, record_misplaced
from orchestration.defs.resources import LandingZoneResource, WarehouseResource

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
            f"loaded_at). Key per jurisdiction: {', '.join(ds.key)}."
        ),
    )


@dg.multi_asset(specs=[_spec(ds) for ds in DATA_SETS.values()], can_subset=True, name="raw_tables")
def raw_tables(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    landing_zone: LandingZoneResource,
):
    """Load each selected data set's new landing-zone files into its raw table, and write a
    feedback report per new file version for the jurisdiction's coordinator (beside the
    warehouse, in ``feedback/<jurisdiction>/<data set>/``; not in the public reports)."""
    selected = [ds for ds in DATA_SETS if raw_asset_key(ds) in context.selected_asset_keys]
    placed, misplaced = scan(landing_zone.root)
    with warehouse.connect() as con:
        record_misplaced(con, misplaced, datetime.now(UTC).replace(tzinfo=None))
        for m in misplaced:
            context.log.warning(f"rejected {m.reason}")
        for name in selected:
            files = [f for f in placed if f.data_set == name]
            result = load_data_set(con, name, files)
            context.log.info(
                f"raw.{name}: {result.rows_loaded} rows loaded, {result.rows_quarantined} "
                f"quarantined; {len(files)} files, {len(result.rejected)} rejected"
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
                    "jurisdictions": len(result.jurisdictions),
                    "rejections": dg.MetadataValue.md(
                        "\n".join(f"- {o.reason}" for o in result.rejected) or "none"
                    ),
                },
            )
