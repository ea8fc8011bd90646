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
) -> None:
    """Refresh everything: landing zone -> raw -> dbt marts -> Soda gates -> report.

    Exits 0 when every gate passes; otherwise exits 1 and names each failed check. A failed gate
    leaves the previous report in place.
    """
    from npcs.refresh import run_refresh

    as_of_date = _parse_date(as_of)
    start = time.perf_counter()
    with console.status("refreshing…") as status:
        outcome = run_refresh(
            landing=landing,
            warehouse=warehouse,
            out=out,
            as_of=as_of_date,
            progress=lambda msg: (status.update(f"refreshing… {msg}"), console.log(msg)),
        )
    elapsed = time.perf_counter() - start
    s = outcome.settings
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
    report = validate_file(file, jurisdiction, dataset, warehouse)
    typer.echo(json.dumps(report, indent=2, default=str) if as_json else render_text(report))
    if report["status"] != "accepted":
        raise typer.Exit(code=1)


if __name__ == "__main__":
    app()
