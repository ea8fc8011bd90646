"""dbt as Dagster assets: seeds (group ``reference``) and models (one group per dbt folder).

Asset keys are ``[schema, name]`` — the warehouse address — so ``raw/reviews`` (ingestion),
``staging/stg_raw__reviews`` and ``reviews/fct_reviews`` read the same in the UI and in SQL.
Seeds and models are built by one ``dbt build`` per refresh, run inside the step's process
(``dbt_in_process.py``), which is where dbt and dagster-dbt are imported: loading the code
location builds the specs from the manifest alone (``dbt_specs.py``). The raw-layer Soda gates
read the seed files themselves, so they need nothing from dbt and run before it.
"""

import dagster as dg

from orchestration.defs.dbt_project import MANIFEST_PATH, refresh_build_args
from orchestration.defs.dbt_specs import asset_specs, load_manifest
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.retries import TRANSIENT_RETRY, retry_only_if_transient


# The specs are dagster-dbt's own (``dbt_specs.py``), built without importing dbt. dbt tests are
# not loaded as 155 Dagster asset checks: each check costs three event writes per refresh (~4 s
# of a 30 s budget). They still run in every `dbt build` — a failing test fails the step, so
# nothing downstream runs — and each model's materialization carries its tests' tally. The
# warehouse's gates in the UI are the Soda contracts (orchestration/defs/quality.py).
@dg.multi_asset(
    specs=asset_specs(load_manifest(MANIFEST_PATH)),
    name="dbt_build",
    can_subset=True,
    retry_policy=TRANSIENT_RETRY,
)
def dbt_build(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Seeds (code lists and registry into ``reference``), staging views, intermediate models and
    the conformed marts, built and tested by one ``dbt build``. Each built table and view gets
    its row count and its dbt tests' results as metadata once dbt has released the warehouse.
    Retried only when dbt fails on a transient error (``defs/retries.py``), never on a failing
    test or model."""
    # Unit tests run in the test suite (tests/dbt_project), not in every production refresh.
    with retry_only_if_transient():
        _refuse_on_failing_raw_gates(context)
        from orchestration.defs.quality import mart_gates_in_run

        # The marts' generic tests that their Soda contracts repeat run only when no mart gate
        # follows in this run: each rule is checked once per refresh, by the gate when there is
        # one.
        leave_out = mart_gates_in_run(context) or context.run.tags.get(LEAVE_OUT_TAG) == "true"
        yield from _build(context, warehouse, refresh_build_args(leave_out))


# Run tag for the benchmark's like-for-like comparison (benchmarks/refresh_benchmark.py): leave the
# repeated tests out even though no mart gate runs.
LEAVE_OUT_TAG = "npcs/leave_out_gated_dbt_tests"


def _refuse_on_failing_raw_gates(context: dg.AssetExecutionContext) -> None:
    """Do not rebuild the marts from raw data whose gate blocks — in a later run too (the
    ``publish`` job, or dbt clicked alone in the UI): the marts keep their last good state."""
    from orchestration.defs.ingestion import RAW_GROUP
    from orchestration.defs.quality import refuse_while_gates_fail

    raw_keys = [k for k in context.assets_def.keys_by_input_name.values() if k.path[0] == RAW_GROUP]
    refuse_while_gates_fail(
        context,
        "dbt not run: raw quality gates are failing; the marts keep their last good state. Fix "
        "the data (or record an override) and run the gate again.",
        raw_keys,
    )


def _build(context, warehouse: WarehouseResource, args: list[str]):
    """Run dbt, then yield its events with row counts added (and fail if dbt failed)."""
    from orchestration.defs import dbt_in_process
    from orchestration.defs.dbt_project import dbt_project

    manifest = load_manifest(MANIFEST_PATH)
    translator = dbt_in_process.translator()
    select = dbt_in_process.selection_for(context, manifest)
    context.log.info(f"dbt {' '.join(args[:1])} --select {' '.join(select)}")
    with warehouse.writing(f"dbt build (run {context.run.run_id})"):  # one writer at a time
        build = dbt_in_process.run_build(dbt_project(), args, select)
    # still record what dbt built before failing the step
    events = list(dbt_in_process.asset_events(context, build, manifest, translator, dbt_project()))
    yield from with_build_metadata(context, events, warehouse)
    if not build.success:
        raise dbt_in_process.DbtBuildError(build.failure_message()) from build.error


def _test_tallies(events: list) -> tuple[dict[dg.AssetKey, dict[str, list[str]]], list]:
    """Split dbt test results (observations on the tested assets) from the other events."""
    tallies: dict[dg.AssetKey, dict[str, list[str]]] = {}
    rest = []
    for e in events:
        unique_id = getattr(e, "metadata", {}).get("unique_id")
        unique_id = getattr(unique_id, "value", unique_id)
        if isinstance(e, dg.AssetObservation) and str(unique_id).startswith("test."):
            status = e.metadata.get("status")
            status = str(getattr(status, "value", status) or "unknown")
            name = str(unique_id).split(".")[2] if str(unique_id).count(".") >= 2 else unique_id
            tallies.setdefault(e.asset_key, {}).setdefault(status, []).append(name)
        else:
            rest.append(e)
    return tallies, rest


def with_build_metadata(context, events: list, warehouse: WarehouseResource):
    """Add ``dagster/row_count`` and the dbt tests' results to each model output (asset key =
    [schema, table]); the per-test observations themselves are not re-emitted."""
    tallies, events = _test_tallies(events)
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
        if not isinstance(e, dg.Output):
            yield e
            continue
        extra = {}
        if e.output_name in counts:
            extra["dagster/row_count"] = counts[e.output_name]
        # Always tallied, 0 included: a mart whose every rule is in its Soda contract runs no dbt
        # test in a refresh (refresh_build_args), and its gate is the check beside it in the UI.
        tally = tallies.get(context.asset_key_for_output(e.output_name), {})
        if e.output_name in counts:
            failing = sorted(n for st, names in tally.items() if st != "pass" for n in names)
            extra["dbt_tests_passed"] = len(tally.get("pass", []))
            extra["dbt_tests_not_passed"] = len(failing)
            if failing:
                extra["dbt_tests_failing"] = dg.MetadataValue.md(
                    "\n".join(f"- `{n}`" for n in failing)
                )
        yield e.with_metadata({**e.metadata, **extra}) if extra else e
