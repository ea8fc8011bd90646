"""The one identifier detector: does a piece of text show a personal identifier, and of what kind.

Every boundary where text a member sent could leave the loader asks this module — header cells,
cell values, record ids, file names, IO narratives, the values quarantine and feedback show, log
lines, Dagster metadata and run output:

- :func:`find` — the identifiers in free text, as ``(kind, start, end)`` spans;
- :func:`value_kind` — the kind a whole short value (a cell, a header cell, a file name) shows;
- :func:`opaque_id_problem` — why a record id is not an opaque id (``review_id`` and the like);
- :func:`redact` / :func:`scrub` — text with each identifier replaced by its kind;
- :func:`shown` — a value as it may be shown back: itself when it passed, else its class
  (``[date-like value withheld]``).

What it is built on (all offline, from PyPI): ``phonenumbers`` (Google's libphonenumber) finds
phone numbers in text; ``usaddress`` (a CRF address parser) confirms street addresses; the US
Census 1990 first- and last-name frequency lists shipped by the ``names`` package and the GCIDE
dictionary word list shipped by ``english-words`` drive the name rules; SSNs, e-mail addresses,
dates and case numbers are patterns (the forms are fixed; a library adds nothing). Microsoft
Presidio's recognizers were considered: its name recognition needs a spaCy model, and spaCy's
models are not on PyPI from their authors, so it would add a large import and no names.

Kinds (:data:`KINDS`): ``ssn`` (nine digits, any separator — hyphen, space, dot, en or em dash —
or none), ``email`` (also written ``name [at] host [dot] org``), ``phone`` (US/international
forms, extensions), ``date`` (ISO, US, dotted, compact ``YYYYMMDD``, written-out months),
``address`` (number + street, lower case too; PO boxes), ``case_number`` (a number after
"case", "Medicaid", "client", "MCI", "SACWIS", … and ``#`` numbers), ``name`` (see below).

Names: a census given name followed by a word that is a census surname or not a dictionary word
(``jane doe``, ``JANE DOE``, ``Marisol Okafor``), ``Last, First``, a capitalised run of words that
are neither common domain words nor dictionary words (``Jaquelyn Worthington``), and a word after a
title or a kinship or role word (``Ms. Okafor``, ``mother Jane``). It cannot see a lone first
name that is also an ordinary word at the start of a sentence, a nickname, a name spelled out in
another alphabet, a name neither list knows written in lower case next to a dictionary word, or
an identifier written out in words ("one two three ..."). Those limits are why narratives stay
restricted even after redaction, and why everything that reaches a mart is a code, a number, a
date or an opaque id rather than text that passed this detector.

Plain Python, no I/O beyond reading the two word lists once; imports nothing of the project.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

KINDS: dict[str, str] = {
    "ssn": "social security number",
    "email": "e-mail address",
    "phone": "phone number",
    "date": "date",
    "address": "street address",
    "case_number": "case or agency number",
    "name": "person's name",
}
# How withheld values are shown: "[date-like value withheld]".
_WITHHELD_LABELS: dict[str, str] = {
    "ssn": "SSN-like",
    "email": "e-mail-like",
    "phone": "phone-number-like",
    "date": "date-like",
    "address": "address-like",
    "case_number": "case-number-like",
    "name": "name-like",
}


@dataclass(frozen=True)
class Finding:
    kind: str
    start: int
    end: int


def withheld(kind: str) -> str:
    """What is shown instead of a value of ``kind``: ``[date-like value withheld]``."""
    return f"[{_WITHHELD_LABELS.get(kind, 'identifier-like')} value withheld]"


# --------------------------------------------------------------------------------------------
# Word lists
# --------------------------------------------------------------------------------------------
@functools.cache
def _census(file: str) -> frozenset[str]:
    import names  # ships the Census 1990 frequency lists as dist.*.first / dist.all.last

    path = Path(names.__file__).with_name(file)
    with path.open(encoding="ascii") as fh:
        return frozenset(line.split(maxsplit=1)[0].lower() for line in fh if line.strip())


@functools.cache
def given_names() -> frozenset[str]:
    return _census("dist.male.first") | _census("dist.female.first")


def _census_top(files: tuple[str, ...], top: int) -> frozenset[str]:
    import names

    out: set[str] = set()
    for file in files:  # the files are in frequency order
        with Path(names.__file__).with_name(file).open(encoding="ascii") as fh:
            out |= {line.split(maxsplit=1)[0].lower() for _, line in zip(range(top), fh)}
    return frozenset(out)


@functools.cache
def frequent_given_names(top: int = 500) -> frozenset[str]:
    """The ``top`` most frequent given names of each sex."""
    return _census_top(("dist.male.first", "dist.female.first"), top)


@functools.cache
def frequent_surnames(top: int = 1000) -> frozenset[str]:
    """The ``top`` most frequent surnames."""
    return _census_top(("dist.all.last",), top)


@functools.cache
def surnames() -> frozenset[str]:
    return _census("dist.all.last")


@functools.cache
def dictionary_words() -> frozenset[str]:
    from english_words import get_english_words_set

    return frozenset(get_english_words_set(["gcide"], lower=True, alpha=True))


# Words that are never part of a name here although the census lists hold them (as given names
# or surnames): function words, kinship and role words, the vocabulary of child-welfare
# narratives and of the code lists, months and days. Lower case.
COMMON_WORDS = frozenset(
    """
    a an the this that these those it its he she they we i you his her hers their our my your
    in on at by for from with without after before during when whenever while although though
    however because since if as and but or nor so yet no not yes there here then also both each
    every all some any other another prior following per under over between within upon about
    into onto through throughout until unless where which who whom whose what why how once
    further additionally meanwhile later earlier subsequently ultimately initially overall
    despite according regarding based given due will may might can could would should must
    shall did does do done has have had was were is are be been being get got made make
    met see seen saw said says told asked noted found left called came went took gave
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
    community partnership coalition council board commission support staff
    court courts juvenile dependency probate superior circuit police sheriff law enforcement
    legal hospital hospitals medical medicine clinic center centre health healthcare behavioral
    behavioural mental services service protective protection welfare safety safe
    sleep review reviews reviewed assessment assessments plan plans planning policy policies
    procedure procedures practice training coaching school schools early childhood head
    start home homes visiting visit visits emergency room er icu nicu medicaid medicare snap
    tanf wic system systems tool tools data case cases notes note record records report reports
    referral referrals intake hotline investigation investigations screening response
    domestic violence substance use treatment disorder sudden unexpected death deaths
    abusive trauma neglect abuse physical sexual emotional psychological fatality fatalities
    near serious injury injuries critical incident incidents improvement opportunity
    opportunities economic supports assistance housing authority financial income
    poverty recommended additional extended concrete relevant joint reflective supervisory
    caseloads handoffs risk risks factor factors mobile roles cultural culture language
    communication information sharing coordination teamwork workload staffing supervision
    consultation engagement access education responsiveness other unknown undetermined none
    drowning firearm poisoning overdose vehicle fire burn natural suicide homicide
    american indian native alaska alaskan asian black african hispanic latino latina latinx
    white hawaiian pacific islander middle eastern north northern south southern east west
    western new two or more multiracial race ethnicity
    female male true false fatal non unsubstantiated substantiated indicated open closed active
    inactive pending completed complete yes not applicable quarter fiscal year years
    month months week weeks day days total all first second third last next
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow
    safe systems improvement ssit tasc survey wave alpha bravo charlie delta echo
    grandma grandpa nana decision making structured healthy america signs motivational
    interviewing solution focused wraparound intensive preservation reunification permanency
    navigator differential alternative multidisciplinary forensic interview advocacy meeting
    meetings conference partners anonymous alcoholics narcotics recovery care crib pack play
    only counts shared maltreatment frontline technology skills need races providers
    good great long old early late high low major minor general main central upper lower
    los angeles el paso san santa la de del las
    to of le du van von mr mrs ms dr mx sr jr det sgt ofc atty rev fr
    """.split()
)
# Words that are names as often as ordinary words: never a name in lower case, a name in title
# case or capitals next to a given name or after a title ("Ava Foster", "Det. Brown").
AMBIGUOUS_WORDS = frozenset(
    """
    young green brown gray grey rose hope grace faith joy mark bill frank will guy chase dawn
    summer winter spring fall price hill king wood woods stone bell cook ward rice hunter mason
    foster long white black may june april august carter baker miller porter parker
    """.split()
)


_SUFFIXES = ("ies", "ied", "ing", "ers", "est", "ed", "es", "er", "ly", "s", "d")


def in_dictionary(word: str) -> bool:
    """``word`` (lower case) or its stem without a common inflection is a dictionary word
    (the GCIDE list holds head words only: "siblings", "requested", "older" are not in it)."""
    w = word.lower()
    if w in dictionary_words():
        return True
    for suffix in _SUFFIXES:
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            stem = w[: -len(suffix)]
            if stem in dictionary_words() or stem + "e" in dictionary_words():
                return True
            if suffix in ("ies", "ied") and stem + "y" in dictionary_words():
                return True
            if len(stem) > 3 and stem[-1] == stem[-2] and stem[:-1] in dictionary_words():
                return True
    return False


def is_common(word: str) -> bool:
    w = word.lower().strip(".'")
    return w in COMMON_WORDS or w.split("'")[0] in COMMON_WORDS or w in AMBIGUOUS_WORDS


def _is_function_word(word: str) -> bool:
    w = word.lower().strip(".'")
    return (w in COMMON_WORDS or w.split("'")[0] in COMMON_WORDS) and w not in AMBIGUOUS_WORDS


# --------------------------------------------------------------------------------------------
# Patterns
# --------------------------------------------------------------------------------------------
# Any dash (hyphen, non-breaking hyphen, figure dash, en dash, em dash, minus) or separator.
_DASH = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_SEP = rf"[{_DASH}\s._/]"
_SSN_RE = re.compile(rf"(?<![\w{_DASH}])\d{{3}}(?P<s>{_SEP}?)\d{{2}}(?P=s)\d{{4}}(?![\w{_DASH}])")
_SSN_KEYWORD_RE = re.compile(
    r"(?i)\b(?:ssn|ss\s?#|soc(?:ial)?\.?\s+sec(?:urity)?(?:\s+(?:number|no\.?|num|#))?)"
    rf"\s*[:#]?\s*(?P<num>\d{{3}}{_SEP}?\d{{2}}{_SEP}?\d{{4}})(?!\d)"
)
_EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
)
# "name [at] example [dot] org", "name (at) example (dot) org", "name at example dot org".
_EMAIL_OBFUSCATED_RE = re.compile(
    r"(?i)(?<![\w.])[a-z0-9._%+-]+\s*(?:[\[({<]\s*at\s*[\])}>]|\s+at\s+)\s*[a-z0-9-]+"
    r"(?:\s*(?:[\[({<]\s*dot\s*[\])}>]|\s+dot\s+|\.)\s*[a-z0-9-]+)*"
    r"\s*(?:[\[({<]\s*dot\s*[\])}>]|\s+dot\s+|\.)\s*(?:com|org|net|gov|edu|us|info|io|mil|co)\b"
)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_DATE_RE = re.compile(
    r"(?i)(?<![\w/.-])(?:"
    r"\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?)?"
    r"|\d{4}/\d{1,2}/\d{1,2}"
    r"|\d{1,2}[/-]\d{1,2}[/-](?:\d{4}|\d{2})"
    r"|\d{1,2}\.\d{1,2}\.\d{2,4}"
    r"|(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
    r"|(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?:19|20)\d{2}"
    r")(?![\w/-])"
    rf"|\b{_MONTH}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}\.?(?:,?\s+\d{{4}})?\b"
    rf"|\b{_MONTH}\.?,?\s+\d{{4}}\b"
    rf"|\b\d{{1,2}}[-\s]{_MONTH}[-\s](?:\d{{4}}|\d{{2}})\b"
)
_STREET_SUFFIXES = (
    "street st avenue ave av road rd boulevard blvd lane ln drive dr court ct place pl terrace "
    "ter way circle cir parkway pkwy highway hwy route rte trail trl square sq alley aly "
    "crescent pike plaza expressway expy freeway fwy hollow holw ridge rdg cove cv crossing "
    "xing glen heights hts knoll manor"
).split()
_STREET_SUFFIX_RE = "|".join(sorted(set(_STREET_SUFFIXES), key=len, reverse=True))
_ADDRESS_RE = re.compile(
    r"(?i)(?<![\w-])\d{1,6}[a-z]?\s+"
    r"(?P<words>(?:(?:[nsew]\.?\s+|north\s+|south\s+|east\s+|west\s+)?"
    r"(?:[a-z][a-z'-]*|\d{1,3}(?:st|nd|rd|th))\.?\s+){1,4})"
    rf"(?P<suffix>{_STREET_SUFFIX_RE})\b\.?"
    r"(?:,?\s+(?:apt|apartment|unit|suite|ste|#)\.?\s*#?[a-z0-9-]+)?"
    r"(?:,\s*[a-z][a-z .'-]*,?\s+[a-z]{2}\.?\s+\d{5}(?:-\d{4})?)?"
    r"|(?i:\bp\.?\s?o\.?\s+box\s+\d+)|(?i:\bpost\s+office\s+box\s+\d+)"
)
# Words before a street word that make it an institution or a count, not an address
# ("2019 Family Court", "12 month follow up", "3 reviews completed").
_NOT_STREET_WORDS = frozenset(
    """the a an this that our their his her its each every all family juvenile superior district
    probate circuit drug dependency supreme municipal tribal federal appeals children youth
    county state city of and or to in on at for with months month weeks week days day years
    year hours hour reviews review cases case children times percent staff workers""".split()
)
# A token of 6+ letters/digits/separators with at least 5 digits (CASE-12345678, A1234567),
# or '#' followed by 4+ digits.
_CASE_TOKEN_RE = re.compile(
    r"(?<![\w#/$.-])#\s?\d{4,}(?![\w/-])"
    r"|(?<![\w/$.-])(?=[A-Za-z0-9_/-]{6})(?=(?:[A-Za-z_/-]*\d){5})"
    r"[A-Za-z0-9](?:[A-Za-z0-9_/-]*[A-Za-z0-9])?(?!\w)"
)
_YEAR_RANGE_RE = re.compile(r"(?:19|20)\d{2}(?:[-/](?:\d{2}|\d{4}))?|(?:19|20)\d{2}-Q[1-4]")
_CASE_KEYWORDS = (
    r"case|file|client|person|record|referral|intake|mpi|mci|sacwis|ccwis|medicaid|mcd|"
    r"medicare|mrn|docket|petition|dcf|dcfs|dss|dhs|cps|afcars|ncands|member|recipient|"
    r"patient|enrollee|beneficiary|license|licence|passport|dl|id"
)
_CASE_KEYWORD_RE = re.compile(
    rf"(?i)\b(?:{_CASE_KEYWORDS})(?:\s*(?:no\.?|number|num|nbr|id|#))?\s*[:#.]?\s*"
    r"(?P<num>(?=[A-Za-z-]*\d)[A-Za-z]{0,4}[-_]?\d[\d_-]{2,}\d)\b"
)
_HASH_NUMBER_RE = re.compile(r"#\s?\d[\d-]{3,}\d|#\s?\d{4,}")
_PHONE_RE = re.compile(
    rf"(?<![\w+{_DASH}])(?:\+?1[ .{_DASH}]?)?(?:\(\d{{3}}\)[ ]?|\d{{3}}[ .{_DASH}])\d{{3}}"
    rf"[ .{_DASH}]\d{{4}}(?:[ ]?(?:x|ext\.?)[ ]?\d{{1,5}})?(?![\w{_DASH}])"
)
_LOCAL_PHONE_RE = re.compile(rf"(?<![\w$.{_DASH}])\d{{3}}[.{_DASH}]\d{{4}}(?![\w{_DASH}])")

# Names
_WORD = r"[^\W\d_][^\W\d_'’-]*(?:['’-][^\W\d_]+)*"
_TOKEN_RE = re.compile(_WORD)
_TITLE_RE = re.compile(
    r"(?i)\b(?:mr|mrs|ms|miss|mx|dr|det|detective|officer|ofc|sgt|sergeant|judge|nurse|deputy"
    r"|trooper|rev|fr|sr)\.?\s+(?P<who>" + _WORD + r")"
)
_RELATION_RE = re.compile(
    r"(?i)\b(?:baby\s+(?:boy|girl)|mother|father|mom|dad|grandmother|grandfather|grandma|grandpa|aunt|uncle|sibling"
    r"|brother|sister|stepfather|stepmother|boyfriend|girlfriend|paramour|caregiver|parent"
    r"|guardian|child|infant|baby|boy|girl|toddler|son|daughter|caseworker|worker|supervisor|named"
    r"|victim|decedent|perpetrator|respondent|attorney|atty|investigator|therapist|teacher"
    r"|pastor|principal|counselor|counsellor|coach|neighbor|neighbour|friend|cousin)"
    r",?\s+(?P<who>" + _WORD + r")"
)


_ROMAN_RE = re.compile(r"(?i)[ivxl]+")


def _spans(pattern: re.Pattern[str], text: str, group: str | int = 0) -> list[tuple[int, int]]:
    return [m.span(group) for m in pattern.finditer(text)]


def _ssn(text: str) -> list[tuple[int, int]]:
    return _spans(_SSN_RE, text) + _spans(_SSN_KEYWORD_RE, text, "num")


def _email(text: str) -> list[tuple[int, int]]:
    out = _spans(_EMAIL_RE, text)
    if re.search(r"(?i)\bat\b|@", text):
        out += _spans(_EMAIL_OBFUSCATED_RE, text)
    return out


def _phone(text: str) -> list[tuple[int, int]]:
    if sum(c.isdigit() for c in text) < 7:
        return []
    out = _spans(_PHONE_RE, text) + _spans(_LOCAL_PHONE_RE, text)
    import phonenumbers

    try:
        for m in phonenumbers.PhoneNumberMatcher(text, "US", phonenumbers.Leniency.POSSIBLE):
            digits = sum(c.isdigit() for c in m.raw_string)
            before = text[m.start - 1] if m.start else " "
            after = text[m.end] if m.end < len(text) else " "
            if before.isalnum() or after.isalnum():
                continue  # digits inside a longer token (a UUID, a hex id)
            # Ten or more digits (a full number): seven-digit runs are left to the local
            # pattern, which wants a separator (a bare 7-digit run is a count or an id).
            if digits >= 10:
                out.append((m.start, m.end))
    except Exception:  # noqa: BLE001 - the library failing on odd text must not stop a load
        pass
    return out


def _date(text: str) -> list[tuple[int, int]]:
    return _spans(_DATE_RE, text)


@functools.lru_cache(maxsize=4096)
def _usaddress_confirms(candidate: str) -> bool:
    """usaddress reads ``candidate`` as a street address (a number, a street name and a street
    type), not just as words after a number."""
    import usaddress

    try:
        tagged, kind = usaddress.tag(candidate)
    except Exception:  # noqa: BLE001 - RepeatedLabelError and the like: ambiguous, so check ours
        return True
    return kind == "Street Address" and {"AddressNumber", "StreetName"} <= set(tagged)


def _address(text: str) -> list[tuple[int, int]]:
    out = []
    for m in _ADDRESS_RE.finditer(text):
        words = re.findall(r"[A-Za-z]+", m.group("words") or "")
        if words and words[0].lower() in _NOT_STREET_WORDS:
            continue
        if any(w.lower() in _NOT_STREET_WORDS for w in words):
            continue
        if m.group("suffix") is not None and not _usaddress_confirms(m.group(0)):
            continue
        out.append(m.span())
    return out


def _case(text: str) -> list[tuple[int, int]]:
    """Numbers named by a keyword ("case no. 4455", "Medicaid ID 12345678") and ``#`` numbers."""
    out = [
        m.span("num")
        for m in _CASE_KEYWORD_RE.finditer(text)
        if not _YEAR_RANGE_RE.fullmatch(m.group("num"))
    ]
    return out + _spans(_HASH_NUMBER_RE, text)


def _case_token(text: str) -> list[tuple[int, int]]:
    """In free text only: any token of 6+ characters with 5+ digits (``A1234567``), which in a
    narrative is a case or file number far more often than anything else (in an id column it
    is the id itself)."""
    return [
        m.span() for m in _CASE_TOKEN_RE.finditer(text) if not _YEAR_RANGE_RE.fullmatch(m.group(0))
    ]


def _is_given(word: str) -> bool:
    return word.lower() in given_names() and not is_common(word)


def _surname_like(word: str) -> bool:
    w = word.lower()
    if len(w) < 2 or is_common(word):
        return False
    return w in surnames() or w not in dictionary_words()


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def _name_pair(a: str, b: str, *, comma: bool = False) -> bool:
    """``a b`` (or ``a, b`` when ``comma``) reads as a person's name."""
    if _is_function_word(a) or _is_function_word(b):
        return False
    if _capitalised(a) != _capitalised(b):
        return False  # "Rosa brought": mixed case is prose, not a name
    title = _capitalised(a) and _capitalised(b)
    if title and (a.lower() in AMBIGUOUS_WORDS or b.lower() in AMBIGUOUS_WORDS):
        # "Ava Foster", "Mark White": a word that is an ordinary word too is part of a name
        # next to a given name (first) and a surname (second), not both ordinary words.
        first, second = (b, a) if comma else (a, b)
        both = first.lower() in AMBIGUOUS_WORDS and second.lower() in AMBIGUOUS_WORDS
        return not both and first.lower() in given_names() and second.lower() in surnames()
    if is_common(a) or is_common(b):
        return False
    if comma:  # "Doe, Jane"
        return _is_given(b) and _surname_like(a)
    if _is_given(a) and _surname_like(b):
        if _capitalised(a) and _capitalised(b):
            return True
        # In lower case a word pair like "carry forward" is a given name and a surname too:
        # a frequent given name with a known surname ("jane doe"), or any given name with a
        # word no dictionary knows ("marisol okafor").
        if a.lower() in frequent_given_names() and b.lower() in surnames():
            return True
        return b.lower() not in dictionary_words()
    if not title and not comma and b.lower() in surnames():
        # lower case, a given name no 1990 list knows ("jayden ruiz"): two words no dictionary
        # knows, the second a surname
        return a.lower() not in dictionary_words() and b.lower() not in dictionary_words()
    # Two capitalised words neither list nor dictionary knows ("Jaquelyn Worthington"), or a
    # known surname with one: in capitals or title case only.
    if _capitalised(a) and _capitalised(b):
        if any(len(w) < 3 or (w.isupper() and len(w) < 5) for w in (a, b)):
            return False  # acronyms ("CSV UTF", "DCF CPS") are not names
        unknown = [w.lower() not in dictionary_words() for w in (a, b)]
        known = [w.lower() in given_names() or w.lower() in surnames() for w in (a, b)]
        return all(u or k for u, k in zip(unknown, known)) and any(unknown)
    return False


def _name(text: str) -> list[tuple[int, int]]:
    out = []
    for pattern in (_TITLE_RE, _RELATION_RE):
        for m in pattern.finditer(text):
            who = m.group("who")
            if len(who) < 2 or _ROMAN_RE.fullmatch(who):
                continue
            if not _capitalised(who) and (
                in_dictionary(who) or who not in given_names() | surnames()
            ):
                continue  # lower case: only a known name that is no ordinary word ("torres")
            if _is_function_word(who) or (pattern is _RELATION_RE and is_common(who)):
                continue
            known = who.lower() in given_names() or who.lower() not in dictionary_words()
            if pattern is _TITLE_RE or not who.isupper():
                # "Det. Brown", "Baby Boy Smith": a surname after a title, or in title case
                # after a kinship or role word (in capitals, "TODDLER FELL" is prose)
                common_surname = who.lower() in frequent_surnames()
                known = known or (
                    who.lower() in surnames() if pattern is _TITLE_RE else common_surname
                )
            if known:
                out.append(m.span("who"))
    tokens = [t for t in _TOKEN_RE.finditer(text) if len(t.group(0)) > 1]
    for i in range(len(tokens) - 1):
        a, b = tokens[i], tokens[i + 1]
        between = text[a.end() : b.start()]
        if re.fullmatch(r"\s+", between):
            if _name_pair(a.group(0), b.group(0)):
                out.append((a.start(), b.end()))
        elif re.fullmatch(r",\s*", between):
            if _name_pair(a.group(0), b.group(0), comma=True):
                out.append((a.start(), b.end()))
        elif re.fullmatch(r"\s+[A-Za-z]\.?\s+", between):  # "Jane Q. Doe"
            if _name_pair(a.group(0), b.group(0)):
                out.append((a.start(), b.end()))
    return out


# Order matters for redact(): e-mails before anything that could eat part of them, dates and
# phones before case-number-like digit runs, names last.
_DETECTORS: tuple[tuple[str, Callable[[str], list[tuple[int, int]]]], ...] = (
    ("email", _email),
    ("ssn", _ssn),
    ("phone", _phone),
    ("date", _date),
    ("address", _address),
    ("case_number", _case),
    ("name", _name),
)
_SENTENCE_START_RE = re.compile(r"(?:^|[.!?:;]\s+|[\"“(]\s*)$")
_LONE_NAME_RE = re.compile(r"(?:[A-Z]['’])?[A-Z][^\W\d_A-Z]+")  # Melissa, O'Brien, Élodie
_INITIAL_NAME_RE = re.compile(r"\b[A-Z]\.\s+(?P<who>[A-Z][a-z]+(?:['’-][A-Za-z]+)*)")


def _loose_name(text: str) -> list[tuple[int, int]]:
    """In free text only: a lone capitalised word no dictionary knows, inside a sentence
    ("according to Melissa", "the youth, Tenzin, said"); a surname after an initial
    ("L. Delacroix"); and two lower-case words no dictionary knows ("kateryna kuznetsov")."""
    out = _name(text)
    for t in _TOKEN_RE.finditer(text):
        w = t.group(0)
        if len(w) < 3 or not _LONE_NAME_RE.fullmatch(w) or is_common(w):
            continue
        if in_dictionary(w) and w.lower() not in given_names():
            continue
        if in_dictionary(w) and _SENTENCE_START_RE.search(text[: t.start()]):
            continue  # "Grace", "Will" at the start of a sentence
        out.append(t.span())
    out += _spans(_INITIAL_NAME_RE, text)
    words = [t for t in _TOKEN_RE.finditer(text) if len(t.group(0)) > 3]
    for a, b in zip(words, words[1:]):
        x, y = a.group(0), b.group(0)
        if text[a.end() : b.start()].strip() or not (x.islower() and y.islower()):
            continue
        if not (in_dictionary(x) or in_dictionary(y) or is_common(x) or is_common(y)):
            out.append((a.start(), b.end()))
    return out


_FREE_TEXT_DETECTORS = (*_DETECTORS[:-1], ("case_number", _case_token), ("name", _loose_name))


def _clean(text: str) -> str:
    # Compatibility forms (full-width digits, ligatures) read as their plain letters, so
    # "１２３-45-6789" is an SSN; the length of the text is kept for the spans.
    out = unicodedata.normalize("NFKC", text)
    return out if len(out) == len(text) else text


def find(text: str | None, *, free_text: bool = True) -> list[Finding]:
    """Every identifier in ``text``, as non-overlapping spans (the first kind wins).

    ``free_text`` (narratives, messages) adds the loose case-number rule: any token of 6+
    characters with 5+ digits."""
    if not text:
        return []
    text = _clean(text)
    taken: list[Finding] = []
    for kind, detect in _FREE_TEXT_DETECTORS if free_text else _DETECTORS:
        for start, end in merge_spans(detect(text)):
            if not any(start < f.end and f.start < end for f in taken):
                taken.append(Finding(kind, start, end))
    return sorted(taken, key=lambda f: f.start)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans joined, in order."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def redact(
    text: str | None, label: Callable[[str], str] | None = None, *, free_text: bool = True
) -> str | None:
    """``text`` with each identifier replaced by ``[REDACTED:<kind>]`` (or ``label(kind)``)."""
    if not text:
        return text
    label = label or (lambda kind: f"[REDACTED:{kind}]")
    out = text
    for f in reversed(find(text, free_text=free_text)):
        out = f"{out[: f.start]}{label(f.kind)}{out[f.end :]}"
    return out


def scrub(text: str) -> str:
    """A message or log line made safe to show: each identifier becomes ``[… withheld]``."""
    # the strict rules: a message is the product's own prose around what it quotes
    return redact(text, withheld, free_text=False) or text


# --------------------------------------------------------------------------------------------
# Whole values
# --------------------------------------------------------------------------------------------
_SPLIT_RE = re.compile(r"[\s_.,;:/|+-]+")
_BARE_SSN_RE = re.compile(rf"\d{{3}}[{_DASH}\s._/]?\d{{2}}[{_DASH}\s._/]?\d{{4}}")
_BARE_PHONE_RE = re.compile(r"\+?1?\d{10}")


@functools.lru_cache(maxsize=65536)
def value_kind(value: str | None) -> str | None:
    """The identifier kind a whole short value shows (a cell, a header cell, an id, a file name
    without its extension), or ``None``. Stricter than :func:`find`: the whole value counts,
    so nine bare digits are an SSN, ten a phone number, ``JANE_DOE`` and ``Doe, Jane`` names."""
    if value is None:
        return None
    v = _clean(str(value)).strip()
    if not v:
        return None
    compact = re.sub(rf"[\s{_DASH}._/()]", "", v)
    if compact.isdigit():
        if len(compact) == 9 and _BARE_SSN_RE.fullmatch(v):
            return "ssn"
        if len(compact) in (10, 11) and _BARE_PHONE_RE.fullmatch(compact):
            return "phone"
    found = find(v, free_text=False)
    if found:
        return found[0].kind
    # Names written as one token ("JANE_DOE", "doe.jane", "Jane-Doe") or in capitals.
    words = [w for w in _SPLIT_RE.split(v) if w]
    # state codes ("OH-FRANKLIN") and initials are not halves of a name
    if 2 <= len(words) <= 4 and all(w.isalpha() and len(w) >= 3 for w in words):
        for a, b in zip(words, words[1:]):
            if _name_pair(a, b) or _name_pair(a, b, comma=True):
                return "name"
    return None


def shown(value: str | None) -> str | None:
    """``value`` as quarantine, feedback and messages may show it: itself when the detector
    finds nothing in it, else its class (``[date-like value withheld]``)."""
    if value is None:
        return None
    kind = value_kind(value)
    return value if kind is None else withheld(kind)


# An opaque id is short, has no spaces and uses only these characters.
OPAQUE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:#/-]{0,63}")
# Ids of this shape — up to four letters, an optional separator, up to seven digits, optionally
# repeated once ("RV-000123", "T004211", "IO-12-0042") — cannot hold any identifier kind above
# (too few digits for an SSN, phone or compact date; no room for a name): the loader checks
# them in SQL and sends only the others to Python.
FAST_OPAQUE_ID_SQL = r"[A-Za-z]{1,3}[-_]?[0-9]{1,9}|[0-9]{1,4}([-_.][0-9]{1,3})?"
# ... unless the letters start with an agency keyword ("MCI1234567", "DCF-123456", "DLN-1234").
FAST_OPAQUE_ID_EXCLUDED_SQL = (
    "^(" + "|".join(k for k in _CASE_KEYWORDS.split("|") if len(k) <= 3) + ")"
)


def fast_opaque_id_sql(column_sql: str) -> str:
    """A SQL test that ``column_sql`` has a plain sequence-id shape — 1-3 letters that are not
    an agency keyword, an optional separator, up to nine digits (``T000123``, ``RV-000001``); or
    up to four digits and up to three more after one separator (``2024-1``, ``17``) — which
    :func:`opaque_id_problem` always passes, so the loader sends only other ids to it (a test
    holds the two to agreement)."""
    return (
        f"(regexp_full_match({column_sql}, '{FAST_OPAQUE_ID_SQL}') and not "
        f"regexp_matches(lower({column_sql}), '{FAST_OPAQUE_ID_EXCLUDED_SQL}'))"
    )


_HEXADECIMAL_RE = re.compile(r"[0-9a-fA-F-]{16,}")
_ID_KEYWORD_RE = re.compile(rf"(?i)(?:^|[^a-z0-9])(?:{_CASE_KEYWORDS})(?:[^a-z]|no|num|nbr|$)")


def opaque_id_problem(value: str | None) -> str | None:
    """Why ``value`` cannot be a record id (``review_id``, ``io_id``, ``response_id``), or None.

    A record id is opaque: 1–64 letters, digits and ``. _ : # / -``, no spaces, and nothing
    :func:`value_kind` recognises — not an SSN (any separator or none), a phone number, a date,
    an e-mail address, a case, Medicaid or other agency number, or a person's name.
    """
    if value is None:
        return None
    v = str(value).strip()
    if not v:
        return None
    kind = value_kind(v)
    if kind is not None:
        return f"looks like a {KINDS[kind]}"
    if not OPAQUE_ID_RE.fullmatch(v):
        return "is not an opaque id (letters, digits and . _ : # / - only, no spaces)"
    hexadecimal = _HEXADECIMAL_RE.fullmatch(v) is not None  # a UUID or a hash
    if not hexadecimal and _ID_KEYWORD_RE.search(v) and sum(c.isdigit() for c in v) >= 4:
        return f"looks like a {KINDS['case_number']}"
    return None


def file_name_kind(name: str) -> str | None:
    """The identifier kind a file name shows (its stem read as text and as one value)."""
    stem = Path(name).stem
    text = re.sub(r"[_]+", " ", stem)
    # A year at the start of "2024 ragged last row" is not a house number.
    kinds = [value_kind(stem)] + [
        f.kind
        for f in find(text, free_text=False)
        if not (f.kind == "address" and re.match(r"(?:19|20)\d\d\s", text[f.start :]))
    ]
    # A date in a file name is usually the period or the day of the export; next to "DOB",
    # "born" or "birth" it is a date of birth.
    birth = re.search(r"(?i)(?:^|[^a-z])(?:dob|d\.o\.b|born|birth)(?:[^a-z]|$)", stem)
    kinds = [k for k in kinds if k is not None and (birth or k != "date")]
    return kinds[0] if kinds else None
