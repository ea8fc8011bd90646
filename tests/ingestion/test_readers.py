"""ingestion.readers: every supported format into a DuckDB temp table of text, on real files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from ingestion.readers import ReadOptions, UnreadableFile, read_submission

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture
def con():
    c = duckdb.connect()
    yield c
    c.close()


def _rows(con, table: str = "_submission") -> list[tuple]:
    return con.execute(f'select * from "{table}" order by _row_number').fetchall()


def _types(con, table: str = "_submission") -> dict[str, str]:
    return dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_name = ? order by ordinal_position",
            [table],
        ).fetchall()
    )


def _csv(tmp_path: Path, data: bytes, name: str = "file.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _unreadable(con, path: Path, options: ReadOptions = ReadOptions()) -> str:
    with pytest.raises(UnreadableFile) as e:
        read_submission(con, path, options)
    return str(e.value)


# --- CSV -----------------------------------------------------------------------------------


def test_utf8_csv_all_text_with_spreadsheet_row_numbers(tmp_path, con):
    path = _csv(tmp_path, b"review_id, Incident Type ,count\nR1,fatality,007\nR2,,  3 \n")
    result = read_submission(con, path)
    assert result.table == "_submission"
    assert result.columns == ["review_id", "Incident Type", "count"]
    assert (result.rows, result.encoding, result.delimiter, result.sheet) == (2, "utf-8", ",", None)
    assert _rows(con) == [("R1", "fatality", "007", 2), ("R2", None, "  3 ", 3)]
    assert _types(con) == {
        "review_id": "VARCHAR",
        "Incident Type": "VARCHAR",
        "count": "VARCHAR",
        "_row_number": "INTEGER",
    }


def test_utf8_bom_is_detected_and_not_part_of_the_first_name(tmp_path, con):
    path = _csv(tmp_path, "\ufeffid,name\r\n1,Zoë\r\n".encode())
    result = read_submission(con, path)
    assert result.columns == ["id", "name"]
    assert result.encoding == "utf-8-sig"
    assert _rows(con) == [("1", "Zoë", 2)]


def test_windows_1252_is_detected_and_transcoded(tmp_path, con):
    path = _csv(tmp_path, "name;city;note\nJosé;España;it’s fine\n".encode("cp1252"))
    result = read_submission(con, path)
    assert (result.encoding, result.delimiter) == ("windows-1252", ";")
    assert _rows(con) == [("José", "España", "it’s fine", 2)]


def test_windows_1252_byte_far_into_the_file_is_still_detected(tmp_path, con):
    lines = [b"id,name"] + [b"%d,plain ascii name" % i for i in range(120_000)]
    lines.append("120000,Peña".encode("cp1252"))
    path = _csv(tmp_path, b"\n".join(lines) + b"\n")
    assert path.stat().st_size > 2 << 20  # past the first chunk read
    result = read_submission(con, path)
    assert (result.encoding, result.rows) == ("windows-1252", 120_001)
    assert con.execute(
        "select name, _row_number from _submission where id = '120000'"
    ).fetchall() == [("Peña", 120_002)]


def test_encoding_from_the_mapping_overrides_detection(tmp_path, con):
    path = _csv(tmp_path, "a,b\nx,ü\n".encode())
    result = read_submission(con, path, ReadOptions(encoding="windows-1252"))
    assert result.encoding == "windows-1252"
    assert _rows(con) == [("x", "Ã¼", 2)]  # what the mapping asked for


def test_mapping_says_utf8_but_file_is_not(tmp_path, con):
    path = _csv(tmp_path, "a,b\nx,é\n".encode("cp1252"))
    reason = _unreadable(con, path, ReadOptions(encoding="utf-8"))
    assert "not valid UTF-8" in reason and "line 2" in reason


def test_any_codec_named_by_the_mapping(tmp_path, con):
    path = _csv(tmp_path, "a\tb\nß\tü\n".encode("utf-16"))
    result = read_submission(con, path, ReadOptions(encoding="utf-16"))
    assert (result.encoding, result.delimiter) == ("utf-16", "\t")
    assert _rows(con) == [("ß", "ü", 2)]


def test_unknown_encoding_name(tmp_path, con):
    path = _csv(tmp_path, b"a\n1\n")
    assert "encoding 'klingon'" in _unreadable(con, path, ReadOptions(encoding="klingon"))


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_detected_from_the_header(tmp_path, con, delimiter):
    other = ";" if delimiter == "," else ","  # a value holding another candidate delimiter
    line = delimiter.join(["a", "b", "c"]) + "\n" + delimiter.join(["1", f"2{other}5", "3"])
    result = read_submission(con, _csv(tmp_path, line.encode() + b"\n"))
    assert result.delimiter == delimiter
    assert _rows(con) == [("1", f"2{other}5", "3", 2)]


def test_delimiter_detection_ignores_delimiters_inside_quotes(tmp_path, con):
    path = _csv(tmp_path, b'"a;b;c",d\n1,2\n')
    result = read_submission(con, path)
    assert result.delimiter == ","
    assert result.columns == ["a;b;c", "d"]


def test_explicit_delimiter(tmp_path, con):
    path = _csv(tmp_path, b"a;b,c\n1;2,3\n")
    result = read_submission(con, path, ReadOptions(delimiter=";"))
    assert result.columns == ["a", "b,c"]
    assert _rows(con) == [("1", "2,3", 2)]


def test_single_column_file(tmp_path, con):
    path = _csv(tmp_path, b"review_id\nR1\n\nR2\n")
    result = read_submission(con, path)
    assert result.columns == ["review_id"]
    assert _rows(con) == [("R1", 2), ("R2", 4)]


def test_quoted_values_with_delimiter_newline_and_doubled_quote(tmp_path, con):
    path = _csv(
        tmp_path,
        b'id,narrative,n\n1,"a, b\nsecond line ""quoted""",x\n2,"",\n3,plain,"z"\n',
    )
    result = read_submission(con, path)
    assert result.rows == 3
    # A multi-line record is one spreadsheet row: row numbers count records, not text lines.
    assert _rows(con) == [
        ("1", 'a, b\nsecond line "quoted"', "x", 2),
        ("2", None, None, 3),
        ("3", "plain", "z", 4),
    ]


def test_blank_and_empty_rows_are_skipped_but_keep_row_numbers(tmp_path, con):
    path = _csv(tmp_path, b"a,b\r\n1,2\r\n\r\n3,4\r\n,\r\n5,6\r\n\r\n\r\n")
    result = read_submission(con, path)
    assert result.rows == 3
    assert _rows(con) == [("1", "2", 2), ("3", "4", 4), ("5", "6", 6)]


def test_header_only_file_has_no_rows(tmp_path, con):
    for data in (b"a,b,c\n", b"a,b,c"):
        path = _csv(tmp_path, data)
        result = read_submission(con, path)
        assert (result.columns, result.rows) == (["a", "b", "c"], 0)
        assert _rows(con) == []


@pytest.mark.parametrize("data", [b"", b"  \r\n\n"])
def test_empty_file(tmp_path, con, data):
    assert "empty" in _unreadable(con, _csv(tmp_path, data))


def test_first_line_blank(tmp_path, con):
    reason = _unreadable(con, _csv(tmp_path, b"\na,b\n1,2\n"))
    assert "first line is empty" in reason


def test_garbage_bytes(tmp_path, con):
    data = bytes(range(256)) * 40
    assert "not a text file" in _unreadable(con, _csv(tmp_path, data))


def test_neither_utf8_nor_windows_1252(tmp_path, con):
    reason = _unreadable(con, _csv(tmp_path, b"a,b\n1,\x81x\n"))
    assert "neither UTF-8 nor Windows-1252" in reason and "line 2" in reason


def test_workbook_named_csv(tmp_path, con):
    book = tmp_path / "book.xlsx"
    openpyxl.Workbook().save(book)
    path = _csv(tmp_path, book.read_bytes())
    assert ".xlsx" in _unreadable(con, path)


def test_utf16_text(tmp_path, con):
    path = _csv(tmp_path, "a,b\n1,2\n".encode("utf-16"))
    assert "UTF-16" in _unreadable(con, path)


HINT = "check for a missing or extra delimiter, or an unquoted value containing the delimiter"


def _ragged(found: int, expected: int, delimiter: str = "comma") -> str:
    return (
        f"row has {found} value{'s' if found != 1 else ''} but the header row has {expected} "
        f"columns ({delimiter} delimiter) — {HINT}"
    )


def test_ragged_row_is_left_out_and_listed_without_its_values(tmp_path, con):
    path = _csv(tmp_path, b"id,name\n1,2\n3,Marisol Okafor,5\n6,7\n")
    result = read_submission(con, path)
    assert result.rows == 2
    assert _rows(con) == [("1", "2", 2), ("6", "7", 4)]
    assert result.ragged_rows == [(3, _ragged(3, 2))]
    assert "Marisol" not in repr(result)


def test_row_with_too_few_values_is_left_out_too(tmp_path, con):
    # Not padded with empty values: a missing delimiter shifts every later value of the row.
    path = _csv(tmp_path, b"a,b,c\n1,2,3\n4,5\n6,7,8\n9\n")
    result = read_submission(con, path)
    assert _rows(con) == [("1", "2", "3", 2), ("6", "7", "8", 4)]
    assert result.ragged_rows == [(3, _ragged(2, 3)), (5, _ragged(1, 3))]


def test_ragged_row_numbers_after_quoted_multi_line_values_and_blank_lines(tmp_path, con):
    rows = [
        b'1,"a, b\nsecond ""line""",x',
        b"",
        b"2,y,z,extra",
        b'3,"multi\nline\nvalue",w',
        b"",
        b"",
        b"4,p,q",
        b'5,"r\ns"',
        b"6,t,u",
    ]
    path = _csv(tmp_path, b"\n".join([b"id,narrative,n", *rows]) + b"\n")
    result = read_submission(con, path)
    # Rows 3, 6 and 7 are blank lines; a multi-line record is one row.
    expected = [
        ("1", 'a, b\nsecond "line"', "x", 2),
        ("3", "multi\nline\nvalue", "w", 5),
        ("4", "p", "q", 8),
        ("6", "t", "u", 10),
    ]
    assert _rows(con) == expected
    assert result.ragged_rows == [(4, _ragged(4, 3)), (9, _ragged(2, 3))]
    # The numbers are the ones the file gets when those rows are right (read by DuckDB alone).
    rows[2], rows[7] = b"2,y,z", b'5,"r\ns",o'
    path = _csv(tmp_path, b"\n".join([b"id,narrative,n", *rows]) + b"\n", "right.csv")
    assert read_submission(con, path).ragged_rows == []
    assert [r for r in _rows(con) if r[0] in ("1", "3", "4", "6")] == expected
    assert [r[3] for r in _rows(con) if r[0] in ("2", "5")] == [4, 9]


def test_ragged_row_in_a_semicolon_file(tmp_path, con):
    path = _csv(tmp_path, b"a;b;c\n1;2,5;3\n4;5;6;7\n8;9;10\n")
    result = read_submission(con, path)
    assert result.delimiter == ";"
    assert _rows(con) == [("1", "2,5", "3", 2), ("8", "9", "10", 4)]
    assert result.ragged_rows == [(3, _ragged(4, 3, "semicolon"))]


def test_ragged_row_in_a_windows_1252_file(tmp_path, con):
    data = "name;city\r\nJosé;España\r\nPeña;Bogotá;extra\r\nMuñoz;León\r\n"
    result = read_submission(con, _csv(tmp_path, data.encode("cp1252")))
    assert (result.encoding, result.delimiter) == ("windows-1252", ";")
    assert _rows(con) == [("José", "España", 2), ("Muñoz", "León", 4)]
    assert result.ragged_rows == [(3, _ragged(3, 2, "semicolon"))]


def test_ragged_row_in_a_file_with_mixed_line_endings(tmp_path, con):
    path = _csv(tmp_path, b"a,b\r\n1,2\r\n3,4,5\n6,7\n")
    result = read_submission(con, path)
    assert _rows(con) == [("1", "2", 2), ("6", "7", 4)]
    assert result.ragged_rows == [(3, _ragged(3, 2))]


def test_ragged_line_of_only_delimiters_or_spaces_is_a_blank_row(tmp_path, con):
    path = _csv(tmp_path, b"a,b,c\n1,2,3\n,\n  \n4,5\n6,7,8\n")
    result = read_submission(con, path)
    assert _rows(con) == [("1", "2", "3", 2), ("6", "7", "8", 6)]
    assert result.ragged_rows == [(5, _ragged(2, 3))]


def test_every_row_ragged_is_unreadable(tmp_path, con):
    reason = _unreadable(con, _csv(tmp_path, b"a,b\n1,2,3\n\n4\n"))
    assert reason.startswith("no row could be read: every row has a different number of values")
    assert "(row 2 has 3 values, the header row 2 columns, with comma as the delimiter)" in reason
    # A title line above the header row: the title is taken for a one-column header.
    reason = _unreadable(con, _csv(tmp_path, b"Staffing 2024\nperiod,role\n2024-Q1,x\n"))
    assert "title line above the header row" in reason


def test_unclosed_quote_after_a_ragged_row_still_rejects_the_file(tmp_path, con):
    path = _csv(tmp_path, b'a,b\n1,2,3\n4,"open\n5,6\n')
    assert "row 3 has a quoted value that is not closed properly" in _unreadable(con, path)
    path = _csv(tmp_path, b'a,b\n1,2,3\n4,"closed"x\n5,6\n')
    assert "row 3 has a quoted value that is not closed properly" in _unreadable(con, path)


def test_ragged_row_with_a_long_quoted_value_elsewhere(tmp_path, con):
    import csv

    long = "x" * 300_000  # over Python's csv default field limit, under DuckDB's line limit
    limit = csv.field_size_limit()
    path = _csv(tmp_path, f'a,b\n1,"{long}"\n2,3,4\n'.encode())
    result = read_submission(con, path)
    assert _rows(con) == [("1", long, 2)]
    assert result.ragged_rows == [(3, _ragged(3, 2))]
    assert csv.field_size_limit() == limit


def test_ragged_row_in_a_large_file_keeps_order_and_row_numbers(tmp_path, con):
    lines = [b"id,value"] + [b"%d,v%d" % (i, i) for i in range(200_000)]
    lines[100_001] = b"100000,v,extra"  # data row 100000 is spreadsheet row 100002
    path = _csv(tmp_path, b"\n".join(lines) + b"\n")
    result = read_submission(con, path)
    assert result.rows == 199_999
    assert result.ragged_rows == [(100_002, _ragged(3, 2))]
    assert con.execute(
        "select count(*) from _submission where cast(id as integer) + 2 <> _row_number "
        "or value <> 'v' || id"
    ).fetchall() == [(0,)]
    assert con.execute(
        "select count(*) = count(distinct _row_number) and bool_and(_row_number = rowid + "
        "case when rowid >= 100000 then 3 else 2 end) from _submission"
    ).fetchall() == [(True,)]


def test_unclosed_quote(tmp_path, con):
    path = _csv(tmp_path, b'a,b\n1,"open\n2,3\n')
    assert "quoted value that is not closed" in _unreadable(con, path)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"id,name,id", "names 'id' twice (column 1 and column 3)"),
        (b"ID,name,id", "both 'ID' (column 1) and 'id' (column 3)"),
        (b"id,,name", "column 2 has no name"),
        (b"id,name,", "column 3 has no name"),
        (b"id,_row_number", "reserves"),
    ],
)
def test_bad_header(tmp_path, con, header, expected):
    path = _csv(tmp_path, header + b"\n1,2,3\n")
    assert expected in _unreadable(con, path)


def test_custom_table_name_replaces_an_earlier_read(tmp_path, con):
    first = _csv(tmp_path, b"a\n1\n2\n", "one.csv")
    second = _csv(tmp_path, b"b\n3\n", "two.csv")
    read_submission(con, first, table="staged file")
    result = read_submission(con, second, table="staged file")
    assert result.table == "staged file"
    assert _rows(con, "staged file") == [("3", 2)]


def test_row_order_kept_on_a_file_duckdb_reads_in_parallel(tmp_path, con):
    path = tmp_path / "big.csv"
    con.execute(
        f"copy (select i as id, repeat('x', 60) as pad from range(700000) t(i)) "
        f"to '{path}' (header, delimiter ',')"
    ).fetchall()
    assert path.stat().st_size > 40 << 20  # several of DuckDB's CSV buffers
    result = read_submission(con, path)
    assert result.rows == 700_000
    assert con.execute(
        "select count(*) from _submission where cast(id as integer) + 2 <> _row_number"
    ).fetchall() == [(0,)]


def test_suffix_decides_the_format_and_options_override_it(tmp_path, con):
    path = _csv(tmp_path, b"a\n1\n", "data.dat")
    assert "'.dat' are not accepted" in _unreadable(con, path)
    assert read_submission(con, path, ReadOptions(format="csv")).rows == 1
    with pytest.raises(ValueError):
        read_submission(con, path, ReadOptions(format="parquet"))


# --- XLSX ----------------------------------------------------------------------------------


def _workbook(tmp_path: Path, sheets: dict[str, list[list]], name: str = "file.xlsx") -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    path = tmp_path / name
    wb.save(path)
    return path


def test_xlsx_first_sheet(tmp_path, con):
    path = _workbook(
        tmp_path,
        {
            "Reviews": [["review_id", " incident_type "], ["R1", "fatality"], ["R2", None]],
            "Other": [["x"], ["y"]],
        },
    )
    result = read_submission(con, path)
    assert (result.sheet, result.columns, result.rows) == (
        "Reviews",
        ["review_id", "incident_type"],
        2,
    )
    assert (result.encoding, result.delimiter) == (None, None)
    assert _rows(con) == [("R1", "fatality", 2), ("R2", None, 3)]


def test_xlsx_first_visible_sheet(tmp_path, con):
    path = _workbook(tmp_path, {"Lists": [["code"], ["x"]], "Data": [["a"], ["1"]]})
    wb = openpyxl.load_workbook(path)
    wb["Lists"].sheet_state = "hidden"
    wb.save(path)
    assert read_submission(con, path).sheet == "Data"


def test_xlsx_named_sheet_ignores_case(tmp_path, con):
    path = _workbook(tmp_path, {"Notes": [["n"], ["ignore me"]], "Data": [["a"], ["1"]]})
    result = read_submission(con, path, ReadOptions(sheet="data"))
    assert result.sheet == "Data"
    assert _rows(con) == [("1", 2)]


def test_xlsx_missing_sheet_names_the_sheets_there(tmp_path, con):
    path = _workbook(tmp_path, {"Notes": [["n"]], "Data": [["a"]]})
    reason = _unreadable(con, path, ReadOptions(sheet="Reviews"))
    assert "no sheet named 'Reviews'" in reason
    assert "'Notes', 'Data'" in reason


def test_xlsx_cell_types_as_text(tmp_path, con):
    path = _workbook(
        tmp_path,
        {
            "S": [
                ["date", "when", "whole", "float", "big", "flag", "text", "time"],
                [
                    dt.date(2024, 3, 9),
                    dt.datetime(2024, 3, 9, 14, 30, 5),
                    12,
                    2.5,
                    12345678901,
                    True,
                    "007",
                    dt.time(8, 15),
                ],
                [dt.datetime(2024, 1, 2), None, 3.0, 0.1, -4.0, False, " spaced ", None],
            ]
        },
    )
    read_submission(con, path)
    assert _rows(con) == [
        (
            "2024-03-09",
            "2024-03-09 14:30:05",
            "12",
            "2.5",
            "12345678901",
            "true",
            "007",
            "08:15:00",
            2,
        ),
        ("2024-01-02", None, "3", "0.1", "-4", "false", " spaced ", None, 3),
    ]


def test_xlsx_row_numbers_follow_the_sheet(tmp_path, con):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B3"], ws["C3"] = "id", "value"  # header on row 3, from column B
    ws["B4"], ws["C4"] = "a", 1
    ws["B6"], ws["C6"] = "b", 2  # row 5 is empty
    ws["C7"] = "multi\nline"
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    result = read_submission(con, path)
    assert result.columns == ["id", "value"]
    assert _rows(con) == [("a", "1", 4), ("b", "2", 6), (None, "multi\nline", 7)]
    ws["D8"] = "stray"
    wb.save(path)
    result = read_submission(con, path)
    assert _rows(con) == [("a", "1", 4), ("b", "2", 6), (None, "multi\nline", 7)]
    assert result.ragged_rows == [  # letters as the sheet shows them
        (
            8,
            "row has a value in column D, which has no name in the header row (the header row "
            "names columns B to C)",
        )
    ]


def test_xlsx_header_only(tmp_path, con):
    path = _workbook(tmp_path, {"S": [["a", "b"]]})
    result = read_submission(con, path)
    assert (result.columns, result.rows) == (["a", "b"], 0)


def test_xlsx_empty_sheet(tmp_path, con):
    path = _workbook(tmp_path, {"S": []})
    assert "sheet 'S' is empty" in _unreadable(con, path)


def test_xlsx_value_under_no_header_leaves_the_row_out(tmp_path, con):
    path = _workbook(
        tmp_path,
        {"S": [["a", "b"], ["1", "2"], ["3", "Marisol Okafor", "stray"], [], ["5", "6"]]},
    )
    result = read_submission(con, path)
    assert result.rows == 2
    assert _rows(con) == [("1", "2", 2), ("5", "6", 5)]
    assert result.ragged_rows == [
        (
            3,
            "row has a value in column C, which has no name in the header row (the header row "
            "names columns A to B)",
        )
    ]
    assert "Marisol" not in repr(result) and "stray" not in repr(result)


def test_xlsx_value_under_no_header_in_the_first_row_is_a_title_row_problem(tmp_path, con):
    path = _workbook(tmp_path, {"S": [["Staffing 2024"], ["a", "b"], ["1", "2"]]})
    reason = _unreadable(con, path)
    assert "cell B2 of sheet 'S' holds a value in a column that has no name" in reason
    assert "is row 1 a title above the header row?" in reason


def test_xlsx_duplicate_header(tmp_path, con):
    path = _workbook(tmp_path, {"S": [["id", "Name", "name"], [1, 2, 3]]})
    reason = _unreadable(con, path)
    assert "'Name' (column B) and 'name' (column C)" in reason


def test_xlsx_not_a_workbook(tmp_path, con):
    path = _csv(tmp_path, b"a,b\n1,2\n", "fake.xlsx")
    assert "not an Excel .xlsx workbook" in _unreadable(con, path)
    path = _csv(tmp_path, b"PK\x03\x04 broken zip" * 20, "broken.xlsx")
    assert "not a readable Excel .xlsx workbook" in _unreadable(con, path)


# --- JSON ----------------------------------------------------------------------------------


def test_json_array(tmp_path, con):
    path = _csv(
        tmp_path,
        b'[{"id": "R1", "count": 3, "ok": true, "detail": {"k": [1, 2]}},\n'
        b' {"ok": false, "id": "R2", "extra": null, "count": 2.5},\n'
        b' {"id": "R3", "extra": "", "new": "x"}]',
        "file.json",
    )
    result = read_submission(con, path)
    assert result.columns == ["id", "count", "ok", "detail", "extra", "new"]
    assert (result.rows, result.encoding) == (3, "utf-8")
    assert _rows(con) == [
        ("R1", "3", "true", '{"k":[1,2]}', None, None, 1),
        ("R2", "2.5", "false", None, None, None, 2),
        ("R3", None, None, None, None, "x", 3),
    ]
    assert set(_types(con).values()) == {"VARCHAR", "INTEGER"}


def test_json_lines(tmp_path, con):
    path = _csv(
        tmp_path,
        '{"id": "R1", "name": "Zoë"}\n{"id": "R2", "path/~x": "a"}\n{}\n{"id": "R4"}\n'.encode(),
        "file.jsonl",
    )
    result = read_submission(con, path)
    assert result.columns == ["id", "name", "path/~x"]
    assert _rows(con) == [("R1", "Zoë", None, 1), ("R2", None, "a", 2), ("R4", None, None, 4)]


def test_json_with_bom_and_single_object(tmp_path, con):
    path = _csv(tmp_path, b'\xef\xbb\xbf{"a": 1}', "file.json")
    result = read_submission(con, path)
    assert (result.columns, result.encoding) == (["a"], "utf-8-sig")
    assert _rows(con) == [("1", 1)]


def test_json_in_windows_1252(tmp_path, con):
    path = _csv(tmp_path, '[{"name": "Muñoz"}]'.encode("cp1252"), "file.json")
    result = read_submission(con, path)
    assert result.encoding == "windows-1252"
    assert _rows(con) == [("Muñoz", 1)]


def test_json_empty_array(tmp_path, con):
    result = read_submission(con, _csv(tmp_path, b"[]", "file.json"))
    assert (result.columns, result.rows) == ([], 0)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'[{"a": 1}, {"a": ', "not valid JSON"),
        (b'{"a": 1}\n{"a" 2}\n', "not valid JSON: line 2, column 6: Expecting ':'"),
        (b"[1, 2]", "record 1 is a number, not an object"),
        (b'[{"a": 1}, ["x"]]', "record 2 is a list"),
        (b'[{"a": 1, "a": 2}]', "key 'a' twice"),
        (b'[{"ID": 1}, {"id": 2}]', "both 'ID'"),
        (b'[{"": 1}]', "has no name"),
        (b"  \n", "empty"),
    ],
)
def test_json_unreadable(tmp_path, con, data, expected):
    assert expected in _unreadable(con, _csv(tmp_path, data, "file.json"))
