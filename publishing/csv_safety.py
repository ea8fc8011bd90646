"""The one rule for CSV written for people: no cell may start a spreadsheet formula.

A spreadsheet (Excel, LibreOffice Calc, Google Sheets) opening a CSV takes a cell whose first
character is ``=``, ``+``, ``-`` or ``@`` as a formula, and a leading tab or carriage return can
hide one; a member's text such as ``=HYPERLINK("http://x","y")`` or ``+cmd|' /C calc'!A0`` would
run in the reader's spreadsheet ("CSV injection", also called formula injection). OWASP's CSV
Injection page (https://owasp.org/www-community/attacks/CSV_Injection) asks that no cell begin
with one of those six characters, and gives the sanitisation: prepend a single quote, so the
spreadsheet reads the cell as text, and keep the CSV quoting (a field in double quotes, a double
quote in it doubled) so an embedded quote or delimiter cannot end the field early. That is the
rule here:

- a text value whose first character is one of :data:`DANGEROUS_FIRST_CHARACTERS` (``=`` ``+``
  ``-`` ``@`` tab, carriage return) is written as ``'`` + the value; every other value as it is;
- "text" is every column whose written form is the value's own characters: ``VARCHAR`` (and
  ``JSON``), ``ENUM``, ``BLOB``, ``UNION`` and any type not listed in :data:`RAW_TYPES`.
  Numbers, dates, times, intervals and booleans are written raw (a negative number is a number,
  not a formula, and cannot carry one), and so are UUIDs, bit strings and nested values (a list
  is written starting with ``[``, a struct or map with ``{``);
- DuckDB's CSV writer (or Python's ``csv`` module) still does the quoting, with its defaults:
  every field holding the delimiter, a double quote, a carriage return or a line feed is wrapped
  in double quotes and its double quotes doubled (RFC 4180).

The escape changes the file a reader gets, not the data: the escaped value is the original with
one leading ``'``. Parquet files are written raw — a Parquet reader gets typed values and no
spreadsheet evaluates them — so a member's extract carries the original in its Parquet copy.

Two forms of the one rule: :func:`csv_select_list` (SQL, for DuckDB's ``COPY ... (format csv)``),
built from the relation's own column types so no column list is written twice, and
:func:`escape_cell` / :func:`escape_row` for a Python ``csv.writer``. The product writes CSV for
people in one place today, the member extracts (:mod:`publishing.extracts`).

It imports nothing from the project (nor does ``publishing/__init__.py``), so a package of any
layer can import it without pulling in the rest of ``publishing`` or making an import cycle.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

DANGEROUS_FIRST_CHARACTERS = ("=", "+", "-", "@", "\t", "\r")

# DuckDB type ids (``DuckDBPyType.id``) written raw: their text cannot carry a formula.
RAW_TYPES = frozenset(
    {
        *("tinyint", "smallint", "integer", "bigint", "hugeint", "bignum", "varint"),
        *("utinyint", "usmallint", "uinteger", "ubigint", "uhugeint"),
        *("float", "double", "decimal"),
        *("date", "time", "time_ns", "time with time zone", "interval"),
        *("timestamp", "timestamp with time zone", "timestamp_s", "timestamp_ms", "timestamp_ns"),
        *("boolean", "uuid", "bit"),
        *("list", "array", "struct", "map"),
    }
)

_SQL_CHARACTERS = ", ".join(
    f"chr({ord(c)})" if not c.isprintable() else f"'{c}'" for c in DANGEROUS_FIRST_CHARACTERS
)


def escape_cell(value: object) -> object:
    """``value`` as a CSV cell for people: a string starting with a dangerous character gets a
    leading ``'``; anything else (numbers, ``None``, other strings) is returned unchanged."""
    if isinstance(value, str) and value[:1] in DANGEROUS_FIRST_CHARACTERS:
        return "'" + value
    return value


def escape_row(row: Iterable[object]) -> list[object]:
    """:func:`escape_cell` over one row, for ``csv.writer(...).writerow(escape_row(row))``."""
    return [escape_cell(v) for v in row]


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def escaped_expression(column: str, type_id: str) -> str:
    """The SQL expression writing ``column`` (a DuckDB type id ``type_id``) under the rule,
    aliased to the column's own name."""
    q = quote_identifier(column)
    if type_id in RAW_TYPES:
        return q
    text = f"cast({q} as varchar)"
    return (
        f"case when left({text}, 1) in ({_SQL_CHARACTERS}) then '''' || {text} "
        f"else {text} end as {q}"
    )


def csv_select_list(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """The select list writing every column of ``relation`` (a table or view name) under the
    rule, in the relation's order and under its names: ``select {list} from {relation} ...``."""
    rel = con.sql(f"select * from {relation}")
    return ", ".join(
        escaped_expression(c, t.id) for c, t in zip(rel.columns, rel.types, strict=True)
    )
