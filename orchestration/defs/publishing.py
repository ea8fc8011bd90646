"""The published warehouse asset: what analysts, BI tools and members read, after the gates pass.

Downstream of every mart it publishes (their Soda gates block it within a run) and refused in a
later run while any upstream gate blocks, like the report: the last good publication stays in
place. The publish itself is atomic (``publishing/publish.py``): readers holding the published
file keep their state and never block it.
"""

import os
from pathlib import Path

import dagster as dg

from orchestration.defs.resources import WarehouseResource
from orchestration.defs.retries import TRANSIENT_RETRY, retry_only_if_transient

PUBLISHED_KEY = dg.AssetKey(["publishing", "published_warehouse"])


def _sources() -> list[dg.AssetKey]:
    from publishing.catalog import load_catalog
    from publishing.extracts import MEMBER_TABLES

    sources = {t.source for t in load_catalog().tables} | set(MEMBER_TABLES)
    return [dg.AssetKey(s.split(".")) for s in sorted(sources)]


@dg.asset(
    key=PUBLISHED_KEY,
    group_name="publishing",
    deps=_sources(),
    kinds={"duckdb", "parquet"},
    retry_policy=TRANSIENT_RETRY,
    description=(
        "The published warehouse: the BI-facing tables of `publishing/catalog.yml` with "
        "small-cell suppression applied, as a DuckDB file (`<published>/npcs.duckdb`, open it "
        "read-only) and Parquet (`<published>/parquet/`), plus one extract package per member "
        "(`<published>/current/extracts/`). Switched in atomically; not built while an upstream "
        "gate fails."
    ),
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    from orchestration.defs.quality import refuse_while_gates_fail
    from publishing.extracts import build_extracts
    from publishing.linked import earlier_models
    from publishing.publish import catalog_tables, current_path, publish

    refuse_while_gates_fail(
        context,
        "Not published: upstream quality gates are failing; the last good publication stays in "
        "place.",
    )
    root = warehouse.published_dir
    with retry_only_if_transient(), warehouse.connect(read_only=True) as con:
        # The releases out already are known to every reader: nothing published now may give
        # a hidden count back when differenced with them (publishing/linked.py).
        earlier = earlier_models()
        tables, hidden = catalog_tables(con, earlier)
        publication = publish(
            tables,
            root,
            source={"run_id": context.run.run_id, "warehouse": warehouse.path},
            extras=lambda folder, version: build_extracts(con, folder, version),
        )
    return dg.MaterializeResult(
        metadata={
            "version": publication.version,
            "path": dg.MetadataValue.path(str(current_path(root))),
            "tables": len(tables),
            "rows": sum(len(t.frame) for t in tables),
            "cells_suppressed": dg.MetadataValue.json(hidden),
            "earlier_publications": dg.MetadataValue.json([m.name for m in earlier]),
        }
    )


POSTGRES_KEY = dg.AssetKey(["publishing", "postgres_tables"])


def postgres_configured() -> bool:
    """PostgreSQL serving is on when a server is configured: ``NPCS_PG_DSN`` or ``PGHOST``."""
    return bool(os.environ.get("NPCS_PG_DSN") or os.environ.get("PGHOST"))


@dg.asset(
    key=POSTGRES_KEY,
    group_name="publishing",
    deps=[PUBLISHED_KEY],
    kinds={"postgres"},
    retry_policy=TRANSIENT_RETRY,
    description=(
        "The published warehouse's tables in PostgreSQL for BI tools (schema for schema, with "
        "the dbt descriptions as comments), and each member's own record-level rows in schema "
        "`member` under row-level security (`publishing/postgres.py`). Loaded in one "
        "transaction. Defined only when a server is configured (`NPCS_PG_DSN` or `PGHOST`)."
    ),
)
def postgres_tables(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    from publishing.postgres import load
    from publishing.publish import current_path, current_version

    root = warehouse.published_dir
    version = current_version(root)
    if version is None:
        raise dg.Failure(
            description=f"Nothing published yet under {root}: publish first.", allow_retries=False
        )
    with retry_only_if_transient():  # a server restarting, a lock timeout: tried again
        result = load(current_path(root), record_level=Path(warehouse.path))
    return dg.MaterializeResult(
        metadata={
            "publication": version,
            "tables": len(result.tables),
            "rows": result.rows,
            "member_roles": len(result.member_roles),
            "seconds": round(result.seconds, 2),
        }
    )
