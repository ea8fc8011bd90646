"""Calendar helpers: federal fiscal years, calendar quarters, numpy day arrays, sharing levels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

import numpy as np

from ingestion.reference import Jurisdiction, sharing_levels

from . import profiles as P

EPOCH = np.datetime64(P.DATA_START.isoformat(), "D")


def fiscal_year(d: date) -> int:
    """Federal fiscal year of a date (October to September, named after the year it ends)."""
    return d.year + (1 if d.month >= 10 else 0)


def fiscal_year_start(fy: int) -> date:
    return date(fy - 1, 10, 1)


def fiscal_year_end(fy: int) -> date:
    return date(fy, 9, 30)


@dataclass(frozen=True)
class Quarter:
    year: int
    q: int

    @property
    def label(self) -> str:
        return f"{self.year}-Q{self.q}"

    @property
    def start(self) -> date:
        return date(self.year, 3 * self.q - 2, 1)

    @property
    def end(self) -> date:
        nxt = date(self.year + 1, 1, 1) if self.q == 4 else date(self.year, 3 * self.q + 1, 1)
        return nxt - timedelta(days=1)

    @property
    def fiscal_year(self) -> int:
        return self.year + (1 if self.q == 4 else 0)


def quarters(first: date, last: date) -> list[Quarter]:
    """Calendar quarters lying wholly within [first, last]."""
    out = []
    y, q = first.year, (first.month - 1) // 3 + 1
    while True:
        qq = Quarter(y, q)
        if qq.start > last:
            break
        if qq.start >= first and qq.end <= last:
            out.append(qq)
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


# ---- numpy day arrays (int offsets from DATA_START) ----------------------------------------


def day_index(d: date) -> int:
    return (d - P.DATA_START).days


N_DAYS = day_index(P.DATA_END) + 1


def to_datetime64(offsets: np.ndarray) -> np.ndarray:
    return EPOCH + offsets.astype("timedelta64[D]")


def iso(offsets: np.ndarray) -> np.ndarray:
    """ISO date strings of day offsets."""
    return np.datetime_as_string(to_datetime64(offsets), unit="D")


def year_month(offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dt = to_datetime64(offsets)
    months = dt.astype("datetime64[M]").astype(np.int64)
    return months // 12 + 1970, months % 12 + 1


def fiscal_years(offsets: np.ndarray) -> np.ndarray:
    y, m = year_month(offsets)
    return y + (m >= 10)


def quarter_labels(offsets: np.ndarray) -> np.ndarray:
    y, m = year_month(offsets)
    q = (m - 1) // 3 + 1
    return np.char.add(np.char.add(y.astype(str), "-Q"), q.astype(str))


# ---- sharing levels ----------------------------------------------------------------------


@cache
def _intervals() -> dict[tuple[str, str], tuple[tuple[date, date | None, str], ...]]:
    out: dict[tuple[str, str], list[tuple[date, date | None, str]]] = {}
    for r in sharing_levels():
        start = date.fromisoformat(r["effective_from"])
        end = date.fromisoformat(r["effective_to"]) if r["effective_to"] else None
        out.setdefault((r["jurisdiction_id"], r["data_set"]), []).append(
            (start, end, r["sharing_level"])
        )
    return {k: tuple(sorted(v)) for k, v in out.items()}


def level_on(jurisdiction_id: str, data_set: str, on: date) -> str:
    """Same answer as :func:`ingestion.reference.sharing_level`, from pre-parsed intervals."""
    for start, end, level in _intervals().get((jurisdiction_id, data_set), ()):
        if start <= on and (end is None or on < end):
            return level
    return "none"


def level_days(jurisdiction_id: str, data_set: str) -> np.ndarray:
    """The sharing level on every day of the data window, as an array of strings."""
    out = np.full(N_DAYS, "none", dtype=object)
    for start, end, level in _intervals().get((jurisdiction_id, data_set), ()):
        lo = max(day_index(start), 0)
        hi = N_DAYS if end is None else min(day_index(end), N_DAYS)
        if hi > lo:
            out[lo:hi] = level
    return out


def level_for_period(jurisdiction_id: str, data_set: str, first: date, last: date) -> str:
    """The level over a whole period, or 'none' when it changes within the period."""
    a = level_on(jurisdiction_id, data_set, first)
    return a if a == level_on(jurisdiction_id, data_set, last) else "none"


def active_window(j: Jurisdiction) -> tuple[date, date] | None:
    """First and last day a jurisdiction may have data: membership within the data window."""
    first = max(j.joined_date, P.DATA_START)
    last = P.DATA_END
    if j.left_date is not None:
        last = min(last, j.left_date - timedelta(days=1))
    return (first, last) if first <= last else None
