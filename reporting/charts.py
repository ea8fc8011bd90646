"""Charts as inline SVG (matplotlib, no JavaScript, no network), readable at a glance."""

from __future__ import annotations

import io

import matplotlib

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
    values = [float(r["pct_reviews"] or 0) for r in rows]
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
    names = [f"{r['psychological_safety_band']}\n(n={r['respondents']:,})" for r in intent_by_band]
    values = [float(r["pct_intends_to_stay"] or 0) for r in intent_by_band]
    ax.bar(names, values, color=ACCENT)
    for x, v in enumerate(values):
        ax.text(x, v + 1, f"{v:.0f}%", ha="center", fontsize=9)
    ax.set_ylabel("% intending to stay 12 months")
    ax.set_xlabel("Psychological safety")
    ax.set_ylim(0, 100)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig)
