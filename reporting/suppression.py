"""Small-cell rule for what the report publishes: no count from 1 to the threshold.

A count from 1 to the threshold (default 10, the partnership's rule) is shown as "1–10" and any
percentage built on such a count is hidden. Zero is published. The rule itself (``is_small``,
the default threshold) and complementary suppression live in ``publishing.suppression``; this
module only formats cells, and the report's tables avoid totals beside suppressed parts.
"""

from __future__ import annotations

from publishing.suppression import DEFAULT_THRESHOLD, is_small

__all__ = ["DEFAULT_THRESHOLD", "SUPPRESSED", "count_cell", "is_small", "pct_cell"]

SUPPRESSED = "1–{threshold}"


def count_cell(count: int | None, threshold: int = DEFAULT_THRESHOLD) -> str:
    if count is None:
        return "–"
    if is_small(count, threshold):
        return SUPPRESSED.format(threshold=threshold)
    return f"{int(count):,}"


def pct_cell(pct: float | None, *counts: int | None, threshold: int = DEFAULT_THRESHOLD) -> str:
    """A percentage, hidden when any count it is built on is small."""
    if pct is None or any(is_small(c, threshold) for c in counts):
        return "suppressed"
    return f"{pct}%"


def rate_cell(
    rate: float | None, *counts: int | None, threshold: int = DEFAULT_THRESHOLD, unit: str = ""
) -> str:
    """A rate or index (per 1,000, per 100,000, a ratio), hidden when any count it is built on
    is small; ``unit`` is appended ("%" for percentages)."""
    if rate is None:
        return "–"
    if any(is_small(c, threshold) for c in counts):
        return "suppressed"
    return f"{rate}{unit}"
