"""Build the marts from a pinned set of submission versions, in a warehouse of their own."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingestion.core_data_set import DATA_SETS
from ingestion.raw_loader import LEDGER_TABLE, raw_table
from npcs.settings import CONTRACTS_DIR, DBT_PROJECT_DIR

# The schemas whose tables a release publishes (dbt mart folders; staging and intermediate are
# implementation, raw holds submissions).
NON_PUBLISHED_SCHEMAS = (
    "raw",
    "restricted",
    "staging",
    "intermediate",
    "reference",
    "semantic",
    "main",
    "quality",  # the gates' own results and baselines, not a published figure
    # The quality gates' history and scorecard change with every gate run (they read schema
    # `quality` and the quarantine, which a release does not copy); a release must not change,
    # so it neither builds them (dbt tag below) nor publishes nor gates them.
    "data_quality",
)
# dbt models tagged so (the data_quality marts and the staging and intermediate models only they
# read) are left out of a release's build.
NON_RELEASED_TAG = "data_quality"
# Doubles are compared and hashed at this many decimals. Release builds are single-threaded, so
# a rebuild adds in the same order and gets the same bits; the live marts (built in parallel)
# may differ from a release in the last bits, which is not a change of a published figure.
DOUBLE_DECIMALS = 9


class ReleaseError(Exception):
    """A release cannot be made, rebuilt or compared; the message says why."""


@dataclass(frozen=True)
class Built:
    warehouse: Path
    manifest: dict  # dbt's manifest.json (keys of the tables)
    semantic_manifest: Path  # MetricFlow's definitions as this build parsed them


def code_version() -> str:
    """A hash of everything that defines the marts: dbt models, macros, seeds, project files."""
    h = hashlib.sha256()
    for folder in ("models", "macros", "seeds", "tests"):
        for p in sorted((DBT_PROJECT_DIR / folder).rglob("*")):
            if p.is_file():
                h.update(p.relative_to(DBT_PROJECT_DIR).as_posix().encode())
                h.update(p.read_bytes())
    for name in ("dbt_project.yml",):
        h.update((DBT_PROJECT_DIR / name).read_bytes())
    return h.hexdigest()[:16]


def ledger_versions(live: Path, where: str, params: list) -> list[dict]:
    """Loaded file versions from the live ledger (no rejection reasons), by submission id."""
    con = duckdb.connect(str(live), read_only=True)
    try:
        cur = con.execute(
            f"""
            select submission_id, source_file, jurisdiction_id, data_set, file_sha256,
                   strftime(received_at, '%Y-%m-%dT%H:%M:%S') as received_at, status,
                   rows_loaded, gate_status
            from {LEDGER_TABLE}
            where stage = 'load' and submission_id is not null and {where}
            order by submission_id
            """,
            params,
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]
    except duckdb.CatalogException as e:
        raise ReleaseError(f"{live} has no submission ledger: run `npcs refresh` first") from e
    finally:
        con.close()


def max_submission_id(live: Path) -> int:
    versions = ledger_versions(live, "true", [])
    return max((v["submission_id"] for v in versions), default=0)


def pinned_submissions(live: Path, max_id: int) -> list[dict]:
    """The loaded file versions a release pins."""
    return ledger_versions(live, "submission_id <= ?", [max_id])


def ungated_submissions(live: Path, max_id: int) -> list[dict]:
    """File versions up to ``max_id`` that no raw gate let through: held, or not yet gated.

    A release leaves them out (staging in the release warehouse sees them as held), and its
    manifest names them, so that a rebuild leaves out exactly the same ones even after they were
    later corrected, accepted or released."""
    return [
        {"submission_id": v["submission_id"], "gate_status": v["gate_status"] or "pending"}
        for v in ledger_versions(live, "submission_id <= ?", [max_id])
        if v["gate_status"] not in ("accepted", "released")
    ]


def blocking_gates(live: Path) -> list[str]:
    """Contracts whose latest decision in the live warehouse blocks (quality.check_results)."""
    con = duckdb.connect(str(live), read_only=True)
    try:
        return [
            r[0]
            for r in con.execute(
                """
                with last as (
                    select contract, max(checked_at) as at
                    from quality.check_results group by contract
                )
                select distinct r.contract
                from quality.check_results as r
                join last on last.contract = r.contract and last.at = r.checked_at
                where r.action = 'blocked'
                order by 1
                """
            ).fetchall()
        ]
    except duckdb.CatalogException:
        return []  # no gate has run: the release's own mart gates still run
    finally:
        con.close()


def _copy_pinned_raw(live: Path, target: Path, max_id: int, excluded: list[int]) -> None:
    """A new warehouse holding the live raw rows of submission versions <= max_id only, with the
    ``excluded`` ones marked held (staging leaves them out)."""
    con = duckdb.connect(str(target))
    try:
        con.execute(f"attach '{live}' as live (read_only)").fetchall()
        con.execute("create schema raw").fetchall()
        for name in DATA_SETS:
            table = raw_table(name)
            con.execute(
                f"create table {table} as select * from live.{table} where submission_id <= ?",
                [max_id],
            ).fetchall()
        con.execute(
            f"create table {LEDGER_TABLE} as select * from live.{LEDGER_TABLE} "
            "where submission_id <= ?",
            [max_id],
        ).fetchall()
        con.execute("detach live").fetchall()
        from quality_checks.store import ensure_quality_schema

        ensure_quality_schema(con)  # gate columns on an older ledger; the quality sources
        con.execute(
            f"update {LEDGER_TABLE} set gate_status = case "
            "when submission_id in (select unnest(?::bigint[])) then 'held' else 'accepted' end "
            "where stage = 'load'",
            [list(excluded)],
        ).fetchall()
    finally:
        con.close()


def _dbt_build(warehouse: Path, workdir: Path) -> tuple[dict, Path]:
    """``dbt build`` (seeds, models, no unit tests) into ``warehouse``; returns dbt's manifest."""
    from npcs.dbt_cli import run_dbt

    target = workdir / "dbt_target"
    # The release target is single-threaded: deterministic floating-point sums (profiles.yml).
    args = ["build", "--exclude-resource-type", "unit_test", "--exclude", f"tag:{NON_RELEASED_TAG}"]
    args += ["--target", "release", "--quiet"]
    proc = run_dbt(args, warehouse, target)
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-30:])
        raise ReleaseError(f"dbt build failed for the release:\n{tail}")
    return json.loads((target / "manifest.json").read_text()), target / "semantic_manifest.json"


def _gate(warehouse: Path) -> None:
    """The mart Soda contracts must pass on the release's tables."""
    from quality_checks.gate import verify

    failed = []
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for contract in sorted(CONTRACTS_DIR.glob("*/*.yml")):
            if contract.parent.name in NON_PUBLISHED_SCHEMAS:  # raw, data_quality
                continue
            result = verify(con, contract)
            if not result.passed:
                failed.append(result.summary())
    finally:
        con.close()
    if failed:
        raise ReleaseError("a mart gate failed, no release made:\n" + "\n".join(failed))


def build_pinned(live: Path, max_id: int, workdir: Path, excluded: list[int]) -> Built:
    """Build and gate the marts from the pinned submission versions (less ``excluded``)."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    warehouse = workdir / "release.duckdb"
    _copy_pinned_raw(live, warehouse, max_id, excluded)
    manifest, semantic = _dbt_build(warehouse, workdir)
    _gate(warehouse)
    return Built(warehouse=warehouse, manifest=manifest, semantic_manifest=semantic)


def published_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """``schema.table`` of every published table (the dbt mart schemas)."""
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() and table_type = 'BASE TABLE' "
        f"and table_schema not in ({', '.join(repr(s) for s in NON_PUBLISHED_SCHEMAS)}) "
        "order by 1, 2"
    ).fetchall()
    return [f"{s}.{t}" for s, t in rows]


def table_keys(manifest: dict, table: str) -> list[str]:
    """The primary key of a mart from its dbt contract (empty when it declares none)."""
    schema, name = table.split(".")
    for node in manifest["nodes"].values():
        if node.get("resource_type") != "model":
            continue
        if node.get("schema") != schema or (node.get("alias") or node["name"]) != name:
            continue
        for c in node.get("constraints") or []:
            if c.get("type") == "primary_key":
                return list(c.get("columns") or [])
        for col in (node.get("columns") or {}).values():
            if any(c.get("type") == "primary_key" for c in col.get("constraints") or []):
                return [col["name"]]
    return []


def canonical_select(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[str, list[str]]:
    """SELECT list giving each column as comparable text (doubles rounded), and the columns."""
    cols = con.execute(f"select * from {relation} limit 0").description
    names, parts = [], []
    for name, type_code, *_ in cols:
        q = '"' + name.replace('"', '""') + '"'
        kind = str(type_code).upper()
        expr = f"round({q}, {DOUBLE_DECIMALS})" if kind in ("DOUBLE", "FLOAT") else q
        parts.append(f"cast({expr} as varchar) as {q}")
        names.append(name)
    return ", ".join(parts), names


def content_hash(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, str]:
    """Rows and a content hash of a table or Parquet relation, independent of row order."""
    select, names = canonical_select(con, relation)
    row = " || '\x1f' || ".join(
        "coalesce(" + '"' + n.replace('"', '""') + '"' + ", '\x00')" for n in names
    )
    rows, digest = con.execute(
        f"select count(*), sha256(coalesce(string_agg(r, '\x1e' order by r), '')) "
        f"from (select {row} as r from (select {select} from {relation}))"
    ).fetchone()
    return int(rows), digest
