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
