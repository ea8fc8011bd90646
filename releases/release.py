"""Make, rebuild and compare releases (see the package docstring)."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from ingestion.core_data_set import LINEAGE_COLUMNS
from releases.build import (
    Built,
    ReleaseError,
    blocking_gates,
    build_pinned,
    canonical_select,
    code_version,
    content_hash,
    ledger_versions,
    max_submission_id,
    pinned_submissions,
    published_tables,
    table_keys,
    ungated_submissions,
)

MANIFEST = "manifest.json"
EXAMPLES_PER_TABLE = 5
# The two parts of a release: who may read each is in releases/README.md.
SHAREABLE, RESTRICTED = "shareable", "restricted"


def _release_dir(releases: Path, release_id: str) -> Path:
    return Path(releases) / release_id


def _restricted_dir(releases: Path, release_id: str) -> Path:
    """The restricted part of a release (a release made before the split: its folder)."""
    folder = _release_dir(releases, release_id)
    return folder / RESTRICTED if (folder / RESTRICTED / MANIFEST).exists() else folder


def shareable_dir(releases: Path, release_id: str) -> Path:
    return _release_dir(releases, release_id) / SHAREABLE


def load_manifest(releases: Path, release_id: str) -> dict:
    """The restricted manifest: pinned submissions and every mart's content hash."""
    path = _restricted_dir(releases, release_id) / MANIFEST
    if not path.exists():
        known = ", ".join(list_releases(releases)) or "none"
        raise ReleaseError(f"no release {release_id!r} in {releases} (releases: {known})")
    return json.loads(path.read_text())


def load_shareable_manifest(releases: Path, release_id: str) -> dict:
    return json.loads((shareable_dir(releases, release_id) / MANIFEST).read_text())


def list_releases(releases: Path) -> list[str]:
    found = {p.parent.name for p in Path(releases).glob(f"*/{MANIFEST}")}
    found |= {p.parent.parent.name for p in Path(releases).glob(f"*/{RESTRICTED}/{MANIFEST}")}
    return sorted(found)


def _export(
    built: Built, out: Path, as_of: date, synthetic: bool, releases: Path, release_id: str
) -> tuple[dict, dict, dict]:
    """Write the two parts of a release into ``out``; return the restricted part's tables, the
    shareable part's tables and the headline.

    - ``restricted/tables``: every mart as built from the pinned submissions (record-level
      tables and small cells included), what ``release diff`` compares with;
    - ``shareable/tables``: the published warehouse's tables (``publishing/catalog.yml``),
      suppressed together exactly as ``publishing.publish.catalog_tables`` publishes them, and
      the report (suppressed against them)."""
    from publishing.attack import recover_across
    from publishing.linked import FOLDER, earlier_models
    from publishing.publish import LOSS_COLUMNS, catalog_tables, loss_values, write_parquet
    from reporting.build import build_report
    from reporting.disclosure import protect_report

    restricted, shareable = out / RESTRICTED, out / SHAREABLE
    (restricted / "tables").mkdir(parents=True)
    (shareable / "tables").mkdir(parents=True)
    tables, shared = {}, {}
    con = duckdb.connect(str(built.warehouse), read_only=True)
    try:
        for table in published_tables(con):
            keys = table_keys(built.manifest, table)
            order = ", ".join(f'"{k}"' for k in keys) if keys else "all"
            path = restricted / "tables" / f"{table}.parquet"
            con.execute(
                f"copy (select * from {table} order by {order}) to '{path}' (format parquet)"
            ).fetchall()
            rows, digest = content_hash(con, table)
            tables[table] = {"rows": rows, "sha256": digest, "key": keys}
        # Every release out already is known to whoever reads this one: differencing any two
        # must give no hidden count back (publishing/linked.py). This release's own model is
        # kept for the releases after it.
        earlier = earlier_models(releases, but=release_id)
        published, _ = catalog_tables(con, earlier)
        for t in published:
            path = shareable / "tables" / f"{t.relation}.parquet"
            write_parquet(t, path)
            rows, digest = content_hash(con, f"read_parquet('{path}')")
            loss = dict(zip([c for c, _, _ in LOSS_COLUMNS], loss_values(t.loss), strict=True))
            shared[t.relation] = {"rows": rows, "sha256": digest, "suppression": loss}
        report = protect_report(con, as_of, earlier=earlier, name=release_id)
        # The check, by attack: this release read with every release out already, differenced,
        # gives no small count back; else it is not made.
        recovered = recover_across([*earlier, report.model])
        if recovered:
            raise ReleaseError(
                f"release {release_id!r} not made: read with the {len(earlier)} releases out "
                f"already, {len(recovered)} hidden small counts come back "
                f"(e.g. {recovered[0].column}, by {recovered[0].how}); see publishing/README.md"
            )
        report.model.save(restricted / FOLDER)
        headline = build_report(
            con, shareable, as_of, synthetic, built.semantic_manifest, protected_report=report
        )
    finally:
        con.close()
    return tables, shared, headline


def create_release(
    live: Path,
    releases: Path,
    as_of: date,
    synthetic: bool,
    name: str | None = None,
) -> dict:
    """Freeze a release of the live warehouse's current submissions; returns its (restricted)
    manifest."""
    release_id = name or as_of.isoformat()
    out = _release_dir(releases, release_id)
    if out.exists():
        raise ReleaseError(
            f"release {release_id!r} exists ({out}); releases never change: "
            "give another --name, or compare with `npcs release diff`"
        )
    max_id = max_submission_id(live)
    if max_id == 0:
        raise ReleaseError(f"{live} holds no loaded submission: nothing to release")
    blocking = blocking_gates(live)
    if blocking:
        raise ReleaseError(
            "quality gates block (" + ", ".join(blocking) + "): no release is made from data "
            "whose gate failed. See `npcs gate status`; fix the data, or record an override "
            "(`npcs gate override`) and refresh"
        )
    ungated = ungated_submissions(live, max_id)
    Path(releases).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{release_id}-", dir=releases))
    try:
        built = build_pinned(live, max_id, staging / "build", [u["submission_id"] for u in ungated])
        content = staging / "content"
        content.mkdir()
        tables, shared, headline = _export(built, content, as_of, synthetic, releases, release_id)
        about = {
            "release_id": release_id,
            "as_of": as_of.isoformat(),
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "code_version": code_version(),
            "synthetic": synthetic,
            "headline": headline,
        }
        manifest = {
            **about,
            "max_submission_id": max_id,
            "tables": tables,
            "submissions": pinned_submissions(live, max_id),
            # held or not yet gated when the release was made: left out, now and on rebuild
            "excluded_submissions": ungated,
        }
        (content / RESTRICTED / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        (content / SHAREABLE / MANIFEST).write_text(
            json.dumps({**about, "tables": shared}, indent=2) + "\n"
        )
        content.rename(out)  # the release appears whole or not at all
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest


@dataclass
class TableCheck:
    table: str
    identical: bool
    rows_release: int
    rows_now: int | None


def rebuild_release(live: Path, releases: Path, release_id: str) -> list[TableCheck]:
    """Rebuild a release from the live raw history; compare every table with the manifest."""
    manifest = load_manifest(releases, release_id)
    if manifest["code_version"] != code_version():
        raise ReleaseError(
            f"release {release_id!r} was built by dbt project version {manifest['code_version']}; "
            f"this checkout is {code_version()}: check out the release's code to rebuild it"
        )
    missing = _missing_submissions(live, manifest)
    if missing:
        raise ReleaseError(
            f"the warehouse no longer holds {len(missing)} pinned submission versions "
            f"(e.g. {missing[:3]}): raw history was removed, the release cannot be rebuilt"
        )
    with tempfile.TemporaryDirectory(prefix="npcs-rebuild-") as tmp:
        excluded = [u["submission_id"] for u in manifest.get("excluded_submissions", [])]
        built = build_pinned(live, manifest["max_submission_id"], Path(tmp) / "build", excluded)
        con = duckdb.connect(str(built.warehouse), read_only=True)
        try:
            now = set(published_tables(con))
            checks = []
            for table, frozen in sorted(manifest["tables"].items()):
                if table not in now:
                    checks.append(TableCheck(table, False, frozen["rows"], None))
                    continue
                rows, digest = content_hash(con, table)
                checks.append(TableCheck(table, digest == frozen["sha256"], frozen["rows"], rows))
            for table in sorted(now - set(manifest["tables"])):
                checks.append(TableCheck(table, False, 0, content_hash(con, table)[0]))
        finally:
            con.close()
    return checks


def _missing_submissions(live: Path, manifest: dict) -> list[int]:
    wanted = {s["submission_id"] for s in manifest["submissions"]}
    return sorted(wanted - {v["submission_id"] for v in ledger_versions(live, "true", [])})


@dataclass
class TableDiff:
    table: str
    key: list[str]
    added: int = 0
    removed: int = 0
    changed: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass
class ReleaseDiff:
    release_id: str
    later_submissions: list[dict]
    tables: list[TableDiff]
    headline_changes: dict[str, tuple]

    @property
    def differs(self) -> bool:
        return any(t.differs for t in self.tables) or bool(self.headline_changes)


LINEAGE = frozenset(name for name, _ in LINEAGE_COLUMNS) - {"jurisdiction_id"}


def _diff_table(
    con: duckdb.DuckDBPyConnection, table: str, frozen: Path, key: list[str]
) -> TableDiff:
    d = TableDiff(table=table, key=key)
    rel_old = f"read_parquet('{frozen}')"
    sel_old, cols = canonical_select(con, rel_old)
    sel_new, _ = canonical_select(con, table)
    con.execute(f"create or replace temp table _old as select {sel_old} from {rel_old}").fetchall()
    con.execute(f"create or replace temp table _new as select {sel_new} from {table}").fetchall()
    if not key:
        (d.added,) = con.execute(
            "select count(*) from (select * from _new except all select * from _old)"
        ).fetchone()
        (d.removed,) = con.execute(
            "select count(*) from (select * from _old except all select * from _new)"
        ).fetchone()
        return d
    on = " and ".join(f'o."{k}" is not distinct from n."{k}"' for k in key)
    (d.added,) = con.execute(f"select count(*) from _new n anti join _old o on {on}").fetchone()
    (d.removed,) = con.execute(f"select count(*) from _old o anti join _new n on {on}").fetchone()
    # Lineage (which file version and row a record came from) is not a change of a figure: a
    # corrected file that sends a record again unchanged changes nothing.
    others = [c for c in cols if c not in key and c not in LINEAGE]
    if not others:
        return d
    differs = " or ".join(f'o."{c}" is distinct from n."{c}"' for c in others)
    (d.changed,) = con.execute(
        f"select count(*) from _old o join _new n on {on} where {differs}"
    ).fetchone()
    key_sel = ", ".join(f'o."{k}"' for k in key)
    pairs = ", ".join(f'o."{c}", n."{c}"' for c in others)
    for row in con.execute(
        f"select {key_sel}, {pairs} from _old o join _new n on {on} where {differs} "
        f"order by {key_sel} limit {EXAMPLES_PER_TABLE}"
    ).fetchall():
        k, rest = row[: len(key)], row[len(key) :]
        changes = [
            f"{c}: {rest[2 * i]} -> {rest[2 * i + 1]}"
            for i, c in enumerate(others)
            if rest[2 * i] != rest[2 * i + 1]
        ]
        d.examples.append(f"{'/'.join(map(str, k))}: " + "; ".join(changes))
    for row in con.execute(
        f"select {', '.join(f'n.{chr(34)}{k}{chr(34)}' for k in key)} from _new n "
        f"anti join _old o on {on} limit {EXAMPLES_PER_TABLE}"
    ).fetchall():
        d.examples.append(f"{'/'.join(map(str, row))}: added")
    for row in con.execute(
        f"select {key_sel} from _old o anti join _new n on {on} limit {EXAMPLES_PER_TABLE}"
    ).fetchall():
        d.examples.append(f"{'/'.join(map(str, row))}: removed")
    return d


def diff_release(live: Path, releases: Path, release_id: str) -> ReleaseDiff:
    """What the submissions received after the release would change in its published tables."""
    from reporting.figures import headline as compute_headline

    manifest = load_manifest(releases, release_id)
    folder = _restricted_dir(releases, release_id)
    with tempfile.TemporaryDirectory(prefix="npcs-diff-") as tmp:
        max_id = max_submission_id(live)
        # A preview of what the later submissions would change: those not yet gated count,
        # the held ones (which will not be published as they are) do not.
        held = [
            u["submission_id"]
            for u in ungated_submissions(live, max_id)
            if u["gate_status"] == "held"
        ]
        built = build_pinned(live, max_id, Path(tmp) / "build", held)
        con = duckdb.connect(str(built.warehouse), read_only=True)
        try:
            now = set(published_tables(con))
            tables = []
            for table, frozen in sorted(manifest["tables"].items()):
                if table not in now:
                    tables.append(TableDiff(table, frozen["key"], removed=frozen["rows"]))
                    continue
                path = folder / "tables" / f"{table}.parquet"
                tables.append(_diff_table(con, table, path, frozen["key"]))
            headline_now = compute_headline(
                con, date.fromisoformat(manifest["as_of"]), built.semantic_manifest
            )
        finally:
            con.close()
    changes = {
        k: (v, headline_now.get(k))
        for k, v in manifest["headline"].items()
        if k in headline_now and headline_now.get(k) != v
    }
    return ReleaseDiff(
        release_id=release_id,
        later_submissions=ledger_versions(
            live, "submission_id > ?", [manifest["max_submission_id"]]
        ),
        tables=tables,
        headline_changes=changes,
    )
