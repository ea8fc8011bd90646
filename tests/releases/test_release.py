"""Releases: freeze as of a date, then corrected resubmissions arrive — the release rebuilds
identical, and ``release diff`` lists what the corrections would change.

Real parts: a copy of the demo refresh's warehouse, the real loader for the corrected file,
real ``dbt build``s of the pinned and the current submissions, real Soda mart gates.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import DEMO_AS_OF
from tests.submitted_ids import pseudonym_of

pytestmark = pytest.mark.usefixtures("demo_refresh")


JULY = date(2024, 7, 1)


@pytest.fixture(scope="module")
def released(demo_refresh, tmp_path_factory):
    """A live warehouse (copy of the demo refresh), its release as of 2024-07-01, then its
    release as of 2024-10-01 (the manifest given is the October one's)."""
    from releases.release import create_release

    root = tmp_path_factory.mktemp("release")
    live = root / "live.duckdb"
    shutil.copy(demo_refresh.settings.warehouse, live)
    create_release(live, root / "releases", JULY, synthetic=True)
    manifest = create_release(live, root / "releases", DEMO_AS_OF, synthetic=True)
    return live, root / "releases", manifest


def _correct_ct_reviews(landing: Path, out: Path) -> tuple[str, str]:
    """A corrected CT reviews file: one review's cause changed, one review added, both completed
    before 2024-10-01. Returns (changed review id, added review id)."""
    src = landing / "CT" / "reviews" / "reviews_FY2023.csv"
    rows = list(csv.DictReader(src.open(encoding="utf-8")))
    changed = rows[0]
    new_cause = "drowning" if changed["cause_of_incident"] != "drowning" else "firearm"
    changed["cause_of_incident"] = new_cause
    added = dict(rows[1])
    added["review_id"] = "RV-CORR-01"
    added["review_completed_date"] = "2024-05-01"
    added["incident_date"] = "2024-01-15"
    rows.append(added)
    folder = out / "CT" / "reviews"
    folder.mkdir(parents=True)
    with (folder / "reviews_FY2023_corrected.csv").open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return changed["review_id"], added["review_id"]


def test_the_release_freezes_figures_tables_and_submission_versions(released):
    live, releases, manifest = released
    folder = releases / manifest["release_id"]
    assert manifest["release_id"] == "2024-10-01"
    assert manifest["headline"]["reviews_completed"] == 711
    assert manifest["headline"]["improvement_opportunities"] == 1841
    con = duckdb.connect(str(live), read_only=True)
    try:
        (loaded,) = con.execute(
            "select count(*) from raw.submission_ledger where stage = 'load'"
        ).fetchone()
        rows = {
            t: con.execute(f"select count(*) from {t}").fetchone()[0]
            for t in ("reviews.fct_reviews", "workforce.agg_tasc_scores")
        }
    finally:
        con.close()
    assert len(manifest["submissions"]) == loaded
    assert all(s["file_sha256"] for s in manifest["submissions"])
    for table, n in rows.items():
        assert manifest["tables"][table]["rows"] == n
        assert (folder / "restricted" / "tables" / f"{table}.parquet").exists()
    assert manifest["tables"]["reviews.fct_reviews"]["key"]  # keys come from the dbt contracts
    shareable = folder / "shareable"
    assert json.loads((shareable / "headline.json").read_text())["reviews_completed"] == 711
    assert (shareable / "report.html").exists()


def test_the_shareable_part_holds_only_what_the_published_warehouse_publishes(released):
    """A release in two parts: the shareable part is the published warehouse's tables,
    suppressed together, and the report — no record-level table, no count from 1 to the
    threshold, no submission list; the restricted part is what rebuild and diff need."""
    from publishing.catalog import load_catalog
    from publishing.suppression import DEFAULT_THRESHOLD, jurisdiction_thresholds

    live, releases, manifest = released
    folder = releases / manifest["release_id"]
    catalog = load_catalog()
    shareable = folder / "shareable"
    shared = json.loads((shareable / "manifest.json").read_text())
    files = {p.name.removesuffix(".parquet") for p in (shareable / "tables").glob("*.parquet")}
    assert files == {t.name for t in catalog.tables} == set(shared["tables"])
    assert "submissions" not in shared and "max_submission_id" not in shared
    assert not set(manifest["tables"]) <= files  # the record-level marts stay restricted
    assert "reviews.fct_reviews" in manifest["tables"] and "reviews.fct_reviews" not in files
    text = (shareable / "manifest.json").read_text()
    assert not any(s["source_file"] in text for s in manifest["submissions"])

    con = duckdb.connect(str(live), read_only=True)
    try:
        thresholds, _ = jurisdiction_thresholds(con)
        hidden_somewhere = 0
        for table in catalog.tables:
            path = str(shareable / "tables" / f"{table.name}.parquet")
            frame = con.execute("select * from read_parquet(?)", [path]).df()
            assert len(frame) == shared["tables"][table.name]["rows"]
            for col in table.counts:
                for pos, v in frame[col].items():
                    if pd.isna(v):
                        continue
                    j = frame.at[pos, table.jurisdiction] if table.jurisdiction else None
                    limit = thresholds.get(j) or DEFAULT_THRESHOLD
                    assert not 0 < int(v) <= limit, (table.name, col, pos, int(v))
            loss = shared["tables"][table.name]["suppression"]
            assert loss["suppressed_cells"] <= loss["count_cells"]
            assert "count_hidden" not in loss and "count_total" not in loss
            hidden_somewhere += loss["suppressed_cells"]
        assert hidden_somewhere > 0  # the demo data has small cells: the rule ran
    finally:
        con.close()

    from releases.release import list_releases, load_manifest

    assert list_releases(releases) == [JULY.isoformat(), manifest["release_id"]]
    assert load_manifest(releases, manifest["release_id"]) == manifest


def test_two_releases_and_the_live_publication_differenced_give_nothing_back(released):
    """The July and October releases, and the live publication made after them (as a refresh
    makes it: against every release out), read together by the differencing attacker: no count
    from 1 to its threshold comes back. Each release keeps its model in its restricted part."""
    from publishing.attack import recover_across
    from publishing.linked import FOLDER, PublishedModel, earlier_models
    from reporting.disclosure import protect_report

    live, releases, manifest = released
    models = earlier_models(releases)
    assert [m.name for m in models] == [JULY.isoformat(), manifest["release_id"]]
    assert (releases / manifest["release_id"] / "restricted" / FOLDER / "cells.parquet").exists()
    assert not list((releases / manifest["release_id"] / "shareable").rglob("cells.parquet"))
    con = duckdb.connect(str(live), read_only=True)
    try:
        now = protect_report(con, DEMO_AS_OF, earlier=models, name="live").model
    finally:
        con.close()
    assert isinstance(now, PublishedModel)
    assert recover_across([*models, now]) == []
    assert recover_across(models) == []


def test_a_release_is_immutable(released):
    from releases.build import ReleaseError
    from releases.release import create_release

    live, releases, _ = released
    with pytest.raises(ReleaseError, match="exists"):
        create_release(live, releases, DEMO_AS_OF, synthetic=True)


def test_corrections_leave_the_release_reproducible_and_diff_lists_them(
    released, demo_landing, tmp_path
):
    from ingestion.landing import scan
    from ingestion.raw_loader import load_data_set
    from releases.release import diff_release, rebuild_release

    live, releases, manifest = released
    changed_id, added_id = _correct_ct_reviews(demo_landing, tmp_path / "landing")
    placed, _ = scan(tmp_path / "landing")
    con = duckdb.connect(str(live))
    try:
        result = load_data_set(con, "reviews", placed)
    finally:
        con.close()
    assert result.rows_loaded == len(result.outcomes[0].file.path.read_text().splitlines()) - 1
    assert result.rows_quarantined == 0 and not result.rejected

    checks = rebuild_release(live, releases, "2024-10-01")
    assert checks and all(c.identical for c in checks), [c for c in checks if not c.identical]

    d = diff_release(live, releases, "2024-10-01")
    assert [s["source_file"] for s in d.later_submissions] == [
        "CT/reviews/reviews_FY2023_corrected.csv"
    ]
    assert d.headline_changes["reviews_completed"] == (711, 712)
    reviews = next(t for t in d.tables if t.table == "reviews.fct_reviews")
    assert (reviews.added, reviews.removed, reviews.changed) == (1, 0, 1)
    text = "\n".join(reviews.examples)
    # the examples name rows by key, the record id as its pseudonym (never the submitted id)
    changed, added = (pseudonym_of("CT", "review", i) for i in (changed_id, added_id))
    assert changed in text and "cause_of_incident" in text and added in text
    assert changed_id not in text and added_id not in text
    assert next(t for t in d.tables if t.table == "workforce.agg_tasc_scores").differs is False

    # The command line says the same, with exit code 3 (something would change).
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "npcs.cli",
            "release",
            "--warehouse",
            str(live),
            "--releases",
            str(releases),
            "diff",
            "2024-10-01",
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 3, proc.stderr
    assert "CT/reviews/reviews_FY2023_corrected.csv" in proc.stdout
    assert "headline reviews_completed: 711 -> 712" in proc.stdout


def test_rebuild_refuses_when_the_pinned_history_is_gone(released, tmp_path):
    from releases.build import ReleaseError
    from releases.release import rebuild_release

    live, releases, manifest = released
    broken = tmp_path / "broken.duckdb"
    shutil.copy(live, broken)
    con = duckdb.connect(str(broken))
    try:
        first = manifest["submissions"][0]["submission_id"]
        con.execute("delete from raw.submission_ledger where submission_id = ?", [first])
    finally:
        con.close()
    with pytest.raises(ReleaseError, match="cannot be rebuilt"):
        rebuild_release(broken, releases, "2024-10-01")


def test_the_as_of_date_is_kept(released):
    _, _, manifest = released
    assert date.fromisoformat(manifest["as_of"]) == DEMO_AS_OF


def test_a_release_that_would_give_small_counts_back_is_not_made(released, monkeypatch):
    """A release built to leak: its suppression blind to the releases out already (planted by
    making it ignore their models). Read with them, it gives hidden small counts back, so the
    check by attack refuses it and no folder appears."""
    import publishing.suppression as suppression
    from releases.build import ReleaseError
    from releases.release import create_release, list_releases

    live, releases, _ = released
    monkeypatch.setattr(suppression, "add_earlier", lambda *args, **kwargs: None)
    with pytest.raises(ReleaseError, match="hidden small counts come back"):
        create_release(live, releases, DEMO_AS_OF, synthetic=True, name="planted")
    assert "planted" not in list_releases(releases)
    assert not (releases / "planted").exists()
