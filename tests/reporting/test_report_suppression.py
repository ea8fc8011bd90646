"""The reports' figures go through the one suppression rule: nothing comes back by subtraction.

On the demo refresh's warehouse: every suppressed report frame (the findings tables, the profiles'
all-member frames) gives the attacker of ``publishing.attack`` nothing, while the same frames
with the primary rule alone do give cells back; and no count from 1 to the threshold is printed
in a count cell of the findings page or of any profile.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from publishing.attack import recover
from publishing.suppression import DEFAULT_THRESHOLD, jurisdiction_thresholds
from reporting.figures import protected_findings
from reporting.profiles import profile_frames, review_frame
from reporting.protection import MEMBER, PARTNERSHIP, protect
from tests.conftest import DEMO_AS_OF


@pytest.fixture(scope="module")
def con(demo_refresh):
    assert demo_refresh.success, demo_refresh.failed_steps
    con = duckdb.connect(str(demo_refresh.settings.warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def frames(con) -> dict:
    profiles, _ = profile_frames(con, DEMO_AS_OF)
    return {
        **protected_findings(con, DEMO_AS_OF),
        **{f"profile {k}": p for k, p in profiles.items()},
    }


def test_no_suppressed_report_frame_gives_a_cell_back(frames):
    assert {"partners", "economic_by_cause", "outcomes_by_group", "profile reviews"} <= set(frames)
    for name, p in frames.items():
        found = recover(p.result.frame, p.table, p.thresholds, p.parents)
        assert found == [], f"{name}: {found[:3]}"
        # the frame keeps every published cell: only counts, rates and nothing else are blanked
        hidden = {c.column for c in p.result.cells}
        assert hidden <= set(p.table.counts) | {r.column for r in p.table.rates}, name


def test_the_primary_rule_alone_gives_cells_back(frames):
    """The attacker is real: without complementary cells a hidden count comes back (the
    partners table: the total less the other partners)."""
    leaking = {}
    for name, p in frames.items():
        weak = protect(p.frame, p.table, p.thresholds, p.parents, complementary=False)
        found = recover(weak.result.frame, p.table, p.thresholds, p.parents)
        if found:
            leaking[name] = found
    assert "partners" in leaking
    complementary = sum(p.result.count("complementary") for p in frames.values())
    assert complementary >= sum(len(f) for f in leaking.values()) > 0


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
