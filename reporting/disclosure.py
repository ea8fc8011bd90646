"""The report's figures suppressed together with each other and against the published warehouse.

A figure hidden in one place must not be worked out from another: the findings' tables, every
member's profile and the published warehouse show many of the same reviews, IOs, respondents and
staff, summed differently. So every report frame (``reporting.figures.findings_frames``,
``reporting.profiles.profile_frames``) goes through :func:`publishing.suppression.suppress_many`
at once, with

- the published warehouse's tables **locked** as they are published (suppressed the same way by
  ``publishing.suppression.suppress_catalog``, from the same marts, so the same cells): their
  hidden cells stay hidden, and only report cells are hidden to protect them;
- the catalog's links between published tables, and the report's own links
  (``findings_links``, ``profile_links``): a report figure that repeats another frame's or sums
  the warehouse's quarters (with the days of an unfinished quarter as an unpublished rest).

:class:`ProtectedReport` keeps what a reader of the report and of the published warehouse gets,
for the attacker of ``publishing.attack`` (``tests/reporting/test_report_suppression.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from publishing.catalog import CatalogTable, Link, load_catalog
from publishing.linked import PublishedModel
from publishing.suppression import Suppressed, catalog_state, suppress_many
from reporting.protection import Protected


@dataclass
class ProtectedReport:
    frames: dict[str, Protected]  # report frame name -> its frame, spec and suppressed result
    published: dict[str, Suppressed]  # the published warehouse's tables, as published
    tables: tuple[CatalogTable, ...]  # the report frames' specs and the catalog's tables
    links: tuple[Link, ...]  # the catalog's and the report's
    thresholds: Mapping[str, int]
    parents: Mapping[str, str | None]
    # every cell of the publication (published tables and report) and the identities between
    # them, for the publications after it (publishing.linked)
    model: PublishedModel | None = None

    def as_read(self) -> dict[str, pd.DataFrame]:
        """Every table as a reader gets it: report frames and published tables (hidden = NULL),
        by spec or table name."""
        out = {p.table.name: p.result.frame for p in self.frames.values()}
        out.update({name: s.frame for name, s in self.published.items()})
        return out


def protect_together(
    con: duckdb.DuckDBPyConnection,
    frames: Mapping[str, tuple[pd.DataFrame, CatalogTable]],
    links: Sequence[Link],
    *,
    complementary: bool = True,
    earlier: Sequence[PublishedModel] = (),
    name: str = "publication",
) -> ProtectedReport:
    """Suppress report ``frames`` (name -> (frame, spec)) together, against the published
    warehouse as published from the marts on ``con``, and against the ``earlier`` publications
    (``publishing.linked``); the result's ``model`` is this publication's, named ``name``."""
    catalog = load_catalog()
    # as the publication hides them (same marts, same cells, same earlier publications)
    state = catalog_state(con, catalog, earlier)
    marts, published = state.frames, state.suppressed
    thresholds, parents = state.thresholds, state.parents
    specs = [table for _, table in frames.values()]
    tables = (*specs, *catalog.tables)
    every_link = (*catalog.links, *links)
    everything = {**{t.name: f.reset_index(drop=True) for f, t in frames.values()}, **marts}
    record: dict = {"name": name}
    result = suppress_many(
        everything,
        tables,
        thresholds,
        parents,
        every_link,
        complementary=complementary,
        locked=published,
        earlier=earlier,
        record=record,
    )
    protected = {
        name: Protected(
            table, frame.reset_index(drop=True), result[table.name], thresholds, parents
        )
        for name, (frame, table) in frames.items()
    }
    return ProtectedReport(
        protected, published, tables, every_link, thresholds, parents, record.get("model")
    )


def protect_report(
    con: duckdb.DuckDBPyConnection,
    as_of: date,
    *,
    complementary: bool = True,
    earlier: Sequence[PublishedModel] = (),
    name: str = "publication",
) -> ProtectedReport:
    """The findings' and the profiles' frames as of ``as_of``, suppressed together (and against
    the ``earlier`` publications)."""
    from reporting.figures import findings_frames, findings_links
    from reporting.profiles import profile_frames, profile_links

    findings = findings_frames(con, as_of)
    profiles, _ = profile_frames(con, as_of)
    links = [*findings_links(as_of), *profile_links(as_of, profiles)]
    return protect_together(
        con,
        {**findings, **profiles},
        links,
        complementary=complementary,
        earlier=earlier,
        name=name,
    )
