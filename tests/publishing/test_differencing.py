"""Two publications differenced give no small count back (publishing/linked.py).

A hand-made case first (a member's running total in two publications, a quarter between them
small), then the demo warehouse: its report as of 2024-07-01 and as of 2024-10-01, attacked
together by ``publishing.attack.recover_across``.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from publishing.attack import recover_across
from publishing.catalog import CatalogTable, Link, LinkSide
from publishing.linked import PublishedModel
from publishing.suppression import suppress_many

QUARTERS = CatalogTable(
    name="t.quarters", source="t.quarters", description="", grain=("member", "quarter"),
    counts=("n",),
)  # fmt: skip
TOTAL = CatalogTable(
    name="t.total", source="t.total", description="", grain=("member",), counts=("total",)
)


def _publication(name: str, quarters: dict[str, dict[str, int]], earlier=()) -> tuple:
    """Quarterly counts per member and each member's total over them, suppressed together."""
    q = pd.DataFrame(
        [(m, k, v) for m, by in quarters.items() for k, v in by.items()],
        columns=["member", "quarter", "n"],
    )
    t = q.groupby("member", as_index=False)["n"].sum().rename(columns={"n": "total"})
    link = Link(
        "a member's total is its quarters'",
        LinkSide("t.total", ("total",), ("member",)),
        LinkSide("t.quarters", ("n",), ("member",)),
    )
    record: dict = {"name": name}
    done = suppress_many(
        {"t.quarters": q, "t.total": t},
        [QUARTERS, TOTAL],
        {},
        links=[link],
        earlier=earlier,
        record=record,
    )
    return done, record["model"]


JULY = {"X": {"Q1": 20, "Q2": 25}, "Y": {"Q1": 30, "Q2": 40}}
OCTOBER = {"X": {"Q1": 20, "Q2": 25, "Q3": 3}, "Y": {"Q1": 30, "Q2": 40, "Q3": 50}}


def test_a_running_total_differenced_gives_the_small_quarter_back_unless_protected():
    _, july = _publication("july", JULY)
    done, october = _publication("october", OCTOBER)
    assert pd.isna(done["t.quarters"].frame.set_index(["member", "quarter"]).at[("X", "Q3"), "n"])
    # Each publication alone hides X's third quarter; the two differenced give it back.
    found = recover_across([july, october])
    assert [(r.value, r.table) for r in found] == [(3, "october")], found
    assert '"X", "Q3"' in found[0].column

    done, october = _publication("october", OCTOBER, earlier=[july])
    assert recover_across([july, october]) == []
    # What protects it: X's total, which the July quarters would turn back into the quarter.
    assert pd.isna(done["t.total"].frame.set_index("member").at["X", "total"])
    assert done["t.total"].frame.set_index("member").at["Y", "total"] == 120


def test_a_cell_hidden_earlier_stays_hidden_while_its_value_is_unchanged():
    """A cell hidden only to protect another in July (a complement) is not published in October
    with the same value: its July partner would come back."""
    july_done, july = _publication("july", {"X": {"Q1": 4, "Q2": 25}, "Y": {"Q1": 30}})
    hidden_july = {
        (r["member"], r["quarter"])
        for _, r in july_done["t.quarters"].frame.iterrows()
        if pd.isna(r["n"])
    }
    assert ("X", "Q2") in hidden_july  # the complement of X's small first quarter
    later = {"X": {"Q1": 4, "Q2": 25, "Q3": 12}, "Y": {"Q1": 30}}
    # On its own, October would protect the first quarter with the third (the smaller) and
    # publish the second, which July's total turns into the first quarter.
    alone_done, alone = _publication("october", later)
    assert alone_done["t.quarters"].frame.set_index(["member", "quarter"]).at[("X", "Q2"), "n"]
    # (X's first quarter, in both publications)
    assert sorted((r.table, r.value) for r in recover_across([july, alone])) == [
        ("july", 4),
        ("october", 4),
    ]

    october_done, october = _publication("october", later, earlier=[july])
    frame = october_done["t.quarters"].frame.set_index(["member", "quarter"])
    assert pd.isna(frame.at[("X", "Q2"), "n"])
    assert recover_across([july, october]) == []


def test_a_model_reads_back_as_it_was_written(tmp_path):
    _, july = _publication("july", JULY)
    july.save(tmp_path / "model")
    back = PublishedModel.load(tmp_path / "model")
    assert back.name == "july" and back.kinds == july.kinds
    pd.testing.assert_frame_equal(back.cells, july.cells, check_dtype=False)
    pd.testing.assert_frame_equal(back.terms, july.terms, check_dtype=False)


@pytest.fixture(scope="module")
def warehouse(demo_refresh):
    con = duckdb.connect(str(demo_refresh.settings.warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def july_and_october(warehouse):
    """The demo publication (tables and report) as of 2024-07-01, and as of 2024-10-01
    suppressed against it."""
    from reporting.disclosure import protect_report

    july = protect_report(warehouse, date(2024, 7, 1), name="2024-07-01").model
    october = protect_report(warehouse, date(2024, 10, 1), earlier=[july], name="2024-10-01")
    return july, october.model


def test_the_demo_reports_of_july_and_october_differenced_give_nothing_back(
    warehouse, july_and_october
):
    """The report and the published tables as of 2024-07-01, then as of 2024-10-01: suppressed
    without the July publication, the two give small counts back when differenced (the attacker
    is real); suppressed against it, nothing."""
    from reporting.disclosure import protect_report

    july, october = july_and_october
    alone = protect_report(warehouse, date(2024, 10, 1), name="2024-10-01").model
    found = recover_across([july, alone])
    assert found and all(0 < r.value <= 10 for r in found), found
    assert recover_across([july, october]) == []
    # Still a report: most of its cells are published.
    assert october.hidden < 0.5 * (~october.cells["virtual"]).sum()


MEMBERS = CatalogTable(
    name="t.members", source="t.members", description="", grain=("member", "quarter"),
    counts=("n",), jurisdiction="member",
)  # fmt: skip
PARTNERSHIP = CatalogTable(
    name="t.partnership", source="t.partnership", description="", grain=("quarter",),
    counts=("total",),
)  # fmt: skip


def _members_and_total(rows: dict[str, int]) -> PublishedModel:
    """One quarter's count per member and the partnership's total, suppressed together."""
    frame = pd.DataFrame(
        [(m, "Q1", n) for m, n in rows.items()], columns=["member", "quarter", "n"]
    )
    total = pd.DataFrame({"quarter": ["Q1"], "total": [sum(rows.values())]})
    link = Link(
        "the partnership's total is the members'",
        LinkSide("t.partnership", ("total",), ("quarter",)),
        LinkSide("t.members", ("n",), ("quarter",)),
    )
    record: dict = {"name": "p"}
    suppress_many(
        {"t.members": frame, "t.partnership": total},
        [MEMBERS, PARTNERSHIP],
        {},
        links=[link],
        record=record,
    )
    return record["model"]


def test_a_member_subtracting_its_own_count_gets_nothing_back(monkeypatch):
    """X has 3 reviews (hidden), Y 15, Z 40, the partnership 58. Hiding Y's 15 protects X from
    the public, not from Y, which knows its 15 and subtracts it with Z's 40 from 58. The
    complementary rule takes each member's own cells as known to it: it hides Z's too."""
    import publishing.suppression as suppression
    from publishing.attack import recover_as_member

    rows = {"X": 3, "Y": 15, "Z": 40}
    model = _members_and_total(rows)
    hidden = set(model.cells.loc[~model.cells["published"], "key"])
    assert {k for k in hidden if '"X"' in k or '"Y"' in k or '"Z"' in k} == {
        k for k in model.cells["key"] if '"t.members"' in k
    }
    for member in rows:
        assert recover_as_member([model], member) == []

    # The attacker is real: with the rule as it was (one hidden cell per identity, whoever
    # knows what), Y gets X's 3 back.
    def anyone_only(s, terms, hidden):
        hid = [c for c, _ in terms if c in hidden]
        return suppression._ANYONE if len(hid) == 1 else None

    monkeypatch.setattr(suppression, "_exposed", anyone_only)
    before = _members_and_total(rows)
    found = recover_as_member([before], "Y")
    assert [(r.value, '"X"' in r.column) for r in found] == [(3, True)]
    assert recover_as_member([before], "X") == []  # X learns only its own


def test_no_member_of_the_demo_gets_another_members_small_count_back(july_and_october):
    """Every member of the demo, attacking the October publication (tables and report) with its
    own counts known: nothing of another member comes back (29 did, by four members, before the
    complementary rule took insiders into account)."""
    from publishing.attack import recover_as_members

    _, model = july_and_october
    found = recover_as_members([model])
    assert len(found) > 30  # every member of the demo
    assert {member: r for member, r in found.items() if r} == {}
