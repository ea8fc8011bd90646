"""The generated part of the identifier detector's labelled set (seeded, deterministic).

    uv run python benchmarks/identifier_corpus/generate.py      # rewrites the generated_* files

Writes, beside this script:

- ``generated_values.tsv`` — whole identifier values (``kind<TAB>value``): SSNs with every
  separator, phone numbers in US and international forms, e-mail addresses plain and
  obfuscated, dates in every common form, case / Medicaid / agency numbers;
- ``generated_sentences.txt`` — narrative sentences of the kind a child-welfare review holds, one
  per line, each planted identifier marked ``[[kind:text]]``: names (Title case, CAPITALS, lower
  case, ``Last, First``, after titles and kinship words), addresses, and the structured kinds
  embedded in text.

:func:`record_ids` gives the legitimate record ids (``review_id``, ``io_id``, ``response_id`` as
the demo generator writes them, and other opaque-id shapes); they are generated when the
benchmark runs (100,000 by default) rather than kept, to keep the repository small.

Every identifier is synthetic: SSNs in the 9xx and 000 areas or the advertising numbers
(123-45-678x, 987-65-432x), phone numbers in the fictional 555-01xx range, e-mail at
example.org / .com / .net, names drawn from common and rarer given names and surnames, house
numbers and streets invented. ``tests/benchmarks/test_identifier_benchmark.py`` checks that the
committed files are exactly what this script writes and that every SSN, phone and e-mail is in
those ranges.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261204
VALUES_FILE = HERE / "generated_values.tsv"
SENTENCES_FILE = HERE / "generated_sentences.txt"

# Counts of the generated parts.
VALUES_PER_KIND = 400
SENTENCES_PER_STRUCTURED_KIND = 300
NAME_SENTENCES = 1500
ADDRESS_SENTENCES = 300

# --------------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------------
DASHES = {"hyphen": "-", "space": " ", "en dash": "\u2013", "em dash": "\u2014", "dot": "."}


def ssn(rng: random.Random) -> str:
    """A synthetic SSN, with a random separator (or none)."""
    r = rng.random()
    if r < 0.7:
        area, group, serial = rng.randint(900, 999), rng.randint(1, 99), rng.randint(1, 9999)
    elif r < 0.85:
        area, group, serial = 0, rng.randint(1, 99), rng.randint(1, 9999)
    elif r < 0.93:
        area, group, serial = 123, 45, 6780 + rng.randint(0, 9)
    else:
        area, group, serial = 987, 65, 4320 + rng.randint(0, 9)
    sep = rng.choice([*DASHES.values(), "-", "-", ""])
    return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"


AREA_CODES = "212 860 203 614 513 615 303 412 510 207 617 404 313 602 702 907 808 505".split()


def phone(rng: random.Random, *, local: bool = True) -> str:
    """A fictional US number (555-0100 to 555-0199) in one of the forms people write."""
    npa, line = rng.choice(AREA_CODES), f"01{rng.randint(0, 99):02d}"
    forms = [
        f"({npa}) 555-{line}",
        f"({npa})555-{line}",
        f"{npa}-555-{line}",
        f"{npa}.555.{line}",
        f"{npa} 555 {line}",
        f"{npa}555{line}",
        f"{npa}/555-{line}",
        f"+1 {npa} 555 {line}",
        f"+1-{npa}-555-{line}",
        f"+1 ({npa}) 555-{line}",
        f"+1.{npa}.555.{line}",
        f"+1{npa}555{line}",
        f"1-{npa}-555-{line}",
        f"1 ({npa}) 555-{line}",
        f"{npa}\u2013555\u2013{line}",
        f"{npa}-555-{line} x{rng.randint(1, 999)}",
        f"{npa}-555-{line} ext. {rng.randint(1, 9999)}",
        f"({npa}) 555-{line} ext {rng.randint(1, 99)}",
        f"{npa}.555.{line} x{rng.randint(10, 99)}",
    ]
    if local:
        forms += [f"555-{line}", f"555.{line}"]
    return rng.choice(forms)


GIVEN_COMMON = """James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William
Barbara Richard Susan Joseph Jessica Thomas Sarah Christopher Karen Daniel Nancy Matthew Lisa
Anthony Betty Mark Sandra Donald Ashley Steven Kimberly Andrew Emily Joshua Donna Kenneth
Michelle Kevin Carol Brian Amanda Timothy Melissa Ronald Deborah Jason Stephanie Jeffrey Rebecca
Ryan Laura Jacob Cynthia Gary Amy Nicholas Angela Eric Shirley Jonathan Brenda Stephen Pamela
Larry Nicole Justin Samantha Brandon Katherine Tyler Christine Crystal Tiffany Brittany Heather
Amber Latoya Keisha Tanisha Ebony Tamika Jamal Tyrone DeShawn Marcus Terrell Andre Maria Jose
Juan Luis Carlos Rosa Guadalupe Jesus Miguel Alejandro Carmen Yolanda Ana Marisol Esperanza
Lucia Francisco Javier Grace""".split()
# Given names of today's children and of recent immigrant families: mostly absent from the 1990
# census list the detector reads, common in the cases reviewed.
GIVEN_RARER = """Liam Noah Olivia Emma Ava Sophia Isabella Mia Aaliyah Jayden Mason Elijah Harper
Kayden Nevaeh Brayden Zoey Maddox Jaylen Amari Khalil Imani Kamari Zaire Jazmine Ximena Santiago
Mateo Valentina Camila Thiago Ngozi Chinedu Adaeze Oluwaseun Thanh Minh Huong Priya Aarav Ananya
Wei Mei Jun Fatima Mohammed Aisha Omar Yusuf Kateryna Dmitri Oksana Tomasz Agnieszka Siobhan
Niamh Tenzin Abdirahman Hodan""".split()
SURNAMES_COMMON = """Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez
Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson
White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres
Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Phillips
Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers
Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson
Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders
Patel Myers Long Ross Foster Jimenez""".split()
SURNAMES_RARER = """Okafor Kowalczyk Nwachukwu Oyelaran Adeyemi Przybylski Wojcik Abernathy
Fitzgerald O'Brien McAllister Villanueva Castellanos Yazzie Begay Tsosie Tran Pham Huynh Haddad
Mahmoud Abdullahi Warsame Kuznetsov Shevchenko Takahashi Yamamoto Chaudhry Venkataraman
Garcia-Lopez Delacroix Thibodeaux Szymanski Nakamura Oyinlola Mbeki Kaur Singh""".split()
INITIALS = "ABCDEFGHJKLMNPRSTW"


def given(rng: random.Random) -> str:
    return rng.choice(GIVEN_COMMON) if rng.random() < 0.7 else rng.choice(GIVEN_RARER)


def surname(rng: random.Random) -> str:
    return rng.choice(SURNAMES_COMMON) if rng.random() < 0.7 else rng.choice(SURNAMES_RARER)


EMAIL_DOMAINS = ["example.org", "example.com", "example.net", "mail.example.org"]


def _mailbox(rng: random.Random) -> str:
    g, s = given(rng).lower(), surname(rng).lower().replace("'", "")
    return rng.choice(
        [
            f"{g}.{s}",
            f"{g[0]}{s}",
            f"{g}{s}{rng.randint(1, 99)}",
            f"{g}_{s}",
            f"{s}.{g[0]}",
            f"{g}{rng.randint(1980, 2010)}",
        ]
    )


def email(rng: random.Random) -> str:
    box, domain = _mailbox(rng), rng.choice(EMAIL_DOMAINS)
    r = rng.random()
    if r < 0.6:
        out = f"{box}@{domain}"
        return out.upper() if rng.random() < 0.1 else out
    host, _, tld = domain.rpartition(".")
    at, dot = rng.choice(
        [
            (" [at] ", " [dot] "),
            ("[at]", "[dot]"),
            (" (at) ", " (dot) "),
            (" (at) ", "."),
            (" at ", " dot "),
            (" [at] ", "."),
            (" {at} ", " {dot} "),
        ]
    )
    return f"{box}{at}{host.replace('.', dot)}{dot}{tld}"


MONTHS = [dt.date(2000, m, 1).strftime("%B") for m in range(1, 13)]


def _ordinal(d: int) -> str:
    return f"{d}{'th' if 10 <= d % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th')}"


def date(rng: random.Random) -> str:
    """A date between 1975 and 2025 (dates of birth, of incidents), in one of the common forms."""
    d = dt.date(1975, 1, 1) + dt.timedelta(days=rng.randrange(51 * 365))
    month, mon = MONTHS[d.month - 1], MONTHS[d.month - 1][:3]
    forms = [
        d.isoformat(),
        f"{d.month}/{d.day}/{d.year}",
        f"{d.month:02d}/{d.day:02d}/{d.year}",
        f"{d.month}/{d.day}/{d.year % 100:02d}",
        f"{d.month}-{d.day}-{d.year}",
        f"{d.day}.{d.month}.{d.year}",
        f"{d.day:02d}.{d.month:02d}.{d.year}",
        f"{d.year}/{d.month:02d}/{d.day:02d}",
        f"{d.year}{d.month:02d}{d.day:02d}",
        f"{month} {d.day}, {d.year}",
        f"{month} {_ordinal(d.day)}, {d.year}",
        f"{mon}. {d.day}, {d.year}",
        f"{mon} {d.day} {d.year}",
        f"{d.day} {month} {d.year}",
        f"{_ordinal(d.day)} of {month} {d.year}",
        f"{d.day:02d}-{mon}-{d.year}",
        f"{month.upper()} {d.day}, {d.year}",
    ]
    return rng.choice(forms)


def case_number(rng: random.Random) -> tuple[str, str]:
    """A case, Medicaid or agency number as written with its keyword: (full text, the number)."""
    y = rng.randint(2015, 2025)
    n6, n7, n8 = (
        rng.randint(100000, 999999),
        rng.randint(1000000, 9999999),
        rng.randint(10**7, 10**8 - 1),
    )
    forms = [
        ("Case No. ", f"{y}-{n7}"),
        ("Case No ", f"{n6}"),
        ("case #", f"{n6}"),
        ("Case Number: ", f"CW-{y}-{n6}"),
        ("CPS case ", f"{y % 100}-{n6 // 10:05d}"),
        ("Medicaid ID ", f"{n8}"),
        ("Medicaid # ", f"{n8}"),
        ("Medicaid number ", f"{n8}"),
        ("client #", f"{n6}"),
        ("Client ID: ", f"{n7}"),
        ("SACWIS ", f"{n7}"),
        ("SACWIS ID ", f"{n7}"),
        ("MCI# ", f"{n7}"),
        ("person ID ", f"{n7}"),
        ("intake #", f"{y}-{n6 // 10:05d}"),
        ("referral ", f"{y}-{n7}"),
        ("docket ", f"JD-{y}-{n6 // 100:04d}"),
        ("DCF case no. ", f"{n6}"),
        ("petition no. ", f"{y % 100}-{n6 // 100:04d}"),
        ("CCWIS ", f"{n8}"),
        ("MPI ", f"{n8}"),
        ("", f"#{n7}"),
    ]
    prefix, number = rng.choice(forms)
    return prefix + number, number


STREETS = (
    """Maple Oak Elm Cedar Pine Walnut Chestnut Washington Lincoln Jefferson Madison Park Main
Church High Highland Sunset Ridgewood Fairmount Lakeview Riverside Prospect Franklin Jackson
Hamilton Orchard Meadow Willow Birch Spruce Locust Magnolia Dogwood Sycamore Hawthorne Beacon
Vernon Broad Market""".split()
    + ["Martin Luther King Jr", "3rd", "42nd", "1st", "112th"]
)
SUFFIXES = "St Street Ave Avenue Rd Road Dr Drive Ln Lane Ct Court Blvd Way Pl Terrace Cir".split()
UNITS = ["Apt 4B", "Apt. 12", "Apartment 3", "Unit 7", "#2", "Apt 210", "Suite 200", "Unit B"]
CITIES = [
    ("Hartford", "CT", "06106"),
    ("Columbus", "OH", "43215"),
    ("Nashville", "TN", "37203"),
    ("Denver", "CO", "80204"),
    ("Pittsburgh", "PA", "15213"),
    ("Oakland", "CA", "94607"),
    ("Cincinnati", "OH", "45202"),
]


def address(rng: random.Random, po_box: bool = True) -> str:
    if po_box and rng.random() < 0.3:
        return rng.choice(["PO Box", "P.O. Box", "P. O. Box", "Post Office Box"]) + (
            f" {rng.randint(1, 9999)}"
        )
    number = str(rng.randint(1, 9999)) + (rng.choice("AB") if rng.random() < 0.05 else "")
    direction = rng.choice(["", "", "", "", "N. ", "S ", "West ", "East "])
    street = f"{number} {direction}{rng.choice(STREETS)} {rng.choice(SUFFIXES)}"
    r = rng.random()
    if r < 0.3:
        street += rng.choice([", ", " "]) + rng.choice(UNITS)
    elif r < 0.5:
        city, state, zip_code = rng.choice(CITIES)
        street += f", {city}, {state} {zip_code}"
    return street


# --------------------------------------------------------------------------------------------
# Whole values
# --------------------------------------------------------------------------------------------
def generated_values() -> list[tuple[str, str]]:
    """(kind, value) pairs: each structured kind as a whole value, ``VALUES_PER_KIND`` each."""
    makers: dict[str, Callable[[random.Random], str]] = {
        "ssn": ssn,
        "phone": lambda rng: phone(rng, local=False),
        "email": email,
        "date": date,
        "case_number": lambda rng: case_number(rng)[0],
    }
    out = []
    for kind, make in makers.items():
        rng = random.Random(f"{SEED}-values-{kind}")
        seen: set[str] = set()
        while len(seen) < VALUES_PER_KIND:
            v = make(rng)
            if v not in seen:
                seen.add(v)
                out.append((kind, v))
    return out


# --------------------------------------------------------------------------------------------
# Sentences. A template is a list of pieces: plain text, or (kind, text) for a planted span.
# --------------------------------------------------------------------------------------------
Piece = str | tuple[str, str]


def _mark(pieces: list[Piece], style: str = "as is") -> str:
    def styled(text: str) -> str:
        return text.upper() if style == "upper" else text.lower() if style == "lower" else text

    out = []
    for p in pieces:
        out.append(styled(p) if isinstance(p, str) else f"[[{p[0]}:{styled(p[1])}]]")
    return "".join(out)


def _name_pieces(rng: random.Random) -> list[Piece]:
    """One narrative sentence with one or two planted names."""
    f, s, f2, s2 = given(rng), surname(rng), given(rng), surname(rng)
    full, full2 = ("name", f"{f} {s}"), ("name", f"{f2} {s2}")
    templates: list[list[Piece]] = [
        [full, " reported that the infant was placed to sleep on an adult bed."],
        ["The caseworker, ", full, ", completed the safety assessment the same day."],
        ["Ms. ", ("name", s), " stated that she had not received the referral letter."],
        ["Mr. ", ("name", s), " declined in-home services at the initial contact."],
        ["Mrs. ", ("name", s), " was the child's foster parent for two years."],
        ["Det. ", ("name", s), " of the police department joined the forensic interview."],
        ["Dr. ", ("name", s), " at the children's hospital examined the child."],
        ["Officer ", ("name", s), " transported the siblings to the emergency placement."],
        ["Judge ", ("name", s), " ordered a kinship placement at the shelter hearing."],
        ["The mother, ", ("name", f), ", said the baby had been fussy all evening."],
        ["The child's mother ", ("name", f), " was not at home when the injury occurred."],
        ["Mother ", full, " tested positive for opioids at delivery."],
        ["Maternal grandmother ", full, " agreed to care for the siblings."],
        ["The father ", full, " had a prior substantiated report in another county."],
        ["Paternal aunt ", ("name", f), " offered to take placement of the toddler."],
        ["Her boyfriend ", full, " was the only adult in the home that night."],
        [("name", f"{s}, {f}"), " (mother) attended the team meeting by phone."],
        ["The alleged perpetrator is listed as ", ("name", f"{s}, {f}"), " in the intake."],
        ["Supervisor ", full, " approved the case closure without a home visit."],
        ["The worker spoke with ", full, " and ", full2, " about the safety plan."],
        [full, " and ", full2, " were both present at the child and family team meeting."],
        ["According to ", ("name", f), ", the father left the home around midnight."],
        [("name", f), " told the investigator that the toddler fell from the couch."],
        ["The older sibling, ", ("name", f), ", was interviewed at school."],
        [
            "The infant, ",
            ("name", f"{f} {rng.choice(INITIALS)}. {s}"),
            ", was three months old at the time of the incident.",
        ],
        ["Collateral contact was made with ", full, ", the family's pastor."],
        ["Neighbor ", full, " called the hotline after hearing screaming."],
        ["The referral named ", full, " as the caregiver responsible."],
        [full, "'s partner refused to let the worker into the apartment."],
        ["The case was transferred from ", full, " to a new worker after six weeks."],
        ["Ms. ", full, " requested that the children be placed with their grandmother."],
        ["Mr. and Mrs. ", ("name", s), " were licensed as foster parents in the spring."],
    ]
    return rng.choice(templates)


def _address_pieces(rng: random.Random) -> list[Piece]:
    home, mail = ("address", address(rng, po_box=False)), ("address", address(rng))
    templates: list[list[Piece]] = [
        ["The family was living at ", home, " at the time of the incident."],
        ["Police responded to a call at ", home, " shortly after midnight."],
        ["Mail sent to ", mail, " was returned as undeliverable."],
        ["The grandmother's home at ", home, " was assessed for placement."],
        ["The mother gave her mailing address as ", mail, " during the intake."],
        ["The worker made an unannounced visit to ", home, " the next morning."],
        ["The children were found in a car parked outside ", home, "."],
    ]
    return rng.choice(templates)


def _structured_pieces(kind: str, rng: random.Random) -> list[Piece]:
    if kind == "ssn":
        v = ("ssn", ssn(rng))
        templates: list[list[Piece]] = [
            ["The mother's SSN, ", v, ", was written on the intake form."],
            ["The father provided a Social Security number (", v, ") to the eligibility worker."],
            ["Benefits were verified under SSN ", v, " before the placement."],
            ["A number, ", v, ", was found on the medical release in the file."],
            ["The worker recorded ", v, " as the child's social security number."],
            ["ss# ", v, " belongs to the alleged perpetrator according to the report."],
        ]
    elif kind == "phone":
        v = ("phone", phone(rng))
        templates = [
            ["The grandmother can be reached at ", v, " after 5 pm."],
            ["The referral source left a call-back number, ", v, "."],
            ["Call the foster parent on ", v, " before any visit."],
            ["The school counselor (", v, ") reported the bruises."],
            ["The mother's cell phone, ", v, ", was disconnected by the time of the follow-up."],
            ["Phone: ", v, " was listed for the father in the hotline report."],
        ]
    elif kind == "email":
        v = ("email", email(rng))
        templates = [
            ["The mother sent the documents from ", v, " on the same evening."],
            ["Updates were requested by e-mail to ", v, "."],
            ["The father's e-mail address (", v, ") was added to the case file."],
            ["Contact: ", v, " for the kinship provider."],
            ["She wrote to the worker from ", v, " asking for a visit."],
        ]
    elif kind == "date":
        v = ("date", date(rng))
        templates = [
            ["The child was born on ", v, " at the county hospital."],
            ["The injury was first observed on ", v, " by the child care provider."],
            ["DOB ", v, " was confirmed against the birth certificate."],
            ["A home visit took place on ", v, " and no concerns were noted."],
            ["The family's case was closed on ", v, " after three months of services."],
            ["Date of incident: ", v, "."],
        ]
    else:  # case_number
        full, number = case_number(rng)
        prefix = full[: len(full) - len(number)]
        v = ("case_number", number)
        templates = [
            ["The prior report (", prefix, v, ") was screened out."],
            ["See ", prefix, v, " for the earlier investigation."],
            ["The family was already known to the agency under ", prefix, v, "."],
            ["A second referral was linked to ", prefix, v, " by the hotline."],
            [prefix[:1].upper() + prefix[1:], v, " was reopened after the incident."],
        ]
    return rng.choice(templates)


def generated_sentences() -> list[str]:
    """Marked sentences: structured kinds, names (with a style each), addresses."""
    out: list[str] = []
    for kind in ("ssn", "phone", "email", "date", "case_number"):
        rng = random.Random(f"{SEED}-sentences-{kind}")
        out += [_mark(_structured_pieces(kind, rng)) for _ in range(SENTENCES_PER_STRUCTURED_KIND)]
    rng = random.Random(f"{SEED}-sentences-name")
    for _ in range(NAME_SENTENCES):
        pieces = _name_pieces(rng)
        style = rng.choices(["as is", "upper", "lower"], weights=[60, 20, 20])[0]
        out.append(_mark(pieces, style))
    rng = random.Random(f"{SEED}-sentences-address")
    for _ in range(ADDRESS_SENTENCES):
        out.append(_mark(_address_pieces(rng), "lower" if rng.random() < 0.25 else "as is"))
    return out


# --------------------------------------------------------------------------------------------
# Legitimate record ids (generated at run time)
# --------------------------------------------------------------------------------------------
_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


def _crockford(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(n))


def record_ids(
    n: int = 100_000, jurisdiction_ids: tuple[str, ...] = ("CT",)
) -> list[tuple[str, str]]:
    """(shape, id) pairs, ``n`` distinct ids: 30% each of the demo generator's three shapes
    (``RV-000123``, ``RV-000123-01``, ``T000123``/``T0001234``), the rest other opaque shapes.
    None is nine bare digits, ten bare digits or a compact date: those are SSN-, phone- and
    date-shaped by design, not opaque ids."""
    rng = random.Random(f"{SEED}-record-ids")
    shapes: list[tuple[str, float, Callable[[], str]]] = [
        ("review_id", 0.30, lambda: f"RV-{rng.randint(1, 999999):06d}"),
        ("io_id", 0.30, lambda: f"RV-{rng.randint(1, 999999):06d}-{rng.randint(1, 12):02d}"),
        (
            "response_id",
            0.30,
            lambda: (
                f"T{rng.randint(1, 999999):06d}"
                if rng.random() < 0.6
                else f"T{rng.randint(1, 2_999_999):07d}"
            ),
        ),
        ("uuid", 0.02, lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))),
        (
            "jurisdiction-year-seq",
            0.02,
            lambda: (
                f"{rng.choice(jurisdiction_ids)}-R-{rng.randint(2018, 2025)}"
                f"-{rng.randint(1, 9999):04d}"
            ),
        ),
        (
            "jurisdiction-prefixed",
            0.01,
            lambda: f"{rng.choice(jurisdiction_ids)}-RV-{rng.randint(1, 999999):06d}",
        ),
        ("io-seq", 0.01, lambda: f"IO-{rng.randint(1, 999999):06d}-{rng.randint(1, 9)}"),
        ("letter+9", 0.01, lambda: f"{rng.choice('RTV')}{rng.randint(0, 999_999_999):09d}"),
        ("hex12", 0.01, lambda: f"{rng.getrandbits(48):012x}"),
        ("ulid", 0.01, lambda: _crockford(rng, 26)),
        ("qualtrics", 0.01, lambda: "R_" + "".join(rng.choice(_ALNUM) for _ in range(15))),
    ]
    counts = [int(n * share) for _, share, _ in shapes]
    counts[0] += n - sum(counts)
    out, seen = [], set()
    for (shape, _, make), count in zip(shapes, counts):
        made = 0
        while made < count:
            v = make()
            if v not in seen:
                seen.add(v)
                out.append((shape, v))
                made += 1
    return out


# --------------------------------------------------------------------------------------------
def lines_of_values() -> Iterator[str]:
    yield "# Generated by generate.py (do not edit): kind<TAB>value, whole identifier values.\n"
    for kind, value in generated_values():
        yield f"{kind}\t{value}\n"


def lines_of_sentences() -> Iterator[str]:
    yield "# Generated by generate.py (do not edit): planted identifiers marked [[kind:text]].\n"
    for s in generated_sentences():
        yield s + "\n"


def write(folder: Path = HERE) -> list[Path]:
    paths = [folder / VALUES_FILE.name, folder / SENTENCES_FILE.name]
    for path, lines in zip(paths, (lines_of_values(), lines_of_sentences())):
        path.write_text("".join(lines), encoding="utf-8")
    return paths


if __name__ == "__main__":
    for p in write():
        print(f"wrote {p} ({p.stat().st_size:,} bytes)")
