"""``dbt build`` on the hand-written raw rows of conftest.py, and figures computed by hand."""

from __future__ import annotations

from datetime import date

import pytest

from ingestion.reference import jurisdictions

MARTS = {
    "reviews": {
        "fct_reviews",
        "fct_improvement_opportunities",
        "agg_review_counts",
        "agg_review_theme_counts",
    },
    "workforce": {
        "fct_tasc_responses",
        "agg_tasc_scores",
        "agg_intent_to_stay_by_psych_safety",
        "fct_workforce_quarters",
        "agg_tasc_scores_by_group",
        "agg_psych_safety_intent_association",
        "agg_workforce_turnover",
    },
    "equity": {"fct_outcomes", "agg_outcome_rates_by_group"},
    "membership": {"dim_jurisdictions"},
}


def _one(con, sql, params=None):
    return con.execute(sql, params or []).fetchone()


def test_dbt_build_succeeds(built_warehouse):
    result = built_warehouse["result"]
    assert result.success, result.exception
    statuses = {str(r.status) for r in result.result if str(r.node.resource_type) != "exposure"}
    assert statuses <= {"success", "pass", "warn"}, statuses  # exposures report "no-op"
    kinds = {r.node.resource_type for r in result.result}
    assert {"seed", "model", "test", "unit_test"} <= {str(k) for k in kinds}


def test_layers_land_in_their_schemas(warehouse):
    rows = warehouse.execute(
        "select table_schema, table_name, table_type from information_schema.tables "
        "where table_catalog = current_database()"
    ).fetchall()
    by_schema: dict[str, dict[str, str]] = {}
    for schema, name, kind in rows:
        by_schema.setdefault(schema, {})[name] = kind
    for schema, names in MARTS.items():
        assert names <= set(by_schema[schema]), schema
        assert {by_schema[schema][n] for n in names} == {"BASE TABLE"}
    assert set(by_schema["staging"].values()) == {"VIEW"}
    assert {"jurisdictions", "incident_type", "io_theme", "jurisdiction_sharing_levels"} <= set(
        by_schema["reference"]
    )
    assert not any(s.startswith("main_") for s in by_schema)


def test_narrative_never_leaves_raw(warehouse):
    leaks = warehouse.execute(
        "select table_schema, table_name from information_schema.columns "
        "where table_catalog = current_database() and column_name = 'narrative' "
        "and table_schema <> 'raw'"
    ).fetchall()
    assert leaks == []


def test_fct_reviews(warehouse):
    rows = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "select review_key, cause_of_incident, reporting_race_ethnicity_group, ios_count, "
            "themes, completed_quarter, completed_fiscal_year, race_ethnicity_codes "
            "from reviews.fct_reviews"
        ).fetchall()
    }
    assert set(rows) == {"CT:R1", "CT:R2", "CT:R3", "OH-FRANKLIN:R1"}
    # the later file replaces the first version of CT:R1
    assert rows["CT:R1"][:4] == (
        "suid_sleep",
        "white",
        3,
        ["economic_support", "teamwork_coordination"],
    )
    assert rows["CT:R2"][1] == "hispanic_latino"
    assert rows["CT:R2"][6] == ["hispanic_latino", "white"]
    assert rows["CT:R3"][1:2] + rows["CT:R3"][4:6] == ("two_or_more", "2024-Q4", 2025)
    assert rows["OH-FRANKLIN:R1"][1] == "unknown"


def test_fct_improvement_opportunities(warehouse):
    n, n_reviews = _one(
        warehouse,
        "select count(*), count(distinct review_key) from reviews.fct_improvement_opportunities",
    )
    assert (n, n_reviews) == (6, 4)
    assert _one(
        warehouse,
        "select incident_type, cause_of_incident, review_completed_date::varchar "
        "from reviews.fct_improvement_opportunities where io_key = 'CT:IO1'",
    ) == ("fatality", "suid_sleep", "2024-01-10")


@pytest.mark.parametrize(
    ("as_of", "reviews", "ios"),
    [
        # record: CT R1, R2, OH-FRANKLIN R1; summary NY 2024-Q1 (4 fatality + 2 near fatality)
        ("2024-06-30", 3 + 6, 5 + 6),
        # + CT R3 (2024-10-15) and NY 2024-Q3 (3 reviews, no IOs)
        ("2024-12-31", 4 + 9, 6 + 6),
        # a quarter's summary counts only once the quarter is over
        ("2024-03-30", 2, 4),
    ],
)
def test_review_counts_as_of(warehouse, as_of, reviews, ios):
    assert _one(
        warehouse,
        "select sum(reviews_completed), sum(ios_identified) from reviews.agg_review_counts "
        "where counted_on <= ?",
        [as_of],
    ) == (reviews, ios)


@pytest.mark.parametrize(
    ("theme", "reviews_with_theme"),
    [
        # CT R1, OH-FRANKLIN R1; NY 2024-Q1: 2 fatality + 1 near fatality
        ("teamwork_coordination", 2 + 3),
        # CT R1, CT R3; NY 2024-Q1: 1
        ("economic_support", 2 + 1),
        ("supervision_consultation", 1),
    ],
)
def test_theme_share(warehouse, theme, reviews_with_theme):
    with_theme, completed = _one(
        warehouse,
        """
        select
            (select sum(reviews_with_theme) from reviews.agg_review_theme_counts
             where io_theme = ? and counted_on <= date '2024-12-31'),
            (select sum(reviews_completed) from reviews.agg_review_counts
             where counted_on <= date '2024-12-31')
        """,
        [theme],
    )
    assert (with_theme, completed) == (reviews_with_theme, 13)


def test_theme_ios_add_up_to_review_ios(warehouse):
    assert _one(warehouse, "select sum(ios_in_theme) from reviews.agg_review_theme_counts") == (
        _one(warehouse, "select sum(ios_identified) from reviews.agg_review_counts")
    )


def test_tasc_scores(warehouse):
    scores = dict(
        warehouse.execute(
            "select response_key, psychological_safety_score from workforce.fct_tasc_responses "
            "where jurisdiction_id = 'CT'"
        ).fetchall()
    )
    assert scores == {
        "CT:2024-1:A": 100.0,
        "CT:2024-1:B": 50.0,
        "CT:2024-1:C": 75.0,
        "CT:2024-1:D": 0.0,
        "CT:2024-1:E": None,
        "CT:2024-1:F": 50.0,
    }
    ct = _one(
        warehouse,
        "select respondents, is_suppressed, psychological_safety_score_mean, "
        "psychological_safety_pct_positive, stress_recognition_score_mean, pct_intends_to_stay "
        "from workforce.agg_tasc_scores where jurisdiction_id = 'CT'",
    )
    # ps: 100, 50, 75, 0, 50 (E unscored) -> 275 / 5 = 55, 2 of 5 >= 75; sr: 100, 50, 0, 25, 75
    # -> 250 / 5 = 50; intent: A, B, E of 6 stay -> 50%
    assert ct == (6, False, 55.0, 40.0, 50.0, 50.0)
    me = _one(
        warehouse,
        "select respondents, is_suppressed, psychological_safety_score_mean, pct_intends_to_stay "
        "from workforce.agg_tasc_scores where jurisdiction_id = 'ME'",
    )
    assert me == (2, True, None, None)


def test_intent_to_stay_by_psych_safety(warehouse):
    rows = warehouse.execute(
        "select psychological_safety_band, respondents, pct_intends_to_stay "
        "from workforce.agg_intent_to_stay_by_psych_safety order by sort_order"
    ).fetchall()
    # low: CT D; medium: CT B, F; high: CT A, C, ME A, B -- each band rests on fewer than 5
    # respondents (var tasc_min_respondents), so every percentage is suppressed
    assert rows == [("low", 1, None), ("medium", 2, None), ("high", 4, None)]


def test_workforce_turnover(warehouse):
    rows = warehouse.execute(
        "select role, separations, average_headcount, quarterly_turnover_rate, "
        "annualised_turnover_rate from workforce.fct_workforce_quarters "
        "where period = '2024-Q1' order by role"
    ).fetchall()
    assert rows == [("caseworker", 9, 90.0, 0.1, 0.4), ("supervisor", 0, 20.0, 0.0, 0.0)]


def test_outcome_rates_exclude_nested_county(warehouse):
    rows = {
        r[0]: r[1:]
        for r in warehouse.execute(
            "select race_ethnicity_group, jurisdictions_counted, child_population, victims, "
            "disproportionality_index_entries, disparity_index_victims "
            "from equity.agg_outcome_rates_by_group where fiscal_year = 2024"
        ).fetchall()
    }
    # OH and CT count; OH-FRANKLIN is inside OH, which submitted for 2024
    assert rows["all"][:3] == (2, 2000, 80)
    assert rows["black_african_american"] == (2, 500, 40, 3.0, 4.0)
    assert rows["white"][3:] == (0.5, 1.0)
    # OH, OH-FRANKLIN, CT in FY2024 (3 groups each), CT in FY2023 (3), PA-ALLEGHENY in FY2023 (1)
    assert _one(warehouse, "select count(*) from equity.fct_outcomes") == (13,)


def test_dim_jurisdictions(warehouse):
    assert _one(warehouse, "select count(*) from membership.dim_jurisdictions") == (
        len(jurisdictions()),
    )
    nested = {
        r[0]
        for r in warehouse.execute(
            "select jurisdiction_id from membership.dim_jurisdictions where is_nested"
        ).fetchall()
    }
    registry = jurisdictions()
    assert nested == {j for j, r in registry.items() if r.parent_jurisdiction_id in registry}
    assert {"OH-FRANKLIN", "OH-HAMILTON", "CO-EL-PASO", "NY-NYC"} <= nested
    as_of = date(2024, 1, 1)
    members = sum(
        r.joined_date <= as_of and (r.left_date is None or r.left_date > as_of)
        for r in registry.values()
    )
    assert _one(
        warehouse,
        "select count(*) from membership.dim_jurisdictions where joined_date <= ? "
        "and (left_date is null or left_date > ?)",
        [as_of, as_of],
    ) == (members,)


def test_a_refresh_leaves_out_only_the_mart_tests_its_soda_contracts_repeat(built_warehouse):
    """The refresh's dbt build skips unit tests and, on marts with a generated Soda contract, the
    generic tests that contract repeats; the full build of this suite ran every one of them."""
    import json

    from orchestration.defs.dbt_project import refresh_build_args
    from quality_checks.mart_contracts import CONVERTED_TESTS, HAND_WRITTEN_SCHEMAS
    from tests.dbt_project.conftest import run_dbt

    work_dir, path = built_warehouse["work_dir"], built_warehouse["path"]
    listing = ["ls", "--resource-type", "test", "--resource-type", "unit_test", "--output", "json"]
    keys = ["--output-keys", "unique_id depends_on test_metadata"]
    everything = run_dbt([*listing, *keys], path, work_dir)
    kept = run_dbt([*listing, *refresh_build_args()[1:], *keys], path, work_dir)
    assert everything.success and kept.success
    nodes = {json.loads(x)["unique_id"]: json.loads(x) for x in everything.result}
    left_out = set(nodes) - {json.loads(x)["unique_id"] for x in kept.result}
    assert len(left_out) > 100
    manifest = json.loads((work_dir / "target" / "manifest.json").read_text())
    for unique_id in left_out:
        if unique_id.startswith("unit_test."):
            continue
        node = nodes[unique_id]
        assert node["test_metadata"]["name"] in CONVERTED_TESTS, unique_id

        tested = [
            manifest["nodes"][n]
            for n in node["depends_on"]["nodes"]
            if manifest["nodes"][n]["original_file_path"].startswith("models/marts/")
        ]
        assert tested and tested[0]["schema"] not in HAND_WRITTEN_SCHEMAS, unique_id
    ran = {str(r.node.unique_id) for r in built_warehouse["result"].result}
    assert left_out <= ran, "the suite's full build must run what a refresh leaves out"
    assert any(u.startswith("test.") for u in set(nodes) - left_out)  # the rest still run
