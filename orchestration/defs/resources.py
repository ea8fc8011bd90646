"""Resources shared by the assets: the warehouse (one path variable) and the landing zone."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from npcs.settings import duckdb_config


class WarehouseResource(dg.ConfigurableResource):
    """The embedded DuckDB warehouse file. Connections are opened per step and closed after it,
    so no step holds DuckDB's single-writer lock longer than it writes."""

    path: str

    @property
    def feedback_dir(self) -> Path:
        """Per-file feedback for jurisdiction coordinators, kept beside the warehouse."""
        return Path(self.path).parent / "feedback"

    @property
    def published_dir(self) -> Path:
        """The published warehouse, Parquet and extracts (``publishing/publish.py``):
        ``NPCS_PUBLISHED``, by default ``published/`` beside the warehouse."""
        configured = os.environ.get("NPCS_PUBLISHED")
        return Path(configured) if configured else Path(self.path).parent / "published"

    @contextmanager
    def writing(self, what: str = "a step") -> Iterator[None]:
        """Hold the warehouse's writer lock (``orchestration/one_writer.py``): one writer at a
        time, whichever run it belongs to; waits for the holder, refuses after a timeout."""
        from orchestration.one_writer import writing

        with writing(self.path, what=what):
            yield

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one step; a writing one holds the writer lock while it is open."""
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with contextlib.nullcontext() if read_only else self.writing("a writing step"):
            con = duckdb.connect(self.path, read_only=read_only, config=duckdb_config())
            try:
                yield con
            finally:
                con.close()


class LandingZoneResource(dg.ConfigurableResource):
    """The landing zone root: ``<root>/<jurisdiction_id>/<data set>/<file>``."""

    path: str

    @property
    def root(self) -> Path:
        return Path(self.path)


class ReportsResource(dg.ConfigurableResource):
    """The folder the reports are published into."""

    path: str

    @property
    def root(self) -> Path:
        return Path(self.path)
