"""The jurisdiction hierarchy each published table declares is the one its data has.

Every published table with a member column is declared ``hierarchy: separate``: a parent's rows
(a state) do not include its children's (its counties), so no parent-less-children remainder
exists to protect. Two checks, one on the code and one on the data:

- no model upstream of such a table reads ``parent_jurisdiction_id`` (the only way to roll a
  child's rows into its parent's), so a model that starts doing it fails here until its table is
  declared ``inclusive``;
- each person or event is counted under one member only: the member rows summed give exactly the
  distinct record-level rows (a parent that included its children would count theirs twice).
"""

from __future__ import annotations

import json

import duckdb
import pytest

from publishing.catalog import load_catalog

MEMBER_TABLES = [t for t in load_catalog().tables if t.jurisdiction]
# the lookups that name the parent; reading them is not rolling anything up
LOOKUPS = {"dim_jurisdictions", "stg_reference__jurisdictions", "jurisdictions"}


@pytest.fixture(scope="module")
def con(demo_refresh):
    con = duckdb.connect(str(demo_refresh.settings.warehouse), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def manifest(demo_refresh) -> dict:
    from orchestration.defs.dbt_project import MANIFEST_PATH

    return json.loads(MANIFEST_PATH.read_text(encoding="utf-8"))


def _upstream(manifest: dict, unique_id: str) -> set[str]:
    seen, todo = set(), [unique_id]
    while todo:
        node = todo.pop()
        for parent in manifest["parent_map"].get(node, []):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def test_the_member_tables_are_declared_separate():
    assert MEMBER_TABLES
    assert {t.hierarchy for t in MEMBER_TABLES} == {"separate"}


@pytest.mark.parametrize("table", MEMBER_TABLES, ids=lambda t: t.name)
def test_no_model_upstream_rolls_children_into_parents(manifest, table):
    name = table.source.split(".")[1]
    node = f"model.npcs.{name}"
    assert node in manifest["nodes"], node
    rolling = [
        n
        for n in {node} | _upstream(manifest, node)
        if n.startswith("model.")
        and manifest["nodes"][n]["name"] not in LOOKUPS
        and "parent_jurisdiction_id" in manifest["nodes"][n].get("raw_code", "")
    ]
    assert rolling == [], f"{table.name} is declared separate, but {rolling} read the parent"


def test_the_check_would_see_a_model_that_reads_the_parent(manifest):
    """The outcomes' nesting model reads parent_jurisdiction_id (a state's outcomes include its
    counties'): the check above finds it upstream of the partnership's outcome rates, which are
    published without a member column for that reason."""
    node = "model.npcs.agg_outcome_rates_by_group"
    found = [
        n
        for n in _upstream(manifest, node)
        if n.startswith("model.")
        and manifest["nodes"][n]["name"] not in LOOKUPS
        and "parent_jurisdiction_id" in manifest["nodes"][n].get("raw_code", "")
    ]
    assert found
    assert not load_catalog().table("equity.agg_outcome_rates_by_group").jurisdiction


def test_each_record_is_counted_under_one_member(con):
    parents_with_rows = con.execute(
        """
        select count(distinct p.jurisdiction_id)
        from membership.dim_jurisdictions c
        join membership.dim_jurisdictions p on c.parent_jurisdiction_id = p.jurisdiction_id
        where p.jurisdiction_id in (select jurisdiction_id from reviews.fct_reviews)
          and c.jurisdiction_id in (select jurisdiction_id from reviews.fct_reviews)
        """
    ).fetchone()[0]
    assert parents_with_rows > 0  # a parent and a child both send reviews: the check bites
    pairs = {
        "reviews": (
            "select sum(reviews_completed) from reviews.agg_ios_per_review where source = 'record'",
            "select count(*) from reviews.fct_reviews",
        ),
        "IOs": (
            "select sum(ios_identified) from reviews.agg_ios_per_review where source = 'record'",
            "select count(*) from reviews.fct_improvement_opportunities",
        ),
        "survey respondents": (
            "select sum(respondents) from workforce.agg_tasc_scores_by_group "
            "where grouping_dimension = 'total'",
            "select count(*) from workforce.fct_tasc_responses",
        ),
        "respondents answering intent": (
            "select sum(respondents) from workforce.agg_psych_safety_intent_association "
            "where scope_level = 'jurisdiction_wave'",
            "select count(*) from workforce.fct_tasc_responses "
            "where intent_to_stay is not null and psychological_safety_band is not null",
        ),
        "separations": (
            "select sum(separations) from workforce.agg_workforce_turnover where role = 'all'",
            "select sum(separations) from workforce.fct_workforce_quarters",
        ),
    }
    for what, (members, records) in pairs.items():
        summed, distinct = con.execute(members).fetchone()[0], con.execute(records).fetchone()[0]
        assert summed == distinct > 0, (what, summed, distinct)
