"""Time `npcs refresh` end to end (a fresh process each time, as an engineer runs it).

    uv run python benchmarks/refresh_benchmark.py                 # demo size, median of 3
    uv run python benchmarks/refresh_benchmark.py --scales 1 10   # and 10x generated data

Prints one line per scale: the landing zone's size, each run's seconds, the median, and the peak
RSS of the refresh process (the dbt subprocess is measured apart by the OS and not included).
Each run is a full refresh into an empty warehouse at the same path, as the nightly run does (the
first run of a new path also pays dbt's full parse). Not a test: it prints figures.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run(cmd: list[str], env: dict) -> tuple[float, float]:
    """Run one command; return its wall-clock seconds and its own peak RSS in MB."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of", default="2024-10-01")
    parser.add_argument(
        "--compare-gates",
        action="store_true",
        help="Also time the same refresh without its Soda gates (run_refresh(gates=False)), "
        "alternating with the gated runs, and print what the gates add.",
    )
    args = parser.parse_args()

    npcs = [sys.executable, "-m", "npcs.cli"]
    print(
        f"{'scale':>5} {'landing MB':>10} {'runs (s)':>24} {'median (s)':>10} {'peak RSS MB':>11}"
    )
    for scale in args.scales:
        with tempfile.TemporaryDirectory(prefix=f"npcs-bench-{scale}x-") as tmp:
            tmp = Path(tmp)
            landing = tmp / "landing"
            home = tmp / "dagster_home"
            home.mkdir()
            shutil.copy(REPO / "dagster_home" / "dagster.yaml", home)
            env = {**os.environ, "DAGSTER_HOME": str(home)}
            subprocess.run(
                [*npcs, "demo-data", "--out", str(landing), "--scale", str(scale)],
                check=True,
                cwd=REPO,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            size_mb = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file()) / 1e6
            warehouse = tmp / "warehouse" / "npcs.duckdb"
            gated = [
                *npcs,
                "refresh",
                "--landing",
                str(landing),
                "--warehouse",
                str(warehouse),
                "--out",
                str(tmp / "reports"),
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
            results: dict[str, tuple[list[float], list[float]]] = {m: ([], []) for m in modes}
            for _ in range(args.repeat):
                for mode, cmd in modes.items():
                    # A full refresh into an empty warehouse at the same path, as the nightly
                    # run does.
                    shutil.rmtree(warehouse.parent, ignore_errors=True)
                    seconds, peak = _run(cmd, env)
                    results[mode][0].append(seconds)
                    results[mode][1].append(peak)
            for mode, (times, peaks) in results.items():
                runs = ", ".join(f"{t:.1f}" for t in times)
                label = f"{scale}" if len(modes) == 1 else f"{scale} ({mode})"
                print(
                    f"{label:>5} {size_mb:>10.1f} {runs:>24} "
                    f"{statistics.median(times):>10.1f} {max(peaks):>11.0f}",
                    flush=True,
                )
            if args.compare_gates:
                with_g = statistics.median(results["with gates"][0])
                for mode, against in (
                    ("without gates", "without them (dbt checking the mart rules)"),
                    ("no Soda steps, same dbt build", "with only the Soda steps taken away"),
                ):
                    without = statistics.median(results[mode][0])
                    print(
                        f"gates add {with_g - without:.1f} s to the median refresh "
                        f"({(with_g - without) / without:.1%} of {without:.1f} s {against})",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
