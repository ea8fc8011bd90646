"""The quality gate's part of a coordinator's feedback: accepted, or held and why.

Every loaded file version already has a feedback report, written at load time by
:mod:`ingestion.feedback` (status, rows loaded and quarantined, each rule broken). A file version
can load and still fail a raw quality gate, which then holds it back: the coordinator must hear
that too, in the same report. :func:`add_gate_feedback` adds (or replaces) a ``quality_gate``
section in the JSON report of each file version it is given and rewrites the text twin; the gate
step calls it with the file versions it has just decided about.

Plain Python on an open DuckDB connection (never imports dagster or soda). It reads only the
ledger's gate columns and ``quality.check_results``: check names, row counts and the gate's
sample keys (keys, row numbers and codes, masked by the gate), never a submitted value.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from ingestion.feedback import file_report, render_text, report_path
from ingestion.landing import SubmissionFile
from ingestion.raw_loader import FileOutcome
from quality_checks.store import CHECK_RESULTS, LEDGER

# What a coordinator can do about a failing check, by Soda check type.
_HINTS = {
    "missing": "a required value is empty: fill it in",
    "invalid": "a value is outside the allowed range or form: correct it (see the core data set)",
    "duplicate": "the same key appears more than once: send one row per key",
    "failed_rows": "these rows break the rule named above: correct them",
    "row_count": "the file holds far fewer or more rows than expected: check it is complete",
    "schema": "the table's layout changed: the partnership data team will look into it",
    "freshness": "the data is older than expected: check that the extract is recent",
}
_VOLUME_HINT = (
    "the number of your rows changed sharply against your last accepted data: check that the "
    "file is a complete extract (not a partial one) and tell the data team if the change is real"
)
_FAILED = ("failed", "error", "not_evaluated")

_WHAT_TO_DO = {
    "accepted": (
        "Nothing to do: the file passed the quality gate; its data is in the partnership's figures."
    ),
    "held": (
        "The file loaded but did not pass the quality gate, so it is held: the partnership's "
        "figures keep your previous data for this data set until a corrected version passes. "
        "Correct the rows named below and send the whole file again to {folder} (a new version "
        "replaces this one). If the data is right as it is, reply to the partnership data team: "
        "an engineer can release the file with a recorded reason."
    ),
    "released": (
        "The quality gate held the file and the partnership data team released it ({reason}): "
        "its data is in the figures. Please correct the rows named below in your next version."
    ),
    "pending": "Not checked by the quality gate yet; this report is updated when it has been.",
}
_WARNINGS_TOO = (
    " The warnings below do not hold the file back; please look at them before your next "
    "submission."
)


_writers: list[threading.Thread] = []
_write_errors: list[str] = []


def wait_for_writes() -> list[str]:
    """Wait until every report :func:`add_gate_feedback` is writing in the background is on
    disk; returns the errors met (and forgets them)."""
    while _writers:
        _writers.pop().join()
    errors = list(_write_errors)
    _write_errors.clear()
    return errors


def add_gate_feedback(
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    submission_ids: Iterable[int],
    background: bool = False,
) -> list[Path]:
    """Add the quality gate's decision to the feedback report of each file version.

    ``folder`` is the feedback folder the load wrote to (``<warehouse dir>/feedback``). A
    version's report is extended in place (JSON and text); when it is missing (the folder was
    cleared) it is first rebuilt from the ledger as the load would have written it. Calling it
    again replaces the section, so the report always shows the latest decision. Ids that are not
    loaded file versions in the ledger are skipped. Returns the JSON paths written.

    ``background=True`` reads what the reports say now, on ``con``, and writes the files in a
    thread (a full refresh rewrites ~730 reports, ~0.3 s of file system calls, while dbt runs in
    its own process); :func:`wait_for_writes` waits for them. The thread is not a daemon: the
    process does not end before the reports are written.
    """
    wait_for_writes()  # an earlier call's reports are complete before this one reads them
    reports: list[tuple[Path, dict]] = []
    ids = [int(i) for i in dict.fromkeys(submission_ids)]
    versions = _ledger_rows(con, ids)
    # One look-up of the gate's checks per data set, jurisdiction and run, not per file version
    # (a full refresh decides about every file version at once).
    checks_for: dict[tuple, list[dict]] = {}
    # Runs that verified a raw data set, and those in which some check did not pass: a version
    # decided by a run whose verification passed every check has nothing to list.
    verified, not_clean = set(), set()
    for dataset, run_id, clean in con.execute(
        f"select dataset, run_id, bool_and(outcome = 'passed') from {CHECK_RESULTS} "
        "where layer = 'raw' group by all"
    ).fetchall():
        verified.add((dataset, run_id))
        if not clean:
            not_clean.add((dataset, run_id))

    def gate_checks(version: dict) -> list[dict]:
        run = (f"raw.{version['data_set']}", version["gate_run_id"])
        if run in verified and run not in not_clean:
            return []
        key = (version["data_set"], version["jurisdiction_id"], version["gate_run_id"])
        if key not in checks_for:
            checks_for[key] = _gate_checks(con, version)
        return checks_for[key]

    for submission_id in ids:
        version = versions.get(submission_id)
        if version is None:
            continue
        path = report_path(
            Path(folder),
            version["jurisdiction_id"],
            version["data_set"],
            Path(version["source_file"]).name,
            version["file_sha256"] or "",
        )
        if path.exists():
            report = json.loads(path.read_text())
        else:
            report = file_report(con, _outcome(version))
        report["quality_gate"] = gate_section(con, version, gate_checks)
        reports.append((path, report))
    if background:
        writer = threading.Thread(
            target=_write_reports, args=(reports, True), name="npcs-gate-feedback"
        )
        _writers.append(writer)
        writer.start()
    else:
        _write_reports(reports)
    return [path for path, _ in reports]


def _write_reports(reports: list[tuple[Path, dict]], keep_errors: bool = False) -> None:
    for path, report in reports:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(report, indent=2, default=str) + "\n")
            path.with_suffix(".txt").write_text(render_report(report) + "\n")
        except Exception as e:
            if not keep_errors:
                raise
            message = f"feedback report {path} not written: {type(e).__name__}: {e}"
            _write_errors.append(message)
            logging.getLogger(__name__).error(message)


def gate_section(con: duckdb.DuckDBPyConnection, version: dict, gate_checks=None) -> dict:
    """The ``quality_gate`` section for one ledger row (see :func:`_ledger_rows`)."""
    status = version["gate_status"] or "pending"
    lookup = gate_checks or (lambda v: _gate_checks(con, v))
    checks = [] if status == "pending" else lookup(version)
    failing = [c for c in checks if c["outcome"] in _FAILED]
    warnings = [c for c in checks if c["outcome"] == "warned"]
    what = _WHAT_TO_DO.get(status, _WHAT_TO_DO["pending"]).format(
        folder=f"{version['jurisdiction_id']}/{version['data_set']}/",
        reason=version["gate_reason"] or "no reason recorded",
    )
    if warnings and status != "pending":
        what += _WARNINGS_TOO
    return {
        "status": status,
        "checked_at": version["gate_checked_at"].isoformat(timespec="seconds")
        if version["gate_checked_at"]
        else None,
        "run_id": version["gate_run_id"],
        "reason": version["gate_reason"],
        "failing_checks": failing,
        "warnings": warnings,
        "what_to_do": what,
    }


def render_report(report: dict) -> str:
    """The text report: the load's part (``ingestion.feedback.render_text``), then the gate's."""
    text = render_text(report)
    gate = report.get("quality_gate")
    if not gate:
        return text
    when = f" (checked {gate['checked_at']} UTC)" if gate.get("checked_at") else ""
    lines = [text, f"  quality gate: {gate['status'].upper()}{when}"]
    if gate.get("reason") and gate["status"] in ("held", "released"):
        lines.append(f"    reason: {gate['reason']}")
    for label, checks in (("failed", gate["failing_checks"]), ("warning", gate["warnings"])):
        for c in checks:
            where = f" (column {c['column']})" if c["column"] else ""
            rows = f": {c['rows']} row(s) of yours" if c["rows"] is not None else ""
            lines.append(f"    {label}: check '{c['check']}'{where}{rows}")
            for key in c["sample_keys"]:
                lines.append("      e.g. " + ", ".join(f"{k}={v}" for k, v in key.items()))
            lines.append(f"      what to do: {c['what_to_do']}")
    lines.append(f"  what to do: {gate['what_to_do']}")
    return "\n".join(lines)


# --- reading ------------------------------------------------------------------------------------


def _ledger_rows(con: duckdb.DuckDBPyConnection, ids: list[int]) -> dict[int, dict]:
    if not ids:
        return {}
    cur = con.execute(
        f"select submission_id, source_file, jurisdiction_id, data_set, file_sha256, size_bytes, "
        f"received_at, status, rows_read, rows_loaded, rows_quarantined, reason, dropped_columns, "
        f"gate_status, gate_checked_at, gate_run_id, gate_reason from {LEDGER} "
        "where stage = 'load' and submission_id in (select unnest(?::bigint[]))",
        [ids],
    )
    names = [d[0] for d in cur.description]
    return {r[0]: dict(zip(names, r, strict=True)) for r in cur.fetchall()}


def _outcome(version: dict) -> FileOutcome:
    """The load's outcome as the ledger recorded it, to rebuild a missing load report."""
    source = Path(version["source_file"])
    return FileOutcome(
        file=SubmissionFile(source, version["jurisdiction_id"], version["data_set"]),
        sha256=version["file_sha256"] or "",
        size_bytes=version["size_bytes"] or 0,
        status=version["status"],
        rows_read=version["rows_read"] or 0,
        rows_loaded=version["rows_loaded"] or 0,
        rows_quarantined=version["rows_quarantined"] or 0,
        reason=version["reason"],
        dropped_columns=json.loads(version["dropped_columns"] or "[]"),
        submission_id=version["submission_id"],
    )


def _gate_checks(con: duckdb.DuckDBPyConnection, version: dict) -> list[dict]:
    """The checks of the raw gate's latest verification of the version's data set that did not
    pass for its jurisdiction: the jurisdiction's own rows (failed or warned), and checks that
    did not pass without naming any jurisdiction (schema, row count, an error), which concern
    every jurisdiction's data.

    The verification is the latest one of the run that decided the version (gate_run_id); when
    that run recorded none (e.g. a release by hand), the latest verification of the data set.
    """
    dataset = f"raw.{version['data_set']}"
    verification = _latest_verification(con, dataset, version["gate_run_id"])
    if verification is None:
        return []
    run_id, checked_at = verification
    cur = con.execute(
        f"""
        select d.check_name, d.check_type, d.column_name, d.level,
               coalesce(own.outcome, d.outcome) as outcome, own.failing_rows,
               coalesce(own.sample, '[]') as sample
        from {CHECK_RESULTS} d
        left join {CHECK_RESULTS} own
            on own.run_id = d.run_id and own.checked_at = d.checked_at
            and own.contract = d.contract and own.check_path is not distinct from d.check_path
            and own.check_name = d.check_name and own.jurisdiction_id = ?
        where d.layer = 'raw' and d.dataset = ? and d.run_id = ? and d.checked_at = ?
          and d.jurisdiction_id is null
          and (own.outcome is not null
               or (d.outcome in ('failed', 'warned', 'error', 'not_evaluated')
                   and not exists (
                       select 1 from {CHECK_RESULTS} other
                       where other.run_id = d.run_id and other.checked_at = d.checked_at
                         and other.contract = d.contract
                         and other.check_path is not distinct from d.check_path
                         and other.check_name = d.check_name
                         and other.jurisdiction_id is not null)))
        order by d.check_path, d.check_name
        """,
        [version["jurisdiction_id"], dataset, run_id, checked_at],
    )
    names = [d[0] for d in cur.description]
    checks = []
    for row in cur.fetchall():
        r = dict(zip(names, row, strict=True))
        checks.append(
            {
                "check": r["check_name"],
                "type": r["check_type"],
                "column": r["column_name"],
                "level": r["level"],
                "outcome": r["outcome"],
                "rows": r["failing_rows"],
                "sample_keys": _sample(r["sample"]),
                "what_to_do": _hint(r["check_type"], r["check_name"]),
            }
        )
    return checks


def _latest_verification(
    con: duckdb.DuckDBPyConnection, dataset: str, run_id: str | None
) -> tuple[str, Any] | None:
    for where, params in (("and run_id = ?", [run_id]), ("", [])):
        if where and run_id is None:
            continue
        rows = con.execute(
            f"select run_id, checked_at from {CHECK_RESULTS} "
            f"where layer = 'raw' and dataset = ? and jurisdiction_id is null {where} "
            "order by checked_at desc limit 1",
            [dataset, *params],
        ).fetchall()
        if rows:
            return rows[0]
    return None


def _sample(text: str | None) -> list[dict]:
    try:
        sample = json.loads(text or "[]")
    except json.JSONDecodeError:
        return []
    return [s for s in sample if isinstance(s, dict)] if isinstance(sample, list) else []


def _hint(check_type: str | None, check_name: str | None) -> str:
    if "volume" in (check_name or "").lower():
        return _VOLUME_HINT
    return _HINTS.get(check_type or "", "correct the rows named; ask the data team if unsure")
