"""Per-jurisdiction extract packages: a member's own record-level data plus the partnership's
published benchmarks, and nothing of another member's record-level data.

One zip per member jurisdiction, built inside the publication's version folder (so a package
always matches the published tables beside it and is switched in with them)::

    extracts/<jurisdiction_id>.zip
        README.txt                       what the package holds, its version and as-of
        manifest.json                    every file with its rows and SHA-256
        own/<schema>.<table>.parquet     the member's own rows of each MEMBER_TABLES table
        own/<schema>.<table>.csv         the same, for spreadsheets
        benchmarks/<schema>/<table>.parquet   the published (suppressed) tables, as anyone gets them

The own rows are selected by ``jurisdiction_id`` in DuckDB; the test reads every package back and
finds no other member's rows.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import duckdb

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
    already holds the published Parquet files); returns jurisdiction -> package."""
    out = Path(version_folder) / "extracts"
    out.mkdir(parents=True, exist_ok=True)
    benchmarks = sorted((Path(version_folder) / "parquet").rglob("*.parquet"))
    packages = {}
    for jurisdiction in member_jurisdictions(con):
        packages[jurisdiction] = _package(
            con, out / f"{jurisdiction}.zip", jurisdiction, benchmarks, version, as_of
        )
    return packages


def _package(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    jurisdiction: str,
    benchmarks: list[Path],
    version: str,
    as_of: str | None,
) -> Path:
    files: dict[str, dict] = {}
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:

        def add(name: str, data: bytes, rows: int | None) -> None:
            z.writestr(name, data)
            files[name] = {"rows": rows, "sha256": hashlib.sha256(data).hexdigest()}

        for relation in MEMBER_TABLES:
            frame = con.execute(
                f"select * from {relation} where jurisdiction_id = ? order by all", [jurisdiction]
            ).df()
            add(f"own/{relation}.parquet", _parquet_bytes(con, relation, jurisdiction), len(frame))
            add(f"own/{relation}.csv", frame.to_csv(index=False).encode("utf-8"), len(frame))
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


def _parquet_bytes(con: duckdb.DuckDBPyConnection, relation: str, jurisdiction: str) -> bytes:
    """DuckDB writes the Parquet (pandas has no Parquet engine here: no pyarrow)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "t.parquet"
        quoted = jurisdiction.replace("'", "''")
        con.execute(
            f"copy (select * from {relation} where jurisdiction_id = '{quoted}' order by all) "
            f"to '{target.as_posix()}' (format parquet)"
        )
        return target.read_bytes()


def _readme(jurisdiction: str, version: str, as_of: str | None, own: list[str]) -> str:
    lines = [
        f"NPCS data extract for {jurisdiction}",
        f"Publication {version}" + (f", figures as of {as_of}" if as_of else ""),
        "",
        "own/ holds your jurisdiction's record-level rows as the warehouse conformed them",
        "(Parquet, and CSV for spreadsheets):",
        *[f"  {name}" for name in own],
        "",
        "benchmarks/ holds the partnership's published tables, exactly as every reader gets them:",
        "counts from 1 to a member's small-cell threshold and the cells that would reveal them are",
        "empty (NULL). They hold no other member's record-level data.",
        "",
        "manifest.json lists every file with its row count and SHA-256.",
    ]
    return "\n".join(lines) + "\n"
