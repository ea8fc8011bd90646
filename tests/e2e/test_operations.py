"""Operations, end to end with real ``npcs refresh`` processes on one warehouse.

- Two refreshes started at once both finish correctly, one after the other: the second waits for
  the first's writer lock (``orchestration/one_writer.py``) and says whom it waits for.
- A refresh killed (``kill -9``) during ingestion, dbt, the mart gates and publishing leaves the
  published warehouse and the reports exactly as they were, and the next refresh ends with the
  same tables (content hash) as a refresh that was never interrupted.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from npcs.settings import REPO_ROOT
from tests.conftest import DEMO_AS_OF, copy_landing
from tests.e2e.test_gates import _append_reviews, _reviews

MART_SCHEMAS = ("reviews", "workforce", "equity", "membership", "common")
NPCS = [sys.executable, "-m", "npcs.cli"]


def _site(root: Path, demo_refresh, landing: Path) -> dict[str, str]:
    """A warehouse as the demo refresh left it (published, reports), its own Dagster home, and
    the environment that points ``npcs`` at them."""
    warehouse = root / "warehouse" / "npcs.duckdb"
    warehouse.parent.mkdir(parents=True)
    shutil.copy(demo_refresh.settings.warehouse, warehouse)
    src = demo_refresh.settings.warehouse.parent
    shutil.copytree(src / "published", warehouse.parent / "published", symlinks=True)
    shutil.copytree(demo_refresh.settings.reports, root / "reports")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if k != "NPCS_PUBLISHED"}
    env.update(
        DAGSTER_HOME=str(home),
        NPCS_WAREHOUSE=str(warehouse),
        NPCS_LANDING=str(landing),
        NPCS_REPORTS=str(root / "reports"),
        NPCS_RELEASES=str(root / "releases"),
    )
    return env


def _refresh(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [*NPCS, "refresh", "--as-of", DEMO_AS_OF.isoformat()],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group: kill -9 takes dbt and workers too
        cwd=REPO_ROOT,
    )


def _instance(env: dict[str, str]):
    import dagster as dg

    return dg.DagsterInstance.from_config(env["DAGSTER_HOME"])


def _new_review(landing: Path) -> None:
    """CT sends one more review: every refresh after it has work in every step."""
    ct = {**_reviews(landing, "CT")[0], "review_id": "CT-NEW-0001"}
    _append_reviews(landing, "CT", "reviews_extra.csv", [ct])


def test_two_refreshes_started_at_once_run_one_after_the_other(
    demo_refresh, demo_landing, tmp_path
):
    import dagster as dg

    assert demo_refresh.success
    landing = copy_landing(demo_landing, tmp_path / "landing")
    env = _site(tmp_path / "site", demo_refresh, landing)
    first, second = _refresh(env), _refresh(env)
    outputs = [p.communicate(timeout=900)[0] for p in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], [o[-4000:] for o in outputs]
    assert sum("waiting for run" in out for out in outputs) == 1, outputs

    runs = _instance(env).get_run_records(filters=dg.RunsFilter(job_name="full_refresh"))
    assert len(runs) == 2
    assert {r.dagster_run.status for r in runs} == {dg.DagsterRunStatus.SUCCESS}
    earlier, later = sorted(runs, key=lambda r: r.start_time)
    assert later.start_time >= earlier.end_time  # one after the other, never at once


def test_a_second_writer_that_cannot_wait_is_refused_with_a_clear_message(tmp_path):
    """A writer holding the lock (another process) and one that will not wait: refused before
    writing anything, naming the holder; once the holder is killed (-9) the lock is free."""
    from orchestration.one_writer import WarehouseBusy, writing

    warehouse = tmp_path / "npcs.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from orchestration.one_writer import writing\n"
            f"with writing({str(warehouse)!r}, what='a test holder', run_id='run-1'):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(600)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseBusy) as busy, writing(warehouse, wait=0.5):
            pass
        assert f"run run-1 (a test holder, pid {holder.pid}" in str(busy.value)
        assert "nothing was written" in str(busy.value)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with writing(warehouse, wait=5) as previous:  # the kernel released the dead holder's lock
        assert previous["run_id"] == "run-1"


def _run_ids(env: dict[str, str]) -> set[str]:
    instance = _instance(env)
    try:
        return {r.dagster_run.run_id for r in instance.get_run_records()}
    except Exception:  # no instance tables yet
        return set()
    finally:
        instance.dispose()


def _step_started(env: dict[str, str], step: str, before: set[str]) -> bool:
    """The refresh started after ``before`` was taken has started ``step``."""
    import dagster as dg

    instance = _instance(env)
    try:
        runs = [
            r
            for r in instance.get_run_records(
                filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])
            )
            if r.dagster_run.run_id not in before
        ]
        if not runs:
            return False
        records = instance.all_logs(
            runs[0].dagster_run.run_id, of_type=dg.DagsterEventType.STEP_START
        )
        return any(r.step_key == step for r in records)
    except Exception:  # the refresh is creating the instance's tables: not yet
        return False
    finally:
        instance.dispose()


def _kill_during(env: dict[str, str], step: str, into: float) -> None:
    before = _run_ids(env)
    proc = _refresh(env)
    deadline = time.monotonic() + 600
    while not _step_started(env, step, before):
        assert proc.poll() is None, f"the refresh ended before {step}: {proc.stdout.read()}"
        assert time.monotonic() < deadline, f"{step} never started"
        time.sleep(0.2)
    time.sleep(into)
    assert proc.poll() is None, f"the refresh ended before the kill during {step}"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()


def _tree_hash(root: Path) -> str:
    """Every file under ``root`` (symbolic links as their targets' names), hashed."""
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        h.update(str(path.relative_to(root)).encode())
        if path.is_symlink():
            h.update(os.readlink(path).encode())
        elif path.is_file():
            h.update(path.read_bytes())
    return h.hexdigest()


def _hashes(con: duckdb.DuckDBPyConnection, schemas: tuple[str, ...]) -> dict[str, tuple]:
    """Row count and a hash of every row of every table of ``schemas``, leaving out what differs
    between any two runs, interrupted or not: timestamps (when a file was received, loaded or
    gated), the id of the run that gated a file, and the last bits of floating-point means
    (DuckDB sums in parallel, in no fixed order: compared to 6 decimals)."""
    columns: dict[str, list[str]] = {}
    for schema, table, column, kind in con.execute(
        "select table_schema, table_name, column_name, data_type "
        "from information_schema.columns where table_catalog = current_database() "
        f"and table_schema in ({', '.join(repr(s) for s in schemas)}) order by ordinal_position"
    ).fetchall():
        if kind.startswith("TIMESTAMP") or column.endswith(("_at", "_run_id")):
            continue
        value = f'round("{column}", 6)' if kind in ("DOUBLE", "FLOAT") else f'"{column}"'
        columns.setdefault(f"{schema}.{table}", []).append(value)
    return {
        table: con.execute(
            f"select count(*), coalesce(sum(hash({', '.join(cols)})::hugeint), 0) from {table}"
        ).fetchall()[0]
        for table, cols in sorted(columns.items())
    }


def _content(warehouse: Path) -> dict[str, tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return _hashes(con, (*MART_SCHEMAS, "raw"))
    finally:
        con.close()


def _published(root: Path) -> dict[str, tuple]:
    from publishing.publish import current_path

    con = duckdb.connect(str(current_path(root)), read_only=True)
    try:
        schemas = con.execute("select distinct table_schema from meta.publication_tables")
        return _hashes(con, tuple(s for (s,) in schemas.fetchall()))
    finally:
        con.close()


def test_a_refresh_killed_anywhere_changes_nothing_published_and_the_next_converges(
    demo_refresh, demo_landing, tmp_path
):
    import dagster as dg

    assert demo_refresh.success
    landing = copy_landing(demo_landing, tmp_path / "landing")
    _new_review(landing)

    # The refresh nobody interrupted, from the same start.
    reference = _site(tmp_path / "reference", demo_refresh, landing)
    done = _refresh(reference)
    out = done.communicate(timeout=900)[0]
    assert done.returncode == 0, out

    env = _site(tmp_path / "crashed", demo_refresh, landing)
    warehouse = Path(env["NPCS_WAREHOUSE"])
    published, reports = warehouse.parent / "published", Path(env["NPCS_REPORTS"])
    before = (_tree_hash(published), _tree_hash(reports))
    for step, into in (
        ("raw_tables", 0.5),
        ("dbt_build", 3.0),
        ("mart_gates", 0.5),
        ("publishing__published_warehouse", 1.0),
    ):
        _kill_during(env, step, into)
        assert (_tree_hash(published), _tree_hash(reports)) == before, f"killed during {step}"
        duckdb.connect(str(warehouse)).close()  # opens: DuckDB replays what was committed

    done = _refresh(env)
    out = done.communicate(timeout=900)[0]
    assert done.returncode == 0, out
    assert "was interrupted" in out and "marked failed" in out  # the last one killed
    runs = _instance(env).get_run_records(filters=dg.RunsFilter(job_name="full_refresh"))
    statuses = [r.dagster_run.status for r in sorted(runs, key=lambda r: r.create_timestamp)]
    # the four killed runs marked failed (none left "started" forever), the last one succeeded
    assert statuses == [dg.DagsterRunStatus.FAILURE] * 4 + [dg.DagsterRunStatus.SUCCESS]
    ours, theirs = _content(warehouse), _content(Path(reference["NPCS_WAREHOUSE"]))
    # Every table, the workforce scores included: their means and correlations are summed as
    # exact decimals (macros/tasc.sql), so a rebuild gives the same figures to the last bit.
    assert ours == theirs
    ref_published = Path(reference["NPCS_WAREHOUSE"]).parent / "published"
    assert _published(published) == _published(ref_published)
    assert (reports / "report.html").read_bytes() != b""
    assert not [p for p in (published / "versions").iterdir() if p.name.startswith(".")]
