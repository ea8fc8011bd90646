"""Build the report folder, published atomically: the findings (``report.html|pdf`` and
``headline.json``), one profile per member (``profiles/<jurisdiction_id>.html|pdf``) and the
submission status report (``status.html|pdf``).

Every file of a build is rendered (HTML by Jinja, PDF by headless Chromium) into a temporary
folder beside the target first and only then swapped in with ``os.replace``, so a failed build
(a query, a template, Chromium) publishes nothing and the last good reports stay in place.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape

from ingestion.reference import code_labels
from publishing.linked import PublishedModel
from reporting import charts, profiles, render, status, suppression
from reporting.disclosure import ProtectedReport, protect_report
from reporting.figures import Figures, compute

SYNTHETIC_NOTE = (
    "SYNTHETIC DEMO DATA: these figures are computed from generated data, not from any "
    "jurisdiction's records."
)


@functools.cache
def _env() -> Environment:
    """One environment per process: Jinja compiles each template once (a build renders ~40
    pages; a new environment per page recompiled them, ~1 s)."""
    env = Environment(
        loader=PackageLoader("reporting", "templates"), autoescape=select_autoescape(["html"])
    )
    # Every count and rate cell goes through reporting.suppression.
    env.filters["count"] = suppression.count_cell
    env.globals["count"] = suppression.count_cell
    env.globals["pct"] = suppression.pct_cell
    env.globals["rate"] = suppression.rate_cell
    env.globals["synthetic_note"] = SYNTHETIC_NOTE
    env.globals["generated_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return env


def render_html(figures: Figures, synthetic: bool) -> str:
    env = _env()
    theme_labels = code_labels("io_theme")
    return env.get_template("report.html.j2").render(
        f=figures,
        h=figures.headline,
        synthetic=synthetic,
        theme_labels=theme_labels,
        group_labels=code_labels("race_ethnicity_group"),
        partner_labels=code_labels("partner_agency"),
        cause_labels=code_labels("cause_of_incident"),
        theme_chart=charts.theme_bars(
            figures.themes, theme_labels, {"teamwork_coordination", "economic_support"}
        ),
        intent_chart=charts.intent_bars(figures.intent_by_band),
        turnover_chart=charts.turnover_lines(figures.turnover) if figures.turnover else "",
        outcome_chart=charts.outcome_lines(figures.outcomes) if figures.outcomes else "",
        disparity_chart=(
            charts.disparity_bars(figures.equity, code_labels("race_ethnicity_group"))
            if figures.equity
            else ""
        ),
    )


def render_profile(p: profiles.Profile, as_of: date, synthetic: bool) -> str:
    theme_labels = code_labels("io_theme")
    shown = [
        (
            theme_labels.get(r["io_theme"], r["io_theme"]),
            suppression.shown(r["own_pct"]),
            suppression.shown(r["pct"]),
        )
        for r in p.themes
    ]
    return (
        _env()
        .get_template("profile.html.j2")
        .render(
            p=p,
            as_of=as_of,
            synthetic=synthetic,
            theme_labels=theme_labels,
            cause_labels=code_labels("cause_of_incident"),
            type_labels=code_labels("jurisdiction_type"),
            ds_labels=code_labels("data_set"),
            theme_chart=charts.compare_bars(shown, p.jurisdiction["jurisdiction_id"], "%"),
        )
    )


def render_status(s: status.Status | None, as_of: date, synthetic: bool) -> str:
    return _env().get_template("status.html.j2").render(s=s, as_of=as_of, synthetic=synthetic)


def _publish(out_dir: Path, files: dict[str, str], pdf: bool = True) -> None:
    """Write every file (names may hold a folder: ``profiles/CT.html``), print a PDF beside
    each HTML page (``pdf``), then move them all in; profiles of former members are removed
    last, and so is every PDF when this build printed none (never a PDF older than its page)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".publishing-", dir=out_dir))
    try:
        for name, text in files.items():
            (staging / name).parent.mkdir(parents=True, exist_ok=True)
            (staging / name).write_text(text, encoding="utf-8")
        pages = [name for name in files if name.endswith(".html")] if pdf else []
        if pages:
            render.pdfs((staging / n, staging / n.replace(".html", ".pdf")) for n in pages)
        names = list(files) + [n.replace(".html", ".pdf") for n in pages]
        for name in names:
            (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / name, out_dir / name)
        published = {out_dir / n for n in names}
        for old in [*(out_dir / "profiles").glob("*.*"), *out_dir.glob("*.pdf")]:
            if old not in published and old.suffix in (".html", ".pdf"):
                old.unlink()
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def build_report(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    as_of: date,
    synthetic: bool,
    semantic_manifest: Path | None = None,
    pdf: bool = True,
    earlier: Sequence[PublishedModel] = (),
    protected_report: ProtectedReport | None = None,
) -> dict:
    """Compute every figure from the marts (headline metrics through the semantic layer),
    render the findings, every member's profile and the status report, print them to PDF
    (``pdf``: ~15 s for the ~40 pages, so a refresh asks for it with ``--pdf``), publish;
    return the headline.

    The findings and profiles are suppressed together, against the published tables and the
    ``earlier`` publications (or as ``protected_report`` already did)."""
    if protected_report is None:
        protected_report = protect_report(con, as_of, earlier=earlier)
    protected = protected_report.frames
    figures = compute(con, as_of, semantic_manifest, protected)
    member_profiles = profiles.compute_profiles(con, as_of, protected)
    submission_status = status.compute(con, as_of)
    headline = dict(figures.headline)
    headline["synthetic"] = synthetic
    if synthetic:
        headline["note"] = SYNTHETIC_NOTE
    _publish(
        Path(out_dir),
        {
            "report.html": render_html(figures, synthetic),
            "headline.json": json.dumps(headline, indent=2) + "\n",
            "status.html": render_status(submission_status, as_of, synthetic),
            **{
                f"profiles/{p.jurisdiction['jurisdiction_id']}.html": render_profile(
                    p, as_of, synthetic
                )
                for p in member_profiles
            },
        },
        pdf=pdf,
    )
    return headline
