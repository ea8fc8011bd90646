"""dbt as Dagster assets: seeds (group ``reference``) and models (one group per dbt folder).

Asset keys are ``[schema, name]`` — the warehouse address — so ``raw/reviews`` (ingestion),
``staging/stg_raw__reviews`` and ``reviews/fct_reviews`` read the same in the UI and in SQL.
Seeds run in their own step so the raw-layer Soda checks can validate codes against them before
any model runs.
"""

from collections.abc import Mapping
from functools import cached_property
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from packaging import version

from orchestration.defs.dbt_project import dbt_project
from orchestration.defs.resources import WarehouseResource


class NpcsDbtTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["schema"]


translator = NpcsDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=dbt_project.manifest_path,
    select="resource_type:seed",
    name="dbt_reference_seeds",
    dagster_dbt_translator=translator,
    project=dbt_project,
)
def reference_seeds(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """Code lists and the jurisdiction registry, loaded from ``dbt_project/seeds`` into
    ``reference``."""
    # cautious: only the seeds' own tests, not mart tests that reference a code list
    yield from _build(context, dbt, warehouse, ["build", "--indirect-selection", "cautious"])


@dbt_assets(
    manifest=dbt_project.manifest_path,
    select="resource_type:model",
    name="dbt_models",
    dagster_dbt_translator=translator,
    project=dbt_project,
)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """Staging views, intermediate models and the conformed marts, built and tested by
    ``dbt build``; every dbt test is an asset check. Each built table and view gets its row count
    as metadata once dbt has released the warehouse."""
    # Unit tests run in the test suite (tests/dbt_project), not in every production refresh.
    yield from _build(context, dbt, warehouse, ["build", "--exclude-resource-type", "unit_test"])


def _build(context, dbt: DbtCliResource, warehouse: WarehouseResource, args: list[str]):
    """Run dbt, then yield its events with row counts added (and re-raise if dbt failed)."""
    events, error = [], None
    try:
        for event in dbt.cli(args, context=context).stream():
            events.append(event)
    except Exception as e:  # dbt failed: still record what it built, then fail the step
        error = e
    yield from with_row_counts(context, events, warehouse)
    if error is not None:
        raise error


def with_row_counts(context, events: list, warehouse: WarehouseResource):
    """Add ``dagster/row_count`` to each model output (asset key = [schema, table])."""
    outputs = [e for e in events if isinstance(e, dg.Output)]
    if not outputs:
        yield from events
        return
    counts: dict[str, int] = {}
    with warehouse.connect(read_only=True) as con:
        for e in outputs:
            key = context.asset_key_for_output(e.output_name)
            schema, table = key.path
            try:
                (counts[e.output_name],) = con.execute(
                    f'select count(*) from "{schema}"."{table}"'
                ).fetchone()
            except Exception:  # a model dbt skipped or failed has no table to count
                continue
    for e in events:
        if isinstance(e, dg.Output) and e.output_name in counts:
            yield e.with_metadata({**e.metadata, "dagster/row_count": counts[e.output_name]})
        else:
            yield e


class NpcsDbtCliResource(DbtCliResource):
    """dbt CLI resource that knows its dbt version without running ``dbt --version``.

    dagster-dbt asks the executable for its version on every dbt step, and ``dbt --version``
    queries the package registry for the latest release (seconds lost offline). dbt-core is
    installed in this environment, so its version is read from the package.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        from dbt.version import __version__

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args):
        # The adapter handle is only used for optional metadata (row counts, column schemas) that
        # these assets do not request; building it costs a profile load per dbt step.
        return None


def dbt_resource() -> DbtCliResource:
    return NpcsDbtCliResource(project_dir=dbt_project)
