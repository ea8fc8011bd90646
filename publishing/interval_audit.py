"""The interval audit: how closely an attacker can pin down each hidden small count.

Suppression (``publishing.suppression``) makes sure no hidden count is *fixed* by the published
figures. The audit asks more, the way statistical offices audit a suppression pattern: for each
hidden count from 1 to its threshold, linear programming over everything published — this
publication and every earlier one (``publishing.linked``'s models, tied by the cells whose value
did not change) — gives the smallest and the largest value the count can take, and the
publication goes out only if that interval is at least as wide as the protection the rule asks.

What the attacker knows (the constraints of the linear programme):

- every identity of every publication (the catalog's, the report's, the links between them);
- every published cell's value;
- every count is at least 0, a remainder nobody publishes too (when it is a count: its true value
  is not negative);
- a cell hidden by the primary rule is from 1 to its threshold: the report prints it "1–10".

The protection asked (:func:`protection`): the interval of a primary cell must be at least
``PROTECTION_SHARE`` of the span of small counts (1 to the threshold) wide — with the default
threshold 10, an attacker must not narrow a hidden count to fewer than 5 whole values. A cell
whose interval is narrower is *exposed*; :func:`audit` returns every interval and the exposed
cells, and the publication (the published warehouse, a release) is refused while any is exposed.

Each connected set of identities over the unknown cells is a linear programme of its own (known
cells are constants), solved twice per small hidden cell in it (minimise, maximise) by HiGHS
(``highspy``), warm-started between objectives.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from publishing.linked import PublishedModel

PROTECTION_SHARE = 0.5


def protection(threshold: int) -> float:
    """The narrowest interval allowed for a hidden count with this threshold."""
    return PROTECTION_SHARE * (int(threshold) - 1)


@dataclass(frozen=True)
class Interval:
    publication: str
    key: str  # the cell (publishing.linked.cell_key)
    value: int  # the true value (restricted: the audit's result is kept with the restricted part)
    threshold: int
    low: float
    high: float

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def exposed(self) -> bool:
        return self.width + 1e-6 < protection(self.threshold)


@dataclass
class AuditResult:
    intervals: list[Interval] = field(default_factory=list)
    components: int = 0
    largest_component: int = 0
    programmes: int = 0  # linear programmes solved
    seconds: float = 0.0

    @property
    def exposed(self) -> list[Interval]:
        return [i for i in self.intervals if i.exposed]

    @property
    def passed(self) -> bool:
        return not self.exposed

    def summary(self) -> dict:
        widths = [i.width for i in self.intervals]
        return {
            "passed": self.passed,
            "cells_audited": len(self.intervals),
            "cells_exposed": len(self.exposed),
            "narrowest_width": min(widths) if widths else None,
            "median_width": float(np.median(widths)) if widths else None,
            "protection_share": PROTECTION_SHARE,
            "components": self.components,
            "largest_component": self.largest_component,
            "programmes": self.programmes,
            "seconds": round(self.seconds, 2),
        }


class _Cells:
    """The cells of every model in one numbering, with what the attacker knows of each."""

    def __init__(self, models: Sequence[PublishedModel]):
        self.publication: list[str] = []
        self.key: list[str] = []
        self.value: list[int | None] = []
        self.threshold: list[int] = []
        self.virtual: list[bool] = []
        self.published: list[bool] = []
        self.rows: list[list[tuple[int, int]]] = []
        seen: dict[str, list[int]] = {}
        for model in models:
            base = len(self.key)
            c = model.cells
            values = [None if pd.isna(v) else int(v) for v in c["value"].tolist()]
            self.publication += [model.name] * len(c)
            self.key += c["key"].tolist()
            self.value += values
            self.threshold += [int(t) for t in c["threshold"].tolist()]
            self.virtual += [bool(v) for v in c["virtual"].tolist()]
            self.published += [bool(p) for p in c["published"].tolist()]
            grouped: dict[int, list[tuple[int, int]]] = {}
            for ident, cell, coef in zip(
                model.terms["identity"].tolist(),
                model.terms["cell"].tolist(),
                model.terms["coef"].tolist(),
                strict=True,
            ):
                grouped.setdefault(int(ident), []).append((base + int(cell), int(coef)))
            self.rows += list(grouped.values())
            for i, key in enumerate(c["key"].tolist()):
                cid = base + i
                if self.virtual[cid] or values[i] is None:
                    continue
                for other in seen.get(key, []):  # unchanged between publications
                    if self.value[other] == values[i]:
                        self.rows.append([(cid, 1), (other, -1)])
                seen.setdefault(key, []).append(cid)

    def known(self, cid: int) -> bool:
        return self.published[cid] and not self.virtual[cid] and self.value[cid] is not None

    def primary(self, cid: int) -> bool:
        """Hidden, and small: the page says "1 to the threshold"."""
        v = self.value[cid]
        return (
            not self.virtual[cid]
            and not self.published[cid]
            and v is not None
            and 0 < v <= self.threshold[cid]
        )

    def bounds(self, cid: int) -> tuple[float, float]:
        if self.primary(cid):
            return 1.0, float(self.threshold[cid])
        v = self.value[cid]
        if v is not None and v < 0:  # a remainder that is no count
            return -math.inf, math.inf
        return 0.0, math.inf


def _solver():
    """A quiet HiGHS instance (its first construction in a process prints a banner to the C
    standard output, which is the CLI's and the run's log: sent to /dev/null)."""
    import highspy

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 1)
            h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def audit(models: Sequence[PublishedModel], audited: Sequence[str] | None = None) -> AuditResult:
    """The interval of every hidden small count of the publications named ``audited`` (default:
    the last model's), given everything every model in ``models`` published."""
    start = time.perf_counter()
    cells = _Cells(models)
    audited = set(audited if audited is not None else [models[-1].name])
    result = AuditResult()
    # Connected sets of identities over the unknown cells.
    parent: dict[int, int] = {}

    def find(c: int) -> int:
        while parent.setdefault(c, c) != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    rows = [r for r in cells.rows if any(not cells.known(c) for c, _ in r)]
    for r in rows:
        unknown = [c for c, _ in r if not cells.known(c)]
        for c in unknown[1:]:
            parent[find(c)] = find(unknown[0])
    groups: dict[int, list[list[tuple[int, int]]]] = {}
    for r in rows:
        first = next(c for c, _ in r if not cells.known(c))
        groups.setdefault(find(first), []).append(r)
    targets_of: dict[int, list[int]] = {}
    for cid in range(len(cells.key)):
        if cells.primary(cid) and cells.publication[cid] in audited:
            targets_of.setdefault(find(cid), []).append(cid)
    for root, targets in targets_of.items():
        _component(cells, groups.get(root, []), targets, result)
    result.seconds = time.perf_counter() - start
    return result


def _component(
    cells: _Cells, group: list[list[tuple[int, int]]], targets: list[int], result: AuditResult
) -> None:
    """The intervals of ``targets``, the small hidden counts of one connected set of identities
    (``group``), added to ``result``."""
    import highspy

    inf = highspy.kHighsInf
    variables = sorted({c for r in group for c, _ in r if not cells.known(c)} | set(targets))
    col = {c: i for i, c in enumerate(variables)}
    result.components += 1
    result.largest_component = max(result.largest_component, len(variables))
    h = _solver()
    lower, upper = zip(*(cells.bounds(c) for c in variables), strict=True)
    h.addVars(
        len(variables),
        np.array([-inf if math.isinf(x) else x for x in lower], dtype=np.float64),
        np.array([inf if math.isinf(x) else x for x in upper], dtype=np.float64),
    )
    starts, index, value, rhs = [], [], [], []
    for r in group:
        starts.append(len(index))
        b = 0.0
        coefs: dict[int, float] = {}
        for c, k in r:
            if cells.known(c):
                b -= k * cells.value[c]
            else:
                coefs[col[c]] = coefs.get(col[c], 0.0) + k
        for i, k in coefs.items():
            index.append(i)
            value.append(k)
        rhs.append(b)
    if group:
        h.addRows(
            len(group),
            np.array(rhs, dtype=np.float64),
            np.array(rhs, dtype=np.float64),
            len(index),
            np.array(starts, dtype=np.int32),
            np.array(index, dtype=np.int32),
            np.array(value, dtype=np.float64),
        )
    # Every solution is a point the attacker cannot rule out: the range of values seen
    # over the solutions so far is inside each target's interval. A target whose seen range
    # is already as wide as asked needs no programme of its own (most of them).
    seen_low = np.full(len(variables), np.inf)
    seen_high = np.full(len(variables), -np.inf)

    def solve(j: int, sense) -> float:
        h.changeObjectiveSense(sense)
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(
                f"interval audit: the programme of {cells.key[variables[j]]} did not solve "
                f"({h.modelStatusToString(h.getModelStatus())})"
            )
        x = np.asarray(h.getSolution().col_value)
        np.minimum(seen_low, x, out=seen_low)
        np.maximum(seen_high, x, out=seen_high)
        result.programmes += 1
        return h.getInfo().objective_function_value

    for cid in targets:
        j = col[cid]
        wide = protection(cells.threshold[cid])
        if seen_high[j] - seen_low[j] + 1e-6 >= wide:
            low, high = seen_low[j], seen_high[j]  # at least this wide: enough
        else:
            h.changeColCost(j, 1.0)
            low = solve(j, highspy.ObjSense.kMinimize)
            high = solve(j, highspy.ObjSense.kMaximize)
            h.changeColCost(j, 0.0)
        result.intervals.append(
            Interval(
                cells.publication[cid],
                cells.key[cid],
                int(cells.value[cid]),
                cells.threshold[cid],
                float(low),
                float(high),
            )
        )
