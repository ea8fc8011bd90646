"""The landing zone: ``<root>/<jurisdiction_id>/<data set>/<file>.<csv|xlsx|json>``."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ingestion import vocabulary
from ingestion.core_data_set import DATA_SETS
from ingestion.readers import SUFFIX_FORMATS

# The file types ingestion reads (ingestion/readers.py): CSV, XLSX and JSON.
SUPPORTED_SUFFIXES = tuple(SUFFIX_FORMATS)
# A file at the landing root that marks the zone as synthetic demo data (reports then say so).
SYNTHETIC_MARKER = "SYNTHETIC_DEMO_DATA"


@dataclass(frozen=True)
class SubmissionFile:
    """One file in the landing zone, as the path names it."""

    path: Path
    jurisdiction_id: str
    data_set: str

    @functools.cached_property
    def name_is_kept(self) -> bool:
        """Whether the file's own name may be stored: every word of it is in the partnership's
        vocabulary (:mod:`ingestion.vocabulary`) and the detector sees no identifier in it."""
        return vocabulary.file_stem_is_safe(self.path.name, self.jurisdiction_id)

    @property
    def name(self) -> str:
        """The file name the warehouse stores and shows: the name as given when every word of it
        is known, else ``<data set>_<first 12 hex digits of its SHA-256><suffix>``."""
        if self.name_is_kept:
            return self.path.name
        return safe_file_name(self.data_set, self.sha256(), self.path.suffix)

    @property
    def relative_path(self) -> str:
        """Path relative to the landing root: what ledgers and messages show (with the safe
        :attr:`name`)."""
        return f"{self.jurisdiction_id}/{self.data_set}/{self.name}"

    @property
    def name_note(self) -> str | None:
        """What the coordinator is told when the file's name is not kept."""
        if self.name_is_kept:
            return None
        return (
            "the file's name holds words outside the partnership's vocabulary (data sets, "
            "columns, codes, periods and ordinary words such as final, export or corrected), so "
            f"it is not stored: the file is recorded as {self.name}. Name files by data set and "
            "period (e.g. reviews_2024-Q3.csv), never by a person"
        )

    def sha256(self) -> str:
        return self._sha256

    @functools.cached_property
    def _sha256(self) -> str:
        return file_sha256(self.path)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def safe_file_name(data_set: str | None, sha256: str | None, suffix: str) -> str:
    """The name a file whose own name holds an identifier is stored under."""
    digest = sha256[:12] if sha256 else "unreadable"
    return f"{data_set or 'file'}_{digest}{suffix.lower()}"


def _safe_relative(root: Path, rel: Path, registry: Iterable[str]) -> str:
    """``rel`` as it may be stored: registered jurisdiction ids and data set names as they are;
    any other folder as itself only when its words are all in the vocabulary (else
    ``(unregistered folder)`` where a jurisdiction goes, ``(folder)`` elsewhere); the file's name
    likewise (else its data set and content hash)."""
    parts = list(rel.parts)
    jurisdiction = parts[0] if len(parts) > 1 and parts[0] in registry else None
    for i, part in enumerate(parts[:-1]):
        if (i == 0 and part in registry) or (i == 1 and part in DATA_SETS):
            continue
        if not vocabulary.name_is_safe(part, jurisdiction):
            parts[i] = vocabulary.LABEL_UNREGISTERED_FOLDER if i == 0 else vocabulary.LABEL_FOLDER
    last = parts[-1]
    if not vocabulary.file_stem_is_safe(last, jurisdiction):
        try:
            digest = file_sha256(root / rel)
        except OSError:
            digest = None
        ds = parts[1] if len(parts) > 2 and parts[1] in DATA_SETS else None
        parts[-1] = safe_file_name(ds, digest, Path(last).suffix)
    return "/".join(parts)


@dataclass(frozen=True)
class MisplacedFile:
    """A file in the landing zone that cannot be a submission, with the one reason why."""

    relative_path: str
    jurisdiction_id: str | None
    data_set: str | None
    reason: str


def scan(root: Path) -> tuple[list[SubmissionFile], list[MisplacedFile]]:
    """Every file under ``root``: the placeable submissions, and the files rejected by their place.

    A submission is ``<root>/<jurisdiction_id>/<data set>/<file>`` with a registered jurisdiction,
    a known data set and a supported format. Anything else under the root — a file at the wrong
    depth, an unknown jurisdiction or data set folder, an unsupported format, a link that leads
    outside the root — is returned as a :class:`MisplacedFile` with its reason, so the ledger can
    tell the coordinator. Hidden files (``.name``) and the synthetic-data marker are ignored.
    """
    from ingestion.reference import jurisdictions

    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"landing zone {root} does not exist")
    real_root = root.resolve()
    registry = jurisdictions()
    files: list[SubmissionFile] = []
    misplaced: list[MisplacedFile] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") for part in rel.parts) or rel.parts == (SYNTHETIC_MARKER,):
            continue
        if rel.parts == ("README.txt",) or (path.is_dir() and not path.is_symlink()):
            continue
        rel_str = _safe_relative(root, rel, registry)
        jurisdiction_id = rel.parts[0] if len(rel.parts) > 1 else None
        ds = rel.parts[1] if len(rel.parts) > 2 else None
        # the folder names as they may be shown (a folder that is not a registered jurisdiction
        # or a data set is shown only when its words are known); the ledger stores only a
        # registered jurisdiction and a known data set
        shown_jurisdiction = rel_str.split("/")[0] if jurisdiction_id is not None else None
        shown_ds = rel_str.split("/")[1] if ds is not None else None
        if jurisdiction_id is not None and jurisdiction_id not in registry:
            jurisdiction_id = None
        if ds is not None and ds not in DATA_SETS:
            ds = None

        def reject(reason: str, _rel=rel_str, _j=jurisdiction_id, _d=ds) -> None:
            misplaced.append(MisplacedFile(_rel, _j, _d, reason))

        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            reject(f"{rel_str}: a link that leads nowhere")
            continue
        if not target.is_relative_to(real_root):
            reject(f"{rel_str}: leads outside the landing zone; not read")
        elif len(rel.parts) != 3:
            reject(
                f"{rel_str}: not in a <jurisdiction>/<data set>/ folder; "
                "files go in <landing>/<jurisdiction_id>/<data set>/<file>"
            )
        elif jurisdiction_id not in registry:
            reject(
                f"{rel_str}: unknown jurisdiction folder {shown_jurisdiction!r} (not in the "
                "registry; folders are named by registered jurisdiction id, e.g. CT)"
            )
        elif ds not in DATA_SETS:
            reject(
                f"{rel_str}: unknown data set folder {shown_ds!r}; expected one of "
                + ", ".join(DATA_SETS)
            )
        elif not target.is_file():
            reject(f"{rel_str}: not a regular file")
        elif path.suffix.lower() not in SUPPORTED_SUFFIXES:
            reject(
                f"{rel_str}: unsupported file type {path.suffix or '(none)'!r}; "
                f"expected {', '.join(SUPPORTED_SUFFIXES)}"
            )
        else:
            files.append(SubmissionFile(path=path, jurisdiction_id=jurisdiction_id, data_set=ds))
    return files, misplaced


def discover(root: Path, data_set: str | None = None) -> list[SubmissionFile]:
    """The placeable submission files under ``root`` (optionally of one data set), in a stable
    order; see :func:`scan` for the files rejected by their place."""
    files, _ = scan(root)
    return [f for f in files if data_set is None or f.data_set == data_set]
