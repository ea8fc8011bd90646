"""Write the corpus files whose exact bytes matter: workbooks, encodings, line endings, garbage.

The plain UTF-8 text files of the corpus are written by hand and committed as they are; this
script writes the others (and is committed with its outputs, which ``test_corpus.py`` reads):

    uv run python tests/ingestion/corpus/make_corpus.py

The output is the same on every run (fixed workbook timestamps, fixed zip entry dates, a seeded
random generator), so re-running it changes no committed file unless this script changed.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from pathlib import Path

from openpyxl import Workbook

CORPUS = Path(__file__).resolve().parent
FIXED = dt.datetime(2024, 1, 1)

REVIEWS_HEADER = (
    "review_id,incident_type,incident_date,review_completed_date,cause_of_incident,"
    "maltreatment_type,child_age_years,child_sex,child_race_ethnicity,open_case_at_incident,"
    "prior_reports_count,contact_within_3_years,in_out_of_home_care"
)
WORKFORCE_HEADER = (
    "period,role,headcount_start,headcount_end,hires,separations_voluntary,"
    "separations_involuntary,vacancies"
)
TASC_HEADER = (
    "response_id,survey_wave,response_date,org_unit,role,tenure_band,ps_1,ps_2,ps_3,ps_4,ps_5,"
    "ps_6,ps_7,sr_1,sr_2,sr_3,sr_4,wc_1,wc_2,wc_3,ee_1,ee_2,ee_3,ee_4,ee_5,intent_to_stay"
)
R1 = (
    "CT-R1,fatality,2024-01-05,2024-04-20,suid_sleep,neglect,0,female,black_african_american,"
    "true,1,true,false"
)
R2 = (
    "CT-R2,serious_injury,2024-02-11,2024-05-30,other_physical_abuse,physical_abuse,4,male,"
    "hispanic_latino,false,0,false,false"
)


def _writer(root: Path, written: list[str]):
    def write(relative: str, data: bytes) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(relative)

    return write


def _lines(*lines: str, end: str = "\n") -> str:
    return end.join(lines) + end


def _xlsx(sheets: list[tuple[str, list[list]]]) -> bytes:
    """A workbook with the given sheets (name, rows), as reproducible bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.properties.created = FIXED
    wb.properties.modified = FIXED
    raw = io.BytesIO()
    wb.save(raw)
    # Re-pack with fixed dates: openpyxl stamps every zip entry, and the workbook's "modified"
    # property, with the time of saving.
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*",
                    rb"\g<1>" + FIXED.strftime("%Y-%m-%dT%H:%M:%SZ").encode(),
                    data,
                )
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    return out.getvalue()


def reviews_workbook() -> bytes:
    """Canonical reviews on the first sheet, typed cells (dates, numbers, booleans); row 4 has an
    unknown child_sex; a second sheet of notes that must not be read."""
    d = dt.date
    header = REVIEWS_HEADER.split(",")
    return _xlsx(
        [
            (
                "Reviews",
                [
                    header,
                    ["CT-R1", "fatality", d(2024, 1, 5), d(2024, 4, 20), "suid_sleep", "neglect"]
                    + [0, "female", "black_african_american", True, 1, True, False],
                    ["CT-R2", "serious_injury", d(2024, 2, 11), d(2024, 5, 30)]
                    + ["other_physical_abuse", None, 4, "male", "hispanic_latino", False],
                    ["CT-R3", "near_fatality", d(2024, 3, 2), d(2024, 6, 14), "drowning"]
                    + ["neglect", 2, "X", "white", True, 0, None, None],
                ],
            ),
            ("Notes", [["note"], ["Prepared by the CT data unit; not part of the submission"]]),
        ]
    )


def layout_workbook(sheet: str) -> bytes:
    """The jurisdiction's own review export: a read-me sheet first, the data on ``sheet``, their
    own headers, US dates, Y/N flags and M/F sex codes; row 4 has a sex code the layout lacks."""
    return _xlsx(
        [
            ("Read me", [["Exported from the CT review database"], ["Do not edit"]]),
            (
                sheet,
                [
                    ["Review Number", "Incident Category", "Date of Incident", "Review Completed"]
                    + ["Primary Cause", "Child Age", "Sex", "Race/Ethnicity", "Open Case"],
                    ["CT-R1", "fatality", "01/05/2024", "04/20/2024", "suid_sleep", 0, "F"]
                    + ["black_african_american", "Y"],
                    ["CT-R2", "serious_injury", "02/11/2024", "05/30/2024"]
                    + ["other_physical_abuse", 4, "M", "hispanic_latino", "N"],
                    ["CT-R3", "near_fatality", "03/02/2024", "06/14/2024", "drowning", 2, "Q"]
                    + ["white", "Y"],
                ],
            ),
        ]
    )


def titled_workbook() -> bytes:
    """Canonical workforce rows under a title and a blank row: the header is not on row 1."""
    header = WORKFORCE_HEADER.split(",")
    return _xlsx(
        [
            (
                "Workforce",
                [
                    ["Connecticut DCF — staffing, 2024"],
                    [],
                    header,
                    ["2024-Q1", "caseworker", 120, 118, 6, 5, 3, 9],
                ],
            )
        ]
    )


def noted_workbook() -> bytes:
    """Canonical workforce rows; row 3 has a note in column I, beside the table, where the header
    row names no column (the note names a person: it must be stored nowhere)."""
    header = WORKFORCE_HEADER.split(",")
    return _xlsx(
        [
            (
                "Workforce",
                [
                    header,
                    ["2024-Q1", "caseworker", 120, 118, 6, 5, 3, 9],
                    ["2024-Q1", "supervisor", 20, 21, 1, 0, 0, 2, "ask Marisol Okafor"],
                    ["2024-Q2", "caseworker", 118, 119, 4, 2, 1, 8],
                ],
            )
        ]
    )


def write_corpus(root: Path = CORPUS) -> list[str]:
    """Write the generated files under ``root``; returns their paths relative to it."""
    written: list[str] = []
    write = _writer(root, written)
    # UTF-8 with a byte order mark (what Excel's "CSV UTF-8" writes).
    write(
        "utf8_bom/CT/reviews/reviews_2024_utf8_bom.csv",
        b"\xef\xbb\xbf" + _lines(REVIEWS_HEADER, R1, R2).encode(),
    )
    # Windows-1252 with accented letters in a text column (what Excel's plain "CSV" writes).
    tasc = [
        TASC_HEADER,
        "CT-T1,2024-1,2024-06-03,Bureau Québec,caseworker,1_2y,"
        "5,6,3,5,2,6,5,4,4,3,4,4,5,4,2,3,2,1,2,4",
        "CT-T2,2024-1,2024-06-04,Oficina Peñasco,supervisor,6_10y,"
        "6,6,2,6,3,5,6,3,4,4,3,5,5,4,1,2,2,1,1,5",
    ]
    write(
        "windows_1252_accents/CT/tasc_responses/tasc_2024-1_windows_1252.csv",
        _lines(*tasc).encode("cp1252"),
    )
    # CRLF line endings throughout (the last column is a number: a stray CR would break it).
    write(
        "crlf_line_endings/CT/workforce/workforce_2024_crlf.csv",
        _lines(
            WORKFORCE_HEADER,
            "2024-Q1,caseworker,120,118,6,5,3,9",
            "2024-Q1,supervisor,20,21,1,0,0,2",
            end="\r\n",
        ).encode(),
    )
    # Rows appended in another editor: the first lines end with CRLF, the later ones with LF.
    write(
        "mixed_line_endings/CT/workforce/workforce_2024_mixed_line_endings.csv",
        (
            _lines(WORKFORCE_HEADER, "2024-Q1,caseworker,120,118,6,5,3,9", end="\r\n")
            + _lines("2024-Q1,supervisor,20,21,1,0,0,2", "2024-Q2,caseworker,118,119,4,2,1,8")
        ).encode(),
    )
    # Zero bytes.
    write("empty_file/CT/workforce/workforce_2024.csv", b"")
    # Random bytes under a .csv name.
    write(
        "binary_garbage_named_csv/CT/reviews/reviews_2024.csv",
        random.Random(20240101).randbytes(4096),
    )
    # A workbook renamed to .csv.
    write("xlsx_renamed_csv/CT/reviews/reviews_2024.csv", reviews_workbook())
    # Excel's "Unicode Text": UTF-16 with a byte order mark, tab-separated, under .txt.
    write(
        "utf16_unicode_text/CT/workforce/workforce_2024.txt",
        _lines(
            WORKFORCE_HEADER.replace(",", "\t"),
            "2024-Q1\tcaseworker\t120\t118\t6\t5\t3\t9",
            end="\r\n",
        ).encode("utf-16"),
    )
    # Workbooks.
    write("xlsx_first_sheet/CT/reviews/reviews_2024.xlsx", reviews_workbook())
    write("xlsx_named_sheet_via_layout/CT/reviews/reviews_2024.xlsx", layout_workbook("Data"))
    write("xlsx_layout_sheet_missing/CT/reviews/reviews_2024.xlsx", layout_workbook("Sheet1"))
    write("xlsx_title_row_above_header/CT/workforce/workforce_2024.xlsx", titled_workbook())
    write("xlsx_value_beside_the_table/CT/workforce/workforce_2024.xlsx", noted_workbook())
    # The owner file Excel leaves next to a workbook that is open ("~$" + name): not a workbook.
    write(
        "excel_owner_lock_file/CT/reviews/~$reviews_2024.xlsx",
        (b"\x08dcf-user" + b" " * 46 + b"\x08\x00d\x00c\x00f\x00").ljust(165, b"\x00"),
    )
    return written


if __name__ == "__main__":
    for relative in write_corpus():
        print(relative)
