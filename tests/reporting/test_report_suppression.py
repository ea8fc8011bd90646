"""The reports' figures go through the one suppression rule: nothing comes back by subtraction.

On the demo refresh's warehouse: the attacker of ``publishing.attack`` reads every suppressed
report frame (the findings tables, the profiles' all-member frames) together with every table of
the published warehouse, knowing every identity within and between them, and gets nothing back,
while with the primary rule alone on the report it does (inside the report and from the
published warehouse); every identity declared between the report and the warehouse holds; and
no count from 1 to the threshold is printed in a count cell of the findings page or of any
profile.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from publishing.attack import recover, recover_many
from publishing.suppression import (
    DEFAULT_THRESHOLD,
    build_joint,
    jurisdiction_thresholds,
    suppress_catalog,
)
from reporting.disclosure import protect_report
from reporting.profiles import review_frame
from reporting.protection import MEMBER, PARTNERSHIP, protect
from tests.conftest import DEMO_AS_OF


@pytest.fixture(scope="module")
def con(demo_refresh):
    assert demo_refresh.success, demo_refresh.failed_steps
    con = duckdb.connect(str(demo_refresh.settings.warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def report(con):
    return protect_report(con, DEMO_AS_OF)


@pytest.fixture(scope="module")
def frames(report) -> dict:
    return report.frames


def _attack(r):
    return recover_many(r.as_read(), r.tables, r.thresholds, r.parents, r.links)


def test_no_report_frame_or_published_table_gives_a_cell_back(report):
    assert {"partners", "economic_by_cause", "outcomes_by_group", "profile reviews"} <= set(
        report.frames
    )
    assert len(report.published) == len(report.tables) - len(report.frames) > 10
    found = _attack(report)
    assert found == [], found[:3]
    for name, p in report.frames.items():
        # the frame keeps every published cell: only counts, rates and nothing else are blanked
        hidden = {c.column for c in p.result.cells}
        assert hidden <= set(p.table.counts) | {r.column for r in p.table.rates}, name


def test_the_report_is_protected_against_the_warehouse_as_published(con, report):
    """The report locks the published warehouse's tables as the publication hides them: the
    same cells, so what the report relies on being hidden is hidden there."""
    published = suppress_catalog(con)
    assert set(published) == set(report.published)
    for name, s in published.items():
        pd.testing.assert_frame_equal(s.frame, report.published[name].frame, obj=name)


def test_the_primary_rule_alone_gives_cells_back(con, report):
    """The attacker is real: with the primary rule alone on the report's frames, hidden counts
    come back within the report (the partners table: the total less the other partners) and
    from the published warehouse through the report (a complementary cell of the published
    outcome rates that the report's outcomes table shows)."""
    weak = protect_report(con, DEMO_AS_OF, complementary=False)
    found = _attack(weak)
    tables = {f.table for f in found}
    assert "report.partners" in tables
    assert any(not t.startswith("report.") for t in tables), tables
    complementary = sum(p.result.count("complementary") for p in report.frames.values())
    assert complementary > 0


def test_every_identity_between_the_report_and_the_warehouse_holds(con, report):
    """The report's links without a rest hold exactly on the demo data (else suppression would
    protect the wrong sums), and every report link applies somewhere."""
    frames = {p.table.name: p.frame for p in report.frames.values()}
    from publishing.suppression import read_relation

    frames.update({t.name: read_relation(con, t) for t in report.tables if t.name not in frames})
    s = build_joint(frames, report.tables, report.thresholds, report.parents, report.links)
    applied = set()
    for kind, terms in s.constraints:
        if not kind.startswith("link "):
            continue
        applied.add(kind)
        if any(s.virtual[c] for c, _ in terms):
            continue  # a rest is defined by its identity
        values = [s.values[c] for c, _ in terms]
        if None in values:
            continue
        assert sum(v * k for v, (_, k) in zip(values, terms)) == 0, (kind, values)
    assert {f"link '{link.name}'" for link in report.links} <= applied


def test_a_member_small_count_does_not_come_back_from_the_partnership_total(con):
    """The profile attack: a member's hidden count = the partnership's total less every other
    member's. With thresholds that make exactly the smallest member's reviews small, the primary
    rule alone gives it back; the suppressed all-member frame does not."""
    members = [
        r[0]
        for r in con.execute(
            "select jurisdiction_id from membership.dim_jurisdictions "
            "where joined_date <= ? and (left_date is null or left_date > ?)",
            [DEMO_AS_OF, DEMO_AS_OF],
        ).fetchall()
    ]
    frame, table = review_frame(con, DEMO_AS_OF, members)
    rows = frame[(frame.scope == MEMBER) & (frame.reviews > 0)]
    smallest = rows.sort_values(["reviews", "jurisdiction_id"]).iloc[0]
    # nobody else is small; the smallest member's reviews (and what is at most that) are
    thresholds = {j: 0 for j in members} | {smallest.jurisdiction_id: int(smallest.reviews)}
    assert int(frame.loc[frame.scope == PARTNERSHIP, "reviews"].iloc[0]) > DEFAULT_THRESHOLD
    _, parents = jurisdiction_thresholds(con)

    weak = protect(frame, table, thresholds, parents, complementary=False)
    found = recover(weak.result.frame, table, thresholds, parents)
    assert any(f.column == "reviews" and f.value == int(smallest.reviews) for f in found), found
    strong = protect(frame, table, thresholds, parents)
    assert recover(strong.result.frame, table, thresholds, parents) == []
    assert strong.result.count("complementary") > 0


COUNT_CELL = re.compile(
    r'<(td|span) class="(?:num )?count"(?: data-key="\w+")?(?: data-threshold="(\d+)")?'
    r"(?: data-key=\"\w+\")?>([^<]*)</\1>"
)


def printed_counts(html: str) -> list[tuple[int, int, str]]:
    """(value, threshold, text) of every number printed in a count cell."""
    out = []
    for _, threshold, text in COUNT_CELL.findall(html):
        text = text.strip()
        if re.fullmatch(r"\d[\d,]*", text):
            out.append((int(text.replace(",", "")), int(threshold or DEFAULT_THRESHOLD), text))
        else:
            assert text in ("–", "suppressed") or re.fullmatch(r"1–\d+", text), text
    return out


@pytest.fixture(scope="module")
def pages(con, tmp_path_factory) -> Path:
    from reporting.build import build_report

    out = tmp_path_factory.mktemp("report-suppression")
    build_report(con, out, DEMO_AS_OF, synthetic=True, pdf=False)
    return out


def test_no_small_count_is_printed(pages, frames):
    report = (pages / "report.html").read_text()
    profiles = sorted((pages / "profiles").glob("*.html"))
    assert profiles
    shown = printed_counts(report)
    assert len(shown) > 20  # the regex does find the count cells
    for page in [pages / "report.html", *profiles]:
        small = [c for c in printed_counts(page.read_text()) if 1 <= c[0] <= c[1]]
        assert small == [], f"{page.name}: {small[:5]}"
    # a cell hidden by the primary rule prints its range; a complementary one "suppressed"
    assert "1–10" in report
    partners = frames["partners"].result
    assert partners.count("complementary") > 0 and ">suppressed<" in report


def _hidden_by_key(r) -> dict[str, list]:
    return {
        name: sorted((repr(c.key), c.column, c.rule, c.reason) for c in p.result.cells)
        for name, p in r.frames.items()
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_same_figures_in_another_row_order_hide_the_same_cells(con, report, seed):
    """Where values tie, cells are chosen by position, and several report queries return rows in
    whatever order DuckDB's threads deliver them: two renderings of one warehouse state must
    still hide the same cells, or each shows what the other hides. Every report frame in a
    shuffled row order hides the same cells (by row key) as in the order it was read in."""
    import numpy as np

    from reporting.disclosure import protect_together
    from reporting.figures import findings_links
    from reporting.profiles import profile_links

    rng = np.random.default_rng(seed)
    shuffled = {
        name: (p.frame.iloc[rng.permutation(len(p.frame))].reset_index(drop=True), p.table)
        for name, p in report.frames.items()
    }
    profiles = {n: f for n, f in shuffled.items() if n.startswith("profile ")}
    links = [*findings_links(DEMO_AS_OF), *profile_links(DEMO_AS_OF, profiles)]
    again = protect_together(con, shuffled, links)
    assert _hidden_by_key(again) == _hidden_by_key(report)
    for p in again.frames.values():  # positions are the caller's: hidden there, and NULL
        for c in p.result.cells:
            row = p.frame.loc[c.row, list(p.table.grain)].astype(object)
            assert tuple(None if pd.isna(v) else v for v in row) == c.key
            assert pd.isna(p.result.frame.at[c.row, c.column])
