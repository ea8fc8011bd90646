"""Charts as inline SVG (matplotlib, no JavaScript, no network), readable at a glance.

They draw suppressed figures: a hidden value (``reporting.suppression.Hidden``) draws nothing.
"""

from __future__ import annotations

import io
from html import escape

import matplotlib

from reporting.suppression import count_cell, shown

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "font.size": 10})
ACCENT, MUTED = "#1f5a96", "#9bb4cf"


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight")
    plt.close(fig)
    svg = buf.getvalue()
    return svg[svg.index("<svg") :]


def theme_bars(themes: list[dict], labels: dict[str, str], highlight: set[str]) -> str:
    """Horizontal bars: share of reviews with at least one IO in each theme."""
    rows = list(reversed(themes))
    fig, ax = plt.subplots(figsize=(7.5, 0.32 * len(rows) + 0.8))
    values = [float(shown(r["pct_reviews"]) or 0) for r in rows]
    colors = [ACCENT if r["io_theme"] in highlight else MUTED for r in rows]
    ax.barh([labels.get(r["io_theme"], r["io_theme"]) for r in rows], values, color=colors)
    for y, v in enumerate(values):
        ax.text(v + 0.5, y, f"{v:.0f}%", va="center", fontsize=9)
    ax.set_xlabel("% of reviews with at least one improvement opportunity in the theme")
    ax.set_xlim(0, max(values + [10]) * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def intent_bars(intent_by_band: list[dict]) -> str:
    """Vertical bars: % intending to stay, by psychological-safety band."""
    fig, ax = plt.subplots(figsize=(5, 3))
    names = [
        f"{r['psychological_safety_band']}\n(n={count_cell(r['respondents'])})"
        for r in intent_by_band
    ]
    values = [float(shown(r["pct_intends_to_stay"]) or 0) for r in intent_by_band]
    ax.bar(names, values, color=ACCENT)
    for x, v in enumerate(values):
        ax.text(x, v + 1, f"{v:.0f}%", ha="center", fontsize=9)
    ax.set_ylabel("% intending to stay 12 months")
    ax.set_xlabel("Psychological safety")
    ax.set_ylim(0, 100)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def turnover_lines(turnover: list[dict]) -> str:
    """Lines: annualised and trailing-year staff turnover per quarter, the healthy band shaded."""
    fig, ax = plt.subplots(figsize=(7.5, 3))
    periods = [r["period"] for r in turnover]
    for key, label, color in (
        ("pct_annualised_turnover", "quarter, annualised", MUTED),
        ("pct_trailing_year_turnover", "trailing year", ACCENT),
    ):
        ax.plot(periods, [shown(r[key]) for r in turnover], marker="o", color=color, label=label)
    ax.axhspan(0, 12, color="#e3f1e3", label="healthy (under 10–12%)")
    ax.set_title("Staff turnover, all roles")
    ax.set_ylabel("% of average headcount per year")
    ax.set_xlabel("Calendar quarter")
    ax.set_ylim(
        0, max([float(shown(r["pct_annualised_turnover"]) or 0) for r in turnover] + [40]) * 1.1
    )
    ax.tick_params(axis="x", labelrotation=60, labelsize=8)
    ax.legend(frameon=False, fontsize=8)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def outcome_lines(outcomes: list[dict]) -> str:
    """Two panels over fiscal years: victims per 1,000 children; fatalities per 100,000."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(7.5, 2.8))
    years = [f"FY{r['fiscal_year']}" for r in outcomes]
    for ax, key, title, unit in (
        (left, "victimization_rate_per_1000", "Victims", "per 1,000 children"),
        (right, "fatality_rate_per_100k", "Maltreatment fatalities", "per 100,000 children"),
    ):
        values = [shown(r[key]) for r in outcomes]
        ax.plot(years, values, marker="o", color=ACCENT)
        for x, v in enumerate(values):
            if v is not None:
                ax.annotate(
                    f"{v:.2f}",
                    (x, v),
                    textcoords="offset points",
                    xytext=(0, 6),
                    ha="center",
                    fontsize=8,
                )
        ax.set_title(title)
        ax.set_ylabel(unit)
        ax.set_xlabel("Federal fiscal year")
        ax.set_ylim(0, max([v or 0 for v in values] + [1]) * 1.3)
        ax.tick_params(axis="x", labelsize=8)
        ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return _svg(fig)


def disparity_bars(equity: list[dict], labels: dict[str, str]) -> str:
    """Horizontal bars: disparity index of victimization (group rate / White rate), 1 marked."""
    rows = [
        r
        for r in equity
        if r["race_ethnicity_group"] != "all" and shown(r["disparity_index_victims"]) is not None
    ]
    rows.sort(key=lambda r: r["disparity_index_victims"])
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * len(rows) + 0.9))
    values = [float(r["disparity_index_victims"]) for r in rows]
    ax.barh(
        [labels.get(r["race_ethnicity_group"], r["race_ethnicity_group"]) for r in rows],
        values,
        color=[ACCENT if v > 1 else MUTED for v in values],
    )
    for y, v in enumerate(values):
        ax.text(v + 0.03, y, f"{v:.2f}", va="center", fontsize=9)
    ax.axvline(1.0, color="#555", linewidth=1, linestyle="--")
    ax.set_title("Disparity in victimization (1.00 = the White rate)")
    ax.set_xlabel("Victims per 1,000 children in the group ÷ the White rate")
    ax.set_xlim(0, max(values + [1.5]) * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)


def compare_bars(rows: list[tuple[str, float | None, float | None]], name: str, unit: str) -> str:
    """Paired horizontal bars: a jurisdiction's value beside the partnership's for each
    measure (a hidden value draws no bar and says so).

    Drawn as SVG directly rather than with matplotlib: a refresh draws one per member (38), and
    matplotlib's text layout took ~0.15 s each; this takes well under a millisecond."""
    label_w, bar_w, row_h, top, gap = 260, 380, 34, 34, 60
    width = label_w + bar_w + gap
    height = top + row_h * len(rows) + 44
    peak = max([v or 0 for r in rows for v in r[1:]] + [10]) * 1.05

    def bar(y: float, value: float | None, colour: str, missing: str) -> str:
        length = 0 if value is None else bar_w * float(value) / peak
        text = missing if value is None else f"{value:.0f}{unit}"
        return (
            f'<rect x="{label_w}" y="{y:.1f}" width="{length:.1f}" height="12" fill="{colour}"/>'
            f'<text x="{label_w + length + 4:.1f}" y="{y + 10:.1f}" font-size="10">'
            f"{escape(text)}</text>"
        )

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" font-family="sans-serif">',
        f"<title>{escape(name)} and the partnership</title>",
        f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(name)} and the '
        "partnership</text>",
    ]
    for i, (label, own, partnership) in enumerate(rows):
        y = top + i * row_h
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 16}" font-size="11" text-anchor="end">'
            f"{escape(label)}</text>"
        )
        parts.append(bar(y + 2, own, ACCENT, "suppressed"))
        parts.append(bar(y + 16, partnership, MUTED, "–"))
    axis_y = top + row_h * len(rows) + 4
    parts += [
        f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{axis_y}" stroke="#555"/>',
        f'<text x="{label_w}" y="{axis_y + 16}" font-size="10">% of reviews with at least one '
        "improvement opportunity in the theme</text>",
        f'<rect x="{label_w}" y="{axis_y + 24}" width="10" height="10" fill="{ACCENT}"/>',
        f'<text x="{label_w + 14}" y="{axis_y + 33}" font-size="10">{escape(name)}</text>',
        f'<rect x="{label_w + 160}" y="{axis_y + 24}" width="10" height="10" fill="{MUTED}"/>',
        f'<text x="{label_w + 174}" y="{axis_y + 33}" font-size="10">Partnership</text>',
        "</svg>",
    ]
    return "".join(parts)
