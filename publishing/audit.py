"""Print what suppression hides in a warehouse and what the attacker gets back, rule by rule.

    uv run --frozen python -m publishing.audit data/warehouse/npcs.duckdb [--as-of 2024-10-01]

For the published tables (``suppress_catalog``) and, with ``--as-of``, the report's frames
suppressed against them (``reporting.disclosure``): how many cells each rule hides, and how many
hidden cells the attacker of ``publishing.attack`` recovers from what would be published (a) with
the primary rule alone, (b) with complements one identity at a time but not the identities taken
together, (c) as published. Only (c) must be 0; (a) and (b) show what each step protects.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from datetime import date

import duckdb

from publishing.attack import recover_many
from publishing.catalog import load_catalog
from publishing.suppression import jurisdiction_thresholds, read_relation, suppress_many


def _published(result) -> dict:
    return {name: r.frame for name, r in result.items()}


def catalog_audit(con: duckdb.DuckDBPyConnection) -> None:
    catalog = load_catalog()
    thresholds, parents = jurisdiction_thresholds(con)
    frames = {t.name: read_relation(con, t) for t in catalog.tables}
    args = (frames, catalog.tables, thresholds, parents, catalog.links)
    attack = (catalog.tables, thresholds, parents, catalog.links)
    start = time.perf_counter()
    full = suppress_many(*args)
    seconds = time.perf_counter() - start
    rules = Counter(c.rule for r in full.values() for c in r.cells)
    print(f"published tables: {len(catalog.tables)}, links between them: {len(catalog.links)}")
    print(f"cells hidden: {dict(rules)} (suppression took {seconds:.2f} s)")
    for label, kwargs in (
        ("(a) primary rule alone", {"complementary": False}),
        ("(b) one identity at a time", {"together": False}),
        ("(c) as published", {}),
    ):
        found = recover_many(_published(suppress_many(*args, **kwargs)), *attack)
        by = Counter((r.table, r.how.split(" '")[0]) for r in found)
        print(f"{label}: {len(found)} recovered {dict(by.most_common(6))}")


def interval_audit(con: duckdb.DuckDBPyConnection, as_of: date, releases=None) -> None:
    """The publication as of ``as_of`` (published tables and report, suppressed against the
    releases out already), audited by linear programming with those releases."""
    from publishing.interval_audit import audit, protection
    from publishing.linked import earlier_models
    from reporting.disclosure import protect_report

    earlier = earlier_models(releases)
    model = protect_report(con, as_of, earlier=earlier, name="this publication").model
    result = audit([*earlier, model])
    s = result.summary()
    print(
        f"interval audit (with {len(earlier)} earlier releases): {s['cells_audited']} hidden "
        f"small counts, {s['cells_exposed']} narrower than asked (protection "
        f"{protection(10):.1f} for threshold 10), narrowest {s['narrowest_width']}, median "
        f"{s['median_width']}; {s['programmes']} programmes in {s['seconds']} s"
    )
    by = Counter(json.loads(i.key)[0] for i in result.exposed)
    pinned = sum(1 for i in result.exposed if i.width < 1e-6)
    print(f"  exposed by table: {dict(by.most_common(8))}; pinned to one value: {pinned}")


def report_audit(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    from reporting.disclosure import protect_report

    for label, complementary in (("(a) primary rule alone", False), ("(c) as printed", True)):
        start = time.perf_counter()
        r = protect_report(con, as_of, complementary=complementary)
        seconds = time.perf_counter() - start
        found = recover_many(r.as_read(), r.tables, r.thresholds, r.parents, r.links)
        rules = Counter(c.rule for p in r.frames.values() for c in p.result.cells)
        by = Counter(f.table for f in found)
        print(
            f"report {label}: {len(r.frames)} frames, hidden {dict(rules)} ({seconds:.2f} s); "
            f"{len(found)} recovered {dict(by.most_common(6))}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse")
    parser.add_argument("--as-of", type=date.fromisoformat)
    parser.add_argument(
        "--intervals",
        action="store_true",
        help="with --as-of: the interval audit of the publication (publishing/interval_audit.py)",
    )
    parser.add_argument("--releases", help="releases folder (default: NPCS_RELEASES)")
    args = parser.parse_args()
    con = duckdb.connect(args.warehouse, read_only=True)
    try:
        catalog_audit(con)
        if args.as_of:
            report_audit(con, args.as_of)
            if args.intervals:
                interval_audit(con, args.as_of, args.releases)
    finally:
        con.close()


if __name__ == "__main__":
    main()
