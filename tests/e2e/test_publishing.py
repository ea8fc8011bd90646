"""The published warehouse, end to end: a refresh publishes it; a reader (another process, as a BI
tool is) holding it read-only neither blocks the next refresh nor sees a half-published state — it
keeps the old state until it reopens, then sees the new one."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import duckdb

from tests.conftest import DEMO_AS_OF, copy_landing
from tests.e2e.test_gates import _append_reviews, _reviews, own_dagster_home  # noqa: F401

READER = textwrap.dedent(
    """
    import sys, duckdb
    path = sys.argv[1]
    con = duckdb.connect(path, read_only=True)
    def state():
        # the publication's version, and a hash of every row of every published table
        v = con.execute("select version from meta.publication").fetchall()[0][0]
        tables = con.execute(
            "select table_schema || '.' || table_name from meta.publication_tables"
        ).fetchall()
        h = 0
        for (t,) in tables:
            h ^= con.execute(f"select coalesce(bit_xor(hash(x)), 0) from {t} as x").fetchall()[0][0]
        return f"{v} {len(tables)} {h}"
    print(state(), flush=True)
    for line in sys.stdin:
        if line.strip() == "reopen":
            con.close()
            con = duckdb.connect(path, read_only=True)
        print(state(), flush=True)
    """
)


def _ask(reader: subprocess.Popen, line: str) -> list[str]:
    reader.stdin.write(line + "\n")
    reader.stdin.flush()
    return reader.stdout.readline().split()


def test_a_reader_holds_the_published_file_while_a_refresh_publishes_anew(
    demo_refresh,
    demo_landing,
    tmp_path,
    own_dagster_home,  # noqa: F811
):
    from npcs.refresh import run_refresh
    from publishing.publish import current_path, current_version

    assert demo_refresh.success
    warehouse = tmp_path / "w" / "npcs.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(demo_refresh.settings.warehouse, warehouse)
    published = shutil.copytree(
        demo_refresh.settings.warehouse.parent / "published",
        warehouse.parent / "published",
        symlinks=True,
    )
    first = current_version(published)
    assert first is not None

    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(current_path(published))],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        before = reader.stdout.readline().split()
        assert before[0] == first

        landing = copy_landing(demo_landing, tmp_path / "landing")
        ct_new = {**_reviews(landing, "CT")[0], "review_id": "CT-NEW-0001"}
        _append_reviews(landing, "CT", "reviews_late_addition.csv", [ct_new])
        outcome = run_refresh(
            landing=landing, warehouse=warehouse, out=tmp_path / "reports", as_of=DEMO_AS_OF
        )
        assert outcome.success, (outcome.failed_checks, outcome.failed_steps)
        assert "publishing/published_warehouse" in outcome.materialized
        second = current_version(published)
        assert second != first

        assert _ask(reader, "again") == before  # the old state, whole
        after = _ask(reader, "reopen")
        assert after[0] == second
        assert after[2] != before[2]  # CT's new review changed published figures
    finally:
        reader.stdin.close()
        reader.wait(timeout=30)

    # What the reader reopened is the complete publication: every table of the manifest.
    con = duckdb.connect(str(current_path(published)), read_only=True)
    try:
        listed = con.execute(
            "select table_schema || '.' || table_name, row_count from meta.publication_tables"
        ).fetchall()
        for relation, rows in listed:
            assert con.execute(f"select count(*) from {relation}").fetchall()[0][0] == rows
        assert len(listed) > 10
    finally:
        con.close()
