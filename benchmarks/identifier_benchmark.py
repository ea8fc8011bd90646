"""Precision, recall and cost of the identifier detector (``ingestion/identifiers.py``).

    uv run --frozen python benchmarks/identifier_benchmark.py            # prints the figures
    uv run --frozen python benchmarks/identifier_benchmark.py --check    # exit 1 on a missed target

Reads the labelled set in ``benchmarks/identifier_corpus/`` (hand-written files and the seeded
generator's committed output; the 100,000 legitimate record ids are generated at run time) and
the legitimate values the project itself defines (every code of every code list, the
jurisdiction registry, the core data set's and the layouts' headers and spellings), then prints:

- **structured identifiers** (SSN, phone, e-mail, date, case number): recall of
  :func:`value_kind` on whole values and of :func:`find` on the same kinds planted in sentences
  (target ≥ 0.99 each);
- **names in free text**: recall of :func:`find` (target ≥ 0.9), by written form and by case;
  addresses likewise (information, no target);
- **precision** of whole-value and free-text findings (where negatives exist);
- **false rejections** of legitimate values: each class through the function the loader asks
  for it (``value_kind`` for cells and headers, ``opaque_id_problem`` for record and
  jurisdiction ids, ``file_name_kind`` for file names); target ≤ 0.1% overall and per class;
- **over-redaction**: the share of legitimate narrative sentences in which ``find`` flags
  anything (information);
- **throughput**: values/s of ``value_kind`` and ``opaque_id_problem`` on the legitimate ids
  (caches cleared, every id distinct), sentences/s of ``redact``;
- PASS/MISS per target, and the first ``--misses`` misses of each class.

A planted span counts as found when every letter and digit of it (every digit, for SSNs, phone
and case numbers: ``CW-`` left of ``CW-2023-004512`` shows nothing) lies inside some finding
of any kind: it is redacted; "kind right" is the share covered by findings of its own kind.
The ingestion cost target (1M-row survey file ≤ 10% slower than before) is measured by
``ingestion_benchmark.py --reference-commit``. Not a test: exit code 0 unless ``--check``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS_DIR = HERE / "identifier_corpus"
for _p in (str(REPO), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from identifier_corpus import generate as corpus_gen  # noqa: E402

from ingestion import identifiers as ids  # noqa: E402

STRUCTURED = ("ssn", "phone", "email", "date", "case_number")
STRUCTURED_RECALL = 0.99
NAME_RECALL = 0.90
FALSE_REJECTION_RATE = 0.001
MARK_RE = re.compile(r"\[\[(?P<kind>[^:\]]*):(?P<text>.*?)\]\]")


# --------------------------------------------------------------------------------------------
# The labelled set
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    kind: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    text: str
    spans: tuple[Span, ...]
    source: str  # file:line

    @property
    def style(self) -> str:
        letters = [c for c in self.text if c.isalpha()]
        if all(c.isupper() for c in letters):
            return "CAPITALS"
        if all(c.islower() for c in letters):
            return "lower case"
        return "Title case"


@dataclass(frozen=True)
class Value:
    kind: str  # an identifier kind, or for a legitimate value its class
    value: str
    source: str


@dataclass
class Corpus:
    values: list[Value]  # whole identifier values
    sentences: list[Sentence]  # with planted identifiers
    legitimate: list[Value]  # legitimate values, kind = class
    legitimate_sentences: list[Sentence]  # no identifier in them


def parse_marked(line: str, source: str = "") -> Sentence:
    """A line with ``[[kind:text]]`` marks → the plain sentence and its labelled spans."""
    spans, out, pos, at = [], [], 0, 0
    for m in MARK_RE.finditer(line):
        kind, text = m.group("kind"), m.group("text")
        if kind not in ids.KINDS:
            raise ValueError(f"{source}: unknown kind {kind!r}")
        if not text.strip() or "[[" in text:
            raise ValueError(f"{source}: empty or nested mark {m.group(0)!r}")
        out.append(line[pos : m.start()])
        at += m.start() - pos
        spans.append(Span(kind, at, at + len(text)))
        out.append(text)
        at += len(text)
        pos = m.end()
    out.append(line[pos:])
    text = "".join(out)
    if "[[" in text or "]]" in text:
        raise ValueError(f"{source}: unbalanced mark in {line!r}")
    return Sentence(text, tuple(spans), source)


def _lines(path: Path) -> Iterable[tuple[str, str]]:
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            line = line.rstrip("\n")
            if line.strip() and not line.startswith("#"):
                yield f"{path.name}:{n}", line


def read_sentences(path: Path, *, labelled: bool = True) -> list[Sentence]:
    out = []
    for source, line in _lines(path):
        s = parse_marked(line, source)
        if labelled and not s.spans:
            raise ValueError(f"{source}: a labelled sentence without a mark")
        if not labelled and s.spans:
            raise ValueError(f"{source}: a legitimate sentence with a mark")
        out.append(s)
    return out


def read_values(path: Path, kinds: Iterable[str] | None = None) -> list[Value]:
    """``kind<TAB>value`` lines (the value is kept exactly, spaces included)."""
    allowed = set(kinds) if kinds is not None else None
    out = []
    for source, line in _lines(path):
        kind, sep, value = line.partition("\t")
        if not sep or not value.strip():
            raise ValueError(f"{source}: expected kind<TAB>value, got {line!r}")
        if allowed is not None and kind not in allowed:
            raise ValueError(f"{source}: unknown kind {kind!r}")
        out.append(Value(kind, value, source))
    return out


# Which function a legitimate value goes through: the loader asks value_kind of cells and
# headers, opaque_id_problem of record ids, file_name_kind of file names.
CHECK_OF_CLASS = {
    "record_id": "opaque_id_problem",
    "jurisdiction_id": "opaque_id_problem",
    "file_name": "file_name_kind",
}


def check_of(cls: str) -> str:
    return CHECK_OF_CLASS.get(cls.split("/")[0], "value_kind")


def project_legitimate(n_ids: int = 100_000) -> list[Value]:
    """The legitimate values the project defines, read where they are defined, plus ``n_ids``
    generated record ids of the demo generator's and other opaque shapes."""
    from ingestion.core_data_set import DATA_SETS, LINEAGE_COLUMNS
    from ingestion.layouts import LAYOUTS_DIR, _read_yaml
    from ingestion.reference import SEEDS_DIR, _read, code_list_names, jurisdictions

    out: list[Value] = []
    for name in code_list_names():
        for row in _read(SEEDS_DIR / "code_lists" / f"{name}.csv"):
            out.append(Value("code", row["code"], f"code_lists/{name}.csv"))
            out.append(Value("code_label", row["label"], f"code_lists/{name}.csv"))
    for j in jurisdictions().values():
        out.append(Value("jurisdiction_id", j.jurisdiction_id, "jurisdictions.csv"))
        out.append(Value("jurisdiction_name", j.jurisdiction_name, "jurisdictions.csv"))
    for year in range(2018, 2031):
        out += [Value("survey_wave", f"{year}-{w}", "generated") for w in (1, 2)]
        out += [Value("period", f"{year}-Q{q}", "generated") for q in range(1, 5)]
    out += [Value("fiscal_year", str(y), "generated") for y in range(2000, 2031)]
    out += [Value("org_unit", f"U{i:02d}", "generated") for i in range(1, 100)]
    out += [Value("org_unit", f"U{i:03d}", "generated") for i in range(1, 151)]
    for ds in DATA_SETS.values():
        out += [Value("header_core", c.name, f"core_data_set:{ds.name}") for c in ds.columns]
        for fy in range(2018, 2027):
            for suffix in (".csv", ".tsv", ".xlsx", ".json", ".jsonl"):
                stem = f"{ds.name}_FY{fy}"
                out.append(Value("file_name", stem + suffix, "demo file names"))
            out.append(Value("file_name", f"{ds.name}_FY{fy}_corrected.csv", "demo file names"))
    out += [Value("header_core", name, "core_data_set:lineage") for name, _ in LINEAGE_COLUMNS]
    for path in sorted(LAYOUTS_DIR.glob("*.yml")) + sorted(LAYOUTS_DIR.glob("examples/*.yml")):
        where = str(path.relative_to(LAYOUTS_DIR.parent))
        for section in _read_yaml(path).values():
            headers = list((section.get("columns") or {}).keys())
            headers += list(section.get("ignore") or [])
            for conversion in (section.get("conversions") or {}).values():
                for flags in conversion.values() if isinstance(conversion, dict) else ():
                    if isinstance(flags, dict):
                        headers += [h for k, h in flags.items() if k not in ("true", "false")]
            out += [Value("header_layout", h, where) for h in headers]
            spellings = [k for table in (section.get("codes") or {}).values() for k in table]
            booleans = section.get("booleans") or {}
            spellings += [s for v in booleans.values() for s in v]
            out += [Value("layout_spelling", s, where) for s in spellings]
    ids_ = tuple(jurisdictions())
    out += [
        Value(f"record_id/{shape}", v, "generated")
        for shape, v in corpus_gen.record_ids(n_ids, ids_)
    ]
    # Each value once per class (code lists share codes: race_ethnicity and its groups).
    seen, unique = set(), []
    for v in out:
        if (v.kind, v.value) not in seen:
            seen.add((v.kind, v.value))
            unique.append(v)
    return unique


def legitimate_narratives() -> list[Sentence]:
    from npcs.demo_data.profiles import NARRATIVES

    out = [
        Sentence(s, (), f"profiles.NARRATIVES[{theme}]")
        for theme, sentences in NARRATIVES.items()
        for s in sentences
    ]
    return out + read_sentences(CORPUS_DIR / "legitimate_sentences.txt", labelled=False)


def load_corpus(n_ids: int = 100_000) -> Corpus:
    kinds = tuple(ids.KINDS)
    return Corpus(
        values=read_values(CORPUS_DIR / "values.tsv", kinds)
        + read_values(corpus_gen.VALUES_FILE, kinds),
        sentences=read_sentences(CORPUS_DIR / "sentences.txt")
        + read_sentences(corpus_gen.SENTENCES_FILE),
        legitimate=read_values(CORPUS_DIR / "legitimate.tsv") + project_legitimate(n_ids),
        legitimate_sentences=legitimate_narratives(),
    )


# --------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------
# Kinds whose identifying part is their digits: "CW-2023-004512" with only its digits redacted
# shows nothing of the number. Every other kind must be covered letter by letter.
DIGITS_ONLY = frozenset({"ssn", "phone", "case_number"})


def covered(text: str, span: Span, findings: Iterable, kind: str | None = None) -> bool:
    """Every letter and digit of ``span`` (every digit, for :data:`DIGITS_ONLY` kinds) lies
    inside a finding (of ``kind``, when given)."""
    inside = [False] * (span.end - span.start)
    for f in findings:
        if kind is not None and f.kind != kind:
            continue
        for i in range(max(f.start, span.start), min(f.end, span.end)):
            inside[i - span.start] = True
    must = str.isdigit if span.kind in DIGITS_ONLY else str.isalnum
    return all(ok for ok, c in zip(inside, text[span.start : span.end]) if must(c))


_TITLES = {"mr", "mrs", "ms", "miss", "mx", "dr", "det", "officer", "judge", "attorney", "sgt"}
_ROLES = set(
    """mother father mom dad grandmother grandfather grandma grandpa aunt uncle brother sister
    son daughter boyfriend girlfriend partner caseworker worker supervisor neighbor infant toddler
    youth child sibling provider manager babysitter parent pediatrician interviewer""".split()
)


def name_form(s: Sentence, span: Span) -> str:
    """How a planted name is written: ``Last, First``, after a title, after a kinship or role
    word, a single name, or a full name."""
    text = s.text[span.start : span.end]
    before = re.findall(r"[A-Za-z]+", s.text[: span.start])
    prev = before[-1].lower() if before else ""
    if "," in text:
        return "Last, First"
    if prev in _TITLES:
        return "after a title"
    if prev in _ROLES:
        return "after a kinship or role word"
    return "single name" if len(text.split()) == 1 else "full name"


@dataclass
class Tally:
    total: int = 0
    hit: int = 0
    kind_right: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, hit: bool, kind_right: bool = False, miss: str | None = None) -> None:
        self.total += 1
        self.hit += hit
        self.kind_right += kind_right
        if not hit and miss is not None:
            self.misses.append(miss)

    @property
    def rate(self) -> float:
        return self.hit / self.total if self.total else float("nan")


@dataclass
class Precision:
    true: int = 0
    false: int = 0
    false_examples: list[str] = field(default_factory=list)

    @property
    def value(self) -> float:
        n = self.true + self.false
        return self.true / n if n else float("nan")


def score_values(
    values: Iterable[Value], value_kind: Callable[[str], str | None] = ids.value_kind
) -> tuple[dict[str, Tally], dict[str, Precision]]:
    """Recall per labelled kind, and the predicted kinds (for precision)."""
    recall: dict[str, Tally] = defaultdict(Tally)
    precision: dict[str, Precision] = defaultdict(Precision)
    for v in values:
        got = value_kind(v.value)
        recall[v.kind].add(got is not None, got == v.kind, f"{v.value!r} -> {got}  ({v.source})")
        if got is not None:
            precision[got].true += 1
    return recall, precision


def _show(s: Sentence, findings: list, span: Span | None = None) -> str:
    text = s.text
    if span is not None:
        text = f"{text[: span.start]}«{text[span.start : span.end]}»{text[span.end :]}"
    found = ", ".join(f"{f.kind}:{s.text[f.start : f.end]!r}" for f in findings) or "nothing"
    return f"{text}  [found: {found}]  ({s.source})"


@dataclass
class SentenceScores:
    recall: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_form: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    by_style: dict[tuple[str, str], Tally] = field(default_factory=lambda: defaultdict(Tally))
    precision: dict[str, Precision] = field(default_factory=lambda: defaultdict(Precision))


def score_sentences(
    sentences: Iterable[Sentence], find: Callable[[str], list] = ids.find
) -> SentenceScores:
    out = SentenceScores()
    for s in sentences:
        findings = find(s.text)
        for span in s.spans:
            hit = covered(s.text, span, findings)
            right = covered(s.text, span, findings, span.kind)
            miss = _show(s, findings, span)
            out.recall[span.kind].add(hit, right, miss)
            out.by_style[(span.kind, s.style)].add(hit, right)
            if span.kind == "name":
                out.by_form[name_form(s, span)].add(hit, right)
        for f in findings:
            if any(f.start < sp.end and sp.start < f.end for sp in s.spans):
                out.precision[f.kind].true += 1
            else:
                out.precision[f.kind].false += 1
                out.precision[f.kind].false_examples.append(
                    f"{s.text[f.start : f.end]!r} in: {s.text}  ({s.source})"
                )
    return out


@dataclass
class LegitScores:
    by_class: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    predicted: Counter = field(default_factory=Counter)  # predicted kind of flagged values

    @property
    def total(self) -> int:
        return sum(t.total for t in self.by_class.values())

    @property
    def flagged(self) -> int:
        return sum(t.total - t.hit for t in self.by_class.values())


CHECKS: dict[str, Callable[[str], str | None]] = {
    "value_kind": ids.value_kind,
    "opaque_id_problem": ids.opaque_id_problem,
    "file_name_kind": ids.file_name_kind,
}


def _predicted_kind(check: str, value: str, reason: str) -> str:
    if check != "opaque_id_problem":
        return reason
    kind = ids.value_kind(value)
    if kind is not None:
        return kind
    return "case_number" if ids.KINDS["case_number"] in reason else "not opaque"


def score_legitimate(
    values: Iterable[Value], checks: dict[str, Callable[[str], str | None]] = CHECKS
) -> LegitScores:
    """A legitimate value passes when its check returns None. ``hit`` counts passes."""
    out = LegitScores()
    for v in values:
        check = check_of(v.kind)
        reason = checks[check](v.value)
        out.by_class[v.kind].add(
            reason is None, miss=f"{v.value!r}: {check} -> {reason}  ({v.source})"
        )
        if reason is not None:
            out.predicted[_predicted_kind(check, v.value, reason)] += 1
    return out


def group(cls: str) -> str:
    """Record-id shapes are reported one by one and together as ``record_id``."""
    return cls.split("/")[0]


@dataclass
class Target:
    name: str
    value: float
    threshold: float
    at_least: bool  # value >= threshold (recall) or <= (rejections)
    detail: str = ""

    @property
    def met(self) -> bool:
        if self.value != self.value:  # nan: nothing measured
            return False
        return self.value >= self.threshold if self.at_least else self.value <= self.threshold


def targets(
    value_recall: dict[str, Tally], text: SentenceScores, legit: LegitScores
) -> list[Target]:
    out = []
    for kind in STRUCTURED:
        for where, tally in (("whole values", value_recall[kind]), ("in text", text.recall[kind])):
            out.append(
                Target(
                    f"{kind} recall, {where}",
                    tally.rate,
                    STRUCTURED_RECALL,
                    True,
                    f"{tally.hit}/{tally.total}",
                )
            )
    names = text.recall["name"]
    out.append(
        Target(
            "names in free text, recall",
            names.rate,
            NAME_RECALL,
            True,
            f"{names.hit}/{names.total}",
        )
    )
    rate = legit.flagged / legit.total if legit.total else float("nan")
    out.append(
        Target(
            "false rejections of legitimate values, overall",
            rate,
            FALSE_REJECTION_RATE,
            False,
            f"{legit.flagged}/{legit.total}",
        )
    )
    grouped: dict[str, Tally] = defaultdict(Tally)
    for cls, t in legit.by_class.items():
        g = grouped[group(cls)]
        g.total += t.total
        g.hit += t.hit
    classes = {**grouped, **legit.by_class}  # the record-id shapes one by one too
    rates = {cls: (t.total - t.hit) / t.total for cls, t in classes.items() if t.total}
    worst = max(rates, key=rates.get)
    over = sorted(c for c, r in rates.items() if r > FALSE_REJECTION_RATE)
    t = classes[worst]
    out.append(
        Target(
            "false rejections, every class (worst)",
            rates[worst],
            FALSE_REJECTION_RATE,
            False,
            f"{worst}: {t.total - t.hit}/{t.total}"
            + (f"; over the limit: {', '.join(over)}" if over else ""),
        )
    )
    return out


# --------------------------------------------------------------------------------------------
# Throughput
# --------------------------------------------------------------------------------------------
def throughput(legit: list[Value], sentences: list[Sentence]) -> dict[str, float]:
    """Rates on the legitimate record ids (each distinct, caches cleared first) and on every
    sentence of the corpus."""
    record_ids = [v.value for v in legit if group(v.kind) == "record_id"]
    out: dict[str, float] = {"ids": len(record_ids), "sentences": len(sentences)}
    ids.value_kind.cache_clear()
    start = time.perf_counter()
    for v in record_ids:
        ids.value_kind(v)
    out["value_kind_per_s"] = len(record_ids) / (time.perf_counter() - start)
    ids.value_kind.cache_clear()
    start = time.perf_counter()
    for v in record_ids:
        ids.opaque_id_problem(v)
    out["opaque_id_per_s"] = len(record_ids) / (time.perf_counter() - start)
    fast = re.compile(ids.FAST_OPAQUE_ID_SQL)
    out["fast_path_share"] = sum(bool(fast.match(v)) for v in record_ids) / max(len(record_ids), 1)
    ids._usaddress_confirms.cache_clear()
    start = time.perf_counter()
    for s in sentences:
        ids.redact(s.text)
    out["redact_per_s"] = len(sentences) / (time.perf_counter() - start)
    return out


def fast_path_disagreements(values: Iterable[Value]) -> list[str]:
    """Identifier values the loader's SQL fast path (``FAST_OPAQUE_ID_SQL``: ids of this shape
    are not sent to Python) would accept as record ids although ``opaque_id_problem`` rejects
    them."""
    fast = re.compile(ids.FAST_OPAQUE_ID_SQL)
    return [
        f"{v.kind}: {v.value!r} ({ids.opaque_id_problem(v.value)})"
        for v in values
        if fast.match(v.value.strip()) and ids.opaque_id_problem(v.value) is not None
    ]


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
def _pct(x: float) -> str:
    return "   —  " if x != x else f"{x:6.1%}" if x >= 0.01 or x == 0 else f"{x:6.3%}"


def _rate(x: float) -> str:
    return "  —  " if x != x else f"{x:.3f}"


def report(corpus: Corpus, n_misses: int = 20, timing: bool = True) -> list[Target]:
    p = print
    start = time.perf_counter()
    ids.find("Jane Doe lives at 12 Elm St, call (860) 555-0147.")  # loads lists and libraries
    p(f"first call (word lists, phonenumbers, usaddress): {time.perf_counter() - start:.2f} s")
    n_spans = sum(len(s.spans) for s in corpus.sentences)
    p(
        f"labelled set: {len(corpus.values):,} whole identifier values, "
        f"{len(corpus.sentences):,} sentences with {n_spans:,} planted identifiers, "
        f"{len(corpus.legitimate):,} legitimate values, "
        f"{len(corpus.legitimate_sentences)} legitimate narrative sentences\n"
    )
    value_recall, value_pred = score_values(corpus.values)
    text = score_sentences(corpus.sentences + corpus.legitimate_sentences)
    legit = score_legitimate(corpus.legitimate)

    p("Recall — share of identifiers flagged (any kind); 'kind right': flagged as their kind")
    p(f"  {'kind':12} {'whole values (value_kind)':>30} {'in sentences (find)':>30}")
    for kind in (*STRUCTURED, "name", "address"):
        v, t = value_recall.get(kind, Tally()), text.recall.get(kind, Tally())
        cells = []
        for tally in (v, t):
            if tally.total:
                cells.append(
                    f"{tally.hit:>5}/{tally.total:<5} {_rate(tally.rate)} "
                    f"(kind {_rate(tally.kind_right / tally.total)})"
                )
            else:
                cells.append("—")
        p(f"  {kind:12} {cells[0]:>30} {cells[1]:>30}")
    p("\nNames in free text, by form and by case")
    for form, t in sorted(text.by_form.items()):
        p(f"  {form:30} {t.hit:>5}/{t.total:<5} {_rate(t.rate)}")
    for kind in ("name", "address"):
        for (k, style), t in sorted(text.by_style.items()):
            if k == kind:
                p(f"  {kind + ', ' + style:30} {t.hit:>5}/{t.total:<5} {_rate(t.rate)}")

    p("\nPrecision — flagged values that are identifiers / all flagged")
    p("  whole values: labelled identifiers against all legitimate values")
    for kind in sorted(set(value_pred) | set(legit.predicted)):
        pr = Precision(value_pred[kind].true, legit.predicted.get(kind, 0))
        p(f"    {kind:14} {pr.true:>6} right, {pr.false:>5} wrong  {_rate(pr.value)}")
    p("  free text: findings overlapping a planted identifier / all findings")
    for kind, pr in sorted(text.precision.items()):
        p(f"    {kind:14} {pr.true:>6} right, {pr.false:>5} wrong  {_rate(pr.value)}")

    p("\nFalse rejections of legitimate values (flagged / all), by class and check")
    grouped: dict[str, Tally] = defaultdict(Tally)
    for cls, t in sorted(legit.by_class.items()):
        g = grouped[group(cls)]
        g.total, g.hit = g.total + t.total, g.hit + t.hit
        if "/" in cls:
            p(f"    {cls:34} {t.total - t.hit:>5}/{t.total:<7} {_pct((t.total - t.hit) / t.total)}")
    for cls, t in sorted(grouped.items()):
        p(
            f"  {cls:20} {check_of(cls):>17} {t.total - t.hit:>5}/{t.total:<7} "
            f"{_pct((t.total - t.hit) / t.total)}"
        )
    p(f"  {'overall':38} {legit.flagged:>5}/{legit.total:<7} {_pct(legit.flagged / legit.total)}")
    if legit.predicted:
        p(f"  flagged as: {dict(legit.predicted.most_common())}")

    legit_text = score_sentences(corpus.legitimate_sentences)
    over = [s for s in corpus.legitimate_sentences if ids.find(s.text)]
    p(
        f"\nOver-redaction (information): {len(over)}/{len(corpus.legitimate_sentences)} "
        f"legitimate narrative sentences have a finding "
        f"({_pct(len(over) / len(corpus.legitimate_sentences)).strip()}); findings by kind: "
        f"{ {k: v.false for k, v in sorted(legit_text.precision.items())} }"
    )
    disagree = fast_path_disagreements(corpus.values)
    p(
        f"SQL fast path (FAST_OPAQUE_ID_SQL) would pass {len(disagree)} of the "
        f"{len(corpus.values)} identifier values as record ids unchecked"
        + (f", e.g. {'; '.join(disagree[:6])}" if disagree else "")
    )

    if timing:
        t = throughput(corpus.legitimate, corpus.sentences + corpus.legitimate_sentences)
        p(
            f"\nThroughput: value_kind {t['value_kind_per_s']:,.0f} values/s, "
            f"opaque_id_problem {t['opaque_id_per_s']:,.0f} ids/s "
            f"({t['ids']:,} distinct legitimate record ids, caches cleared; "
            f"{t['fast_path_share']:.1%} of them match the SQL fast path and never reach Python); "
            f"redact {t['redact_per_s']:,.0f} sentences/s ({t['sentences']:,} sentences)"
        )

    result = targets(value_recall, text, legit)
    p("\nTargets")
    for tg in result:
        op = "≥" if tg.at_least else "≤"
        shown = f"{tg.value:.4f}" if tg.at_least else _pct(tg.value).strip()
        limit = f"{tg.threshold}" if tg.at_least else f"{tg.threshold:.1%}"
        p(f"  {'PASS' if tg.met else 'MISS'}  {tg.name:48} {shown:>8} {op} {limit}  ({tg.detail})")
    p("  (ingestion cost, ≤ 10% slower: benchmarks/ingestion_benchmark.py --reference-commit)")

    if n_misses:
        p(f"\nMisses (first {n_misses} of each class)")
        for kind in (*STRUCTURED, "name", "address"):
            for where, tally in (
                ("whole value", value_recall.get(kind)),
                ("in text", text.recall.get(kind)),
            ):
                if tally and tally.misses:
                    p(f"  -- {kind}, {where}: {len(tally.misses)} missed")
                    for m in tally.misses[:n_misses]:
                        p(f"     {m}")
        for cls, t in sorted(legit.by_class.items()):
            if t.misses:
                p(f"  -- legitimate {cls}: {len(t.misses)} flagged")
                for m in t.misses[:n_misses]:
                    p(f"     {m}")
        for kind, pr in sorted(text.precision.items()):
            if pr.false_examples:
                p(f"  -- free-text {kind} findings on no planted identifier: {pr.false}")
                for m in pr.false_examples[:n_misses]:
                    p(f"     {m}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=100_000, help="generated record ids")
    parser.add_argument("--misses", type=int, default=20, help="misses shown per class")
    parser.add_argument("--no-timing", action="store_true", help="skip the throughput figures")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    corpus = load_corpus(args.ids)
    result = report(corpus, args.misses, timing=not args.no_timing)
    return 1 if args.check and not all(t.met for t in result) else 0


if __name__ == "__main__":
    sys.exit(main())
