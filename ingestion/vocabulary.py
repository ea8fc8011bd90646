"""The partnership's vocabulary: the only words a name a member chose may hold to be stored.

Members name things: files, folders, workbook sheets, column headers, JSON keys. A name is text
nobody checked — ``review Okafor family.csv``, a sheet ``Jane``, a column ``Worthington notes`` —
so the warehouse keeps a name, and shows it in its ledger, feedback, status page, Dagster's
events and messages, only when **every word of it is known to be safe** (an allow-list, not a
detector):

- the contract's own words: data set and column names, every code and every word of a code's
  label (``dbt_project/seeds/code_lists``);
- the registry's: jurisdiction ids and the words of jurisdiction names;
- the member's own declarations: the headers, sheet name, code spellings and boolean spellings
  of its layout (``ingestion/layouts/<ID>.yml``) — for its own files only;
- numbers (years, dates, quarters, versions) and a short list of ordinary words of file names
  (:data:`ORDINARY_WORDS`: final, export, copy, v2, corrected, month names, …).

Any other name is replaced by a label the product writes: a file by ``<data set>_<sha12>``
(:func:`ingestion.landing.safe_file_name`), a folder by ``(unregistered folder)``, a sheet by
``sheet 2``, a column by ``column 7``. The identifier detector stays a second line over what the
allow-list lets through (:func:`name_is_safe`).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from ingestion import identifiers, layouts
from ingestion.core_data_set import DATA_SETS, LINEAGE_COLUMNS
from ingestion.reference import code_labels, code_list_names, jurisdictions

# Ordinary words of file, sheet and folder names: what exports and people add around the data
# set and the period. Nothing here is a name people carry often enough to matter (no given names).
ORDINARY_WORDS = frozenset(
    """
    final export exported exports submission submissions submit submitted copy copies version
    draft corrected correction corrections revised revision update updated data file files late
    addition additions additional extra bulk partial resubmission resubmitted new old part batch
    full all annual quarterly monthly report reports fy ffy sfy cy q h v wave survey period year
    years quarter quarters month through thru to and of the for from with by in as per
    jan feb mar apr may jun jul aug sep sept oct nov dec january february march april june july
    august september october november december spring summer fall autumn winter
    test sample upload uploaded sheet sheets tab table workbook book records record rows row list
    summary counts count totals total ios io tasc hr staffing cw no id ids number num nbr code
    codes date dates info information responses response results result main raw clean cleaned
    output input extract extracts first second third fourth latest current previous prior
    csv xlsx xls json txt utf ansi windows excel unicode read me readme notes note cover
    instructions about help index contents definitions dictionary glossary lookup legend
    """.split()
)
# Words that name a kind of personal field: a column the privacy firewall drops is shown by its
# header when it is made of these ("Child Name", "Parent SSN"), never by a value.
FIELD_WORDS = frozenset(
    """
    name names nm first last middle given surname initial initials full ssn social security
    soc sec dob birth born address addr street zip postal phone mobile cell tel fax email mail
    e contact home case person client parent mother father guardian caregiver family household
    worker caseworker employee medicaid medicare sacwis mci mpi mrn identifier apt apartment
    box po city
    """.split()
)
LABEL_UNREGISTERED_FOLDER = "(unregistered folder)"
LABEL_FOLDER = "(folder)"

_WORD_RE = re.compile(r"[A-Za-z]+|\d+")
_CAMEL_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z]+|[a-z]+")


def _words(text: str) -> list[str]:
    """The words of a text, lower case: letters and digit runs apart (``FY2024`` is ``fy``,
    ``2024``)."""
    return [w.lower() for w in _WORD_RE.findall(text)]


@functools.cache
def _global() -> frozenset[str]:
    words: set[str] = set(ORDINARY_WORDS | FIELD_WORDS)
    for ds in DATA_SETS.values():
        words |= set(_words(ds.name))
        for c in ds.columns:
            words |= set(_words(c.name))
    for name, _ in LINEAGE_COLUMNS:
        words |= set(_words(name))
    for name in code_list_names():
        words |= set(_words(name))
        for code, label in code_labels(name).items():
            words |= set(_words(code)) | set(_words(label))
    for jurisdiction_id, j in jurisdictions().items():
        words |= set(_words(jurisdiction_id))
        words |= set(_words(j.jurisdiction_name))
    return frozenset(words)


def _declared(jurisdiction_id: str | None) -> frozenset[str]:
    """The words of a member's layout file: its headers, sheet names, code and boolean spellings
    (what the member declared of its own exports)."""
    if not jurisdiction_id:
        return frozenset()
    path = Path(layouts.LAYOUTS_DIR) / f"{jurisdiction_id}{layouts.LAYOUT_SUFFIX}"
    if not path.is_file():
        return frozenset()
    st = path.stat()
    return _declared_in(str(path), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=64)
def _declared_in(path_text: str, _mtime_ns: int, _size: int) -> frozenset[str]:
    path = Path(path_text)
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, OSError, UnicodeDecodeError):
        return frozenset()
    words: set[str] = set()

    def walk(x) -> None:
        if isinstance(x, dict):
            for k, v in x.items():
                words.update(_words(str(k)))
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
        elif x is not None:
            words.update(_words(str(x)))

    walk(spec)
    return frozenset(words)


def word_is_known(word: str, jurisdiction_id: str | None = None) -> bool:
    """A number, a single letter (``a.csv``, ``part b``: no one is named by one letter), or a
    word of the vocabulary."""
    w = word.lower()
    return w.isdigit() or len(w) == 1 or w in _global() or w in _declared(jurisdiction_id)


def _run_is_known(run: str, jurisdiction_id: str | None) -> bool:
    """A run of letters: known whole (``IOs``), or as camel-case parts (``ReviewsExport``)."""
    if word_is_known(run, jurisdiction_id):
        return True
    parts = _CAMEL_RE.findall(run)
    return len(parts) > 1 and all(word_is_known(p, jurisdiction_id) for p in parts)


def is_known(name: str, jurisdiction_id: str | None = None) -> bool:
    """Every word of ``name`` is in the vocabulary (for the member ``jurisdiction_id``)."""
    runs = _WORD_RE.findall(name)
    return bool(runs) and all(_run_is_known(r, jurisdiction_id) for r in runs)


def name_is_safe(name: str, jurisdiction_id: str | None = None) -> bool:
    """A name may be stored and shown as it is: every word known, and the detector (the second
    line) sees no identifier in it."""
    # (file_name_kind reads a file name: the whole name is its stem here, dots and all)
    return is_known(name, jurisdiction_id) and identifiers.file_name_kind(f"{name}.name") is None


def file_stem_is_safe(file_name: str, jurisdiction_id: str | None = None) -> bool:
    """A file name may be kept: its stem's words all known (the extension is not a word), and
    the detector sees no identifier in the whole name."""
    return (
        is_known(Path(file_name).stem, jurisdiction_id)
        and identifiers.file_name_kind(file_name) is None
    )


def shown_name(name: str, label: str, jurisdiction_id: str | None = None) -> str:
    """``name`` when it is safe, else the product's ``label`` for it (``column 7``)."""
    return name if name_is_safe(name, jurisdiction_id) else label


_QUOTED_RE = re.compile(r"'([^'\n]*)'|\"([^\"\n]*)\"")


def scrub_message(message: str, jurisdiction_id: str | None = None) -> str:
    """A product message that quotes names from a file (a header, a sheet, a value) made safe to
    store: each quoted fragment stays only when it is safe, else it becomes ``[a name withheld]``;
    then the detector's scrub over the whole message."""

    def keep(m: re.Match) -> str:
        inner = m.group(1) if m.group(1) is not None else m.group(2)
        if not inner.strip() or name_is_safe(inner, jurisdiction_id) or _is_plain(inner):
            return m.group(0)
        return "[a name withheld]"

    return identifiers.scrub(_QUOTED_RE.sub(keep, message))


def _is_plain(text: str) -> bool:
    """Punctuation and digits only (a delimiter, a cell reference's row): nothing to name."""
    return not re.search(r"[A-Za-z]", text)
