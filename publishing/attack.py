"""An attacker on the published tables: recover hidden counts from the published figures.

It knows what the catalog documents — which rows are totals of which, which counts add up, which
figure repeats, and which figures of one table sum another's (``links``) — and reads only the
published frames (the published DuckDB file, its Parquet files or PostgreSQL alike). Three ways:

1. subtraction: every identity with exactly one unknown cell is solved, and what is learnt is fed
   back in until nothing more comes out;
2. linear algebra: a hidden cell is also given back when the identities together fix it although
   none has it as its only unknown (x + y = 7 and x - y = 1); each connected set of identities is
   solved at once and a cell is recovered when no solution of the published figures can move it;
3. rates: a published rate times its published counts gives back the one hidden count it is
   built on.

A member (:func:`recover_as_member`) knows its own counts too, having submitted them, and
subtracts them. Across publications (:func:`recover_across`), it differences them: it reads every
publication's cells together (``publishing.linked``'s models), with each publication's
identities, and takes a cell of one equal to the same cell of another wherever the value did not
change — the guess an attacker makes ("the quarters before July were not corrected"), given here
only where it is right, so that what comes back is a true value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from publishing.catalog import CatalogTable, Link
from publishing.linked import PublishedModel, add_earlier
from publishing.suppression import Structure, build_joint, determined, is_small


@dataclass(frozen=True)
class Recovered:
    row: int  # position in the frame; -1 for an unpublished remainder
    column: str
    value: int | None  # None: determined by a rate, whose formula the catalog does not hold
    how: str  # the identity or rate that gave it
    table: str = ""


def recover(
    published: pd.DataFrame,
    table: CatalogTable,
    thresholds: Mapping[str, int],
    parents: Mapping[str, str | None] | None = None,
) -> list[Recovered]:
    """Every hidden count of one published table the attacker recovers (on its own)."""
    return recover_many({table.name: published}, [table], thresholds, parents)


def recover_many(
    published: Mapping[str, pd.DataFrame],
    tables: Sequence[CatalogTable],
    thresholds: Mapping[str, int],
    parents: Mapping[str, str | None] | None = None,
    links: Sequence[Link] = (),
) -> list[Recovered]:
    """Every hidden count of the published tables the attacker recovers, reading them together,
    and every small unpublished remainder (a parent less its children) it can compute."""
    published = {t.name: published[t.name].reset_index(drop=True) for t in tables}
    s = build_joint(published, tables, thresholds, parents, links)
    known = {cid: v for cid, v in enumerate(s.values) if v is not None and not s.virtual[cid]}
    found: list[Recovered] = []

    def learn(cid: int, value: int, how: str) -> None:
        known[cid] = value
        table, pos, col = s.cells[cid]
        if not s.virtual[cid] or is_small(value, s.thresholds[cid]):
            found.append(Recovered(pos, col, int(value), how, table))

    _subtract(s, known, learn)
    for cid, value, how in determined(s, known):
        learn(cid, value, how)
    _subtract(s, known, learn)
    found += _by_rates(published, tables, s, known)
    return found


def recover_across(models: Sequence[PublishedModel]) -> list[Recovered]:
    """Every small count that the publications of ``models``, differenced and read together,
    give back although each hid it (see the module). ``table`` of each is the publication,
    ``column`` the cell's key."""
    return _Publications(models).recover(None)


def recover_as_member(models: Sequence[PublishedModel], member: str) -> list[Recovered]:
    """Every small count of *another* member that ``member`` gives back from the publications
    of ``models`` and its own counts, which it knows because it submitted them: the insider,
    subtracting its own rows from a total. (A small count of no member — the partnership's —
    that it works out is left out: the model does not say whether it holds anyone's count but
    the insider's own.)"""
    return _Publications(models).recover(member)


def recover_as_members(
    models: Sequence[PublishedModel], members: Sequence[str] | None = None
) -> dict[str, list[Recovered]]:
    """:func:`recover_as_member` for each of ``members`` (default: every member of the
    models), the publications read once."""
    pubs = _Publications(models)
    if members is None:
        members = sorted({o for o in pubs.owners if o is not None})
    return {m: pubs.recover(m) for m in members}


class _Publications:
    """The cells and identities of several publications, read together (see the module)."""

    def __init__(self, models: Sequence[PublishedModel]):
        s = Structure()
        self.hidden: dict[int, tuple[str, str]] = {}
        frozen: set[int] = set()
        seen: dict[str, list[int]] = {}
        for model in models:
            base = len(s.cells)
            add_earlier(s, self.hidden, frozen, {}, [model])
            for i, key in enumerate(model.cells["key"].tolist()):
                cid = base + i
                if s.virtual[cid] or s.values[cid] is None:
                    continue
                for other in seen.get(key, []):
                    if s.values[other] == s.values[cid]:
                        s.add("unchanged between publications", [(cid, 1), (other, -1)])
                seen.setdefault(key, []).append(cid)
        self.s = s
        self.owners = [
            None if pd.isna(j) else j for m in models for j in m.cells["jurisdiction"].tolist()
        ]
        self.public = {
            cid: v
            for cid, v in enumerate(s.values)
            if v is not None and not s.virtual[cid] and cid not in self.hidden
        }
        self.touching: dict[int, list[int]] = {}
        for n, (_, terms) in enumerate(s.constraints):
            for c, _ in terms:
                self.touching.setdefault(c, []).append(n)

    def recover(self, insider: str | None) -> list[Recovered]:
        s, owners = self.s, self.owners
        known = dict(self.public)
        targets = None
        if insider is not None:
            mine = [c for c in self.hidden if owners[c] == insider]
            known.update({c: s.values[c] for c in mine if s.values[c] is not None})
            # What the insider knows beyond the public changes only the connected sets of
            # identities that hold one of its hidden cells: only those are solved again.
            targets = {
                c for m in mine for n in self.touching.get(m, ())
                for c, _ in s.constraints[n][1] if c not in known
            }  # fmt: skip
        found: dict[int, Recovered] = {}

        def learn(cid: int, value: int, how: str) -> None:
            known[cid] = value
            if insider is not None and owners[cid] in (insider, None):
                return
            if is_small(s.values[cid], s.thresholds[cid]) and cid not in found:
                name, _, key = s.cells[cid]
                found[cid] = Recovered(-1, key, int(value), how, name.split(":", 1)[0])

        if insider is None:
            _subtract(s, known, learn)
        # (For an insider, the sets holding its cells solved at once find all that subtraction
        # would, and the other sets hold nothing the public read does not.)
        for cid, value, how in determined(s, known, targets=targets):
            learn(cid, value, how)
        if insider is None:
            _subtract(s, known, learn)
        return list(found.values())


def _subtract(s: Structure, known: dict[int, int], learn) -> None:
    changed = True
    while changed:
        changed = False
        for kind, terms in s.constraints:
            unknown = [(cid, k) for cid, k in terms if cid not in known]
            if len(unknown) != 1:
                continue
            cid, k = unknown[0]
            learn(cid, -sum(known[c] * kk for c, kk in terms if c != cid) // k, kind)
            changed = True


def _by_rates(published, tables, s: Structure, known) -> list[Recovered]:
    """Hidden counts that a published rate and its other, published counts determine."""
    found = []
    for table in tables:
        frame = published[table.name]
        for rate in table.rates:
            values = frame[rate.column].tolist()
            for pos, v in enumerate(values):
                if v is None or pd.isna(v):
                    continue
                cids = [s.index[(table.name, pos, c)] for c in rate.built_on]
                hidden = [c for c in cids if c not in known]
                if len(hidden) == 1:
                    col = s.cells[hidden[0]][2]
                    found.append(Recovered(pos, col, None, f"rate {rate.column}", table.name))
    return found
