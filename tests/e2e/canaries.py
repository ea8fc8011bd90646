"""Canaries for the privacy sweep (tests/e2e/test_canary_sweep.py): synthetic personal identifiers
of every kind the detector knows (ingestion/identifiers.py), a matcher that finds them again in
any text, and the planting of them into a copy of the demo landing zone.

Every canary is made up and occurs nowhere in the demo data (the sweep checks that first). The
matcher is case-insensitive and also finds a canary with its punctuation changed (``marisol_okafor``
for "Marisol Okafor") and, for the numeric ones, by its digits with any separators (``078.05.1120``,
``78051120`` stored as a number) or by a distinctive part (a surname alone, the last 7 digits).
"""

from __future__ import annotations

import csv
import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingestion.core_data_set import DATA_SETS
from ingestion.identifiers import merge_spans
from npcs.settings import REPO_ROOT

LAYOUTS = REPO_ROOT / "ingestion" / "layouts"

# Every accepted form of every kind: what a coordinator's export could hold.
FORMS: dict[str, tuple[str, ...]] = {
    "ssn": ("078-05-1120", "078 05 1120", "078\u201305\u20131120", "078051120"),
    "phone": ("(555) 010-4477", "555.010.4477"),
    "email": ("marisol.okafor@example.org", "marisol [at] example [dot] org"),
    # US and written forms: the warehouse writes dates as ISO only, so these never occur in it
    # by construction (an ISO date would, in every calendar table).
    "date": ("07/23/2016", "07-23-2016", "July 23, 2016", "23 July 2016"),
    "address": ("41 Juniper Hollow Road", "41 juniper hollow road"),
    "case_number": ("Case No. 2023-7741203", "MEDICAID 88120455"),
    "name": ("Marisol Okafor", "JAQUELYN WORTHINGTON", "dmitri kowalczyk", "Okafor, Marisol"),
}
KINDS = tuple(FORMS)
# Distinctive parts: a canary cut down (a surname left after its given name was redacted, a case
# number without its keyword) is still the canary.
FRAGMENTS: dict[str, tuple[str, ...]] = {
    "name": ("okafor", "worthington", "kowalczyk", "jaquelyn"),
    "address": ("juniper hollow",),
    "case_number": ("7741203", "88120455"),
    "phone": ("0104477",),
}


@dataclass(frozen=True)
class Canary:
    kind: str
    text: str
    fragment: bool = False

    @functools.cached_property
    def exact(self) -> str:
        return self.text.lower()

    @functools.cached_property
    def words(self) -> str:
        return words(self.text).strip()

    @functools.cached_property
    def has_letters(self) -> bool:
        return any(ch.isalpha() for ch in self.text)

    @functools.cached_property
    def digits(self) -> tuple[str, ...]:
        """Its digits (and without leading zeros: a number column drops them), when 7 or more."""
        d = "".join(c for c in self.text if c.isdigit())
        return tuple(dict.fromkeys(x for x in (d, d.lstrip("0")) if len(x) >= 7))


CANARIES = tuple(Canary(k, t) for k, forms in FORMS.items() for t in forms)
_FRAGMENTS = tuple(Canary(k, t, fragment=True) for k, parts in FRAGMENTS.items() for t in parts)
_ALL = (*CANARIES, *_FRAGMENTS)


def words(text: str) -> str:
    """Lower case, every run of punctuation and spaces one space (line breaks kept)."""
    return re.sub(r"[^0-9a-z\n]+", " ", text.lower())


_DIGIT_SEPARATORS = re.compile(r"(?<=\d)[ \t.()/_\-\u2010-\u2015\u2212]+(?=\d)")
_DIGIT_NEEDLES = sorted({d for c in _ALL for d in c.digits}, key=len)
_DIGITS_RE = re.compile(r"(?<!\d)(" + "|".join(_DIGIT_NEEDLES[::-1]) + r")(?!\d)")


@dataclass(frozen=True)
class Hit:
    canary: Canary
    how: str  # "as written", "words", "digits"

    def __str__(self) -> str:
        shown = (
            self.canary.text if self.how == "as written" else f"{self.canary.text!r} ({self.how})"
        )
        part = " part" if self.canary.fragment else ""
        return f"{self.canary.kind}{part}: {shown}"


# Every canary and part holds one of these as written, whatever its punctuation: a long text is
# searched only around them.
_ANCHORS = ("1120", "4477", "2016", "7741203", "88120455", "marisol", "juniper", "okafor")
_ANCHORS += ("worthington", "kowalczyk", "jaquelyn")
assert all(any(a in c.exact + "".join(c.digits) for a in _ANCHORS) for c in _ALL)


def find(text: str) -> list[Hit]:
    """The canaries in ``text``: each as written (any case), else with other punctuation, else
    by its digits; a canary or part already explained by a stronger hit is left out."""
    if not text:
        return []
    low = text.lower()
    found: dict[tuple[Canary, str], Hit] = {}
    for start, end in _windows(low):
        for h in _find_in(low[start:end]):
            found.setdefault((h.canary, h.how), h)
    order = {c: i for i, c in enumerate(_ALL)}
    return _explained_left_out(sorted(found.values(), key=lambda h: order[h.canary]))


def _windows(low: str, margin: int = 100) -> list[tuple[int, int]]:
    """The parts of ``low`` within ``margin`` characters of an anchor, merged."""
    if len(low) <= 4 * margin:
        return [(0, len(low))]
    spans = []
    for anchor in _ANCHORS:
        i = low.find(anchor)
        while i != -1:
            spans.append((max(0, i - margin), i + len(anchor) + margin))
            i = low.find(anchor, i + 1)
    return merge_spans(spans)


def _find_in(low: str) -> list[Hit]:
    flat = words(low)
    digit_runs = set(_DIGITS_RE.findall(_DIGIT_SEPARATORS.sub("", low)))
    found = []
    for c in _ALL:
        if _present(c.exact, low):
            found.append(Hit(c, "as written"))
        elif c.has_letters and _present(c.words, flat):  # numbers: by their digits below
            found.append(Hit(c, "words"))
        elif digit_runs.intersection(c.digits):
            found.append(Hit(c, "digits"))
    return found


def _present(needle: str, text: str) -> bool:
    """``needle`` in ``text``, a number only as a whole number: ``078051120`` is not in
    ``0.0780511201``."""
    if needle not in text:
        return False
    if not (needle[0].isdigit() or needle[-1].isdigit()):
        return True
    before = r"(?<!\d)" if needle[0].isdigit() else ""
    after = r"(?!\d)" if needle[-1].isdigit() else ""
    return re.search(before + re.escape(needle) + after, text) is not None


def _explained_left_out(found: list[Hit]) -> list[Hit]:
    """One line per leak: a canary found as written is always shown; one found only by its words
    or digits, or a part, is left out when a stronger hit explains it (``078 05 1120`` as written
    explains ``078-05-1120`` by its words and by its digits; the e-mail address explains the
    name inside it; a whole canary explains its parts)."""
    out: list[Hit] = []
    seen: set[tuple[str, str]] = set()
    for h in found:
        form = {"as written": h.canary.exact, "words": h.canary.words}
        same = (h.how, form.get(h.how) or ",".join(h.canary.digits))
        if same in seen:  # "41 Juniper Hollow Road" and its lower case
            continue
        seen.add(same)
        if h.how != "as written" or h.canary.fragment:
            if any(_stronger(o, h) and covers(o.canary, h.canary) for o in found if o is not h):
                continue
        out.append(h)
    return out


_STRENGTH = {"as written": 0, "words": 1, "digits": 2}


def _stronger(a: Hit, b: Hit) -> bool:
    """A whole canary before a part, then as written before words before digits, then longer."""
    key_a, key_b = (a.canary.fragment, _STRENGTH[a.how]), (b.canary.fragment, _STRENGTH[b.how])
    return key_a < key_b or (key_a == key_b and len(a.canary.words) > len(b.canary.words))


def covers(a: Canary, b: Canary) -> bool:
    """Finding ``a`` explains ``b``: ``b`` is ``a`` with other punctuation, or part of it."""
    return (b.words in a.words) or bool(b.digits and set(b.digits) & set(a.digits))


# --------------------------------------------------------------------------------------------
# Planting
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Native:
    """How one jurisdiction writes one data set: its layout (ingestion/layouts/<id>.yml), or the
    canonical form when it has none."""

    fmt: str  # csv | xlsx | json | jsonl
    suffix: str
    encoding: str = "utf-8"
    delimiter: str = ","
    sheet: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # file header -> canonical name
    ignore: tuple[str, ...] = ()

    def canonical(self, header: str) -> str:
        return self.columns.get(header, header)


def native(jurisdiction: str, data_set: str, fmt: str = "csv") -> Native:
    path = LAYOUTS / f"{jurisdiction}.yml"
    spec = (yaml.safe_load(path.read_text()) if path.exists() else {}).get(data_set)
    if not spec:
        return Native(fmt, {"jsonl": ".jsonl"}.get(fmt, f".{fmt}"))
    return Native(
        fmt=spec.get("format", "csv"),
        suffix="",  # the demo file's own (.tsv, .jsonl): see plant()
        encoding=spec.get("encoding", "utf-8"),
        delimiter={"tab": "\t"}.get(spec.get("delimiter", ","), spec.get("delimiter", ",")),
        sheet=spec.get("sheet"),
        columns=dict(spec.get("columns") or {}),
        ignore=tuple(spec.get("ignore") or ()),
    )


def read_rows(path: Path, how: Native) -> tuple[list[str], list[dict]]:
    """A demo file's header and rows, values as the file holds them."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True)
        ws = wb[how.sheet] if how.sheet else wb.worksheets[0]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
        return [str(h) for h in rows[0]], [dict(zip(rows[0], r)) for r in rows[1:]]
    if suffix == ".json":
        records = json.loads(path.read_text(encoding="utf-8"))
        return list(records[0]), records
    if suffix in (".jsonl", ".ndjson"):
        records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        return list(records[0]), records
    with path.open(encoding=how.encoding, newline="") as fh:
        reader = csv.DictReader(fh, delimiter=how.delimiter)
        return list(reader.fieldnames or []), list(reader)


def write_rows(
    path: Path,
    how: Native,
    header: list[str],
    rows: list[dict],
    *,
    with_header: bool = True,
    sheet_title: str | None = None,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if how.fmt == "xlsx":
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        if how.sheet:  # the layout names the sheet: a cover sheet first, as the members send
            ws.title = "Export Info"
            ws.append(["SYNTHETIC canary export"])
            ws = wb.create_sheet(how.sheet)
        elif sheet_title:
            ws.title = sheet_title
        if with_header:
            ws.append(header)
        for r in rows:
            ws.append([r.get(h) for h in header])
        wb.save(path)
    elif how.fmt in ("json", "jsonl"):
        records = [{h: _json_value(r.get(h)) for h in header} for r in rows]
        if path.suffix == ".jsonl":
            path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        else:
            path.write_text(json.dumps(records, indent=1), encoding="utf-8")
    else:
        with path.open("w", encoding=how.encoding, newline="") as fh:
            w = csv.writer(fh, delimiter=how.delimiter)
            if with_header:
                w.writerow(header)
            w.writerows([["" if r.get(h) is None else r.get(h) for h in header] for r in rows])


def _json_value(v):
    return v if v is None or isinstance(v, (int, float, str, bool)) else str(v)


@dataclass(frozen=True)
class Plant:
    """One file to write: ``jurisdiction/data_set/name``, in ``fmt`` (the layout's, if any)."""

    jurisdiction: str
    data_set: str
    fmt: str = "csv"
    kind: str = "fields"  # fields | extra_columns | headerless | clean
    name: str | None = None  # default <data set>_canary_<kind>[_partN].<suffix>
    sheet_title: str | None = None


# Canonical members (no layout) in each format, and members with their own layouts.
PLANTS: tuple[Plant, ...] = (
    *(Plant("CT", d) for d in ("reviews", "improvement_opportunities", "tasc_responses")),
    *(Plant("CT", d) for d in ("workforce", "outcomes")),
    Plant("GA", "review_summary"),
    *(Plant("KS", d, "xlsx") for d in ("reviews", "improvement_opportunities", "tasc_responses")),
    *(Plant("KS", d, "xlsx") for d in ("workforce", "outcomes")),
    Plant("MI", "review_summary", "xlsx"),
    *(Plant("MD", d, "json") for d in ("reviews", "improvement_opportunities", "tasc_responses")),
    *(Plant("MD", d, "json") for d in ("workforce", "outcomes")),
    Plant("MO", "review_summary", "json"),
    Plant("CO", "reviews"),  # tab-separated, US dates, Y/N
    Plant("OH-FRANKLIN", "reviews"),  # Windows-1252, semicolons, own headers, race flags
    Plant("OH-FRANKLIN", "improvement_opportunities"),
    Plant("OH-HAMILTON", "tasc_responses"),  # workbook with a cover sheet, own headers
    Plant("TN", "workforce"),  # JSON lines, camelCase keys
    Plant("PA-ALLEGHENY", "outcomes"),  # JSON array, portal titles
    # A header cell that is a name and a column named for an identifier, both holding canaries.
    Plant("CT", "reviews", kind="extra_columns"),
    Plant("KS", "tasc_responses", "xlsx", kind="extra_columns", sheet_title="Okafor, Marisol"),
    Plant("MD", "outcomes", "json", kind="extra_columns"),
    Plant("GA", "review_summary", kind="extra_columns"),
    # No header row: the first row (canaries) is read as the header.
    Plant("CT", "workforce", kind="headerless"),
    Plant("KS", "improvement_opportunities", "xlsx", kind="headerless"),
    # Canaries in file names; the rows are clean.
    Plant("CT", "reviews", kind="clean", name="review Marisol Okafor DOB 07-23-2016.csv"),
    Plant("KS", "tasc_responses", "xlsx", kind="clean", name="078-05-1120 tasc.xlsx"),
    Plant("MD", "outcomes", "json", kind="clean", name="outcomes marisol.okafor@example.org.json"),
    Plant("GA", "review_summary", kind="clean", name="Case No. 2023-7741203 summary.csv"),
    Plant("CT", "workforce", kind="clean", name="41 Juniper Hollow Road.csv"),
)
# Files out of place whose names hold canaries: rejected by their place, named in the ledger.
MISPLACED = (
    "CT/Okafor, Marisol notes.csv",  # not in a data set folder
    "CT/JAQUELYN WORTHINGTON/reviews.csv",  # unknown data set folder
    "CT/reviews/(555) 010-4477.pdf",  # unsupported type
)
EXTRA_COLUMNS = {"Marisol Okafor": "name", "child_ssn": "ssn"}
# The record id of each record-level data set (the last part of its key): planted rows get new
# ones, so they add records rather than replace the demo's.
RECORD_IDS = {d.name: d.key[-1] for d in DATA_SETS.values() if d.sharing_level == "record"}


@dataclass(frozen=True)
class Planted:
    path: Path
    jurisdiction: str
    data_set: str


def canary(kind: str, i: int) -> str:
    forms = FORMS[kind]
    return forms[i % len(forms)]


def _value(column: str, text: str) -> str:
    """A canary as a field holds it: the whole value, or in a sentence for the narrative."""
    if column == "narrative":
        return f"The worker met the family; contact {text} before the next visit."
    return text


def _ignored_kind(header: str) -> str:
    return "case_number" if "case" in header.lower() else "name"


def plant(landing: Path) -> list[Planted]:
    """Write every file of :data:`PLANTS` and :data:`MISPLACED` into ``landing`` (a copy of the
    demo landing zone); returns the placeable files written."""
    out: list[Planted] = []
    ids = iter(range(1, 10**6))
    for n, p in enumerate(PLANTS):
        out += _plant_one(landing, p, n, ids)
    for rel in MISPLACED:
        path = landing / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("review_id\nRV-999999\n")
    return out


def _template(landing: Path, p: Plant) -> tuple[Native, list[str], list[dict]]:
    """How the member writes the data set, and the header and rows of its demo files."""
    how = native(p.jurisdiction, p.data_set, p.fmt)
    demo = sorted((landing / p.jurisdiction / p.data_set).iterdir())
    if not how.suffix:  # a layout: the format and suffix of the member's own files
        how = Native(**{**how.__dict__, "suffix": demo[0].suffix})
    header, rows = [], []
    for f in demo:
        h, more = read_rows(f, how)
        header, rows = header or h, rows + more
    return how, header, rows


def _overrides(p: Plant, how: Native, header: list[str], offset: int) -> list[dict[str, str]]:
    """Per row, the field that holds a canary: every column gets every kind once (in a rotating
    form), then as many clean rows as there are columns."""
    out: list[dict[str, str]] = []
    if p.kind == "fields":
        for k, kind in enumerate(KINDS):
            for c, column in enumerate(header):
                text = canary(kind, c + offset + k)
                out.append({column: _value(how.canonical(column), text)})
    return out + [{} for _ in header]


def _plant_one(landing: Path, p: Plant, offset: int, ids: Iterator[int]) -> list[Planted]:
    how, header, template = _template(landing, p)
    key = next((h for h in header if how.canonical(h) == RECORD_IDS.get(p.data_set)), None)
    extra = list(how.ignore) + (list(EXTRA_COLUMNS) if p.kind == "extra_columns" else [])
    columns = header + [h for h in extra if h not in header]
    overrides = _overrides(p, how, header, offset)

    def row(i: int, j: int) -> dict:
        """Row ``i``: template row ``j`` (with a new record id), its extra columns holding
        canaries, and its override."""
        base = dict(template[j % len(template)])
        if key is not None:
            base[key] = f"CN-{next(ids):07d}"
        for c, h in enumerate(extra):
            base[h] = canary(EXTRA_COLUMNS.get(h) or _ignored_kind(h), i + c)
        return {**base, **overrides[i]}

    # Aggregate data sets have one row per key: a file holds at most one row per template key,
    # so the canary rows go into as many files as needed.
    size = len(overrides) if key is not None else len(template)
    chunks = [range(s, min(s + size, len(overrides))) for s in range(0, len(overrides), size)]
    written = []
    for part, chunk in enumerate(chunks, start=1):
        rows = [row(i, j) for j, i in enumerate(chunk)]
        if p.kind == "headerless":  # the first row, read as the header, is all canaries
            rows.insert(
                0, {h: canary(KINDS[c % len(KINDS)], c + offset) for c, h in enumerate(columns)}
            )
        suffix = f"_part{part}" if len(chunks) > 1 else ""
        path = (
            landing
            / p.jurisdiction
            / p.data_set
            / (p.name or f"{p.data_set}_canary_{p.kind}{suffix}{how.suffix}")
        )
        write_rows(
            path, how, columns, rows, with_header=p.kind != "headerless", sheet_title=p.sheet_title
        )
        written.append(Planted(path, p.jurisdiction, p.data_set))
    return written
