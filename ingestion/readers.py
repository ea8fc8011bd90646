"""Read one submission file — CSV, XLSX or JSON — into a DuckDB temp table of text.

:func:`read_submission` is the one entry point. Whatever the format, the result is the same shape:
a temp table on the caller's connection with one VARCHAR column per column of the file (named as
the file's header names them, values exactly as written, empty cells NULL) followed by
``_row_number INTEGER``, the number a person gives the row when they open the file. The caller
maps names and casts values; this module only reads.

Large files are never read whole into Python memory: CSV is read by DuckDB straight from the file
with explicit options (no sniffing) after one streaming pass that checks the encoding (a file that
is not UTF-8 is transcoded, streaming, to a temporary UTF-8 copy); JSON is read by DuckDB's JSON
reader; XLSX rows are streamed from ``python-calamine`` into a temporary CSV that DuckDB then reads
(calamine itself holds the one sheet in memory, in Rust, while it is read). Only a JSON file that
DuckDB finds malformed, and only up to 64 MiB, is parsed again in Python to say where.

Rules common to every format:

- Header names are kept as written, stripped of surrounding spaces. A header with an empty name,
  two names that differ only in upper/lower case (DuckDB and the mapping compare names that way),
  or the reserved name ``_row_number`` makes the file unreadable.
- A row with no value at all (a blank line, a CSV line of only delimiters, an empty XLSX row, a
  JSON ``{}``) is skipped; the row numbers of the other rows do not change.
- A *ragged* row — a CSV row with more or fewer values than the header row has columns, an XLSX
  row with a value in a column that has no name in the header row — is not read: it is listed in
  :attr:`ReadResult.ragged_rows` (its row number and why, never its values) and the other rows
  are read as usual. The caller decides what to do with it (the loader quarantines it). A file in
  which no row can be read because every row is ragged is unreadable, and so is a workbook whose
  first row under the header is ragged (a title row above the real header row, most likely).
- Anything that stops a file from being read raises :class:`UnreadableFile` with a reason written
  for the data coordinator who sent the file. The message does not name the file: the caller does.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

ROW_NUMBER_COLUMN = "_row_number"
FORMATS = ("csv", "xlsx", "json")
# File name suffix -> format, for ReadOptions(format=None).
SUFFIX_FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".json": "json",
    ".jsonl": "json",
    ".ndjson": "json",
}
# Delimiters tried when none is given, in order of preference when the header is ambiguous.
DELIMITERS = (",", ";", "\t", "|")

_CHUNK = 1 << 20  # bytes read at a time when scanning or transcoding
_HEAD = 1 << 20  # the header row must end within the first MiB
_BOMS = {
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}


@dataclass(frozen=True)
class ReadOptions:
    """How to read a file; a field left None is worked out from the file.

    - ``format``: 'csv', 'xlsx' or 'json'; None = from the file name's suffix (SUFFIX_FORMATS).
    - ``encoding`` (CSV, JSON): None = detect: a UTF-8 byte order mark -> utf-8-sig; valid UTF-8
      throughout -> utf-8; anything else -> windows-1252. Any Python codec name may be given.
    - ``delimiter`` (CSV): None = detect among ',', ';', tab and '|' from the header row
      (delimiters inside quotes do not count; a tie is settled by the first data row).
    - ``sheet`` (XLSX): the sheet's name (compared ignoring case, as Excel does); None = the
      first visible worksheet.
    """

    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    # Why a header row (CSV, XLSX) is really a data row, or None; checked before anything else
    # about the header, so its cells are never quoted (the loader passes the privacy rule).
    header_check: Callable[[list[str]], str | None] | None = field(default=None, compare=False)


@dataclass
class ReadResult:
    table: str  # the temp table created on the connection
    columns: list[str]  # the file's header names as written (stripped), in order
    rows: int  # data rows in the table
    encoding: str | None = None  # CSV/JSON: the encoding used or detected
    delimiter: str | None = None  # CSV: the delimiter used or detected
    sheet: str | None = None  # XLSX: the sheet read
    # Rows not read because they do not fit the header (see the module docstring): (spreadsheet
    # row number, why, for the coordinator), in file order. Never the row's values.
    ragged_rows: list[tuple[int, str]] = field(default_factory=list)


class UnreadableFile(Exception):
    """The file cannot be read at all; the message says why, for the person who sent it."""


def read_submission(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    options: ReadOptions = ReadOptions(),
    table: str = "_submission",
) -> ReadResult:
    """Read one submission file into the temp table ``table`` on ``con`` (replacing it).

    The table has one VARCHAR column per column of the file, named as in the file, and
    ``_row_number INTEGER``: for CSV and XLSX the spreadsheet row (header = row 1, first data row
    = 2), for JSON the 1-based index of the record. In a CSV file a quoted value may span several
    lines; such a record is still one row, as a spreadsheet shows it, so ``_row_number`` counts
    records (and blank lines), not text lines.

    A row that does not fit the header (a CSV row with more or fewer values than the header has
    columns, an XLSX row with a value under no header name) is left out of the table and listed
    in ``ReadResult.ragged_rows`` with its row number and the reason.

    Raises :class:`UnreadableFile` when the file cannot be read (empty, not text, not a workbook,
    malformed, every row ragged, bad header, missing sheet, ...). ``ValueError`` for a format name
    that does not exist (a programming error, not a problem with the file).
    """
    path = Path(path)
    fmt = _format_of(path, options)
    if not path.is_file():
        raise UnreadableFile("the file does not exist or is not a regular file")
    if path.stat().st_size == 0:
        raise UnreadableFile("the file is empty")
    reader = {"csv": _read_csv, "xlsx": _read_xlsx, "json": _read_json}[fmt]
    return reader(con, path, options, table)


# --- common --------------------------------------------------------------------------------


def _exec(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list:
    """Run a statement to completion (DuckDB 2 refuses new work while a result is unfetched)."""
    return con.execute(sql, params or []).fetchall()


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _format_of(path: Path, options: ReadOptions) -> str:
    if options.format is not None:
        fmt = options.format.lower()
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {options.format!r}; expected one of {FORMATS}")
        return fmt
    fmt = SUFFIX_FORMATS.get(path.suffix.lower())
    if fmt is None:
        kinds = ", ".join(sorted(SUFFIX_FORMATS))
        raise UnreadableFile(
            f"files ending in '{path.suffix or '(nothing)'}' are not accepted; send one of: {kinds}"
        )
    return fmt


def _check_names(
    names: list[str],
    label: Callable[[int], str],
    where: str = "the header row",
    header_check: Callable[[list[str]], str | None] | None = None,
) -> None:
    """Reject a header row that is data (``header_check``), or an empty, repeated (ignoring
    case) or reserved header name."""
    if header_check is not None and (why := header_check(names)):
        raise UnreadableFile(why)
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if not name:
            raise UnreadableFile(f"{label(i)} has no name in {where}")
        if name.lower() == ROW_NUMBER_COLUMN:
            raise UnreadableFile(
                f"{label(i)} is named '{name}', a name the warehouse reserves for row numbers"
            )
        first = seen.setdefault(name.lower(), i)
        if first == i:
            continue
        if names[first] == name:
            raise UnreadableFile(f"{where} names '{name}' twice ({label(first)} and {label(i)})")
        raise UnreadableFile(
            f"{where} has both '{names[first]}' ({label(first)}) and '{name}' ({label(i)}); "
            "names that differ only in upper/lower case count as the same name"
        )


@contextmanager
def _insertion_order_kept(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Make sure DuckDB keeps rows in file order (its default), whatever the caller set."""
    kept = _exec(con, "select current_setting('preserve_insertion_order')")[0][0]
    if kept:
        yield
        return
    _exec(con, "set preserve_insertion_order = true")
    try:
        yield
    finally:
        _exec(con, "set preserve_insertion_order = false")


def _delete_blank_rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> None:
    if columns:
        cols = ", ".join(_ident(c) for c in columns)
        _exec(con, f"delete from {_ident(table)} where coalesce({cols}) is null")
    else:  # no columns at all (JSON records that are all {}): every row is blank
        _exec(con, f"delete from {_ident(table)}")


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return _exec(con, f"select count(*) from {_ident(table)}")[0][0]


def _temp_path(suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix="npcs-read-", suffix=suffix)
    os.close(fd)
    return Path(name)


def _head(path: Path, size: int = _HEAD) -> bytes:
    with path.open("rb") as fh:
        return fh.read(size)


def _reject_non_text(head: bytes, encoding: str | None) -> None:
    """Refuse a file that is plainly not text in an 8-bit encoding (unless one was named)."""
    if head.startswith(b"PK\x03\x04"):
        raise UnreadableFile(
            "the file is a zip archive (an Excel .xlsx workbook?), not a text file; "
            "send a workbook with the .xlsx ending, or save the sheet as CSV"
        )
    if encoding is None or "\n".encode(encoding, errors="ignore") == b"\n":
        for bom, name in _BOMS.items():
            if head.startswith(bom):
                raise UnreadableFile(
                    f"the file is {name} text; save it as 'CSV UTF-8' (or name the encoding in "
                    "the jurisdiction's mapping)"
                )
        sample = head[: 64 * 1024]
        controls = sum(sample.count(bytes([b])) for b in (*range(0, 9), *range(14, 32)))
        if b"\x00" in sample or controls > len(sample) // 100:
            raise UnreadableFile(
                "the file is not a text file (it holds binary data); a CSV or JSON file must be "
                "plain text"
            )


def _codec(encoding: str) -> codecs.CodecInfo:
    try:
        return codecs.lookup(encoding)
    except LookupError:
        raise UnreadableFile(
            f"the mapping names an encoding '{encoding}' that does not exist"
        ) from None


class _BlankLineScan:
    """Whether the (UTF-8) bytes fed hold a blank line before the last line with content.

    DuckDB's CSV reader skips blank lines, which shifts the record count against the spreadsheet
    row numbers after them; only then are the row numbers worked out again.
    """

    def __init__(self) -> None:
        self.tail = b""
        self.pending = False
        self.found = False

    def feed(self, chunk: bytes) -> None:
        if self.found or not chunk:
            return
        if self.pending and chunk.strip(b"\r\n"):
            self.found = True
            return
        s = self.tail + chunk
        found = [at for at in (s.find(b"\n\n"), s.find(b"\n\r\n")) if at >= 0]
        if found:
            at = min(found)
            self.pending = True
            self.found = bool(s[at:].strip(b"\r\n"))
        self.tail = s[-2:]


@dataclass
class _Utf8Source:
    """A UTF-8 file DuckDB can read: the original or a temporary transcoded copy."""

    path: Path
    encoding: str  # what the original was read as
    blank_lines: bool  # a blank line comes before the last content
    temporary: bool

    def remove(self) -> None:
        if self.temporary:
            self.path.unlink(missing_ok=True)


def _utf8_source(path: Path, encoding: str | None, *, keep_bom: bool) -> _Utf8Source:
    """The file as UTF-8 for DuckDB, the encoding it was read as, and blank-line evidence.

    Detection: a UTF-8 byte order mark means utf-8-sig; a file that is valid UTF-8 throughout
    means utf-8; anything else is read as windows-1252. Only a file that is not UTF-8 (or, with
    ``keep_bom=False``, one that starts with a BOM) is copied; the copy is streamed.
    """
    has_bom = _head(path, 3) == codecs.BOM_UTF8
    if encoding is not None:
        name = _codec(encoding).name
        if name in ("utf-8", "utf-8-sig"):
            scan = _scan_utf8(path)
            if scan.bad_offset is not None:
                raise UnreadableFile(
                    f"the file is not valid UTF-8 text, as its mapping says it is: line "
                    f"{scan.bad_line} holds a byte (at position {scan.bad_offset}) that is not "
                    f"UTF-8 — perhaps the file was saved as Windows-1252/ANSI"
                )
            used = "utf-8-sig" if has_bom else "utf-8"
            if has_bom and not keep_bom:
                return _transcode(path, "utf-8-sig", used)
            return _Utf8Source(path, used, scan.blank_lines, temporary=False)
        return _transcode(path, name, encoding)
    if has_bom:
        if not keep_bom:
            return _transcode(path, "utf-8-sig", "utf-8-sig")
        scan = _scan_utf8(path)
        if scan.bad_offset is not None:
            raise UnreadableFile(
                f"the file starts with the UTF-8 mark but line {scan.bad_line} holds a byte that "
                "is not UTF-8; save the file again as 'CSV UTF-8'"
            )
        return _Utf8Source(path, "utf-8-sig", scan.blank_lines, temporary=False)
    scan = _scan_utf8(path)
    if scan.bad_offset is None:
        return _Utf8Source(path, "utf-8", scan.blank_lines, temporary=False)
    return _transcode(path, "cp1252", "windows-1252")


@dataclass
class _Utf8Scan:
    bad_offset: int | None  # first byte that is not UTF-8
    bad_line: int | None
    blank_lines: bool


def _scan_utf8(path: Path) -> _Utf8Scan:
    """One streaming pass: is the file valid UTF-8, and does it have blank lines inside."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    blank = _BlankLineScan()
    offset = lines = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                if not (chunk.isascii() and not decoder.getstate()[0]):
                    decoder.decode(chunk)
            except UnicodeDecodeError as e:
                at = max(e.start, 0)
                return _Utf8Scan(offset + at, lines + chunk.count(b"\n", 0, at) + 1, False)
            blank.feed(chunk)
            offset += len(chunk)
            lines += chunk.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return _Utf8Scan(offset, lines + 1, False)
    return _Utf8Scan(None, None, blank.found)


def _transcode(path: Path, codec: str, label: str) -> _Utf8Source:
    """Stream ``path`` from ``codec`` into a temporary UTF-8 file (no BOM)."""
    decoder = codecs.getincrementaldecoder(codec)()
    blank = _BlankLineScan()
    out = _temp_path(".csv")
    offset = lines = 0
    try:
        with path.open("rb") as src, out.open("wb") as dst:
            while True:
                chunk = src.read(_CHUNK)
                try:
                    text = decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as e:
                    at = max(e.start, 0)
                    line = lines + chunk.count(b"\n", 0, at) + 1
                    bad = chunk[at : at + 1].hex().upper()
                    what = (
                        "neither UTF-8 nor Windows-1252"
                        if label == "windows-1252"
                        else f"not valid {label}"
                    )
                    raise UnreadableFile(
                        f"the file is {what} text: line {line} holds byte 0x{bad} (at position "
                        f"{offset + at}) that does not belong there; save the file as 'CSV UTF-8'"
                    ) from None
                data = text.encode("utf-8")
                blank.feed(data)
                dst.write(data)
                if not chunk:
                    break
                offset += len(chunk)
                lines += chunk.count(b"\n")
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return _Utf8Source(out, label, blank.found, temporary=True)


# --- CSV -----------------------------------------------------------------------------------


def _first_records(text: str, limit: int = 2) -> tuple[list[str], bool]:
    """The first ``limit`` records of CSV ``text`` (quote-aware), and whether the first ended.

    Blank lines after the first record are skipped. The last record counts as ended only when
    the text is the whole file, which the caller tells by passing complete text.
    """
    records: list[str] = []
    in_quotes = False
    start = pos = 0
    n = len(text)
    while pos < n and len(records) < limit:
        ch = text[pos]
        if ch == '"':
            in_quotes = not in_quotes
        elif (ch == "\n" or ch == "\r") and not in_quotes:
            record = text[start:pos]
            if record or not records:
                records.append(record)
            if ch == "\r" and pos + 1 < n and text[pos + 1] == "\n":
                pos += 1
            start = pos + 1
        pos += 1
    ended = bool(records)
    if len(records) < limit and start < n:
        records.append(text[start:])
    return records, ended


def _count_outside_quotes(record: str, delimiter: str) -> int:
    count = 0
    in_quotes = False
    for ch in record:
        if ch == '"':
            in_quotes = not in_quotes
        elif ch == delimiter and not in_quotes:
            count += 1
    return count


def _detect_delimiter(header: str, data: str | None) -> str:
    counts = {d: _count_outside_quotes(header, d) for d in DELIMITERS}
    best = max(counts.values())
    if best == 0:
        return ","  # one column
    tied = [d for d in DELIMITERS if counts[d] == best]
    if len(tied) > 1 and data is not None:
        agreeing = [d for d in tied if _count_outside_quotes(data, d) == best]
        if agreeing:
            return agreeing[0]
    return tied[0]


def _csv_header(
    source: Path,
    delimiter: str | None,
    header_check: Callable[[list[str]], str | None] | None = None,
) -> tuple[list[str], str]:
    """The header names and delimiter of a UTF-8 CSV file, from its first record."""
    raw = _head(source)
    text = codecs.getincrementaldecoder("utf-8-sig")().decode(raw, final=len(raw) < _HEAD)
    if not text.strip():
        raise UnreadableFile("the file is empty (it holds only blank space)")
    records, ended = _first_records(text)
    if not ended and len(raw) >= _HEAD:
        raise UnreadableFile(
            "the first row does not end within the first MiB of the file: either it is not a "
            'CSV file or a quote (") in the header row is never closed'
        )
    header = records[0]
    if not header.strip():
        raise UnreadableFile("the first line is empty; the header row must be the first line")
    if delimiter is None:
        delimiter = _detect_delimiter(header, records[1] if len(records) > 1 else None)
    elif len(delimiter) != 1:
        raise UnreadableFile(f"the mapping's delimiter {delimiter!r} is not a single character")
    try:
        names = next(csv.reader(io.StringIO(header), delimiter=delimiter, strict=True))
    except csv.Error as e:
        # (the csv module's message is not passed on: it may quote the row)
        raise UnreadableFile(
            f"the header row cannot be read as CSV ({type(e).__name__}); check its quotes"
        ) from None
    names = [n.strip() for n in names]
    _check_names(names, lambda i: f"column {i + 1}", header_check=header_check)
    return names, delimiter


_COLUMN_COUNT_ERROR = re.compile(r"Expected Number of Columns: (\d+) Found: (\d+)")
# DuckDB's longest line (its max_line_size default); Python's csv module is allowed as long a
# value when it reads a file again, so that both refuse the same files.
_MAX_LINE = 2 << 20
# The column_name of a ragged row's quarantine entry: the row as a whole, not one column.
RAGGED_ROW_COLUMN = "(row)"


def _delimiter_name(delimiter: str) -> str:
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def ragged_csv_rule(found: int, expected: int, delimiter: str) -> str:
    """Why a CSV row with the wrong number of values is not read (it quotes no value)."""
    return (
        f"row has {_plural(found, 'value')} but the header row has "
        f"{_plural(expected, 'column')} ({_delimiter_name(delimiter)} delimiter) — check for a "
        "missing or extra delimiter, or an unquoted value containing the delimiter"
    )


def _unclosed_quote(row: str) -> UnreadableFile:
    return UnreadableFile(
        f"{row} has a quoted value that is not closed properly: a value in quotes must end "
        'with a quote, and a quote inside it must be doubled ("")'
    )


def _csv_error(e: duckdb.Error, delimiter: str) -> UnreadableFile:
    msg = str(e)
    at = re.search(r"CSV Error on Line: (\d+)", msg)
    row = f"row {at.group(1)}" if at else "a row"
    wrong = _COLUMN_COUNT_ERROR.search(msg)
    if wrong:
        expected, found = wrong.groups()
        return UnreadableFile(
            f"{row} has {found} values but the header row has {expected} columns (with "
            f"{_delimiter_name(delimiter)} as the delimiter); check that "
            "row for a missing or extra delimiter, or a value with the delimiter in it that is "
            "not in quotes"
        )
    if "unterminated quote" in msg:
        return _unclosed_quote(row)
    if "Maximum line size" in msg:
        return UnreadableFile(f"{row} is too long (over 2 MB); is a quote left open before it?")
    if "unicode" in msg.lower():
        return UnreadableFile(f"{row} is not valid text in the file's encoding")
    # DuckDB's own message may quote the row it stopped at: only where it stopped is passed on
    return UnreadableFile(f"{row} cannot be read as CSV (check its quotes and delimiters)")


def _read_csv(
    con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions, table: str
) -> ReadResult:
    if options.encoding is not None:
        _codec(options.encoding)
    _reject_non_text(_head(path), options.encoding)
    source = _utf8_source(path, options.encoding, keep_bom=True)
    try:
        names, delimiter = _csv_header(source.path, options.delimiter, options.header_check)
        spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names)))
        select = ", ".join(f"c{i} as {_ident(n)}" for i, n in enumerate(names))

        def load(csv_path: Path) -> None:
            with _insertion_order_kept(con):
                _exec(
                    con,
                    f"""
                    create or replace temp table {_ident(table)} as
                    select {select}
                    from read_csv(?, header = true, auto_detect = false, columns = {{{spec}}},
                                  delim = ?, quote = '"', escape = '"', strict_mode = true,
                                  null_padding = false, ignore_errors = false, encoding = 'utf-8')
                    """,
                    [str(csv_path), delimiter],
                )

        error: duckdb.Error | None = None
        try:
            load(source.path)
        except duckdb.Error as e:
            error = e
            # DuckDB cannot read a file whose lines end some with CRLF and some with LF (rows
            # appended in another editor); such a file is read again with LF endings throughout.
            if _mixed_line_endings(source.path):
                normalised = _lf_copy(source.path)
                try:
                    load(normalised)
                    error = None
                except duckdb.Error as again:
                    error = again
                finally:
                    normalised.unlink(missing_ok=True)
        ragged: list[tuple[int, str]] = []
        if error is None:
            # A new table's rowid is its insertion order, which is the file's record order.
            # Numbering afterwards is cheaper than row_number() over () in the CREATE (1.4 s
            # against 1.6 s for a million rows here), which holds DuckDB's parallel insert back.
            _exec(con, f"alter table {_ident(table)} add column {ROW_NUMBER_COLUMN} integer")
            _exec(
                con,
                f"update {_ident(table)} set {ROW_NUMBER_COLUMN} = cast(rowid + 2 as integer)",
            )
            if source.blank_lines and len(names) > 1:
                _renumber_after_blank_lines(con, table, source.path, delimiter)
        elif _COLUMN_COUNT_ERROR.search(str(error)):
            # A row with the wrong number of values: only then is the file read again, in
            # Python, to leave such rows out and read the others.
            ragged = _read_csv_leaving_out_ragged_rows(con, source.path, names, delimiter, table)
        else:
            raise _csv_error(error, delimiter) from None
    finally:
        source.remove()
    _delete_blank_rows(con, table, names)
    return ReadResult(
        table=table,
        columns=names,
        rows=_count(con, table),
        encoding=source.encoding,
        delimiter=delimiter,
        ragged_rows=ragged,
    )


@contextmanager
def _csv_field_limit(limit: int) -> Iterator[None]:
    """Let Python's csv module read values up to ``limit`` characters long, for a while.

    The limit is the csv module's, for the whole process: it is only ever raised here, and put
    back afterwards.
    """
    before = csv.field_size_limit()
    csv.field_size_limit(max(before, limit))
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _read_csv_leaving_out_ragged_rows(
    con: duckdb.DuckDBPyConnection, source: Path, names: list[str], delimiter: str, table: str
) -> list[tuple[int, str]]:
    """Read a (UTF-8) CSV file that has rows with the wrong number of values into ``table``.

    Python's csv module reads the file with the reader's quoting (``"``, doubled inside a quoted
    value, strict). Every record with as many values as the header has columns is written, with
    its spreadsheet row number, to a temporary CSV that DuckDB then reads; every other record is
    left out and returned as (row number, rule). Row numbers count records (a quoted value over
    several lines is one row) and blank lines, as :func:`_renumber_after_blank_lines` does. A
    record with no value at all (only delimiters or blank space) is skipped like a blank line,
    whatever its number of values. Raises :class:`UnreadableFile` when a quote is not closed,
    or when no row can be read because every row has the wrong number of values.
    """
    width = len(names)
    ragged: list[tuple[int, int]] = []  # (row number, values found)
    good = 0
    staged = _temp_path(".csv")
    try:
        with (
            _csv_field_limit(_MAX_LINE),
            source.open(newline="", encoding="utf-8-sig") as src,
            staged.open("w", newline="", encoding="utf-8") as dst,
        ):
            write = csv.writer(dst, lineterminator="\n").writerow
            records = csv.reader(src, delimiter=delimiter, strict=True)
            row = 0
            try:
                next(records, None)  # the header row, already read
                row = 1
                for row, record in enumerate(records, start=2):
                    if len(record) == width:
                        if any(record):
                            write([*record, row])
                            good += 1
                    elif any(v.strip() for v in record):
                        ragged.append((row, len(record)))
            except csv.Error as e:
                where = f"row {row + 1}"  # the record after the last one read
                if "field larger than field limit" in str(e):
                    raise UnreadableFile(
                        f"{where} is too long (over 2 MB); is a quote left open before it?"
                    ) from None
                raise _unclosed_quote(where) from None
        if ragged and not good:
            first, found = ragged[0]
            raise UnreadableFile(
                "no row could be read: every row has a different number of values than the "
                f"header row has columns (row {first} has {_plural(found, 'value')}, the header "
                f"row {_plural(width, 'column')}, with {_delimiter_name(delimiter)} as the "
                "delimiter); check for a missing or extra delimiter, an unquoted value "
                "containing the delimiter, or a title line above the header row"
            )
        _load_staged_rows(con, staged, names, table)
    finally:
        staged.unlink(missing_ok=True)
    rules: dict[int, str] = {}  # one string per count found, however many rows share it
    for _, found in ragged:
        if found not in rules:
            rules[found] = ragged_csv_rule(found, width, delimiter)
    return [(row, rules[found]) for row, found in ragged]


def _load_staged_rows(
    con: duckdb.DuckDBPyConnection, staged: Path, names: list[str], table: str
) -> None:
    """Read a staged CSV (no header; the values, then the row number) into ``table``."""
    spec = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(names)))
    select = ", ".join(f"c{i} as {_ident(n)}" for i, n in enumerate(names))
    with _insertion_order_kept(con):
        _exec(
            con,
            f"""
            create or replace temp table {_ident(table)} as
            select {select}, rn as {ROW_NUMBER_COLUMN}
            from read_csv(?, header = false, auto_detect = false,
                          columns = {{{spec}, 'rn': 'INTEGER'}}, delim = ',', quote = '"',
                          escape = '"', strict_mode = true, null_padding = false)
            """,
            [str(staged)],
        )


def _mixed_line_endings(path: Path) -> bool:
    """Whether some lines of the file end with CRLF and others with a bare LF."""
    crlf = bare_lf = False
    previous = b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            pairs = chunk.count(b"\r\n") + (previous == b"\r" and chunk[:1] == b"\n")
            crlf = crlf or pairs > 0
            bare_lf = bare_lf or chunk.count(b"\n") > pairs
            if crlf and bare_lf:
                return True
            previous = chunk[-1:]
    return False


def _lf_copy(path: Path) -> Path:
    """A temporary copy of the file with every CRLF turned into LF (streamed)."""
    out = _temp_path(".csv")
    try:
        with path.open("rb") as src, out.open("wb") as dst:
            held = b""
            while chunk := src.read(_CHUNK):
                chunk = held + chunk
                held = b"\r" if chunk.endswith(b"\r") else b""
                dst.write(chunk[: len(chunk) - len(held)].replace(b"\r\n", b"\n"))
            dst.write(held)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return out


def _renumber_after_blank_lines(
    con: duckdb.DuckDBPyConnection, table: str, source: Path, delimiter: str
) -> None:
    """Give rows after a blank line their spreadsheet row number (DuckDB skipped the blank line).

    Only run when the file has a blank line inside it. If Python's reading of the file does not
    agree with DuckDB's on the number of records, the record numbers are kept.
    """
    numbers: list[int] = []
    try:
        with source.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh, delimiter=delimiter)
            next(reader, None)
            row = 1
            for record in reader:
                row += 1
                if record:
                    numbers.append(row)
    except (csv.Error, UnicodeDecodeError):
        return
    if len(numbers) != _count(con, table):
        return
    moved = [(i + 2, n) for i, n in enumerate(numbers) if n != i + 2]
    if moved:
        old, new = zip(*moved)
        _exec(
            con,
            f"""
            update {_ident(table)} set {ROW_NUMBER_COLUMN} = m.new
            from (select unnest(?::integer[]) as old, unnest(?::integer[]) as new) m
            where {_ident(table)}.{ROW_NUMBER_COLUMN} = m.old
            """,
            [list(old), list(new)],
        )


# --- XLSX ----------------------------------------------------------------------------------


def _column_letter(index: int) -> str:
    """0-based column index -> Excel column letters (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell_text(value: object) -> str | None:
    """An XLSX cell value as text: ISO dates, whole numbers without '.0', true/false."""
    kind = type(value)
    if kind is str:
        return value or None
    if kind is float:
        if value.is_integer() and abs(value) < 2**63:
            return str(int(value))
        text = f"{value:.15g}"  # Excel keeps 15 significant digits
        return text if "e" not in text else repr(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is dt.date:
        return value.isoformat()
    if kind is dt.datetime:
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if kind is dt.time:
        return value.isoformat()
    if value is None:
        return None
    return str(value)


def _cell_texts(memo_size: int = 100_000) -> Callable[[object], str | None]:
    """:func:`_cell_text` with the text of numbers remembered (survey answers repeat a lot)."""
    floats: dict[float, str | None] = {}

    def text(value: object) -> str | None:
        kind = type(value)
        if kind is str:
            return value or None
        if kind is float:  # a dict keyed by floats only: True == 1.0 must not share an entry
            found = floats.get(value)
            if found is None:
                found = _cell_text(value)
                if len(floats) < memo_size:
                    floats[value] = found
            return found
        return _cell_text(value)

    return text


def _open_workbook(path: Path):
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile(
            "the file is an old-style Excel workbook (.xls) or a password-protected workbook; "
            "save it as an Excel Workbook (.xlsx) without a password"
        )
    if not magic.startswith(b"PK\x03\x04"):
        raise UnreadableFile("the file is not an Excel .xlsx workbook")
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except CalamineError as e:
        raise UnreadableFile(f"the file is not a readable Excel .xlsx workbook ({e})") from None


def _pick_sheet(workbook, wanted: str | None) -> str:
    names = list(workbook.sheet_names)
    if not names:
        raise UnreadableFile("the workbook has no sheets")
    if wanted is None:
        try:
            from python_calamine import SheetTypeEnum, SheetVisibleEnum

            for meta in workbook.sheets_metadata:
                if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible:
                    return meta.name
        except (ImportError, AttributeError):
            pass
        return names[0]
    if wanted in names:
        return wanted
    folded = [n for n in names if n.strip().lower() == wanted.strip().lower()]
    if len(folded) == 1:
        return folded[0]
    listed = ", ".join(f"'{n}'" for n in names)
    raise UnreadableFile(f"the workbook has no sheet named '{wanted}'; its sheets are {listed}")


def _sheet_rows(workbook, sheet: str) -> tuple[int, Iterator[list]]:
    """The sheet's first used column (0-based) and its rows from row 1 on."""
    from python_calamine import CalamineError

    try:
        data = workbook.get_sheet_by_name(sheet)
    except CalamineError as e:
        raise UnreadableFile(f"sheet '{sheet}' cannot be read ({type(e).__name__})") from None
    if data.start is None:
        return 0, iter(())
    # iter_rows yields every row from the top of the sheet (row 1 first, empty rows as lists of
    # ''), each starting at the first column that holds anything.
    return data.start[1], data.iter_rows()


def _read_xlsx(
    con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions, table: str
) -> ReadResult:
    workbook = _open_workbook(path)
    try:
        sheet = _pick_sheet(workbook, options.sheet)
        first_column, sheet_rows = _sheet_rows(workbook, sheet)
        rows = enumerate(sheet_rows, start=1)

        def letter(i: int) -> str:
            return _column_letter(first_column + i)

        names: list[str] | None = None
        header_row = 0
        for number, row in rows:
            if any(v != "" for v in row):
                names = [(_cell_text(v) or "").strip() for v in row]
                header_row = number
                break
        if names is None:
            raise UnreadableFile(f"sheet '{sheet}' is empty")
        while names and not names[-1]:
            names.pop()
        _check_names(names, lambda i: f"column {letter(i)}", header_check=options.header_check)
        width = len(names)
        named = letter(0) if width == 1 else f"{letter(0)} to {letter(width - 1)}"
        ragged: list[tuple[int, str]] = []
        staged = _temp_path(".csv")  # internal, read back by DuckDB: raw (no csv_safety)
        try:
            with staged.open("w", newline="", encoding="utf-8") as fh:
                write = csv.writer(fh).writerow
                cell = _cell_texts()
                first_data_row = True
                for number, row in rows:
                    values = [cell(v) for v in row[:width]]
                    if len(values) < width:  # trailing empty cells: a spreadsheet has no short rows
                        values += [None] * (width - len(values))
                    elif len(row) > width:
                        extra = next((i for i in range(width, len(row)) if row[i] != ""), None)
                        if extra is not None:
                            if first_data_row:  # the header row is most likely a title
                                raise UnreadableFile(
                                    f"cell {letter(extra)}{number} of sheet '{sheet}' holds "
                                    "a value in a column that has no name in the header row, "
                                    "in the first row under it: is row "
                                    f"{header_row} a title above the header row? The header "
                                    "row must be the first row of the sheet that holds anything"
                                )
                            ragged.append(
                                (
                                    number,
                                    f"row has a value in column {letter(extra)}, which has no "
                                    "name in the header row (the header row names columns "
                                    f"{named})",
                                )
                            )
                            continue
                    if any(v is not None for v in values):
                        write([*values, number])
                        first_data_row = False
            _load_staged_rows(con, staged, names, table)
        finally:
            staged.unlink(missing_ok=True)
    finally:
        workbook.close()
    return ReadResult(
        table=table, columns=names, rows=_count(con, table), sheet=sheet, ragged_rows=ragged
    )


# --- JSON ----------------------------------------------------------------------------------


# A malformed JSON file up to this size is parsed again in Python to say where the error is.
_JSON_CHECK_LIMIT = 64 << 20


def _json_error(e: duckdb.Error, source: Path) -> UnreadableFile:
    """Why DuckDB could not read the JSON file, with the line and column where Python finds it.

    DuckDB's own record and line numbers in these messages are not reliable (off by one), so a
    file small enough is parsed again, value by value, to point at the place.
    """
    if source.stat().st_size <= _JSON_CHECK_LIMIT:
        text = source.read_text(encoding="utf-8", errors="replace")
        decoder = json.JSONDecoder()
        blank = re.compile(r"\s*")
        pos = blank.match(text).end()
        try:
            while pos < len(text):
                _, pos = decoder.raw_decode(text, pos)
                pos = blank.match(text, pos).end()
        except json.JSONDecodeError as bad:
            return UnreadableFile(
                f"the file is not valid JSON: line {bad.lineno}, column {bad.colno}: {bad.msg}"
            )
    msg = str(e).splitlines()[0]
    detail = re.search(r"at byte \d+ in (?:record/value|line) \d+: (.*)$", msg)
    reason = detail.group(1).strip().rstrip(".") if detail else msg
    return UnreadableFile(f"the file is not valid JSON: {reason}")


def _json_pointer(key: str) -> str:
    return "/" + key.replace("~", "~0").replace("/", "~1")


def _read_json(
    con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions, table: str
) -> ReadResult:
    if options.encoding is not None:
        _codec(options.encoding)
    _reject_non_text(_head(path), options.encoding)
    source = _utf8_source(path, options.encoding, keep_bom=False)
    staged = f"{table}__json"
    try:
        start = _head(source.path, 64 * 1024).decode("utf-8", errors="ignore").lstrip()
        if not start:
            raise UnreadableFile("the file is empty (it holds only blank space)")
        fmt = "array" if start.startswith("[") else "auto"
        try:
            with _insertion_order_kept(con):
                _exec(
                    con,
                    f"""
                    create or replace temp table {_ident(staged)} as
                    select cast(row_number() over () as integer) as i, json
                    from read_json_objects(?, format = ?)
                    """,
                    [str(source.path), fmt],
                )
        except duckdb.Error as e:
            raise _json_error(e, source.path) from None
    finally:
        source.remove()
    try:
        keys = _json_keys(con, staged)
        names = [k.strip() for k in keys]
        _check_names(names, lambda i: f"key '{keys[i]}'", where="the records")
        select = "".join(f"nullif(v[{k + 1}], '') as {_ident(n)}, " for k, n in enumerate(names))
        paths = "[" + ", ".join(_literal(_json_pointer(k)) for k in keys) + "]"
        values = f"json_extract_string(json, {paths}::varchar[])" if keys else "null"
        _exec(
            con,
            f"""
            create or replace temp table {_ident(table)} as
            select {select}i as {ROW_NUMBER_COLUMN}
            from (select i, {values} as v from {_ident(staged)})
            order by i
            """,
        )
    finally:
        _exec(con, f"drop table if exists {_ident(staged)}")
    _delete_blank_rows(con, table, names)
    return ReadResult(table=table, columns=names, rows=_count(con, table), encoding=source.encoding)


_JSON_KINDS = {
    "ARRAY": "a list",
    "VARCHAR": "a text value",
    "NULL": "null",
    "BOOLEAN": "true/false",
}


def _json_keys(con: duckdb.DuckDBPyConnection, staged: str) -> list[str]:
    """The keys of the staged JSON records in first-seen order, after checking the records."""
    t = _ident(staged)
    bad = _exec(
        con,
        f"select i, json_type(json) from {t} where json_type(json) <> 'OBJECT' order by i limit 1",
    )
    if bad:
        i, kind = bad[0]
        raise UnreadableFile(
            f"record {i} is {_JSON_KINDS.get(kind, 'a number')}, not an object; the file must "
            'hold objects ({"column": value, ...}), as an array or one per line'
        )
    twice = _exec(
        con,
        f"select i, json_keys(json) from {t} "
        "where len(json_keys(json)) <> len(list_distinct(json_keys(json))) order by i limit 1",
    )
    if twice:
        i, keys = twice[0]
        key = next(k for k in keys if keys.count(k) > 1)
        raise UnreadableFile(f"record {i} has the key '{key}' twice")
    rows = _exec(
        con,
        f"""
        select k from (select i, unnest(json_keys(json)) as k,
                              generate_subscripts(json_keys(json), 1) as p from {t})
        group by k order by min(i), arg_min(p, i)
        """,
    )
    return [k for (k,) in rows]
