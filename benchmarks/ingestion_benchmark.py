"""Time ingestion of a large canonical CSV and an XLSX against DuckDB's own CSV import.

    uv run python benchmarks/ingestion_benchmark.py                         # 1M CSV, 100k XLSX
    uv run python benchmarks/ingestion_benchmark.py --rows 200000 --xlsx-rows 20000

Generates a canonical ``tasc_responses`` CSV of ``--rows`` rows (the contract's columns, plausible
values) and an XLSX of ``--xlsx-rows`` rows (real date and number cells), then times, each in a
fresh process so that each peak RSS is its own:

  (i)  the whole ingestion: ``load_data_set`` of the file, placed in a landing zone, into
       ``raw.tasc_responses`` of a fresh warehouse file — read, privacy firewall, validation of
       every rule, typed insert, ledger, one transaction;
  (ii) DuckDB's ``create table t as select * from read_csv('<file>')`` into a fresh database
       file (sniffed, typed columns): DuckDB's own import into a table, written to disk as ours;
  (a) ``read_submission`` of the CSV into a temp table (all text + ``_row_number``), the reader
      that every non-canonical file goes through;
  (b) DuckDB's ``read_csv`` as in (ii) but into an in-memory database;
  (c) the same with ``all_varchar = true`` (text columns, like (a), but no row numbers);
  (d) ``read_submission`` of the XLSX;
  (e) the whole ingestion of a ``--bad-rows`` file in which a quarter of the rows carry an
      unknown role and a tenth an out-of-range item: every broken rule of every row goes to
      quarantine with its masked value, the good rows load.

Prints each run, the median, the ratios (i)/(ii) (the headline: ingestion against DuckDB's own
import) and (a)/(b), and the peak RSS. Not a test: it prints figures.

Against an earlier commit (the cost of a change, e.g. the identifier detector's):

    uv run --frozen python benchmarks/ingestion_benchmark.py --reference-commit d0131f9 --repeat 5

generates the CSV once, exports the commit's files (``git archive``, into a temporary folder: no
worktree is registered) and times (i) for the reference and for this working tree, each run in a
fresh process with the other's code root, alternating (reference first in odd rounds, working
tree first in even ones, so that drift of a shared machine falls on both), on the same file
(its SHA-256 is printed). Prints both medians and the ratio working tree / reference against the
target (≤ 1.10). The reference runs in this environment (``PYTHONPATH`` and the working directory
set to its folder; each process prints which ``ingestion`` it imported, and a mismatch stops the
benchmark), so it must not need a dependency this lock lacks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# A measuring process started by --reference-commit imports the reference's code instead.
CODE_ROOT = Path(os.environ.get("NPCS_BENCH_CODE_ROOT") or REPO).resolve()
sys.path.insert(0, str(CODE_ROOT))
INGESTION_TARGET = 1.10  # ingestion at most 10% slower than at the reference commit

from ingestion.core_data_set import TASC_RESPONSES  # noqa: E402
from ingestion.reference import code_list  # noqa: E402


def _value_sql(column, n_units: int = 12) -> str:
    """A DuckDB expression giving a plausible value of one tasc_responses column for row ``i``."""
    if column.name == "response_id":
        return "'R' || lpad(i::varchar, 9, '0')"
    if column.name == "survey_wave":
        return "'2024-' || (1 + i % 2)"
    if column.name == "org_unit":
        # CT's declared org units U01..U12 (dbt_project/seeds/org_units.csv), as a member's
        # real file holds them
        unit = f"'U' || lpad((1 + i % {n_units})::varchar, 2, '0')"
        return f"case when i % 17 = 0 then null else {unit} end"
    if column.type == "date":
        return "(date '2024-01-08' + cast(floor(random() * 300) as integer))::varchar"
    if column.type == "code":
        codes = code_list(column.code_list)
        listed = ", ".join(repr(c) for c in codes)
        pick = f"([{listed}])[1 + cast(floor(random() * {len(codes)}) as integer)]"
        return pick if column.required else f"case when random() < 0.05 then null else {pick} end"
    if column.type == "integer":
        lo, hi = column.min, column.max
        return (
            f"case when random() < 0.03 then null else "
            f"cast({lo} + floor(random() * {hi - lo + 1}) as integer)::varchar end"
        )
    raise ValueError(f"no generator for {column.name}")


def write_csv(path: Path, rows: int) -> None:
    import duckdb

    select = ", ".join(f"{_value_sql(c)} as {c.name}" for c in TASC_RESPONSES.columns)
    con = duckdb.connect()
    con.execute(
        f"copy (select {select} from range({rows}) t(i)) to '{path}' (header, delimiter ',')"
    ).fetchall()
    con.close()


def write_xlsx(path: Path, rows: int) -> None:
    import openpyxl

    rng = random.Random(7)
    roles = code_list("staff_role")
    tenure = code_list("tenure_band")
    items = [c for c in TASC_RESPONSES.columns if c.type == "integer"]
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("tasc_responses")
    ws.append(TASC_RESPONSES.column_names)
    start = dt.date(2024, 1, 8)
    for i in range(rows):
        ws.append(
            [
                f"R{i:09d}",
                f"2024-{1 + i % 2}",
                start + dt.timedelta(days=rng.randrange(300)),
                f"U{i % 40:03d}",
                rng.choice(roles),
                rng.choice(tenure),
                *(rng.randint(c.min, c.max) for c in items),
            ]
        )
    wb.save(path)


# --- measurements, each run in its own process ---------------------------------------------


def _measure(kind: str, path: str) -> dict:
    import duckdb

    from ingestion.readers import read_submission

    if kind in ("ingest", "ingest_bad"):
        return _measure_ingest(Path(path))
    if kind == "duckdb_file":
        db = Path(path).with_name("duckdb_import.duckdb")
        db.unlink(missing_ok=True)
        con = duckdb.connect(str(db))
        start = time.perf_counter()
        con.execute(f"create table t as select * from read_csv('{path}')").fetchall()
        con.close()  # on disk, like the warehouse
        seconds = time.perf_counter() - start
        con = duckdb.connect(str(db))
        rows = con.execute("select count(*) from t").fetchall()[0][0]
        con.close()
        db.unlink()
        return {"seconds": seconds, "rows": rows}
    con = duckdb.connect()
    start = time.perf_counter()
    if kind in ("read_submission", "xlsx"):
        result = read_submission(con, Path(path))
        seconds = time.perf_counter() - start
        rows = result.rows
        # Row numbers must follow the file: response R<n> is on spreadsheet row n + 2.
        wrong = con.execute(
            "select count(*) from _submission "
            "where cast(substr(response_id, 2) as integer) + 2 <> _row_number"
        ).fetchall()[0][0]
        if wrong:
            raise SystemExit(f"{wrong} rows with a wrong _row_number")
    else:
        options = ", all_varchar = true" if kind == "duckdb_all_varchar" else ""
        con.execute(f"create table t as select * from read_csv('{path}'{options})").fetchall()
        seconds = time.perf_counter() - start
        rows = con.execute("select count(*) from t").fetchall()[0][0]
    return {"seconds": seconds, "rows": rows}


def _measure_ingest(path: Path) -> dict:
    """Load the file as CT's tasc_responses submission into a fresh warehouse file."""
    import shutil

    import duckdb

    import ingestion
    from ingestion.landing import scan
    from ingestion.raw_loader import load_data_set

    root = path.parent / "ingest"
    shutil.rmtree(root, ignore_errors=True)
    folder = root / "landing" / "CT" / "tasc_responses"
    folder.mkdir(parents=True)
    os.link(path, folder / path.name)  # a hard link: the landing zone refuses outside links
    placed, _ = scan(root / "landing")
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    start = time.perf_counter()
    result = load_data_set(con, "tasc_responses", placed)
    con.close()
    seconds = time.perf_counter() - start
    shutil.rmtree(root)
    if result.rows_loaded + result.rows_quarantined != _count_rows(path):
        raise SystemExit("ingestion lost rows")
    return {
        "seconds": seconds,
        "rows": result.rows_loaded + result.rows_quarantined,
        "code_root": str(Path(ingestion.__file__).resolve().parent.parent),
    }


def write_bad_csv(source: Path, path: Path, rows: int) -> None:
    """The first ``rows`` rows of ``source`` with many broken rules (see (e) above)."""
    import duckdb

    duckdb.connect().execute(
        f"""
        copy (
            select * replace (
                case when random() < 0.25 then 'bogus_role' else role end as role,
                case when random() < 0.10 then '9' else ps_1 end as ps_1
            )
            from read_csv('{source}', all_varchar = true) limit {rows}
        ) to '{path}' (header)
        """
    ).fetchall()


def _count_rows(path: Path) -> int:
    import duckdb

    return duckdb.connect().execute(f"select count(*) from read_csv('{path}')").fetchall()[0][0]


def _run(kind: str, path: Path, code_root: Path | None = None) -> tuple[float, int, float]:
    """One measurement in a fresh process: seconds, rows and the process's peak RSS in MB.
    ``code_root``: the folder whose ``ingestion`` package the process imports (default: this
    working tree)."""
    env = {**os.environ}
    if code_root is not None:
        env["NPCS_BENCH_CODE_ROOT"] = str(code_root)
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(code_root), env.get("PYTHONPATH", "")) if p
        )
    proc = subprocess.Popen(
        [sys.executable, __file__, "--measure", kind, str(path)],
        cwd=code_root or REPO,
        env=env,
        stdout=subprocess.PIPE,
    )
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"measuring {kind} failed")
    result = json.loads(out)
    expected = str(Path(code_root or REPO).resolve())
    if "code_root" in result and result["code_root"] != expected:
        raise SystemExit(f"measured {result['code_root']}'s ingestion, not {expected}'s")
    return result["seconds"], result["rows"], usage.ru_maxrss / 1024


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def export_commit(commit: str, folder: Path) -> str:
    """The files of ``commit`` written into ``folder`` (``git archive``); its full SHA."""
    import io
    import tarfile

    sha = _git("rev-parse", "--verify", f"{commit}^{{commit}}")
    tar = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", sha], check=True, capture_output=True
    ).stdout
    folder.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(tar)) as t:
        t.extractall(folder, filter="data")
    return sha


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def compare_with_reference(commit: str, csv_path: Path, repeat: int, tmp: Path) -> float:
    """Whole ingestion (i) at ``commit`` and in this working tree, alternating; the ratio of the
    medians, working tree / reference."""
    ref_root = tmp / "reference"
    sha = export_commit(commit, ref_root)
    here = _git("describe", "--always", "--dirty")
    print(f"reference: {commit} = {sha[:12]} (exported to {ref_root})")
    print(f"working tree: {REPO} at {here}")
    print(f"file: {csv_path.name}, sha256 {_sha256(csv_path)[:16]}…, the same for both\n")
    runs: dict[str, list[tuple[float, int, float]]] = {"reference": [], "working tree": []}
    roots = {"reference": ref_root, "working tree": REPO}
    for i in range(repeat):
        order = ["reference", "working tree"] if i % 2 == 0 else ["working tree", "reference"]
        for label in order:
            runs[label].append(_run("ingest", csv_path, roots[label]))
            seconds, rows, rss = runs[label][-1]
            print(f"  round {i + 1}: {label:12} {seconds:6.2f} s  {rows:,} rows  {rss:5.0f} MB")
    rows = {r[1] for rs in runs.values() for r in rs}
    if len(rows) != 1:
        raise SystemExit(f"the two loaded different row counts: {sorted(rows)}")
    medians = {label: statistics.median(r[0] for r in rs) for label, rs in runs.items()}
    ratio = medians["working tree"] / medians["reference"]
    print(
        f"\n{'':14} {'runs (s)':>34} {'median (s)':>10} {'RSS MB':>7}\n"
        + "\n".join(
            f"{label:14} {', '.join(f'{r[0]:.2f}' for r in rs):>34} {medians[label]:>10.2f} "
            f"{max(r[2] for r in rs):>7.0f}"
            for label, rs in runs.items()
        )
    )
    verdict = "PASS" if ratio <= INGESTION_TARGET else "MISS"
    print(
        f"\ningestion, working tree / reference: {ratio:.3f} "
        f"({(ratio - 1) * 100:+.1f}%; target <= {INGESTION_TARGET}: {verdict})"
    )
    return ratio


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="CSV rows (default 1M)")
    parser.add_argument("--xlsx-rows", type=int, default=100_000, help="XLSX rows (default 100k)")
    parser.add_argument(
        "--bad-rows", type=int, default=200_000, help="rows of the many-violations file (e)"
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    parser.add_argument(
        "--reference-commit",
        metavar="REV",
        help="time only the whole ingestion (i), here and at REV, alternating (see above)",
    )
    parser.add_argument("--measure", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(_measure(*args.measure)))
        return

    with tempfile.TemporaryDirectory(prefix="npcs-ingestion-bench-") as tmp:
        # a throw-away pseudonym key for the measuring processes (never the partnership's)
        os.environ.setdefault("NPCS_PSEUDONYM_KEY_FILE", str(Path(tmp) / "key" / "pseudonym.key"))
        csv_path = Path(tmp) / "tasc_responses.csv"
        start = time.perf_counter()
        write_csv(csv_path, args.rows)
        print(
            f"generated {args.rows:,} CSV rows, {csv_path.stat().st_size / 1e6:.1f} MB, "
            f"in {time.perf_counter() - start:.1f} s"
        )
        if args.reference_commit:
            compare_with_reference(args.reference_commit, csv_path, args.repeat, Path(tmp))
            return
        xlsx_path = Path(tmp) / "tasc_responses.xlsx"
        if args.xlsx_rows:
            start = time.perf_counter()
            write_xlsx(xlsx_path, args.xlsx_rows)
            print(
                f"generated {args.xlsx_rows:,} XLSX rows, "
                f"{xlsx_path.stat().st_size / 1e6:.1f} MB, in {time.perf_counter() - start:.1f} s"
            )

        cases = [
            ("(i) ingestion into raw (load)", "ingest", csv_path),
            ("(ii) DuckDB read_csv into a db file", "duckdb_file", csv_path),
            ("(a) read_submission CSV", "read_submission", csv_path),
            ("(b) DuckDB read_csv, sniffed", "duckdb", csv_path),
            ("(c) DuckDB read_csv, all_varchar", "duckdb_all_varchar", csv_path),
        ]
        if args.xlsx_rows:
            cases.append(("(d) read_submission XLSX", "xlsx", xlsx_path))
        if args.bad_rows:
            bad_path = Path(tmp) / "bad" / "tasc_responses_bad.csv"
            bad_path.parent.mkdir()
            write_bad_csv(csv_path, bad_path, args.bad_rows)
            cases.append(("(e) ingestion, many violations", "ingest_bad", bad_path))
        print(
            f"\n{'measurement':34} {'rows':>10} {'runs (s)':>22} {'median (s)':>10} {'RSS MB':>7}"
        )
        medians = {}
        for label, kind, path in cases:
            runs = [_run(kind, path) for _ in range(args.repeat)]
            medians[kind] = statistics.median(r[0] for r in runs)
            print(
                f"{label:34} {runs[0][1]:>10,} {', '.join(f'{r[0]:.2f}' for r in runs):>22} "
                f"{medians[kind]:>10.2f} {max(r[2] for r in runs):>7.0f}"
            )
        print(
            f"\ningestion against DuckDB's import, (i)/(ii): "
            f"{medians['ingest'] / medians['duckdb_file']:.2f} (target <= 2)"
        )
        print(
            f"reader against DuckDB in memory, (a)/(b): "
            f"{medians['read_submission'] / medians['duckdb']:.2f}; "
            f"(a)/(c): {medians['read_submission'] / medians['duckdb_all_varchar']:.2f}"
        )


if __name__ == "__main__":
    main()
