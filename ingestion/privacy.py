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

import difflib
import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date

from ingestion import identifiers
from ingestion.core_data_set import DATA_SETS, LINEAGE_COLUMNS
from ingestion.reference import code_list, code_list_names

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
    "case_number": "case or agency numbers",
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
# Values: the one detector (ingestion/identifiers.py)
# --------------------------------------------------------------------------------------------
_COMMON_WORDS = identifiers.COMMON_WORDS
_SSN_BARE_RE = re.compile(r"(?<![\w-])\d{9}(?![\w-])")


def redact(text: str) -> str:
    """Replace identifiers in free text with ``[REDACTED:<kind>]`` (:func:`identifiers.redact`).

    For the restricted IO narrative; see :mod:`ingestion.identifiers` for what it catches and
    what it cannot see.
    """
    return identifiers.redact(text) if text else text


def contains_identifier(text: str) -> str | None:
    """The kind of the first identifier :func:`redact` would replace in ``text``, or ``None``."""
    found = identifiers.find(text)
    return found[0].kind if found else None


# --------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------
# The kinds that make a column an identifier column by its values (a column of dates is
# judged by its header: most date columns are event dates).
_COLUMN_VALUE_KINDS = ("ssn", "email", "phone", "address", "case_number", "name")


def _value_kind(value: str, *, whole_value: bool, ssn_hint: bool, names: bool) -> str | None:
    """The identifier kind ``value`` shows, looking for the column-level kinds only."""
    if whole_value:
        found = identifiers.find(value)
        whole = found and (found[0].start, found[0].end) == (0, len(value))
        kind = found[0].kind if whole else None
    else:
        kind = identifiers.value_kind(value)
    if kind == "ssn" and not ssn_hint and _SSN_BARE_RE.fullmatch(value):
        kind = None  # nine bare digits make an SSN column only when the header hints at one
    if kind == "name" and not names:
        return None
    if ssn_hint and kind is None and _SSN_BARE_RE.fullmatch(value):
        return "ssn"
    return kind if kind in _COLUMN_VALUE_KINDS else None


_VALUE_KIND_ORDER = _COLUMN_VALUE_KINDS
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
    """What quarantine, feedback and ``npcs validate`` may show of an offending value.

    A value is shown only when it passed the identifier detector, and then only when it is
    short and code-like (``alien_abduction``, ``17x``, ``near fatality``; ``2024-13-45`` in a
    date column only: any other date-like value could be a date of birth).
    A value in which the detector finds an identifier — or any value of a column whose header
    names one — is shown as its class (``[date-like value withheld]``); a canonical free-text
    column (``narrative``) only as its length; anything else as its first two characters and
    its length (``'Jo… (8 chars)'``).
    """
    if value is None:
        return None
    text = str(value)
    stripped = text.strip()
    if not stripped:
        return text
    if normalise_header(column) in FREE_TEXT_COLUMNS:
        return f"[free text withheld ({len(stripped)} chars)]"
    header_kind = header_identifier_kind(column)
    if header_kind is not None:
        return identifiers.withheld("date" if header_kind == "date_of_birth" else header_kind)
    kind = identifiers.value_kind(stripped)
    if kind is None and not _is_code_like(stripped):
        kind = contains_identifier(stripped)  # longer text: the free-text rules too
    if kind == "date" and column in _DATE_COLUMNS and _ISO_DATE_RE.fullmatch(stripped):
        # an ISO date in a date column (impossible, or in the future) is the form the raw
        # table itself holds; any other date form is shown only by its class
        kind = None
    if kind is not None:
        return identifiers.withheld(kind)
    if _is_code_like(stripped):
        return text
    if len(stripped) < MASK_PREVIEW_MIN_LENGTH:
        return f"… ({len(stripped)} chars)"
    return f"{stripped[:MASK_PREVIEW_CHARS].rstrip()}… ({len(stripped)} chars)"


_ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")

# --------------------------------------------------------------------------------------------
# The class of an offending value: what quarantine, notes and feedback keep instead of it
# --------------------------------------------------------------------------------------------
_WHOLE_RE = re.compile(r"[+-]?\d+")
_DECIMAL_RE = re.compile(r"[+-]?\d*[.,]\d+")
_WORD_RE = re.compile(r"[A-Za-z0-9_]+")
_PSEUDONYM_RE = re.compile(r"(rv|io|rs)_[0-9a-f]{20}")
_MULTI_CODE_COLUMNS = frozenset(
    c.name for ds in DATA_SETS.values() for c in ds.columns if c.type == "codes"
)
_COLUMN_CODE_LISTS = {
    c.name: c.code_list for ds in DATA_SETS.values() for c in ds.columns if c.code_list
}


def value_class(value: str | None, column: str) -> str | None:
    """What the warehouse keeps of a value that broke a rule: its class, in words the product
    writes — never the value. The only words taken from outside are codes of the column's own
    code list (the partnership's vocabulary): a code in other capitals, the nearest code.

    ``None`` for no value (a required value missing); ``SSN-like value`` (any identifier kind
    the detector sees, and any value of a column whose header names one); ``ISO date``;
    ``whole number`` / ``number with decimals`` (with the digits' count when long);
    ``pseudonym``; ``code 'fatality' in other capitals``; ``word near code 'drowning'``;
    ``word`` / ``text`` with their length.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return "blank"
    if normalise_header(column) in FREE_TEXT_COLUMNS:
        return f"free text ({len(text)} characters)"
    header_kind = header_identifier_kind(column)
    if header_kind is not None:
        return _kind_label("date" if header_kind == "date_of_birth" else header_kind)
    if _PSEUDONYM_RE.fullmatch(text):
        return "pseudonym"
    if _ISO_DATE_RE.fullmatch(text):
        try:
            date.fromisoformat(text)
        except ValueError:
            return "YYYY-MM-DD that is no calendar date"
        return "ISO date"
    kind = identifiers.value_kind(text) or contains_identifier(text)
    if kind is not None:
        return _kind_label(kind)
    if _WHOLE_RE.fullmatch(text):
        digits = len(text.lstrip("+-"))
        sign = "negative " if text.startswith("-") else ""
        return f"{sign}whole number" + (f" of {digits} digits" if digits > 4 else "")
    if _DECIMAL_RE.fullmatch(text):
        return "number with decimals"
    codes = _codes_of(column)
    if codes:
        lowered = {c.lower(): c for c in codes}
        if text.lower() in lowered:
            return f"code {lowered[text.lower()]!r} in other capitals"
        near = difflib.get_close_matches(text.lower(), list(lowered), n=1, cutoff=0.75)
        if near:
            return f"{_shape(text, column)} near code {lowered[near[0]]!r}"
    return _shape(text, column)


def _kind_label(kind: str) -> str:
    return identifiers.withheld(kind).strip("[]").replace(" withheld", "")


def _shape(text: str, column: str | None = None) -> str:
    words = text.split()
    if len(words) > 1:
        return f"text of {len(words)} words"
    if column in _MULTI_CODE_COLUMNS and ";" in text:
        return f"list of {len([p for p in text.split(';') if p.strip()])} codes"
    n = f"{len(text)} character" + ("" if len(text) == 1 else "s")
    return f"word of {n}" if _WORD_RE.fullmatch(text) else f"code-like text of {n}"


@functools.cache
def _codes_of(column: str) -> tuple[str, ...]:
    name = _COLUMN_CODE_LISTS.get(column)
    return code_list(name) if name else ()


_DATE_COLUMNS = frozenset(
    c.name for ds in DATA_SETS.values() for c in ds.columns if c.type == "date"
)


# A header row is data (the file has no header row) when its cells look like values.
_DATA_CELL_RE = re.compile(
    r"[+-]?\d+(?:[.,]\d+)?|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{4}-Q[1-4]"
    r"|true|false|yes|no|y|n",
    re.IGNORECASE,
)


def header_looks_like_data(
    header: list[str], data_set: str, mapped: set[str] | None = None
) -> str | None:
    """Why ``header`` reads as a data row rather than a header row, or None.

    A row that names as many known columns (canonical, or the layout's) as the data set requires
    is a header row. Otherwise, one that holds an identifier (an SSN, a date, an e-mail, a name …),
    or in which at least two cells — and at least a quarter of them — are numbers, dates, periods,
    booleans or codes of the core data set's code lists, is the first record of a file without a
    header.
    The reason never quotes a cell.
    """
    known = _canonical_compacts(data_set, frozenset(mapped or ()))
    cells = [h.strip() for h in header if h and h.strip() and _compact(h) not in known]
    if not cells:
        return None
    # A row that names as many known columns as the data set requires is a header row, whatever
    # its other cells hold (an extra column headed by a name is dropped, not the file).
    named = sum(1 for h in header if h and h.strip() and _compact(h) in known)
    if named >= len(DATA_SETS[data_set].required_columns):
        return None
    codes = _all_codes()
    identifying = [h for h in cells if identifiers.value_kind(h)]
    data_like = [h for h in cells if _DATA_CELL_RE.fullmatch(h) or h.lower() in codes]
    if identifying or (len(data_like) >= 2 and len(data_like) * 4 >= len(cells)):
        return (
            f"the first row looks like data, not a header row ({len(set(identifying + data_like))}"
            f" of its cells are values); the file must start with a header row "
            "naming its columns, and its first row was not stored"
        )
    return None


@functools.cache
def _all_codes() -> frozenset[str]:
    """Every code of every code list but ``other`` (which is a fair column name)."""
    return frozenset(
        c.lower() for n in code_list_names() for c in code_list(n) if c not in ("other",)
    )
