"""Soda contracts as blocking asset checks: one per contract file in ``quality_checks/contracts``.

``contracts/<schema>/<table>.yml`` gates the asset ``<schema>/<table>``. A failing (or erroring,
or un-runnable) contract yields an ERROR-severity failed check, and because the checks are
blocking, nothing downstream of the asset runs in the same run. The report asset re-reads the
latest outcome of every gate upstream of it, so the block also holds in later runs.
"""


from pathlib import Path

import dagster as dg

from npcs.settings import CONTRACTS_DIR, DBT_PROJECT_DIR
from orchestration.defs.resources import WarehouseResource

CHECK_NAME = "soda_contract"


def reference_asset_keys() -> list[dg.AssetKey]:
    """The code lists and registry the raw contracts validate against (dbt seeds)."""
    seeds = sorted(DBT_PROJECT_DIR.glob("seeds/**/*.csv"))
    return [dg.AssetKey(["reference", p.stem]) for p in seeds]


def _contract_check(contract: Path) -> dg.AssetChecksDefinition:
    schema, table = contract.parent.name, contract.stem
    asset_key = dg.AssetKey([schema, table])
    additional_deps = reference_asset_keys() if schema == "raw" else []

    @dg.asset_check(
        asset=asset_key,
        name=CHECK_NAME,
        blocking=True,
        additional_deps=additional_deps,
        description=(
            f"Soda contract `{contract.relative_to(CONTRACTS_DIR.parent)}` on `{schema}.{table}`: "
            "schema, missing values, code validity, ranges, duplicate keys and references. "
            "Fails closed: an error running the contract fails the check."
        ),
    )
    def _check(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        from quality_checks.gate import verify

        with warehouse.connect(read_only=True) as con:
            result = verify(con, contract)
        failed = [c for c in result.checks if c.outcome != "passed"]
        return dg.AssetCheckResult(
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

    # Distinct Python names keep the op names readable in the UI.
    _check.__name__ = f"{schema}__{table}__{CHECK_NAME}"
    return _check


def contract_files() -> list[Path]:
    return sorted(CONTRACTS_DIR.glob("*/*.yml"))


soda_checks = [_contract_check(p) for p in contract_files()]
