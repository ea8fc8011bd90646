"""The quality gates, end to end: one defect per class blocks the refresh and keeps the last good
report (and a later run of the report alone is refused, and so is a release); one jurisdiction's
failing file is held back while another's new file reaches the marts; a broken Soda fails closed;
an override lets a blocked gate through once, with its reason recorded.

Every case starts from the demo refresh's warehouse (copied) in a Dagster home of its own, so the
check history one case leaves cannot decide another.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from npcs.settings import REPO_ROOT
from tests.conftest import DEMO_AS_OF, copy_landing
from tests.submitted_ids import pseudonym_of

REPORT = "reporting/partnership_report"


@pytest.fixture
def own_dagster_home(tmp_path, monkeypatch) -> Path:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home


@pytest.fixture
def last_good(demo_refresh, demo_landing, tmp_path, own_dagster_home) -> dict:
    """A copy of the demo refresh's warehouse and reports: the last good state (its landing
    zone is unchanged, so a refresh finds no new file)."""
    assert demo_refresh.success
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(demo_refresh.settings.warehouse, warehouse)
    reports = shutil.copytree(demo_refresh.settings.reports, tmp_path / "reports")
    return {"warehouse": warehouse, "reports": reports, "tmp": tmp_path, "landing": demo_landing}


def _refresh(last_good: dict):
    from npcs.refresh import run_refresh

    return run_refresh(
        landing=last_good["landing"],
        warehouse=last_good["warehouse"],
        out=last_good["reports"],
        as_of=DEMO_AS_OF,
    )


def _sql(warehouse: Path, *statements: str) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        for s in statements:
            con.execute(s).fetchall()
    finally:
        con.close()


def _snapshot(reports: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(reports.iterdir()) if p.is_file()}


def _report_alone():
    """A later run of the report asset alone, in the current Dagster home."""
    from dagster import AssetKey, DagsterInstance

    from orchestration.definitions import defs

    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(
        instance=DagsterInstance.get(),
        asset_selection=[AssetKey(["reporting", "partnership_report"])],
        raise_on_error=False,
    )


# One defect per class, planted in rows a gate had already accepted (so nothing new explains it,
# and the gate blocks rather than holds). Each names the check that must fail and a word its
# description must carry.
ONE_ROW = "rowid = (select min(rowid) from raw.{t} where jurisdiction_id = '{j}')"
DEFECTS: dict[str, tuple[str, list[str], str]] = {
    "duplicate key": (
        "raw/reviews",
        [
            "insert into raw.reviews select * from raw.reviews where "
            + ONE_ROW.format(t="reviews", j="CT")
        ],
        "duplicate",
    ),
    "null in a required column": (
        "raw/reviews",
        [
            "update raw.reviews set cause_of_incident = null where "
            + ONE_ROW.format(t="reviews", j="OH")
        ],
        "missing",
    ),
    "out-of-list code": (
        "raw/improvement_opportunities",
        [
            "update raw.improvement_opportunities set io_theme = 'not_a_theme' where "
            + ONE_ROW.format(t="improvement_opportunities", j="NJ")
        ],
        "io_theme",
    ),
    "out-of-range value": (
        "raw/reviews",
        [
            "update raw.reviews set child_age_years = 42 where "
            + ONE_ROW.format(t="reviews", j="TN")
        ],
        "child_age_years",
    ),
    "broken reference": (
        "raw/improvement_opportunities",
        [
            "update raw.improvement_opportunities set review_id = 'NO-SUCH-REVIEW' where "
            + ONE_ROW.format(t="improvement_opportunities", j="AZ")
        ],
        "review",
    ),
    "schema drift": (
        "raw/outcomes",
        ["alter table raw.outcomes add column child_name varchar"],
        "schema",
    ),
    "volume drop": (
        "raw/tasc_responses",
        [
            "delete from raw.tasc_responses "
            "where jurisdiction_id = 'NJ' and hash(response_id) % 4 != 0"
        ],
        "drop or jump",
    ),
    "stale data": (
        "raw/workforce",
        ["update raw.workforce set loaded_at = loaded_at - interval 400 day"],
        "loaded within",
    ),
}


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_each_defect_class_fails_the_gate_and_nothing_downstream_is_rebuilt(last_good, defect):
    from releases.build import ReleaseError
    from releases.release import create_release

    asset, statements, word = DEFECTS[defect]
    before = _snapshot(last_good["reports"])
    _sql(last_good["warehouse"], *statements)

    outcome = _refresh(last_good)
    failed = {c.check: c for c in outcome.failed_checks}
    assert not outcome.success
    assert f"{asset}:soda_contract" in failed, (defect, list(failed), outcome.failed_steps)
    assert word in failed[f"{asset}:soda_contract"].description, failed[
        f"{asset}:soda_contract"
    ].description
    assert REPORT not in outcome.materialized and REPORT in outcome.skipped_assets
    assert "reviews/fct_reviews" not in outcome.materialized  # dbt did not rebuild the marts
    assert _snapshot(last_good["reports"]) == before

    # A separate, later run of the report alone is refused: the last good report stays.
    later = _report_alone()
    assert not later.success
    assert _snapshot(last_good["reports"]) == before

    # No publication either: a release refuses while a gate blocks.
    with pytest.raises(ReleaseError, match="quality gates block"):
        create_release(last_good["warehouse"], last_good["tmp"] / "releases", DEMO_AS_OF, True)


def _append_reviews(landing: Path, jurisdiction: str, name: str, rows: list[dict]) -> None:
    src = sorted((landing / jurisdiction / "reviews").glob("*.csv"))[0]
    header = next(csv.reader(src.open()))
    with (landing / jurisdiction / "reviews" / name).open("w", newline="") as out:
        w = csv.DictWriter(out, fieldnames=header)
        w.writeheader()
        w.writerows(rows)


def _reviews(landing: Path, jurisdiction: str) -> list[dict]:
    rows = []
    for f in sorted((landing / jurisdiction / "reviews").glob("*.csv")):
        rows += list(csv.DictReader(f.open()))
    return rows


def test_one_jurisdictions_failing_file_is_held_while_anothers_new_file_reaches_the_marts(
    demo_landing, tmp_path, own_dagster_home
):
    """OH sends a file that more than triples its reviews (the volume check fails on OH only);
    CT sends one new review. In the same refresh OH's new file is held — the marts keep OH's
    last good reviews, flagged held — and CT's review reaches the marts; the report is rebuilt."""
    from npcs.refresh import run_refresh

    landing = copy_landing(demo_landing, tmp_path / "landing")
    warehouse, reports = tmp_path / "w.duckdb", tmp_path / "reports"
    first = run_refresh(landing=landing, warehouse=warehouse, out=reports, as_of=DEMO_AS_OF)
    assert first.success

    oh = _reviews(landing, "OH")
    bulk = [
        {**r, "review_id": f"BULK-{k}-{r['review_id']}"} for k in range(3) for r in oh
    ]  # 3 x 72 new records on top of 72
    _append_reviews(landing, "OH", "reviews_bulk_export.csv", bulk)
    ct_new = {**_reviews(landing, "CT")[0], "review_id": "CT-NEW-0001"}
    _append_reviews(landing, "CT", "reviews_late_addition.csv", [ct_new])

    second = run_refresh(landing=landing, warehouse=warehouse, out=reports, as_of=DEMO_AS_OF)
    assert second.success, (second.failed_checks, second.failed_steps)
    warned = {c.check: c for c in second.warned_checks}
    assert warned["raw/reviews:soda_contract"].metadata["decision"] == "held"
    assert warned["raw/reviews:soda_contract"].metadata["jurisdictions_held"] == "OH"
    assert REPORT in second.materialized  # everyone else's data flows on

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        ledger = dict(
            con.execute(
                "select source_file, gate_status from raw.submission_ledger "
                "where source_file in ('OH/reviews/reviews_bulk_export.csv', "
                "'CT/reviews/reviews_late_addition.csv')"
            ).fetchall()
        )
        assert ledger == {
            "OH/reviews/reviews_bulk_export.csv": "held",
            "CT/reviews/reviews_late_addition.csv": "accepted",
        }
        in_marts = {
            r[0]
            for r in con.execute(
                "select review_id from reviews.fct_reviews where jurisdiction_id in ('OH', 'CT')"
            ).fetchall()
        }
        assert pseudonym_of("CT", "review", "CT-NEW-0001") in in_marts
        assert not {pseudonym_of("OH", "review", r["review_id"]) for r in bulk} & in_marts
        # OH's last good data stays
        assert {pseudonym_of("OH", "review", r["review_id"]) for r in oh} <= in_marts
        recorded = con.execute(
            "select jurisdiction_id, action from quality.check_results "
            "where contract = 'raw/reviews.yml' and jurisdiction_id is not null"
        ).fetchall()
        assert ("OH", "held") in recorded
    finally:
        con.close()

    # What an engineer reads: every gate's decision, and the held file version with its reason.
    status = _gate_status(warehouse)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "raw/reviews.yml" in status.stdout and "held" in status.stdout
    assert "OH/reviews/reviews_bulk_export.csv" in status.stdout


def test_a_broken_soda_fails_closed(last_good, monkeypatch):
    """With soda_core unimportable the gates fail — they never pass by default."""
    import sys

    before = _snapshot(last_good["reports"])
    monkeypatch.setitem(sys.modules, "soda_core.contracts", None)  # import raises ImportError
    outcome = _refresh(last_good)
    assert not outcome.success
    assert {c.check for c in outcome.failed_checks} >= {"raw/reviews:soda_contract"}
    assert "ModuleNotFoundError" in " ".join(c.description for c in outcome.failed_checks)
    assert _snapshot(last_good["reports"]) == before


def test_a_broken_contract_file_fails_closed(last_good):
    from quality_checks.gate import contract_for

    target = contract_for("raw", "workforce")
    real = target.read_text()
    before = _snapshot(last_good["reports"])
    try:
        target.write_text("dataset: npcs/raw/workforce\ncolumns: [oops\n")
        outcome = _refresh(last_good)
    finally:
        target.write_text(real)
    assert not outcome.success
    assert "raw/workforce:soda_contract" in {c.check for c in outcome.failed_checks}
    assert _snapshot(last_good["reports"]) == before


def test_an_override_lets_a_blocked_gate_through_once_with_its_reason(last_good):
    """Stale workforce data blocks; an engineer's override lets that contract through once (the
    marts are rebuilt and gated as usual), then the gate blocks again."""
    from quality_checks import store

    _sql(last_good["warehouse"], *DEFECTS["stale data"][1])
    con = duckdb.connect(str(last_good["warehouse"]))
    try:
        store.add_override(
            con, "raw/workforce.yml", "the Q3 files are delayed by the state; publish Q2", "lead"
        )
    finally:
        con.close()
    once = _refresh(last_good)
    assert once.success, (once.failed_checks, once.failed_steps)
    warned = {c.check: c for c in once.warned_checks}
    assert warned["raw/workforce:soda_contract"].metadata["decision"] == "overridden"
    assert "the Q3 files are delayed" in warned["raw/workforce:soda_contract"].metadata["override"]
    assert REPORT in once.materialized
    again = _refresh(last_good)  # the override is spent: the stale data blocks again
    assert not again.success
    assert "raw/workforce:soda_contract" in {c.check for c in again.failed_checks}
    con = duckdb.connect(str(last_good["warehouse"]), read_only=True)
    try:
        actions = [
            r[0]
            for r in con.execute(
                "select distinct action from quality.check_results "
                "where contract = 'raw/workforce.yml' and action != 'none' order by 1"
            ).fetchall()
        ]
    finally:
        con.close()
    assert actions == ["blocked", "overridden"]
    status = _gate_status(last_good["warehouse"])
    assert status.returncode == 1  # a gate blocks
    assert "blocked" in status.stdout and "raw/workforce.yml" in status.stdout
    assert "age_days" in status.stdout  # the measured values behind the failure


def _gate_status(warehouse: Path):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "npcs.cli", "gate", "status", "--warehouse", str(warehouse)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_warning_is_reported_and_does_not_block(last_good):
    """A third of one jurisdiction's survey records gone: past the warn threshold (25%), within
    the fail threshold (50%) — the refresh goes on, the report is rebuilt, the warning is kept."""
    _sql(
        last_good["warehouse"],
        "delete from raw.tasc_responses where jurisdiction_id = 'NJ' and hash(response_id) % 3 = 0",
    )
    outcome = _refresh(last_good)
    assert outcome.success, (outcome.failed_checks, outcome.failed_steps)
    warned = {c.check: c for c in outcome.warned_checks}
    assert warned["raw/tasc_responses:soda_contract"].metadata["decision"] == "warned"
    assert "changed noticeably" in warned["raw/tasc_responses:soda_contract"].description
    assert REPORT in outcome.materialized
    con = duckdb.connect(str(last_good["warehouse"]), read_only=True)
    try:
        rows = con.execute(
            "select level, outcome, action from quality.check_results "
            "where contract = 'raw/tasc_responses.yml' "
            "and check_path like '%volume_change_warning' and jurisdiction_id is null"
        ).fetchall()
    finally:
        con.close()
    assert ("warn", "warned", "warned") in rows
