"""`dagster dev` as the README starts it: the real webserver on loopback, read through GraphQL.

Started from the repository root with `workspace.yaml`, a throw-away DAGSTER_HOME holding a copy
of dagster_home/dagster.yaml (telemetry off) and throw-away warehouse paths; stopped by
Ctrl-C to its process group, which must then be empty (webserver, daemon and code servers gone).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from npcs.settings import REPO_ROOT, TELEMETRY_OFF
from tests.conftest import free_port

STARTUP_TIMEOUT = 120  # seconds: webserver up and the code location loaded (dbt parse included)
SNAPSHOT = REPO_ROOT / "tests" / "orchestration" / "snapshots" / "asset_graph.txt"

LOCATION_QUERY = """
{ workspaceOrError { __typename
    ... on Workspace { locationEntries { name loadStatus
        locationOrLoadError { __typename ... on PythonError { message } } } }
    ... on PythonError { message } } }
"""
REPOSITORY_QUERY = """
{ repositoriesOrError { __typename
    ... on RepositoryConnection { nodes { name location { name }
        assetNodes { assetKey { path } isExecutable groupName }
        jobs { name } } }
    ... on PythonError { message } } }
"""


def _snapshot(kind: str) -> set[str]:
    """What the asset-graph snapshot (tests/orchestration) lists of one kind: asset, job."""
    return {
        line.split()[1] for line in SNAPSHOT.read_text().splitlines() if line.startswith(kind + " ")
    }


def _graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.loads(response.read())
    assert "errors" not in body, body["errors"]
    return body["data"]


def _group_running(pgid: int) -> list[str]:
    """The processes of group ``pgid`` still running, as ``pid state command`` (from /proc). A
    zombie has exited (it only waits for its parent to collect it), so it is not listed."""
    running = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ')'
        head, _, rest = text.rpartition(")")
        fields = rest.split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            try:
                command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ")[:160]
            except OSError:
                command = head.split("(", 1)[-1].encode()
            running.append(f"{stat.parent.name} {fields[0]} {command.decode(errors='replace')}")
    return running


def _group_alive(pgid: int) -> bool:
    return bool(_group_running(pgid))


def _stop(proc: subprocess.Popen) -> bool:
    """Ctrl-C as a terminal sends it: SIGINT to the whole process group (dagster dev, its
    webserver, daemon and code servers); then SIGKILL what is left after 30 s. True when
    everything stopped on the Ctrl-C.

    (SIGTERM to the whole group, unlike SIGINT, races dagster's own shutdown: 2 of 6 runs here
    left the code servers waiting up to 60 s for their heartbeat to lapse. SIGTERM to the
    `dagster dev` process alone stops everything cleanly, as Ctrl-C does.)"""
    pgid = proc.pid
    if not _group_alive(pgid):
        proc.wait(timeout=30)
        return True
    os.killpg(pgid, signal.SIGINT)
    deadline = time.monotonic() + 30
    while _group_alive(pgid) and time.monotonic() < deadline:
        proc.poll()
        time.sleep(0.2)
    survivors = _group_running(pgid)
    if survivors:
        print("still running 30 s after SIGTERM:", *survivors, sep="\n  ")
        os.killpg(pgid, signal.SIGKILL)
    proc.wait(timeout=30)
    return not survivors


@pytest.fixture
def dagster_dev(tmp_path):
    """`dagster dev -h 127.0.0.1 -p <free port> -w workspace.yaml`; yields (url, process)."""
    dagster = Path(sys.executable).parent / "dagster"
    if not dagster.exists():
        pytest.fail(f"the dagster command is not installed beside {sys.executable}: uv sync")
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = {
        k: v
        for k, v in os.environ.items()
        # no PostgreSQL serving: the graph is the snapshot's, which is taken without a server
        if k != "NPCS_PG_DSN" and not k.startswith("PG") and not k.startswith("DAGSTER_PG")
    }
    env.update(TELEMETRY_OFF)
    env.update(
        DAGSTER_HOME=str(home),
        NPCS_WAREHOUSE=str(tmp_path / "warehouse" / "npcs.duckdb"),
        NPCS_LANDING=str(tmp_path / "landing"),
        NPCS_REPORTS=str(tmp_path / "reports"),
        NPCS_RELEASES=str(tmp_path / "releases"),
    )
    port = free_port()
    log = (tmp_path / "dagster_dev.log").open("w")
    proc = subprocess.Popen(
        [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, stopped as one
    )
    try:
        yield f"http://127.0.0.1:{port}", proc, tmp_path / "dagster_dev.log"
    finally:
        _stop(proc)
        log.close()


def _wait_until_loaded(url: str, proc: subprocess.Popen, log: Path) -> None:
    """Poll until the webserver answers and the code location is loaded; fail with its log."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    last = "no answer"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"dagster dev exited with {proc.returncode}:\n{log.read_text()[-4000:]}")
        try:
            data = _graphql(f"{url}/graphql", LOCATION_QUERY)["workspaceOrError"]
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            last = repr(exc)
        else:
            entries = data.get("locationEntries", [])
            loaded = [e for e in entries if e["loadStatus"] == "LOADED"]
            errors = [
                e["locationOrLoadError"]["message"]
                for e in loaded
                if e["locationOrLoadError"]["__typename"] == "PythonError"
            ]
            if errors:
                pytest.fail("the code location failed to load:\n" + "\n".join(errors))
            if entries and len(loaded) == len(entries):
                return
            last = json.dumps(data)
        time.sleep(1)
    pytest.fail(
        f"dagster dev not ready within {STARTUP_TIMEOUT} s (last: {last}):\n"
        f"{log.read_text()[-4000:]}"
    )


def test_dagster_dev_serves_the_asset_graph(dagster_dev):
    url, proc, log = dagster_dev
    started = time.monotonic()
    _wait_until_loaded(url, proc, log)
    print(f"dagster dev ready in {time.monotonic() - started:.1f}s")

    with urllib.request.urlopen(f"{url}/server_info", timeout=10) as response:
        assert response.status == 200

    data = _graphql(f"{url}/graphql", REPOSITORY_QUERY)["repositoriesOrError"]
    assert data["__typename"] == "RepositoryConnection", data
    (repository,) = data["nodes"]
    assert repository["location"]["name"] == "npcs"

    executable = {
        "/".join(node["assetKey"]["path"]): node["groupName"]
        for node in repository["assetNodes"]
        if node["isExecutable"]
    }
    for key, group in [
        ("raw/reviews", "raw"),
        ("reviews/fct_reviews", "reviews"),
        ("publishing/published_warehouse", "publishing"),
    ]:
        assert executable.get(key) == group, key
    # the whole graph, as reviewed in the snapshot: nothing missing, nothing extra
    assert set(executable) == _snapshot("asset")

    jobs = {job["name"] for job in repository["jobs"]}
    assert {"full_refresh", "ingest_jurisdiction", "publish"} <= jobs
    assert _snapshot("job") <= jobs

    started = time.monotonic()
    assert _stop(proc), "dagster dev did not stop on Ctrl-C within 30 s"
    print(f"dagster dev stopped in {time.monotonic() - started:.1f}s")
    assert not _group_alive(proc.pid), "processes of dagster dev survived the stop"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/server_info", timeout=5)
