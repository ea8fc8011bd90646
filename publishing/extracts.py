"""Per-jurisdiction extract packages: a member's own record-level data plus the partnership's
published benchmarks, and nothing of another member's record-level data.

One zip per member jurisdiction, built inside the publication's version folder (so a package
always matches the published tables beside it and is switched in with them)::

    extracts/<jurisdiction_id>.zip
        README.txt                       what the package holds, its version and as-of
        manifest.json                    every file with its rows and SHA-256
        own/<schema>.<table>.parquet     the member's own rows of each MEMBER_TABLES table
        own/<schema>.<table>.csv         the same, for spreadsheets (formula-safe: below)
        benchmarks/<schema>/<table>.parquet   the published (suppressed) tables, as anyone gets them

The own rows are selected by ``jurisdiction_id`` in DuckDB; the test reads every package back and
finds no other member's rows.

The CSV copies follow :mod:`publishing.csv_safety`: a text cell starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is written with a leading ``'`` so a spreadsheet does not run it
as a formula (OWASP's CSV injection guidance). The Parquet copies hold the values as they are.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import duckdb

from publishing.csv_safety import csv_select_list
from publishing.publish import sql_path

# A member's own record-level data. Left out: workforce.fct_tasc_responses — anonymous survey
# responses whose unit, role and tenure band could single out a respondent in a small team; the
# member gets its survey results as the published, threshold-respecting aggregates instead.
MEMBER_TABLES = (
    "reviews.fct_reviews",
    "reviews.fct_improvement_opportunities",
    "workforce.fct_workforce_quarters",
    "equity.fct_outcomes",
)


def member_jurisdictions(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        r[0]
        for r in con.execute(
            "select jurisdiction_id from membership.dim_jurisdictions order by 1"
        ).fetchall()
    ]


def build_extracts(
    con: duckdb.DuckDBPyConnection, version_folder: Path, version: str, as_of: str | None = None
) -> dict[str, Path]:
    """Write ``extracts/<jurisdiction_id>.zip`` for every member into ``version_folder`` (which
    already holds the published Parquet files); returns jurisdiction -> package.

    Each member table is written once, split by ``jurisdiction_id`` (DuckDB's ``PARTITION_BY``),
    as Parquet and as CSV; a member's package takes its own files (a member without rows gets
    the table's columns and no rows)."""
    import tempfile

    out = Path(version_folder) / "extracts"
    out.mkdir(parents=True, exist_ok=True)
    benchmarks = sorted((Path(version_folder) / "parquet").rglob("*.parquet"))
    with tempfile.TemporaryDirectory(dir=version_folder) as tmp:
        split = {r: _split(con, r, Path(tmp)) for r in MEMBER_TABLES}
        return {
            j: _package(out / f"{j}.zip", j, split, benchmarks, version, as_of)
            for j in member_jurisdictions(con)
        }


def _split(con: duckdb.DuckDBPyConnection, relation: str, tmp: Path) -> dict:
    """``relation`` written per jurisdiction: {"rows": {j: n}, "dir": {format: folder},
    "empty": {format: file}}."""
    rows = dict(
        con.execute(f"select jurisdiction_id, count(*) from {relation} group by all").fetchall()
    )
    files: dict = {"rows": rows, "dir": {}, "empty": {}}
    # Parquet raw (no spreadsheet evaluates it); CSV is for spreadsheets: its text cells escaped
    formats = (
        ("parquet", "*", "format parquet"),
        ("csv", csv_select_list(con, relation), "format csv, header"),
    )
    for fmt, columns, options in formats:
        folder = tmp / f"{relation}.{fmt}"
        con.execute(
            f"copy (select {columns} from {relation} where jurisdiction_id is not null "
            f"order by all) to '{sql_path(folder)}' ({options}, partition_by (jurisdiction_id), "
            "write_partition_columns true)"
        )
        empty = tmp / f"{relation}.empty.{fmt}"
        con.execute(
            f"copy (select {columns} from {relation} where false) to '{sql_path(empty)}' "
            f"({options})"
        )
        files["dir"][fmt], files["empty"][fmt] = folder, empty
    return files


def _own_file(split: dict, jurisdiction: str, fmt: str) -> bytes:
    parts = sorted((split["dir"][fmt] / f"jurisdiction_id={jurisdiction}").glob(f"*.{fmt}"))
    if not parts:
        if split["rows"].get(jurisdiction):  # never an empty file for a member that has rows
            raise RuntimeError(f"no {fmt} file for {jurisdiction} in {split['dir'][fmt]}")
        return split["empty"][fmt].read_bytes()
    if len(parts) > 1:  # DuckDB wrote one file per partition here; more would need merging
        raise RuntimeError(f"{len(parts)} files for {jurisdiction} in {split['dir'][fmt]}")
    return parts[0].read_bytes()


def _package(
    path: Path,
    jurisdiction: str,
    split: dict[str, dict],
    benchmarks: list[Path],
    version: str,
    as_of: str | None,
) -> Path:
    files: dict[str, dict] = {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:

        def add(name: str, data: bytes, rows: int | None) -> None:
            # Parquet is compressed already: stored as it is (deflating it again cost ~1 s a
            # publish for nothing)
            kind = zipfile.ZIP_STORED if name.endswith(".parquet") else zipfile.ZIP_DEFLATED
            z.writestr(name, data, compress_type=kind)
            files[name] = {"rows": rows, "sha256": hashlib.sha256(data).hexdigest()}

        for relation, parts in split.items():
            rows = int(parts["rows"].get(jurisdiction, 0))
            for fmt in ("parquet", "csv"):
                add(f"own/{relation}.{fmt}", _own_file(parts, jurisdiction, fmt), rows)
        for b in benchmarks:
            rel = b.relative_to(b.parents[1]).as_posix()  # <schema>/<table>.parquet
            add(f"benchmarks/{rel}", b.read_bytes(), None)
        z.writestr(
            "README.txt",
            _readme(jurisdiction, version, as_of, sorted(n for n in files if n.startswith("own/"))),
        )
        manifest = {"jurisdiction_id": jurisdiction, "version": version, "as_of": as_of}
        z.writestr("manifest.json", json.dumps({**manifest, "files": files}, indent=2) + "\n")
    return path


def _readme(jurisdiction: str, version: str, as_of: str | None, own: list[str]) -> str:
    lines = [
        f"NPCS data extract for {jurisdiction}",
        f"Publication {version}" + (f", figures as of {as_of}" if as_of else ""),
        "",
        "own/ holds your jurisdiction's record-level rows as the warehouse conformed them",
        "(Parquet, and CSV for spreadsheets):",
        *[f"  {name}" for name in own],
        "Record ids (review_id, io_id) are the warehouse's keyed pseudonyms of the ids you sent",
        "(your own ids are never stored). To find a row in your own files, use submission_id",
        "(the file version, as your feedback report for that file numbers it) and",
        "source_row_number (the row a spreadsheet shows; the header is row 1).",
        "",
        "In the CSV files a text cell starting with = + - @, a tab or a carriage return has an",
        "added ' in front, so a spreadsheet does not run it as a formula; the Parquet files",
        "hold every value as it is.",
        "",
        "benchmarks/ holds the partnership's published tables, exactly as every reader gets them:",
        "counts from 1 to a member's small-cell threshold and the cells that would reveal them are",
        "empty (NULL). They hold no other member's record-level data.",
        "",
        "manifest.json lists every file with its row count and SHA-256.",
    ]
    return "\n".join(lines) + "\n"
