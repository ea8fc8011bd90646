"""Earlier publications as known: the cells a publication put out, kept for the ones after it.

Two publications differenced give a hidden count back when the figures of both are tied by
identities: a member's reviews "39" as of 2024-07-01 and "40" as of 2024-10-01, with the quarters
before July unchanged, give that member's third quarter, 1, although neither publication shows it.
Statistical offices protect this the way they protect linked tables: one model of every cell
published and every identity between them (Langsrud 2024; CMS's rule that a hidden count must not
be derived from "cells published elsewhere or earlier").

A :class:`PublishedModel` is that model for one publication, after its suppression: each cell
with its key (table, grain values, column), its value (the true one: the model is restricted), its
threshold, and whether it was published; and every identity between its cells (the catalog's, the
report's and the links between them). It is written into a release's restricted part
(``restricted/disclosure/``) and read back by every later publication.

:func:`add_earlier` adds earlier models to the structure of the publication being suppressed:
their cells are **frozen** (published already: a published one is known, a hidden one stays
unknown, none can be hidden now), their identities hold among them, and a cell of the new
publication equals the earlier cell of the same key when their true values are equal (the data
behind it did not change) — the identity an attacker assumes when it differences the two. The
suppression's own steps then do the rest: a cell that an earlier publication hid stays hidden
while its value is unchanged (else the new one gives it away), a cell an earlier one published is
public already, and a small count fixed by the identities of both (the difference above) makes
suppression hide one more cell of the new publication.

No imports from ``publishing.suppression``: a structure is used through its fields only.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

EARLIER = "earlier"  # the rule of a cell hidden in an earlier publication
UNCHANGED = "unchanged since"  # the identity between a cell and its earlier self
FOLDER = "disclosure"  # inside a release's restricted part


def _plain(v):
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, (dt.date, dt.datetime, pd.Timestamp)):
        return v.isoformat()
    return v


def cell_key(table: str, grain: Iterable, column: str) -> str:
    """One cell's name across publications: its table, its row's grain values and its column."""
    return json.dumps([table, [_plain(v) for v in grain], column], default=str)


@dataclass
class PublishedModel:
    """Every count cell of one publication and the identities between them (see the module)."""

    name: str
    cells: pd.DataFrame  # key, value (None unknown), threshold, virtual, published, jurisdiction
    terms: pd.DataFrame  # identity, cell (row of ``cells``), coef
    kinds: list[str]  # per identity

    def save(self, folder: Path) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        try:
            for name, frame in (("cells", self.cells), ("terms", self.terms)):
                con.register("_f", frame)
                path = str(folder / f"{name}.parquet").replace("'", "''")
                con.execute(f"copy (select * from _f) to '{path}' (format parquet)")
                con.unregister("_f")
        finally:
            con.close()
        (folder / "model.json").write_text(
            json.dumps({"name": self.name, "kinds": self.kinds}) + "\n", encoding="utf-8"
        )

    @classmethod
    def load(cls, folder: Path) -> PublishedModel:
        folder = Path(folder)
        about = json.loads((folder / "model.json").read_text(encoding="utf-8"))
        con = duckdb.connect()
        try:
            frames = {
                name: con.execute(
                    "select * from read_parquet(?)", [str(folder / f"{name}.parquet")]
                ).df()
                for name in ("cells", "terms")
            }
        finally:
            con.close()
        cells = frames["cells"]
        if "jurisdiction" not in cells.columns:  # a model kept before members were recorded
            cells["jurisdiction"] = None
        cells["jurisdiction"] = cells["jurisdiction"].astype("string")
        return cls(about["name"], cells, frames["terms"], about["kinds"])

    @property
    def hidden(self) -> int:
        """Cells of the model not published (remainders nobody publishes not counted)."""
        return int((~self.cells["published"] & ~self.cells["virtual"]).sum())


def model_of(
    name: str,
    s,
    hidden: Mapping[int, object],
    keys: Sequence[str],
    first_earlier: int,
    owners: Sequence[str | None] | None = None,
) -> PublishedModel:
    """The model of a suppressed structure ``s`` (cells up to ``first_earlier``: those of earlier
    publications and the identities tying them are left out, they have their own models)."""
    n = first_earlier
    cells = pd.DataFrame(
        {
            "key": list(keys[:n]),
            "value": pd.array([s.values[c] for c in range(n)], dtype="Int64"),
            "threshold": [int(t) for t in s.thresholds[:n]],
            "virtual": [bool(v) for v in s.virtual[:n]],
            "published": [
                not s.virtual[c] and c not in hidden and s.values[c] is not None for c in range(n)
            ],
            # the member whose count it is: known to that member (the insider attack)
            "jurisdiction": pd.array(
                list(owners[:n]) if owners is not None else [None] * n, dtype="string"
            ),
        }
    )
    identity, cell, coef, kinds = [], [], [], []
    for kind, terms in s.constraints:
        if any(c >= n for c, _ in terms):
            continue
        for c, k in terms:
            identity.append(len(kinds))
            cell.append(c)
            coef.append(int(k))
        kinds.append(kind)
    terms = pd.DataFrame({"identity": identity, "cell": cell, "coef": coef})
    return PublishedModel(name, cells, terms, kinds)


def add_earlier(
    s,
    hidden: dict[int, tuple[str, str]],
    frozen: set[int],
    keys: Mapping[str, int],
    earlier: Sequence[PublishedModel],
) -> None:
    """Add ``earlier`` publications' models to structure ``s`` (see the module): their cells
    frozen (the hidden ones in ``hidden``), their identities, and an identity between each cell
    of ``s`` (``keys``: key -> cell) and the earlier cell of the same key and the same value."""
    for model in earlier:
        base = len(s.cells)
        cells = model.cells
        values = [None if pd.isna(v) else int(v) for v in cells["value"].tolist()]
        for i, (key, v, thr, virtual, published) in enumerate(
            zip(
                cells["key"].tolist(),
                values,
                cells["threshold"].tolist(),
                cells["virtual"].tolist(),
                cells["published"].tolist(),
                strict=True,
            )
        ):
            cid = base + i
            s.cells.append((f"{model.name}:{key}", -1, key))
            s.values.append(v)
            s.thresholds.append(int(thr))
            s.virtual.append(bool(virtual))
            frozen.add(cid)
            if not published and not virtual:
                hidden[cid] = (EARLIER, f"hidden in publication {model.name}")
            if virtual or v is None:
                continue
            now = keys.get(key)
            if now is not None and s.values[now] == v and not s.virtual[now]:
                s.add(f"{UNCHANGED} {model.name}", [(now, 1), (cid, -1)])
        grouped: dict[int, list[tuple[int, int]]] = {}
        for ident, c, k in zip(
            model.terms["identity"].tolist(),
            model.terms["cell"].tolist(),
            model.terms["coef"].tolist(),
            strict=True,
        ):
            grouped.setdefault(int(ident), []).append((base + int(c), int(k)))
        for ident, terms in grouped.items():
            s.add(f"{model.kinds[ident]} in {model.name}", terms)


def earlier_models(releases: Path | None = None, but: str | None = None) -> list[PublishedModel]:
    """The models of every release in ``releases`` (default: ``NPCS_RELEASES``) that has one,
    all but ``but``, in id order. A release made before models were kept has none: it is not
    taken into account (``README.md``, releases)."""
    if releases is None:
        from npcs.settings import Settings

        releases = Settings.from_env().releases
    if not Path(releases).exists():
        return []
    out = []
    for folder in sorted(Path(releases).glob(f"*/restricted/{FOLDER}/model.json")):
        release_id = folder.parent.parent.parent.name
        if release_id != but:
            out.append(PublishedModel.load(folder.parent))
    return out
