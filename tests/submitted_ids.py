"""Reading stored pseudonyms back as the ids a test submitted, for assertions only.

The warehouse stores every submitted record id as its keyed pseudonym (ingestion/pseudonyms.py)
and can never go back. A test knows the key (tests/conftest.py) and what it submitted, so it can
go forwards: every string in the landing files is a candidate id; a stored value that is the
pseudonym of a candidate reads as that candidate. A stored value that maps back to nothing is left
as it is — and a test expecting a submitted id then fails, showing it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb

from ingestion import pseudonyms
from ingestion.core_data_set import DATA_SETS

_SPLIT = re.compile(r"[,;\t\r\n\"{}\[\]]+")
FUNCTION = "submitted"


def candidates(*landings: Path) -> set[str]:
    """Every cell-like string in every file under the landing folders (CSV, JSON, XLSX)."""
    out: set[str] = set()
    for landing in landings:
        for path in Path(landing).rglob("*"):
            if not path.is_file():
                continue
            if path.suffix.lower() == ".xlsx":
                out |= _workbook_cells(path)
                continue
            text = path.read_bytes().decode("utf-8", "replace")
            if path.suffix.lower() == ".json":
                out |= _json_values(text)
            out |= {t.strip() for t in _SPLIT.split(text) if t.strip()}
    return out


def _json_values(text: str) -> set[str]:
    out: set[str] = set()
    docs = []
    try:
        docs = [json.loads(text)]
    except ValueError:
        for line in text.splitlines():
            try:
                docs.append(json.loads(line))
            except ValueError:
                continue

    def walk(x) -> None:
        if isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif x is not None:
            out.add(str(x).strip())

    for d in docs:
        walk(d)
    return out


def _workbook_cells(path: Path) -> set[str]:
    from python_calamine import CalamineWorkbook

    out: set[str] = set()
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001 - a deliberately broken workbook holds no candidates
        return out
    for name in book.sheet_names:
        for row in book.get_sheet_by_name(name).to_python():
            for cell in row:
                if cell not in (None, ""):
                    text = str(cell).strip()
                    out.add(text)
                    if isinstance(cell, float) and cell.is_integer():
                        out.add(str(int(cell)))
    return out


def reverse_map(jurisdictions: set[str], ids: set[str], key: bytes | None = None) -> dict:
    """pseudonym -> submitted id, for every (jurisdiction, kind, candidate)."""
    key = pseudonyms.load_key(create=False) if key is None else key
    return {
        pseudonyms.pseudonym(key, j, kind, value): value
        for j in jurisdictions
        for kind in pseudonyms.KINDS
        for value in ids
    }


def register(con: duckdb.DuckDBPyConnection, mapping: dict[str, str]) -> None:
    """SQL function ``submitted(value)``: the submitted id a stored pseudonym stands for."""
    try:
        con.remove_function(FUNCTION)
    except Exception:  # noqa: BLE001 - not registered yet
        pass
    con.create_function(
        FUNCTION,
        lambda v: None if v is None else mapping.get(v, v),
        ["VARCHAR"],
        "VARCHAR",
        null_handling="special",
    )


def register_for_landing(con: duckdb.DuckDBPyConnection, *landings: Path) -> dict[str, str]:
    """``submitted(value)`` on ``con`` for every id in the landing folders; returns the map."""
    jurisdictions = {p.name for landing in landings for p in Path(landing).iterdir() if p.is_dir()}
    mapping = reverse_map(jurisdictions, candidates(*landings))
    register(con, mapping)
    return mapping


def pseudonymised_columns(data_set: str) -> dict[str, str]:
    """column -> pseudonym kind, for a data set's record ids."""
    return {c.name: c.pseudonym for c in DATA_SETS[data_set].columns if c.pseudonym}


def as_submitted(column: str, data_set: str) -> str:
    """SQL reading ``column`` of a raw table of ``data_set`` as submitted (ids mapped back)."""
    if column in pseudonymised_columns(data_set):
        return f"{FUNCTION}({column})"
    return column


def pseudonym_of(jurisdiction_id: str, kind: str, value: str) -> str:
    """The pseudonym the warehouse stores for an id the test submitted (the tests' fixed key)."""
    return pseudonyms.pseudonym(pseudonyms.load_key(create=False), jurisdiction_id, kind, value)


# --- every id a landing zone submits -----------------------------------------------------------


def _id_headers() -> dict[str, str]:
    """Header (canonical or a layout's, lower case) -> canonical id column."""
    import yaml

    from npcs.settings import REPO_ROOT

    ids = {c.name for ds in DATA_SETS.values() for c in ds.columns if c.pseudonym}
    headers = {name: name for name in ids}
    for path in (REPO_ROOT / "ingestion" / "layouts").glob("*.yml"):
        for spec in (yaml.safe_load(path.read_text()) or {}).values():
            for source, canonical in (spec.get("columns") or {}).items():
                if canonical in ids:
                    headers[str(source).strip().lower()] = canonical
    return headers


def submitted_ids(landing: Path) -> set[str]:
    """Every record id (a value under an id column's header, canonical or a layout's) in every
    CSV, JSON and XLSX file under ``landing``."""
    import csv

    headers = _id_headers()
    out: set[str] = set()

    def take(rows: list[list]) -> None:
        for i, row in enumerate(rows):
            names = [str(c).strip().lower() if c is not None else "" for c in row]
            columns = [k for k, n in enumerate(names) if n in headers]
            if columns:  # the header row: every row below it
                for r in rows[i + 1 :]:
                    out.update(
                        str(r[k]).strip() for k in columns if k < len(r) and r[k] not in (None, "")
                    )
                return

    for path in sorted(Path(landing).rglob("*")):
        suffix = path.suffix.lower()
        if not path.is_file():
            continue
        if suffix == ".xlsx":
            from python_calamine import CalamineWorkbook

            book = CalamineWorkbook.from_path(str(path))
            for name in book.sheet_names:
                take(book.get_sheet_by_name(name).to_python())
        elif suffix == ".json":
            text = path.read_text(encoding="utf-8", errors="replace")
            try:
                records = json.loads(text)
            except ValueError:
                records = [json.loads(line) for line in text.splitlines() if line.strip()]
            for record in records if isinstance(records, list) else [records]:
                for k, v in record.items() if isinstance(record, dict) else ():
                    if str(k).strip().lower() in headers and v not in (None, ""):
                        out.add(str(v).strip())
        elif suffix == ".csv":
            raw = path.read_bytes()
            text = raw.decode("utf-8-sig", errors="replace")
            first = text.split("\n", 1)[0]
            delimiter = max((",", ";", "\t"), key=first.count)
            take(list(csv.reader(text.splitlines(), delimiter=delimiter)))
    return out
