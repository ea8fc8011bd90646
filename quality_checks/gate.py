"""Run one Soda v4 contract on an open DuckDB connection; say, failing closed, whether it passed.

Plain Python (never imports dagster): the Dagster asset checks in ``orchestration/defs/quality.py``,
the tests and an engineer at a prompt all call :func:`verify`.

The gate rule (``GateResult.passed``) is True only when all of these hold:

* Soda's ``is_ok`` is True (never ``is_failed``: an error yields no failed check, so a gate on
  ``is_failed`` lets bad data through);
* nothing was logged at ERROR and nothing raised;
* at least one check ran, and every check was evaluated (a NOT_EVALUATED check leaves Soda's
  status UNKNOWN, which ``is_ok`` accepts).

Anything else — soda_core not importable, contract missing or unparsable, table or seed file
missing, the database locked — gives ``passed=False`` with the reason in ``errors``. :func:`verify`
never raises, except ``KeyboardInterrupt``.

Every verification gets the contract variable ``SEEDS_DIR``: the dbt seeds folder
(``dbt_project/seeds``, found from this file's place in the repository), whose code lists and
jurisdiction registry the raw contracts read with DuckDB's ``read_csv``.
"""

from __future__ import annotations

import os
import sys

# Soda reads this once, when soda_core is first imported; left on, every verification spends about
# 8 s retrying an unreachable host. Set here so that importing the gate is enough.
_TELEMETRY_WAS = os.environ.get("SODA_CORE_TELEMETRY_ENABLED")
os.environ["SODA_CORE_TELEMETRY_ENABLED"] = "false"

import functools  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from collections.abc import Mapping  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import date, datetime  # noqa: E402
from decimal import Decimal  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import duckdb  # noqa: E402

QUALITY_CHECKS_DIR = Path(__file__).resolve().parent
CONTRACTS_DIR = QUALITY_CHECKS_DIR / "contracts"
# The seeds: code lists (code_lists/<list>.csv, column `code`) and the registry (jurisdictions.csv),
# the one place they are defined. The raw contracts read them as ${var.SEEDS_DIR}/<file>; dbt seeds
# them into schema `reference`, where the mart contracts look them up.
SEEDS_DIR = QUALITY_CHECKS_DIR.parent / "dbt_project" / "seeds"
DATA_SOURCE_NAME = "npcs"
SAMPLE_SIZE = 5
_LINEAGE_LOCATORS = ("source_file", "source_row_number")

if "soda_core" in sys.modules and _TELEMETRY_WAS != "false":
    # soda_core came first, with telemetry on: too late to switch it off in this process.
    print(
        "quality_checks.gate: soda_core was imported before SODA_CORE_TELEMETRY_ENABLED=false was "
        "set; verifications may stall offline. Import npcs.settings or quality_checks.gate first.",
        file=sys.stderr,
    )


@dataclass
class CheckOutcome:
    """One check of a contract, as it came out."""

    name: str
    type: str  # schema | row_count | missing | invalid | duplicate | failed_rows | ...
    column: str | None  # None for dataset-level checks
    outcome: str  # passed | failed | not_evaluated | warned | excluded
    diagnostics: dict[str, Any] = field(default_factory=dict)
    # Up to SAMPLE_SIZE failing rows (key and lineage columns, and the offending value), taken
    # only for failed checks and only when cheap; empty otherwise.
    sample: list[dict[str, Any]] = field(default_factory=list)
    path: str = ""  # the check's place in the contract, e.g. columns.incident_type.checks.invalid

    def describe(self) -> str:
        where = f"column {self.column}" if self.column else "dataset"
        diags = ", ".join(f"{k}={_fmt(v)}" for k, v in self.diagnostics.items() if v is not None)
        text = f"{where}: {self.type} check '{self.name}' {self.outcome}"
        if diags:
            text += f" ({diags})"
        if self.sample:
            text += f"; e.g. {_fmt_sample(self.sample)}"
        return text


@dataclass
class GateResult:
    contract: str  # path relative to quality_checks/contracts, e.g. raw/reviews.yml
    dataset: str  # schema.table, e.g. raw.reviews
    passed: bool
    checks: list[CheckOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed_checks(self) -> list[CheckOutcome]:
        return [c for c in self.checks if c.outcome in ("failed", "not_evaluated")]

    def summary(self) -> str:
        """One line per failed check (and per error), naming dataset, column, check, diagnostics."""
        if self.passed:
            return f"{self.dataset}: passed ({len(self.checks)} checks, contract {self.contract})"
        lines = [f"{self.dataset}: error: {_first_lines(e)}" for e in dict.fromkeys(self.errors)]
        lines += [f"{self.dataset}: {c.describe()}" for c in self.checks if c.outcome == "failed"]
        not_evaluated = [c for c in self.checks if c.outcome == "not_evaluated"]
        if not_evaluated:
            what = ", ".join(f"{c.column or 'dataset'} {c.type}" for c in not_evaluated)
            lines.append(f"{self.dataset}: {len(not_evaluated)} check(s) not evaluated: {what}")
        if not lines:  # cannot happen by construction; never return an empty explanation
            lines.append(f"{self.dataset}: did not pass (contract {self.contract})")
        return "\n".join(lines)


def contract_for(schema: str, table: str) -> Path:
    """The contract file of ``schema.table`` (it may not exist; :func:`verify` then fails)."""
    return CONTRACTS_DIR / schema / f"{table}.yml"


def all_contracts() -> list[Path]:
    """Every contract file, ``contracts/<schema>/<table>.yml``, in a stable order."""
    return sorted(CONTRACTS_DIR.glob("*/*.yml"))


THRESHOLDS_FILE = QUALITY_CHECKS_DIR / "thresholds.yml"


def thresholds() -> dict[str, Any]:
    """``quality_checks/thresholds.yml``: the gates' thresholds, defined once."""
    stat = THRESHOLDS_FILE.stat()
    return _thresholds(str(THRESHOLDS_FILE), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _thresholds(path: str, _mtime_ns: int, _size: int) -> dict[str, Any]:
    """Read once per version of the file (a verification asks for every contract)."""
    data = _safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{THRESHOLDS_FILE} must be a mapping")
    return data


def threshold_variables() -> dict[str, int | float]:
    """The thresholds as contract variables: ``volume.max_drop`` -> ``VOLUME_MAX_DROP``."""
    out: dict[str, int | float] = {}
    for group, values in thresholds().items():
        for name, value in (values or {}).items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            out[f"{group}_{name}".upper()] = value
    return out


def contract_variables() -> dict[str, str | int | float]:
    """The variables every verification gets (a contract that does not declare one ignores it).

    ``SEEDS_DIR``: the seeds folder, absolute. The contracts use it inside a SQL string literal
    (``read_csv('${var.SEEDS_DIR}/...')``), so a quote in the path is doubled. Then every
    threshold of ``thresholds.yml`` (:func:`threshold_variables`).
    """
    return {
        "SEEDS_DIR": SEEDS_DIR.resolve().as_posix().replace("'", "''"),
        **threshold_variables(),
    }


def verify(
    con: duckdb.DuckDBPyConnection,
    contract_path: Path,
    variables: Mapping[str, str | int | float] | None = None,
) -> GateResult:
    """Verify one contract on ``con`` (data source ``npcs``). Raises only KeyboardInterrupt.

    ``variables`` override or add to :func:`contract_variables` (strings or numbers only); they
    are used as given, so a ``SEEDS_DIR`` passed here must double any quote in the path itself.
    """
    started = time.perf_counter()
    contract_path = Path(contract_path)
    result = GateResult(
        contract=_relative_contract(contract_path),
        dataset=_dataset_from_path(contract_path),
        passed=False,
    )
    try:
        _verify_into(con, contract_path, result, {**contract_variables(), **(variables or {})})
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: BLE001 - fail closed on anything, SystemExit included
        result.passed = False
        result.errors.append(f"{type(e).__name__}: {e}".strip())
        if os.environ.get("NPCS_GATE_TRACEBACK"):
            result.errors.append(traceback.format_exc())
    result.seconds = time.perf_counter() - started
    return result


def _verify_into(
    con: duckdb.DuckDBPyConnection,
    contract_path: Path,
    result: GateResult,
    variables: dict[str, str | int | float],
) -> None:
    if not contract_path.is_file():
        raise FileNotFoundError(f"contract file {contract_path} does not exist")
    contract = load_contract(contract_path)
    named = _dataset_from_contract(contract)
    if named is None:
        raise ValueError(
            f"contract {contract_path} names dataset {contract.get('dataset')!r}; "
            f"expected '{DATA_SOURCE_NAME}/<schema>/<table>'"
        )
    if _is_under(contract_path, CONTRACTS_DIR) and named != result.dataset:
        # contracts/<schema>/<table>.yml gates the asset <schema>/<table>: checking another table
        # would let the gated one through unchecked.
        raise ValueError(
            f"contract {result.contract} names dataset {named}, "
            f"not {result.dataset} as its path says"
        )
    result.dataset = named

    # Imported here, not at module level, so that a missing or broken Soda is a failed gate with a
    # reason rather than an ImportError in whoever imports this module.
    from soda_core.contracts import verify_contract_locally
    from soda_duckdb.common.data_sources.duckdb_data_source import DuckDBDataSourceImpl

    data_source = DuckDBDataSourceImpl.from_existing_cursor(con, name=DATA_SOURCE_NAME)
    session = verify_contract_locally(
        data_sources=[data_source],
        contract_file_path=str(contract_path.resolve()),
        variables=variables,
    )

    errors = [e for e in session.get_errors() if e]
    for r in session.results:
        if getattr(r, "error", None) is not None and not errors:
            errors.append(f"{type(r.error).__name__}: {r.error}")
        for cr in r.check_results:
            result.checks.append(_outcome(cr))
    result.errors.extend(errors)

    if not session.results:
        result.errors.append("Soda returned no verification result")
    elif not result.checks and not result.errors:
        result.errors.append("no check ran: the contract has no checks, or none could be built")
    not_evaluated = [c for c in result.checks if c.outcome == "not_evaluated"]
    if (
        not session.is_ok
        and not result.errors
        and not any(c.outcome == "failed" for c in result.checks)
    ):
        result.errors.append("Soda reported the verification as not ok without a failed check")

    result.passed = bool(
        session.is_ok
        and not session.has_errors
        and not result.errors
        and result.checks
        and not not_evaluated
        and not any(c.outcome == "failed" for c in result.checks)
    )

    if not result.passed:
        _add_samples(con, contract, result, _variable_values(contract, variables))


def _outcome(cr: Any) -> CheckOutcome:
    check = cr.check
    diagnostics: dict[str, Any] = {}
    for k, v in (cr.diagnostic_metric_values or {}).items():
        diagnostics[k] = _plain(v)
    # The schema check only reports a count; name the columns behind it.
    for attr, key in (
        ("expected_column_names_not_actual", "missing_columns"),
        ("actual_column_names_not_expected", "unexpected_columns"),
    ):
        value = getattr(cr, attr, None)
        if value:
            diagnostics[key] = list(value)
    mismatches = getattr(cr, "column_data_type_mismatches", None)
    if mismatches:
        diagnostics["type_mismatches"] = [
            f"{m.column}: {m.expected_data_type} -> {m.actual_data_type}" for m in mismatches
        ]
    if getattr(cr, "are_columns_out_of_order", False):
        diagnostics["columns_out_of_order"] = True
    return CheckOutcome(
        name=check.name or check.type,
        type=check.type,
        column=check.column_name,
        # Soda says WARN for a warn-level check that did not hold; the warehouse says "warned"
        outcome={"warn": "warned"}.get(str(cr.outcome.name).lower(), str(cr.outcome.name).lower()),
        diagnostics=diagnostics,
        path=check.relative_path or "",
    )


# --- samples of failing rows ------------------------------------------------------------------
#
# Soda (without its diagnostics warehouse) reports counts only. For a failed check the gate runs
# one small extra query, built from the check's own definition in the contract, to show a few
# failing keys. Samples never change the outcome; a sample that cannot be built is left out.


def _add_samples(
    con: duckdb.DuckDBPyConnection, contract: dict, result: GateResult, variables: dict[str, Any]
) -> None:
    table = _quoted_table(result.dataset)
    if table is None:
        return
    column_names = [c.get("name") for c in contract.get("columns") or [] if isinstance(c, dict)]
    locators = _locator_columns(contract, column_names)
    for outcome in result.checks:
        if outcome.outcome != "failed":
            continue
        try:
            spec = _check_spec(contract, outcome)
            sql = _sample_sql(outcome, spec, table, locators, contract.get("filter"))
            if sql is None:
                continue
            sql = _substitute_variables(sql, variables)
            rel = con.execute(sql)
            names = [d[0] for d in rel.description]
            outcome.sample = [
                {n: _plain(v) for n, v in zip(names, row, strict=True)}
                for row in rel.fetchall()[:SAMPLE_SIZE]
            ]
        except KeyboardInterrupt:
            raise
        except Exception:  # noqa: BLE001 - a sample is a courtesy
            outcome.sample = []


def _locator_columns(contract: dict, column_names: list[str]) -> list[str]:
    """Columns that locate a failing row: the key (dataset duplicate check) and the file lineage."""
    cols: list[str] = []
    for item in contract.get("checks") or []:
        if isinstance(item, dict) and isinstance(item.get("duplicate"), dict):
            cols += [c for c in item["duplicate"].get("columns") or [] if c not in cols]
    if not cols:
        for c in contract.get("columns") or []:
            for item in (c.get("checks") or []) if isinstance(c, dict) else []:
                if isinstance(item, dict) and "duplicate" in item and c["name"] not in cols:
                    cols.append(c["name"])
    cols += [c for c in _LINEAGE_LOCATORS if c in column_names and c not in cols]
    return cols


def _check_spec(contract: dict, outcome: CheckOutcome) -> dict:
    """The YAML body of the check behind ``outcome`` (matched by type, column and qualifier)."""
    qualifier = None
    parts = outcome.path.split(".")
    if outcome.column is None and len(parts) == 3:
        qualifier = parts[2]
    elif outcome.column is not None and len(parts) == 5:
        qualifier = parts[4]
    if outcome.column is None:
        items = contract.get("checks") or []
    else:
        col = next(
            (c for c in contract.get("columns") or [] if c.get("name") == outcome.column), {}
        )
        items = col.get("checks") or []
    for item in items:
        if isinstance(item, dict) and outcome.type in item:
            body = item[outcome.type] or {}
            if qualifier is None or str(body.get("qualifier")) == qualifier:
                return body
    return {}


def _sample_sql(
    outcome: CheckOutcome,
    spec: dict,
    table: str,
    locators: list[str],
    where_filter: str | None = None,
) -> str | None:
    """A query for a few failing rows of ``outcome``; the contract's ``filter`` applies (the
    rows Soda checked), except inside a failed_rows ``query``, which states its own."""
    col = outcome.column
    # The contract's `filter` and the check's own `filter` limit the rows the check tests; the
    # sample keeps to the same rows, or it shows rows that pass (e.g. other grouping dimensions'
    # values for a per-dimension code list).
    keep = "".join(f" and ({f})" for f in (where_filter, spec.get("filter")) if f)
    if outcome.type == "failed_rows" and spec.get("query"):
        query = spec["query"].strip().rstrip(";")
        return f"select * from ({query}) as failed limit {SAMPLE_SIZE}"
    if outcome.type == "duplicate":
        keys = spec.get("columns") or ([col] if col else [])
        if not keys:
            return None
        key_list = ", ".join(_q(k) for k in keys)
        return (
            f"select {key_list}, count(*) as n_rows from {table} "
            f"where {' and '.join(f'{_q(k)} is not null' for k in keys)}{keep} "
            f"group by {key_list} having count(*) > 1 order by n_rows desc limit {SAMPLE_SIZE}"
        )
    condition = failing_rows_condition(outcome, spec)
    if condition is None:
        return None
    # the locators, and for a column's check the column itself: the offending value
    select = ", ".join(dict.fromkeys(_q(c) for c in [*locators, *([col] if col else [])]))
    return f"select {select or '*'} from {table} as t where {condition}{keep} limit {SAMPLE_SIZE}"


def failing_rows_condition(outcome: CheckOutcome, spec: dict) -> str | None:
    """The SQL condition, on the checked table aliased ``t``, that picks the rows a row-level
    check fails on: a failed_rows ``expression``, a missing value, an invalid value (range,
    list, reference, format). None for checks that do not judge rows one by one (schema,
    row_count, duplicate, a failed_rows ``query``). The samples and the gate's attribution of
    failing rows to file versions (``gating.py``) both use it."""
    col = outcome.column
    if outcome.type == "failed_rows":
        return f"({spec['expression']})" if spec.get("expression") else None
    if col is None:
        return None
    c = f"t.{_q(col)}"
    if outcome.type == "missing":
        return f"{c} is null"
    if outcome.type != "invalid":
        return None
    conditions = []
    if spec.get("valid_min") is not None:
        conditions.append(f"{c} < {float(spec['valid_min'])}")
    if spec.get("valid_max") is not None:
        conditions.append(f"{c} > {float(spec['valid_max'])}")
    if spec.get("valid_values"):
        values = ", ".join(_literal(v) for v in spec["valid_values"])
        conditions.append(f"{c} not in ({values})")
    ref = spec.get("valid_reference_data")
    if isinstance(ref, dict) and ref.get("dataset") and ref.get("column"):
        ref_table = ".".join(_q(p) for p in str(ref["dataset"]).split("/")[1:])
        conditions.append(
            f"not exists (select 1 from {ref_table} as ref where ref.{_q(ref['column'])} = {c})"
        )
    fmt = spec.get("valid_format")
    if isinstance(fmt, dict) and fmt.get("regex"):
        conditions.append(f"not regexp_matches({c}, {_literal(fmt['regex'])})")
    return f"{c} is not null and ({' or '.join(conditions)})" if conditions else None


# Soda's reference syntax for a contract variable: ${var.NAME}
_VARIABLE = re.compile(r"\$\{ *var\.([a-zA-Z_][a-zA-Z_0-9]*) *\}")


def _variable_values(contract: dict, provided: Mapping[str, Any]) -> dict[str, Any]:
    """The values Soda gives the contract's variables: the provided value, else the default."""
    declared = contract.get("variables")
    values: dict[str, Any] = {}
    for name, spec in (declared if isinstance(declared, dict) else {}).items():
        if name in provided:
            values[name] = provided[name]
        elif isinstance(spec, dict) and spec.get("default") is not None:
            values[name] = spec["default"]
    return values


def _substitute_variables(sql: str, values: Mapping[str, Any]) -> str:
    """``sql`` with ``${var.NAME}`` replaced as Soda does (an unknown name is left as it is)."""
    return _VARIABLE.sub(lambda m: str(values.get(m.group(1), m.group(0))), sql)


# --- helpers ----------------------------------------------------------------------------------


def _safe_load(text: str) -> Any:
    """PyYAML's safe loader, in C when libyaml is there (10x faster on the long contracts)."""
    import yaml

    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def load_contract(path: Path) -> dict:
    """The contract file as a dict, parsed once per version of the file (a gate step reads each
    contract up to three times: to verify, to attribute failures, to record results). Callers
    must not change it."""
    path = Path(path)
    st = path.stat()
    return _load_contract(str(path.resolve()), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=128)
def _load_contract(path: str, _mtime_ns: int, _size: int) -> dict:
    return _load_yaml(Path(path).read_text(encoding="utf-8"), Path(path))


def _load_yaml(text: str, path: Path) -> dict:
    import yaml

    try:
        data = _safe_load(text)
    except yaml.YAMLError as e:
        raise ValueError(f"contract {path} is not valid YAML: {e}") from e
    if not isinstance(data, dict) or not data.get("dataset"):
        raise ValueError(f"contract {path} has no 'dataset:' key")
    return data


def _dataset_from_contract(contract: dict) -> str | None:
    parts = str(contract.get("dataset", "")).split("/")
    return ".".join(parts[1:]) if len(parts) >= 3 else None


def _dataset_from_path(path: Path) -> str:
    return f"{path.parent.name}.{path.stem}"


def _relative_contract(path: Path) -> str:
    try:
        return path.resolve().relative_to(CONTRACTS_DIR).as_posix()
    except ValueError:
        return str(path)


def _is_under(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
        return True
    except ValueError:
        return False


def _quoted_table(dataset: str) -> str | None:
    parts = dataset.split(".")
    return ".".join(_q(p) for p in parts) if len(parts) == 2 else None


def _q(identifier: str) -> str:
    return '"' + str(identifier).replace('"', '""') + '"'


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float | str | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return str(value)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)


def _fmt_sample(sample: list[dict[str, Any]]) -> str:
    rows = ["(" + ", ".join(f"{k}={v}" for k, v in row.items()) + ")" for row in sample[:3]]
    more = f" and {len(sample) - 3} more" if len(sample) > 3 else ""
    return "; ".join(rows) + more


def _first_lines(text: str, limit: int = 400) -> str:
    one = " ".join(line.strip() for line in str(text).splitlines() if line.strip())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def main(argv: list[str] | None = None) -> int:
    """``python -m quality_checks.gate [contract ...]``: the pipeline's gate rule, by hand.

    Opens ``$NPCS_WAREHOUSE`` read-only, verifies the given contracts (default: all), prints one
    line per contract and the summary of each that did not pass; exit code 1 when any did not.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    warehouse = os.environ.get("NPCS_WAREHOUSE")
    if not warehouse:
        print("NPCS_WAREHOUSE is not set", file=sys.stderr)
        return 2
    contracts = [Path(a) for a in args] or all_contracts()
    con = duckdb.connect(warehouse, read_only=True)
    try:
        results = [verify(con, c) for c in contracts]
    finally:
        con.close()
    for r in results:
        print(f"{'PASS' if r.passed else 'FAIL'}  {r.contract:45} {r.dataset:40} {r.seconds:6.3f}s")
        if not r.passed:
            print("      " + r.summary().replace("\n", "\n      "))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
