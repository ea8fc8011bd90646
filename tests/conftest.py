"""Shared fixtures: a demo landing zone, an isolated Dagster home, one full refresh, and a real
PostgreSQL server.

Everything runs for real: DuckDB files in tmp folders, dbt builds, Soda verifications and
Dagster in-process runs. The session-scoped refresh is shared by the read-only tests so the suite
stays well inside CI's time budget.
"""

from __future__ import annotations

import glob
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pytest

from npcs.settings import REPO_ROOT, configure_environment

DEMO_AS_OF = date(2024, 10, 1)

# Retries of transient failures (orchestration/defs/retries.py) wait seconds in production; in the
# tests a fraction of one. Read when the definitions are imported, so set before any test module.
os.environ.setdefault("NPCS_RETRY_DELAY_SECONDS", "0.25")
os.environ.setdefault("NPCS_RETRY_MAX_RETRIES", "4")

# The pseudonym key (ingestion/pseudonyms.py): a fixed key in the tests, so a submitted id has the
# same pseudonym in every test process and every run; owner-only, as the product requires.
TEST_PSEUDONYM_KEY = hashlib.sha256(b"npcs test pseudonym key").hexdigest()


def _test_key_file() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="npcs-test-key-"))
    path = folder / "pseudonym.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(TEST_PSEUDONYM_KEY + "\n")
    return path


os.environ["NPCS_PSEUDONYM_KEY_FILE"] = str(_test_key_file())


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory) -> Path:
    """Point every path variable and DAGSTER_HOME at a throw-away folder for the session."""
    root = tmp_path_factory.mktemp("env")
    home = root / "dagster_home"
    home.mkdir()
    shutil.copy(REPO_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    os.environ["NPCS_WAREHOUSE"] = str(root / "warehouse" / "npcs.duckdb")
    os.environ["NPCS_LANDING"] = str(root / "landing")
    os.environ["NPCS_REPORTS"] = str(root / "reports")
    os.environ["NPCS_RELEASES"] = str(root / "releases")
    configure_environment()
    return root


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory) -> Path:
    """The scale-1 demo landing zone (generated once; copy it before changing it)."""
    from npcs.demo_data import write_landing_zone

    out = tmp_path_factory.mktemp("demo") / "landing"
    write_landing_zone(out)
    return out


@pytest.fixture(scope="session")
def demo_refresh(tmp_path_factory, demo_landing):
    """One full refresh of the demo landing zone as of 2024-10-01."""
    from npcs.refresh import run_refresh

    root = tmp_path_factory.mktemp("demo_refresh")
    outcome = run_refresh(
        landing=demo_landing,
        warehouse=root / "warehouse.duckdb",
        out=root / "reports",
        as_of=DEMO_AS_OF,
    )
    return outcome


def copy_landing(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


# A real PostgreSQL server (Debian's package; `.ci/run` installs it), for the publishing tests
# and the Dagster instance on PostgreSQL (tests/deploy).
#
# initdb and the server refuse to run as root. When the tests run as root (CI here does), the
# cluster is created and started as the unprivileged `postgres` user that Debian's package
# creates, through `runuser`, in a folder that user owns; the tests connect over TCP on a free
# loopback port as the cluster's superuser (trust authentication, loopback only). A missing
# PostgreSQL fails the tests: it is a dependency, not an optional extra.

SUPERUSER = "npcs_admin"


def _bindir() -> Path:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if not versions:
        pytest.fail("PostgreSQL is not installed (no initdb): apt-get install -y postgresql")
    return Path(versions[-1]).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def postgres_server():
    """A throw-away cluster on 127.0.0.1:<free port>; yields the superuser's DSN (database
    `npcs`) and stops and removes the cluster afterwards."""
    bindir = _bindir()
    as_root = os.geteuid() == 0
    root = Path(tempfile.mkdtemp(prefix="npcs-pg-"))
    run_as: list[str] = []
    if as_root:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root and there is no `postgres` user to run PostgreSQL as")
        os.chown(root, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    data, log = root / "data", root / "server.log"
    port = free_port()

    def run(*args: str) -> None:
        proc = subprocess.run([*run_as, *args], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            pytest.fail(f"{args[0]} failed: {proc.stdout}{proc.stderr}")

    run(
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        SUPERUSER,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
    )
    options = f"-h 127.0.0.1 -p {port} -k {root} -c fsync=off -c full_page_writes=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start")
    try:
        base = f"host=127.0.0.1 port={port} user={SUPERUSER}"
        import psycopg

        with psycopg.connect(f"{base} dbname=postgres", autocommit=True) as con:
            con.execute("create database npcs")
        yield f"{base} dbname=npcs"
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(root, ignore_errors=True)
