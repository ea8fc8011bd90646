"""A load killed mid-file (SIGKILL: no cleanup, no rollback) leaves nothing of that file, and a
rerun loads it completely.

A child process runs ``load_data_set`` on a large ``tasc_responses`` file against a real warehouse
file and is killed at three points: while the file is being read (staged), while its rows are
being inserted into ``raw.tasc_responses``, and after every write of the load but before its
``commit``. After each kill the warehouse must open, hold nothing of the file (raw rows, ledger,
quarantine) and still hold an earlier, committed workforce load unchanged.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from ingestion import pseudonyms
from ingestion.core_data_set import DATA_SETS
from ingestion.landing import discover
from ingestion.raw_loader import load_data_set
from ingestion.reference import code_list

ROWS = 600_000  # ~58 MB of CSV: staging ~1 s, the raw insert ~0.7 s on 2 cores
BIG = "CT/tasc_responses/tasc_responses_2024.csv"
WORKFORCE = "CT/workforce/w.csv"
KILL_AT_PERCENT = 30  # how far a killed statement has got, by DuckDB's query_progress
TIMEOUT_S = 120

# The child: open the warehouse, hook the loader, load one data set. ``stop`` says where it
# reports to the parent (by creating ``marker``), which then kills it with SIGKILL:
#   during:<function>   while ``raw_loader.<function>`` runs, once DuckDB's query_progress (polled
#                       from a thread) says a statement of it is KILL_AT_PERCENT done;
#   statement:<prefix>  the same, while the statement starting with <prefix> runs (statements go
#                       through ``raw_loader._exec``);
#   before:<prefix>     just before the statement starting with <prefix>, which it never runs;
#                       it reports the raw rows and ledger rows of the data set its connection
#                       sees then;
#   after-load          after load_data_set returned (its transaction committed), never closing.
# ``marker.done`` is created if the function or statement returns, so the parent can tell that it
# did not.
CHILD = r"""
import sys, threading, time
from pathlib import Path

import duckdb

import ingestion.raw_loader as rl
from ingestion.landing import discover

warehouse, landing, data_set, stop, marker, kill_at = sys.argv[1:7]
marker = Path(marker)
mode, _, target = stop.partition(":")
con = duckdb.connect(warehouse)


def report(path, text=""):
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.rename(path)


def watch(finished):
    while not finished.is_set():
        progress = con.query_progress()
        if float(kill_at) <= progress < 100:
            report(marker, f"{progress:.1f}")
            return
        time.sleep(0.002)


def watched(call, *args):
    finished = threading.Event()
    threading.Thread(target=watch, args=(finished,), daemon=True).start()
    try:
        return call(*args)
    finally:
        finished.set()
        report(marker.with_suffix(".done"))


def hook_function(name):
    original = getattr(rl, name)
    setattr(rl, name, lambda *args: watched(original, *args))


def hook_statement(original=rl._exec):
    def hooked(con, sql, params=None):
        if not " ".join(sql.split()).startswith(target):
            return original(con, sql, params)
        if mode == "statement":
            return watched(original, con, sql, params)
        seen = con.execute(
            f"select (select count(*) from raw.{data_set}), (select count(*) from "
            f"raw.submission_ledger where data_set = '{data_set}')"
        ).fetchone()
        report(marker, " ".join(map(str, seen)))
        time.sleep(600)

    rl._exec = hooked


if mode == "during":
    hook_function(target)
elif mode in ("statement", "before"):
    hook_statement()
con.execute("set enable_progress_bar = true").fetchall()
con.execute("set enable_progress_bar_print = false").fetchall()
con.execute("set progress_bar_time = 0").fetchall()
rl.load_data_set(con, data_set, discover(Path(landing), data_set))
if mode == "after-load":
    report(marker)
    time.sleep(600)
"""


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def _write_big_csv(path: Path, n: int) -> None:
    """A canonical tasc_responses CSV of ``n`` valid rows, written by DuckDB in one COPY."""
    roles, tenures = code_list("staff_role"), code_list("tenure_band")
    exprs = {
        "response_id": "'T' || lpad(cast(i as varchar), 8, '0')",
        "survey_wave": "'2024-spring'",
        "response_date": "cast(date '2024-03-01' + cast(i % 60 as integer) as varchar)",
        "org_unit": "'U' || lpad(cast(1 + i % 12 as varchar), 2, '0')",  # CT's declared units
        "role": f"{_sql_list(roles)}[1 + i % {len(roles)}]",
        "tenure_band": f"{_sql_list(tenures)}[1 + i % {len(tenures)}]",
    }
    for k, c in enumerate(DATA_SETS["tasc_responses"].columns):
        if c.name not in exprs:  # the survey items, within their ranges
            exprs[c.name] = f"{c.min} + ((i // {k + 1}) * {k + 3}) % {c.max - c.min + 1}"
    assert list(exprs) == DATA_SETS["tasc_responses"].column_names
    path.parent.mkdir(parents=True, exist_ok=True)
    select = ", ".join(f"{e} as {name}" for name, e in exprs.items())
    duckdb.sql(f"copy (select {select} from range({n}) r(i)) to '{path}' (header)")


def _run_child_and_kill(tmp: Path, data_set: str, stop: str, name: str) -> str:
    """Run a child load until it reports at ``stop``; SIGKILL it; return what it reported."""
    marker = tmp / f"{name}.marker"
    stderr = tmp / f"{name}.stderr"
    args = [str(tmp / "w.duckdb"), str(tmp / "landing"), data_set, stop, str(marker)]
    args.append(str(KILL_AT_PERCENT))
    with stderr.open("w") as err:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, *args], stdout=subprocess.DEVNULL, stderr=err
        )
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while not marker.exists():
            assert child.poll() is None, f"child ended before {stop}: {stderr.read_text()}"
            assert time.monotonic() < deadline, f"never reached {stop}: {stderr.read_text()}"
            time.sleep(0.002)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(TIMEOUT_S) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert not marker.with_suffix(".done").exists(), f"the statement at {stop} had finished"
    return marker.read_text()


def _workforce_state(con: duckdb.DuckDBPyConnection) -> tuple[list, list]:
    rows = con.execute("select * from raw.workforce order by source_row_number").fetchall()
    ledger = con.execute(
        "select * from raw.submission_ledger where data_set = 'workforce'"
    ).fetchall()
    return rows, ledger


def _assert_nothing_of_big(tmp: Path, workforce: tuple[list, list]) -> None:
    con = duckdb.connect(str(tmp / "w.duckdb"))  # must open: the WAL is replayed or discarded
    try:
        assert con.execute("select count(*) from raw.tasc_responses").fetchone() == (0,)
        assert con.execute(
            "select count(*) from raw.submission_ledger where source_file = ? or data_set = ?",
            [BIG, "tasc_responses"],
        ).fetchone() == (0,)
        assert con.execute(
            "select count(*) from raw.quarantine where source_file = ? or data_set = ?",
            [BIG, "tasc_responses"],
        ).fetchone() == (0,)
        assert _workforce_state(con) == workforce
        con.execute("checkpoint").fetchall()  # and it is writable
    finally:
        con.close()


def test_a_load_killed_mid_file_leaves_nothing_and_a_rerun_loads_it_completely(tmp_path):
    landing = tmp_path / "landing"
    big = landing / BIG
    _write_big_csv(big, ROWS)
    w = landing / WORKFORCE
    w.parent.mkdir(parents=True)
    w.write_text(
        ",".join(DATA_SETS["workforce"].column_names)
        + "\n2024-Q1,caseworker,10,11,2,1,0,1\n2024-Q2,supervisor,4,4,0,0,0,1\n"
    )

    # The earlier load: committed, then its process killed without closing (so it may live only
    # in the WAL, which every later open must replay).
    _run_child_and_kill(tmp_path, "workforce", "after-load", "workforce")
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    workforce = _workforce_state(con)
    con.close()
    rows, ledger = workforce
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("2024-Q1", "caseworker", 11),
        ("2024-Q2", "supervisor", 4),
    ]
    assert [(r[1], r[7], r[9]) for r in ledger] == [(WORKFORCE, "accepted", 2)]

    # (a) while big.csv is being read into the staging table
    progress = _run_child_and_kill(tmp_path, "tasc_responses", "during:_stage_plain", "stage")
    assert KILL_AT_PERCENT <= float(progress) < 100
    _assert_nothing_of_big(tmp_path, workforce)

    # (b) inside the write transaction, while the rows go into raw.tasc_responses
    progress = _run_child_and_kill(
        tmp_path, "tasc_responses", "statement:insert into raw.tasc_responses", "insert"
    )
    assert KILL_AT_PERCENT <= float(progress) < 100
    _assert_nothing_of_big(tmp_path, workforce)

    # (c) every write of the load done (raw rows, ledger row), the commit not yet run
    seen = _run_child_and_kill(tmp_path, "tasc_responses", "before:commit", "commit")
    assert seen == f"{ROWS} 1"  # what the uncommitted transaction had written
    _assert_nothing_of_big(tmp_path, workforce)

    # The rerun loads big.csv completely ...
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        files = discover(landing, "tasc_responses")
        assert [f.relative_path for f in files] == [BIG]
        result = load_data_set(con, "tasc_responses", files)
        [o] = result.outcomes
        assert (o.status, o.rows_read, o.rows_loaded, o.rows_quarantined) == (
            "accepted",
            ROWS,
            ROWS,
            0,
        )
        sha = hashlib.sha256(big.read_bytes()).hexdigest()
        ledger = con.execute(
            "select submission_id, status, rows_read, rows_loaded, file_sha256 "
            "from raw.submission_ledger where data_set = 'tasc_responses'"
        ).fetchall()
        assert ledger == [(o.submission_id, "accepted", ROWS, ROWS, sha)]
        assert con.execute(
            "select count(*), count(distinct response_id), min(source_row_number), "
            "max(source_row_number), count(distinct submission_id), min(submission_id), "
            "count(distinct source_file), min(source_file) from raw.tasc_responses"
        ).fetchone() == (ROWS, ROWS, 2, ROWS + 1, 1, o.submission_id, 1, BIG)
        # ... every value as written in the file (no row that is not in it; as many rows), the
        # response id as its pseudonym
        cols = DATA_SETS["tasc_responses"].column_names
        as_text = ", ".join(f"cast({c} as varchar)" for c in cols)
        pseudonyms.install(con, pseudonyms.load_key(create=False))
        in_file = ", ".join(
            pseudonyms.sql(c, "'CT'", "response") if c == "response_id" else c for c in cols
        )
        assert con.execute(
            f"select count(*) from (select {as_text} from raw.tasc_responses except all "
            f"select {in_file} from read_csv(?, header = true, all_varchar = true))",
            [str(big)],
        ).fetchone() == (0,)
        assert con.execute("select count(*) from raw.quarantine").fetchone() == (0,)
        assert _workforce_state(con) == workforce

        # ... and another rerun finds it unchanged and changes nothing.
        before = con.execute("select * from raw.submission_ledger order by all").fetchall()
        again = load_data_set(con, "tasc_responses", discover(landing, "tasc_responses"))
        assert [(x.status, x.rows_loaded) for x in again.outcomes] == [("unchanged", 0)]
        assert con.execute("select * from raw.submission_ledger order by all").fetchall() == before
        assert con.execute("select count(*) from raw.tasc_responses").fetchone() == (ROWS,)
        assert con.execute("select count(*) from raw.quarantine").fetchone() == (0,)
        assert _workforce_state(con) == workforce
    finally:
        con.close()
