"""A real PostgreSQL server for the publishing tests (Debian's package; `.ci/run` installs it).

initdb and the server refuse to run as root. When the tests run as root (CI here does), the
cluster is created and started as the unprivileged `postgres` user that Debian's package
creates, through `runuser`, in a folder that user owns; the tests connect over TCP on a free
loopback port as the cluster's superuser (trust authentication, loopback only). A missing
PostgreSQL fails the tests: it is a dependency, not an optional extra.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

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


def _free_port() -> int:
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
    port = _free_port()

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
