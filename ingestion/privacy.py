"""The privacy firewall: which submitted columns carry personal identifiers, and how to redact.

The core data set allows no personal identifiers (no names, dates of birth, addresses, social
security or case numbers — ``shared/docs/core-data-set.md``). Jurisdictions sometimes send them
anyway, so before anything from a file is written anywhere (raw tables, quarantine, ledger, logs,
metadata) the loader asks this module:

- :func:`identifier_columns` — which columns to drop, judged by the header and by a sample of the
  values. Each :class:`DroppedColumn` carries a reason that never quotes a sampled value.
- :func:`redact` — best-effort pattern redaction of the restricted IO ``narrative``.
- :func:`mask` — what may be shown of a quarantined cell's offending value.
- :func:`contains_identifier` — the kind of identifier :func:`redact` would replace, if any.

Plain Python, no I/O. Everything here is pattern matching: it catches the usual forms (US phone
numbers, ``123-45-6789``, ``name@host.org``, ``12 Main St``, ``CASE-12345678``, ``Jane Doe``) and
misses what patterns cannot see (a lone first name, a nickname, an address written out in words).
It errs towards dropping and redacting too much rather than too little.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ingestion.core_data_set import DATA_SETS, LINEAGE_COLUMNS

# --------------------------------------------------------------------------------------------
# Thresholds
# --------------------------------------------------------------------------------------------
# A column is an identifier column by its values when at least this share of its non-empty
# sampled values match one identifier pattern ...
VALUE_SHARE_THRESHOLD = 0.30
# ... and at least this many of them do (one stray match is not evidence).
VALUE_MIN_MATCHES = 2
# mask(): values up to this length that look like codes are shown as they are.
MASK_PLAIN_MAX_LENGTH = 32
# mask(): other values at least this long show their first MASK_PREVIEW_CHARS characters.
MASK_PREVIEW_MIN_LENGTH = 5
MASK_PREVIEW_CHARS = 2

# Canonical free-text columns: judged by values only when a whole value is an identifier (a
# narrative that merely mentions a phone number is redacted by the loader, not dropped).
FREE_TEXT_COLUMNS = frozenset({"narrative"})

# Identifier kinds (codes) and how reasons spell them.
KIND_LABELS: dict[str, str] = {
    "name": "name",
    "date_of_birth": "date of birth",
    "ssn": "social security number",
    "identifier": "case or person identifier",
    "address": "address",
    "phone": "phone number",
    "email": "e-mail address",
    "date": "date",
    "case_number": "case number",
}
_KIND_PLURALS: dict[str, str] = {
    "ssn": "social security numbers",
    "email": "e-mail addresses",
    "phone": "phone numbers",
    "address": "street addresses",
    "name": "person names",
}


@dataclass(frozen=True)
class DroppedColumn:
    column: str  # the header as written in the file
    reason: str  # why; never contains a sampled value


# --------------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------------
def normalise_header(header: str) -> str:
    """One spelling per header: ``"Child DOB"``, ``"childDob"``, ``"CHILD-DOB"`` -> ``child_dob``.

    Accents and a BOM are dropped, camelCase and letter/digit boundaries split, ``#`` read as
    ``num``, punctuation and spaces become ``_``, and runs of single letters are joined
    (``"D.O.B."`` -> ``"dob"``).
    """
    s = unicodedata.normalize("NFKD", header).encode("ascii", "ignore").decode("ascii")
    s = s.replace("#", " num ").replace("&", " and ")
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", s)
    s = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", "_", s)
    s = re.sub(r"(?<=[A-Za-z])(?=[0-9])", "_", s)
    tokens = [t for t in re.split(r"[^a-z0-9]+", s.lower()) if t]
    merged: list[str] = []
    run: list[str] = []
    for t in [*tokens, ""]:
        if len(t) == 1 and t.isalpha():
            run.append(t)
            continue
        if len(run) >= 2:
            merged.append("".join(run))
        else:
            merged.extend(run)
        run = []
        if t:
            merged.append(t)
    return "_".join(merged)


def _compact(header: str) -> str:
    return normalise_header(header).replace("_", "")


# Qualifiers that make "<x> name" an organisation or a thing, not a person.
_NON_PERSON_NAME_QUALIFIERS = frozenset(
    """org organisation organization unit team office agency county jurisdiction region district
    program programme file sheet dataset set column field item code theme level role partner
    survey wave tribe state facility department dept division site variable var table schema
    host server project street road city hospital school court company vendor""".split()
)
_NAME_COMPOUNDS = frozenset(
    "fname lname mname surname surnames forename forenames nickname alias aka initials".split()
)
# Abbreviations read like "name" ("FIRST_NM").
_NAME_TOKENS = frozenset({"name", "names", "nm"})

_ID_PREFIX = (
    r"(?:case|person|client|child|children|parent|caregiver|family|household|participant|"
    r"individual|youth|victim|perpetrator|worker|caseworker|employee|staff|patient|student|"
    r"mother|father|guardian|customer|user)"
)
_ID_SUFFIX = r"(?:id|ids|identifier|number|num|no|nbr|key|ref|uid)"

# (kind, pattern on the normalised header); the first match wins.
_HEADER_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"e_?mail")),
    (
        "date_of_birth",
        re.compile(
            r"date_?of_?birth|dt_?of_?birth|birth_?(?:date|dt|dte|day)|date_?born"
            r"|(?:^|_)[a-z]*dob(?:_|$)|^dob|(?:^|_)(?:bdate|bday|bdt)(?:_|$)"
        ),
    ),
    (
        "ssn",
        re.compile(
            r"social_?security|soc_?sec|(?:^|_)[a-z]*ssn(?:_|$|_?(?:no|num|number|nbr|id))"
            r"|(?:^|_)ss_?(?:n|no|num|number|nbr)(?:_|$)|(?:^|_)ssno(?:_|$)"
        ),
    ),
    (
        "phone",
        re.compile(
            r"phone|(?:^|_)(?:tel|mobile|fax)(?:_|$)|(?:^|_)cell_?(?:no|num|number|nbr)(?:_|$)"
            r"|(?:^|_)contact_?(?:no|num|number|nbr)(?:_|$)"
        ),
    ),
    (
        "identifier",
        re.compile(
            rf"(?:^|_)[a-z]*?{_ID_PREFIX}_?{_ID_SUFFIX}(?:_|$)"
            r"|medicaid|medicare|sacwis|ccwis|(?:^|_)(?:mpi|mci|mrn|pid)(?:_|$|_?(?:id|no|num))"
            r"|afcars_?id|ncands_?id|passport|drivers?_?licen[cs]e|licen[cs]e_?(?:no|num|number)"
            r"|enrol(?:l)?ment_?(?:no|num|number|id)"
        ),
    ),
    (
        "address",
        re.compile(
            r"address|(?:^|_)addr(?:_|$)|street|(?:^|_)[a-z]*zip(?:_?code|_?cd)?(?:_|$)"
            r"|postal|post_?code|(?:^|_)(?:apt|apartment|po_?box)(?:_|$)"
            r"|(?:^|_)(?:latitude|longitude|lat|lon|lng|geocode|gps|coordinates)(?:_|$)"
        ),
    ),
)


def _header_names_a_person(normalised: str) -> bool:
    tokens = normalised.split("_")
    for i, t in enumerate(tokens):
        if t in _NAME_TOKENS:
            qualifier = tokens[i - 1] if i > 0 else ""
        elif t in _NAME_COMPOUNDS:
            return True
        elif t == "initial" and i > 0 and tokens[i - 1] in ("first", "middle", "last"):
            return True
        elif t.endswith("name") and len(t) > 4:
            qualifier = t[:-4]
        elif t.endswith("names") and len(t) > 5:
            qualifier = t[:-5]
        else:
            continue
        if qualifier.rstrip("s") not in _NON_PERSON_NAME_QUALIFIERS:
            return True
    return False


def header_identifier_kind(header: str) -> str | None:
    """The identifier kind a header names (a key of :data:`KIND_LABELS`), or ``None``."""
    s = normalise_header(header)
    if not s:
        return None
    for kind, pattern in _HEADER_RULES:
        if kind == "identifier" and _header_names_a_person(s):
            return "name"
        if pattern.search(s):
            return kind
    return "name" if _header_names_a_person(s) else None


def _header_hints_ssn(header: str) -> bool:
    s = normalise_header(header)
    return header_identifier_kind(header) == "ssn" or bool(
        re.search(r"(?:^|_)(?:ss|soc|social|sec)(?:_|$)", s)
    )


# --------------------------------------------------------------------------------------------
# Value patterns
# --------------------------------------------------------------------------------------------
_SSN_RE = re.compile(r"(?<![\w-])\d{3}([- ])\d{2}\1\d{4}(?![\w-])")
_SSN_BARE_RE = re.compile(r"(?<![\w-])\d{9}(?![\w-])")
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
_PHONE_RE = re.compile(
    r"(?<![\w+-])(?:\+?1[ .-]?)?(?:\(\d{3}\)[ ]?|\d{3}[ .-])\d{3}[ .-]\d{4}"
    r"(?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?(?![\w-])"
)
# In free text only (too loose for id columns): a 7-digit local number, and the number after
# "SSN" / "social security".
_LOCAL_PHONE_RE = re.compile(r"(?<![\w$.-])\d{3}[.-]\d{4}(?![\w-])")
_SSN_KEYWORD_RE = re.compile(
    r"(?i)\b(?:ssn|ss\s?#|social\s+security(?:\s+(?:number|no\.?|num|#))?)\s*[:#]?\s*"
    r"(?P<num>\d{3}[- ]?\d{2}[- ]?\d{4})(?!\d)"
)
_STREET_SUFFIXES = (
    "Street St Avenue Ave Av Road Rd Boulevard Blvd Lane Ln Drive Dr Court Ct Place Pl Terrace "
    "Ter Way Circle Cir Parkway Pkwy Highway Hwy Route Rte Trail Trl Square Sq Alley Aly Row "
    "Crescent Loop Pike Plaza Path Walk Expressway Expy Freeway Fwy"
).split()
_STREET_SUFFIX_RE = "|".join(
    sorted({*_STREET_SUFFIXES, *(s.upper() for s in _STREET_SUFFIXES)}, key=len, reverse=True)
)
_ADDRESS_RE = re.compile(
    r"(?<![\w-])\d{1,6}[A-Za-z]?\s+"
    r"(?P<words>(?:(?:[A-Z][A-Za-z'-]*|\d{1,3}(?:st|nd|rd|th|ST|ND|RD|TH))\.?\s+){1,4})"
    rf"(?:{_STREET_SUFFIX_RE})\b\.?"
    r"(?:,?\s+(?:Apt|APT|Apartment|Unit|UNIT|Suite|Ste|STE|#)\.?\s*#?[A-Za-z0-9-]+)?"
    r"(?:,\s*[A-Z][A-Za-z .'-]*,?\s+[A-Z]{2}\.?\s+\d{5}(?:-\d{4})?)?"
    r"|\b[Pp]\.?\s?[Oo]\.?\s+[Bb][Oo][Xx]\s+\d+"
)
# Capitalised words in front of a street word that make it an institution, not an address
# ("in 2019 Family Court", "3 The Plaza").
_NOT_STREET_WORDS = frozenset(
    """the a an this that our their his her its each every all family juvenile superior district
    probate circuit drug dependency supreme municipal tribal federal appeals children youth
    county state city""".split()
)

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE_RE = re.compile(
    r"(?<![\w/.-])(?:"
    r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{4}/\d{1,2}/\d{1,2}"
    r"|\d{1,2}[/-]\d{1,2}[/-](?:\d{4}|\d{2})"
    r"|\d{1,2}\.\d{1,2}\.\d{4}"
    r"|(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r")(?![\w/-])"
    rf"|\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?(?:,?\s+\d{{4}})?\b"
    rf"|\b{_MONTH}\.?,?\s+\d{{4}}\b"
)
# A token of 6+ letters/digits/separators with at least 5 digits (CASE-12345678, A1234567,
# 4455667), or '#' followed by 4+ digits.
_CASE_TOKEN_RE = re.compile(
    r"(?<![\w#/$.-])#\s?\d{4,}(?![\w/-])"
    r"|(?<![\w/$.-])(?=[A-Za-z0-9_/-]{6})(?=(?:[A-Za-z_/-]*\d){5})"
    r"[A-Za-z0-9](?:[A-Za-z0-9_/-]*[A-Za-z0-9])?(?!\w)"
)
_YEAR_RANGE_RE = re.compile(r"(?:19|20)\d{2}(?:[-/](?:\d{2}|\d{4}))?")
_HASH_NUMBER_RE = re.compile(r"#\s?\d{4,}")
# "case no. 4455", "client ID: 12-345" — the number after a keyword, even when short.
_CASE_KEYWORD_RE = re.compile(
    r"(?i)\b(?:case|file|client|person|record|referral|intake|mpi|mci|sacwis|medicaid)"
    r"(?:\s*(?:no\.?|number|num|nbr|id|#))?\s*[:#]?\s*"
    r"(?P<num>(?=[A-Za-z-]*\d)[A-Za-z]{0,4}-?\d[\d-]{2,}\d)\b"
)

_NAME_WORD = r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?"
_TITLE_RE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Det|Detective|Officer|Ofc|Sgt|Sergeant|Judge|Nurse|Deputy"
    r"|Trooper|Rev|Father|Sister)\.?\s+(?P<who>" + _NAME_WORD + r")"
)
_RELATION_RE = re.compile(
    r"\b(?i:mother|father|mom|dad|grandmother|grandfather|grandma|grandpa|aunt|uncle|sibling"
    r"|brother|sister|stepfather|stepmother|boyfriend|girlfriend|paramour|caregiver|parent"
    r"|guardian|child|infant|baby|toddler|son|daughter|caseworker|worker|supervisor|named)"
    r",?\s+(?P<who>" + _NAME_WORD + r")"
)
_LAST_FIRST_RE = re.compile(rf"\b(?P<last>{_NAME_WORD}),\s+(?P<first>{_NAME_WORD})\b")
_NAME_RUN_RE = re.compile(_NAME_WORD + r"(?:\s+(?:[A-Z]\.\s+)?" + _NAME_WORD + r")+")
_NAME_RUN_TOKEN_RE = re.compile(_NAME_WORD + r"|[A-Z]\.")

# Capitalised words that are not personal names: function words that start sentences, kinship
# and role words, months and days, and the vocabulary of child-welfare narratives and code-list
# labels. Lower-case; a "First Last" pair containing one of these is not a name.
_COMMON_WORDS = frozenset(
    """
    a an the this that these those it its he she they we i you his her hers their our my your
    in on at by for from with without after before during when whenever while although though
    however because since if as and but or nor so yet no not yes there here then also both each
    every all some any other another prior following per under over between within upon about
    into onto through throughout until unless where which who whom whose what why how once
    further additionally meanwhile later earlier subsequently ultimately initially overall
    despite according regarding based given due

    mother father mom dad parent parents grandmother grandfather grandparent grandparents aunt
    uncle sibling siblings brother sister son daughter infant baby babies toddler child children
    youth teen adolescent family families household caregiver caregivers guardian relative
    relatives kin kinship foster adoptive birth biological step paramour boyfriend girlfriend

    staff worker workers caseworker caseworkers supervisor supervisors manager managers
    administrator administrators director investigator investigators specialist specialists
    nurse doctor physician officer officers detective judge attorney counsel therapist
    provider providers team teams unit units office offices agency agencies department
    division bureau program programs programme county counties state states city cities tribe
    tribes tribal nation nations district region regional local national federal public private
    community partnership coalition council board commission

    court courts juvenile dependency probate superior circuit police sheriff law enforcement
    legal hospital hospitals medical medicine clinic center centre health healthcare behavioral
    behavioural mental services service protective protection welfare child-welfare safety safe
    sleep review reviews reviewed assessment assessments plan plans planning policy policies
    procedure procedures practice training coaching program school schools early childhood head
    start home homes visiting visit visits emergency room er icu nicu unit medicaid medicare snap
    tanf wic system systems tool tools data case cases notes note record records report reports
    referral referrals intake hotline investigation investigations screening response

    domestic violence substance use treatment disorder sudden unexpected death deaths infant
    abusive trauma neglect abuse physical sexual emotional psychological fatality fatalities
    near serious injury injuries critical incident incidents improvement opportunity
    opportunities economic support supports assistance housing authority financial income
    poverty recommended additional extended concrete relevant joint reflective supervisory
    caseloads handoffs risk risks factor factors mobile roles cultural culture language
    communication information sharing coordination teamwork workload staffing supervision
    consultation engagement access education responsiveness other unknown undetermined none
    drowning firearm poisoning overdose vehicle fire burn natural suicide homicide

    american indian native alaska alaskan asian black african hispanic latino latina latinx
    white hawaiian pacific islander middle eastern north northern south southern east west
    western new two or more multiracial race ethnicity

    female male true false fatal non unsubstantiated substantiated indicated open closed active
    inactive pending completed complete yes no none not applicable quarter fiscal year years
    month months week weeks day days total all

    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow

    safe systems improvement tool ssit tasc survey wave

    grandma grandpa nana decision making structured healthy america signs motivational
    interviewing solution focused wraparound intensive preservation reunification permanency
    navigator differential alternative multidisciplinary forensic interview advocacy meeting
    meetings conference partners anonymous alcoholics narcotics recovery care crib pack play
    only counts shared maltreatment frontline technology skills need races agencies providers
    """.split()
)


def _spans(pattern: re.Pattern[str], text: str, group: str | int = 0) -> list[tuple[int, int]]:
    return [m.span(group) for m in pattern.finditer(text)]


def _email_spans(text: str) -> list[tuple[int, int]]:
    return _spans(_EMAIL_RE, text)


def _ssn_spans(text: str) -> list[tuple[int, int]]:
    return _spans(_SSN_RE, text)


def _phone_spans(text: str) -> list[tuple[int, int]]:
    return _spans(_PHONE_RE, text)


def _text_ssn_spans(text: str) -> list[tuple[int, int]]:
    return _spans(_SSN_RE, text) + _spans(_SSN_KEYWORD_RE, text, "num")


def _text_phone_spans(text: str) -> list[tuple[int, int]]:
    return _spans(_PHONE_RE, text) + _spans(_LOCAL_PHONE_RE, text)


def _date_spans(text: str) -> list[tuple[int, int]]:
    return _spans(_DATE_RE, text)


def _address_spans(text: str) -> list[tuple[int, int]]:
    out = []
    for m in _ADDRESS_RE.finditer(text):
        words = re.findall(r"[A-Za-z]+", m.group("words") or "")
        if any(w.lower() in _NOT_STREET_WORDS for w in words):
            continue
        out.append(m.span())
    return out


def _case_spans(text: str) -> list[tuple[int, int]]:
    out = [
        m.span("num")
        for m in _CASE_KEYWORD_RE.finditer(text)
        if not _YEAR_RANGE_RE.fullmatch(m.group("num"))
    ]
    for m in _CASE_TOKEN_RE.finditer(text):
        if _YEAR_RANGE_RE.fullmatch(m.group(0)):
            continue
        out.append(m.span())
    return out


def _is_common(word: str) -> bool:
    return word.lower().rstrip(".") in _COMMON_WORDS or word.split("'")[0].lower() in _COMMON_WORDS


def _name_spans(text: str) -> list[tuple[int, int]]:
    out = []
    for pattern in (_TITLE_RE, _RELATION_RE):
        for m in pattern.finditer(text):
            if not _is_common(m.group("who")):
                out.append(m.span("who"))
    for m in _LAST_FIRST_RE.finditer(text):
        if not (_is_common(m.group("last")) or _is_common(m.group("first"))):
            out.append(m.span())
    for m in _NAME_RUN_RE.finditer(text):
        segment: list[re.Match[str]] = []
        for tok in [*_NAME_RUN_TOKEN_RE.finditer(m.group(0)), None]:
            if tok is not None and not _is_common(tok.group(0)):
                segment.append(tok)
                continue
            if sum(1 for t in segment if not t.group(0).endswith(".")) >= 2:
                out.append((m.start() + segment[0].start(), m.start() + segment[-1].end()))
            segment = []
    return out


# Order matters for redact(): e-mails before anything that could eat part of them, dates and
# phones before case-number-like digit runs, names last.
_DETECTORS: tuple[tuple[str, Callable[[str], list[tuple[int, int]]]], ...] = (
    ("email", _email_spans),
    ("ssn", _text_ssn_spans),
    ("phone", _text_phone_spans),
    ("date", _date_spans),
    ("address", _address_spans),
    ("case_number", _case_spans),
    ("name", _name_spans),
)


def _merge(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact(text: str) -> str:
    """Replace identifiers in free text with ``[REDACTED:<kind>]``; best-effort, pattern based.

    Kinds, in the order applied: ``email``, ``ssn``, ``phone``, ``date`` (ISO, US, dotted and
    written-out month forms), ``address`` (number + street word, PO boxes), ``case_number``
    (``#4455667``, tokens of 6+ characters with 5+ digits such as ``CASE-12345678``, the number
    after "case no." and similar) and ``name`` (capitalised "Firstname Lastname" runs outside a
    vocabulary of common and domain words, a capitalised word after a title such as "Ms." or a
    kinship/role word such as "mother"). It cannot see a lone first name at the start of a
    sentence, nicknames or identifiers written out in words, and it over-redacts unknown
    capitalised pairs such as place names. For the restricted IO narrative only.
    """
    if not text:
        return text
    for kind, find in _DETECTORS:
        spans = _merge(find(text))
        for start, end in reversed(spans):
            text = f"{text[:start]}[REDACTED:{kind}]{text[end:]}"
    return text


def contains_identifier(text: str) -> str | None:
    """The kind of the first identifier :func:`redact` would replace in ``text``, or ``None``."""
    if not text:
        return None
    for kind, find in _DETECTORS:
        if find(text):
            return kind
    return None


# --------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------
_NAME_VALUE_WORD = r"[A-Z](?:[a-z]+|[A-Z]+)(?:[-'][A-Z]?[A-Za-z]+)?"
_NAME_VALUE_RE = re.compile(
    rf"(?P<a>{_NAME_VALUE_WORD}),\s*(?P<b>{_NAME_VALUE_WORD})(?:\s+[A-Z]\.?)?"
    rf"|(?P<c>{_NAME_VALUE_WORD})(?:\s+[A-Z]\.?)?\s+(?P<d>{_NAME_VALUE_WORD})"
)


def _looks_like_person_name(value: str) -> bool:
    m = _NAME_VALUE_RE.fullmatch(value)
    if not m:
        return False
    words = [w for w in m.groups() if w]
    return not any(_is_common(w) for w in words)


def _value_kind(value: str, *, whole_value: bool, ssn_hint: bool, names: bool) -> str | None:
    """The identifier kind ``value`` shows, looking for the column-level kinds only."""
    checks: list[tuple[str, Callable[[str], list[tuple[int, int]]]]] = [
        ("ssn", _ssn_spans),
        ("email", _email_spans),
        ("phone", _phone_spans),
        ("address", _address_spans),
    ]
    for kind, find in checks:
        spans = find(value)
        if whole_value:
            spans = [s for s in spans if s == (0, len(value))]
        if spans:
            return kind
    if ssn_hint and _SSN_BARE_RE.fullmatch(value):
        return "ssn"
    if names and _looks_like_person_name(value):
        return "name"
    return None


_VALUE_KIND_ORDER = ("ssn", "email", "phone", "address", "name")
_FREE_TEXT_COMPACTS = frozenset(c.replace("_", "") for c in FREE_TEXT_COLUMNS)


@functools.lru_cache(maxsize=256)
def _canonical_compacts(data_set: str, canonical: frozenset[str]) -> frozenset[str]:
    if data_set not in DATA_SETS:
        raise ValueError(f"unknown data set {data_set!r}; expected one of {sorted(DATA_SETS)}")
    names = [*DATA_SETS[data_set].column_names, *(n for n, _ in LINEAGE_COLUMNS), *canonical]
    return frozenset(_compact(n) for n in names)


def identifier_columns(
    header: list[str],
    samples: dict[str, list[str | None]],
    data_set: str,
    canonical: set[str] | None = None,
) -> list[DroppedColumn]:
    """The columns of a file that carry personal identifiers and must be dropped, in header order.

    ``header`` is the header as written; ``samples`` maps a header to sampled cell values (a
    missing entry means no value evidence). ``canonical`` adds headers to treat as canonical —
    pass a layout's mapped source headers here (``Review Number`` mapped to ``review_id``); the
    data set's own canonical columns and the lineage columns always are, in any spelling
    (``Review ID``, ``IncidentDate``). A column is dropped

    - by its header (names, dates of birth, SSNs, case/person/client/Medicaid/SACWIS ids,
      addresses, phone numbers, e-mail) unless the normalised header is canonical;
    - by its values, canonical or not, when at least :data:`VALUE_SHARE_THRESHOLD` of the
      non-empty sampled values and at least :data:`VALUE_MIN_MATCHES` of them are SSNs, e-mail
      addresses, US phone numbers or street addresses (in a canonical free-text column such as
      ``narrative``, only values that are wholly one); nine bare digits count as an SSN only when
      the header hints at one; values like "Jane Doe" / "Doe, Jane" (neither word a common or
      domain word) count only in non-canonical columns. Dates of birth: by header only.
    """
    known = _canonical_compacts(data_set, frozenset(canonical or ()))
    dropped: list[DroppedColumn] = []
    for column in header:
        compact = _compact(column)
        is_canonical = compact in known
        if not is_canonical:
            kind = header_identifier_kind(column)
            if kind is not None:
                reason = f"header names a personal identifier ({KIND_LABELS[kind]})"
                dropped.append(DroppedColumn(column, reason))
                continue
        values = [
            str(v).strip() for v in samples.get(column, []) if v is not None and str(v).strip()
        ]
        if not values:
            continue
        free_text = is_canonical and compact in _FREE_TEXT_COMPACTS
        ssn_hint = not is_canonical and _header_hints_ssn(column)
        matches: dict[str, list[str]] = {}
        # Samples repeat (codes, dates): each distinct value is classified once.
        for v, times in Counter(values).items():
            kind = _value_kind(v, whole_value=free_text, ssn_hint=ssn_hint, names=not is_canonical)
            if kind is not None:
                matches.setdefault(kind, []).extend([v] * times)
        if not matches:
            continue
        hits = sum(len(v) for v in matches.values())
        if hits >= VALUE_MIN_MATCHES and hits / len(values) >= VALUE_SHARE_THRESHOLD:
            kinds = sorted(matches, key=lambda k: (-len(matches[k]), _VALUE_KIND_ORDER.index(k)))
            what = " or ".join(_KIND_PLURALS[k] for k in kinds)
            reason = f"values look like {what} ({hits} of {len(values)} sampled)"
            dropped.append(DroppedColumn(column, reason))
    return dropped


# --------------------------------------------------------------------------------------------
# Masking
# --------------------------------------------------------------------------------------------
_CODE_WORD_RE = re.compile(r"[+-]?[A-Za-z0-9][A-Za-z0-9_.:;/+-]*")


def _code_like_word(word: str, *, alone: bool) -> bool:
    if not _CODE_WORD_RE.fullmatch(word):
        return False
    letters = re.sub(r"[^A-Za-z]", "", word)
    return (
        any(c.isdigit() for c in word)
        or word.lower() in _COMMON_WORDS
        or (alone and (len(letters) <= 3 or word == word.lower()))
    )


def _is_code_like(value: str) -> bool:
    if len(value) > MASK_PLAIN_MAX_LENGTH:
        return False
    words = value.split()
    return bool(words) and all(_code_like_word(w, alone=len(words) == 1) for w in words)


def mask(value: str | None, column: str) -> str | None:
    """What quarantine may show of an offending value.

    Short code-like values (``alien_abduction``, ``2024-13-45``, ``17x``, ``near fatality``) are
    returned unchanged. A value with an SSN, e-mail, phone, address or keyword/``#`` case number,
    or any value of a column whose header names an identifier, becomes ``[masked <kind>]``; so
    does a longer value in which :func:`contains_identifier` finds something. Anything else is
    shown as its first two characters and its length (``'Jo… (8 chars)'``); a canonical free-text
    column (``narrative``) only as its length.
    """
    if value is None:
        return None
    text = str(value)
    stripped = text.strip()
    if not stripped:
        return text
    if normalise_header(column) in FREE_TEXT_COLUMNS:
        return f"[masked free text ({len(stripped)} chars)]"
    header_kind = header_identifier_kind(column)
    if header_kind is not None:
        return f"[masked {header_kind}]"
    for kind, find in (
        ("email", _email_spans),
        ("ssn", _ssn_spans),
        ("phone", _phone_spans),
        ("address", _address_spans),
    ):
        if find(stripped):
            return f"[masked {kind}]"
    if _CASE_KEYWORD_RE.search(stripped) or _HASH_NUMBER_RE.fullmatch(stripped):
        return "[masked case_number]"
    if _SSN_BARE_RE.fullmatch(stripped):  # nine bare digits: possibly an SSN, whatever the column
        return "[masked ssn]"
    if _is_code_like(stripped):
        return text
    kind = contains_identifier(stripped)
    if kind is not None:
        return f"[masked {kind}]"
    if len(stripped) < MASK_PREVIEW_MIN_LENGTH:
        return f"… ({len(stripped)} chars)"
    return f"{stripped[:MASK_PREVIEW_CHARS].rstrip()}… ({len(stripped)} chars)"
