"""Dagster's SQLite event log with its connections kept open between events.

Dagster's ``SqliteEventLogStorage`` creates a SQLAlchemy engine, opens a SQLite connection,
writes one event and disposes of the engine again — for every event, twice for an asset event
(the run's own database and the cross-run index). A refresh writes ~1,100 events (planned
materializations, 228 raw partitions, 57 dbt models, the gates' checks), so connecting cost more
than writing: ~2 ms of ~5 ms per event, and our per-connection pragmas (WAL, ``synchronous =
normal``: ``npcs/refresh.py``) ran each time too.

This storage is the same class with one change: the engine of each database is kept, with one
pooled connection, for the index and for the few runs most recently written; older runs' engines
are disposed of as new runs come (a daemon or webserver lives long). Every write still happens
in its own transaction under the storage's lock, exactly as before; readers and writers in other
processes see the same files. Configured in ``dagster_home/dagster.yaml``; PostgreSQL instances
(``deploy/dagster.yaml``) keep their own pooled storage.
"""

import os
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    INDEX_SHARD_NAME,
    SqliteEventLogStorage,
)
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool, QueuePool

# Run databases whose engines stay open: the run being written and a few recent ones.
KEEP_RUN_ENGINES = 4


def default_base_dir() -> str:
    """``$DAGSTER_HOME/history/runs``, where Dagster's default SQLite storage keeps the event
    log. Every process of the product loads its instance from ``DAGSTER_HOME``; one that loads
    an instance from another folder names it in ``base_dir``."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        raise RuntimeError(
            "PooledSqliteEventLogStorage: set DAGSTER_HOME (or base_dir in dagster.yaml)"
        )
    return os.path.join(home, "history", "runs")


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """``SqliteEventLogStorage`` whose engines (one connection each) outlive a write."""

    def __init__(self, base_dir: str | None = None, inst_data=None):
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        super().__init__(base_dir or default_base_dir(), inst_data)

    @classmethod
    def config_type(cls):
        return {"base_dir": dg.Field(dg.StringSource, is_required=False)}

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    def _engine(self, shard: str) -> Engine:
        engine = self._engines.get(shard)
        if engine is not None:
            self._engines.move_to_end(shard)
            return engine
        conn_string = self.conn_string_for_shard(shard)
        if shard not in self._initialized_dbs:  # as Dagster does it (it opens two connections)
            timeout = {"timeout": SQLITE_BUSY_TIMEOUT_SECONDS}
            init = create_engine(conn_string, poolclass=NullPool, connect_args=timeout)
            self._initdb(init)
            init.dispose()
            self._initialized_dbs.add(shard)
        engine = create_engine(
            conn_string,
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=0,
            # one thread at a time holds it (the storage's lock), not always the same thread
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        self._engines[shard] = engine
        runs = [s for s in self._engines if s != INDEX_SHARD_NAME]
        for old in runs[: max(0, len(runs) - KEEP_RUN_ENGINES)]:
            self._engines.pop(old).dispose()
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            with self._engine(shard).connect() as conn:
                with conn.begin():
                    yield conn

    def wipe(self) -> None:
        self._dispose_engines()  # the files are removed: no engine may keep them open
        super().wipe()

    def _dispose_engines(self) -> None:
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    def dispose(self) -> None:
        self._dispose_engines()
        super().dispose()
