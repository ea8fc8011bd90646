"""Jurisdiction layouts: declarative mappings from a jurisdiction's own layout to the canonical one.

A jurisdiction that cannot submit the core data set in its canonical form describes its own
layout in ``ingestion/layouts/<JURISDICTION_ID>.yml``, one section per data set::

    reviews:
      format: csv                  # csv | xlsx | json (default: the file's suffix)
      encoding: windows-1252       # csv/json only; any Python codec name
      delimiter: ";"               # csv only: , ; | or "\\t" (also: comma, semicolon, pipe, tab)
      sheet: Responses             # xlsx only (default: the first sheet)
      columns:                     # their header: canonical column (case/space-insensitive)
        Review Number: review_id
        Date of Incident: incident_date
      ignore: [Case Number, Caseworker]   # their columns that are deliberately not loaded
      codes:                       # per canonical column: their value: canonical code
        child_sex: {M: male, F: female, U: unknown}      # (case-insensitive)
      dates:                       # per date column, or default: strptime format(s)
        default: "%m/%d/%Y"
        review_completed_date: ["%m/%d/%Y", "%Y-%m-%d"]  # tried in order
      booleans:                    # accepted spellings (case-insensitive)
        true: [Y, yes, 1]
        false: [N, no, 0]
      conversions:                 # canonical columns built from something else
        child_race_ethnicity:
          race_flags_1997:         # 1997-style flag columns: flag: their header
            race_aian: Amer Indian/AK Native
            race_asian: Asian
            race_black: Black/African American
            race_nhpi: Native HI/Pacific Islander
            race_white: White
            hispanic: Hispanic/Latino
            # true: [X]            # optional spellings for the flags (default: booleans above)
        maltreatment_type:
          constant: unknown        # a fixed value for every row

Every scalar in a layout is read as text (``yes``, ``1``, ``null``, ``2024-01-01`` and
``true`` stay strings; a key with no value is empty). Strptime formats must be quoted (``%``
cannot start a plain YAML scalar). A layout is validated when it is loaded: canonical names, code
targets (against the column's code list), date formats (by DuckDB, which parses with them),
spellings, conversions; any error raises :class:`LayoutError` naming the file and the key.

:func:`canonical_select` turns a layout (or none, for canonical files) into a DuckDB SELECT list
over a table whose columns are the file's headers as VARCHAR. It yields every canonical column of
the data set as VARCHAR in canonical text form (ISO dates, ``true``/``false``, canonical codes,
``;``-lists). A value the layout cannot translate is passed on as it was written, so the
validation step can quarantine the row with the offending value.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import duckdb
import yaml

from ingestion.core_data_set import DATA_SETS, Column, DataSet
from ingestion.reference import code_list

LAYOUTS_DIR = Path(__file__).resolve().parent / "layouts"
LAYOUT_SUFFIX = ".yml"

FORMATS = ("csv", "xlsx", "json")
DELIMITERS = {",": ",", ";": ";", "\t": "\t", "|": "|"}
DELIMITER_NAMES = {"comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}
SECTION_KEYS = (
    "format",
    "encoding",
    "delimiter",
    "sheet",
    "columns",
    "ignore",
    "codes",
    "dates",
    "booleans",
    "conversions",
)
DEFAULT_DATES_KEY = "default"

# 1997 OMB standard flags -> codes of the race_ethnicity code list.
RACE_FLAGS_1997 = {
    "race_aian": "american_indian_alaska_native",
    "race_asian": "asian",
    "race_black": "black_african_american",
    "race_nhpi": "native_hawaiian_pacific_islander",
    "race_white": "white",
    "hispanic": "hispanic_latino",
}
RACE_CODE_LIST = "race_ethnicity"
RACE_UNKNOWN = "unknown"
# Flag spellings when neither the conversion nor the section's booleans declare any: the
# spellings the core data set allows a mapping to accept.
DEFAULT_TRUE = ("true", "y", "yes", "1")
DEFAULT_FALSE = ("false", "n", "no", "0")

_JURISDICTION_ID = re.compile(r"[A-Z0-9]+(-[A-Z0-9]+)*")
_QUARTER = re.compile(r"\d{4}-Q[1-4]")
_INTEGER = re.compile(r"-?\d+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class LayoutError(ValueError):
    """A layout file that cannot be used; the message names the file and the key."""

    def __init__(self, path: Path | str, key: str, message: str):
        self.path = str(path)
        self.key = key
        super().__init__(f"{path}: {key}: {message}" if key else f"{path}: {message}")


@dataclass(frozen=True)
class RaceFlags1997:
    """Separate 1997-style race flags plus a Hispanic flag -> a ``;``-list of race codes."""

    flags: Mapping[str, str]  # flag (race_aian ... hispanic) -> their header
    true_values: tuple[str, ...]  # lower-case spellings of a set flag
    false_values: tuple[str, ...]  # lower-case spellings of a flag not set (empty is not set)
    kind = "race_flags_1997"


@dataclass(frozen=True)
class Constant:
    """A canonical column given one fixed value."""

    value: str
    kind = "constant"


Conversion = RaceFlags1997 | Constant
CONVERSION_KINDS = (RaceFlags1997.kind, Constant.kind)


@dataclass(frozen=True)
class Layout:
    """One data set's section of a jurisdiction's layout file, parsed and validated."""

    jurisdiction_id: str
    data_set: str
    source: Path
    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    columns: Mapping[str, str] = field(default_factory=dict)  # their header -> canonical
    ignore: tuple[str, ...] = ()
    codes: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # lower(theirs) -> code
    dates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # column|default -> fmts
    true_values: tuple[str, ...] = ()  # lower-case spellings ('true' itself always included)
    false_values: tuple[str, ...] = ()
    conversions: Mapping[str, Conversion] = field(default_factory=dict)

    def date_formats(self, column: str) -> tuple[str, ...]:
        return self.dates.get(column) or self.dates.get(DEFAULT_DATES_KEY, ())


# --------------------------------------------------------------------------------------------
# Reading the YAML: every scalar is text, duplicate keys are errors.


class _TextLoader(yaml.SafeLoader):
    """SafeLoader that keeps every scalar as text (``yes``, ``1``, ``null``, ``2024-01-01``)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                if isinstance(key, str) and key in seen:
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping",
                        node.start_mark,
                        f"found duplicate key {key!r}",
                        key_node.start_mark,
                    )
                if isinstance(key, str):
                    seen.add(key)
        return super().construct_mapping(node, deep=deep)


# No implicit types at all: code values such as NULL, N/A, yes or 01 are data, not YAML types.
_TextLoader.yaml_implicit_resolvers = {}


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise LayoutError(path, "", f"cannot be read ({e})") from e
    try:
        return yaml.load(text, Loader=_TextLoader)
    except yaml.YAMLError as e:
        raise LayoutError(path, "", f"not valid YAML ({' '.join(str(e).split())})") from e


# --------------------------------------------------------------------------------------------
# Validation.


def _norm(header: str) -> str:
    """Header matching key: case- and whitespace-insensitive (a BOM is ignored too)."""
    return "".join(header.replace("\ufeff", "").split()).lower()


def _value_key(value: str) -> str:
    """Value matching key (codes, spellings): trimmed, case-insensitive."""
    return value.strip().lower()


@cache
def _date_format_problem(fmt: str) -> str | None:
    """Why DuckDB cannot turn text into a full date with ``fmt`` (None when it can).

    The format must be accepted by DuckDB's strptime and round-trip a date: a date written with
    it and read back must be the same date (so year, month and day are all in it).
    """
    con = duckdb.connect()
    try:
        row = con.execute(
            "select strftime(date '2021-11-23', $f), "
            "try_strptime(strftime(date '2021-11-23', $f), $f)::date",
            {"f": fmt},
        ).fetchall()[0]
    except duckdb.Error as e:
        return f"not a strptime format ({str(e).splitlines()[0]})"
    finally:
        con.close()
    if str(row[1]) != "2021-11-23":
        return (
            f"does not give a full date (2021-11-23 is written {row[0]!r} and reads back {row[1]})"
        )
    return None


class _Validator:
    def __init__(self, path: Path, ds: DataSet):
        self.path = path
        self.ds = ds

    def fail(self, key: str, message: str) -> LayoutError:
        return LayoutError(self.path, f"{self.ds.name}.{key}" if key else self.ds.name, message)

    def text(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, f"expected a non-empty text value, got {value!r}")
        return value

    def mapping(self, key: str, value: Any) -> dict:
        if not isinstance(value, dict) or not value:
            raise self.fail(key, f"expected a non-empty mapping, got {value!r}")
        for k in value:
            self.text(f"{key}.{k}" if key else str(k), k)
        return value

    def optional_mapping(self, section: dict, key: str) -> dict:
        """A section's sub-mapping; absent or empty (``key:`` with no value) is none."""
        value = section.get(key)
        return {} if value in (None, "") else self.mapping(key, value)

    def text_list(self, key: str, value: Any) -> tuple[str, ...]:
        items = value if isinstance(value, list) else [value]
        return tuple(self.text(key, v) for v in items)

    def column(self, key: str, name: Any, types: tuple[str, ...] | None = None) -> Column:
        if name not in self.ds.column_names:
            raise self.fail(key, f"{name!r} is not a column of the {self.ds.name} data set")
        col = self.ds.column(name)
        if types and col.type not in types:
            article = "an" if col.type[0] in "aeiou" else "a"
            raise self.fail(key, f"{name} is {article} {col.type} column, not {' or '.join(types)}")
        return col

    def code(self, key: str, col: Column, value: Any) -> str:
        """A canonical code (a ';'-list for a codes column) from the column's code list."""
        value = self.text(key, value).strip()
        allowed = code_list(col.code_list)
        parts = [p.strip() for p in value.split(";")] if col.type == "codes" else [value]
        for p in parts:
            if p not in allowed:
                raise self.fail(
                    key,
                    f"{p!r} is not in the {col.code_list} code list of {col.name} "
                    f"({', '.join(allowed)})",
                )
        return ";".join(parts)

    def spellings(self, key: str, section: Any) -> tuple[tuple[str, ...], tuple[str, ...]]:
        section = self.mapping(key, section)
        extra = sorted(set(section) - {"true", "false"})
        if extra:
            raise self.fail(f"{key}.{extra[0]}", "only 'true' and 'false' spellings are declared")
        true = tuple(_value_key(v) for v in self.text_list(f"{key}.true", section.get("true", [])))
        false = tuple(
            _value_key(v) for v in self.text_list(f"{key}.false", section.get("false", []))
        )
        true = tuple(dict.fromkeys(("true", *true)))  # the canonical spellings always count
        false = tuple(dict.fromkeys(("false", *false)))
        both = sorted(set(true) & set(false))
        if both:
            raise self.fail(key, f"{both[0]!r} is spelled both true and false")
        return true, false


def _parse_section(path: Path, jurisdiction_id: str, ds: DataSet, section: Any) -> Layout:
    v = _Validator(path, ds)
    section = v.mapping("", section)
    for k in section:
        if k not in SECTION_KEYS:
            raise v.fail(k, f"unknown key (expected one of: {', '.join(SECTION_KEYS)})")

    # Read options.
    fmt = section.get("format")
    if fmt is not None:
        fmt = v.text("format", fmt).strip().lower()
        if fmt not in FORMATS:
            raise v.fail("format", f"{fmt!r} is not one of {', '.join(FORMATS)}")
    encoding = section.get("encoding")
    if encoding is not None:
        encoding = v.text("encoding", encoding).strip()
        try:
            codecs.lookup(encoding)
        except LookupError as e:
            raise v.fail("encoding", f"{encoding!r} is not a known text encoding") from e
        if fmt == "xlsx":
            raise v.fail("encoding", "an XLSX file has no text encoding to declare")
    delimiter = section.get("delimiter")
    if delimiter is not None:
        if not isinstance(delimiter, str):
            raise v.fail("delimiter", f"expected text, got {delimiter!r}")
        delimiter = DELIMITERS.get(delimiter) or DELIMITER_NAMES.get(delimiter.strip().lower())
        if delimiter is None:
            raise v.fail(
                "delimiter",
                f'{section["delimiter"]!r} is not a delimiter (use , ; | "\\t" or a name: '
                f"{', '.join(DELIMITER_NAMES)})",
            )
        if fmt not in (None, "csv"):
            raise v.fail("delimiter", f"a delimiter applies to CSV files, not {fmt}")
    sheet = section.get("sheet")
    if sheet is not None:
        sheet = v.text("sheet", sheet)
        if fmt != "xlsx":
            raise v.fail("sheet", "a sheet applies to XLSX files: declare format: xlsx")

    # Columns.
    columns: dict[str, str] = {}
    seen: dict[str, str] = {}
    for theirs, canonical in v.optional_mapping(section, "columns").items():
        key = f"columns.{theirs}"
        v.column(key, canonical)
        if _norm(theirs) in seen:
            raise v.fail(key, f"same header as {seen[_norm(theirs)]!r} (case/space-insensitive)")
        seen[_norm(theirs)] = theirs
        columns[theirs] = canonical
    ignore = v.text_list("ignore", section.get("ignore") or [])
    for h in ignore:
        if _norm(h) in seen:
            raise v.fail("ignore", f"{h!r} is both ignored and mapped to {columns[seen[_norm(h)]]}")

    # Booleans.
    true_values: tuple[str, ...] = ()
    false_values: tuple[str, ...] = ()
    if section.get("booleans"):
        true_values, false_values = v.spellings("booleans", section["booleans"])

    # Conversions (before codes/dates, which must not target a converted column).
    conversions: dict[str, Conversion] = {}
    for target, spec in v.optional_mapping(section, "conversions").items():
        key = f"conversions.{target}"
        col = v.column(key, target)
        spec = v.mapping(key, spec)
        if len(spec) != 1 or next(iter(spec)) not in CONVERSION_KINDS:
            raise v.fail(key, f"expected exactly one of: {', '.join(CONVERSION_KINDS)}")
        renamed = [t for t, c in columns.items() if c == target]
        if renamed:
            raise v.fail(key, f"{target} is also mapped from column {renamed[0]!r}")
        kind, arg = next(iter(spec.items()))
        if kind == Constant.kind:
            conversions[target] = Constant(_constant(v, f"{key}.constant", col, arg))
        else:
            conversions[target] = _race_flags(
                v, f"{key}.{kind}", col, arg, seen, ignore, (true_values, false_values)
            )

    # Codes.
    codes: dict[str, Mapping[str, str]] = {}
    for name, table in v.optional_mapping(section, "codes").items():
        key = f"codes.{name}"
        col = v.column(key, name, ("code", "codes"))
        if name in conversions:
            raise v.fail(key, f"{name} is built by a conversion; its codes would never apply")
        out: dict[str, str] = {}
        for theirs, target in v.mapping(key, table).items():
            k = _value_key(theirs)
            code = v.code(f"{key}.{theirs}", col, target)
            if k in out and out[k] != code:
                raise v.fail(f"{key}.{theirs}", f"also translated to {out[k]!r}")
            out[k] = code
        codes[name] = MappingProxyType(out)

    # Dates.
    dates: dict[str, tuple[str, ...]] = {}
    for name, fmts in v.optional_mapping(section, "dates").items():
        key = f"dates.{name}"
        if name != DEFAULT_DATES_KEY:
            v.column(key, name, ("date",))
            if name in conversions:
                raise v.fail(key, f"{name} is built by a conversion; its format would never apply")
        fmts = v.text_list(key, fmts)
        if not fmts:
            raise v.fail(key, "no format given")
        for f in fmts:
            if problem := _date_format_problem(f):
                raise v.fail(key, f"{f!r} {problem}")
        dates[name] = fmts

    return Layout(
        jurisdiction_id=jurisdiction_id,
        data_set=ds.name,
        source=path,
        format=fmt,
        encoding=encoding,
        delimiter=delimiter,
        sheet=sheet,
        columns=MappingProxyType(columns),
        ignore=ignore,
        codes=MappingProxyType(codes),
        dates=MappingProxyType(dates),
        true_values=true_values,
        false_values=false_values,
        conversions=MappingProxyType(conversions),
    )


def _constant(v: _Validator, key: str, col: Column, value: Any) -> str:
    value = v.text(key, value).strip()
    if col.code_list:
        return v.code(key, col, value)
    ok = {
        "date": lambda s: bool(_ISO_DATE.fullmatch(s)),
        "integer": lambda s: bool(_INTEGER.fullmatch(s)),
        "year": lambda s: bool(_INTEGER.fullmatch(s)),
        "boolean": lambda s: s in ("true", "false"),
        "quarter": lambda s: bool(_QUARTER.fullmatch(s)),
    }.get(col.type, lambda s: True)
    if not ok(value):
        raise v.fail(key, f"{value!r} is not a canonical {col.type} value")
    return value


def _race_flags(
    v: _Validator,
    key: str,
    col: Column,
    spec: Any,
    mapped: dict[str, str],
    ignore: tuple[str, ...],
    booleans: tuple[tuple[str, ...], tuple[str, ...]],
) -> RaceFlags1997:
    """Flag spellings: the conversion's own ``true``/``false``, else the section's booleans,
    else the core data set's (true/false, Y/N, yes/no, 1/0)."""
    if col.type != "codes" or col.code_list != RACE_CODE_LIST:
        raise v.fail(key, f"{col.name} is not a {RACE_CODE_LIST} list column")
    spec = v.mapping(key, spec)
    flags: dict[str, str] = {}
    headers: dict[str, str] = {}
    for flag, header in spec.items():
        if flag in ("true", "false"):
            continue
        if flag not in RACE_FLAGS_1997:
            raise v.fail(
                f"{key}.{flag}",
                f"unknown flag (expected: {', '.join(RACE_FLAGS_1997)}, true, false)",
            )
        header = v.text(f"{key}.{flag}", header)
        n = _norm(header)
        if n in headers:
            raise v.fail(f"{key}.{flag}", f"same header as flag {headers[n]}")
        if n in mapped:
            raise v.fail(f"{key}.{flag}", f"{header!r} is also mapped in columns")
        if n in {_norm(h) for h in ignore}:
            raise v.fail(f"{key}.{flag}", f"{header!r} is also in ignore")
        headers[n] = flag
        flags[flag] = header
    if not flags:
        raise v.fail(key, f"no flag columns declared (expected: {', '.join(RACE_FLAGS_1997)})")
    if "true" in spec or "false" in spec:
        true_values, false_values = v.spellings(
            key, {k: spec[k] for k in ("true", "false") if k in spec}
        )
    elif booleans[0]:
        true_values, false_values = booleans
    else:
        true_values, false_values = DEFAULT_TRUE, DEFAULT_FALSE
    # Flags in code-list order, so the ';'-list comes out in the canonical order.
    order = {c: i for i, c in enumerate(code_list(RACE_CODE_LIST))}
    flags = dict(sorted(flags.items(), key=lambda kv: order[RACE_FLAGS_1997[kv[0]]]))
    return RaceFlags1997(MappingProxyType(flags), true_values, false_values)


def load_layout(path: Path) -> dict[str, Layout]:
    """Parse and validate a layout file: one :class:`Layout` per data set section.

    The jurisdiction is the file's stem. Raises :class:`LayoutError` (file and key) on anything
    that is not a valid layout.
    """
    path = Path(path)
    doc = _read_yaml(path)
    if not isinstance(doc, dict) or not doc:
        raise LayoutError(path, "", "expected a mapping of data set sections")
    out = {}
    for name, section in doc.items():
        if name not in DATA_SETS:
            raise LayoutError(
                path, str(name), f"not a data set (expected one of: {', '.join(DATA_SETS)})"
            )
        out[name] = _parse_section(path, path.stem, DATA_SETS[name], section)
    return out


@cache
def _load_cached(path: Path, _mtime_ns: int, _size: int) -> dict[str, Layout]:
    return load_layout(path)


def layout_path(jurisdiction_id: str, layouts_dir: Path | None = None) -> Path:
    if not _JURISDICTION_ID.fullmatch(jurisdiction_id):
        raise ValueError(f"{jurisdiction_id!r} is not a jurisdiction id")
    return (layouts_dir or LAYOUTS_DIR) / f"{jurisdiction_id}{LAYOUT_SUFFIX}"


def layout_for(
    jurisdiction_id: str, data_set: str, layouts_dir: Path | None = None
) -> Layout | None:
    """The jurisdiction's layout for a data set, or None when it submits that data set canonically.

    Looks for ``<layouts_dir>/<jurisdiction_id>.yml`` (default ``ingestion/layouts``); a file
    that does not validate raises :class:`LayoutError`.
    """
    if data_set not in DATA_SETS:
        raise ValueError(f"{data_set!r} is not a data set")
    path = layout_path(jurisdiction_id, layouts_dir)
    if not path.is_file():
        return None
    st = path.stat()
    return _load_cached(path, st.st_mtime_ns, st.st_size).get(data_set)


# --------------------------------------------------------------------------------------------
# SQL.


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _in_list(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(_lit(x) for x in values)


def _code_case(expr: str, table: Mapping[str, str]) -> str:
    whens = " ".join(f"WHEN {_lit(k)} THEN {_lit(c)}" for k, c in table.items())
    return f"CASE lower(trim({expr})) {whens} ELSE {expr} END"


def _code_table(layout: Layout, col: Column) -> dict[str, str]:
    """lower(value) -> code: the canonical codes themselves, then the layout's translations."""
    table = {c.lower(): c for c in code_list(col.code_list)}
    table.update(layout.codes.get(col.name, {}))
    return table


def _value_expr(layout: Layout, col: Column, src: str) -> str:
    """Translate one source column's text into the canonical text of ``col``."""
    if col.type == "code" and col.name in layout.codes:
        return _code_case(src, _code_table(layout, col))
    if col.type == "codes" and col.name in layout.codes:
        item = _code_case("v", _code_table(layout, col))
        return f"array_to_string(list_transform(string_split({src}, ';'), lambda v: {item}), ';')"
    if col.type == "date" and (fmts := layout.date_formats(col.name)):
        arg = _lit(fmts[0]) if len(fmts) == 1 else "[" + _in_list(fmts) + "]"
        return f"coalesce(strftime(try_strptime(trim({src}), {arg}), '%Y-%m-%d'), {src})"
    if col.type == "boolean" and layout.true_values:
        key = f"lower(trim({src}))"
        return (
            f"CASE WHEN {key} IN ({_in_list(layout.true_values)}) THEN 'true' "
            f"WHEN {key} IN ({_in_list(layout.false_values)}) THEN 'false' ELSE {src} END"
        )
    return src


def _race_flags_expr(conv: RaceFlags1997, present: dict[str, str]) -> str:
    """``present``: flag -> the file's header. Codes in code-list order; none set -> unknown.

    A flag value that is neither a true nor a false spelling (empty = not set) makes the whole
    value ``<header>=<value>[;...]`` as written, for the validation step to quarantine.
    """
    spelled = _in_list((*conv.true_values, *conv.false_values))
    bad_any, bad, codes = [], [], []
    for flag, header in present.items():
        src = _ident(header)
        key = f"lower(trim({src}))"
        is_bad = f"coalesce({key} NOT IN ('', {spelled}), false)"
        bad_any.append(is_bad)
        bad.append(f"CASE WHEN {is_bad} THEN {_lit(header + '=')} || {src} END")
        codes.append(
            f"CASE WHEN {key} IN ({_in_list(conv.true_values)}) "
            f"THEN {_lit(RACE_FLAGS_1997[flag])} END"
        )
    return (
        f"CASE WHEN {' OR '.join(bad_any)} THEN concat_ws(';', {', '.join(bad)}) "
        f"ELSE coalesce(nullif(concat_ws(';', {', '.join(codes)}), ''), {_lit(RACE_UNKNOWN)}) END"
    )


@dataclass
class _Plan:
    select: str
    notes: list[str]
    missing: list[str]


def _plan(layout: Layout | None, data_set: str, source_columns: list[str]) -> _Plan:
    if data_set not in DATA_SETS:
        raise ValueError(f"{data_set!r} is not a data set")
    if layout is not None and layout.data_set != data_set:
        raise ValueError(f"the layout is for {layout.data_set}, not {data_set}")
    ds = DATA_SETS[data_set]
    notes: list[str] = []
    by_norm: dict[str, str] = {}
    for h in source_columns:
        n = _norm(h)
        if n in by_norm:
            notes.append(
                f"column {h!r} has the same name as {by_norm[n]!r}; only the first is read"
            )
            continue
        by_norm[n] = h

    used: set[str] = set()
    exprs: list[str] = []
    missing: list[str] = []
    for col in ds.columns:
        expr = None
        conv = layout.conversions.get(col.name) if layout else None
        if isinstance(conv, Constant):
            expr = _lit(conv.value)
        elif isinstance(conv, RaceFlags1997):
            present = {f: by_norm[_norm(h)] for f, h in conv.flags.items() if _norm(h) in by_norm}
            absent = [h for f, h in conv.flags.items() if _norm(h) not in by_norm]
            if present:
                used.update(present.values())
                expr = _race_flags_expr(conv, present)
                if absent:
                    notes.append(
                        f"{col.name}: race flag column(s) not in the file, read as not set: "
                        + ", ".join(repr(h) for h in absent)
                    )
        else:
            candidates = [h for h, c in (layout.columns.items() if layout else ()) if c == col.name]
            if layout is None or _norm(col.name) not in {_norm(h) for h in layout.columns}:
                candidates.append(col.name)
            found = [by_norm[_norm(h)] for h in candidates if _norm(h) in by_norm]
            if found:
                src = found[0]
                used.add(src)
                expr = _ident(src) if layout is None else _value_expr(layout, col, _ident(src))
                if len(found) > 1:
                    notes.append(
                        f"{col.name}: read from {src!r}; "
                        + ", ".join(repr(h) for h in found[1:])
                        + " also map to it and are not loaded"
                    )
        if expr is None:
            missing.append(col.name)
            expr = "CAST(NULL AS VARCHAR)"
        exprs.append(f"{expr} AS {_ident(col.name)}")

    if layout is not None:
        not_in_file = [h for h in layout.columns if _norm(h) not in by_norm]
        if not_in_file:
            notes.append(
                "layout columns not in the file: " + ", ".join(repr(h) for h in not_in_file)
            )
    ignored = {_norm(h) for h in layout.ignore} if layout else set()
    extra = [h for n, h in by_norm.items() if h not in used and n not in ignored]
    if extra:
        notes.append(
            f"columns not in the {data_set} data set"
            + (" or its layout" if layout else "")
            + ", not loaded: "
            + ", ".join(repr(h) for h in extra)
        )
    if missing:
        notes.append("canonical columns not supplied (null): " + ", ".join(missing))
    return _Plan(",\n".join(exprs), notes, missing)


def canonical_select(
    layout: Layout | None, data_set: str, source_columns: list[str]
) -> tuple[str, list[str]]:
    """A DuckDB SELECT list producing the data set's canonical columns, and notes.

    ``source_columns`` are the file's headers; the table selected from has them as VARCHAR
    columns. Every canonical column comes out as VARCHAR in canonical text form, in contract
    order, null when the file does not supply it; values the layout cannot translate are passed
    on as written. With ``layout=None`` canonical headers are matched case-insensitively and
    passed through unchanged. Notes list the file's columns that are not loaded (other than the
    layout's ``ignore``), layout columns the file lacks, ambiguities and missing columns.
    """
    plan = _plan(layout, data_set, source_columns)
    return plan.select, plan.notes


def missing_columns(layout: Layout | None, data_set: str, source_columns: list[str]) -> list[str]:
    """Canonical columns of the data set that neither the file nor the layout supplies."""
    return _plan(layout, data_set, source_columns).missing
