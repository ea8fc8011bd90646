"""An attacker on the published tables: recover hidden counts by subtraction.

Knowing what the catalog documents (which rows are totals of which, which counts add up, which
figure repeats), it solves every identity with exactly one unknown cell, feeds what it learns back
in until nothing more comes out, and multiplies a published rate by its published counts when only
one of the counts it is built on is hidden. Used by the tests on the suppressed frames, and meant
for the published DuckDB file, its Parquet files and PostgreSQL alike (it only reads a frame).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from publishing.catalog import CatalogTable
from publishing.suppression import build_structure, is_small


@dataclass(frozen=True)
class Recovered:
    row: int  # position in the frame; -1 for an unpublished remainder
    column: str
    value: int | None  # None: determined by a rate, whose formula the catalog does not hold
    how: str  # the identity or rate that gave it


def recover(
    published: pd.DataFrame,
    table: CatalogTable,
    thresholds: Mapping[str, int],
    parents: Mapping[str, str | None] | None = None,
) -> list[Recovered]:
    """Every hidden count of ``published`` the attacker recovers, and every small unpublished
    remainder (a parent less its children) it can compute."""
    published = published.reset_index(drop=True)
    s = build_structure(published, table, thresholds, parents)
    known = {cid: v for cid, v in enumerate(s.values) if v is not None and not s.virtual[cid]}
    found: list[Recovered] = []

    by_rate: set[int] = set()

    def learn(cid: int, value: int, how: str) -> None:
        known[cid] = value
        pos, col = s.cells[cid]
        if not s.virtual[cid] or is_small(value, s.thresholds[cid]):
            found.append(Recovered(pos, col, int(value), how))

    changed = True
    while changed:
        changed = False
        for kind, terms in s.constraints:
            unknown = [(cid, k) for cid, k in terms if cid not in known]
            if len(unknown) != 1:
                continue
            cid, k = unknown[0]
            learn(cid, -sum(known[c] * kk for c, kk in terms if c != cid) // k, kind)
            changed = True
        for rate in table.rates:
            for pos in range(len(published)):
                if pd.isna(published.at[pos, rate.column]):
                    continue
                cids = [s.index[(pos, c)] for c in rate.built_on]
                hidden = [c for c in cids if c not in known and c not in by_rate]
                if len(hidden) == 1:
                    # Determined (rate x published counts); not fed back into the identities.
                    by_rate.add(hidden[0])
                    found.append(Recovered(pos, s.cells[hidden[0]][1], None, f"rate {rate.column}"))
    return found
