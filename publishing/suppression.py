"""Small-cell suppression: the one place the rule is applied to what the partnership publishes.

Primary: a count from 1 to the threshold of the row's jurisdiction
(membership.dim_jurisdictions.small_cell_threshold; DEFAULT_THRESHOLD without a jurisdiction or
when it is NULL) is hidden; zero is published. Complementary: the catalog names every linear
identity between published counts (a total and its parts, counts of a row that add up, a figure
repeated on several rows, a quarter's start equal to the previous quarter's end, a parent
jurisdiction and its children); whenever exactly one cell of an identity is hidden, it could be
recovered by subtraction, so one more cell is hidden (the smallest non-zero published one), until
no identity has exactly one hidden cell. A remainder that is not published (a parent less its
children) counts as hidden when it is itself a small count and as known otherwise, the safe side.
Rates, percentages and means are hidden whenever a count they are built on is hidden, so no rate
times a published denominator gives a hidden count back.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from publishing.catalog import Catalog, CatalogTable, Link, LinkSide, load_catalog
from publishing.linked import PublishedModel, add_earlier, cell_key, model_of

DEFAULT_THRESHOLD = 10
PRIMARY, COMPLEMENTARY, RATE = "primary", "complementary", "rate"


def is_small(count, threshold: int | None = DEFAULT_THRESHOLD) -> bool:
    """True for a count that must not be published (1 to the threshold; zero is published)."""
    if count is None or pd.isna(count):
        return False
    return 0 < int(count) <= (DEFAULT_THRESHOLD if threshold is None else int(threshold))


@dataclass
class Structure:
    """The count cells of one or more tables and the linear identities between them
    (sum of coef * cell = 0), within a table (the catalog's per-table declarations) and between
    tables (the catalog's ``links``).

    Cells are (table, row position, column); a virtual cell (row -1) is a remainder nobody
    publishes."""

    cells: list[tuple[str, int, str]] = field(default_factory=list)
    values: list = field(default_factory=list)  # None when not known
    thresholds: list[int] = field(default_factory=list)
    virtual: list[bool] = field(default_factory=list)
    constraints: list[tuple[str, tuple[tuple[int, int], ...]]] = field(default_factory=list)
    index: dict[tuple[str, int, str], int] = field(default_factory=dict)
    # the member whose count each cell is (it knows it: it submitted it); None for no member,
    # and for cells past the end of the list
    owners: list[str | None] = field(default_factory=list)

    def owner(self, cid: int) -> str | None:
        return self.owners[cid] if cid < len(self.owners) else None

    def add_virtual(self, table: str, name: str, threshold: int) -> int:
        self.cells.append((table, -1, name))
        self.values.append(None)
        self.thresholds.append(threshold)
        self.virtual.append(True)
        return len(self.cells) - 1

    def add(self, kind: str, terms: list[tuple[int, int]]) -> None:
        if len(terms) >= 2:
            self.constraints.append((kind, tuple(terms)))


def row_thresholds(
    frame: pd.DataFrame, table: CatalogTable, thresholds: Mapping[str, int]
) -> list[int]:
    if not table.jurisdiction:
        return [DEFAULT_THRESHOLD] * len(frame)
    out = []
    for j in frame[table.jurisdiction]:
        t = None if pd.isna(j) else thresholds.get(j)
        out.append(DEFAULT_THRESHOLD if t is None or pd.isna(t) else int(t))
    return out


def _known(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def _matches(frame: pd.DataFrame, values: dict) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for col, v in values.items():
        mask &= frame[col].isna() if v is None else (frame[col] == v).fillna(False)
    return mask


def _groups(frame: pd.DataFrame, rows: pd.Series, by: tuple[str, ...]) -> dict[tuple, list[int]]:
    """Row positions of ``rows`` grouped by the values of ``by`` (NULL is a value)."""
    out: dict[tuple, list[int]] = {}
    cols = [frame[c].tolist() for c in by]
    for pos in [i for i, keep in enumerate(rows.tolist()) if keep]:
        key = tuple(None if pd.isna(c[pos]) else c[pos] for c in cols)
        out.setdefault(key, []).append(pos)
    return out


def build_structure(
    frame: pd.DataFrame,
    table: CatalogTable,
    thresholds: Mapping[str, int],
    parents: Mapping[str, str | None] | None = None,
    s: Structure | None = None,
) -> Structure:
    """The identities the catalog declares within ``table``, over the rows of ``frame`` (its
    values may be NULL), added to ``s`` (a new structure by default)."""
    frame = frame.reset_index(drop=True)
    s = Structure() if s is None else s
    first_constraint = len(s.constraints)
    row_thr = row_thresholds(frame, table, thresholds)
    name = table.name
    for col in table.counts:
        for pos, v in enumerate(frame[col].tolist()):
            s.index[(name, pos, col)] = len(s.cells)
            s.cells.append((name, pos, col))
            s.values.append(_known(v))
            s.thresholds.append(row_thr[pos])
            s.virtual.append(False)

    def cell(key: tuple[int, str]) -> int:
        return s.index[(name, *key)]

    everything = pd.Series(True, index=frame.index)

    def sum_with_rest(kind: str, total: int, parts: list[int], rest: bool, what: str) -> None:
        terms = [(cell((total, c)), 1)] + [(cell((p, c)), -1) for p in parts]
        if rest:
            terms.append((s.add_virtual(name, what, row_thr[total]), -1))
        s.add(kind, terms)

    for m in table.margins:
        totals = _matches(frame, m.total)
        parts = _matches(frame, m.parts) if m.parts is not None else ~totals
        total_rows = _groups(frame, totals, m.group_by)
        part_rows = _groups(frame, parts & ~totals, m.group_by + m.partition_by)
        for key, rows in part_rows.items():
            group = key[: len(m.group_by)]
            if len(total_rows.get(group, [])) != 1:
                continue
            total = total_rows[group][0]
            for c in table.counts:
                sum_with_rest("margin", total, rows, m.remainder, f"rest of {c} in row {total}")
    for cm in table.column_margins:
        for rows in _groups(frame, everything, cm.group_by).values():
            terms = [(cell((rows[0], cm.total)), 1)] + [(cell((r, cm.part)), -1) for r in rows]
            s.add("column margin", terms)
    for rs in table.row_sums:
        for pos in range(len(frame)):
            terms = [(cell((pos, rs.total)), -1)] + [(cell((pos, c)), 1) for c in rs.plus]
            terms += [(cell((pos, c)), -1) for c in rs.minus]
            s.add("row sum", terms)
    for rep in table.repeated:
        for rows in _groups(frame, everything, rep.group_by).values():
            for r in rows[1:]:
                s.add("repeated", [(cell((rows[0], rep.column)), 1), (cell((r, rep.column)), -1)])
    for cy in table.carry:
        starts = _groups(frame, everything, cy.group_by + (cy.start,))
        ends = _groups(frame, everything, cy.group_by + (cy.end,))
        for key, rows in ends.items():
            nxt = starts.get(key[:-1] + (key[-1] + timedelta(days=1),))
            if key[-1] is None or not nxt:
                continue
            for r in rows:
                for n in nxt:
                    s.add("carry", [(cell((r, cy.from_column)), 1), (cell((n, cy.to_column)), -1)])
    if table.hierarchy == "inclusive" and parents:
        others = tuple(c for c in table.grain if c != table.jurisdiction)
        for rows in _groups(frame, everything, others).values():
            by_member = {frame.at[r, table.jurisdiction]: r for r in rows}
            for member, parent_row in by_member.items():
                kids = [r for j, r in by_member.items() if parents.get(j) == member]
                for c in table.counts if kids else ():
                    sum_with_rest("hierarchy", parent_row, kids, True, f"rest of {c} in {member}")
    for ws in table.window_sums:
        groups = _groups(frame, everything, ws.group_by)
        order, start = frame[ws.order].tolist(), frame[ws.start].tolist()
        for rows in groups.values():
            for r in rows:
                if pd.isna(order[r]) or pd.isna(start[r]):
                    continue
                parts = [p for p in rows if start[r] <= order[p] <= order[r]]
                terms = [(cell((r, ws.total)), 1)] + [(cell((p, ws.part)), -1) for p in parts]
                s.add("window sum", terms)
    _know_remainders(s, first_constraint)
    return s


def _know_remainders(s: Structure, first: int = 0) -> None:
    """A remainder is known (to the publisher) when every other cell of its identity is."""
    for _, terms in s.constraints[first:]:
        for cid, coef in terms:
            if s.virtual[cid]:
                vals = [(s.values[c], k) for c, k in terms if c != cid]
                if all(v is not None for v, _ in vals):
                    s.values[cid] = sum(v * k for v, k in vals) * -coef


def _link_rows(con: duckdb.DuckDBPyConnection, view: str, side: LinkSide) -> dict[tuple, list]:
    """Row positions of the frame registered as ``view`` that one side of a link sums, by link
    key (DuckDB evaluates the side's SQL over the frame); one row per ``one_per`` group where a
    figure repeats."""
    keys = [f"({k}) as __k{i}" for i, k in enumerate(side.key)] or ["1 as __k0"]
    if side.explode:
        keys[-1] = f"unnest({side.key[-1]}) as __k{len(side.key) - 1}"
    sql = f"select * from {view} where {side.where}"
    if side.one_per:
        by = ", ".join(side.one_per)  # SQL expressions, like the key
        sql += f" qualify row_number() over (partition by {by} order by __pos) = 1"
    sql = f"select __pos, {', '.join(keys)} from ({sql}) order by __pos"
    out: dict[tuple, list[int]] = {}
    for pos, *key in con.execute(sql).fetchall():
        out.setdefault(tuple(key), []).append(pos)
    return out


def add_links(s: Structure, frames: Mapping[str, pd.DataFrame], links: Sequence[Link]) -> None:
    """The identities between tables: per link key on both sides, the left rows' counts summed
    equal the right rows' (a link whose tables are not all in ``frames`` does not apply; a key on
    one side only says its counts sum to 0, which tells nothing: hidden counts are never 0)."""
    first = len(s.constraints)
    links = [k for k in links if k.left.table in frames and k.right.table in frames]
    if not links:
        return
    con = duckdb.connect()  # one in-memory connection: every frame registered once
    views: dict[str, str] = {}

    def view(table: str) -> str:
        if table not in views:
            views[table] = f"t{len(views)}"
            frame = frames[table].reset_index(drop=True)
            con.register(views[table], frame.assign(__pos=range(len(frame))))
        return views[table]

    try:
        for link in links:
            left = _link_rows(con, view(link.left.table), link.left)
            right = _link_rows(con, view(link.right.table), link.right)
            for key in sorted(set(left) & set(right), key=repr):
                for lc, rc in zip(link.left.counts, link.right.counts):
                    terms = [(s.index[(link.left.table, p, lc)], 1) for p in left[key]]
                    terms += [(s.index[(link.right.table, p, rc)], -1) for p in right[key]]
                    if link.remainder and terms:
                        limit = max(s.thresholds[c] for c, _ in terms)
                        what = f"rest of {link.name} at {key}"
                        terms.append((s.add_virtual(link.left.table, what, limit), -1))
                    s.add(f"link '{link.name}'", terms)
    finally:
        con.close()
    _know_remainders(s, first)


def build_joint(
    frames: Mapping[str, pd.DataFrame],
    tables: Sequence[CatalogTable],
    thresholds: Mapping[str, int],
    parents: Mapping[str, str | None] | None = None,
    links: Sequence[Link] = (),
) -> Structure:
    """One structure over several tables: each table's own identities and the links between."""
    s = Structure()
    for table in tables:
        build_structure(frames[table.name], table, thresholds, parents, s)
    add_links(s, frames, links)
    return s


@dataclass(frozen=True)
class SuppressedCell:
    row: int  # position in the frame
    key: tuple  # the row's grain values
    column: str
    rule: str  # primary, complementary or rate
    reason: str = ""


@dataclass
class Suppressed:
    frame: pd.DataFrame  # what is published: hidden cells NULL, integer columns nullable Int64
    cells: list[SuppressedCell]

    @property
    def audit(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(c.key, c.column, c.rule, c.reason) for c in self.cells],
            columns=["key", "column", "rule", "reason"],
        )

    def count(self, rule: str) -> int:
        return sum(1 for c in self.cells if c.rule == rule)


@dataclass(frozen=True)
class Loss:
    """What suppression cost one published table: its count cells, how many are hidden, and the
    share of the counts they hold (the sum of the hidden count cells over the sum of all count
    cells: margins and parts are both cells, so each is weighed as often as it is published)."""

    count_cells: int
    suppressed_cells: int
    count_total: int
    count_hidden: int
    rate_cells: int
    rates_suppressed: int

    @property
    def share_of_cells(self) -> float | None:
        return self.suppressed_cells / self.count_cells if self.count_cells else None

    @property
    def share_of_count(self) -> float | None:
        return self.count_hidden / self.count_total if self.count_total else None


def information_loss(frame: pd.DataFrame, table: CatalogTable, done: Suppressed) -> Loss:
    """The cells and the counts ``done`` hides of ``frame`` (the table before suppression, in the
    same row order)."""
    counts = [c for c in table.counts if c in frame.columns]
    rates = [r.column for r in table.rates if r.column in frame.columns]
    values = frame[counts].apply(pd.to_numeric, errors="coerce") if counts else pd.DataFrame()
    hidden = [c for c in done.cells if c.column in counts]
    return Loss(
        count_cells=int(values.notna().sum().sum()) if counts else 0,
        suppressed_cells=len(hidden),
        count_total=int(values.sum().sum()) if counts else 0,
        count_hidden=int(sum(_known(values.at[c.row, c.column]) or 0 for c in hidden)),
        rate_cells=int(frame[rates].notna().sum().sum()) if rates else 0,
        rates_suppressed=sum(1 for c in done.cells if c.column in rates),
    )


def suppress(
    frame: pd.DataFrame,
    table: CatalogTable,
    thresholds: Mapping[str, int],
    parents: Mapping[str, str | None] | None = None,
    *,
    complementary: bool = True,
) -> Suppressed:
    """Hide the small counts of ``frame`` (one table's rows), their complements and rates.

    ``complementary=False`` applies the primary rule only (what the attacker must defeat)."""
    return suppress_many(
        {table.name: frame}, [table], thresholds, parents, complementary=complementary
    )[table.name]


def suppress_many(
    frames: Mapping[str, pd.DataFrame],
    tables: Sequence[CatalogTable],
    thresholds: Mapping[str, int],
    parents: Mapping[str, str | None] | None = None,
    links: Sequence[Link] = (),
    *,
    complementary: bool = True,
    together: bool = True,
    locked: Mapping[str, Suppressed] | None = None,
    earlier: Sequence[PublishedModel] = (),
    record: dict | None = None,
) -> dict[str, Suppressed]:
    """Suppress several tables together: a cell hidden in one table is protected in every table
    the catalog's ``links`` tie it to (one figure published twice, a sum over another table).

    ``earlier``: the models of publications already out (``publishing.linked``), taken as known:
    their published cells known, their hidden ones unknown, and each cell equal to its earlier
    self when the value did not change — so that no two publications differenced give a hidden
    count back. ``record``, when given, receives this publication's model as ``record["model"]``
    (named ``record.get("name")``), for the publications after it.

    ``complementary=False`` applies the primary rule only; ``together=False`` leaves out the last
    step (no hidden cell fixed by the identities taken together) — both only to show the
    attacker is real.

    ``locked`` tables (among ``tables``) are already published, as their ``Suppressed`` says:
    their hidden cells are hidden and their published cells stay published, so only the other
    tables' cells are hidden to protect them (the report, against the published warehouse)."""
    # Cells are chosen by position where values tie, so every frame is suppressed in its grain
    # order: the same rows give the same cells whatever order a query returned them in. The
    # results are given back in the caller's order.
    orders = {t.name: _grain_order(frames[t.name], t) for t in tables}
    frames = {name: frame for name, (frame, _) in orders.items()}
    s = build_joint(frames, tables, thresholds, parents, links)
    locked = locked or {}
    hidden: dict[int, tuple[str, str]] = {}
    frozen: set[int] = set()  # cells of locked tables: never hidden to protect another
    for name, done in locked.items():
        at = orders[name][1]
        rules = {(int(at.inverse[c.row]), c.column): (c.rule, c.reason) for c in done.cells}
        for cid, (table, pos, col) in enumerate(s.cells):
            if table == name:
                frozen.add(cid)
                if (pos, col) in rules:
                    hidden[cid] = rules[(pos, col)]
    keys, owners = _cell_keys(s, frames, tables)
    s.owners = owners
    own = len(s.cells)  # cells after these are earlier publications'
    if earlier:
        add_earlier(s, hidden, frozen, {k: c for c, k in enumerate(keys)}, earlier)
    for cid, (v, thr) in enumerate(zip(s.values, s.thresholds)):
        if (cid not in frozen or s.virtual[cid]) and is_small(v, thr):
            hidden[cid] = (PRIMARY, f"count from 1 to {thr}")
    if frozen:
        # A cell the published tables fix on their own is public already: hiding it would
        # protect nothing, so it is never chosen to protect another.
        published = {
            c: s.values[c]
            for c in frozen
            if c not in hidden and not s.virtual[c] and s.values[c] is not None
        }
        frozen |= {c for c, _, _ in determined(s, published, frozen=frozen)}
    if complementary:
        touching = _touching(s)
        _complement(s, hidden, frozen, touching)
        if together:
            _unfix(s, hidden, frozen, touching)
    if record is not None:
        record["model"] = model_of(record.get("name", "publication"), s, hidden, keys, own, owners)
    by_table: dict[str, list[int]] = {}
    for cid in sorted(hidden):
        if not s.virtual[cid]:  # a remainder is never published: nothing to blank
            by_table.setdefault(s.cells[cid][0], []).append(cid)
    return {  # a locked table is published already: as its own Suppressed says
        t.name: locked[t.name]
        if t.name in locked
        else orders[t.name][1].back(_blank(frames[t.name], t, s, by_table.get(t.name, []), hidden))
        for t in tables
    }


def _cell_keys(
    s: Structure, frames: Mapping[str, pd.DataFrame], tables: Sequence[CatalogTable]
) -> tuple[list[str], list[str | None]]:
    """Each cell's name across publications (``publishing.linked.cell_key``; a remainder nobody
    publishes gets a name of its own, never matched) and the member whose count it is (None for
    a row of no member: the partnership's, a remainder)."""
    grains = {t.name: _grain_keys(frames[t.name], t) for t in tables}
    members = {
        t.name: [None if pd.isna(j) else str(j) for j in frames[t.name][t.jurisdiction]]
        if t.jurisdiction
        else None
        for t in tables
    }
    keys, owners = [], []
    for cid, (table, pos, col) in enumerate(s.cells):
        if pos < 0:
            keys.append(f"remainder {cid}: {col}")
            owners.append(None)
            continue
        keys.append(cell_key(table, grains[table][pos], col))
        owners.append(members[table][pos] if members[table] is not None else None)
    return keys, owners


@dataclass(frozen=True)
class _Order:
    """A frame's rows sorted into grain order: ``perm[k]`` is the caller's position of sorted
    row ``k``, ``inverse[j]`` the sorted position of the caller's row ``j``."""

    perm: np.ndarray
    inverse: np.ndarray

    def back(self, done: Suppressed) -> Suppressed:
        """``done`` (positions in grain order) with the caller's positions and row order."""
        frame = done.frame.iloc[self.inverse].reset_index(drop=True)
        cells = [replace(c, row=int(self.perm[c.row])) for c in done.cells]
        block: dict[str, int] = {}  # cells come column by column, each in row order
        for c in cells:
            block.setdefault(c.column, len(block))
        cells.sort(key=lambda c: (block[c.column], c.row))
        return Suppressed(frame=frame, cells=cells)


def _grain_keys(frame: pd.DataFrame, table: CatalogTable) -> list[tuple]:
    """Each row's grain values, NULL as None."""
    rows = frame[list(table.grain)].astype(object).itertuples(index=False, name=None)
    return [tuple(None if pd.isna(v) else v for v in k) for k in rows]


def _grain_order(frame: pd.DataFrame, table: CatalogTable) -> tuple[pd.DataFrame, _Order]:
    frame = frame.reset_index(drop=True)
    perm = np.arange(len(frame))
    if table.grain and len(frame) > 1:
        keys = [tuple(map(_sort_key, k)) for k in _grain_keys(frame, table)]
        perm = np.array(sorted(perm, key=keys.__getitem__), dtype=int)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(len(perm))
    return frame.iloc[perm].reset_index(drop=True), _Order(perm, inverse)


def _sort_key(v) -> tuple:
    """NULL first, then by type name and value (a column holding text and numbers still sorts)."""
    return (0, "", "") if v is None else (1, type(v).__name__, v)


def _blank(
    frame: pd.DataFrame,
    table: CatalogTable,
    s: Structure,
    cids: list[int],
    hidden: Mapping[int, tuple[str, str]],
) -> Suppressed:
    """The table as published: its hidden counts and the rates built on them NULL."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_integer_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype("Int64")
    keys = _grain_keys(frame, table)
    cells = []
    hidden_rows: dict[str, list[int]] = {}
    for cid in cids:
        _, pos, col = s.cells[cid]
        hidden_rows.setdefault(col, []).append(pos)
        cells.append(SuppressedCell(pos, keys[pos], col, *hidden[cid]))
    for col, rows in hidden_rows.items():
        values = out[col].astype("Int64")
        values.iloc[rows] = pd.NA
        out[col] = values
    hidden_sets = {c: set(rows) for c, rows in hidden_rows.items()}
    for rate in table.rates:
        mask = pd.Series(False, index=out.index)
        for c in rate.built_on:
            mask.iloc[hidden_rows.get(c, [])] = True
        mask &= out[rate.column].notna()
        for pos in mask[mask].index:
            on = next(c for c in rate.built_on if pos in hidden_sets.get(c, ()))
            cells.append(SuppressedCell(pos, keys[pos], rate.column, RATE, f"built on {on}"))
        if mask.any():
            out[rate.column] = out[rate.column].astype(object).where(~mask, None)
            if pd.api.types.is_numeric_dtype(frame[rate.column]):
                out[rate.column] = pd.to_numeric(out[rate.column]).astype(frame[rate.column].dtype)
    return Suppressed(frame=out, cells=cells)


def _touching(s: Structure) -> dict[int, list[int]]:
    """For each cell, the identities it is in, in order."""
    touching: dict[int, list[int]] = {}
    for n, (_, terms) in enumerate(s.constraints):
        for cid, _ in terms:
            touching.setdefault(cid, []).append(n)
    return touching


def _complement(
    s: Structure,
    hidden: dict[int, tuple[str, str]],
    frozen: Set[int] = frozenset(),
    touching: Mapping[int, list[int]] | None = None,
    start: Set[int] | None = None,
) -> None:
    """Hide one more cell of every identity with exactly one hidden cell, until none is left.

    A worklist of identities: a first pass through them in order, then every identity a newly
    hidden cell is in, again, in the order they were met. Only an identity holding a hidden cell
    can have exactly one, and only one holding a cell hidden since the last call can have come
    to: so the first pass visits just the identities holding a cell of ``start`` (default: every
    hidden cell) and those a cell hidden during the pass is in, ahead of it — the same visits
    that matter, in the same order, as a pass through all of them, so the same cells hidden."""
    touching = _touching(s) if touching is None else touching
    first = sorted({n for c in (hidden if start is None else start) for n in touching.get(c, ())})
    queued, later = set(first), deque()
    while first or later:
        in_first = bool(first)
        n = heapq.heappop(first) if in_first else later.popleft()
        queued.discard(n)
        kind, terms = s.constraints[n]
        against = _exposed(s, terms, hidden)
        if against is None:
            continue
        open_ = [
            cid
            for cid, _ in terms
            if not s.virtual[cid]
            and s.values[cid] is not None
            and cid not in hidden
            and cid not in frozen
            and (against is _ANYONE or s.owner(cid) != against)
        ]
        if not open_:
            continue  # every other cell is unknown already: nothing to subtract from
        pick = min(open_, key=lambda c: (s.values[c] == 0, s.values[c], c))
        hidden[pick] = (COMPLEMENTARY, f"{kind} with {_name(s, terms, hidden)}")
        for m in touching[pick]:
            if m in queued:
                continue
            queued.add(m)
            if in_first and m > n:  # still ahead of the first pass: visited in its turn
                heapq.heappush(first, m)
            else:
                later.append(m)


_ANYONE = object()


def _exposed(s: Structure, terms, hidden: Mapping[int, tuple[str, str]]):
    """Whom an identity gives a hidden cell back to: ``_ANYONE`` when it has exactly one hidden
    cell; a member when all its hidden cells but one are that member's own (the member knows
    them, having submitted them, and subtracts them); else None."""
    hid = [c for c, _ in terms if c in hidden]
    if len(hid) == 1:
        return _ANYONE
    if not s.owners or len(hid) < 2:
        return None
    mine: dict[str, int] = {}
    for c in hid:
        o = s.owner(c)
        if o is not None:
            mine[o] = mine.get(o, 0) + 1
    for member in sorted(mine):
        if len(hid) - mine[member] == 1:
            return member
    return None


def _unfix(
    s: Structure,
    hidden: dict[int, tuple[str, str]],
    frozen: Set[int],
    touching: Mapping[int, list[int]],
) -> None:
    """Hide more until no hidden cell is fixed by the identities taken together (a cell can be
    worked out from several identities although none has it as its only hidden cell): for each
    fixed cell, one more published cell of an identity it is in, then the worklist again."""
    settled: set[tuple[int, ...]] = set()
    while True:
        known = {
            cid: v
            for cid, v in enumerate(s.values)
            if v is not None and not s.virtual[cid] and cid not in hidden
        }
        targets = set(hidden)
        found = determined(s, known, targets=targets, settled=settled, frozen=frozen)
        fixed = [cid for cid, _, _ in found if cid in targets]
        added: set[int] = set()
        touched: set[int] = set()
        for cid in fixed:
            if touched.intersection(touching.get(cid, [])):
                continue  # an identity of it has one more hidden cell: solve again first
            options = [
                (c, n)
                for n in touching.get(cid, [])
                for c, _ in s.constraints[n][1]
                if c in known and c not in hidden and c not in frozen
            ]
            if not options:
                continue
            pick, n = min(options, key=lambda o: (s.values[o[0]] == 0, s.values[o[0]], o[0]))
            kind, terms = s.constraints[n]
            hidden[pick] = (COMPLEMENTARY, f"{kind} with {_name(s, terms, hidden)}, taken together")
            known.pop(pick)
            touched.update(touching[pick])
            added.add(pick)
        if not added:
            return
        _complement(s, hidden, frozen, touching, start=added)


def determined(
    s: Structure,
    known: Mapping[int, int],
    *,
    targets: Set[int] | None = None,
    settled: set[tuple[int, ...]] | None = None,
    frozen: Set[int] = frozenset(),
) -> list[tuple[int, int, str]]:
    """The unknown cells the identities fix, taken all together: (cell, value, how).

    The identities with an unknown cell split into connected sets; for each set, A x = b over its
    unknowns x, and a cell is fixed when every solution agrees on it — when the null space of A
    has no component along it. Only sets holding one of ``targets`` (default: any) are solved;
    ``settled`` collects the sets that fix nothing, which are not solved again; a set of
    ``frozen`` cells only (tables already published, checked then) is not solved again."""
    unknown = {cid for cid in range(len(s.cells)) if cid not in known}
    rows = [terms for _, terms in s.constraints if any(c in unknown for c, _ in terms)]
    parent: dict[int, int] = {}

    def find(c: int) -> int:
        while parent.setdefault(c, c) != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for terms in rows:
        cells = [c for c, _ in terms if c in unknown]
        for c in cells[1:]:
            parent[find(c)] = find(cells[0])
    groups: dict[int, list] = {}
    for terms in rows:
        first = next(c for c, _ in terms if c in unknown)
        groups.setdefault(find(first), []).append(terms)
    out = []
    for terms_list in groups.values():
        cells = sorted({c for terms in terms_list for c, _ in terms if c in unknown})
        if targets is not None and targets.isdisjoint(cells):
            continue
        if frozen and frozen.issuperset(cells):
            continue
        if settled is not None and tuple(cells) in settled:
            continue
        fixed = _fixed_cells(terms_list, unknown, known)
        if not fixed:
            if settled is not None:
                settled.add(tuple(cells))
            continue
        how = "the identities taken together"
        out += [(c, round(v), how) for c, v in sorted(fixed.items())]
    return out


def _fixed_cells(rows: list, unknown: Set[int], known: Mapping[int, int]) -> dict[int, float]:
    """The unknowns one connected set of identities fixes, with their values: Gauss-Jordan
    elimination on the sparse rows (shortest row first, then its rarest cell: little fill-in),
    to reduced row echelon form; a pivot cell is fixed when its row has no free cell left."""
    eqs: list[dict[int, float]] = []
    rhs: list[float] = []
    for terms in rows:
        eq: dict[int, float] = {}
        b = 0.0
        for c, k in terms:
            if c in unknown:
                eq[c] = eq.get(c, 0.0) + k
            else:
                b -= k * known[c]
        eqs.append({c: k for c, k in eq.items() if k})
        rhs.append(b)
    where: dict[int, set[int]] = {}
    for r, eq in enumerate(eqs):
        for c in eq:
            where.setdefault(c, set()).add(r)
    pivot: dict[int, int] = {}  # row -> its pivot cell
    heap = [(len(eq), r) for r, eq in enumerate(eqs)]
    heapq.heapify(heap)
    while heap:
        size, r = heapq.heappop(heap)
        eq = eqs[r]
        if r in pivot or not eq:
            continue
        if size != len(eq):
            heapq.heappush(heap, (len(eq), r))  # grew or shrank since: its place again
            continue
        c = min(eq, key=lambda x: (len(where[x]), x))
        pivot[r] = c
        k = eq[c]
        for x in eq:
            eq[x] /= k
        rhs[r] /= k
        for o in list(where[c]):
            if o == r:
                continue
            other = eqs[o]
            f = other[c]
            for x, v in eq.items():
                nv = other.get(x, 0.0) - f * v
                if abs(nv) < 1e-9:
                    if x in other:
                        del other[x]
                        where[x].discard(o)
                else:
                    if x not in other:
                        where[x].add(o)
                    other[x] = nv
            rhs[o] -= f * rhs[r]
            if o not in pivot:
                heapq.heappush(heap, (len(other), o))
    return {c: rhs[r] for r, c in pivot.items() if len(eqs[r]) == 1}


def _name(s: Structure, terms, hidden) -> str:
    cid = next(c for c, _ in terms if c in hidden)
    table, pos, col = s.cells[cid]
    where = "" if all(s.cells[c][0] == table for c, _ in terms) else f" of {table}"
    return f"{col}{where}" if pos < 0 else f"{col} of row {pos}{where}"


def jurisdiction_thresholds(con: duckdb.DuckDBPyConnection) -> tuple[dict, dict]:
    """Thresholds and parents of the member jurisdictions (membership.dim_jurisdictions)."""
    rows = con.execute(
        "select jurisdiction_id, small_cell_threshold, parent_jurisdiction_id "
        "from membership.dim_jurisdictions order by 1"
    ).fetchall()
    return {j: t for j, t, _ in rows if t is not None}, {j: p for j, _, p in rows}


def read_relation(con: duckdb.DuckDBPyConnection, table: CatalogTable) -> pd.DataFrame:
    """The mart's rows in grain order (deterministic positions)."""
    order = ", ".join(f'"{c}" nulls first' for c in table.grain)
    columns = "*"
    if table.unpublished:
        columns = "* exclude (" + ", ".join(f'"{c}"' for c in table.unpublished) + ")"
    return con.execute(f"select {columns} from {table.source} order by {order}").df()


@dataclass
class CatalogState:
    """The published tables of one warehouse state: the marts' rows and their suppression."""

    frames: dict[str, pd.DataFrame]
    suppressed: dict[str, Suppressed]
    thresholds: dict
    parents: dict


_last_state: dict[tuple, CatalogState] = {}


def _file_state(con: duckdb.DuckDBPyConnection) -> tuple | None:
    """The warehouse file and its size and modification time (None for an in-memory one): a
    state no write has changed since has the same."""
    rows = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    path = rows[0][0] if rows else None
    if not path:
        return None
    wal = Path(path + ".wal")
    st = Path(path).stat()
    wal_state = (wal.stat().st_size, wal.stat().st_mtime_ns) if wal.exists() else None
    return (str(Path(path).resolve()), st.st_size, st.st_mtime_ns, wal_state)


def catalog_state(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog | None = None,
    earlier: Sequence[PublishedModel] = (),
) -> CatalogState:
    """Every published table read from the marts and suppressed together, links included, with
    the ``earlier`` publications taken as known (``publishing.linked``).

    Kept for the last warehouse state this process read: the publication and the report (which
    is suppressed against it) run one after the other in a refresh and share it."""
    catalog = catalog or load_catalog()
    key = (_file_state(con), id(catalog), tuple(m.name for m in earlier))
    if key[0] is not None and key in _last_state:
        return _last_state[key]
    thresholds, parents = jurisdiction_thresholds(con)
    frames = {t.name: read_relation(con, t) for t in catalog.tables}
    suppressed = suppress_many(
        frames, catalog.tables, thresholds, parents, catalog.links, earlier=earlier
    )
    state = CatalogState(frames, suppressed, thresholds, parents)
    if key[0] is not None:
        _last_state.clear()
        _last_state[key] = state
    return state


def suppress_catalog(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog | None = None,
    *,
    complementary: bool = True,
    earlier: Sequence[PublishedModel] = (),
) -> dict[str, Suppressed]:
    """Every published table read from the marts and suppressed together, links included."""
    if complementary:
        return catalog_state(con, catalog, earlier).suppressed
    catalog = catalog or load_catalog()
    thresholds, parents = jurisdiction_thresholds(con)
    frames = {t.name: read_relation(con, t) for t in catalog.tables}
    return suppress_many(
        frames, catalog.tables, thresholds, parents, catalog.links, complementary=False
    )
