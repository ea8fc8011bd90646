"""Small-cell suppression: on every catalog table of the demo warehouse, and on small hand-made
tables for the cases that are easy to get wrong."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from publishing.attack import recover, recover_many
from publishing.catalog import CatalogTable, Link, LinkSide, Margin, Rate, RowSum, load_catalog
from publishing.suppression import (
    COMPLEMENTARY,
    PRIMARY,
    RATE,
    jurisdiction_thresholds,
    read_relation,
    suppress,
    suppress_many,
)


@pytest.fixture(scope="module")
def warehouse(demo_refresh):
    con = duckdb.connect(str(demo_refresh.settings.warehouse), read_only=True)
    thresholds, parents = jurisdiction_thresholds(con)
    frames = {t.name: read_relation(con, t) for t in load_catalog().tables}
    con.close()
    return thresholds, parents, frames


def _threshold(table, thresholds, row) -> int:
    j = row.get(table.jurisdiction) if table.jurisdiction else None
    return thresholds.get(j) or 10


def _published(result) -> dict[str, pd.DataFrame]:
    return {name: r.frame for name, r in result.items()}


def test_no_catalog_table_gives_a_hidden_count_back(warehouse):
    """All catalog tables suppressed together and attacked together (links included)."""
    thresholds, parents, frames = warehouse
    catalog = load_catalog()
    args = (frames, catalog.tables, thresholds, parents, catalog.links)
    attack = (catalog.tables, thresholds, parents, catalog.links)
    published = suppress_many(*args)
    assert recover_many(_published(published), *attack) == []
    # The attacker is real: with the primary rule alone it recovers hidden counts, by subtraction
    # and by solving the identities together.
    primary = recover_many(_published(suppress_many(*args, complementary=False)), *attack)
    assert {r.how for r in primary} >= {"row sum", "margin", "the identities taken together"}
    # And the last step matters: complements to a fixed point, one identity at a time, still
    # leave turnover cells that the identities taken together give back (carry, row sums and the
    # role margin over several quarters); each value recovered is the true one.
    one_by_one = recover_many(_published(suppress_many(*args, together=False)), *attack)
    assert one_by_one and {r.how for r in one_by_one} == {"the identities taken together"}
    for r in one_by_one:
        if r.row >= 0:
            assert r.value == frames[r.table].at[r.row, r.column], r


def test_no_published_count_from_one_to_the_threshold(warehouse):
    thresholds, parents, frames = warehouse
    hidden = 0
    for table in load_catalog().tables:
        published = suppress(frames[table.name], table, thresholds, parents)
        hidden += published.count(PRIMARY)
        for _, row in published.frame.iterrows():
            limit = _threshold(table, thresholds, row)
            for col in table.counts:
                v = row[col]
                assert pd.isna(v) or not 1 <= v <= limit, (table.name, col, dict(row))
    assert hidden > 0


def _table(**kw) -> CatalogTable:
    kw.setdefault("grain", ("group",))
    return CatalogTable(name="t.t", source="t.t", description="", **kw)


def _hidden(result, column="n") -> list:
    return [c.key for c in result.cells if c.column == column]


def test_a_total_with_one_small_part_hides_the_smallest_other_part():
    table = _table(counts=("n",), margins=(Margin(group_by=(), total={"group": "all"}),))
    frame = pd.DataFrame({"group": ["all", "a", "b", "c"], "n": [30, 5, 12, 13]})
    result = suppress(frame, table, {})
    assert _hidden(result) == [("a",), ("b",)]
    assert [c.rule for c in result.cells] == [PRIMARY, COMPLEMENTARY]
    assert result.frame["n"].tolist()[0] == 30 and result.frame["n"].tolist()[3] == 13
    assert recover(result.frame, table, {}) == []
    primary_only = suppress(frame, table, {}, complementary=False)
    assert [(r.column, r.value) for r in recover(primary_only.frame, table, {})] == [("n", 5)]


def test_a_chain_of_complements_reaches_a_fixed_point():
    # region x sex with totals on both: hiding r1/f exposes r1/m, whose hiding exposes r2/m.
    table = _table(
        grain=("region", "sex"),
        counts=("n",),
        margins=(
            Margin(group_by=("region",), total={"sex": "all"}),
            Margin(group_by=("sex",), total={"region": "all"}),
        ),
    )
    cells = {("r1", "f"): 3, ("r1", "m"): 20, ("r2", "f"): 15, ("r2", "m"): 30}
    for r in ("r1", "r2"):
        cells[(r, "all")] = cells[(r, "f")] + cells[(r, "m")]
    for s in ("f", "m", "all"):
        cells[("all", s)] = cells[("r1", s)] + cells[("r2", s)]
    frame = pd.DataFrame([(r, s, n) for (r, s), n in cells.items()], columns=["region", "sex", "n"])
    result = suppress(frame, table, {})
    hidden = set(_hidden(result))
    assert ("r1", "f") in hidden and ("r2", "m") in hidden  # the third, via the second
    assert len(hidden) >= 4
    assert recover(result.frame, table, {}) == []
    assert recover(suppress(frame, table, {}, complementary=False).frame, table, {})


def test_a_parent_less_its_children_must_not_give_a_small_count():
    table = _table(grain=("jurisdiction_id",), jurisdiction="jurisdiction_id", counts=("n",),
                   hierarchy="inclusive")  # fmt: skip
    parents = {"P": None, "C1": "P", "C2": "P"}
    frame = pd.DataFrame({"jurisdiction_id": ["P", "C1", "C2"], "n": [40, 25, 12]})
    primary_only = suppress(frame, table, {}, parents, complementary=False)
    assert primary_only.cells == []  # every published figure is large ...
    found = recover(primary_only.frame, table, {}, parents)
    assert [(r.row, r.value) for r in found] == [(-1, 40 - 25 - 12)]  # ... yet P's rest is 3
    result = suppress(frame, table, {}, parents)
    # C2 alone would protect P's rest from the public, not from C2, which knows its own 12 and
    # subtracts it (publishing/README.md, insiders): C1 is hidden too.
    assert _hidden(result) == [("C1",), ("C2",)]
    assert recover(result.frame, table, {}, parents) == []


def test_the_threshold_is_the_jurisdictions():
    table = _table(grain=("jurisdiction_id",), jurisdiction="jurisdiction_id", counts=("n",))
    frame = pd.DataFrame({"jurisdiction_id": ["T5", "T5b", "S10", "NONE"], "n": [7, 5, 7, 10]})
    result = suppress(frame, table, {"T5": 5, "T5b": 5, "S10": 10})
    assert _hidden(result) == [("T5b",), ("S10",), ("NONE",)]  # NONE: the default, 10
    assert result.frame["n"].iloc[0] == 7


def test_zeros_are_published_and_never_chosen_as_complements():
    table = _table(counts=("n",), margins=(Margin(group_by=(), total={"group": "all"}),))
    frame = pd.DataFrame({"group": ["all", "a", "b", "c"], "n": [24, 0, 4, 20]})
    result = suppress(frame, table, {})
    assert _hidden(result) == [("b",), ("c",)]
    assert result.frame["n"].iloc[1] == 0
    assert str(result.frame["n"].dtype) == "Int64"


def test_a_rate_on_a_hidden_count_is_hidden_and_would_give_it_back():
    table = _table(counts=("num", "den"), rates=(Rate("pct", ("num", "den")),))
    frame = pd.DataFrame({"group": ["a", "b"], "num": [20, 30], "den": [8, 60]})
    frame["pct"] = 100.0 * frame["num"] / frame["den"]
    result = suppress(frame, table, {})
    assert [(c.key, c.column, c.rule) for c in result.cells] == [
        (("a",), "den", PRIMARY),
        (("a",), "pct", RATE),
    ]
    assert pd.isna(result.frame["pct"].iloc[0]) and result.frame["pct"].iloc[1] == 50.0
    leaky = result.frame.assign(pct=frame["pct"])  # the rate left in: rate x numerator
    assert [(r.row, r.column) for r in recover(leaky, table, {})] == [(0, "den")]


def test_the_same_input_gives_the_same_output(warehouse):
    thresholds, parents, frames = warehouse
    table = load_catalog().table("workforce.agg_tasc_scores_by_group")
    a = suppress(frames[table.name], table, thresholds, parents)
    b = suppress(frames[table.name].copy(), table, thresholds, parents)
    pd.testing.assert_frame_equal(a.frame, b.frame)
    assert a.cells == b.cells


def test_a_figure_hidden_in_one_table_is_protected_in_the_table_linked_to_it():
    # B publishes the sum of A's groups: on its own, A hides only its small group, and A's other
    # group subtracted from B's figure gives it back.
    a = _table(counts=("n",))
    b = CatalogTable(name="t.b", source="t.b", description="", grain=("k",), counts=("m",))
    link = Link(
        name="B is A summed",
        left=LinkSide(table="t.b", counts=("m",), key=("'all'",)),
        right=LinkSide(table="t.t", counts=("n",), key=("'all'",)),
    )
    frames = {"t.t": pd.DataFrame({"group": ["a", "b"], "n": [5, 30]}),
              "t.b": pd.DataFrame({"k": ["x"], "m": [35]})}  # fmt: skip
    alone = {t.name: suppress(frames[t.name], t, {}).frame for t in (a, b)}
    found = recover_many(alone, (a, b), {}, links=(link,))
    assert [(r.table, r.row, r.value) for r in found] == [("t.t", 0, 5)]
    together = suppress_many(frames, (a, b), {}, links=(link,))
    assert _hidden(together["t.t"]) == [("a",), ("b",)]
    assert together["t.b"].frame["m"].iloc[0] == 35  # two hidden parts: the total stays
    assert recover_many(_published(together), (a, b), {}, links=(link,)) == []


def test_a_count_fixed_by_identities_taken_together_is_protected():
    # a = x + y, b = y + z, c = x + z: once x, y and z are hidden every identity has two hidden
    # cells, yet the three together give x = (a - b + c) / 2.
    table = _table(
        counts=("x", "y", "z", "a", "b", "c"),
        row_sums=(RowSum("a", ("x", "y")), RowSum("b", ("y", "z")), RowSum("c", ("x", "z"))),
    )
    frame = pd.DataFrame({"group": ["g"], "x": [3], "y": [20], "z": [25]})
    frame = frame.assign(a=frame.x + frame.y, b=frame.y + frame.z, c=frame.x + frame.z)
    one_by_one = suppress_many({"t.t": frame}, [table], {}, together=False)["t.t"]
    assert {c.column for c in one_by_one.cells} == {"x", "y", "z"}
    found = recover(one_by_one.frame, table, {})
    assert {(r.column, r.value) for r in found} >= {("x", 3)}
    assert {r.how for r in found} == {"the identities taken together"}
    result = suppress(frame, table, {})
    # one more published cell per fixed cell whose identities got none yet in that round: a, then
    # b or c (the minimum would be one; a round at a time is what keeps the catalog fast)
    assert len(result.cells) in (4, 5)
    assert {"x", "y", "z", "a"} <= {c.column for c in result.cells}
    assert recover(result.frame, table, {}) == []


def _plain_worklist(s, hidden, frozen=frozenset()):
    """The complementary rule as first written: every identity in order, then the identities of
    each newly hidden cell, until none has exactly one hidden cell — the order the faster
    worklist of ``suppression._complement`` must keep."""
    from collections import deque

    from publishing.suppression import _name

    touching = {}
    for n, (_, terms) in enumerate(s.constraints):
        for cid, _ in terms:
            touching.setdefault(cid, []).append(n)
    queue, queued = deque(range(len(s.constraints))), set(range(len(s.constraints)))
    while queue:
        n = queue.popleft()
        queued.discard(n)
        kind, terms = s.constraints[n]
        if sum(1 for cid, _ in terms if cid in hidden) != 1:
            continue
        open_ = [
            c
            for c, _ in terms
            if not s.virtual[c] and s.values[c] is not None and c not in hidden and c not in frozen
        ]
        if not open_:
            continue
        pick = min(open_, key=lambda c: (s.values[c] == 0, s.values[c], c))
        hidden[pick] = (COMPLEMENTARY, f"{kind} with {_name(s, terms, hidden)}")
        for m in touching[pick]:
            if m not in queued:
                queue.append(m)
                queued.add(m)


@pytest.mark.parametrize("seed", range(40))
def test_the_worklist_hides_what_a_pass_over_every_identity_hides(seed):
    """Random identities (sums of 2 to 5 cells, some cells in several, some virtual, zeros among
    the values): the worklist started from the hidden cells, and again from the cells added
    after it, hides exactly the cells, with the same reasons, that passes over every identity
    hide."""
    import random

    from publishing.suppression import Structure, _complement

    rng = random.Random(seed)
    s = Structure()
    n_cells = rng.randint(20, 120)
    for c in range(n_cells):
        virtual = rng.random() < 0.08
        s.cells.append(("t", -1 if virtual else c, f"c{c}"))
        s.values.append(None if virtual else rng.choice([0, 0, 1, 3, 7, 12, 15, 40, 90]))
        s.thresholds.append(10)
        s.virtual.append(virtual)
    for _ in range(rng.randint(10, 80)):
        cells = rng.sample(range(n_cells), rng.randint(2, 5))
        s.add(rng.choice(["margin", "row sum", "link"]), [(c, 1) for c in cells])
    frozen = set(rng.sample(range(n_cells), rng.randint(0, 5)))
    primary = {
        c: (PRIMARY, "small")
        for c in range(n_cells)
        if c not in frozen and s.values[c] is not None and 0 < s.values[c] <= 10
    }
    ours, plain = dict(primary), dict(primary)
    _complement(s, ours, frozen)
    _plain_worklist(s, plain, frozen)
    assert ours == plain and list(ours) == list(plain)
    # More cells hidden afterwards (as the identities taken together ask): from those only.
    more = [c for c in range(n_cells) if c not in ours and s.values[c] and c not in frozen]
    added = set(rng.sample(more, min(len(more), rng.randint(1, 4))))
    for c in added:
        ours[c] = plain[c] = (COMPLEMENTARY, "taken together")
    _complement(s, ours, frozen, start=added)
    _plain_worklist(s, plain, frozen)
    assert ours == plain and list(ours) == list(plain)


def test_rows_in_another_order_hide_the_same_cells():
    """Two parts tie as the smallest complement: which one is hidden must depend on the rows,
    not on the order a query returned them in; results come back in the caller's order."""
    table = _table(counts=("n",), margins=(Margin(group_by=(), total={"group": "all"}),))
    frame = pd.DataFrame({"group": ["all", "a", "b", "c"], "n": [29, 5, 12, 12]})
    ours = suppress(frame, table, {})
    reversed_ = suppress(frame.iloc[::-1].reset_index(drop=True), table, {})
    assert sorted(_hidden(ours)) == sorted(_hidden(reversed_)) == [("a",), ("b",)]
    assert reversed_.frame["group"].tolist() == ["c", "b", "a", "all"]
    assert reversed_.frame["n"].isna().tolist() == [False, True, True, False]
    assert sorted(c.row for c in reversed_.cells) == [1, 2]
