"""Build the report folder: ``report.html`` and ``headline.json``, published atomically.

The new files are written into a temporary folder beside the target and swapped in with
``os.replace``, so a reader (or a failed run) never sees a half-written report and the last good
report stays in place until a new one is complete.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
from jinja2 import Environment, PackageLoader, select_autoescape

from ingestion.reference import code_labels
from reporting import charts, suppression
from reporting.figures import Figures, compute

SYNTHETIC_NOTE = (
    "SYNTHETIC DEMO DATA: these figures are computed from generated data, not from any "
    "jurisdiction's records."
)


def render_html(figures: Figures, synthetic: bool) -> str:
    env = Environment(
        loader=PackageLoader("reporting", "templates"), autoescape=select_autoescape(["html"])
    )
    theme_labels = code_labels("io_theme")
    env.filters["count"] = suppression.count_cell
    env.globals["pct"] = suppression.pct_cell
    return env.get_template("report.html.j2").render(
        f=figures,
        h=figures.headline,
        synthetic=synthetic,
        synthetic_note=SYNTHETIC_NOTE,
        generated_at=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        theme_labels=theme_labels,
        partner_labels=code_labels("partner_agency"),
        cause_labels=code_labels("cause_of_incident"),
        theme_chart=charts.theme_bars(
            figures.themes, theme_labels, {"teamwork_coordination", "economic_support"}
        ),
        intent_chart=charts.intent_bars(figures.intent_by_band),
    )


def _publish(out_dir: Path, files: dict[str, str]) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".publishing-", dir=out_dir))
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        for name in files:
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def build_report(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    as_of: date,
    synthetic: bool,
    semantic_manifest: Path | None = None,
) -> dict:
    """Compute every figure from the marts (headline metrics through the semantic layer),
    render, publish; return the headline."""
    figures = compute(con, as_of, semantic_manifest)
    headline = dict(figures.headline)
    headline["synthetic"] = synthetic
    if synthetic:
        headline["note"] = SYNTHETIC_NOTE
    _publish(
        Path(out_dir),
        {
            "report.html": render_html(figures, synthetic),
            "headline.json": json.dumps(headline, indent=2) + "\n",
        },
    )
    return headline
