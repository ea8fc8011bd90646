"""The mart gates verify in parallel (quality_checks/parallel.py): same results as one by one,
real worker processes, and a worker that dies costs nothing but time — its contract is verified
here instead, and a gate still fails closed."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from quality_checks import parallel
from quality_checks.gate import all_contracts, verify

MART_CONTRACTS = [c for c in all_contracts() if c.parent.name != "raw"]


@pytest.fixture(scope="module")
def warehouse(demo_refresh, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("parallel") / "demo.duckdb"
    shutil.copy(demo_refresh.settings.warehouse, path)
    return path


@pytest.fixture
def one_worker(monkeypatch):
    monkeypatch.setenv("NPCS_GATE_WORKERS", "1")
    parallel.shutdown()
    parallel.prestart()
    yield
    parallel.shutdown()


def _outcomes(result) -> list[tuple]:
    return [(c.path, c.outcome, c.diagnostics.get("failed_rows_count")) for c in result.checks]


def test_parallel_results_equal_one_by_one_and_the_worker_did_verify(warehouse, one_worker):
    (worker,) = parallel._workers
    seen = []
    send = worker.send
    worker.send = lambda w, c, v: (seen.append(c), send(w, c, v))[1]

    results = parallel.verify_many(warehouse, MART_CONTRACTS)

    assert set(results) == set(MART_CONTRACTS)
    assert seen, "the worker process verified no contract"
    assert len(seen) < len(MART_CONTRACTS), "this process verified no contract"
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for contract in MART_CONTRACTS:
            alone = verify(con, contract)
            assert results[contract].passed == alone.passed, contract
            assert _outcomes(results[contract]) == _outcomes(alone), contract
    finally:
        con.close()
    # The workers let go of the file: this process can write it again.
    duckdb.connect(str(warehouse)).close()


def test_a_worker_that_dies_leaves_its_contracts_to_this_process(warehouse, one_worker):
    (worker,) = parallel._workers
    assert worker.poll_ready() or worker.replies.poll(60)
    worker.poll_ready()
    worker.process.kill()
    worker.process.wait()

    results = parallel.verify_many(warehouse, MART_CONTRACTS)

    assert set(results) == set(MART_CONTRACTS)
    assert all(r.passed for r in results.values()), [
        r.errors for r in results.values() if not r.passed
    ]
    assert parallel._workers == []  # the dead worker was dropped


def test_a_broken_contract_fails_closed_in_a_worker(warehouse, one_worker, tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text("dataset: npcs/reviews/fct_reviews\ncolumns: [oops\n")
    results = parallel.verify_many(warehouse, [broken, *MART_CONTRACTS[:3]])
    assert not results[broken].passed
    assert results[broken].errors
    assert all(results[c].passed for c in MART_CONTRACTS[:3])


def test_no_workers_verifies_everything_here(warehouse, monkeypatch):
    monkeypatch.setenv("NPCS_GATE_WORKERS", "0")
    parallel.shutdown()
    results = parallel.verify_many(warehouse, MART_CONTRACTS[:4])
    assert parallel._workers == []
    assert all(r.passed for r in results.values())
