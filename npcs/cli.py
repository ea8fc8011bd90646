"""``npcs``: the warehouse's command line. Every command has ``--help``."""

from __future__ import annotations

import json
import time
from datetime import date, datetime
from pathlib import Path

import typer
from rich.console import Console

import npcs.settings  # noqa: F401  (telemetry off before anything else loads)

app = typer.Typer(
    help="NPCS data warehouse: demo data, refreshes and reports.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError as e:
        raise typer.BadParameter(f"{value!r} is not a date in YYYY-MM-DD form") from e


@app.command("demo-data")
def demo_data(
    out: Path = typer.Option(..., "--out", help="Folder to write the demo landing zone into."),
    scale: int = typer.Option(1, "--scale", min=1, help="Multiply volumes (for benchmarks)."),
    seed: int = typer.Option(20241001, "--seed", help="Random seed; same seed, same files."),
) -> None:
    """Write a deterministic, SYNTHETIC demo landing zone for all 38 member jurisdictions."""
    from npcs.demo_data import write_landing_zone

    start = time.perf_counter()
    with console.status("writing demo landing zone…") as status:
        summary = write_landing_zone(out, scale=scale, seed=seed, progress=status.update)
    console.print(
        f"[green]wrote[/green] {summary['files_written']} files to {out} "
        f"in {time.perf_counter() - start:.1f}s (synthetic demo data, scale {scale}, seed {seed})"
    )


@app.command()
def refresh(
    landing: Path = typer.Option(
        None, "--landing", help="Landing zone root (default: env NPCS_LANDING)."
    ),
    warehouse: Path = typer.Option(
        None, "--warehouse", help="DuckDB file (default: env NPCS_WAREHOUSE)."
    ),
    out: Path = typer.Option(None, "--out", help="Report folder (default: env NPCS_REPORTS)."),
    as_of: str = typer.Option(
        None, "--as-of", help="Count only what happened on or before YYYY-MM-DD (default today)."
    ),
    pdf: bool = typer.Option(
        False, "--pdf", help="Also print every report page to PDF (headless Chromium, ~15 s)."
    ),
) -> None:
    """Refresh everything: landing zone -> raw -> dbt marts -> Soda gates -> report.

    Exits 0 when every gate passes; otherwise exits 1 and names each failed check. A failed gate
    leaves the previous report in place.
    """
    from npcs.refresh import run_refresh
    from orchestration.one_writer import WarehouseBusy

    as_of_date = _parse_date(as_of)
    start = time.perf_counter()
    with console.status("refreshing…") as status:
        try:
            outcome = run_refresh(
                landing=landing,
                warehouse=warehouse,
                out=out,
                as_of=as_of_date,
                pdf=pdf,
                progress=lambda msg: (status.update(f"refreshing… {msg}"), console.log(msg)),
            )
        except WarehouseBusy as busy:
            console.print(f"[red]refused:[/red] {busy}")
            raise typer.Exit(2) from None
    elapsed = time.perf_counter() - start
    s = outcome.settings
    for c in outcome.warned_checks:  # held file versions, warnings, overrides: not blocking
        if "decision" not in c.metadata:  # not a gate: overdue members (submission_freshness)
            console.print(f"[yellow]warned[/yellow] {c.check}: {c.description}")
            continue
        console.print(f"[yellow]{c.metadata['decision']}[/yellow] {c.check}")
        for line in (c.description or "").splitlines()[1:]:
            console.print(f"    {line}")
    if outcome.success:
        headline = json.loads(outcome.headline_path.read_text())
        console.print(f"[green]refresh passed[/green] in {elapsed:.1f}s (run {outcome.run_id})")
        console.print(f"  warehouse: {s.warehouse}")
        console.print(f"  report:    {outcome.report_path}")
        console.print(f"  headline:  {outcome.headline_path}")
        typer.echo(json.dumps(headline, indent=2))
        return
    console.print(f"[red]refresh FAILED[/red] after {elapsed:.1f}s (run {outcome.run_id})")
    for c in outcome.failed_checks:
        console.print(f"[red]failed check[/red] {c.check}")
        for line in (c.description or "").splitlines():
            console.print(f"    {line}")
    for step in outcome.failed_steps:
        console.print(f"[red]failed step[/red] {step}")
    if outcome.skipped_assets:
        console.print(
            f"not rebuilt ({len(outcome.skipped_assets)}): " + ", ".join(outcome.skipped_assets)
        )
    console.print(f"the previous report (if any) is unchanged: {outcome.report_path}")
    console.print(f"dbt and step logs: {outcome.log_path}")
    raise typer.Exit(code=1)


release_app = typer.Typer(
    help=(
        "Frozen, reproducible releases: `npcs release --as-of YYYY-MM-DD` freezes one; "
        "`rebuild` proves it reproduces; `diff` shows what later submissions would change."
    ),
    invoke_without_command=True,
    add_completion=False,
)
app.add_typer(release_app, name="release")


def _release_paths(warehouse: Path | None, releases: Path | None):
    from npcs.settings import Settings

    s = Settings.from_env()
    return (warehouse or s.warehouse).resolve(), (releases or s.releases).resolve(), s


@release_app.callback()
def release(
    ctx: typer.Context,
    as_of: str = typer.Option(
        None, "--as-of", help="Freeze a release whose figures count up to YYYY-MM-DD."
    ),
    name: str = typer.Option(None, "--name", help="Release id (default: the --as-of date)."),
    warehouse: Path = typer.Option(
        None, "--warehouse", help="Live warehouse (default: env NPCS_WAREHOUSE)."
    ),
    releases: Path = typer.Option(
        None, "--releases", help="Releases folder (default: env NPCS_RELEASES)."
    ),
) -> None:
    """Freeze a release: the marts built from exactly the submission versions loaded now,
    gated by the mart Soda contracts, stored as Parquet with the report and a manifest."""
    ctx.obj = {"warehouse": warehouse, "releases": releases}
    if ctx.invoked_subcommand is not None:
        return
    if as_of is None:
        typer.echo(ctx.get_help())
        raise typer.Exit(code=2)
    from ingestion.landing import SYNTHETIC_MARKER
    from releases.build import ReleaseError
    from releases.release import create_release

    live, folder, s = _release_paths(warehouse, releases)
    start = time.perf_counter()
    try:
        with console.status("building the release…"):
            manifest = create_release(
                live,
                folder,
                _parse_date(as_of),
                synthetic=(s.landing / SYNTHETIC_MARKER).exists(),
                name=name,
            )
    except ReleaseError as e:
        console.print(f"[red]release not made[/red]: {e}")
        raise typer.Exit(code=1) from e
    console.print(
        f"[green]release {manifest['release_id']}[/green] made in "
        f"{time.perf_counter() - start:.1f}s: {len(manifest['tables'])} tables, "
        f"{len(manifest['submissions'])} submission versions (ids <= "
        f"{manifest['max_submission_id']}) -> {folder / manifest['release_id']}"
    )
    typer.echo(json.dumps(manifest["headline"], indent=2))


@release_app.command("list")
def release_list(ctx: typer.Context) -> None:
    """List the releases with their as-of date and pinned submissions."""
    from releases.release import list_releases, load_manifest

    _, folder, _ = _release_paths(ctx.obj["warehouse"], ctx.obj["releases"])
    for rid in list_releases(folder):
        m = load_manifest(folder, rid)
        typer.echo(
            f"{rid}\tas of {m['as_of']}\tcreated {m['created_at']}\t"
            f"submissions <= {m['max_submission_id']}\t{len(m['tables'])} tables"
        )


@release_app.command("rebuild")
def release_rebuild(
    ctx: typer.Context, release_id: str = typer.Argument(..., help="The release to rebuild.")
) -> None:
    """Rebuild a release from the warehouse's raw history and compare every table with it.
    Exits 0 when every table is identical."""
    from releases.build import ReleaseError
    from releases.release import rebuild_release

    live, folder, _ = _release_paths(ctx.obj["warehouse"], ctx.obj["releases"])
    try:
        with console.status(f"rebuilding release {release_id}…"):
            checks = rebuild_release(live, folder, release_id)
    except ReleaseError as e:
        console.print(f"[red]cannot rebuild[/red]: {e}")
        raise typer.Exit(code=1) from e
    different = [c for c in checks if not c.identical]
    for c in checks:
        mark = "identical" if c.identical else f"DIFFERENT ({c.rows_release} -> {c.rows_now} rows)"
        typer.echo(f"{c.table}\t{mark}")
    if different:
        console.print(f"[red]{len(different)} of {len(checks)} tables differ[/red]")
        raise typer.Exit(code=1)
    console.print(f"[green]all {len(checks)} tables identical[/green] to release {release_id}")


@release_app.command("diff")
def release_diff(
    ctx: typer.Context,
    release_id: str = typer.Argument(..., help="The release to compare with."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """What the submissions received since a release would change in its published tables.
    Exits 0 when nothing would change, 3 when something would."""
    from dataclasses import asdict

    from releases.build import ReleaseError
    from releases.release import diff_release

    live, folder, _ = _release_paths(ctx.obj["warehouse"], ctx.obj["releases"])
    try:
        with console.status(f"comparing release {release_id} with the current submissions…"):
            d = diff_release(live, folder, release_id)
    except ReleaseError as e:
        console.print(f"[red]cannot compare[/red]: {e}")
        raise typer.Exit(code=1) from e
    if as_json:
        typer.echo(json.dumps(asdict(d), indent=2, default=str))
    else:
        typer.echo(f"release {d.release_id}: {len(d.later_submissions)} later submission versions")
        for s in d.later_submissions:
            typer.echo(
                f"  #{s['submission_id']} {s['source_file']} ({s['status']}, "
                f"{s['rows_loaded']} rows, received {s['received_at']})"
            )
        for k, (old, new) in d.headline_changes.items():
            typer.echo(f"headline {k}: {old} -> {new}")
        for t in d.tables:
            if t.differs:
                typer.echo(
                    f"{t.table}: {t.added} added, {t.removed} removed, {t.changed} changed"
                    f" (key {', '.join(t.key) or 'whole row'})"
                )
                for e in t.examples:
                    typer.echo(f"    {e}")
        unchanged = sum(not t.differs for t in d.tables)
        typer.echo(f"{unchanged} of {len(d.tables)} tables unchanged")
    if d.differs:
        raise typer.Exit(code=3)


gate_app = typer.Typer(
    help=(
        "The quality gates: `status` shows the latest decisions, held file versions and open "
        "overrides; `override` lets one failing contract through once, with a recorded reason; "
        "`release` lets a held file version into the marts, with a recorded reason."
    ),
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(gate_app, name="gate")


def _warehouse_path(warehouse: Path | None) -> Path:
    from npcs.settings import Settings

    return (warehouse or Settings.from_env().warehouse).resolve()


def _who() -> str:
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return "unknown"


_WAREHOUSE_OPTION = typer.Option(
    None, "--warehouse", help="DuckDB file (default: env NPCS_WAREHOUSE)."
)


@gate_app.command("status")
def gate_status(warehouse: Path = _WAREHOUSE_OPTION) -> None:
    """The latest decision of every gate, what is held and why, and the open overrides.
    Exits 1 when a gate blocks."""
    import duckdb

    from quality_checks import store

    path = _warehouse_path(warehouse)
    con = duckdb.connect(str(path), read_only=True)
    try:
        latest = con.execute(
            f"""
            with last as (
                select contract, max(checked_at) as at from {store.CHECK_RESULTS} group by contract
            )
            select r.contract, r.dataset, r.checked_at, r.run_id,
                coalesce(max(r.action) filter (where r.action != 'none'), 'passed') as decision,
                count(*) filter (where r.jurisdiction_id is null) as checks,
                count(*) filter (where r.jurisdiction_id is null and r.outcome != 'passed')
                    as not_passed
            from {store.CHECK_RESULTS} as r
            join last on last.contract = r.contract and last.at = r.checked_at
            group by all order by r.contract
            """
        ).fetchall()
        failures = con.execute(
            f"""
            with last as (
                select contract, max(checked_at) as at from {store.CHECK_RESULTS} group by contract
            )
            select r.contract, r.column_name, r.check_type, r.check_name, r.jurisdiction_id,
                r.failing_rows, r.diagnostics, r.sample, r.action
            from {store.CHECK_RESULTS} as r
            join last on last.contract = r.contract and last.at = r.checked_at
            where r.outcome != 'passed'
            order by r.contract, r.check_name, r.jurisdiction_id nulls first
            """
        ).fetchall()
        held = store.held_submissions(con)
        overrides = con.execute(
            f"select override_id, contract, check_name, reason, created_by, created_at "
            f"from {store.GATE_OVERRIDES} where used_by_run_id is null order by override_id"
        ).fetchall()
    except duckdb.CatalogException as e:
        console.print(f"[red]no gate results in {path}[/red]: run `npcs refresh` first")
        raise typer.Exit(code=1) from e
    finally:
        con.close()
    blocking = False
    for contract, dataset, at, run_id, decision, checks, not_passed in latest:
        blocking |= decision == "blocked"
        colour = {"passed": "green", "blocked": "red"}.get(decision, "yellow")
        typer.echo(
            f"{contract:48} {dataset:42} "
            + typer.style(f"{decision:10}", fg=colour)
            + f" {checks - not_passed}/{checks} checks passed  {at:%Y-%m-%d %H:%M} run {run_id[:8]}"
        )
    for contract, column, ctype, name, jurisdiction, rows, diagnostics, sample, action in failures:
        where = f"column {column}" if column else "dataset"
        who = f" [{jurisdiction}]" if jurisdiction else ""
        typer.echo(f"  {action:10} {contract}: {where} {ctype} '{name}'{who}: {rows} rows")
        if not jurisdiction:
            measured = {k: v for k, v in json.loads(diagnostics or "{}").items() if v is not None}
            if measured:
                typer.echo(f"             measured: {measured}")
            for row in json.loads(sample or "[]")[:3]:
                typer.echo(f"             e.g. {row}")
    if held:
        typer.echo(
            f"held file versions ({len(held)}): not in the marts until corrected or released"
        )
        for h in held:
            typer.echo(
                f"  #{h['submission_id']} {h['source_file']} held {h['gate_checked_at']:%Y-%m-%d}: "
                f"{h['gate_reason']}"
            )
    for o in overrides:
        typer.echo(
            f"open override #{o[0]} {o[1]}{' check ' + repr(o[2]) if o[2] else ''} "
            f"by {o[4]} {o[5]:%Y-%m-%d}: {o[3]}"
        )
    if blocking:
        raise typer.Exit(code=1)


@gate_app.command("override")
def gate_override(
    contract: str = typer.Argument(..., help="The contract, e.g. reviews/fct_reviews.yml."),
    reason: str = typer.Option(..., "--reason", help="Why this is safe to publish (recorded)."),
    check: str = typer.Option(
        None, "--check", help="Only when this check (by name) is the only one failing."
    ),
    by: str = typer.Option(None, "--by", help="Who decides (default: the login name)."),
    warehouse: Path = _WAREHOUSE_OPTION,
) -> None:
    """Let one failing contract through once — the next verification of it — with a reason.

    The override is kept in quality.gate_overrides and the decision it made in
    quality.check_results (action 'overridden'); it is spent by the first verification that
    would otherwise block. A contract that cannot run at all (an error) is never overridden."""
    import duckdb

    from quality_checks import store
    from quality_checks.gate import CONTRACTS_DIR

    contract = contract.removeprefix("quality_checks/contracts/")
    if not (CONTRACTS_DIR / contract).is_file():
        raise typer.BadParameter(f"{contract!r} is not a contract under {CONTRACTS_DIR}")
    con = duckdb.connect(str(_warehouse_path(warehouse)))
    try:
        store.ensure_quality_schema(con)
        override_id = store.add_override(con, contract, reason, by or _who(), check)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e
    finally:
        con.close()
    console.print(
        f"[yellow]override #{override_id}[/yellow] recorded for {contract}: the next verification "
        "that would block lets it through once"
    )


@gate_app.command("release")
def gate_release(
    submission_id: int = typer.Argument(..., help="The held file version (ledger id)."),
    reason: str = typer.Option(..., "--reason", help="Why it may go in as it is (recorded)."),
    by: str = typer.Option(None, "--by", help="Who decides (default: the login name)."),
    warehouse: Path = _WAREHOUSE_OPTION,
) -> None:
    """Let a held file version into the marts at the next publish, as it is, with a reason.

    Its status becomes 'released': staging reads it again and the raw gates no longer judge it
    (the decision was made by a person, and it is recorded in the ledger)."""
    import duckdb

    from quality_checks import store

    if not reason.strip():
        raise typer.BadParameter("a release needs a reason")
    con = duckdb.connect(str(_warehouse_path(warehouse)))
    try:
        store.ensure_quality_schema(con)
        held = {h["submission_id"]: h for h in store.held_submissions(con)}
        if submission_id not in held:
            console.print(f"[red]file version {submission_id} is not held[/red]")
            raise typer.Exit(code=1)
        store.set_gate_status(
            con,
            [submission_id],
            store.RELEASED,
            "cli",
            f"released by {by or _who()}: {reason.strip()} "
            f"(was held: {held[submission_id]['gate_reason']})",
        )
    finally:
        con.close()
    source_file = held[submission_id]["source_file"]
    console.print(
        f"[green]released[/green] #{submission_id} {source_file}: it reaches the marts at the "
        "next publish"
    )


@app.command()
def docs(
    out: Path = typer.Option(
        None, "--out", help="Folder for the docs site (default: docs/ beside the reports)."
    ),
    warehouse: Path = typer.Option(
        None, "--warehouse", help="DuckDB file the catalog is read from (default: NPCS_WAREHOUSE)."
    ),
) -> None:
    """Build the dbt docs site (models, columns, tests, lineage, exposures, metrics) for the
    warehouse, as a folder with index.html and one self-contained static_index.html."""
    from npcs.dbt_cli import run_dbt
    from npcs.settings import Settings

    s = Settings.from_env()
    target = (out or s.reports.parent / "docs").resolve()
    with console.status("dbt docs generate…"):
        proc = run_dbt(
            ["docs", "generate", "--static"], (warehouse or s.warehouse).resolve(), target
        )
    if proc.returncode != 0:
        console.print("[red]dbt docs generate failed[/red]")
        typer.echo((proc.stdout + proc.stderr)[-3000:])
        raise typer.Exit(code=1)
    console.print(f"[green]docs built[/green]: {target / 'static_index.html'} (open in a browser)")
    typer.echo(str(target / "static_index.html"))


@app.command("publish-postgres")
def publish_postgres(
    published: Path = typer.Option(
        ..., "--published", exists=True, dir_okay=False, help="The published DuckDB file."
    ),
    record_level: Path = typer.Option(
        None,
        "--record-level",
        exists=True,
        dir_okay=False,
        help="The live warehouse: each member's record-level rows, under row-level security.",
    ),
    lock_timeout: str = typer.Option(
        "60s", "--lock-timeout", help="How long the swap waits for readers' open transactions."
    ),
) -> None:
    """Load the published tables (and members' record-level rows) into PostgreSQL, replacing the
    previous ones in one transaction.

    Connection from the environment: NPCS_PG_DSN, or PGHOST, PGPORT, PGUSER, PGPASSWORD,
    PGDATABASE. Exits 1 with nothing changed when the load fails."""
    import psycopg

    from publishing.postgres import PostgresLoadError, load

    try:
        with console.status("loading PostgreSQL…"):
            result = load(published.resolve(), record_level=record_level, lock_timeout=lock_timeout)
    except (PostgresLoadError, psycopg.Error) as e:
        console.print(f"[red]PostgreSQL load failed[/red], nothing changed: {e}")
        raise typer.Exit(code=1) from e
    for t in result.tables:
        typer.echo(f"{t.schema}.{t.name}\t{t.rows} rows")
    console.print(
        f"[green]loaded[/green] {len(result.tables)} tables, {result.rows} rows in "
        f"{result.seconds:.1f}s; {len(result.member_roles)} member roles"
    )


@app.command()
def validate(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The file to check."),
    jurisdiction: str = typer.Option(..., "--jurisdiction", help="Jurisdiction id, e.g. CT."),
    dataset: str = typer.Option(..., "--dataset", help="Data set, e.g. reviews."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    warehouse: Path = typer.Option(
        None, "--warehouse", help="Check IO review references against this warehouse's reviews."
    ),
) -> None:
    """Check a file before submitting it: the same checks as a load, nothing loaded.

    Exits 0 when the file would be accepted whole, 1 when rows would be quarantined or the file
    rejected.
    """
    from ingestion.core_data_set import DATA_SETS
    from ingestion.feedback import render_text, validate_file
    from ingestion.reference import jurisdictions

    if dataset not in DATA_SETS:
        raise typer.BadParameter(f"{dataset!r}: expected one of {', '.join(DATA_SETS)}")
    if jurisdiction not in jurisdictions():
        raise typer.BadParameter(f"{jurisdiction!r} is not in the jurisdiction registry")
    from ingestion.pseudonyms import PseudonymKeyError

    try:
        report = validate_file(file, jurisdiction, dataset, warehouse)
    except PseudonymKeyError as e:
        console.print(f"[red]cannot check references against {warehouse}:[/red] {e}")
        raise typer.Exit(code=2) from e
    typer.echo(json.dumps(report, indent=2, default=str) if as_json else render_text(report))
    if report["status"] != "accepted":
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
