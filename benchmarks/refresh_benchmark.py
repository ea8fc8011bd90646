"""Time `npcs refresh` end to end (a fresh process each time, as an engineer runs it).

    uv run python benchmarks/refresh_benchmark.py                 # demo size, median of 3
    uv run python benchmarks/refresh_benchmark.py --scales 1 10   # and 10x generated data
    uv run python benchmarks/refresh_benchmark.py --scales 1 10 100 \\
        --one-jurisdiction CT --definitions-load --timeline      # issue 7's figures

Prints one line per scale: the landing zone's size, each run's seconds, the median, and three
peak memory figures (``processes.py``): the refresh process itself, its largest child (the dbt
process or the Soda gate worker), and the largest sampled sum over the whole process tree.
Each run is a full refresh into an empty warehouse at the same path, as the nightly run does (the
first run of a new path also pays dbt's full parse). A scale whose first run takes longer than
``--single-run-over`` seconds is run once (said in the output). Not a test: it prints figures.

``--one-jurisdiction J`` then, on the refreshed warehouse and the same Dagster instance, adds one
new reviews file for J and times what the sensors would start for it (``ingest_jurisdiction`` for
J, then ``publish``: ``jurisdiction_refresh.py``, a fresh process), then adds another and times a
second full ``npcs refresh``; as many rounds as full runs, and the ratio of the medians.
After each full refresh the reference runs (``reference_work.py``: the same landing files read
by DuckDB's native readers, every model's compiled SQL and every data test, in one DuckDB
connection), and each scale prints the ratio of the medians, the refresh's over the reference's
(issue 16's targets: <= 6x at 1x, <= 2.5x at 100x); ``--no-reference`` leaves it out.
``--definitions-load`` times loading the code location in a fresh process (median of 3).
``--timeline`` prints where the time of the last runs went, from the Dagster event log.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from processes import Measured, run
from reference_work import compile_manifest

REPO = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent


def _header() -> str:
    return (
        f"{'scale':>5} {'landing':>16} {'runs (s)':>24} {'median (s)':>10} "
        f"{'peak RSS MiB: refresh':>21} {'child':>6} {'tree':>6}  (largest children)"
    )


def _row(label: str, landing: str, ms: list[Measured]) -> str:
    times = [m.seconds for m in ms]
    runs = ", ".join(f"{t:.1f}" for t in times)
    children: dict[str, float] = {}
    for m in ms:
        for name, mb in m.children.items():
            children[name] = max(children.get(name, 0.0), mb)
    largest = sorted(children.items(), key=lambda kv: -kv[1])[:3]
    return (
        f"{label:>5} {landing:>16} {runs:>24} {statistics.median(times):>10.1f} "
        f"{max(m.own_mb for m in ms):>21.0f} {max(m.children_mb for m in ms):>6.0f} "
        f"{max(m.tree_mb for m in ms):>6.0f}  ("
        + ", ".join(f"{n} {mb:.0f}" for n, mb in largest)
        + ")"
    )


def definitions_load(env: dict, repeat: int = 3) -> None:
    """Load the code location in a fresh process, as ``dagster dev`` or the daemon's code server
    does: ``import orchestration.definitions`` and resolve the asset graph."""
    code = (
        "import time; t = time.perf_counter(); "
        "from orchestration.definitions import defs; defs.resolve_asset_graph(); "
        "print(time.perf_counter() - t)"
    )
    inner, wall = [], []
    for _ in range(repeat):
        m = run([sys.executable, "-c", code], env, capture=True)
        inner.append(float(m.stdout.strip().splitlines()[-1]))
        wall.append(m.seconds)
    print(
        f"definitions load (import orchestration.definitions + resolve the asset graph, fresh "
        f"process): {', '.join(f'{s:.2f}' for s in inner)} s, median {statistics.median(inner):.2f}"
        f" s (target <= 2 s); whole process incl. interpreter start: median "
        f"{statistics.median(wall):.2f} s",
        flush=True,
    )


# Issue 16's targets: a refresh's wall time over its data work (reference_work.py), by scale.
RATIO_TARGETS = {1: 6.0, 100: 2.5}


def print_reference(scale: int, product: list[Measured], reference: list[dict]) -> None:
    """The reference's runs and the ratio of the medians (product wall / reference work)."""
    work = [r["seconds"] for r in reference]
    ingest = statistics.median(r["ingest_s"] for r in reference)
    sql = statistics.median(r["sql_s"] for r in reference)
    ratio = statistics.median(m.seconds for m in product) / statistics.median(work)
    target = RATIO_TARGETS.get(scale)
    r = reference[-1]
    print(
        f"      reference (the same data work without the framework, reference_work.py): "
        f"{', '.join(f'{w:.2f}' for w in work)} s, median {statistics.median(work):.2f} s "
        f"(reading {r['files']} landing files natively {ingest:.2f} s, {r['rows']:,} rows; "
        f"{r['seeds']} seeds, {r['views']} views, {r['tables']} tables, {r['tests']} data tests "
        f"{sql:.2f} s)\n"
        f"      refresh / reference at {scale}x: {ratio:.1f}x"
        + (f" (target <= {target:g}x)" if target else ""),
        flush=True,
    )


def add_reviews_file(landing: Path, jurisdiction: str, name: str, review_id: str) -> Path:
    """A new file from a jurisdiction: one more review (a copy of its first with a new id), in the
    header of its existing reviews files — as tests/e2e/test_gates.py sends one."""
    folder = landing / jurisdiction / "reviews"
    src = sorted(folder.glob("*.csv"))
    if not src:
        raise SystemExit(f"{jurisdiction} sends no CSV reviews file to copy a review from")
    with src[0].open(newline="") as f:
        reader = csv.DictReader(f)
        first = next(reader)
        header = reader.fieldnames
    if "review_id" not in header:
        raise SystemExit(f"{src[0]} has no review_id column (a jurisdiction's own layout)")
    path = folder / name
    with path.open("w", newline="") as out:
        w = csv.DictWriter(out, fieldnames=header)
        w.writeheader()
        w.writerow({**first, "review_id": review_id})
    return path


@contextlib.contextmanager
def _workdir(scale: int, keep: bool) -> Iterator[Path]:
    """A scale's landing zone, warehouse and Dagster home: removed afterwards unless ``keep``."""
    if keep:
        path = Path(tempfile.mkdtemp(prefix=f"npcs-bench-{scale}x-"))
        print(f"      (kept: {path})", flush=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix=f"npcs-bench-{scale}x-") as tmp:
        yield Path(tmp)


def timeline(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, str(HERE / "run_timeline.py"), *args], cwd=REPO, env=env, check=True
    )


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    npcs = [sys.executable, "-m", "npcs.cli"]
    if args.definitions_load:
        definitions_load({**os.environ})
    print(_header(), flush=True)
    for scale in args.scales:
        with _workdir(scale, args.keep) as tmp:
            landing = tmp / "landing"
            home = tmp / "dagster_home"
            home.mkdir()
            shutil.copy(REPO / "dagster_home" / "dagster.yaml", home)
            env = {**os.environ, "DAGSTER_HOME": str(home), "NPCS_RELEASES": str(tmp / "rel")}
            subprocess.run(
                [*npcs, "demo-data", "--out", str(landing), "--scale", str(scale)],
                check=True,
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            files = [p for p in landing.rglob("*") if p.is_file()]
            size = f"{sum(p.stat().st_size for p in files) / 1e6:.1f} MB/{len(files)}f"
            warehouse = tmp / "warehouse" / "npcs.duckdb"
            reports = tmp / "reports"
            gated = [
                *npcs,
                "refresh",
                "--landing",
                str(landing),
                "--warehouse",
                str(warehouse),
                "--out",
                str(reports),
                "--as-of",
                args.as_of,
            ]

            def ungated(
                leave_out: bool, landing=landing, warehouse=warehouse, tmp=tmp
            ) -> list[str]:
                return [
                    sys.executable,
                    "-c",
                    "import sys; from datetime import date; from pathlib import Path; "
                    "from npcs.refresh import run_refresh; "
                    f"o = run_refresh(Path({str(landing)!r}), Path({str(warehouse)!r}), "
                    f"Path({str(tmp / 'reports-ungated')!r}), "
                    f"date.fromisoformat({args.as_of!r}), gates=False, "
                    f"leave_out_gated_dbt_tests={leave_out}); sys.exit(0 if o.success else 1)",
                ]

            modes = {"with gates": gated}
            if args.compare_gates:
                # Without the gates, dbt checks the mart rules the gates would have: the
                # refresh as it is without them.
                modes["without gates"] = ungated(False)
                # Like for like: the same dbt build, only the Soda steps taken away.
                modes["no Soda steps, same dbt build"] = ungated(True)
            results: dict[str, list[Measured]] = {m: [] for m in modes}
            reference: list[dict] = []
            note = ""
            for i in range(args.repeat):
                for mode, cmd in modes.items():
                    # A full refresh into an empty warehouse at the same path, as the nightly
                    # run does.
                    shutil.rmtree(warehouse.parent, ignore_errors=True)
                    results[mode].append(run(cmd, env))
                if not args.no_reference:  # interleaved: the reference right after the product
                    if i == 0:
                        manifest = compile_manifest(warehouse, tmp / "ref-target", env)
                    reference.append(
                        json.loads(
                            run(
                                [
                                    sys.executable,
                                    str(HERE / "reference_work.py"),
                                    str(landing),
                                    str(warehouse),
                                    str(manifest),
                                    str(tmp / "reference"),
                                ],
                                env,
                                capture=True,
                            )
                            .stdout.strip()
                            .splitlines()[-1]
                        )
                    )
                first = results["with gates"][0].seconds
                if i == 0 and args.repeat > 1 and first > args.single_run_over:
                    note = (
                        f"      (1 run, not {args.repeat}: the first took {first:.0f} s, over "
                        f"--single-run-over {args.single_run_over:.0f} s)"
                    )
                    break
            for mode, ms in results.items():
                label = f"{scale}" if len(modes) == 1 else f"{scale} ({mode})"
                print(_row(label, size, ms), flush=True)
            if note:
                print(note, flush=True)
            if reference:
                print_reference(scale, results["with gates"], reference)
            if args.compare_gates:
                with_g = statistics.median(m.seconds for m in results["with gates"])
                for mode, against in (
                    ("without gates", "without them (dbt checking the mart rules)"),
                    ("no Soda steps, same dbt build", "with only the Soda steps taken away"),
                ):
                    without = statistics.median(m.seconds for m in results[mode])
                    print(
                        f"gates add {with_g - without:.1f} s to the median refresh "
                        f"({(with_g - without) / without:.1%} of {without:.1f} s {against})",
                        flush=True,
                    )
            if args.timeline:
                last = list(modes)[-1]  # the mode of the latest run
                print(f"  timeline of the last full refresh at {scale}x ({last}):", flush=True)
                timeline(env, "--last-of", "full_refresh", "--wall", f"{results[last][-1].seconds}")
            if args.one_jurisdiction:
                rounds = len(results["with gates"])
                if args.compare_gates:  # the warehouse holds the last ungated run: refresh it
                    shutil.rmtree(warehouse.parent, ignore_errors=True)
                    run(gated, env)
                one_jurisdiction(args, env, scale, landing, warehouse, reports, gated, rounds)


def one_jurisdiction(args, env, scale, landing, warehouse, reports, gated, rounds) -> None:
    """After a full refresh: a new file for one jurisdiction, handled as the sensors would
    (ingest its partition, publish), against the same file handled by a full ``npcs refresh``."""
    j = args.one_jurisdiction
    single, full, inner = [], [], []
    for k in range(rounds):
        add_reviews_file(landing, j, f"reviews_bench_{k}a.csv", f"{j}-BENCH-{k}A")
        m = run(
            [
                sys.executable,
                str(HERE / "jurisdiction_refresh.py"),
                j,
                str(landing),
                str(warehouse),
                str(reports),
                args.as_of,
            ],
            env,
            capture=True,
        )
        single.append(m)
        inner.append(json.loads(m.stdout.strip().splitlines()[-1]))
        add_reviews_file(landing, j, f"reviews_bench_{k}b.csv", f"{j}-BENCH-{k}B")
        full.append(run(gated, env))
    one = statistics.median(m.seconds for m in single)
    whole = statistics.median(m.seconds for m in full)
    print(_row(f"{scale}", f"{j}: ingest+pub", single), flush=True)
    print(_row(f"{scale}", "2nd full refresh", full), flush=True)
    runs = "; ".join(
        ", ".join(f"{r['job']} {r['seconds']:.1f} s" for r in x["runs"])
        + f" (after {x['before_first_run']:.1f} s start-up)"
        for x in inner
    )
    print(
        f"      one new {j} file at {scale}x: ingest_jurisdiction({j}) + publish {one:.1f} s "
        f"against a full npcs refresh {whole:.1f} s (medians): {one / whole:.0%} of the full "
        f"refresh (target <= 25%); in process: {runs}",
        flush=True,
    )
    if args.timeline:
        print(f"  timelines of the last one-jurisdiction runs and full refresh at {scale}x:")
        timeline(env, *[r["run_id"] for r in inner[-1]["runs"]])
        timeline(env, "--last-of", "full_refresh", "--wall", f"{full[-1].seconds}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of", default="2024-10-01")
    parser.add_argument(
        "--single-run-over",
        type=float,
        default=90.0,
        metavar="SECONDS",
        help="Run a scale once when its first run takes longer than this (default 90).",
    )
    parser.add_argument(
        "--compare-gates",
        action="store_true",
        help="Also time the same refresh without its Soda gates (run_refresh(gates=False)), "
        "alternating with the gated runs, and print what the gates add.",
    )
    parser.add_argument(
        "--one-jurisdiction",
        metavar="JURISDICTION",
        help="After the full refreshes, time one new file of this jurisdiction (canonical CSV "
        "reviews, e.g. CT) through ingest_jurisdiction + publish against a full npcs refresh.",
    )
    parser.add_argument(
        "--definitions-load",
        action="store_true",
        help="Time loading the code location in a fresh process (median of 3).",
    )
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="Print each timed run's per-step timeline from the Dagster event log.",
    )
    parser.add_argument(
        "--no-reference",
        action="store_true",
        help="Do not run the reference (reference_work.py) after each full refresh.",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="Keep each scale's folder (landing zone, warehouse, Dagster home) and print its path.",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    main()
