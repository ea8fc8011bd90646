"""What a gate decides, and what it leaves behind: pass, warn, hold one jurisdiction's new file
versions, block, or let through on a recorded override.

:func:`quality_checks.gate.verify` says whether a contract's checks pass. :func:`decide` turns
that into the warehouse's decision, the same in every path (``npcs refresh``, a schedule, a
sensor, one asset clicked in the UI, a release):

``passed``
    every fail-level check passed (and every warn-level one).
``warned``
    only warn-level checks failed (``threshold: {level: warn}`` in the contract): reported, not
    blocking.
``held``
    (raw tables only) the failing rows all belong to file versions no gate has accepted yet
    (``gate_status`` NULL in ``raw.submission_ledger``). Those file versions are held: staging
    leaves them out, so the marts keep each jurisdiction's last good data, and the contract is
    verified again without them. It must then pass; every other jurisdiction's new data flows on.
    Nothing downstream is blocked.
``blocked``
    anything else: a failing check that no pending file version explains (the schema, freshness,
    rows already accepted, a mart), an error, Soda missing, the contract broken. Fails closed:
    downstream does not run, in this run or later ones, until a verification passes.
``overridden``
    would be ``blocked``, but an engineer recorded an override for this contract (``npcs gate
    override``): it is let through once, the override is spent, and the reason is kept with the
    results.

Every decision writes its check results to ``quality.check_results`` (one row per check, and
one per jurisdiction whose rows failed a check); a decision that lets data through marks the
pending file versions accepted and records the volume baseline the next gate compares with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from quality_checks import store
from quality_checks.gate import (
    CheckOutcome,
    GateResult,
    _check_spec,
    _q,
    _quoted_table,
    _substitute_variables,
    _variable_values,
    contract_variables,
    failing_rows_condition,
    load_contract,
    verify,
)

PASSED, WARNED, HELD, BLOCKED, OVERRIDDEN = "passed", "warned", "held", "blocked", "overridden"
LETS_THROUGH = {PASSED, WARNED, HELD, OVERRIDDEN}


@dataclass
class Attribution:
    """Rows of one failed check, per file version (or per jurisdiction when the check counts
    records rather than rows of a file version, as the volume check does)."""

    check: CheckOutcome
    rows: list[tuple[int | None, str | None, int]]  # (submission_id, jurisdiction_id, rows)


@dataclass
class Decision:
    contract: str  # e.g. raw/reviews.yml
    dataset: str  # e.g. raw.reviews
    layer: str  # raw | mart
    status: str  # passed | warned | held | blocked | overridden
    result: GateResult  # the verification the decision rests on (after holding, the second)
    first: GateResult | None = None  # the verification that found rows to hold
    held: list[dict[str, Any]] = field(default_factory=list)  # file versions held now
    accepted: int = 0  # pending file versions accepted now
    reasons: list[str] = field(default_factory=list)  # why blocked (or what was overridden)
    override: dict[str, Any] | None = None
    rows: list[store.CheckRow] = field(default_factory=list)  # for quality.check_results

    @property
    def lets_through(self) -> bool:
        return self.status in LETS_THROUGH

    def summary(self) -> str:
        head = f"{self.dataset}: {self.status}"
        if self.status == PASSED:
            return f"{head} ({len(self.result.checks)} checks)"
        lines = [head]
        for h in self.held:
            where = f"{h['jurisdiction_id']} {h['source_file']} (submission {h['submission_id']})"
            lines.append(f"  held {where}: {h['reason']}")
        if self.override:
            lines.append(
                f"  let through once by override {self.override['override_id']} "
                f"({self.override['created_by']}): {self.override['reason']}"
            )
        source = self.first if self.status in (OVERRIDDEN,) and self.first else self.result
        if self.status in (BLOCKED, OVERRIDDEN):
            lines += ["  " + line for line in source.summary().splitlines()]
            lines += [f"  {r}" for r in self.reasons]
        if self.status == WARNED:
            lines += [
                f"  warning: {c.describe()}" for c in self.result.checks if c.outcome == "warned"
            ]
        return "\n".join(lines)


def layer_of(contract: Path) -> str:
    return "raw" if Path(contract).parent.name == "raw" else "mart"


def decide(
    con: duckdb.DuckDBPyConnection,
    contract: Path,
    run_id: str,
    *,
    record: bool = True,
    ensure_schema: bool = True,
    verified: GateResult | None = None,
) -> Decision:
    """Verify ``contract`` on ``con`` (read-write), decide, and record the decision.

    ``record=False`` leaves the result rows (``decision.rows``) to the caller, which records
    the decisions of a gate step at once (:func:`record_decisions`). ``ensure_schema=False``
    when the caller already ran ``store.ensure_quality_schema`` on ``con`` (a gate step
    deciding about many contracts). ``verified``: the contract's
    verification, when the caller ran it already (the mart gates verify in parallel first,
    ``quality_checks/parallel.py``); a raw contract that holds file versions is verified again
    here."""
    contract = Path(contract)
    layer = layer_of(contract)
    if ensure_schema:
        store.ensure_quality_schema(con)
    result = verified if verified is not None else verify(con, contract)
    decision = Decision(
        contract=result.contract, dataset=result.dataset, layer=layer, status=BLOCKED, result=result
    )
    attributions: list[Attribution] = []
    if _only_warnings(result):
        decision.status = WARNED if _warned(result) else PASSED
    elif layer == "raw" and _holdable(result):
        attributions = _attribute(con, contract, result)
        _try_hold(con, contract, run_id, decision, attributions)
    else:
        decision.reasons.append(_why_not_holdable(result, layer))

    if decision.status == BLOCKED:
        _apply_override(con, run_id, decision)
    if decision.lets_through:
        decision.accepted = _accept(con, decision, run_id)
    decision.rows = _rows(decision, attributions)
    if record:
        record_decisions(con, run_id, [decision])
    return decision


def record_decisions(con: duckdb.DuckDBPyConnection, run_id: str, decisions: list[Decision]):
    """Record what ``decisions`` found (``quality.check_results``) and move the volume baseline
    of each data set they let through — in one insert each, and one query for the counts."""
    store.record_check_rows(con, run_id, [r for d in decisions for r in d.rows])
    through = [d.dataset for d in decisions if d.lets_through]
    store.record_volume_baselines(con, volume_counts_many(con, through), run_id)


# --- the decision -------------------------------------------------------------------------------


def _failed(result: GateResult) -> list[CheckOutcome]:
    return [c for c in result.checks if c.outcome in ("failed", "not_evaluated")]


def _warned(result: GateResult) -> list[CheckOutcome]:
    return [c for c in result.checks if c.outcome == "warned"]


def _only_warnings(result: GateResult) -> bool:
    """Passed, or failed only through warn-level checks (Soda's WARN outcome)."""
    return not result.errors and bool(result.checks) and not _failed(result)


def _holdable(result: GateResult) -> bool:
    return not result.errors and all(c.outcome == "failed" for c in _failed(result))


def _why_not_holdable(result: GateResult, layer: str) -> str:
    if result.errors:
        return "the contract could not be verified (fails closed)"
    if layer != "raw":
        return "a mart gate blocks: its rows come from every jurisdiction's accepted data"
    return "a check could not be evaluated"


def _try_hold(con, contract: Path, run_id: str, decision: Decision, attributions) -> None:
    result = decision.result
    unexplained = [a.check for a in attributions if a.rows is None or not a.rows]
    if unexplained:
        decision.reasons.append(
            "not attributable to new file versions: "
            + ", ".join(f"{c.column or 'dataset'} {c.type} '{c.name}'" for c in unexplained)
        )
        return
    data_set = decision.dataset.split(".", 1)[1]
    pending = store.pending_submissions(con, data_set)
    to_hold: dict[int, list[str]] = {}
    for a in attributions:
        label = f"{a.check.column or 'dataset'} {a.check.type} '{a.check.name}'"
        for submission_id, jurisdiction_id, n in a.rows:
            if submission_id is None:  # a jurisdiction's records: its pending file versions
                ids = [s for s, j in pending.items() if j == jurisdiction_id]
                if not ids:
                    decision.reasons.append(
                        f"{label} fails for {jurisdiction_id}, which sent no new file version"
                    )
                    return
            else:
                if submission_id not in pending:
                    decision.reasons.append(
                        f"{label} fails on rows of file version {submission_id} "
                        f"({jurisdiction_id}), which a gate already accepted"
                    )
                    return
                ids = [submission_id]
            for s in ids:
                to_hold.setdefault(s, []).append(f"{label} ({n} rows)" if n else label)
    files = _ledger_files(con, list(to_hold))
    for s, reasons in sorted(to_hold.items()):
        reason = "; ".join(dict.fromkeys(reasons))
        store.set_gate_status(con, [s], store.HELD, run_id, reason)
        decision.held.append({**files.get(s, {"submission_id": s}), "reason": reason})
    decision.first = result
    second = verify(con, contract)
    decision.result = second
    if _only_warnings(second):
        decision.status = HELD
    else:
        decision.reasons.append("still failing with the new file versions held back")


def _apply_override(con, run_id: str, decision: Decision) -> None:
    failing = {c.name for c in _failed(decision.result)}
    for o in store.open_overrides(con, decision.contract):
        if decision.result.errors and o["check_name"] is None:
            # an override is for data that breaks a rule, not for a contract that cannot run
            continue
        if o["check_name"] is None or (failing and failing <= {o["check_name"]}):
            store.spend_override(con, o["override_id"], run_id)
            decision.override = o
            decision.first = decision.result
            decision.status = OVERRIDDEN
            return


def _accept(con, decision: Decision, run_id: str) -> int:
    """Pending file versions of a raw data set become accepted (the volume baseline moves on
    when the decision is recorded: :func:`record_decisions`)."""
    if decision.layer != "raw":
        return 0
    data_set = decision.dataset.split(".", 1)[1]
    pending = store.pending_submissions(con, data_set)
    store.set_gate_status(con, list(pending), store.ACCEPTED, run_id, decision.status)
    return len(pending)


def _ledger_files(con, ids: list[int]) -> dict[int, dict[str, Any]]:
    if not ids:
        return {}
    rows = con.execute(
        f"select submission_id, jurisdiction_id, data_set, source_file from {store.LEDGER} "
        "where submission_id in (select unnest(?::bigint[]))",
        [ids],
    ).fetchall()
    return {
        r[0]: {
            "submission_id": r[0],
            "jurisdiction_id": r[1],
            "data_set": r[2],
            "source_file": r[3],
        }
        for r in rows
    }


# --- volume -------------------------------------------------------------------------------------


def volume_counts_many(con, datasets: list[str]) -> dict[str, dict[str | None, int]]:
    """:func:`volume_counts` of several data sets (the marts' in two queries)."""
    from quality_checks.mart_contracts import volume_counts_many as mart_volume_counts_many

    marts = [d for d in datasets if not d.startswith("raw.")]
    counts = mart_volume_counts_many(con, marts)
    counts.update({d: volume_counts(con, d) for d in datasets if d.startswith("raw.")})
    return {d: counts[d] for d in datasets}


def volume_counts(con, dataset: str) -> dict[str | None, int]:
    """What the volume checks count, per jurisdiction (None: the table as a whole).

    Raw tables: distinct record keys in the file versions staging reads (a corrected file that
    repeats every key adds no records). Marts: what their generated contracts compare
    (``mart_contracts.volume_counts``).
    """
    schema, table = dataset.split(".", 1)
    if schema != "raw":
        from quality_checks.mart_contracts import volume_counts as mart_volume_counts

        return mart_volume_counts(con, dataset)
    from ingestion.core_data_set import DATA_SETS

    keys = ", ".join(_q(k) for k in DATA_SETS[table].key)
    rows = con.execute(
        f"select jurisdiction_id, count(distinct ({keys})) from {_quoted_table(dataset)} "
        f"where submission_id not in (select l.submission_id from {store.LEDGER} as l "
        "where l.gate_status in ('held', 'released')) group by jurisdiction_id"
    ).fetchall()
    return {j: int(n) for j, n in rows}


# --- attribution: which file versions (or jurisdictions) a failed check's rows belong to ---------


def _attribute(con, contract: Path, result: GateResult) -> list[Attribution]:
    spec = load_contract(contract)
    variables = _variable_values(spec, contract_variables())
    where_filter = spec.get("filter")
    table = _quoted_table(result.dataset)
    out = []
    for check in _failed(result):
        sql = _attribution_sql(check, _check_spec(spec, check), table, where_filter)
        rows = None
        if sql is not None and sql.startswith("QUERY:"):
            sql = _query_attribution_sql(con, _substitute_variables(sql[6:], variables))
        if sql is not None:
            try:
                rows = [
                    (None if s is None else int(s), j, int(n))
                    for s, j, n in con.execute(_substitute_variables(sql, variables)).fetchall()
                ]
            except duckdb.Error:
                rows = None
        out.append(Attribution(check=check, rows=rows))
    return out


def _query_attribution_sql(con, query: str) -> str | None:
    try:
        names = [d[0] for d in con.execute(f"select * from ({query}) as q limit 0").description]
    except duckdb.Error:
        return None
    if "submission_id" in names and "jurisdiction_id" in names:
        return f"select submission_id, jurisdiction_id, count(*) from ({query}) as q group by all"
    if "jurisdiction_id" in names:
        return f"select null, jurisdiction_id, count(*) from ({query}) as q group by all"
    return None


def _attribution_sql(check: CheckOutcome, body: dict, table: str, where_filter) -> str | None:
    keep = f" and ({where_filter})" if where_filter else ""
    if check.type == "failed_rows" and body.get("query"):
        # the query's own columns decide: rows of a file version, or a jurisdiction's records
        return "QUERY:" + body["query"].strip().rstrip(";")
    if check.type == "duplicate":
        keys = body.get("columns") or ([check.column] if check.column else [])
        if not keys:
            return None
        key_list = ", ".join(_q(k) for k in keys)
        return (
            f"select submission_id, jurisdiction_id, count(*) from {table} "
            f"where ({key_list}) in (select ({key_list}) from {table} where true{keep} "
            f"group by {key_list} having count(*) > 1){keep} group by all"
        )
    condition = failing_rows_condition(check, body)  # None: schema, row_count, ...
    if condition is None:
        return None
    return (
        f"select submission_id, jurisdiction_id, count(*) from {table} as t "
        f"where {condition}{keep} group by all"
    )


# --- results rows -------------------------------------------------------------------------------

_ACTION = {
    PASSED: "none",
    WARNED: "warned",
    HELD: "held",
    BLOCKED: "blocked",
    OVERRIDDEN: "overridden",
}


def _level(check: CheckOutcome, contract_spec: dict | None) -> str:
    body = _check_spec(contract_spec or {}, check) if contract_spec else {}
    threshold = body.get("threshold") if isinstance(body, dict) else None
    if isinstance(threshold, dict) and str(threshold.get("level", "")).lower() == "warn":
        return "warn"
    return "fail"


def _rows(decision: Decision, attributions: list[Attribution]) -> list[store.CheckRow]:
    from ingestion.privacy import mask

    try:
        spec = load_contract(Path(__file__).parent / "contracts" / decision.contract)
    except Exception:  # noqa: BLE001 - a broken contract still gets its error recorded
        spec = None
    rows: list[store.CheckRow] = []
    action = _ACTION[decision.status]
    shown = decision.first or decision.result  # the verification that found the failures
    for c in shown.checks:
        failed = c.outcome in ("failed", "not_evaluated", "warned")
        rows.append(
            store.CheckRow(
                layer=decision.layer,
                contract=decision.contract,
                dataset=decision.dataset,
                check_name=c.name,
                check_type=c.type,
                column_name=c.column,
                check_path=c.path,
                level=_level(c, spec),
                outcome=c.outcome,
                failing_rows=_failing_rows(c) if failed else 0,
                diagnostics=c.diagnostics,
                sample=[
                    {k: mask(v, k) if isinstance(v, str) else v for k, v in row.items()}
                    for row in c.sample
                ],
                action=action if failed else "none",
            )
        )
    for a in attributions:
        per_j: dict[str | None, int] = {}
        for _s, j, n in a.rows or []:
            per_j[j] = per_j.get(j, 0) + n
        for j, n in sorted(per_j.items(), key=lambda x: str(x[0])):
            rows.append(
                store.CheckRow(
                    layer=decision.layer,
                    contract=decision.contract,
                    dataset=decision.dataset,
                    check_name=a.check.name,
                    check_type=a.check.type,
                    column_name=a.check.column,
                    check_path=a.check.path,
                    level=_level(a.check, spec),
                    outcome=a.check.outcome,
                    jurisdiction_id=j,
                    failing_rows=n,
                    action=action,
                )
            )
    for error in decision.result.errors:
        rows.append(
            store.CheckRow(
                layer=decision.layer,
                contract=decision.contract,
                dataset=decision.dataset,
                check_name="contract verification",
                check_type="error",
                column_name=None,
                check_path="",
                level="fail",
                outcome="error",
                diagnostics={"error": error[:2000]},
                action=action,
            )
        )
    return rows


def _failing_rows(c: CheckOutcome) -> int | None:
    for key in ("failed_rows_count", "missing_count", "invalid_count", "duplicate_count"):
        v = c.diagnostics.get(key)
        if isinstance(v, int | float):
            return int(v)
    return None
