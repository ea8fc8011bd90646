"""The mart contracts, generated from the dbt project by quality_checks/mart_contracts.py.

Real dbt (``dbt parse``), real Soda, real DuckDB: the demo warehouse is the one the session's
demo refresh built (tests/conftest.py); each planted defect works on its own copy of the file and
verifies only the contract concerned.
"""

from __future__ import annotations

import copy
import shutil
import time
from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion.core_data_set import DATA_SETS
from quality_checks import mart_contracts
from quality_checks.gate import GateResult, all_contracts, contract_for, verify
from quality_checks.store import VOLUME_BASELINE, record_volume_baseline

MART_CONTRACTS = [
    p
    for p in all_contracts()
    if p.parent.name != "raw" and p.parent.name not in mart_contracts.HAND_WRITTEN_SCHEMAS
]


@pytest.fixture(scope="module")
def manifest() -> dict:
    return mart_contracts.parse_manifest()


@pytest.fixture(scope="module")
def demo_warehouse(demo_refresh, tmp_path_factory) -> Path:
    """A copy of the demo refresh's warehouse (raw loaded, dbt built), left as it is."""
    copy_ = tmp_path_factory.mktemp("mart_contracts") / "demo.duckdb"
    shutil.copy(demo_refresh.settings.warehouse, copy_)
    return copy_


@pytest.fixture
def defect(demo_warehouse, tmp_path):
    """An open connection to a fresh copy of the demo warehouse, to plant a defect in."""
    path = tmp_path / "defect.duckdb"
    shutil.copy(demo_warehouse, path)
    con = duckdb.connect(str(path))
    yield con
    con.close()


def unconstrained(con: duckdb.DuckDBPyConnection, relation: str) -> None:
    """Rebuild ``relation`` without its constraints (same columns and types), so that a defect
    dbt's contract would refuse — a duplicate key, a null — can be planted."""
    con.execute(f"create or replace table {relation} as select * from {relation}")


def failed(result: GateResult) -> dict:
    return {c.path: c for c in result.checks if c.outcome != "passed"}


def only_failure(result: GateResult, path: str):
    """The one failed check of ``result``, which must be at ``path``."""
    assert not result.passed, result.summary()
    assert result.errors == [], result.errors
    assert set(failed(result)) == {path}, result.summary()
    check = failed(result)[path]
    assert check.outcome == "failed"
    return check


# --- the files ----------------------------------------------------------------------------------


def test_committed_contracts_equal_a_fresh_generation(manifest):
    diffs = mart_contracts.differences(mart_contracts.generate(manifest))
    assert diffs == [], f"mart contracts out of date, run {mart_contracts.REGENERATE}: {diffs}"


def test_every_mart_has_a_contract_and_every_contract_gates_a_mart_or_raw_table(manifest):
    marts = {f"{n['schema']}/{n['alias']}" for n in mart_contracts.mart_models(manifest)}
    assert len(marts) >= 26
    contracts = {f"{p.parent.name}/{p.stem}" for p in all_contracts()}
    raw = {f"raw/{name}" for name in DATA_SETS}
    hand_written = {c for c in contracts if c.split("/")[0] in mart_contracts.HAND_WRITTEN_SCHEMAS}
    all_marts = {
        f"{n['schema']}/{n.get('alias') or n['name']}"
        for n in manifest["nodes"].values()
        if n["resource_type"] == "model"
        and n["original_file_path"].startswith(mart_contracts.MARTS_PATH)
    }
    assert hand_written == all_marts - marts  # every hand-written mart has its contract too
    assert contracts - raw - hand_written == marts
    assert raw <= contracts
    for path in MART_CONTRACTS:
        assert path.read_text().startswith(mart_contracts.GENERATED_MARK), path


def test_a_dbt_yml_change_makes_the_committed_contract_stale(manifest):
    """What the staleness test catches: a changed definition changes that mart's contract only."""
    changed = copy.deepcopy(manifest)
    column = changed["nodes"]["model.npcs.fct_reviews"]["columns"]["ios_count"]
    column["meta"] = {"quality": {"valid_min": 1}}
    column["config"]["meta"] = column["meta"]
    assert mart_contracts.differences(mart_contracts.generate(changed)) == [
        "differs  reviews/fct_reviews.yml"
    ]


def test_a_composite_key_becomes_a_dataset_duplicate_check(manifest):
    """No mart has one today; a composite primary key must still be checked as one key."""
    changed = copy.deepcopy(manifest)
    node = changed["nodes"]["model.npcs.agg_review_counts"]
    node["constraints"] = [
        {"type": "primary_key", "columns": ["jurisdiction_id", "counted_on", "source"]}
    ]
    contract = mart_contracts.build_contract(changed, node)
    assert {
        "duplicate": {"name": "key unique", "columns": ["jurisdiction_id", "counted_on", "source"]}
    } in contract["checks"]
    by_name = {c["name"]: c.get("checks", []) for c in contract["columns"]}
    assert {"missing": None} in by_name["counted_on"]
    assert {"duplicate": None} not in by_name["jurisdiction_id"]


def test_contract_types_are_exactly_what_duckdb_reports(demo_warehouse):
    """Soda treats integer and bigint (and float and double) as the same type: the contracts
    themselves must name the exact type, so a reader is never misled."""
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    try:
        for path in MART_CONTRACTS:
            contract = yaml.safe_load(path.read_text())
            actual = con.execute(
                "select column_name, lower(data_type) from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [path.parent.name, path.stem],
            ).fetchall()
            assert [(c["name"], c["data_type"]) for c in contract["columns"]] == actual, path
    finally:
        con.close()


# --- a clean warehouse passes ------------------------------------------------------------------


def test_every_mart_contract_passes_on_the_demo_warehouse(demo_warehouse):
    con = duckdb.connect(str(demo_warehouse), read_only=True)
    try:
        started = time.perf_counter()
        results = [verify(con, path) for path in MART_CONTRACTS]
        elapsed = time.perf_counter() - started
    finally:
        con.close()
    checks = sum(len(r.checks) for r in results)
    print(
        f"\nverified {len(results)} mart contracts ({checks} checks) on the demo warehouse in "
        f"{elapsed:.2f} s; slowest: "
        + ", ".join(
            f"{r.dataset} {r.seconds:.3f}s" for r in sorted(results, key=lambda r: -r.seconds)[:3]
        )
    )
    for r in results:
        assert r.passed, r.summary()
    assert len(results) >= 26


def test_volume_within_thresholds_of_a_recorded_baseline_passes(defect):
    """The counts volume_counts() gives are the ones the check compares: recorded as the
    baseline, the same data passes."""
    for relation in ("reviews.fct_reviews", "equity.agg_outcome_rates_by_group"):
        counts = mart_contracts.volume_counts(defect, relation)
        record_volume_baseline(defect, relation, counts, run_id="test")
    assert None not in mart_contracts.volume_counts(defect, "reviews.fct_reviews")
    assert list(mart_contracts.volume_counts(defect, "equity.agg_outcome_rates_by_group")) == [None]
    for schema, table in (("reviews", "fct_reviews"), ("equity", "agg_outcome_rates_by_group")):
        result = verify(defect, contract_for(schema, table))
        assert result.passed, result.summary()


# --- one planted defect per class ----------------------------------------------------------------


def test_duplicate_key_fails(defect):
    unconstrained(defect, "reviews.fct_reviews")
    defect.execute("insert into reviews.fct_reviews select * from reviews.fct_reviews limit 1")
    result = verify(defect, contract_for("reviews", "fct_reviews"))
    check = only_failure(result, "columns.review_key.checks.duplicate")
    assert check.diagnostics["duplicate_count"] == 1
    assert check.sample[0]["n_rows"] == 2


def test_null_in_a_required_column_fails(defect):
    # cause_of_incident: a not_null test in the dbt yml (the raw column is required)
    unconstrained(defect, "reviews.fct_reviews")
    defect.execute(
        "update reviews.fct_reviews set cause_of_incident = null "
        "where review_key = (select min(review_key) from reviews.fct_reviews)"
    )
    result = verify(defect, contract_for("reviews", "fct_reviews"))
    check = only_failure(result, "columns.cause_of_incident.checks.missing")
    assert check.diagnostics["missing_count"] == 1
    assert check.sample[0]["cause_of_incident"] is None and check.sample[0]["review_key"]


@pytest.mark.parametrize(
    ("relation", "key", "column", "where", "path"),
    [
        # relationships to a seed -> valid_reference_data
        ("reviews.fct_reviews", "review_key", "incident_type", "true", "invalid"),
        # accepted_values -> valid_values
        ("reviews.agg_review_counts", "review_count_key", "source", "true", "invalid"),
        # relationships with `where` -> a filtered check; only that one of the column's four fails
        (
            "workforce.agg_tasc_scores_by_group",
            "tasc_group_score_key",
            "group_value",
            "grouping_dimension = 'role'",
            "invalid.staff_role",
        ),
    ],
    ids=["reference_seed", "accepted_values", "filtered_reference"],
)
def test_out_of_list_code_fails(defect, relation, key, column, where, path):
    defect.execute(
        f"update {relation} set {column} = 'not_a_code' "
        f"where {key} = (select min({key}) from {relation} where {where})"
    )
    schema, table = relation.split(".")
    result = verify(defect, contract_for(schema, table))
    check = only_failure(result, f"columns.{column}.checks.{path}")
    assert check.diagnostics["invalid_count"] == 1
    # the sample shows the offending row only (a filtered check's sample keeps to its rows)
    assert [row[column] for row in check.sample] == ["not_a_code"], check.sample


def test_out_of_list_element_of_a_list_column_fails(defect):
    """values_in_code_list -> a failed_rows query over the elements."""
    defect.execute(
        "update reviews.fct_reviews set themes = list_append(themes, 'not_a_theme') "
        "where review_key = (select min(review_key) from reviews.fct_reviews)"
    )
    result = verify(defect, contract_for("reviews", "fct_reviews"))
    check = only_failure(result, "columns.themes.checks.failed_rows")
    (row,) = check.sample
    assert row["themes"] == "not_a_theme" and row["review_key"]


def test_broken_reference_to_another_mart_fails(defect):
    defect.execute(
        "update reviews.fct_improvement_opportunities set review_key = 'XX:no-such-review' "
        "where io_key = (select min(io_key) from reviews.fct_improvement_opportunities)"
    )
    result = verify(defect, contract_for("reviews", "fct_improvement_opportunities"))
    check = only_failure(result, "columns.review_key.checks.failed_rows")
    assert check.diagnostics["failed_rows_count"] == 1
    (row,) = check.sample
    assert row["review_key"] == "XX:no-such-review" and row["io_key"]


def test_jurisdiction_missing_from_the_registry_mart_fails(defect):
    defect.execute("delete from membership.dim_jurisdictions where jurisdiction_id = 'CT'")
    result = verify(defect, contract_for("reviews", "fct_reviews"))
    check = only_failure(result, "columns.jurisdiction_id.checks.failed_rows")
    assert {row["jurisdiction_id"] for row in check.sample} == {"CT"}


def test_out_of_range_value_fails(defect):
    defect.execute(
        "update workforce.fct_tasc_responses set psychological_safety_score = 100.5 "
        "where response_key = (select min(response_key) from workforce.fct_tasc_responses)"
    )
    result = verify(defect, contract_for("workforce", "fct_tasc_responses"))
    check = only_failure(result, "columns.psychological_safety_score.checks.invalid")
    assert check.diagnostics["invalid_count"] == 1
    assert check.sample[0]["psychological_safety_score"] == 100.5


def test_rule_from_the_model_meta_fails(defect):
    """meta.quality.failed_rows of agg_outcome_rates_by_group: each fiscal year has an `all` row."""
    defect.execute(
        "delete from equity.agg_outcome_rates_by_group where race_ethnicity_group = 'all' "
        "and fiscal_year = (select min(fiscal_year) from equity.agg_outcome_rates_by_group)"
    )
    result = verify(defect, contract_for("equity", "agg_outcome_rates_by_group"))
    check = only_failure(result, "checks.failed_rows.all_row_per_year")
    assert len(check.sample) == 1


@pytest.mark.parametrize(
    ("change", "diagnostic", "expected"),
    [
        ("drop column completed_quarter", "missing_columns", ["completed_quarter"]),
        (
            "alter table reviews.fct_reviews alter incident_date type varchar",
            "type_mismatches",
            ["incident_date: date -> varchar"],
        ),
        ("add column extra_column integer", "unexpected_columns", ["extra_column"]),
    ],
    ids=["dropped", "retyped", "added"],
)
def test_schema_drift_fails(defect, change, diagnostic, expected):
    unconstrained(defect, "reviews.fct_reviews")
    if not change.startswith("alter"):
        change = f"alter table reviews.fct_reviews {change}"
    defect.execute(change)
    result = verify(defect, contract_for("reviews", "fct_reviews"))
    check = only_failure(result, "checks.schema")
    assert [m.lower() for m in check.diagnostics[diagnostic]] == expected


def _baseline(con, relation: str) -> dict:
    counts = mart_contracts.volume_counts(con, relation)
    record_volume_baseline(con, relation, counts, run_id="test")
    return counts


def test_volume_drop_in_one_jurisdiction_fails_and_names_it(defect):
    counts = _baseline(defect, "reviews.agg_review_counts")
    big = max(counts, key=counts.get)
    assert counts[big] >= 20  # above VOLUME_MIN_ROWS, so it is compared
    # keep 40%: below (1 - VOLUME_MAX_DROP 0.5) x the baseline
    keep = int(counts[big] * 0.4)
    defect.execute(
        "delete from reviews.agg_review_counts where jurisdiction_id = ? "
        "and review_count_key not in (select review_count_key from reviews.agg_review_counts "
        "where jurisdiction_id = ? order by review_count_key limit ?)",
        [big, big, keep],
    )
    result = verify(defect, contract_for("reviews", "agg_review_counts"))
    check = only_failure(result, "checks.failed_rows.volume_change")
    assert check.sample == [{"jurisdiction_id": big, "rows_before": counts[big], "rows_now": keep}]
    assert big in result.summary()


def test_vanished_jurisdiction_and_jump_fail_small_ones_are_not_compared(defect):
    counts = _baseline(defect, "reviews.agg_review_counts")
    ordered = sorted(counts, key=counts.get)
    small, gone, grown = ordered[0], ordered[-2], ordered[-1]
    assert counts[small] < 20 and counts[gone] >= 20 and counts[grown] > 3 * 20
    defect.execute("delete from reviews.agg_review_counts where jurisdiction_id = ?", [small])
    defect.execute("delete from reviews.agg_review_counts where jurisdiction_id = ?", [gone])
    # a jump: a baseline of 20 rows (VOLUME_MIN_ROWS), now more than (1 + 2.0) x 20
    defect.execute(
        f"update {VOLUME_BASELINE} set row_count = 20 where dataset = ? and jurisdiction_id = ?",
        ["reviews.agg_review_counts", grown],
    )
    result = verify(defect, contract_for("reviews", "agg_review_counts"))
    check = only_failure(result, "checks.failed_rows.volume_change")
    assert sorted(check.sample, key=lambda r: r["rows_now"]) == [
        {"jurisdiction_id": gone, "rows_before": counts[gone], "rows_now": 0},
        {"jurisdiction_id": grown, "rows_before": 20, "rows_now": counts[grown]},
    ]


def test_volume_drop_of_a_mart_without_jurisdictions_fails(defect):
    (rows,) = _baseline(defect, "equity.agg_outcome_rates_by_group").values()
    defect.execute(
        "delete from equity.agg_outcome_rates_by_group "
        "where fiscal_year > (select min(fiscal_year) from equity.agg_outcome_rates_by_group)"
    )
    result = verify(defect, contract_for("equity", "agg_outcome_rates_by_group"))
    check = only_failure(result, "checks.failed_rows.volume_change")
    (row,) = check.sample
    assert row["jurisdiction_id"] is None and row["rows_before"] == rows
    assert row["rows_now"] < rows / 2


def test_every_mart_contract_checks_volume_with_the_thresholds_as_variables():
    for path in MART_CONTRACTS:
        contract = yaml.safe_load(path.read_text())
        assert contract["variables"] == {name: None for name in mart_contracts.VOLUME_VARIABLES}
        volume = [
            c["failed_rows"]
            for c in contract["checks"]
            if "failed_rows" in c and c["failed_rows"].get("qualifier") == "volume_change"
        ]
        assert len(volume) == 1, path
        query = volume[0]["query"]
        assert f"dataset = '{path.parent.name}.{path.stem}'" in query
        for name in mart_contracts.VOLUME_VARIABLES:
            assert "${var." + name + "}" in query
