"""How a demo member's file is written: the canonical CSV, or the member's own layout in force.

A jurisdiction with a layout in force (``ingestion/layouts/<ID>.yml``) for a data set has its files
written in that layout, by inverting it: canonical column -> the first header the layout maps to
it, code -> the first label translated to it, ISO date -> the column's first date format, true /
false -> the first spellings the layout declares, ``child_race_ethnicity`` -> its 1997-style flag
columns. The file is written in the layout's format (CSV, XLSX, JSON), encoding, delimiter and
sheet. Ingestion applies the same layout forwards and gets the canonical values back exactly; a
value the layout cannot carry (a code with no flag, a column made a constant) raises instead of
being written wrongly.

:data:`OWN_LAYOUTS` lists the members the demo has submit in their own layouts, with the kind of
file each sends (the suffix, JSON lines or array, extra sheets or columns the layout ignores). A
layout in force that is not listed is written as a plain file of its format.

Everything is deterministic: XLSX workbooks carry fixed timestamps (document properties and zip
entries), extra columns are drawn from generators seeded from the seed and the file's name.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ingestion.core_data_set import DATA_SETS
from ingestion.layouts import RACE_FLAGS_1997, Constant, Layout, RaceFlags1997, layout_for
from ingestion.reference import code_list


@dataclass(frozen=True)
class FileKind:
    """The kind of file a member sends for a data set (beyond what its layout says)."""

    suffix: str  # .csv .tsv .xlsx .json .jsonl
    json_lines: bool = False  # JSON: one object per line (else one array)
    line_terminator: str = "\n"  # CSV
    cover_sheet: bool = False  # XLSX: an "Export Info" sheet before the data sheet
    survey_bookkeeping: bool = False  # the survey tool's Start Time, Completion Time, Language


# Members that submit a data set in their own layout (ingestion/layouts/<ID>.yml must be in force).
OWN_LAYOUTS: dict[tuple[str, str], FileKind] = {
    # Windows-1252, semicolons, US dates, Y/N, M/F/U, race check boxes (Windows line ends)
    ("OH-FRANKLIN", "reviews"): FileKind(".csv", line_terminator="\r\n"),
    ("OH-FRANKLIN", "improvement_opportunities"): FileKind(".csv", line_terminator="\r\n"),
    # a survey tool workbook: cover sheet, then the sheet `Responses`
    ("OH-HAMILTON", "tasc_responses"): FileKind(".xlsx", cover_sheet=True, survey_bookkeeping=True),
    ("TN", "workforce"): FileKind(".jsonl", json_lines=True),  # JSON lines
    ("PA-ALLEGHENY", "outcomes"): FileKind(".json"),  # one JSON array
    ("CO", "reviews"): FileKind(".tsv"),  # tab-separated, US dates, Y/N
}
DEFAULT_KINDS = {"csv": FileKind(".csv"), "xlsx": FileKind(".xlsx"), "json": FileKind(".json")}
CANONICAL = FileKind(".csv")

# Fixed time stamp written into XLSX files (document properties and zip entries).
XLSX_TIMESTAMP = datetime(2025, 10, 1, 0, 0, 0)
COVER_SHEET = "Export Info"
BOOKKEEPING_COLUMNS = ("Start Time", "Completion Time", "Language")
_SUFFIX_FORMATS = {".csv": "csv", ".tsv": "csv", ".xlsx": "xlsx", ".json": "json", ".jsonl": "json"}


class LayoutCannotCarry(ValueError):
    """A canonical value the jurisdiction's layout has no way to write."""


def layout_of(jurisdiction_id: str, data_set: str) -> Layout | None:
    """The layout in force the member's files of this data set are written in (None: canonical)."""
    layout = layout_for(jurisdiction_id, data_set)
    if layout is None and (jurisdiction_id, data_set) in OWN_LAYOUTS:
        raise RuntimeError(
            f"the demo writes {jurisdiction_id} {data_set} in its own layout, but "
            f"ingestion/layouts/{jurisdiction_id}.yml has no {data_set} section in force"
        )
    return layout


def file_kind(jurisdiction_id: str, data_set: str, layout: Layout | None) -> FileKind:
    if layout is None:
        return CANONICAL
    kind = OWN_LAYOUTS.get((jurisdiction_id, data_set))
    fmt = layout.format or "csv"
    if kind is None:
        return DEFAULT_KINDS[fmt]
    if _SUFFIX_FORMATS[kind.suffix] != fmt:
        raise RuntimeError(
            f"{jurisdiction_id} {data_set}: the demo writes {kind.suffix} files, the layout in "
            f"force says format {fmt}"
        )
    return kind


# ---------------------------------------------------------------------------------------------
# canonical values a layout can carry
# ---------------------------------------------------------------------------------------------

# The 1997 race standard has no Middle Eastern or North African category: such children are
# recorded as White in a system with 1997-style check boxes.
MENA = "middle_eastern_north_african"
MENA_IN_1997 = "white"


def representable(jurisdiction_id: str, data_set: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The canonical frame as the member's own system records it.

    Only one thing changes: where the layout builds ``child_race_ethnicity`` from 1997-style
    flags, a Middle Eastern or North African child is recorded as White (the 1997 standard's
    rule), since no flag could carry the code.
    """
    layout = layout_of(jurisdiction_id, data_set)
    if layout is None:
        return frame
    out = frame
    for name, conv in layout.conversions.items():
        if not isinstance(conv, RaceFlags1997):
            continue
        carried = {RACE_FLAGS_1997[f] for f in conv.flags}
        if MENA in carried or MENA_IN_1997 not in carried:
            continue
        order = {c: i for i, c in enumerate(code_list("race_ethnicity"))}

        def recode(value: str, order=order) -> str:
            codes = {MENA_IN_1997 if c == MENA else c for c in value.split(";")}
            return ";".join(sorted(codes, key=order.__getitem__))

        if out is frame:
            out = frame.copy()
        out[name] = out[name].map(recode)
    return out


# ---------------------------------------------------------------------------------------------
# inverting a layout
# ---------------------------------------------------------------------------------------------


@dataclass
class _Column:
    header: str
    kind: str  # text | integer | date | datetime (how XLSX and JSON type the cell)
    values: list  # str; '' = empty


def _raw_section(layout: Layout) -> dict:
    """The layout's section as written (every scalar text, case kept)."""
    st = layout.source.stat()
    return _raw_layout(layout.source, st.st_mtime_ns, st.st_size)[layout.data_set]


@cache
def _raw_layout(path: Path, _mtime_ns: int, _size: int) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def _cased(*nodes) -> dict[str, str]:
    """lower-case spelling -> as the layout file writes it, for the keys and texts of ``nodes``
    (the first node that has a spelling wins)."""
    out: dict[str, str] = {}

    def walk(node) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                out.setdefault(str(k).strip().lower(), str(k).strip())
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str):
            out.setdefault(node.strip().lower(), node.strip())

    for node in nodes:
        walk(node or {})
    return out


def _spelling(values: tuple[str, ...], canonical: str, cased: dict[str, str]) -> str:
    """The first spelling a layout declares other than the canonical word, as written."""
    for v in values:
        if v != canonical:
            return cased.get(v, v)
    return canonical


def invert(layout: Layout, frame: pd.DataFrame) -> list[_Column]:
    """The columns of the member's file for a canonical frame (text, '' = empty)."""
    ds = DATA_SETS[layout.data_set]
    section = _raw_section(layout)
    booleans = _cased(section.get("booleans"))
    header_of: dict[str, str] = {}
    for theirs, canonical in layout.columns.items():
        header_of.setdefault(canonical, theirs)
    true = _spelling(layout.true_values, "true", booleans)
    false = _spelling(layout.false_values, "false", booleans)
    out: list[_Column] = []
    for col in ds.columns:
        values = frame[col.name].fillna("").astype(str)
        conv = layout.conversions.get(col.name)
        if isinstance(conv, Constant):
            other = values[values != conv.value]
            if len(other):
                raise LayoutCannotCarry(
                    f"{layout.source.name}: {col.name} is the constant {conv.value!r}, "
                    f"but a row has {other.iloc[0]!r}"
                )
            continue
        if isinstance(conv, RaceFlags1997):
            spec = section["conversions"][col.name][conv.kind]
            own = {k: v for k, v in spec.items() if k in ("true", "false")}
            cased = _cased(own, section.get("booleans"))
            out.extend(_race_flag_columns(layout, conv, col.name, values, cased, list(spec)))
            continue
        kind = "integer" if col.type in ("integer", "year") else "text"
        if col.type in ("code", "codes") and col.name in layout.codes:
            label: dict[str, str] = {}  # code -> the first label translated to it, as written
            cased = _cased(section["codes"][col.name])
            for theirs, code in layout.codes[col.name].items():
                label.setdefault(code, cased.get(theirs, theirs))
            if col.type == "code":
                values = values.map(lambda v, label=label: label.get(v, v))
            else:
                values = values.map(
                    lambda v, label=label: (
                        ";".join(label.get(c, c) for c in v.split(";")) if v else v
                    )
                )
        elif col.type == "date":
            fmts = layout.date_formats(col.name)
            kind = "date"
            if fmts and fmts[0] != "%Y-%m-%d":
                kind = "text"
                values = values.map(
                    lambda v, f=fmts[0]: date.fromisoformat(v).strftime(f) if v else v
                )
        elif col.type == "boolean" and layout.true_values:
            values = values.map({"true": true, "false": false, "": ""}.__getitem__)
        out.append(_Column(header_of.get(col.name, col.name), kind, values.tolist()))
    return out


def _race_flag_columns(
    layout: Layout,
    conv: RaceFlags1997,
    name: str,
    values: pd.Series,
    cased: dict[str, str],
    as_listed: list[str],
) -> list[_Column]:
    """One column per flag, in the order the layout lists them; a set flag is the first 'true'
    spelling, an unset one the first 'false' spelling."""
    yes = _spelling(conv.true_values, "true", cased)
    no = _spelling(conv.false_values, "false", cased)
    carried = {RACE_FLAGS_1997[f]: f for f in conv.flags}
    sets = values.map(lambda v: set(v.split(";")))
    for s in sets:
        extra = s - set(carried) - {"unknown"}
        if extra or ("unknown" in s and len(s) > 1):
            raise LayoutCannotCarry(
                f"{layout.source.name}: {name} {';'.join(sorted(s))!r} cannot be written as "
                f"the layout's race flags ({', '.join(conv.flags)})"
            )
    flags = sorted(
        conv.flags, key=lambda f: as_listed.index(f) if f in as_listed else len(as_listed)
    )
    return [
        _Column(conv.flags[flag], "text", [yes if RACE_FLAGS_1997[flag] in s else no for s in sets])
        for flag in flags
    ]


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------


def write_submission(
    folder: Path, stem: str, jurisdiction_id: str, data_set: str, frame: pd.DataFrame, seed: int
) -> Path:
    """Write one file of canonical rows as the member submits it; returns its path.

    ``frame`` holds the data set's canonical columns as canonical text ('' = empty), already
    passed through :func:`representable`.
    """
    layout = layout_of(jurisdiction_id, data_set)
    kind = file_kind(jurisdiction_id, data_set, layout)
    path = folder / f"{stem}{kind.suffix}"
    if layout is None:  # a synthetic submission, not CSV for people: raw (see _write_csv)
        frame.to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
        return path
    columns = invert(layout, frame)
    if kind.survey_bookkeeping:
        missing = [c for c in BOOKKEEPING_COLUMNS if c not in layout.ignore]
        if missing:
            raise RuntimeError(f"{layout.source.name}: {missing} must be listed under ignore")
        columns = _with_bookkeeping(columns, frame, seed, f"{jurisdiction_id}/{data_set}/{stem}")
    fmt = layout.format or "csv"
    if fmt == "csv":
        _write_csv(path, columns, layout, kind)
    elif fmt == "json":
        _write_json(path, columns, layout, kind)
    else:
        _write_xlsx(path, columns, layout, kind, len(frame))
    return path


def _rows(columns: list[_Column]) -> list[tuple]:
    return list(zip(*(c.values for c in columns), strict=True))


# The demo landing files imitate what members submit, so they are written as a member's system
# writes them: no formula escaping (publishing.csv_safety is for CSV the product writes for
# people; these are read by the loader, like a real submission).
def _write_csv(path: Path, columns: list[_Column], layout: Layout, kind: FileKind) -> None:
    encoding = layout.encoding or "utf-8"
    with path.open("w", encoding=encoding, errors="strict", newline="") as fh:
        w = csv.writer(fh, delimiter=layout.delimiter or ",", lineterminator=kind.line_terminator)
        w.writerow([c.header for c in columns])
        w.writerows(_rows(columns))


def _json_value(kind: str, value: str):
    if value == "":
        return None
    return int(value) if kind == "integer" else value


def _write_json(path: Path, columns: list[_Column], layout: Layout, kind: FileKind) -> None:
    records = [
        json.dumps(
            {c.header: _json_value(c.kind, v) for c, v in zip(columns, row, strict=True)},
            ensure_ascii=False,
        )
        for row in _rows(columns)
    ]
    text = "\n".join(records) + "\n" if kind.json_lines else "[\n" + ",\n".join(records) + "\n]\n"
    path.write_text(text, encoding=layout.encoding or "utf-8", newline="")


def _with_bookkeeping(
    columns: list[_Column], frame: pd.DataFrame, seed: int, label: str
) -> list[_Column]:
    """The survey tool's own columns after the response id: start and completion times (date-time
    cells) and the language the survey was taken in. The layout ignores them."""
    from .generator import _rng

    rng = _rng(seed, "bookkeeping", label)
    n = len(frame)
    day = pd.to_datetime(frame["response_date"], format="%Y-%m-%d")
    start = day + pd.to_timedelta(450 + rng.integers(0, 600, n), unit="min")
    took = pd.to_timedelta(rng.integers(6, 31, n), unit="min")
    language = np.where(rng.random(n) < 0.04, "Spanish", "English")
    extra = [
        _Column("Start Time", "datetime", [t.to_pydatetime() for t in start]),
        _Column("Completion Time", "datetime", [t.to_pydatetime() for t in start + took]),
        _Column("Language", "text", language.tolist()),
    ]
    return columns[:1] + extra + columns[1:]


def _cell(kind: str, value):
    if value is None or (isinstance(value, str) and value == ""):
        return None
    if kind == "integer":
        return int(value)
    if kind == "date":
        return date.fromisoformat(value)
    return value


def _write_xlsx(
    path: Path, columns: list[_Column], layout: Layout, kind: FileKind, n_rows: int
) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    wb.properties.creator = "npcs demo data (synthetic)"
    wb.properties.created = XLSX_TIMESTAMP
    if kind.cover_sheet:
        cover = wb.create_sheet(COVER_SHEET)
        cover.append(["SYNTHETIC DEMO DATA -- NOT REAL"])
        cover.append(["Export", layout.data_set])
        cover.append(["Responses sheet", layout.sheet or "Sheet1"])
        cover.append(["Rows", n_rows])
    ws = wb.create_sheet(layout.sheet or "Sheet1")
    ws.append([c.header for c in columns])
    kinds = [c.kind for c in columns]
    for row in _rows(columns):
        ws.append([_cell(k, v) for k, v in zip(kinds, row, strict=True)])
    buf = io.BytesIO()
    wb.save(buf)
    _write_fixed_zip(path, buf.getvalue())


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _write_fixed_zip(path: Path, data: bytes) -> None:
    """Rewrite an XLSX (zip) with fixed entry times and a fixed 'modified' property."""
    stamp = XLSX_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=XLSX_TIMESTAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, content)


# ---------------------------------------------------------------------------------------------
# resubmissions
# ---------------------------------------------------------------------------------------------

UNDETERMINED = ("undetermined", "unknown")


def corrected_causes(reviews: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """A corrected resubmission of some reviews: the same rows with a corrected cause_of_incident.

    Up to three reviews (a quarter of the file, at least one) are re-sent; reviews whose cause was
    undetermined or unknown come first (the cause was established later: unsafe sleep for an
    infant, else lack of supervision); any other review picked gets a different cause (an amended
    finding). Every other value, completion date included, stays as it was.
    """
    if reviews.empty:
        return reviews
    n = int(np.clip(round(len(reviews) / 4), 1, 3))
    vague = reviews["cause_of_incident"].isin(UNDETERMINED).to_numpy()
    order = np.lexsort((rng.random(len(reviews)), ~vague))
    picked = reviews.iloc[np.sort(order[:n])].copy()
    causes = list(code_list("cause_of_incident"))
    new = []
    for cause, age in zip(picked["cause_of_incident"], picked["child_age_years"], strict=True):
        if cause in UNDETERMINED:
            new.append("suid_sleep" if age == "0" else "neglect_supervision")
        else:
            others = [c for c in causes if c != cause and c not in UNDETERMINED]
            new.append(others[int(rng.integers(0, len(others)))])
    picked["cause_of_incident"] = new
    return picked.reset_index(drop=True)


__all__ = [
    "OWN_LAYOUTS",
    "FileKind",
    "LayoutCannotCarry",
    "corrected_causes",
    "file_kind",
    "invert",
    "layout_of",
    "representable",
    "write_submission",
]
