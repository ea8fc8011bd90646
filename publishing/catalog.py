"""The published BI-facing tables (catalog.yml) as typed objects.

The catalog says, per table, what suppression must protect: its counts, the rates built on them and
the additive structure (totals and parts, rows that repeat a figure, counts that add up, the
jurisdiction hierarchy). Descriptions are read from the dbt project, never retyped, so the published
warehouse describes a table the way the marts do.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from npcs.settings import DBT_PROJECT_DIR
from releases.build import NON_PUBLISHED_SCHEMAS

CATALOG_FILE = Path(__file__).with_name("catalog.yml")
HIERARCHIES = ("separate", "inclusive")


class CatalogError(Exception):
    """catalog.yml is inconsistent with itself or with the dbt project; the message says where."""


@dataclass(frozen=True)
class Rate:
    column: str
    built_on: tuple[str, ...]


@dataclass(frozen=True)
class Margin:
    """Rows matching ``total`` are the sum of the rows matching ``parts`` in the same group."""

    group_by: tuple[str, ...]
    total: dict
    parts: dict | None = None  # None: every other row of the group
    partition_by: tuple[str, ...] = ()
    remainder: bool = False  # the parts do not cover the total; the rest is not published


@dataclass(frozen=True)
class ColumnMargin:
    part: str
    total: str
    group_by: tuple[str, ...]


@dataclass(frozen=True)
class RowSum:
    total: str
    plus: tuple[str, ...]
    minus: tuple[str, ...] = ()


@dataclass(frozen=True)
class Repeated:
    column: str
    group_by: tuple[str, ...]


@dataclass(frozen=True)
class Carry:
    from_column: str
    to_column: str
    group_by: tuple[str, ...]
    start: str
    end: str


@dataclass(frozen=True)
class WindowSum:
    """A count summing another count over the rows of its group from ``start`` to its ``order``
    (e.g. fatalities pooled over the fiscal years from pooled_from_fiscal_year to fiscal_year)."""

    total: str
    part: str
    group_by: tuple[str, ...]
    order: str
    start: str


@dataclass(frozen=True)
class CatalogTable:
    name: str  # published as `schema.table`, the mart's own name
    source: str
    description: str
    grain: tuple[str, ...]
    jurisdiction: str | None = None
    counts: tuple[str, ...] = ()
    rates: tuple[Rate, ...] = ()
    margins: tuple[Margin, ...] = ()
    column_margins: tuple[ColumnMargin, ...] = ()
    row_sums: tuple[RowSum, ...] = ()
    repeated: tuple[Repeated, ...] = ()
    carry: tuple[Carry, ...] = ()
    window_sums: tuple[WindowSum, ...] = ()
    hierarchy: str = "separate"
    # mart columns left out of the published table, with the reason in the yml (a figure whose
    # identity with the published counts the rule does not model)
    unpublished: tuple[str, ...] = ()
    columns: tuple[str, ...] = field(default=(), compare=False)  # the mart's, from the dbt yml

    def named_columns(self) -> set[str]:
        """Every column the catalog names for this table."""
        names = set(self.grain) | set(self.counts) | {r.column for r in self.rates}
        names |= {c for r in self.rates for c in r.built_on}
        if self.jurisdiction:
            names.add(self.jurisdiction)
        for m in self.margins:
            names |= set(m.group_by) | set(m.total) | set(m.parts or {}) | set(m.partition_by)
        for cm in self.column_margins:
            names |= {cm.part, cm.total, *cm.group_by}
        for s in self.row_sums:
            names |= {s.total, *s.plus, *s.minus}
        for r in self.repeated:
            names |= {r.column, *r.group_by}
        for c in self.carry:
            names |= {c.from_column, c.to_column, c.start, c.end, *c.group_by}
        for w in self.window_sums:
            names |= {w.total, w.part, w.order, w.start, *w.group_by}
        return names


@dataclass(frozen=True)
class LinkSide:
    """Rows of one published table that one side of a link sums, grouped by ``key``."""

    table: str
    counts: tuple[str, ...]  # summed; the i-th of each side pair up
    key: tuple[str, ...]  # SQL expressions over the table's columns; the sides' keys pair up
    where: str = "true"  # SQL: the rows this side sums
    one_per: tuple[str, ...] = ()  # a figure repeated on rows: one row per these (SQL) values
    explode: bool = False  # the last key is a list: the row counts under each of its values


@dataclass(frozen=True)
class Link:
    """An identity between two published tables: per key, the ``left`` rows' counts summed equal
    the ``right`` rows' counts summed (one figure on each side: the same figure published twice)."""

    name: str
    left: LinkSide
    right: LinkSide
    # the sides differ by a rest nobody publishes (e.g. a report's figures to a day against the
    # catalog's whole quarters): a small rest is protected like a hidden count
    remainder: bool = False


@dataclass(frozen=True)
class Excluded:
    source: str
    reason: str


@dataclass(frozen=True)
class Catalog:
    tables: tuple[CatalogTable, ...]
    excluded: tuple[Excluded, ...]
    links: tuple[Link, ...] = ()

    def table(self, name: str) -> CatalogTable:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)


_DOCS_BLOCK = re.compile(r"{%\s*docs\s+(\w+)\s*%}(.*?){%\s*enddocs\s*%}", re.S)
_DOC_REF = re.compile(r"""{{\s*doc\(\s*["'](\w+)["']\s*\)\s*}}""")


def _load_yaml(text: str):
    """PyYAML's safe loader, in C when libyaml is there (the dbt ymls: ~1 s in Python)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


@functools.cache
def _dbt_models() -> dict[str, dict]:
    """The marts' model entries from the dbt ymls, descriptions with their doc blocks filled in."""
    docs = {}
    for md in sorted((DBT_PROJECT_DIR / "models").rglob("*.md")):
        docs.update({n: body.strip() for n, body in _DOCS_BLOCK.findall(md.read_text())})

    def render(text: str) -> str:
        text = _DOC_REF.sub(lambda m: docs.get(m.group(1), m.group(0)), text or "")
        return " ".join(text.split())

    models = {}
    for yml in sorted((DBT_PROJECT_DIR / "models" / "marts").glob("*/_*__models.yml")):
        schema = yml.parent.name
        for model in _load_yaml(yml.read_text()).get("models", []):
            models[f"{schema}.{model['name']}"] = {
                "description": render(model.get("description", "")),
                "columns": tuple(c["name"] for c in model.get("columns", [])),
            }
    return models


def _table(entry: dict) -> CatalogTable:
    source = entry["source"]
    model = _dbt_models().get(source)
    if model is None:
        raise CatalogError(f"{source}: no such mart in the dbt project")
    t = tuple
    table = CatalogTable(
        name=source,
        source=source,
        description=model["description"],
        grain=t(entry["grain"]),
        jurisdiction=entry.get("jurisdiction"),
        counts=t(entry.get("counts", [])),
        rates=t(Rate(r["column"], t(r["built_on"])) for r in entry.get("rates", [])),
        margins=t(
            Margin(
                group_by=t(m.get("group_by", [])),
                total=dict(m["total"]),
                parts=dict(m["parts"]) if m.get("parts") is not None else None,
                partition_by=t(m.get("partition_by", [])),
                remainder=bool(m.get("remainder", False)),
            )
            for m in entry.get("margins", [])
        ),
        column_margins=t(
            ColumnMargin(m["part"], m["total"], t(m["group_by"]))
            for m in entry.get("column_margins", [])
        ),
        row_sums=t(
            RowSum(s["total"], t(s["plus"]), t(s.get("minus", [])))
            for s in entry.get("row_sums", [])
        ),
        repeated=t(Repeated(r["column"], t(r["group_by"])) for r in entry.get("repeated", [])),
        carry=t(
            Carry(c["from"], c["to"], t(c["group_by"]), c["start"], c["end"])
            for c in entry.get("carry", [])
        ),
        window_sums=t(
            WindowSum(w["total"], w["part"], t(w["group_by"]), w["order"], w["start"])
            for w in entry.get("window_sums", [])
        ),
        hierarchy=entry.get("hierarchy", "separate"),
        unpublished=t(entry.get("unpublished", [])),
        columns=model["columns"],
    )
    _validate(table)
    return table


def _validate(table: CatalogTable) -> None:
    schema = table.name.split(".")[0]
    if schema in NON_PUBLISHED_SCHEMAS:
        raise CatalogError(f"{table.name}: schema {schema} is never published")
    unknown = (table.named_columns() | set(table.unpublished)) - set(table.columns)
    if unknown:
        raise CatalogError(f"{table.name}: no such column(s) {sorted(unknown)}")
    both = table.named_columns() & set(table.unpublished)
    if both:
        raise CatalogError(f"{table.name}: unpublished column(s) {sorted(both)} are named too")
    if table.hierarchy not in HIERARCHIES:
        raise CatalogError(f"{table.name}: hierarchy must be one of {HIERARCHIES}")
    if table.hierarchy == "inclusive" and not table.jurisdiction:
        raise CatalogError(f"{table.name}: an inclusive hierarchy needs a jurisdiction column")
    counts = set(table.counts)
    for rate in table.rates:
        if not set(rate.built_on) <= counts:
            raise CatalogError(f"{table.name}.{rate.column}: built on a column that is no count")
    for s in table.row_sums:
        if not {s.total, *s.plus, *s.minus} <= counts:
            raise CatalogError(f"{table.name}: row sum {s.total} over a column that is no count")
    pairs = [(cm.part, cm.total) for cm in table.column_margins]
    pairs += [(w.part, w.total) for w in table.window_sums]
    for name in [n for pair in pairs for n in pair]:
        if name not in counts:
            raise CatalogError(f"{table.name}: a sum over {name}, which is no count")


def _side(entry: dict) -> LinkSide:
    t = tuple
    return LinkSide(
        table=entry["table"],
        counts=t(entry["counts"]),
        key=t(entry.get("key", [])),
        where=entry.get("where", "true"),
        one_per=t(entry.get("one_per", [])),
        explode=bool(entry.get("explode", False)),
    )


def _link(entry: dict, tables: dict[str, CatalogTable]) -> Link:
    link = Link(
        name=entry["name"],
        left=_side(entry["left"]),
        right=_side(entry["right"]),
        remainder=bool(entry.get("remainder", False)),
    )
    where = f"link '{link.name}'"
    for side in (link.left, link.right):
        table = tables.get(side.table)
        if table is None:
            raise CatalogError(f"{where}: {side.table} is not a published table")
        missing = sorted(set(side.counts) - set(table.counts))
        if missing:
            raise CatalogError(f"{where}: {side.table} has no count(s) {missing}")
    if len(link.left.counts) != len(link.right.counts):
        raise CatalogError(f"{where}: the two sides sum a different number of counts")
    if len(link.left.key) != len(link.right.key):
        raise CatalogError(f"{where}: the two sides' keys differ in length")
    return link


def catalog_from(path: Path) -> Catalog:
    raw = _load_yaml(path.read_text())
    tables = tuple(_table(e) for e in raw["tables"])
    names = [t.name for t in tables]
    if len(set(names)) != len(names):
        raise CatalogError("a table is listed twice")
    excluded = tuple(Excluded(e["source"], e["reason"]) for e in raw.get("excluded", []))
    both = set(names) & {e.source for e in excluded}
    if both:
        raise CatalogError(f"both published and excluded: {sorted(both)}")
    by_name = {t.name: t for t in tables}
    links = tuple(_link(e, by_name) for e in raw.get("links", []))
    return Catalog(tables=tables, excluded=excluded, links=links)


@functools.cache
def load_catalog() -> Catalog:
    """The published tables, validated against the dbt project's marts."""
    return catalog_from(CATALOG_FILE)
