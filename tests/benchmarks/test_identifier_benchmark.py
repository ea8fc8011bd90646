"""The identifier detector's benchmark (benchmarks/identifier_benchmark.py) and its labelled set
(benchmarks/identifier_corpus/): every file parses, every label is a real span of its sentence,
the generated files are what the seeded generator writes, every identifier is synthetic, and the
scoring counts what it says on a small slice. Not the detector's figures: the benchmark prints
those."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest

from npcs.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))

import identifier_benchmark as bench  # noqa: E402
from identifier_corpus import generate as corpus_gen  # noqa: E402

from ingestion import identifiers  # noqa: E402

CORPUS = REPO_ROOT / "benchmarks" / "identifier_corpus"


@pytest.fixture(scope="module")
def labelled():
    return (
        bench.read_values(CORPUS / "values.tsv", identifiers.KINDS)
        + bench.read_values(corpus_gen.VALUES_FILE, identifiers.KINDS),
        bench.read_sentences(CORPUS / "sentences.txt")
        + bench.read_sentences(corpus_gen.SENTENCES_FILE),
    )


def _remark(s: bench.Sentence) -> str:
    out, pos = [], 0
    for span in s.spans:
        out += [s.text[pos : span.start], f"[[{span.kind}:{s.text[span.start : span.end]}]]"]
        pos = span.end
    return "".join(out) + s.text[pos:]


def test_every_label_is_a_real_span_of_its_sentence(labelled):
    _, sentences = labelled
    assert len(sentences) > 3000
    lines = {}
    for path in (CORPUS / "sentences.txt", corpus_gen.SENTENCES_FILE):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            lines[f"{path.name}:{n}"] = line
    for s in sentences:
        assert s.spans, s.source
        assert _remark(s) == lines[s.source], s.source  # the spans give back the marked line
        for a, b in zip(s.spans, s.spans[1:]):
            assert a.end <= b.start, s.source
        for span in s.spans:
            text = s.text[span.start : span.end]
            assert span.kind in identifiers.KINDS and text == text.strip() and text, s.source
    kinds = {span.kind for s in sentences for span in s.spans}
    assert kinds == set(identifiers.KINDS)


def test_malformed_labels_are_refused(tmp_path):
    for bad in ("an [[nme:Okafor]] typo", "[[name:Okafor] unclosed", "[[name:]] empty"):
        with pytest.raises(ValueError):
            bench.parse_marked(bad, "x")
    (tmp_path / "v.tsv").write_text("ssn 123-45-6789\n")  # a space, not a tab
    with pytest.raises(ValueError, match="kind<TAB>value"):
        bench.read_values(tmp_path / "v.tsv", identifiers.KINDS)
    (tmp_path / "s.txt").write_text("A sentence with no mark at all.\n")
    with pytest.raises(ValueError, match="without a mark"):
        bench.read_sentences(tmp_path / "s.txt")


def test_the_generated_files_are_what_the_seeded_generator_writes(tmp_path):
    for written in corpus_gen.write(tmp_path):
        committed = corpus_gen.HERE / written.name
        assert written.read_bytes() == committed.read_bytes(), (
            f"{committed.name} is stale: run benchmarks/identifier_corpus/generate.py"
        )
    assert corpus_gen.record_ids(500, ("CT", "OH-FRANKLIN")) == corpus_gen.record_ids(
        500, ("CT", "OH-FRANKLIN")
    )


def _synthetic(kind: str, text: str) -> bool:
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", text))
    if kind == "ssn":
        return digits[:3] == "000" or digits[0] == "9" or digits[:8] in ("12345678", "98765432")
    if kind == "phone":
        return "55501" in digits
    if kind == "email":
        return re.search(r"(?i)example\s*(\.|\[dot\]|\(dot\)|\{dot\}|dot)\s*(org|com|net)", text)
    return True


def test_every_identifier_in_the_labelled_set_is_synthetic(labelled):
    values, sentences = labelled
    planted = [(v.kind, v.value) for v in values] + [
        (sp.kind, s.text[sp.start : sp.end]) for s in sentences for sp in s.spans
    ]
    real = [p for p in planted if not _synthetic(*p)]
    assert not real


def test_legitimate_values_hold_no_identifier_shape_by_design(labelled):
    values, _ = labelled
    legit = bench.read_values(CORPUS / "legitimate.tsv") + bench.project_legitimate(2000)
    record_ids = [v.value for v in legit if bench.group(v.kind) == "record_id"]
    assert len(record_ids) == len(set(record_ids)) >= 2000
    # nine bare digits are an SSN, ten a phone number, YYYYMMDD a date: by design, not ids
    assert not [v for v in record_ids if re.fullmatch(r"\d{9,11}|(19|20)\d{6}", v)]
    assert not {v.value for v in values} & {v.value for v in legit}
    classes = {bench.group(v.kind) for v in legit}
    assert {"code", "jurisdiction_id", "header_core", "header_layout", "record_id"} <= classes
    assert {v.value for v in legit if v.kind == "code"} >= {"suid_sleep", "lt_1y", "caseworker"}


class _F:
    def __init__(self, kind, start, end):
        self.kind, self.start, self.end = kind, start, end


def test_a_span_counts_only_when_covered():
    s = bench.parse_marked("Ms. [[name:Jane Doe]] and [[case_number:CW-2023-004512]] here.")
    name, case = s.spans
    half = [_F("name", name.start, name.start + 4)]
    assert not bench.covered(s.text, name, half)
    assert bench.covered(s.text, name, [*half, _F("date", name.start + 4, name.end)])
    assert not bench.covered(s.text, name, [_F("date", name.start, name.end)], "name")
    # digits are what identifies a case number: "CW-" left visible is still found
    assert bench.covered(s.text, case, [_F("phone", case.start + 3, case.end)])
    assert not bench.covered(s.text, case, [_F("phone", case.start, case.end - 1)])


def test_scoring_on_a_tiny_slice(labelled):
    values, sentences = labelled
    by_kind = {}
    for v in values:
        by_kind.setdefault(v.kind, []).append(v)
    few_values = [v for vs in by_kind.values() for v in vs[:5]]
    few_sentences = sentences[:10] + sentences[-10:]
    legit = bench.read_values(CORPUS / "legitimate.tsv")[:30] + [
        bench.Value("record_id/review_id", "RV-000123", "t")
    ]

    recall, predicted = bench.score_values(few_values)
    assert sum(t.total for t in recall.values()) == len(few_values)
    assert all(0 <= t.hit <= t.total and t.kind_right <= t.hit for t in recall.values())
    assert sum(p.true for p in predicted.values()) == sum(t.hit for t in recall.values())

    text = bench.score_sentences(few_sentences)
    assert sum(t.total for t in text.recall.values()) == sum(len(s.spans) for s in few_sentences)
    assert sum(t.total for t in text.by_form.values()) == text.recall["name"].total

    scores = bench.score_legitimate(legit)
    assert scores.total == len(legit) and 0 <= scores.flagged <= len(legit)
    result = bench.targets(recall, text, scores)
    assert {t.name for t in result} >= {"names in free text, recall", "ssn recall, in text"}

    # a fake detector that finds nothing: recall 0, nothing flagged, every target on recall missed
    recall0, _ = bench.score_values(few_values, lambda v: None)
    text0 = bench.score_sentences(few_sentences, lambda t: [])
    legit0 = bench.score_legitimate(legit, dict.fromkeys(bench.CHECKS, lambda v: None))
    assert all(t.hit == 0 for t in recall0.values()) and legit0.flagged == 0
    missed = {t.name for t in bench.targets(recall0, text0, legit0) if not t.met}
    assert "names in free text, recall" in missed and "ssn recall, whole values" in missed
    assert not any(n.startswith("false rejections") for n in missed)


def test_check_exits_1_only_when_a_target_is_missed(monkeypatch):
    monkeypatch.setattr(bench, "load_corpus", lambda n: None)
    missed = [bench.Target("x", 0.5, 0.9, True), bench.Target("y", 0.0, 0.001, False)]
    monkeypatch.setattr(bench, "report", lambda corpus, n, timing: missed)
    assert bench.main(["--check"]) == 1
    assert bench.main([]) == 0
    met = [bench.Target("x", 0.95, 0.9, True), bench.Target("y", 0.0, 0.001, False)]
    monkeypatch.setattr(bench, "report", lambda corpus, n, timing: met)
    assert bench.main(["--check"]) == 0
