"""The report's figures through the partnership's one suppression rule.

Every report table or chart that shows counts of people or events is built here as a pandas frame
with a ``CatalogTable`` spec made for it (its counts, the rates built on them, its total rows and
their parts) and passed through :func:`publishing.suppression.suppress`, the same rule as the
published warehouse: primary, complementary to a fixed point, rates. A cell it hid comes out as
:class:`reporting.suppression.Hidden` with its rule, so the page prints a primary cell as "1–10"
and a complementary or rate cell as "suppressed".

A total is always part of the frame when the page shows it or lets a reader work it out (a count
and its share give the total), so a hidden part cannot come back by subtraction. The profiles'
measures are built once for all members together, one row per member plus the partnership's row
declared as their total: no set of profiles gives a member's hidden count back as the
partnership's total less the others'.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from publishing.catalog import CatalogTable, Margin, Rate
from publishing.suppression import Suppressed, row_thresholds, suppress
from reporting.suppression import Hidden

PARTNERSHIP, MEMBER = "partnership", "member"
ALL = "all"  # the value that marks a total row in a frame's grain column


def spec(
    name: str,
    grain: tuple[str, ...],
    counts: tuple[str, ...],
    rates: Mapping[str, tuple[str, ...]] | None = None,
    **structure,
) -> CatalogTable:
    """A ``CatalogTable`` for a report frame (``report.<name>``): not a mart, never published."""
    return CatalogTable(
        name=f"report.{name}",
        source=f"report.{name}",
        description="",
        grain=grain,
        counts=counts,
        rates=tuple(Rate(c, on) for c, on in (rates or {}).items()),
        **structure,
    )


@dataclass
class Protected:
    """A report frame, the spec it was suppressed with and the result (kept for the tests)."""

    table: CatalogTable
    frame: pd.DataFrame  # the figures, before suppression
    result: Suppressed
    thresholds: Mapping[str, int]
    parents: Mapping[str, str | None]

    def rows(self) -> list[dict]:
        """The published rows as dicts: plain Python values, a hidden cell as ``Hidden``."""
        out = self.result.frame
        thr = row_thresholds(out, self.table, self.thresholds)
        hidden = {(c.row, c.column): c.rule for c in self.result.cells}
        rows = []
        for pos, values in enumerate(out.astype(object).itertuples(index=False, name=None)):
            row = {}
            for col, v in zip(out.columns, values):
                rule = hidden.get((pos, col))
                if rule is not None:
                    row[col] = Hidden(rule, thr[pos])
                else:
                    row[col] = None if v is None or v is pd.NA or v != v else _plain(v)
            rows.append(row)
        return rows


def _plain(v):
    return v.item() if hasattr(v, "item") else v


def protect(
    frame: pd.DataFrame,
    table: CatalogTable,
    thresholds: Mapping[str, int] | None = None,
    parents: Mapping[str, str | None] | None = None,
    *,
    complementary: bool = True,
) -> Protected:
    frame = frame.reset_index(drop=True)
    thresholds, parents = thresholds or {}, parents or {}
    result = suppress(frame, table, thresholds, parents, complementary=complementary)
    return Protected(table, frame, result, thresholds, parents)


def with_total(rows: list[dict], key: str, counts: tuple[str, ...], **values) -> pd.DataFrame:
    """The rows and, last, their total row (``key`` = "all"): the counts summed, ``values`` set."""
    frame = pd.DataFrame(rows)
    total = {key: ALL, **{c: frame[c].sum() if len(frame) else 0 for c in counts}, **values}
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


def members_cover_total(
    frame: pd.DataFrame, counts: tuple[str, ...], group_by: tuple[str, ...] = ()
) -> bool:
    """True when the member rows add up to the partnership row exactly (per ``group_by``): no
    remainder (former members, a member whose figures the page does not show)."""
    known = frame.fillna({c: 0 for c in counts})
    is_total = known["scope"] == PARTNERSHIP
    counted = known["in_partnership"].astype(bool) if "in_partnership" in known else True
    parts = known.loc[~is_total & counted]
    keys = list(group_by) or None
    if keys:
        summed = parts.groupby(keys, dropna=False)[list(counts)].sum()
        totals = known.loc[is_total].set_index(keys)[list(counts)]
        summed = summed.reindex(totals.index, fill_value=0)
    else:
        summed = parts[list(counts)].sum().to_frame().T
        totals = known.loc[is_total, list(counts)].reset_index(drop=True)
    return bool(frame[list(counts)].notna().all().all()) and bool(
        (summed.to_numpy() == totals.to_numpy()).all()
    )


def partnership_margin(
    frame: pd.DataFrame, counts: tuple[str, ...], group_by: tuple[str, ...] = (), **parts
) -> Margin:
    """The partnership row is the total of the member rows (per ``group_by``)."""
    return Margin(
        group_by=group_by,
        total={"scope": PARTNERSHIP},
        parts={"scope": MEMBER, **parts},
        remainder=not members_cover_total(frame, counts, group_by),
    )


def split(rows: list[dict]) -> tuple[dict[str, list[dict]], list[dict]]:
    """Member rows by jurisdiction, and the partnership's rows."""
    by_member: dict[str, list[dict]] = {}
    for r in rows:
        if r["scope"] == MEMBER:
            by_member.setdefault(r["jurisdiction_id"], []).append(r)
    return by_member, [r for r in rows if r["scope"] == PARTNERSHIP]


__all__ = [
    "ALL",
    "MEMBER",
    "PARTNERSHIP",
    "Protected",
    "members_cover_total",
    "partnership_margin",
    "protect",
    "spec",
    "split",
    "with_total",
]
