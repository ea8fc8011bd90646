"""Soda contracts as blocking asset checks: one per contract file in ``quality_checks/contracts``.

``contracts/<schema>/<table>.yml`` gates the asset ``<schema>/<table>``. Each evaluation is a
gate decision (``quality_checks/gating.py``), recorded in ``quality.check_results``:

- passed: the check passes;
- warned (warn-level checks only), held (raw: the failing rows all came in new file versions,
  which are held back while every other jurisdiction's data flows on) and overridden (an
  engineer's recorded, single-use override): a WARN-severity failed check — visible, not blocking;
- blocked: an ERROR-severity failed check. The checks are blocking, so nothing downstream runs in
  the same run; and :func:`failing_gates` makes the dbt build and the report refuse in later runs
  too, until a verification passes. Fails closed: an error running a contract blocks.

The raw gates run in one step, one contract after another (a hold changes what the next raw
contract sees); the mart gates in another, verified in parallel first (``quality_checks/
parallel.py``), then decided in order on one read-write connection. Every contract is still its
own check in the UI and can be run alone.
"""

from pathlib import Path

import dagster as dg

from npcs.settings import CONTRACTS_DIR
from orchestration.defs.resources import WarehouseResource

CHECK_NAME = "soda_contract"
RAW_GATES, MART_GATES = "raw_gates", "mart_gates"  # the two gate steps


def contract_files() -> list[Path]:
    return sorted(CONTRACTS_DIR.glob("*/*.yml"))


def check_key(contract: Path) -> dg.AssetCheckKey:
    return dg.AssetCheckKey(dg.AssetKey([contract.parent.name, contract.stem]), CHECK_NAME)


def _spec(contract: Path) -> dg.AssetCheckSpec:
    schema, table = contract.parent.name, contract.stem
    raw = schema == "raw"
    return dg.AssetCheckSpec(
        name=CHECK_NAME,
        asset=dg.AssetKey([schema, table]),
        blocking=True,
        description=(
            f"Soda contract `{contract.relative_to(CONTRACTS_DIR.parent)}` on `{schema}.{table}`: "
            "schema, missing values, code validity, ranges, duplicate keys, references"
            + (", freshness" if raw else "")
            + " and volume change. "
            + (
                "Rows failing in new file versions hold those file versions back (WARN); "
                if raw
                else ""
            )
            + "anything else blocks downstream (ERROR). Fails closed."
        ),
    )


def _held_table(held: list[dict]) -> str:
    lines = ["| jurisdiction | file | submission | why |", "|---|---|---|---|"]
    for h in held:
        why = str(h.get("reason", "")).replace("|", "\\|")
        lines.append(
            f"| {h.get('jurisdiction_id')} | {h.get('source_file')} | {h.get('submission_id')} "
            f"| {why} |"
        )
    return "\n".join(lines)


def check_result(contract: Path, decision) -> dg.AssetCheckResult:
    """A gate decision as a Dagster check result, with its diagnostics as metadata."""
    from quality_checks.gating import BLOCKED, PASSED

    key = check_key(contract)
    shown = decision.first or decision.result
    failed = [c for c in shown.checks if c.outcome in ("failed", "not_evaluated", "warned")]
    metadata = {
        "decision": decision.status,
        "checks_run": len(shown.checks),
        "checks_failed": len(failed),
        "file_versions_accepted": decision.accepted,
        "errors": dg.MetadataValue.md("\n".join(f"- {e}" for e in shown.errors) or "none"),
        "failures": dg.MetadataValue.md("\n".join(f"- {c.describe()}" for c in failed) or "none"),
    }
    if decision.held:
        metadata["held"] = dg.MetadataValue.md(_held_table(decision.held))
        metadata["jurisdictions_held"] = ", ".join(
            sorted({str(h.get("jurisdiction_id")) for h in decision.held})
        )
    if decision.override:
        o = decision.override
        metadata["override"] = dg.MetadataValue.md(
            f"override {o['override_id']} by {o['created_by']} ({o['created_at']}): {o['reason']}"
        )
    if decision.reasons:
        metadata["why"] = dg.MetadataValue.md("\n".join(f"- {r}" for r in decision.reasons))
    return dg.AssetCheckResult(
        asset_key=key.asset_key,
        check_name=key.name,
        passed=decision.status == PASSED,
        severity=(
            dg.AssetCheckSeverity.ERROR
            if decision.status == BLOCKED
            else dg.AssetCheckSeverity.WARN
        ),
        description=None if decision.status == PASSED else decision.summary(),
        metadata=metadata,
    )


def _gate(name: str, contracts: list[Path]) -> dg.AssetChecksDefinition:
    by_key = {check_key(c): c for c in contracts}

    @dg.multi_asset_check(
        specs=[_spec(c) for c in contracts], can_subset=True, name=name, compute_kind="soda"
    )
    def _run(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        from quality_checks.gating import decide, record_decisions
        from quality_checks.store import ensure_quality_schema

        keys = sorted(context.selected_asset_check_keys, key=lambda k: k.to_user_string())
        verified = {}
        if name == RAW_GATES and mart_gates_in_run(context):
            # Start the mart gates' workers now: they import Soda on the idle core while the raw
            # gates run here, and are ready when the mart gates need them (in this process).
            from quality_checks.parallel import prestart

            prestart()
        if name == MART_GATES:
            # Independent verifications: in parallel, on read-only connections, before the
            # read-write connection below opens (quality_checks/parallel.py).
            from quality_checks.parallel import verify_many

            verified = verify_many(Path(warehouse.path), [by_key[k] for k in keys])
        # Read-write: the gate records its results and holds or accepts file versions.
        with warehouse.connect() as con:
            ensure_quality_schema(con)
            decisions = []
            for key in keys:
                contract = by_key[key]
                decision = decide(
                    con,
                    contract,
                    context.run.run_id,
                    record=False,
                    ensure_schema=False,
                    verified=verified.get(contract),
                )
                decisions.append((contract, decision))
            record_decisions(con, context.run.run_id, [d for _, d in decisions])
            for contract, decision in decisions:
                if decision.status != "passed":
                    log = context.log.error if decision.status == "blocked" else context.log.warning
                    log(decision.summary())
                yield check_result(contract, decision)
            if name == RAW_GATES:
                _write_gate_feedback(context, con, warehouse)

    return _run


def mart_gates_in_run(context: dg.OpExecutionContext | dg.AssetExecutionContext) -> bool:
    """Whether the run of ``context`` evaluates mart gates: its job (or the subset of it the run
    executes, as the UI and ``run_refresh(gates=False)`` make) has the mart gate step."""
    job = context.job_def
    if MART_GATES not in job.graph.node_dict:
        return False
    selected = job.asset_check_selection
    return selected is None or any(k.asset_key.path[0] != "raw" for k in selected)


def _write_gate_feedback(context, con, warehouse: WarehouseResource) -> None:
    """Tell coordinators what the raw gates decided about their new file versions."""
    from quality_checks.feedback import add_gate_feedback

    ids = [
        r[0]
        for r in con.execute(
            "select submission_id from raw.submission_ledger where gate_run_id = ?",
            [context.run.run_id],
        ).fetchall()
    ]
    if ids:
        # written in the background while dbt runs (the process waits for them before it ends)
        add_gate_feedback(con, warehouse.feedback_dir, ids, background=True)


def failing_gates(instance: dg.DagsterInstance, asset_keys, current_run_id: str) -> list[str]:
    """Blocking checks on ``asset_keys`` whose latest evaluation blocks: failed with ERROR
    severity, or planned in a run that ended without evaluating it (a crashed gate fails
    closed)."""
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    check_keys = dg.AssetSelection.checks_for_assets(*asset_keys).resolve_checks(graph)
    # Only blocking checks are gates: a WARN-only check (the freshness checks) never holds back.
    check_keys = {k for k in check_keys if graph.get_check_spec(k).blocking}
    failing = []
    storage = instance.event_log_storage
    latest = storage.get_latest_asset_check_execution_by_key(list(check_keys))
    for key in sorted(check_keys, key=lambda k: k.to_user_string()):
        record = latest.get(key)
        if record is None:
            continue  # never evaluated: nothing to hold against
        history = [record]
        if record.status.value == "PLANNED":  # the one before may decide: fetch a few
            history = storage.get_asset_check_execution_history(key, limit=5)
        for record in history:
            if record.status.value == "PLANNED":
                run = instance.get_run_by_id(record.run_id)
                if record.run_id == current_run_id or run is None or not run.is_finished:
                    continue  # still running (or this run): look at the evaluation before
                failing.append(
                    f"{key.to_user_string()} (run {record.run_id[:8]} never evaluated it)"
                )
            elif record.status.value == "FAILED":
                evaluation = record.event.asset_check_evaluation if record.event else None
                severity = evaluation.severity if evaluation else dg.AssetCheckSeverity.ERROR
                if severity == dg.AssetCheckSeverity.ERROR:
                    failing.append(key.to_user_string())
            break
    return failing


def refuse_while_gates_fail(context: dg.AssetExecutionContext, description: str, keys=None) -> None:
    """Raise a Failure naming the failing gates when a gate on ``keys`` — by default every asset
    upstream of the running one, in the whole code location's graph (a run of an asset alone is
    a subset job whose own graph does not reach upstream) — blocks; see :func:`failing_gates`."""
    if keys is None:
        from orchestration.definitions import defs

        key = context.asset_key
        keys = dg.AssetSelection.assets(key).upstream().resolve(defs.resolve_asset_graph()) - {key}
    failing = failing_gates(context.instance, keys, context.run.run_id)
    if failing:
        raise dg.Failure(
            description=description,
            metadata={"failing_gates": dg.MetadataValue.md("\n".join(f"- {k}" for k in failing))},
            allow_retries=False,  # a blocking gate is not transient (defs/retries.py)
        )


_contracts = contract_files()
soda_checks = [
    _gate(RAW_GATES, [c for c in _contracts if c.parent.name == "raw"]),
    _gate(MART_GATES, [c for c in _contracts if c.parent.name != "raw"]),
]
