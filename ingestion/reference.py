"""Reference data read from the one place it is defined: the dbt seeds.

``dbt_project/seeds/jurisdictions.csv`` is the jurisdiction registry,
``dbt_project/seeds/jurisdiction_sharing_levels.csv`` the sharing levels over time, and
``dbt_project/seeds/code_lists/<list>.csv`` the code lists and ``dbt_project/seeds/org_units.csv``
the org units each member declares. dbt loads the same files into the
``reference`` schema; ingestion, the demo generator and the quality checks read them here.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds"


@dataclass(frozen=True)
class Jurisdiction:
    jurisdiction_id: str
    jurisdiction_name: str
    jurisdiction_type: str
    parent_jurisdiction_id: str | None
    state_code: str
    joined_date: date
    left_date: date | None
    small_cell_threshold: int


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def code_list(name: str) -> tuple[str, ...]:
    """The codes of one code list, in their sort order."""
    return tuple(row["code"] for row in _read(SEEDS_DIR / "code_lists" / f"{name}.csv"))


def code_list_names() -> list[str]:
    return sorted(p.stem for p in (SEEDS_DIR / "code_lists").glob("*.csv"))


@cache
def jurisdictions() -> dict[str, Jurisdiction]:
    out = {}
    for r in _read(SEEDS_DIR / "jurisdictions.csv"):
        out[r["jurisdiction_id"]] = Jurisdiction(
            jurisdiction_id=r["jurisdiction_id"],
            jurisdiction_name=r["jurisdiction_name"],
            jurisdiction_type=r["jurisdiction_type"],
            parent_jurisdiction_id=r["parent_jurisdiction_id"] or None,
            state_code=r["state_code"],
            joined_date=date.fromisoformat(r["joined_date"]),
            left_date=date.fromisoformat(r["left_date"]) if r["left_date"] else None,
            small_cell_threshold=int(r["small_cell_threshold"]),
        )
    return out


@cache
def sharing_levels() -> tuple[dict[str, str], ...]:
    return tuple(_read(SEEDS_DIR / "jurisdiction_sharing_levels.csv"))


def _in_force(rows, on: date, **match: str) -> dict[str, str] | None:
    """The first effective-dated seed row matching ``match`` in force on ``on``
    (``effective_from`` inclusive, ``effective_to`` exclusive and optional), or None."""
    for r in rows:
        if any(r[k] != v for k, v in match.items()):
            continue
        start = date.fromisoformat(r["effective_from"])
        end = date.fromisoformat(r["effective_to"]) if r["effective_to"] else None
        if start <= on and (end is None or on < end):
            return r
    return None


def sharing_level(jurisdiction_id: str, data_set: str, on: date) -> str:
    """The level at which a jurisdiction shares a data set on a date ('none' when not set)."""
    r = _in_force(sharing_levels(), on, jurisdiction_id=jurisdiction_id, data_set=data_set)
    return r["sharing_level"] if r else "none"


def shares_narratives(jurisdiction_id: str, on: date) -> bool:
    """Whether a member shares its IO narratives on a date (``narrative_sharing.csv``): off
    unless a row of that seed, in force on the date, says ``true``."""
    rows = _read(SEEDS_DIR / "narrative_sharing.csv")
    r = _in_force(rows, on, jurisdiction_id=jurisdiction_id)
    return r is not None and r["is_shared"].strip().lower() == "true"


@cache
def code_labels(name: str) -> dict[str, str]:
    """Code -> human label for one code list."""
    return {row["code"]: row["label"] for row in _read(SEEDS_DIR / "code_lists" / f"{name}.csv")}


@cache
def declared_org_units() -> frozenset[tuple[str, str]]:
    """(jurisdiction_id, org_unit) pairs the members have declared
    (``dbt_project/seeds/org_units.csv``): the only org units that reach the warehouse as
    themselves; any other value is loaded as ``other`` (:mod:`ingestion.validation`)."""
    return frozenset(
        (r["jurisdiction_id"], r["org_unit"]) for r in _read(SEEDS_DIR / "org_units.csv")
    )
