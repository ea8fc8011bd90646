"""How the report prints a count or rate cell: formatting only, never the rule.

Every count and rate the report shows has been through ``publishing.suppression.suppress`` (see
:mod:`reporting.protection`); a cell it hid arrives here as :class:`Hidden` with the rule that hid
it. A count hidden by the primary rule is from 1 to the threshold, so it is printed "1–10"; a count
hidden by the complementary rule, or a rate hidden because it is built on a hidden count, may be
large, so it is printed "suppressed" and never as a range. Zero is published.
"""

from __future__ import annotations

from dataclasses import dataclass

from publishing.suppression import DEFAULT_THRESHOLD, PRIMARY, is_small

__all__ = [
    "DEFAULT_THRESHOLD",
    "SUPPRESSED",
    "Hidden",
    "count_cell",
    "is_small",
    "pct_cell",
    "rate_cell",
    "shown",
]

SUPPRESSED = "1–{threshold}"


@dataclass(frozen=True)
class Hidden:
    """A cell suppression hid: ``rule`` is primary, complementary or rate (the audit's)."""

    rule: str
    threshold: int = DEFAULT_THRESHOLD

    def __str__(self) -> str:
        if self.rule == PRIMARY:
            return SUPPRESSED.format(threshold=self.threshold)
        return "suppressed"


def shown(value):
    """The value a chart may draw: None for a hidden cell."""
    return None if isinstance(value, Hidden) else value


def count_cell(count, threshold: int = DEFAULT_THRESHOLD) -> str:
    if isinstance(count, Hidden):
        return str(count)
    if count is None:
        return "–"
    if is_small(count, threshold):  # never reached by a suppressed frame; the safe side
        return SUPPRESSED.format(threshold=threshold)
    return f"{int(count):,}"


def rate_cell(rate, unit: str = "") -> str:
    """A rate, percentage or index; ``unit`` is appended ("%" for percentages)."""
    if isinstance(rate, Hidden):
        return "suppressed"
    if rate is None:
        return "–"
    return f"{rate}{unit}"


def pct_cell(pct) -> str:
    return rate_cell(pct, unit="%")
