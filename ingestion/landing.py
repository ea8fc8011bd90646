"""The landing zone: ``<root>/<jurisdiction_id>/<data set>/<file>.<csv|xlsx|json>``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ingestion.core_data_set import DATA_SETS

SUPPORTED_SUFFIXES = (".csv",)
# A file at the landing root that marks the zone as synthetic demo data (reports then say so).
SYNTHETIC_MARKER = "SYNTHETIC_DEMO_DATA"


@dataclass(frozen=True)
class SubmissionFile:
    """One file in the landing zone, as the path names it."""

    path: Path
    jurisdiction_id: str
    data_set: str

    @property
    def relative_path(self) -> str:
        """Path relative to the landing root: what ledgers and messages show."""
        return f"{self.jurisdiction_id}/{self.data_set}/{self.path.name}"

    def sha256(self) -> str:
        h = hashlib.sha256()
        with self.path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()


def discover(root: Path, data_set: str | None = None) -> list[SubmissionFile]:
    """Every submission file under ``root`` (optionally of one data set), in a stable order.

    Folders that are not ``<jurisdiction>/<data set>/`` with a known data set are skipped here;
    the ingestion issue's validation turns them into ledger rejections.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"landing zone {root} does not exist")
    files = []
    for path in sorted(root.glob("*/*/*")):
        jurisdiction_id, ds = path.parent.parent.name, path.parent.name
        if not path.is_file() or path.name.startswith("."):
            continue
        if ds not in DATA_SETS or path.suffix.lower() not in SUPPORTED_SUFFIXES:
            continue
        if data_set is not None and ds != data_set:
            continue
        files.append(SubmissionFile(path=path, jurisdiction_id=jurisdiction_id, data_set=ds))
    return files
