"""Deterministic generator of a SYNTHETIC demo landing zone.

``write_landing_zone(out)`` writes
``<out>/<jurisdiction_id>/<data set>/<data set>_FY<year>.<suffix>`` for every member of the
jurisdiction registry, plus ``<out>/README.txt``. Most files are in the canonical CSV form of the
core data set (UTF-8, comma, header row, ISO dates, ``true``/``false``, empty cell = not known,
``;`` between multiple codes). A member with a layout in force (``ingestion/layouts/<ID>.yml``)
submits that data set in its own layout instead, written by
inverting the layout (:mod:`.submissions`): OH-FRANKLIN reviews and IOs (Windows-1252 ``;`` CSV,
US dates, Y/N, race check boxes, own codes), OH-HAMILTON survey responses (XLSX, sheet
``Responses``), TN workforce (JSON lines), PA-ALLEGHENY outcomes (JSON array), CO reviews
(tab-separated, US dates, Y/N). NJ sends a corrected resubmission of some FY2023 reviews
(``reviews_FY2023_corrected.csv``, read after the original: the latest submission wins).

:func:`landing_files` yields every file as its canonical frame before it is written: what
ingestion must read back from the written file.

What a jurisdiction submits follows ``jurisdiction_sharing_levels.csv``:

* reviews at level ``record`` -> ``reviews`` and ``improvement_opportunities`` files;
* reviews at level ``aggregate`` -> ``review_summary`` only: the reviews are generated internally
  and counted per calendar quarter, incident type and theme, so totals agree with record data;
* ``tasc_responses`` where that data set is ``record``; ``workforce`` and ``outcomes`` where they
  are ``aggregate``.

Record data is dated on or after the later of the joined date and 2020-01-01; periodic aggregates
(quarters, fiscal years) are written only for periods the jurisdiction was a member for from the
first day (fiscal year 2020 counts from 2019-10-01). Everything ends on 2025-09-30.

At scale 1 the published figures of the collaborative are met as of 2024-10-01: exactly 711
reviews and 1,841 improvement opportunities, teamwork and coordination in ~55% of reviews (most
often with law enforcement), economic support in ~24% (highest for SUID), ~24,550 survey responses
from ten jurisdictions. ``scale`` multiplies reviews, IOs, survey responses and staff headcounts.

The same ``seed`` and ``scale`` give byte-identical files: every random draw comes from a numpy
generator seeded from ``seed`` and a fixed label, and all loops run in a fixed order.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ingestion.core_data_set import DATA_SETS
from ingestion.landing import SYNTHETIC_MARKER
from ingestion.reference import Jurisdiction, code_list, jurisdictions

from . import calendar as C
from . import profiles as P
from . import submissions as S

ProgressFn = Callable[[str], None]

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


def _rng(seed: int, *labels: object) -> np.random.Generator:
    """A generator seeded from the user seed and a fixed label (stable across runs/processes)."""
    tag = zlib.crc32("|".join(str(x) for x in labels).encode("utf-8"))
    return np.random.default_rng([int(seed), tag])


def _draw_by_group(
    rng: np.random.Generator, keys: np.ndarray, probs: Callable[[object], np.ndarray]
) -> np.ndarray:
    """Draw a category index per element, with probabilities depending on the element's key."""
    out = np.zeros(len(keys), dtype=np.int64)
    for key in sorted(set(keys.tolist())):
        idx = np.flatnonzero(keys == key)
        p = probs(key)
        out[idx] = rng.choice(len(p), size=len(idx), p=p)
    return out


def _pick_exactly(rng: np.random.Generator, eligible: np.ndarray, n: int) -> np.ndarray:
    """Indices of ``n`` (at most all) elements drawn without replacement from a boolean mask."""
    idx = np.flatnonzero(eligible)
    n = min(int(n), len(idx))
    return np.sort(rng.choice(idx, size=n, replace=False)) if n else idx[:0]


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` that sum to ``total`` exactly."""
    raw = weights / weights.sum() * total
    base = np.floor(raw).astype(np.int64)
    rest = total - int(base.sum())
    order = np.lexsort((np.arange(len(raw)), -(raw - base)))  # ties by position
    base[order[:rest]] += 1
    return base


def _bool_str(values: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    out = np.where(values, "true", "false").astype(object)
    if missing is not None:
        out[missing] = ""
    return out


def _int_str(values: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    out = values.astype(np.int64).astype(str).astype(object)
    if missing is not None:
        out[missing] = ""
    return out


def _codes(list_name: str) -> np.ndarray:
    return np.array(code_list(list_name), dtype=object)


# ---------------------------------------------------------------------------------------------
# jurisdiction facts used by every data set
# ---------------------------------------------------------------------------------------------

GROUPS = tuple(g for g in code_list("race_ethnicity_group") if g not in ("unknown", "all"))


@dataclass(frozen=True)
class JurisdictionFacts:
    j: Jurisdiction
    window: tuple[date, date] | None
    children: int
    own_children: int  # children not inside another member nested in this one
    group_shares: dict[str, float]  # child population share per reporting group (sums to 1)
    staff: int  # all roles, scale 1

    @property
    def id(self) -> str:
        return self.j.jurisdiction_id

    @property
    def is_tribe(self) -> bool:
        return self.j.jurisdiction_type == "tribe"


def _group_shares(mix: tuple[float, ...]) -> dict[str, float]:
    aian, asian, black, hisp, nhpi, two = mix
    white = max(100.0 - (aian + asian + black + hisp + nhpi + two), 0.0)
    mena = white * P.MENA_SHARE_OF_WHITE
    pct = {
        "american_indian_alaska_native": aian,
        "asian": asian,
        "black_african_american": black,
        "hispanic_latino": hisp,
        "middle_eastern_north_african": mena,
        "native_hawaiian_pacific_islander": nhpi,
        "white": white - mena,
        "two_or_more": two,
    }
    missing = set(GROUPS) - set(pct)
    if missing or set(pct) - set(GROUPS):
        raise ValueError(f"race_ethnicity_group code list changed: {sorted(missing)}")
    total = sum(pct.values())
    return {g: pct[g] / total for g in GROUPS}


def jurisdiction_facts() -> list[JurisdictionFacts]:
    """Facts for every registered jurisdiction, sorted by id."""
    reg = jurisdictions()
    children = {}
    for jid, j in reg.items():
        prof = P.PROFILES.get(jid)
        children[jid] = prof[0] if prof else P.DEFAULT_CHILDREN.get(j.jurisdiction_type, 100_000)
    nested: dict[str, int] = {}
    for jid, j in reg.items():
        if j.parent_jurisdiction_id in reg:
            nested[j.parent_jurisdiction_id] = (
                nested.get(j.parent_jurisdiction_id, 0) + children[jid]
            )
    out = []
    for jid in sorted(reg):
        j = reg[jid]
        prof = P.PROFILES.get(jid)
        own = max(children[jid] - nested.get(jid, 0), children[jid] // 10)
        staff = P.STAFF.get(jid) or max(P.MIN_STAFF, round(own / 1000 * P.STAFF_PER_1000_CHILDREN))
        out.append(
            JurisdictionFacts(
                j=j,
                window=C.active_window(j),
                children=children[jid],
                own_children=own,
                group_shares=_group_shares(prof[1:] if prof else P.DEFAULT_MIX),
                staff=staff,
            )
        )
    return out


# ---------------------------------------------------------------------------------------------
# reviews and improvement opportunities (generated for all members at once: exact totals)
# ---------------------------------------------------------------------------------------------

MIN_LAG, MODE_LAG, MAX_LAG = 30, 140, 300  # days from incident to completed review


@dataclass
class Reviews:
    """All internally generated reviews (record and aggregate members) and their IOs."""

    jur: np.ndarray  # index into the facts list
    completed: np.ndarray  # day offsets
    incident: np.ndarray
    record: np.ndarray  # bool: submitted as records (else counted in review_summary)
    incident_type: np.ndarray  # codes (object)
    cause: np.ndarray
    maltreatment: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    race: np.ndarray
    open_case: np.ndarray
    prior_reports: np.ndarray
    prior_missing: np.ndarray
    contact: np.ndarray
    contact_missing: np.ndarray
    ooh: np.ndarray
    ooh_missing: np.ndarray
    n_ios: np.ndarray
    review_id: np.ndarray
    # IOs, sorted by review
    io_review: np.ndarray  # index into the reviews
    io_number: np.ndarray
    io_theme: np.ndarray
    io_level: np.ndarray
    io_partner: np.ndarray
    io_rating: np.ndarray
    io_rating_missing: np.ndarray
    io_narrative: np.ndarray


def _review_day_masks(f: JurisdictionFacts) -> tuple[np.ndarray, np.ndarray]:
    """Days on which the member may complete a review, as (record, aggregate) boolean masks."""
    rec = np.zeros(C.N_DAYS, dtype=bool)
    agg = np.zeros(C.N_DAYS, dtype=bool)
    if f.window is None:
        return rec, agg
    first, last = f.window
    lo = C.day_index(first) + MIN_LAG  # room for the incident after joining
    hi = C.day_index(last)
    days = np.arange(C.N_DAYS)
    in_window = (days >= lo) & (days <= hi) & (days != C.day_index(P.CALIBRATION_AS_OF))
    rec = in_window & (C.level_days(f.id, "reviews") == "record")
    for q in C.quarters(first, last):
        if (
            C.level_for_period(f.id, "reviews", q.start, q.end) == "aggregate"
            and C.level_for_period(f.id, "review_summary", q.start, q.end) == "aggregate"
        ):
            agg[C.day_index(q.start) : C.day_index(q.end) + 1] = True
    return rec, agg & in_window


def _race_strings(rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
    """child_race_ethnicity values for children of the given reporting groups (indices)."""
    order = {c: i for i, c in enumerate(code_list("race_ethnicity"))}

    def join(*codes: str) -> str:
        for c in codes:
            if c not in order:
                raise ValueError(f"race code {c!r} not in code list")
        return ";".join(sorted(codes, key=order.__getitem__))

    n = len(group)
    out = np.empty(n, dtype=object)
    names = np.array(GROUPS, dtype=object)[group]
    hisp_race = list(P.HISPANIC_RACE)
    hisp_p = np.array(list(P.HISPANIC_RACE.values()), dtype=float)
    hisp_p /= hisp_p.sum()
    pair_p = np.array([w for _, w in P.TWO_RACE_PAIRS], dtype=float)
    pair_p /= pair_p.sum()
    u = rng.random(n)
    hr = rng.choice(len(hisp_race), size=n, p=hisp_p)
    pr = rng.choice(len(pair_p), size=n, p=pair_p)
    for i in range(n):
        g = names[i]
        if g == "two_or_more":
            out[i] = join(*P.TWO_RACE_PAIRS[pr[i]][0])
        elif g == "hispanic_latino" and u[i] < P.HISPANIC_WITH_RACE:
            out[i] = join("hispanic_latino", hisp_race[hr[i]])
        else:
            out[i] = join(g)
    unknown = rng.random(n) < P.RACE_UNKNOWN_SHARE
    out[unknown] = join("unknown")
    return out


def _adjust_total(
    rng: np.random.Generator, k: np.ndarray, mask: np.ndarray, target: int, hi: int
) -> None:
    """Nudge counts ``k`` (in place, within 0..hi) so that ``k[mask].sum() == target``."""
    diff = target - int(k[mask].sum())
    while diff:
        step = 1 if diff > 0 else -1
        eligible = mask & ((k < hi) if step > 0 else (k > 0))
        pick = _pick_exactly(rng, eligible, abs(diff))
        if len(pick) == 0:
            raise ValueError("cannot reach the IO total with 0..6 IOs per review")
        k[pick] += step
        diff -= step * len(pick)


def generate_reviews(facts: list[JurisdictionFacts], scale: int, seed: int) -> Reviews:
    rng = _rng(seed, "reviews")
    as_of = C.day_index(P.CALIBRATION_AS_OF)
    days = np.arange(C.N_DAYS)
    growth = 1.0 + 0.06 * days / 365.25  # gradual uptake of the review tool

    rec_masks, agg_masks = zip(*(_review_day_masks(f) for f in facts), strict=True)
    rec_m = np.array(rec_masks)
    any_m = rec_m | np.array(agg_masks)
    size = np.array([max(f.own_children, P.REVIEW_WEIGHT_FLOOR) for f in facts], dtype=float)
    w = size[:, None] * growth[None, :] * any_m

    # exactly REVIEWS_BY_AS_OF * scale completed before the calibration date; same intensity after
    before = days < as_of
    n_before = P.REVIEWS_BY_AS_OF * scale
    wb = w[:, before]
    counts = np.zeros_like(w, dtype=np.int64)
    counts[:, before] = rng.multinomial(n_before, (wb / wb.sum()).ravel()).reshape(wb.shape)
    counts[:, ~before] = rng.poisson(w[:, ~before] * (n_before / wb.sum()))

    jur_cell, day_cell = np.nonzero(counts)
    reps = counts[jur_cell, day_cell]
    jur = np.repeat(jur_cell, reps)
    completed = np.repeat(day_cell, reps)
    n = len(jur)
    record = rec_m[jur, completed]

    # cause, incident type, child
    causes = _codes("cause_of_incident")
    cause_i = rng.choice(len(causes), size=n, p=P.weights("cause_of_incident", P.CAUSE_WEIGHTS))
    cause = causes[cause_i]

    def by_cause(table: dict, list_name: str):
        return lambda ci: P.weights(list_name, table.get(causes[ci], table.get("*", {})))

    it_codes = _codes("incident_type")
    incident_type = it_codes[
        _draw_by_group(rng, cause_i, by_cause(P.INCIDENT_TYPE_BY_CAUSE, "incident_type"))
    ]

    def age_probs(ci: int) -> np.ndarray:
        spec = P.AGE_BY_CAUSE.get(causes[ci], P.AGE_BY_CAUSE["*"])
        p = np.zeros(18)
        for ages, wt in spec:
            p[list(ages)] += wt / len(ages)
        return p / p.sum()

    age = _draw_by_group(rng, cause_i, age_probs)

    mt_codes = _codes("maltreatment_type")
    mt = mt_codes[
        _draw_by_group(rng, cause_i, by_cause(P.MALTREATMENT_BY_CAUSE, "maltreatment_type"))
    ].copy()
    mt[rng.random(n) < P.MALTREATMENT_MISSING] = ""

    sex = _codes("child_sex")[
        rng.choice(len(code_list("child_sex")), size=n, p=P.weights("child_sex", P.CHILD_SEX))
    ]

    disparity = np.array([P.INCIDENT_DISPARITY[g] for g in GROUPS])

    def race_probs(ji: int) -> np.ndarray:
        p = np.array([facts[ji].group_shares[g] for g in GROUPS]) * disparity
        return p / p.sum()

    race = _race_strings(rng, _draw_by_group(rng, jur, race_probs))

    # incident 1-10 months before completion, never before the member's first day
    first = np.array([C.day_index(f.window[0]) if f.window else 0 for f in facts])
    room = completed - first[jur]
    lag = np.rint(rng.triangular(MIN_LAG, MODE_LAG, MAX_LAG, size=n)).astype(np.int64)
    too_far = lag > room
    lag[too_far] = rng.integers(MIN_LAG, np.maximum(room[too_far], MIN_LAG) + 1)
    incident = completed - lag

    open_case = rng.random(n) < 0.22
    prior = np.where(
        open_case,
        rng.poisson(2.2, n) + 1,
        np.where(rng.random(n) < 0.5, 0, rng.poisson(1.5, n) + 1),
    )
    prior_missing = rng.random(n) < 0.05
    contact = np.where(prior > 0, rng.random(n) < 0.95, rng.random(n) < 0.12) | open_case
    contact_missing = rng.random(n) < 0.06
    ooh = rng.random(n) < np.where(open_case, 0.2, 0.03)
    ooh_missing = rng.random(n) < 0.05

    # IOs per review: exact total before the calibration date
    k = rng.choice(
        len(P.IO_COUNT_PROBS), size=n, p=np.array(P.IO_COUNT_PROBS) / sum(P.IO_COUNT_PROBS)
    )
    hi = len(P.IO_COUNT_PROBS) - 1
    is_before = completed < as_of
    _adjust_total(rng, k, is_before, P.IOS_BY_AS_OF * scale, hi)

    # which reviews carry a teamwork / an economic support IO: exact shares per stratum
    tw = np.zeros(n, dtype=bool)
    ec = np.zeros(n, dtype=bool)
    for rec_flag in (True, False):
        for bef in (True, False):
            stratum = (record == rec_flag) & (is_before == bef)
            tw[_pick_exactly(rng, stratum & (k >= 1), round(P.TEAMWORK_SHARE * stratum.sum()))] = (
                True
            )
            for c in causes:
                s = stratum & (cause == c)
                share = P.ECONOMIC_SHARE_SUID if c == "suid_sleep" else P.ECONOMIC_SHARE_OTHER
                room_for_ec = (k >= 2) | ((k == 1) & ~tw)
                ec[_pick_exactly(rng, s & room_for_ec, round(share * s.sum()))] = True

    ios = _generate_ios(rng, facts, jur, cause, k, tw, ec)

    # review ids: per member, in order of completion
    order = np.lexsort((rng.random(n), completed, jur))
    reviews = Reviews(
        jur=jur,
        completed=completed,
        incident=incident,
        record=record,
        incident_type=incident_type,
        cause=cause,
        maltreatment=mt,
        age=age,
        sex=sex,
        race=race,
        open_case=open_case,
        prior_reports=prior,
        prior_missing=prior_missing,
        contact=contact,
        contact_missing=contact_missing,
        ooh=ooh,
        ooh_missing=ooh_missing,
        n_ios=k,
        review_id=np.empty(n, dtype=object),
        **ios,
    )
    # re-sort reviews and remap the IOs' review index
    reviews = _reorder(reviews, order)
    seq = np.zeros(n, dtype=np.int64)
    for ji in np.unique(reviews.jur):
        idx = np.flatnonzero(reviews.jur == ji)
        seq[idx] = np.arange(1, len(idx) + 1)
    reviews.review_id = np.char.add("RV-", np.char.zfill(seq.astype(str), 6)).astype(object)
    return reviews


def _generate_ios(rng, facts, jur, cause, k, tw, ec) -> dict[str, np.ndarray]:
    themes = _codes("io_theme")
    t_index = {t: i for i, t in enumerate(themes)}
    tw_i, ec_i = t_index["teamwork_coordination"], t_index["economic_support"]

    total = int(k.sum())
    rev = np.repeat(np.arange(len(k)), k)
    pos = np.arange(total) - np.repeat(np.cumsum(k) - k, k)
    tw_r, ec_r = tw[rev], ec[rev]
    theme = np.full(total, -1, dtype=np.int64)
    theme[tw_r & (pos == 0)] = tw_i
    theme[ec_r & (pos == tw_r.astype(np.int64))] = ec_i
    fill = theme < 0
    suid = cause[rev] == "suid_sleep"
    key = suid * 4 + tw_r * 2 + ec_r

    def fill_probs(kk: int) -> np.ndarray:
        spec = dict(P.FILL_THEME_WEIGHTS)
        if kk & 4:
            spec["safe_sleep_education"] = spec["safe_sleep_education"] * P.SUID_SAFE_SLEEP_BOOST
        if kk & 2:
            spec["teamwork_coordination"] = P.FILL_TEAMWORK_WEIGHT
        if kk & 1:
            spec["economic_support"] = P.FILL_ECONOMIC_WEIGHT
        return P.weights("io_theme", spec)

    theme[fill] = _draw_by_group(rng, key[fill], fill_probs)
    # shuffle the IOs within each review so the flagged themes are not always first
    order = np.lexsort((rng.random(total), rev))
    theme = theme[order]
    number = pos + 1  # rev is sorted, so positions are unchanged

    levels = _codes("io_level")
    level = levels[
        _draw_by_group(
            rng,
            theme,
            lambda ti: P.weights(
                "io_level", P.IO_LEVEL_BY_THEME.get(themes[ti], P.IO_LEVEL_BY_THEME["*"])
            ),
        )
    ]

    partners = _codes("partner_agency")
    tribe = np.array([f.is_tribe for f in facts])[jur[rev]]
    pkey = theme * 2 + tribe

    def partner_probs(kk: int) -> np.ndarray:
        _, spec = P.PARTNER_BY_THEME.get(themes[kk // 2], P.PARTNER_BY_THEME["*"])
        spec = dict(spec)
        if kk % 2:
            spec["tribal"] = spec.get("tribal", 1.0) * P.TRIBAL_PARTNER_BOOST
        return P.weights("partner_agency", spec)

    partner = partners[_draw_by_group(rng, pkey, partner_probs)].copy()
    p_named = np.array([P.PARTNER_BY_THEME.get(t, P.PARTNER_BY_THEME["*"])[0] for t in themes])
    partner[rng.random(total) >= p_named[theme]] = ""

    rating = rng.choice(len(P.RATING_PROBS), size=total, p=P.RATING_PROBS)
    rating_missing = rng.random(total) < P.RATING_MISSING

    narrative = np.empty(total, dtype=object)
    u = rng.random(total)
    for ti, t in enumerate(themes):
        idx = np.flatnonzero(theme == ti)
        templates = P.NARRATIVES.get(t, P.NARRATIVES["other"])
        narrative[idx] = np.array(templates, dtype=object)[(u[idx] * len(templates)).astype(int)]
    narrative[rng.random(total) < P.NARRATIVE_MISSING] = ""

    return dict(
        io_review=rev,
        io_number=number,
        io_theme=themes[theme],
        io_level=level,
        io_partner=partner,
        io_rating=rating,
        io_rating_missing=rating_missing,
        io_narrative=narrative,
    )


def _reorder(r: Reviews, order: np.ndarray) -> Reviews:
    """Reviews permuted by ``order``; IOs re-sorted to follow their reviews."""
    fields = {}
    n = len(order)
    io_fields = {name for name in r.__dataclass_fields__ if name.startswith("io_")}
    for name in r.__dataclass_fields__:
        if name not in io_fields:
            fields[name] = getattr(r, name)[order]
    new_index = np.empty(n, dtype=np.int64)
    new_index[order] = np.arange(n)
    io_rev = new_index[r.io_review]
    io_order = np.lexsort((r.io_number, io_rev))
    for name in io_fields:
        fields[name] = getattr(r, name)[io_order]
    fields["io_review"] = io_rev[io_order]
    return Reviews(**fields)


def _reviews_frame(r: Reviews, idx: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "review_id": r.review_id[idx],
            "incident_type": r.incident_type[idx],
            "incident_date": C.iso(r.incident[idx]),
            "review_completed_date": C.iso(r.completed[idx]),
            "cause_of_incident": r.cause[idx],
            "maltreatment_type": r.maltreatment[idx],
            "child_age_years": _int_str(r.age[idx]),
            "child_sex": r.sex[idx],
            "child_race_ethnicity": r.race[idx],
            "open_case_at_incident": _bool_str(r.open_case[idx]),
            "prior_reports_count": _int_str(r.prior_reports[idx], r.prior_missing[idx]),
            "contact_within_3_years": _bool_str(r.contact[idx], r.contact_missing[idx]),
            "in_out_of_home_care": _bool_str(r.ooh[idx], r.ooh_missing[idx]),
        }
    )


def _ios_frame(r: Reviews, io_idx: np.ndarray) -> pd.DataFrame:
    rid = r.review_id[r.io_review[io_idx]]
    num = np.char.zfill(r.io_number[io_idx].astype(str), 2)
    return pd.DataFrame(
        {
            "io_id": np.char.add(np.char.add(rid.astype(str), "-"), num).astype(object),
            "review_id": rid,
            "io_theme": r.io_theme[io_idx],
            "io_level": r.io_level[io_idx],
            "partner_agency": r.io_partner[io_idx],
            "rating": _int_str(r.io_rating[io_idx], r.io_rating_missing[io_idx]),
            "narrative": r.io_narrative[io_idx],
        }
    )


def _summary_frame(r: Reviews, idx: np.ndarray) -> pd.DataFrame:
    """review_summary rows for the (aggregate-level) reviews ``idx`` of one member."""
    themes = list(code_list("io_theme"))
    types = list(code_list("incident_type"))
    rv = pd.DataFrame(
        {
            "row": idx,
            "period": C.quarter_labels(r.completed[idx]),
            "incident_type": r.incident_type[idx].astype(str),
        }
    )
    counts = rv.groupby(["period", "incident_type"]).size().rename("reviews_completed")
    io_mask = np.isin(r.io_review, idx)
    io = pd.DataFrame({"row": r.io_review[io_mask], "io_theme": r.io_theme[io_mask].astype(str)})
    io = io.merge(rv, on="row")
    ios = io.groupby(["period", "incident_type", "io_theme"]).size().rename("ios_identified")
    with_theme = (
        io.drop_duplicates(["row", "io_theme"])
        .groupby(["period", "incident_type", "io_theme"])
        .size()
        .rename("reviews_with_theme")
    )
    grid = counts.reset_index().merge(pd.DataFrame({"io_theme": themes}), how="cross")
    out = grid.merge(
        ios.reset_index(), how="left", on=["period", "incident_type", "io_theme"]
    ).merge(with_theme.reset_index(), how="left", on=["period", "incident_type", "io_theme"])
    out[["ios_identified", "reviews_with_theme"]] = (
        out[["ios_identified", "reviews_with_theme"]].fillna(0).astype(np.int64)
    )
    out["_t"] = out["incident_type"].map(types.index)
    out["_h"] = out["io_theme"].map(themes.index)
    out = out.sort_values(["period", "_t", "_h"], kind="stable").drop(columns=["_t", "_h"])
    for c in ("reviews_completed", "ios_identified", "reviews_with_theme"):
        out[c] = out[c].astype(np.int64).astype(str)
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# survey (TASC)
# ---------------------------------------------------------------------------------------------


def survey_plan(
    facts: list[JurisdictionFacts], scale: int, seed: int
) -> dict[tuple[str, str], int]:
    """Respondents per (member, wave): exact total for the waves before the calibration date."""
    rng = _rng(seed, "survey-plan")
    entries, weights, before = [], [], []
    for f in facts:
        if f.window is None:
            continue
        for wave, first, last in P.SURVEY_WAVES:
            rate = rng.uniform(0.30, 0.40)  # drawn for every pair: stable whatever is skipped
            if f.id in P.SURVEY_FIRST_WAVE_2025 and first.year < 2025:
                continue
            if not (f.window[0] <= first and last <= f.window[1]):
                continue
            if C.level_for_period(f.id, "tasc_responses", first, last) != "record":
                continue
            entries.append((f.id, wave))
            weights.append(f.staff * rate * scale)
            before.append(last < P.CALIBRATION_AS_OF)
    weights_a = np.array(weights)
    before_a = np.array(before, dtype=bool)
    counts = np.rint(weights_a).astype(np.int64)
    if before_a.any():
        counts[before_a] = _largest_remainder(
            weights_a[before_a], P.SURVEY_RESPONSES_BY_AS_OF * scale
        )
    return {e: int(c) for e, c in zip(entries, counts, strict=True)}


PS_ITEMS = [f"ps_{i}" for i in range(1, 8)]
SR_ITEMS = [f"sr_{i}" for i in range(1, 5)]
WC_ITEMS = [f"wc_{i}" for i in range(1, 4)]
EE_ITEMS = [f"ee_{i}" for i in range(1, 6)]


def _items(rng, latent, n_items, centre, spread, loading, lo, hi):
    noise = rng.standard_normal((len(latent), n_items))
    raw = centre + spread * (loading * latent[:, None] + np.sqrt(1 - loading**2) * noise)
    return np.clip(np.rint(raw), lo, hi).astype(np.int64)


def _tasc_frame(f: JurisdictionFacts, plan: dict[tuple[str, str], int], seed: int) -> pd.DataFrame:
    jrng = _rng(seed, "tasc-units", f.id)
    n_units = int(np.clip(round(f.staff / 250), 4, 12))
    unit_eff = jrng.normal(0.0, 0.35, n_units)
    unit_p = jrng.dirichlet(np.full(n_units, 4.0))
    jur_eff = jrng.normal(0.0, 0.2)
    units = np.array([f"U{i:02d}" for i in range(1, n_units + 1)], dtype=object)
    roles = _codes("staff_role")
    tenures = _codes("tenure_band")
    frames = []
    for w_i, (wave, first, last) in enumerate(P.SURVEY_WAVES):
        n = plan.get((f.id, wave), 0)
        if n == 0:
            continue
        rng = _rng(seed, "tasc", f.id, wave)
        bdays = np.flatnonzero(
            np.is_busday(C.to_datetime64(np.arange(C.day_index(first), C.day_index(last) + 1)))
        )
        day = C.day_index(first) + bdays[rng.integers(0, len(bdays), n)]
        unit = rng.choice(n_units, size=n, p=unit_p)
        role_i = rng.choice(len(roles), size=n, p=P.weights("staff_role", P.SURVEY_ROLE_SHARES))
        tenure_p = P.weights("tenure_band", P.TENURE_SHARES)
        senior_p = P.weights("tenure_band", {"1_2y": 8, "3_5y": 25, "6_10y": 32, "gt_10y": 35})
        senior = np.isin(roles[role_i], ["supervisor", "manager", "administrator"])
        tenure_i = np.where(
            senior, rng.choice(len(tenures), n, p=senior_p), rng.choice(len(tenures), n, p=tenure_p)
        )

        sd = np.sqrt(1 + 0.35**2 + 0.2**2)
        z = (jur_eff + unit_eff[unit] + 0.05 * w_i + rng.standard_normal(n)) / sd
        ps = _items(rng, z, 7, 4.8, 1.3, 0.78, 1, 7)
        for item in P.REVERSED_PS_ITEMS:  # negatively worded: raw agreement falls with safety
            ps[:, item - 1] = 8 - ps[:, item - 1]
        stress = 0.2 * z + np.sqrt(1 - 0.04) * rng.standard_normal(n)
        sr = _items(rng, stress, 4, 3.5, 0.9, 0.75, 1, 5)
        conn = 0.45 * z + np.sqrt(1 - 0.45**2) * rng.standard_normal(n)
        wc = _items(rng, conn, 3, 3.6, 0.95, 0.75, 1, 5)
        exh = -0.45 * z + np.sqrt(1 - 0.45**2) * rng.standard_normal(n)
        ee = _items(rng, exh, 5, 2.7, 1.5, 0.8, 0, 6)
        new_staff = tenures[tenure_i] == "lt_1y"
        intent_latent = 0.5 * z + np.sqrt(1 - 0.25) * rng.standard_normal(n) - 0.25 * new_staff
        intent = np.clip(np.rint(3.5 + 1.15 * intent_latent), 1, 5).astype(np.int64)

        items = np.column_stack([ps, sr, wc, ee, intent])
        missing = rng.random(items.shape) < P.ITEM_MISSING
        item_str = items.astype(str).astype(object)
        item_str[missing] = ""

        ids = rng.permutation(n) + 1
        width = max(6, len(str(n)))
        df = pd.DataFrame(
            {
                "response_id": np.char.add("T", np.char.zfill(ids.astype(str), width)).astype(
                    object
                ),
                "survey_wave": wave,
                "response_date": C.iso(day),
                "org_unit": np.where(rng.random(n) < 0.01, "", units[unit]).astype(object),
                "role": roles[role_i],
                "tenure_band": np.where(rng.random(n) < 0.02, "", tenures[tenure_i]).astype(object),
            }
        )
        cols = PS_ITEMS + SR_ITEMS + WC_ITEMS + EE_ITEMS + ["intent_to_stay"]
        df = pd.concat([df, pd.DataFrame(item_str, columns=cols)], axis=1)
        df["_day"] = day
        df["_fy"] = C.fiscal_years(day)
        frames.append(df.sort_values(["_day", "response_id"], kind="stable").drop(columns="_day"))
    if not frames:
        return pd.DataFrame(columns=DATA_SETS["tasc_responses"].column_names)
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# workforce
# ---------------------------------------------------------------------------------------------

YEAR_TURNOVER = {2020: 0.95, 2021: 1.08, 2022: 1.15, 2023: 1.08, 2024: 1.0, 2025: 0.95}


def _workforce_frame(f: JurisdictionFacts, scale: int, seed: int) -> pd.DataFrame:
    if f.window is None:
        return pd.DataFrame(columns=DATA_SETS["workforce"].column_names)
    qs = [
        q
        for q in C.quarters(*f.window)
        if C.level_for_period(f.id, "workforce", q.start, q.end) == "aggregate"
    ]
    if not qs:
        return pd.DataFrame(columns=DATA_SETS["workforce"].column_names)
    rng = _rng(seed, "workforce", f.id)
    jur_factor = rng.uniform(0.85, 1.15)
    roles = code_list("staff_role")
    shares = P.weights("staff_role", P.ROLE_SHARES)
    rows = []
    for role, share in zip(roles, shares, strict=True):
        target0 = max(1.0, f.staff * scale * share)
        hc = max(1, int(round(target0 * rng.normal(1.0, 0.03))))
        annual = P.ROLE_TURNOVER.get(role, 0.2) * jur_factor
        for q in qs:
            years = (q.start - qs[0].start).days / 365.25
            target = target0 * (1 + 0.01 * years)
            rate = min(annual * YEAR_TURNOVER.get(q.year, 1.0) / 4, 0.5)
            sep = int(rng.binomial(hc, rate))
            invol = int(rng.binomial(sep, P.INVOLUNTARY_SHARE))
            hires = max(0, int(round(sep + 0.35 * (target - hc) + rng.normal(0, np.sqrt(sep + 1)))))
            end = hc + hires - sep
            vac = max(
                0,
                int(
                    round(
                        target * (1 + P.VACANCY_RATE)
                        - end
                        + rng.normal(0, np.sqrt(0.02 * target + 1))
                    )
                ),
            )
            rows.append((q.label, q.fiscal_year, role, hc, end, hires, sep - invol, invol, vac))
            hc = end
    df = pd.DataFrame(
        rows,
        columns=[
            "period",
            "_fy",
            "role",
            "headcount_start",
            "headcount_end",
            "hires",
            "separations_voluntary",
            "separations_involuntary",
            "vacancies",
        ],
    )
    df["_r"] = df["role"].map(list(roles).index)
    df = df.sort_values(["period", "_r"], kind="stable").drop(columns="_r")
    return df.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# outcomes
# ---------------------------------------------------------------------------------------------


def _outcomes_frame(f: JurisdictionFacts, seed: int) -> pd.DataFrame:
    years = []
    for fy in P.OUTCOME_YEARS:
        first, last = C.fiscal_year_start(fy), C.fiscal_year_end(fy)
        if f.j.joined_date > first:
            continue
        if f.j.left_date is not None and f.j.left_date <= last:
            continue
        if C.level_for_period(f.id, "outcomes", first, last) != "aggregate":
            continue
        years.append(fy)
    if not years:
        return pd.DataFrame(columns=DATA_SETS["outcomes"].column_names)
    rng = _rng(seed, "outcomes", f.id)
    f_v, f_e, f_f = np.exp(rng.normal(0.0, [0.2, 0.2, 0.15]))
    inv_ratio = P.INVESTIGATED_PER_VICTIM * rng.uniform(0.85, 1.15)
    window = 6 if f.id in P.RECURRENCE_6_MONTHS else 12
    rec_lo, rec_hi = P.RECURRENCE_6M if window == 6 else P.RECURRENCE_12M
    p_rec = rng.uniform(rec_lo, rec_hi)
    shares = np.array([f.group_shares[g] for g in GROUPS])
    disp = np.array([P.OUTCOME_DISPARITY[g] for g in GROUPS])  # (groups, 3)
    u = P.UNKNOWN_RACE_SHARE_OF_COUNTS
    all_groups = list(code_list("race_ethnicity_group"))
    if "unknown" not in all_groups or "all" not in all_groups:
        raise ValueError("race_ethnicity_group needs 'unknown' and 'all'")
    rows = []
    for fy in years:
        pop = np.rint(f.children * shares * (1 + P.POPULATION_TREND * (fy - 2022))).astype(np.int64)
        trend = 1 - 0.02 * (fy - 2022)

        def expected(rate: float, col: int, pop=pop) -> tuple[np.ndarray, float]:
            total = rate * pop.sum()
            rel = pop * disp[:, col]
            return (1 - u) * total * rel / rel.sum(), u * total

        lam_v, unk_v = expected(P.VICTIM_RATE * f_v * trend, 0)
        lam_e, unk_e = expected(P.ENTRY_RATE * f_e * trend, 1)
        lam_f, unk_f = expected(P.FATALITY_RATE * f_f, 2)
        lam_v, lam_e, lam_f = (
            np.append(x, y) for x, y in ((lam_v, unk_v), (lam_e, unk_e), (lam_f, unk_f))
        )
        victims = rng.poisson(lam_v)
        investigated = victims + rng.poisson(lam_v * (inv_ratio - 1))
        recurrence = rng.binomial(
            victims, np.clip(p_rec * rng.uniform(0.85, 1.15, len(victims)), 0, 1)
        )
        entries = np.minimum(rng.poisson(lam_e), investigated)
        fatal = np.minimum(rng.poisson(lam_f), victims)
        near = np.minimum(rng.poisson(lam_f * P.NEAR_FATALITY_RATIO), victims - fatal)
        g_pop = np.append(pop, 0)  # no population count exists for an unknown race
        block = np.column_stack([g_pop, investigated, victims, recurrence, entries, fatal, near])
        block = np.vstack([block, block.sum(axis=0)])
        names = list(GROUPS) + ["unknown", "all"]
        for name, vals in zip(names, block, strict=True):
            rows.append((fy, name, *vals.tolist()))
    df = pd.DataFrame(
        rows,
        columns=[
            "fiscal_year",
            "race_ethnicity_group",
            "child_population",
            "children_investigated",
            "victims",
            "victims_with_recurrence",
            "entries_to_care",
            "maltreatment_fatalities",
            "near_fatalities",
        ],
    )
    df["recurrence_window_months"] = window
    df["_g"] = df["race_ethnicity_group"].map(all_groups.index)
    df = df.sort_values(["fiscal_year", "_g"], kind="stable").drop(columns="_g")
    return df.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------

README = """\
SYNTHETIC DEMO DATA -- NOT REAL
================================

Every file under this folder was generated by npcs.demo_data (seed {seed}, scale {scale}).
The records, counts and survey answers are SYNTHETIC demo data made up for testing and
demonstration of the warehouse. They describe no real child, family, staff member or case, and
must not be read as statistics of any jurisdiction.

Layout: <jurisdiction_id>/<data set>/<data set>_FY<federal fiscal year>.<suffix>. Most files are
in the canonical form of the core data set (CSV: UTF-8, comma, header row, ISO dates, true/false,
empty cell = not known, multiple codes joined by ';'). Members with a layout in force
(ingestion/layouts/<jurisdiction_id>.yml) submit in their own layout instead:
{own_layouts}
Corrected resubmission: {correction}
re-sends some reviews of {original} with a corrected cause of incident; it sorts
after the original, so its values replace the earlier ones (the latest submission wins).
"""

# A corrected resubmission: (member, data set, preferred fiscal year). The member's reviews of that
# year are written as usual, then some of them again, corrected, in a file that sorts after it.
CORRECTION = ("NJ", "reviews", 2023)
CORRECTED_SUFFIX = "_corrected"


@dataclass
class LandingFile:
    """One file of the landing zone, as canonical text ('' = empty) before it is written."""

    jurisdiction_id: str
    data_set: str
    stem: str  # the file name without its suffix
    frame: pd.DataFrame  # the data set's canonical columns, in contract order

    @property
    def folder(self) -> str:
        return f"{self.jurisdiction_id}/{self.data_set}"


def _split_by_fiscal_year(
    jid: str, data_set: str, frame: pd.DataFrame, fiscal_year: np.ndarray
) -> list[LandingFile]:
    if frame.empty:
        return []
    cols = DATA_SETS[data_set].column_names
    missing = set(cols) ^ (set(frame.columns) - {"_fy"})
    if missing:
        raise AssertionError(f"{data_set}: columns differ from the contract: {sorted(missing)}")
    frame = S.representable(jid, data_set, frame[cols])
    fiscal_year = np.asarray(fiscal_year)
    return [
        LandingFile(
            jid, data_set, f"{data_set}_FY{fy}", frame[fiscal_year == fy].reset_index(drop=True)
        )
        for fy in sorted(set(fiscal_year.tolist()))
    ]


def _correction(files: list[LandingFile], seed: int) -> LandingFile | None:
    """The corrected resubmission of :data:`CORRECTION`'s member, after its original file."""
    jid, data_set, fy = CORRECTION
    mine = [f for f in files if f.jurisdiction_id == jid and f.data_set == data_set]
    if not mine:
        return None
    preferred = [f for f in mine if f.stem == f"{data_set}_FY{fy}"]
    original = preferred[0] if preferred else max(mine, key=lambda f: len(f.frame))
    fixed = S.corrected_causes(original.frame, _rng(seed, "correction", jid, original.stem))
    stem = original.stem + CORRECTED_SUFFIX
    # the loader reads a data set's files in path order: the correction must come later
    assert f"{original.stem}." < f"{stem}.", (original.stem, stem)
    return LandingFile(jid, data_set, stem, fixed)


def landing_files(
    scale: int = 1, seed: int = 20241001, progress: ProgressFn | None = None
) -> Iterator[LandingFile]:
    """Every file of the demo landing zone, as canonical frames, member by member (in id order).

    The frames hold what each member's file means: ingestion reads the written file back to
    exactly these values (through the member's layout, where one is in force). ``progress`` is
    called once per member.
    """
    if int(scale) != scale or scale < 1:
        raise ValueError("scale must be a positive integer")
    scale = int(scale)
    facts = jurisdiction_facts()
    reviews = generate_reviews(facts, scale, seed)
    plan = survey_plan(facts, scale, seed)

    for ji, f in enumerate(facts):
        files: list[LandingFile] = []
        mine = reviews.jur == ji
        rec_idx = np.flatnonzero(mine & reviews.record)
        agg_idx = np.flatnonzero(mine & ~reviews.record)
        if len(rec_idx):
            files += _split_by_fiscal_year(
                f.id,
                "reviews",
                _reviews_frame(reviews, rec_idx),
                C.fiscal_years(reviews.completed[rec_idx]),
            )
            io_idx = np.flatnonzero(np.isin(reviews.io_review, rec_idx))
            if len(io_idx):
                files += _split_by_fiscal_year(
                    f.id,
                    "improvement_opportunities",
                    _ios_frame(reviews, io_idx),
                    C.fiscal_years(reviews.completed[reviews.io_review[io_idx]]),
                )
        if len(agg_idx):
            summary = _summary_frame(reviews, agg_idx)
            fy = summary["period"].str.slice(0, 4).astype(int) + (summary["period"].str[-1] == "4")
            files += _split_by_fiscal_year(f.id, "review_summary", summary, fy.to_numpy())
        tasc = _tasc_frame(f, plan, seed)
        if not tasc.empty:
            files += _split_by_fiscal_year(f.id, "tasc_responses", tasc, tasc["_fy"].to_numpy())
        wf = _workforce_frame(f, scale, seed)
        if not wf.empty:
            files += _split_by_fiscal_year(f.id, "workforce", wf, wf["_fy"].to_numpy())
        oc = _outcomes_frame(f, seed)
        if not oc.empty:
            files += _split_by_fiscal_year(f.id, "outcomes", oc, oc["fiscal_year"].to_numpy())
        if f.id == CORRECTION[0] and (fixed := _correction(files, seed)) is not None:
            files.append(fixed)
        yield from files
        if progress is not None:
            progress(f"{f.id}: {len(files)} files")


def write_landing_zone(
    out: Path, scale: int = 1, seed: int = 20241001, progress: ProgressFn | None = None
) -> dict:
    """Write the synthetic demo landing zone under ``out`` and return a summary.

    Existing files with the same names are overwritten; nothing else in ``out`` is touched.
    Returns ``{"out", "seed", "scale", "jurisdictions", "files_written", "rows", "files",
    "own_layouts", "corrections"}`` where ``rows`` and ``files`` count what was written per data
    set (a corrected resubmission's rows included), ``own_layouts`` lists the files written in a
    member's own layout and ``corrections`` the corrected resubmissions.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = {name: 0 for name in DATA_SETS}
    files = {name: 0 for name in DATA_SETS}
    own: list[str] = []
    corrections: list[str] = []
    for lf in landing_files(scale, seed, progress):
        folder = out / lf.folder
        folder.mkdir(parents=True, exist_ok=True)
        path = S.write_submission(folder, lf.stem, lf.jurisdiction_id, lf.data_set, lf.frame, seed)
        rel = path.relative_to(out).as_posix()
        rows[lf.data_set] += len(lf.frame)
        files[lf.data_set] += 1
        if S.layout_of(lf.jurisdiction_id, lf.data_set) is not None:
            own.append(rel)
        if lf.stem.endswith(CORRECTED_SUFFIX):
            corrections.append(rel)

    own_kinds = []
    for jid, data_set in sorted({tuple(p.split("/")[:2]) for p in own}):
        layout = S.layout_of(jid, data_set)
        kind = S.file_kind(jid, data_set, layout)
        own_kinds.append(f"  {jid}/{data_set}: {kind.suffix} (ingestion/layouts/{jid}.yml)")
    (out / "README.txt").write_text(
        README.format(
            seed=seed,
            scale=int(scale),
            own_layouts="\n".join(own_kinds),
            correction=", ".join(corrections) or "(no correction)",
            original=", ".join(c.replace(CORRECTED_SUFFIX, "") for c in corrections) or "-",
        ),
        encoding="utf-8",
    )
    (out / SYNTHETIC_MARKER).write_text(
        "This landing zone holds synthetic demo data; reports built from it say so.\n",
        encoding="utf-8",
    )
    return {
        "out": str(out),
        "seed": seed,
        "scale": int(scale),
        "jurisdictions": len(jurisdictions()),
        "files_written": sum(files.values()),
        "rows": rows,
        "files": files,
        "own_layouts": own,
        "corrections": corrections,
    }
