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
def reference_seeds(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Code lists and the jurisdiction registry, loaded from ``dbt_project/seeds`` into
    ``reference``."""
    # cautious: only the seeds' own tests, not mart tests that reference a code list
    yield from dbt.cli(["build", "--indirect-selection", "cautious"], context=context).stream()


@dbt_assets(
    manifest=dbt_project.manifest_path,
    select="resource_type:model",
    name="dbt_models",
    dagster_dbt_translator=translator,
    project=dbt_project,
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """Staging views, intermediate models and the conformed marts, built and tested by
    ``dbt build``; every dbt test is an asset check."""
    # Unit tests run in the test suite (tests/dbt_project), not in every production refresh.
    yield from dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context).stream()


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
