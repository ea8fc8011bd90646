"""The reports as a reader's browser shows them: rendered by real headless Chromium.

The refresh (session fixture ``demo_refresh``) builds every report; these tests open what it
published. Every expected figure is read from ``headline.json`` or computed by a query here.
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import duckdb
import pytest
from PIL import Image

from reporting import render
from tests.conftest import DEMO_AS_OF


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def not_blank(png: bytes, min_colours: int = 50, min_ink: float = 0.02) -> tuple[int, float]:
    """(distinct colours, share of non-white pixels) of a screenshot; asserts both thresholds."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20)
    distinct = len(colours)
    white = sum(n for n, c in colours if min(c) >= 250)
    ink = 1 - white / (img.width * img.height)
    assert distinct >= min_colours, f"only {distinct} distinct colours: a blank page?"
    assert ink >= min_ink, f"only {ink:.1%} of the page is not white: a blank page?"
    return distinct, ink


def check_page(html: Path) -> str:
    """The page and its PDF as Chromium sees them; returns the DOM."""
    assert html.exists(), html
    pdf = html.with_suffix(".pdf").read_bytes()
    assert pdf[:4] == b"%PDF"
    assert _pdf_pages(pdf) >= 1
    not_blank(render.screenshot(html))
    return render.dump_dom(html)


@pytest.fixture(scope="module")
def out_dir(demo_refresh, tmp_path_factory) -> Path:
    """Every report of the demo refresh's warehouse, printed to PDF too (a plain refresh prints
    none: ``npcs refresh --pdf`` does)."""
    from reporting.build import build_report

    assert demo_refresh.success, demo_refresh.failed_steps
    out = tmp_path_factory.mktemp("reports")
    shutil.copy(demo_refresh.settings.reports / "headline.json", out / "refresh-headline.json")
    con = duckdb.connect(str(demo_refresh.settings.warehouse), read_only=True)
    try:
        headline = build_report(con, out, DEMO_AS_OF, synthetic=True, pdf=True)
    finally:
        con.close()
    # the same figures as the refresh published
    refreshed = json.loads((out / "refresh-headline.json").read_text())
    assert {k: refreshed[k] for k in headline} == headline
    return out


@pytest.fixture(scope="module")
def warehouse(demo_refresh) -> Path:
    return demo_refresh.settings.warehouse


def test_chromium_is_installed():
    """Fails (never skips) when Chromium is missing: `.ci/run` installs it."""
    assert shutil.which(render.chromium_binary())


def test_findings_report_has_the_headline_figures(out_dir):
    headline = json.loads((out_dir / "headline.json").read_text())
    dom = check_page(out_dir / "report.html")
    for key in ("reviews_completed", "improvement_opportunities", "survey_responses"):
        assert f'data-key="{key}">{headline[key]:,}<' in dom
    for key in ("pct_reviews_with_teamwork_coordination", "pct_reviews_with_economic_support"):
        assert f'data-key="{key}">{headline[key]}%<' in dom
    assert 'id="equity-table"' in dom and 'id="turnover-trailing-year"' in dom


def _connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(warehouse), read_only=True)


def test_a_profile_shows_the_member_beside_the_partnership(out_dir, warehouse):
    headline = json.loads((out_dir / "headline.json").read_text())
    con = _connect(warehouse)
    try:
        # The record-level member with the most reviews: its count is never suppressed.
        jid, reviews = con.execute(
            "select jurisdiction_id, sum(reviews_completed) from reviews.agg_review_counts "
            "where counted_on <= ? and source = 'record' group by 1 order by 2 desc, 1 limit 1",
            [DEMO_AS_OF],
        ).fetchall()[0]
        aggregate_only = con.execute(
            "select min(jurisdiction_id) from membership.dim_jurisdiction_sharing_levels "
            "where data_set = 'reviews' and sharing_level = 'aggregate' and valid_from <= ? "
            "and (valid_to is null or valid_to > ?)",
            [DEMO_AS_OF, DEMO_AS_OF],
        ).fetchall()[0][0]
        members = con.execute("select count(*) from membership.dim_jurisdictions").fetchall()
    finally:
        con.close()
    assert len(list((out_dir / "profiles").glob("*.pdf"))) == members[0][0]
    dom = check_page(out_dir / "profiles" / f"{jid}.html")
    assert f'data-key="reviews_completed">{int(reviews):,}<' in dom
    assert f">{headline['reviews_completed']:,}<" in dom  # the partnership's, beside it
    assert 'id="no-record-reviews"' not in dom
    agg = render.dump_dom(out_dir / "profiles" / f"{aggregate_only}.html")
    assert 'id="no-record-reviews"' in agg


def test_the_status_report_counts_every_file_version(out_dir, warehouse):
    con = _connect(warehouse)
    try:
        received, rejected, held = con.execute(
            "select count(*), count(*) filter (where status = 'rejected'), "
            "count(*) filter (where gate_status = 'held') from raw.submission_ledger"
        ).fetchall()[0]
    finally:
        con.close()
    dom = check_page(out_dir / "status.html")
    assert f'data-key="file_versions">{received:,}<' in dom
    assert f'data-key="rejected">{rejected:,}<' in dom
    assert f'data-key="held">{held:,}<' in dom


def test_an_empty_page_fails_the_not_blank_check(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text("<!doctype html><html><body></body></html>")
    with pytest.raises(AssertionError, match="blank"):
        not_blank(render.screenshot(page))


def test_a_missing_chromium_is_a_clear_error(tmp_path, monkeypatch):
    page = tmp_path / "p.html"
    page.write_text("<p>x</p>")
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(render.RenderError, match="Chromium not found"):
        render.html_to_pdf(page, tmp_path / "p.pdf")
