"""The Soda gates: real DuckDB in tmp_path, real Soda, no mocks.

The raw contracts read the code lists and the jurisdiction registry straight from the seed files
(``dbt_project/seeds``), so the raw warehouses built here have no ``reference`` schema at all. The
mart contracts, which look codes up in ``reference``, are tested in test_mart_contracts.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import zlib
from datetime import datetime, timedelta
from pathlib import Path
from unittest.mock import ANY

import duckdb
import pytest
import yaml

from ingestion.core_data_set import DATA_SETS, LINEAGE_COLUMNS
from ingestion.raw_loader import ensure_schema, raw_columns
from quality_checks.gate import (
    CONTRACTS_DIR,
    GateResult,
    all_contracts,
    contract_for,
    contract_variables,
    verify,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
SEEDS_DIR = REPO_ROOT / "dbt_project" / "seeds"
SEEDS_VAR = "${var.SEEDS_DIR}"
RAW_CONTRACTS = {name: contract_for("raw", name) for name in DATA_SETS}
# Loaded yesterday: the raw contracts' freshness checks judge loaded_at against now.
LOADED_AT = (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%d %H:%M:%S")


# --- building a warehouse -----------------------------------------------------------------------


def insert(con, data_set: str, jurisdiction: str, rows: list[dict], source_file: str | None = None):
    """Insert canonical rows with their lineage columns, as the raw loader would."""
    ds = DATA_SETS[data_set]
    cols = raw_columns(ds) + [name for name, _ in LINEAGE_COLUMNS]
    source_file = source_file or f"{jurisdiction}/{data_set}/submission.csv"
    submission_id = zlib.crc32(source_file.encode()) % 1_000_000  # one id per file
    values = [
        [row.get(c) for c in raw_columns(ds)]
        + [jurisdiction, source_file, i + 2, "0" * 64, LOADED_AT, submission_id]
        for i, row in enumerate(rows)
    ]
    con.executemany(
        f"insert into raw.{data_set} ({', '.join(cols)}) values ({', '.join('?' * len(cols))})",
        values,
    )


def review(review_id: str, **overrides) -> dict:
    row = {
        "review_id": review_id,
        "incident_type": "fatality",
        "incident_date": "2024-01-10",
        "review_completed_date": "2024-03-01",
        "cause_of_incident": "suid_sleep",
        "maltreatment_type": "neglect",
        "child_age_years": 0,
        "child_sex": "female",
        "child_race_ethnicity": "white",
        "open_case_at_incident": False,
        "prior_reports_count": 1,
        "contact_within_3_years": True,
        "in_out_of_home_care": False,
    }
    row.update(overrides)
    return row


def io(io_id: str, review_id: str, **overrides) -> dict:
    row = {
        "io_id": io_id,
        "review_id": review_id,
        "io_theme": "teamwork_coordination",
        "io_level": "cross_system",
        "partner_agency": "law_enforcement",
        "rating": 2,
        "narrative": "free text",
    }
    row.update(overrides)
    return row


def summary_row(theme: str, **overrides) -> dict:
    row = {
        "period": "2024-Q1",
        "incident_type": "fatality",
        "reviews_completed": 4,
        "io_theme": theme,
        "ios_identified": 3,
        "reviews_with_theme": 2,
    }
    row.update(overrides)
    return row


def tasc(response_id: str, **overrides) -> dict:
    row = {
        "response_id": response_id,
        "survey_wave": "2024-1",
        "response_date": "2024-05-02",
        "org_unit": "U1",
        "role": "caseworker",
        "tenure_band": "1_2y",
        **{f"ps_{i}": 5 for i in range(1, 8)},
        **{f"sr_{i}": 3 for i in range(1, 5)},
        **{f"wc_{i}": 4 for i in range(1, 4)},
        **{f"ee_{i}": 2 for i in range(1, 6)},
        "intent_to_stay": 4,
    }
    row.update(overrides)
    return row


def workforce(role: str, **overrides) -> dict:
    row = {
        "period": "2024-Q1",
        "role": role,
        "headcount_start": 100,
        "headcount_end": 98,
        "hires": 5,
        "separations_voluntary": 6,
        "separations_involuntary": 1,
        "vacancies": 7,
    }
    row.update(overrides)
    return row


def outcome(group: str, **overrides) -> dict:
    row = {
        "fiscal_year": 2023,
        "race_ethnicity_group": group,
        "child_population": 500_000,
        "children_investigated": 20_000,
        "victims": 5_000,
        "victims_with_recurrence": 400,
        "recurrence_window_months": 12,
        "entries_to_care": 2_000,
        "maltreatment_fatalities": 20,
        "near_fatalities": 15,
    }
    row.update(overrides)
    return row


def load_clean(con: duckdb.DuckDBPyConnection) -> None:
    """A small data set that every raw contract accepts."""
    insert(
        con,
        "reviews",
        "CT",
        [
            review("R-1"),
            review(
                "R-2",
                incident_type="near_fatality",
                child_age_years=17,
                maltreatment_type=None,
                child_race_ethnicity="black_african_american;hispanic_latino",
            ),
            review(
                "R-3",
                child_race_ethnicity="unknown",
                prior_reports_count=None,
                incident_date="2024-03-01",
            ),  # same day as completion: allowed
        ],
    )
    # The same review_id in another jurisdiction is a different review.
    insert(con, "reviews", "OH-FRANKLIN", [review("R-1", child_sex="unknown")])
    insert(
        con,
        "improvement_opportunities",
        "CT",
        [
            io("IO-1", "R-1"),
            io("IO-2", "R-1", io_theme="economic_support", partner_agency=None, rating=None),
            io("IO-3", "R-2", io_level="family_need", rating=0),
        ],
    )
    insert(con, "improvement_opportunities", "OH-FRANKLIN", [io("IO-1", "R-1", rating=3)])
    insert(
        con,
        "review_summary",
        "NY",
        [
            summary_row("teamwork_coordination"),
            summary_row("economic_support", ios_identified=1, reviews_with_theme=1),
            summary_row(
                "teamwork_coordination",
                period="2024-Q2",
                reviews_completed=0,
                ios_identified=0,
                reviews_with_theme=0,
            ),
        ],
    )
    insert(
        con,
        "tasc_responses",
        "CT",
        [
            tasc("A1"),
            tasc("A2", role="supervisor", tenure_band=None, ps_1=1, ee_1=0, ee_2=6),
        ],
    )
    insert(con, "tasc_responses", "CT", [tasc("A1", survey_wave="2025-1")], "CT/tasc/wave2.csv")
    insert(con, "workforce", "CT", [workforce("caseworker"), workforce("supervisor", hires=0)])
    insert(
        con,
        "outcomes",
        "CT",
        [
            outcome("all"),
            outcome("white", child_population=250_000, victims=2_000, victims_with_recurrence=150),
        ],
    )


@pytest.fixture
def con(tmp_path):
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    ensure_schema(con)
    load_clean(con)
    assert not _has_reference_schema(con)
    yield con
    con.close()


def _has_reference_schema(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(
        con.execute(
            "select count(*) from information_schema.schemata where schema_name = 'reference'"
        ).fetchone()[0]
    )


def seeds_copy(tmp_path: Path) -> Path:
    """A copy of the seeds folder, to change a code list without touching the real one."""
    return Path(shutil.copytree(SEEDS_DIR, tmp_path / "seeds"))


def failed(result: GateResult) -> dict[str, object]:
    """The failed checks of a result, by their path in the contract."""
    return {c.path: c for c in result.checks if c.outcome != "passed"}


def assert_only_failure(result: GateResult, path: str):
    assert not result.passed, result.summary()
    assert result.errors == [], result.errors
    assert set(failed(result)) == {path}, result.summary()
    check = failed(result)[path]
    assert check.outcome == "failed"
    assert result.dataset in result.summary() and check.name in result.summary()
    return check


# --- the contract files themselves -------------------------------------------------------------


def test_one_contract_per_dataset():
    found = {p.relative_to(CONTRACTS_DIR).as_posix() for p in all_contracts()}
    assert {f"raw/{name}.yml" for name in DATA_SETS} <= found
    assert {
        "reviews/agg_review_counts.yml",
        "reviews/agg_review_theme_counts.yml",
        "workforce/fct_tasc_responses.yml",
        "membership/dim_jurisdictions.yml",
    } <= found
    for path in all_contracts():
        contract = yaml.safe_load(path.read_text())
        assert contract["dataset"] == f"npcs/{path.parent.name}/{path.stem}", path


def _contract_id(path: Path) -> str:
    return path.relative_to(CONTRACTS_DIR).as_posix()


@pytest.mark.parametrize("path", all_contracts(), ids=_contract_id)
def test_contract_is_valid_soda(path):
    """Soda's own parser and JSON schema accept the file (no data source needed)."""
    from soda_core.contracts import test_contract

    result = test_contract(contract_file_path=str(path), variables=contract_variables())
    assert result.is_ok and not result.get_errors(), result.get_errors_str()


@pytest.mark.parametrize("name", list(DATA_SETS))
def test_raw_contract_requires_seeds_dir(name):
    """SEEDS_DIR has no default: a run that does not set it (soda CLI without --set) errors."""
    from soda_core.contracts import test_contract

    contract = yaml.safe_load(RAW_CONTRACTS[name].read_text())
    assert "SEEDS_DIR" in contract["variables"] and contract["variables"]["SEEDS_DIR"] is None
    result = test_contract(contract_file_path=str(RAW_CONTRACTS[name]))
    assert "Required variable 'SEEDS_DIR' did not get a value" in result.get_errors_str()


def _column_checks(contract: dict) -> dict[str, list[tuple[str, dict]]]:
    out = {}
    for col in contract["columns"]:
        out[col["name"]] = [
            (kind, body or {}) for item in col.get("checks") or [] for kind, body in item.items()
        ]
    return out


@pytest.mark.parametrize("name", list(DATA_SETS))
def test_raw_contract_follows_core_data_set(name):
    """The raw contracts say what ingestion/core_data_set.py says, and retype no code value."""
    ds = DATA_SETS[name]
    contract = yaml.safe_load(RAW_CONTRACTS[name].read_text())
    checks = _column_checks(contract)

    expected = [(c.name, c.duckdb_type.lower()) for c in ds.columns if c.name in raw_columns(ds)]
    expected += [(n, t.lower()) for n, t in LINEAGE_COLUMNS]
    assert [(c["name"], c["data_type"]) for c in contract["columns"]] == expected

    for col in (c for c in ds.columns if c.name in raw_columns(ds)):
        kinds = [k for k, _ in checks[col.name]]
        assert ("missing" in kinds) == col.required, col.name
        assert all("valid_reference_data" not in b for _, b in checks[col.name]), col.name
        # every code column is checked against its seed file, by one failed_rows check
        seed_reads = [
            b.get("expression") or b.get("query")
            for k, b in checks[col.name]
            if k == "failed_rows" and "read_csv(" in (b.get("expression") or b.get("query") or "")
        ]
        if col.code_list:
            assert len(seed_reads) == 1, col.name
            assert f"'{SEEDS_VAR}/code_lists/{col.code_list}.csv'" in seed_reads[0], col.name
            assert "c.code is not null" in seed_reads[0], col.name  # a blank code disables nothing
            # one code per value: an expression on the column; several: a query splitting them
            form = "expression" if col.type == "code" else "query"
            assert [k for k, b in checks[col.name] if k == "failed_rows" and form in b], col.name
        else:
            assert seed_reads == [], col.name
        ranges = [
            (b.get("valid_min"), b.get("valid_max"))
            for k, b in checks[col.name]
            if "valid_min" in b or "valid_max" in b
        ]
        assert ranges == ([(col.min, col.max)] if (col.min, col.max) != (None, None) else [])
        assert all("valid_values" not in b for _, b in checks[col.name]), "code values retyped"

    registry = [b["expression"] for k, b in checks["jurisdiction_id"] if k == "failed_rows"]
    assert len(registry) == 1 and f"'{SEEDS_VAR}/jurisdictions.csv'" in registry[0]
    assert registry[0].startswith("jurisdiction_id not in (select j.jurisdiction_id")
    assert "j.jurisdiction_id is not null" in registry[0]

    dataset_checks = {
        k: b for item in contract["checks"] for k, b in item.items() if k != "failed_rows"
    }
    assert dataset_checks["duplicate"]["columns"] == [
        "jurisdiction_id",
        "source_file",
        "submission_id",
        *ds.key,
    ]
    assert "row_count" not in dataset_checks  # raw fills jurisdiction by jurisdiction
    assert "schema" in dataset_checks


def test_every_reference_dataset_is_a_seed():
    seeds = {p.stem for p in SEEDS_DIR.rglob("*.csv")}
    for path in all_contracts():
        for name, checks in _column_checks(yaml.safe_load(path.read_text())).items():
            for _, body in checks:
                ref = body.get("valid_reference_data")
                if ref:
                    _, schema, table = ref["dataset"].split("/")
                    assert schema == "reference" and table in seeds, (path, name, ref)


def test_every_seed_file_a_contract_reads_exists():
    read = re.compile(r"read_csv\('\$\{var\.SEEDS_DIR\}/([^']+)'")
    files = [f for p in all_contracts() for f in read.findall(p.read_text())]
    assert len(files) >= 20
    for f in files:
        assert (SEEDS_DIR / f).is_file(), f


@pytest.mark.parametrize("name", list(DATA_SETS))
def test_raw_contract_does_not_read_the_reference_schema(name):
    """The raw gates run before dbt: nothing in them may need dbt's `reference` schema."""
    lines = [line.split("#")[0] for line in RAW_CONTRACTS[name].read_text().splitlines()]
    assert [line for line in lines if "reference" in line] == []  # comments aside


def test_every_raw_contract_names_a_real_table(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_schema(con)
    tables = {
        f"{s}.{t}"
        for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    }
    for path in RAW_CONTRACTS.values():
        assert f"raw.{path.stem}" in tables


# --- a clean data set passes ---------------------------------------------------------------------


def test_clean_data_passes_every_raw_contract(con):
    for name, path in RAW_CONTRACTS.items():
        result = verify(con, path)
        assert result.passed, result.summary()
        assert result.errors == []
        assert result.dataset == f"raw.{name}"
        assert result.contract == f"raw/{name}.yml"
        assert len(result.checks) > 5 and all(c.outcome == "passed" for c in result.checks)
        assert result.summary().startswith(f"raw.{name}: passed")


def test_passes_on_a_read_only_connection(con, tmp_path):
    """The Dagster checks open the warehouse read-only."""
    con.close()
    ro = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        assert all(verify(ro, p).passed for p in RAW_CONTRACTS.values())
    finally:
        ro.close()


def test_verify_leaves_the_connection_usable(con):
    """No unfinished result is left behind (DuckDB 2 then refuses register/unregister)."""
    con.execute("update raw.reviews set child_age_years = 40 where review_id = 'R-2'")
    for path in (RAW_CONTRACTS["workforce"], RAW_CONTRACTS["reviews"]):  # passing, then failing
        verify(con, path)
        con.register("probe", con.sql("select 1"))
        con.unregister("probe")


# --- one test per defect class -------------------------------------------------------------------


def test_duplicate_review_id_within_a_jurisdiction_fails(con):
    """Two rows with one key in one jurisdiction's submission: which one is the review?"""
    insert(
        con,
        "reviews",
        "CT",
        [review("R-7"), review("R-8"), review("R-7", child_age_years=4)],
        "CT/reviews/second.csv",
    )
    result = verify(con, RAW_CONTRACTS["reviews"])
    check = assert_only_failure(result, "checks.duplicate")
    assert check.diagnostics["duplicate_count"] == 1
    assert check.sample == [
        {
            "jurisdiction_id": "CT",
            "source_file": "CT/reviews/second.csv",
            "submission_id": ANY,
            "review_id": "R-7",
            "n_rows": 2,
        }
    ]


def test_same_review_id_in_two_jurisdictions_passes(con):
    insert(con, "reviews", "WY", [review("R-2"), review("R-3")])
    assert verify(con, RAW_CONTRACTS["reviews"]).passed


def test_same_review_id_in_a_later_file_of_the_jurisdiction_passes(con):
    """A later submission replaces earlier records with the same key (core data set; dbt staging
    keeps the latest), so a correction file must not be blocked by the raw gate."""
    insert(con, "reviews", "CT", [review("R-2", child_age_years=3)], "CT/reviews/correction.csv")
    assert verify(con, RAW_CONTRACTS["reviews"]).passed


def test_out_of_list_incident_type_fails(con):
    con.execute("update raw.reviews set incident_type = 'Fatality' where review_id = 'R-3'")
    result = verify(con, RAW_CONTRACTS["reviews"])
    check = assert_only_failure(result, "columns.incident_type.checks.failed_rows")
    assert check.column == "incident_type" and check.type == "failed_rows"
    assert check.name == "code in seeds/code_lists/incident_type.csv"
    assert check.diagnostics["failed_rows_count"] == 1
    assert check.sample == [
        {
            "jurisdiction_id": "CT",
            "source_file": "CT/reviews/submission.csv",
            "submission_id": ANY,
            "review_id": "R-3",
            "source_row_number": 4,
            "incident_type": "Fatality",
        }
    ]
    line = result.summary()
    assert line.startswith("raw.reviews: column incident_type: failed_rows check"), line
    assert "failed_rows_count=1" in line and "incident_type=Fatality" in line, line
    assert "source_file=CT/reviews/submission.csv" in line and "source_row_number=4" in line


def _code_columns() -> list[tuple[str, str, str]]:
    return [
        (name, col.name, col.code_list)
        for name, ds in DATA_SETS.items()
        for col in ds.columns
        if col.type == "code" and col.code_list
    ]


@pytest.mark.parametrize(
    "name, column, code_list", _code_columns(), ids=[f"{n}.{c}" for n, c, _ in _code_columns()]
)
def test_out_of_list_code_fails_in_every_code_column(con, name, column, code_list):
    """Each code column fails its own check, named after its seed file, naming the bad value."""
    # the last row loaded: changing it breaks no other rule (outcomes keeps its 'all' row)
    con.execute(
        f"update raw.{name} set {column} = 'not_a_code' "
        f"where rowid = (select max(rowid) from raw.{name})"
    )
    result = verify(con, RAW_CONTRACTS[name])
    check = assert_only_failure(result, f"columns.{column}.checks.failed_rows")
    assert check.name == f"code in seeds/code_lists/{code_list}.csv"
    assert check.diagnostics["failed_rows_count"] == 1
    assert [row[column] for row in check.sample] == ["not_a_code"]
    assert {"jurisdiction_id", "source_file", "source_row_number"} <= set(check.sample[0])
    assert f"column {column}: " in result.summary()
    assert f"{column}=not_a_code" in result.summary()


def test_raw_gates_need_no_reference_schema(con):
    """With no `reference` schema in the warehouse the raw gates pass on clean data and still
    catch a bad code and an unknown jurisdiction."""
    assert not _has_reference_schema(con)
    assert all(verify(con, p).passed for p in RAW_CONTRACTS.values())
    con.execute("update raw.tasc_responses set role = 'intern', jurisdiction_id = 'XX'")
    result = verify(con, RAW_CONTRACTS["tasc_responses"])
    assert result.errors == [] and set(failed(result)) == {
        "columns.role.checks.failed_rows",
        "columns.jurisdiction_id.checks.failed_rows",
    }, result.summary()
    assert "role=intern" in result.summary() and "jurisdiction_id=XX" in result.summary()


def test_code_lists_come_from_the_seed_files(con, tmp_path):
    """A code added to the seed file is accepted at once: no `dbt seed` in between."""
    con.execute("update raw.reviews set incident_type = 'fatality_new' where review_id = 'R-3'")
    assert not verify(con, RAW_CONTRACTS["reviews"]).passed
    seeds = seeds_copy(tmp_path)
    with (seeds / "code_lists" / "incident_type.csv").open("a") as f:
        f.write("fatality_new,New fatality,9\n")
    assert verify(con, RAW_CONTRACTS["reviews"], {"SEEDS_DIR": str(seeds)}).passed


def test_blank_code_in_a_seed_file_does_not_disable_the_check(con, tmp_path):
    """`x not in (list with a NULL)` is never true: the contracts leave NULL codes out."""
    seeds = seeds_copy(tmp_path)
    with (seeds / "code_lists" / "incident_type.csv").open("a") as f:
        f.write(",Blank,99\n")
    with (seeds / "jurisdictions.csv").open("a") as f:
        f.write(",Nowhere,state,,,2018-06-01,,10\n")
    con.execute("update raw.reviews set incident_type = 'Fatality' where review_id = 'R-3'")
    insert(con, "reviews", "ZZ", [review("R-1")])
    result = verify(con, RAW_CONTRACTS["reviews"], {"SEEDS_DIR": str(seeds)})
    assert result.errors == [] and set(failed(result)) == {
        "columns.incident_type.checks.failed_rows",
        "columns.jurisdiction_id.checks.failed_rows",
    }, result.summary()


def test_seeds_dir_with_a_quote_in_its_path_works(con, tmp_path, monkeypatch):
    """The default SEEDS_DIR goes into a SQL string literal: a quote in the path is escaped."""
    import quality_checks.gate as gate

    seeds = Path(shutil.copytree(SEEDS_DIR, tmp_path / "it's seeds"))
    monkeypatch.setattr(gate, "SEEDS_DIR", seeds)
    assert contract_variables()["SEEDS_DIR"] == seeds.as_posix().replace("'", "''")
    assert verify(con, RAW_CONTRACTS["reviews"]).passed
    con.execute("update raw.reviews set incident_type = 'Fatality' where review_id = 'R-3'")
    result = verify(con, RAW_CONTRACTS["reviews"])
    assert set(failed(result)) == {"columns.incident_type.checks.failed_rows"}, result.summary()
    assert "incident_type=Fatality" in result.summary()  # the sample query got the same path


def test_missing_required_value_fails(con):
    con.execute("update raw.reviews set cause_of_incident = null where review_id = 'R-1'")
    check = assert_only_failure(
        verify(con, RAW_CONTRACTS["reviews"]), "columns.cause_of_incident.checks.missing"
    )
    assert check.diagnostics["missing_count"] == 2  # R-1 in CT and in OH-FRANKLIN


def test_missing_optional_value_passes(con):
    con.execute("update raw.reviews set maltreatment_type = null, prior_reports_count = null")
    assert verify(con, RAW_CONTRACTS["reviews"]).passed


def test_out_of_range_child_age_fails(con):
    con.execute("update raw.reviews set child_age_years = 18 where review_id = 'R-2'")
    check = assert_only_failure(
        verify(con, RAW_CONTRACTS["reviews"]), "columns.child_age_years.checks.invalid"
    )
    assert check.diagnostics["invalid_count"] == 1
    assert check.sample[0]["child_age_years"] == 18


def test_io_whose_review_does_not_exist_fails(con):
    insert(con, "improvement_opportunities", "CT", [io("IO-9", "R-404")], "CT/io/late.csv")
    # R-2 exists, but in CT only: an IO must point at a review of its own jurisdiction.
    insert(con, "improvement_opportunities", "OH-FRANKLIN", [io("IO-8", "R-2")], "OH/io/late.csv")
    result = verify(con, RAW_CONTRACTS["improvement_opportunities"])
    check = assert_only_failure(result, "checks.failed_rows.review_exists")
    assert check.diagnostics["failed_rows_count"] == 2
    assert {(r["jurisdiction_id"], r["io_id"]) for r in check.sample} == {
        ("CT", "IO-9"),
        ("OH-FRANKLIN", "IO-8"),
    }


def test_unknown_jurisdiction_fails(con):
    insert(con, "workforce", "ZZ", [workforce("caseworker")])
    result = verify(con, RAW_CONTRACTS["workforce"])
    check = assert_only_failure(result, "columns.jurisdiction_id.checks.failed_rows")
    assert check.name == "jurisdiction in seeds/jurisdictions.csv"
    assert check.diagnostics["failed_rows_count"] == 1
    assert check.sample == [
        {
            "jurisdiction_id": "ZZ",
            "source_file": "ZZ/workforce/submission.csv",
            "submission_id": ANY,
            "period": "2024-Q1",
            "role": "caseworker",
            "source_row_number": 2,
        }
    ]
    assert "column jurisdiction_id: " in result.summary()
    assert "jurisdiction_id=ZZ" in result.summary()


def test_out_of_list_race_ethnicity_code_fails(con):
    sql = "update raw.reviews set child_race_ethnicity = ? where review_id = ?"
    con.execute(sql, ["white;martian", "R-1"])
    con.execute(sql, ["unknown;asian", "R-2"])
    result = verify(con, RAW_CONTRACTS["reviews"])
    check = assert_only_failure(result, "columns.child_race_ethnicity.checks.failed_rows")
    assert check.column == "child_race_ethnicity"
    assert check.diagnostics["failed_rows_count"] == 3  # R-1 twice (CT, OH-FRANKLIN), R-2 once
    assert {
        (r["jurisdiction_id"], r["review_id"], r["child_race_ethnicity"]) for r in check.sample
    } == {
        ("CT", "R-1", "white;martian"),
        ("OH-FRANKLIN", "R-1", "white;martian"),
        ("CT", "R-2", "unknown;asian"),
    }
    assert all(r["source_file"] and r["source_row_number"] for r in check.sample)
    assert "child_race_ethnicity=white;martian" in result.summary()


def test_incident_after_review_completed_fails(con):
    con.execute("update raw.reviews set incident_date = '2024-03-02' where review_id = 'R-3'")
    assert_only_failure(
        verify(con, RAW_CONTRACTS["reviews"]), "checks.failed_rows.incident_before_review"
    )


def test_reviews_with_theme_above_reviews_completed_fails(con):
    con.execute(
        "update raw.review_summary set reviews_with_theme = 5, ios_identified = 9 "
        "where io_theme = 'teamwork_coordination' and period = '2024-Q1'"
    )
    assert_only_failure(
        verify(con, RAW_CONTRACTS["review_summary"]), "checks.failed_rows.theme_within_completed"
    )


def test_bad_quarter_and_missing_total_row_fail(con):
    con.execute("update raw.workforce set period = '2024Q1' where role = 'supervisor'")
    assert_only_failure(verify(con, RAW_CONTRACTS["workforce"]), "columns.period.checks.invalid")
    con.execute("delete from raw.outcomes where race_ethnicity_group = 'all'")
    assert_only_failure(
        verify(con, RAW_CONTRACTS["outcomes"]), "checks.failed_rows.total_row_present"
    )


def test_an_empty_raw_table_passes(con):
    """Raw fills one jurisdiction at a time: a data set nobody has submitted yet is not a
    defect (the marts the report reads keep their row_count checks)."""
    con.execute("delete from raw.tasc_responses")
    assert verify(con, RAW_CONTRACTS["tasc_responses"]).passed


def test_schema_drift_fails(con):
    con.execute("alter table raw.outcomes add column child_name varchar")
    check = assert_only_failure(verify(con, RAW_CONTRACTS["outcomes"]), "checks.schema")
    assert check.diagnostics["unexpected_columns"] == ["child_name"]


# --- fail closed ----------------------------------------------------------------------------------


def _fails_closed(result: GateResult, *needles: str) -> None:
    assert result.passed is False
    assert result.errors, result
    text = " ".join(result.errors)
    for needle in needles:
        assert needle in text, text
    assert result.summary()  # always explains itself


_MISSING_CHECK = "\n    checks:\n      - missing:\n"


@pytest.mark.parametrize(
    "text, needle",
    [
        ("dataset: npcs/raw/reviews\ncolumns: [\n", "YAML"),
        (
            "dataset: npcs/raw/reviews\ncolumns:\n  - name: review_id\n"
            "    checks:\n      - unknown_check:\n",
            "unknown_check",
        ),
        ("dataset: npcs/raw/reviews\ncolumns:\n  - name: review_id\n", "no check ran"),
        (
            "dataset: npcs/raw/no_such_table\ncolumns:\n  - name: a" + _MISSING_CHECK,
            "no_such_table",
        ),
        (
            "dataset: npcs/raw/reviews\ncolumns:\n  - name: no_such_column" + _MISSING_CHECK,
            "no_such_column",
        ),
        (
            "dataset: elsewhere/raw/reviews\ncolumns:\n  - name: review_id" + _MISSING_CHECK,
            "elsewhere",
        ),
        (
            "dataset: npcs/raw/reviews\nvariables:\n  CODES:\n    default: [a, b]\n"
            "columns:\n  - name: review_id" + _MISSING_CHECK,
            "default",
        ),
        ("", "dataset"),
    ],
    ids=[
        "yaml-syntax",
        "unknown-check",
        "no-checks",
        "missing-table",
        "missing-column",
        "wrong-data-source",
        "list-variable",
        "empty-file",
    ],
)
def test_broken_contract_fails_closed(con, tmp_path, text, needle):
    path = tmp_path / "broken.yml"
    path.write_text(text)
    _fails_closed(verify(con, path), needle)


def test_missing_contract_file_fails_closed(con):
    _fails_closed(verify(con, contract_for("raw", "no_such_table")), "does not exist")


def test_contract_naming_another_table_than_its_path_fails_closed(con, tmp_path, monkeypatch):
    import quality_checks.gate as gate

    root = tmp_path / "contracts"
    (root / "raw").mkdir(parents=True)
    shutil.copy(RAW_CONTRACTS["workforce"], root / "raw" / "reviews.yml")
    monkeypatch.setattr(gate, "CONTRACTS_DIR", root)
    _fails_closed(verify(con, root / "raw" / "reviews.yml"), "raw.workforce", "raw.reviews")


@pytest.mark.parametrize("damage", ["removed", "no-code-column", "wrong-dir"])
def test_missing_or_broken_seed_file_fails_closed(con, tmp_path, damage):
    seeds = seeds_copy(tmp_path)
    code_list = seeds / "code_lists" / "incident_type.csv"
    if damage == "removed":
        code_list.unlink()
    elif damage == "no-code-column":
        code_list.write_text(code_list.read_text().replace("code,", "kode,", 1))
    else:
        seeds = tmp_path / "nowhere"
    result = verify(con, RAW_CONTRACTS["reviews"], {"SEEDS_DIR": str(seeds)})
    needle = {"removed": "incident_type.csv", "no-code-column": "c.code", "wrong-dir": "nowhere"}
    _fails_closed(result, needle[damage])


def test_closed_connection_fails_closed(con):
    con.close()
    _fails_closed(verify(con, RAW_CONTRACTS["reviews"]))


def test_soda_not_importable_fails_closed(con, tmp_path):
    """With soda_core unimportable, verify() answers passed=False: no raise, never a pass."""
    con.close()
    script = textwrap.dedent(
        f"""
        import sys
        sys.modules["soda_core"] = None  # any import of soda_core now raises ImportError
        import duckdb
        from quality_checks.gate import verify, contract_for
        con = duckdb.connect({str(tmp_path / "warehouse.duckdb")!r}, read_only=True)
        r = verify(con, contract_for("raw", "reviews"))
        print(repr(r.passed), r.errors)
        sys.exit(0 if r.passed is False and "soda_core" in " ".join(r.errors) else 1)
        """
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("False")


def test_soda_not_importable_in_process_fails_closed(con, monkeypatch):
    for name in [m for m in sys.modules if m == "soda_core" or m.startswith("soda_core.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "soda_core", None)
    _fails_closed(verify(con, RAW_CONTRACTS["reviews"]), "soda_core")


# --- timing on ~30k rows ------------------------------------------------------------------------


def load_volume(con: duckdb.DuckDBPyConnection, n_reviews: int = 8_500) -> int:
    """About 30k valid raw rows across all data sets, generated in SQL."""

    def lineage(jurisdiction: str) -> str:
        loaded = "cast(now() as timestamp) - interval 1 day"
        return f"{jurisdiction}, 'gen.csv', cast(i + 2 as integer), 'x', {loaded}, 1"

    eight = "(['CT', 'OH', 'TN', 'NJ', 'MD', 'KS', 'CO', 'IN'])"
    con.execute(f"""
        insert into raw.reviews select
            'R-' || i, (['fatality', 'near_fatality', 'serious_injury'])[1 + i % 3],
            date '2020-01-01' + cast(i % 1000 as integer),
            date '2020-01-01' + cast(i % 1000 + 60 as integer),
            'drowning', 'neglect', cast(i % 18 as integer), 'male', 'white;asian', false, 1, true,
            false, {lineage(f"{eight}[1 + i % 8]")}
        from range({n_reviews}) as t(i)
    """)
    # IO i belongs to review i // 2, in that review's jurisdiction.
    con.execute(f"""
        insert into raw.improvement_opportunities select
            'IO-' || i, 'R-' || (i // 2), 'training_skills', 'agency', null, 1,
            {lineage(f"{eight}[1 + (i // 2) % 8]")}
        from range({2 * n_reviews}) as t(i)
    """)
    con.execute(f"""
        insert into raw.tasc_responses select
            'A' || i, '2024-1', date '2024-05-01', 'U1', 'caseworker', 'lt_1y',
            4, 4, 4, 4, 4, 4, 4, 3, 3, 3, 3, 4, 4, 4, 2, 2, 2, 2, 2, 4,
            {lineage(f"{eight}[1 + i % 8]")}
        from range(4000) as t(i)
    """)
    con.execute(f"""
        insert into raw.review_summary select
            (2019 + i // 4) || '-Q' || (1 + i % 4), 'fatality', 5, 'teamwork_coordination', 3, 2,
            {lineage("'NY'")}
        from range(24) as t(i)
    """)
    con.execute(f"""
        insert into raw.workforce select
            (2019 + i // 4) || '-Q' || (1 + i % 4), 'caseworker', 10, 10, 1, 1, 0, 2,
            {lineage("'CT'")}
        from range(24) as t(i)
    """)
    con.execute(f"""
        insert into raw.outcomes select
            2015 + i, 'all', 1000, 100, 10, 1, 12, 5, 0, 0, {lineage("'CT'")}
        from range(10) as t(i)
    """)
    return sum(con.execute(f"select count(*) from raw.{n}").fetchone()[0] for n in DATA_SETS)


def test_all_raw_contracts_verify_fast_on_30k_rows(tmp_path):
    con = duckdb.connect(str(tmp_path / "volume.duckdb"))
    ensure_schema(con)
    rows = load_volume(con)
    assert rows >= 28_000 and not _has_reference_schema(con)
    verify(con, RAW_CONTRACTS["workforce"])  # first call pays the one-off Soda import (~1 s)
    started = time.perf_counter()
    results = [verify(con, p) for p in RAW_CONTRACTS.values()]
    elapsed = time.perf_counter() - started
    con.close()
    print(
        f"\nverified {len(results)} raw contracts on {rows} rows in {elapsed:.3f} s: "
        + ", ".join(f"{r.dataset} {r.seconds:.3f}s" for r in results)
    )
    for r in results:
        assert r.passed, r.summary()
    # Well under 2 s expected (~0.4 s measured, code lists read from the seed files); the bound
    # leaves room for a slow CI box and still catches Soda telemetry retrying offline (~8 s each).
    assert elapsed < 5


# The mart contracts (generated from the dbt project) are tested on the demo warehouse, one planted
# defect per class, in test_mart_contracts.py.
