"""Soda contracts as blocking asset checks: one per contract file in ``quality_checks/contracts``.

``contracts/<schema>/<table>.yml`` gates the asset ``<schema>/<table>``. A failing (or erroring,
or un-runnable) contract yields an ERROR-severity failed check, and because the checks are
blocking, nothing downstream of the asset runs in the same run. The report asset re-reads the
latest outcome of every gate upstream of it, so the block also holds in later runs.

The raw gates run in one step and the mart gates in another (one warehouse connection each);
every contract is still its own check in the UI and can be run alone.
"""

from pathlib import Path

import dagster as dg

from npcs.settings import CONTRACTS_DIR
from orchestration.defs.resources import WarehouseResource

CHECK_NAME = "soda_contract"


def contract_files() -> list[Path]:
    return sorted(CONTRACTS_DIR.glob("*/*.yml"))


def check_key(contract: Path) -> dg.AssetCheckKey:
    return dg.AssetCheckKey(dg.AssetKey([contract.parent.name, contract.stem]), CHECK_NAME)


def _spec(contract: Path) -> dg.AssetCheckSpec:
    schema, table = contract.parent.name, contract.stem
    return dg.AssetCheckSpec(
        name=CHECK_NAME,
        asset=dg.AssetKey([schema, table]),
        blocking=True,
        description=(
            f"Soda contract `{contract.relative_to(CONTRACTS_DIR.parent)}` on `{schema}.{table}`: "
            "schema, missing values, code validity, ranges, duplicate keys and references. "
            "Fails closed: an error running the contract fails the check."
        ),
    )


def check_result(contract: Path, result) -> dg.AssetCheckResult:
    """A Soda gate result as a Dagster check result, with its diagnostics as metadata."""
    key = check_key(contract)
    failed = [c for c in result.checks if c.outcome in ("failed", "not_evaluated")]
    return dg.AssetCheckResult(
        asset_key=key.asset_key,
        check_name=key.name,
        passed=result.passed,
        severity=dg.AssetCheckSeverity.ERROR,
        description=None if result.passed else result.summary(),
        metadata={
            "checks_run": len(result.checks),
            "checks_failed": len(failed),
            "errors": dg.MetadataValue.md("\n".join(f"- {e}" for e in result.errors) or "none"),
            "failures": dg.MetadataValue.md(result.summary() if not result.passed else "none"),
        },
    )


def _gate(name: str, contracts: list[Path]) -> dg.AssetChecksDefinition:
    by_key = {check_key(c): c for c in contracts}

    @dg.multi_asset_check(
        specs=[_spec(c) for c in contracts], can_subset=True, name=name, compute_kind="soda"
    )
    def _run(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        from quality_checks.gate import verify

        with warehouse.connect(read_only=True) as con:
            for key in sorted(context.selected_asset_check_keys, key=lambda k: k.to_user_string()):
                yield check_result(by_key[key], verify(con, by_key[key]))

    return _run


_contracts = contract_files()
soda_checks = [
    _gate("raw_gates", [c for c in _contracts if c.parent.name == "raw"]),
    _gate("mart_gates", [c for c in _contracts if c.parent.name != "raw"]),
]
