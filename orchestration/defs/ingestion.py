"""Raw-layer assets: one per data set, loading the landing zone into ``raw.<data set>``."""


import dagster as dg

from ingestion.core_data_set import DATA_SETS, DataSet
from ingestion.landing import discover
from ingestion.raw_loader import load_data_set, raw_table
from orchestration.defs.resources import LandingZoneResource, WarehouseResource

RAW_GROUP = "raw"


def raw_asset_key(data_set: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", data_set])


def _raw_asset(ds: DataSet) -> dg.AssetsDefinition:
    @dg.asset(
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
    def _load(
        context: dg.AssetExecutionContext,
        warehouse: WarehouseResource,
        landing_zone: LandingZoneResource,
    ) -> dg.MaterializeResult:
        files = discover(landing_zone.root, data_set=ds.name)
        with warehouse.connect() as con:
            result = load_data_set(con, ds.name, files, progress=context.log.debug)
        for o in result.rejected:
            context.log.warning(f"rejected {o.reason}")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": result.rows_loaded,
                "files_accepted": len(files) - len(result.rejected),
                "files_rejected": len(result.rejected),
                "jurisdictions": len(result.jurisdictions),
                "rejections": dg.MetadataValue.md(
                    "\n".join(f"- {o.reason}" for o in result.rejected) or "none"
                ),
            }
        )

    return _load


raw_assets = [_raw_asset(ds) for ds in DATA_SETS.values()]
