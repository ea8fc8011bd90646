"""``dbt build`` inside the step's own process, with dagster-dbt's event translation.

dagster-dbt's ``DbtCliResource.cli`` starts dbt as a subprocess and reads its JSON log from the
pipe. At demo size that costs more than the build's data work: a new Python process importing
dbt (~2 s here), dbt's debug log written line by line to a file that is deleted afterwards
(~1 s), and every one of ~4,000 log lines serialised to JSON, piped and parsed again. dbt's own
programmatic entry point, ``dbtRunner``, runs the same command in this process (the step's
imports already hold most of dbt); its callback receives dbt's structured events, and the result
events are turned into Dagster outputs by dagster-dbt's own ``DbtCoreCliEventMessage`` — the same
translation, metadata and asset keys as the subprocess gave.

One invocation at a time per process (dbt keeps global state): the step holds the warehouse's
writer lock around it (``orchestration/one_writer.py``), and Dagster runs one step at a time in
a process. dbt-duckdb closes its DuckDB connection when the invocation ends, so the warehouse is
free for the next reader or writer.
"""

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from orchestration.defs import dbt_specs
from orchestration.defs.dbt_specs import FULL_SELECTION

# dbt events that carry a node's result (what dagster-dbt turns into outputs and observations).
RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})


class NpcsDbtTranslator(DagsterDbtTranslator):
    """dagster-dbt's translation of dbt's results, with the project's key and group rules
    (``dbt_specs.py``: the rules the code location's specs were built by)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        return dbt_specs.asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_specs.group_name(dbt_resource_props)


def translator() -> NpcsDbtTranslator:
    # no asset checks: dbt tests are tallied on their models (transformation.py)
    return NpcsDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=False))


class DbtBuildError(Exception):
    """dbt did not finish its build cleanly: the failing nodes and dbt's messages."""


@dataclass
class DbtBuild:
    """What one in-process dbt invocation produced."""

    results: list[dict[str, Any]] = field(default_factory=list)  # raw result events, in order
    success: bool = False
    error: BaseException | None = None

    def failure_message(self) -> str:
        lines = []
        for raw in self.results:
            node = raw["data"].get("node_info", {})
            status = str(node.get("node_status", "")).lower()
            if status in ("error", "fail", "runtime error"):
                msg = raw["info"].get("msg", "").strip()
                lines.append(f"- {node.get('unique_id')} ({status}): {msg}")
        if self.error is not None:
            lines.append(f"- dbt: {type(self.error).__name__}: {self.error}")
        return "dbt build failed:\n" + ("\n".join(lines) or "- (dbt gave no failing node)")


def selection_for(context: dg.AssetExecutionContext, manifest: dict[str, Any]) -> list[str]:
    """The dbt nodes of the run's selected assets (all of them: the asset's own selection)."""
    # (in a subset run, ``context.assets_def`` is the subset: compare with the manifest instead)
    selected = set(context.selected_asset_keys)
    nodes = [n for n in manifest["nodes"].values() if n["resource_type"] in dbt_specs.OWNED_TYPES]
    chosen = [".".join(n["fqn"]) for n in nodes if dbt_specs.asset_key(n) in selected]
    if len(chosen) == len(nodes):
        return list(FULL_SELECTION)
    return sorted(chosen)


def run_build(
    project: DbtProject,
    args: Sequence[str],
    select: Sequence[str],
) -> DbtBuild:
    """Run ``dbt <args> --select <select>`` in this process; keep the result events.

    The invocation gets its own target folder seeded with the partial-parse state kept for this
    warehouse (``_state_file``); the state it leaves is copied back and the folder is removed.
    JSON artifacts are not written: the events carry every result, and the project's
    ``target/manifest.json`` (what the code location loads) is left as it is.
    """
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    build = DbtBuild()

    def on_event(msg) -> None:  # called from dbt's worker threads; list.append is atomic
        if msg.info.name in RESULT_EVENTS:
            build.results.append(msg_to_dict(msg))

    project_target = Path(project.project_dir) / project.target_path
    target = Path(tempfile.mkdtemp(prefix="dbt-", dir=project_target))
    state = _state_file(project_target, args)
    seed = state if state.exists() else project_target / "partial_parse.msgpack"
    if seed.exists():  # (the project's own state, from the code location's `dbt parse`)
        shutil.copyfile(seed, target / "partial_parse.msgpack")
    argv = [
        *args,
        "--select",
        *select,
        "--project-dir",
        str(project.project_dir),
        "--profiles-dir",
        str(project.profiles_dir),
        "--target-path",
        str(target),
        "--log-path",
        str(target),
        "--no-write-json",
        "--log-level-file",
        "none",
        "--quiet",  # the run's events are the log; errors still reach stderr
        "--no-send-anonymous-usage-stats",
    ]
    try:
        outcome = dbtRunner(callbacks=[on_event]).invoke(argv)
        build.success = bool(outcome.success)
        build.error = outcome.exception
        new_state = target / "partial_parse.msgpack"
        if new_state.exists():
            # atomically: another process (a test worker, a second code server) may be copying
            # the state out at this moment
            staged = target / "partial_parse.msgpack.staged"
            shutil.copyfile(new_state, staged)
            state.parent.mkdir(exist_ok=True)
            staged.replace(state)
            _forget_old_states(project_target)
    finally:
        _release_warehouse()
        shutil.rmtree(target, ignore_errors=True)
    return build


# dbt re-parses the whole project when the profile's connection (the warehouse path) differs from
# the one its partial-parse state was written for. One state per warehouse path, so that runs
# on two warehouses (two test workers, a release build beside the nightly refresh) do not undo
# each other's state; the newest few are kept.
STATES_KEPT = 8


def _state_file(project_target: Path, args: Sequence[str]) -> Path:
    """The partial-parse state of the warehouse this process writes (``NPCS_WAREHOUSE``) and
    the profile target of ``args`` (a release build's ``--target release`` has its own)."""
    warehouse = str(Path(os.environ.get("NPCS_WAREHOUSE", "")).resolve())
    target = next((b for a, b in zip(args, args[1:], strict=False) if a == "--target"), "")
    key = hashlib.sha256(f"{warehouse}\0{target}".encode()).hexdigest()[:16]
    return project_target / "partial_parse" / f"{key}.msgpack"


def _forget_old_states(project_target: Path) -> None:
    states = sorted(
        (project_target / "partial_parse").glob("*.msgpack"),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in states[STATES_KEPT:]:
        old.unlink(missing_ok=True)


def _release_warehouse() -> None:
    """Close dbt-duckdb's DuckDB instance. dbt-duckdb keeps it in a class attribute after the
    invocation (its handle count back at 0, the connection still open), which would hold the
    warehouse file's write lock and refuse this process's own read-only connections."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
            DuckDBConnectionManager._ENV = None


def asset_events(
    context: dg.AssetExecutionContext,
    build: DbtBuild,
    manifest: dict[str, Any],
    translator: DagsterDbtTranslator,
    project: DbtProject,
) -> Iterator[Any]:
    """The build's results as Dagster events, translated by dagster-dbt."""
    from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

    for raw in build.results:
        message = DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={})
        yield from message.to_default_asset_events(
            manifest=manifest, dagster_dbt_translator=translator, context=context, project=project
        )
