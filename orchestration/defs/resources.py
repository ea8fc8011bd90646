"""Resources shared by the assets: the warehouse (one path variable) and the landing zone."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb


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
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(self.path, read_only=read_only)
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
