"""Time small-cell suppression on a refreshed warehouse, and check the report reads the same cells.

    uv run --frozen python benchmarks/refresh_benchmark.py --repeat 1 --keep   # a warehouse
    uv run --frozen python benchmarks/suppression_benchmark.py \
        --warehouse <kept folder>/warehouse/npcs.duckdb

Prints, each in this one process:

- the published tables suppressed together (``catalog_state``): cells, identities, seconds, and
  the seconds of its parts (joint structure, the complementary worklist, the identities taken
  together, blanking) — timed by wrapping the module's functions;
- the published tables suppressed together again, with the complementary worklist and with its
  reference in its place — the plain pass over every identity on every call
  (``tests/publishing/test_suppression.py``'s ``_plain_worklist``, the rule as first written):
  the seconds in each over all its calls (median of ``--repeat``), their ratio, and whether
  both hid the same cells with the same reasons;
- the report's suppression against the published tables (``protect_report``), seconds;
- with ``--intervals``, the interval audit (``publishing/interval_audit.py``) of the
  publication as of ``--as-of`` and of the one a quarter before, the later against the earlier:
  cells audited and exposed, linear programmes, seconds against the suppression's;
- how many different row orders each report frame came back in over ``--reads`` reads with
  DuckDB on 8 threads (more than one: its positions are not fixed by its query; suppression
  sorts every frame into grain order for that reason).

Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import duckdb  # noqa: E402

import publishing.suppression as suppression  # noqa: E402


def _timed_parts() -> dict[str, list[float]]:
    """Wrap the suppression module's parts so each call's seconds are recorded."""
    spent: dict[str, list[float]] = {}
    for name in ("build_joint", "_complement", "determined", "_blank"):
        original = getattr(suppression, name)

        def timed(*args, _f=original, _name=name, **kwargs):
            start = time.perf_counter()
            try:
                return _f(*args, **kwargs)
            finally:
                spent.setdefault(_name, []).append(time.perf_counter() - start)

        setattr(suppression, name, timed)
    return spent


def _worklists(con: duckdb.DuckDBPyConnection, repeat: int) -> None:
    """The published tables suppressed together with the complementary worklist, and again with
    its reference in its place: the plain pass over every identity, on every call."""
    from publishing.catalog import load_catalog
    from tests.publishing.test_suppression import _plain_worklist

    catalog = load_catalog()
    thresholds, parents = suppression.jurisdiction_thresholds(con)
    frames = {t.name: suppression.read_relation(con, t) for t in catalog.tables}
    ours = suppression._complement

    def reference(s, hidden, frozen=frozenset(), touching=None, start=None):
        _plain_worklist(s, hidden, frozen)

    times: dict[str, list[float]] = {"worklist": [], "reference": []}
    hidden = {}
    for _ in range(repeat):
        for label, worklist in (("worklist", ours), ("reference", reference)):
            spent = []

            def timed(*args, _w=worklist, _spent=spent, **kwargs):
                start = time.perf_counter()
                _w(*args, **kwargs)
                _spent.append(time.perf_counter() - start)

            suppression._complement = timed
            try:
                result = suppression.suppress_many(
                    frames, catalog.tables, thresholds, parents, catalog.links
                )
            finally:
                suppression._complement = ours
            times[label].append(sum(spent))
            hidden[label] = {
                n: [(c.row, c.column, c.reason) for c in r.cells] for n, r in result.items()
            }
    a, b = (statistics.median(times[k]) for k in ("worklist", "reference"))
    print(
        f"complementary worklist over all its calls: {a:.3f} s, the plain pass over every "
        f"identity on each call {b:.3f} s (medians of {repeat}): {a / b:.2f}x; "
        f"same cells hidden, with the same reasons: {hidden['worklist'] == hidden['reference']}"
    )


def _read_orders(con: duckdb.DuckDBPyConnection, as_of: date, reads: int) -> None:
    from reporting.figures import findings_frames
    from reporting.profiles import profile_frames

    con.execute("set threads = 8")
    orders: dict[str, set[str]] = {}
    for _ in range(reads):
        frames = {**findings_frames(con, as_of), **profile_frames(con, as_of)[0]}
        for name, (frame, _table) in frames.items():
            digest = hashlib.sha256(frame.to_csv().encode()).hexdigest()
            orders.setdefault(name, set()).add(digest)
    varying = {name: len(d) for name, d in orders.items() if len(d) > 1}
    print(
        f"report frames read {reads} times on 8 threads: {len(orders)} frames, "
        f"{len(varying)} in more than one row order {varying or ''}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path, required=True, help="a refreshed npcs.duckdb")
    parser.add_argument("--as-of", default="2024-10-01", help="the report's date")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each worklist")
    parser.add_argument("--reads", type=int, default=12, help="reads of the report frames")
    parser.add_argument(
        "--intervals", action="store_true", help="also the interval audit (minutes at 1x)"
    )
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    con = duckdb.connect(str(args.warehouse), read_only=True)

    spent = _timed_parts()
    start = time.perf_counter()
    state = suppression.catalog_state(con)
    total = time.perf_counter() - start
    cells = sum(len(r.cells) for r in state.suppressed.values())
    parts = ", ".join(f"{k} {sum(v):.3f} s ({len(v)} calls)" for k, v in spent.items())
    print(f"published tables suppressed together: {total:.3f} s, {cells} cells hidden; {parts}")

    from reporting.disclosure import protect_report

    for v in spent.values():
        v.clear()
    start = time.perf_counter()
    protect_report(con, as_of)
    total = time.perf_counter() - start
    parts = ", ".join(f"{k} {sum(v):.3f} s ({len(v)} calls)" for k, v in spent.items())
    print(f"report suppressed against them: {total:.3f} s; {parts}")

    if args.intervals:
        _intervals(con, as_of)
    _worklists(con, args.repeat)
    _read_orders(con, as_of, args.reads)
    con.close()


def _intervals(con: duckdb.DuckDBPyConnection, as_of: date) -> None:
    """The interval audit of the publication as of ``as_of`` and as of a quarter before it (the
    second suppressed against the first, as a release after a release), each timed against the
    suppression of the same publication."""
    from collections import Counter

    from publishing.interval_audit import audit
    from reporting.disclosure import protect_report

    before = date(as_of.year - (as_of.month <= 3), (as_of.month - 4) % 12 + 1, 1)
    earlier = []
    for when in (before, as_of):
        start = time.perf_counter()
        model = protect_report(con, when, earlier=earlier, name=when.isoformat()).model
        suppressing = time.perf_counter() - start
        result = audit([*earlier, model])
        s = result.summary()
        pinned = sum(1 for i in result.exposed if i.width < 1e-6)
        tables = Counter(i.key.split('"')[1] for i in result.exposed)
        print(
            f"interval audit as of {when} (with {len(earlier)} earlier): {s['cells_audited']} "
            f"hidden small counts, {s['cells_exposed']} narrower than asked "
            f"({100 * s['cells_exposed'] / max(1, s['cells_audited']):.1f}%), {pinned} pinned to "
            f"one value; median width {s['median_width']}; {s['components']} sets of "
            f"identities (largest {s['largest_component']} cells), {s['programmes']} programmes "
            f"in {s['seconds']:.1f} s = {s['seconds'] / suppressing:.1f}x the suppression "
            f"({suppressing:.1f} s)"
        )
        print(f"  exposed by table: {dict(tables.most_common(6))}")
        earlier.append(model)


if __name__ == "__main__":
    main()
