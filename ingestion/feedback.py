"""What a data coordinator is told about a file: accepted or not, which rows, which rules.

Used by ``npcs validate`` (before submitting: the same checks, nothing loaded) and after every
load (one report per new file version, under ``<reports>/feedback/<jurisdiction>/``). A load's
report carries only what the ledger and quarantine hold — column names, rules, row numbers, the
class of each offending value and what the rule expected — never a value. ``npcs validate``,
which a coordinator runs on their own file on their own machine and which stores nothing, also
shows each offending value as the file holds it.
"""

from __future__ import annotations

import json
import secrets
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingestion import identifiers, pseudonyms
from ingestion.landing import SubmissionFile
from ingestion.raw_loader import QUARANTINE_TABLE, FileOutcome, load_data_set
from ingestion.readers import RAGGED_ROW_COLUMN
from ingestion.validation import expected

MAX_ROWS_LISTED = 200


def _quarantine(con: duckdb.DuckDBPyConnection, outcome: FileOutcome) -> list[dict]:
    """The rules the file version's rows broke: row, column, rule, the class of the value (never
    the value: the warehouse does not keep it) and what the rule expected."""
    if outcome.submission_id is None:
        return []
    rows = con.execute(
        f"select source_row_number, column_name, rule, value_class from {QUARANTINE_TABLE} "
        "where submission_id = ? order by source_row_number, column_name limit ?",
        [outcome.submission_id, MAX_ROWS_LISTED],
    ).fetchall()
    data_set = outcome.file.data_set
    return [
        {
            "row": row,
            "column": column,
            "rule": rule,
            "found": value_class,
            "expected": expected(data_set, column, rule),
        }
        for row, column, rule, value_class in rows
    ]


def file_report(con: duckdb.DuckDBPyConnection, outcome: FileOutcome) -> dict:
    """The feedback for one file version, as a JSON-ready dict."""
    return {
        "file": outcome.file.relative_path,
        "jurisdiction": outcome.file.jurisdiction_id,
        "data_set": outcome.file.data_set,
        "sha256": outcome.sha256,
        # the number the warehouse gives this file version: the member's extract names each row
        # by it and the row number (record ids are stored only as pseudonyms)
        "file_version": outcome.submission_id,
        "status": outcome.status,
        "rows_read": outcome.rows_read,
        "rows_loaded": outcome.rows_loaded,
        "rows_quarantined": outcome.rows_quarantined,
        "reason": outcome.reason,
        "dropped_columns": outcome.dropped_columns,
        "quarantined_rows": _quarantine(con, outcome),
    }


def render_text(report: dict) -> str:
    """A plain-text version of a file report for the terminal or an e-mail."""
    version = report.get("file_version")
    lines = [
        f"{report['file']}: {report['status'].upper().replace('_', ' ')}"
        + (f" (file version {version})" if version is not None else ""),
        f"  rows read {report['rows_read']}, loaded {report['rows_loaded']}, "
        f"quarantined {report['rows_quarantined']}",
    ]
    if report["reason"]:
        lines.append(f"  reason: {report['reason']}")
    for d in report["dropped_columns"]:
        lines.append(f"  column dropped before loading: {d['column']} — {d['reason']}")
    for q in report["quarantined_rows"]:
        if q["column"] == RAGGED_ROW_COLUMN:  # a row that does not fit the header: no value kept
            lines.append(f"  row {q['row']}: {q['rule']}")
            continue
        found = f"{q['value']!r}" if q.get("value") is not None else q.get("found")
        detail = "; ".join(
            x
            for x in (found and f"found {found}", q.get("expected") and f"expected {q['expected']}")
            if x
        )
        lines.append(
            f"  row {q['row']}, column {q['column']}: {q['rule']}"
            + (f" ({detail})" if detail else "")
        )
    if report["rows_quarantined"] > len(report["quarantined_rows"]):
        lines.append(f"  … first {len(report['quarantined_rows'])} rule breaks listed")
    return "\n".join(lines)


def validate_file(
    path: Path, jurisdiction_id: str, data_set: str, warehouse: Path | None = None
) -> dict:
    """Run the load's checks on one file into a throw-away in-memory warehouse; load nothing.

    With ``warehouse``, the jurisdiction's loaded reviews are copied in (read-only) so an IO
    file's review references are checked against them too; that needs the partnership's
    pseudonym key (the one the warehouse's ids were made with). Without it, ids are
    pseudonymised under a throw-away key that is never written anywhere.
    """
    path = Path(path).resolve()
    key = pseudonyms.load_key(create=False) if warehouse is not None else secrets.token_bytes(32)
    with tempfile.TemporaryDirectory(prefix="npcs-validate-") as tmp:
        # The file is checked where the landing zone would hold it: <jurisdiction>/<data set>/.
        placed = Path(tmp) / jurisdiction_id / data_set / path.name
        placed.parent.mkdir(parents=True)
        shutil.copyfile(path, placed)
        con = duckdb.connect()
        try:
            if warehouse is not None and data_set == "improvement_opportunities":
                from ingestion.raw_loader import ensure_schema

                ensure_schema(con)
                con.execute(f"attach '{warehouse}' as wh (read_only)").fetchall()
                con.execute(
                    "insert into raw.reviews select * from wh.raw.reviews "
                    "where jurisdiction_id = ?",
                    [jurisdiction_id],
                ).fetchall()
                # the warehouse's key fingerprint: the load refuses a key that is not its own
                recorded = con.execute(
                    "select count(*) from wh.information_schema.tables "
                    "where table_schema = 'raw' and table_name = 'pseudonym_key'"
                ).fetchone()[0]
                if recorded:
                    con.execute(
                        f"create table {pseudonyms.FINGERPRINT_TABLE} as "
                        f"select * from wh.{pseudonyms.FINGERPRINT_TABLE}"
                    ).fetchall()
                con.execute("detach wh").fetchall()
            f = SubmissionFile(placed, jurisdiction_id, data_set)
            shown: dict[tuple[str, int, str], str] = {}
            result = load_data_set(con, data_set, [f], key=key, values_shown=shown)
            report = file_report(con, result.outcomes[0])
            # the coordinator's own machine, their own file: each offending value as typed
            for q in report["quarantined_rows"]:
                q["value"] = shown.get((f.relative_path, q["row"], q["column"]))
        finally:
            con.close()
    # The path as given, unless a part of it shows an identifier: then the safe name the load
    # records (the report's reason says why).
    shows_identifier = any(identifiers.file_name_kind(part) for part in path.parts)
    report["file"] = f.relative_path if shows_identifier else str(path)
    report["validated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    report["loaded"] = False
    report["file_version"] = None  # nothing was loaded: no version in any warehouse
    return report


def report_path(
    folder: Path, jurisdiction_id: str, data_set: str, file_name: str, sha256: str
) -> Path:
    """Where a file version's JSON report is (its text twin has suffix ``.txt``): one per
    version, named by the file and the start of its hash. Later steps (the quality gate) find
    and extend the same report through this."""
    return folder / jurisdiction_id / data_set / f"{file_name}.{sha256[:12]}.json"


def write_feedback(
    con: duckdb.DuckDBPyConnection, outcomes: list[FileOutcome], folder: Path
) -> list[Path]:
    """Write one JSON and one text report per new file version; return the JSON paths."""
    written = []
    for o in outcomes:
        if o.status == "unchanged":
            continue
        report = file_report(con, o)
        path = report_path(folder, o.file.jurisdiction_id, o.file.data_set, o.file.name, o.sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2, default=str) + "\n")
        path.with_suffix(".txt").write_text(render_text(report) + "\n")
        written.append(path)
    return written
