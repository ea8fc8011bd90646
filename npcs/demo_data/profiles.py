"""Fixed parameters of the synthetic demo landing zone.

Everything here is made up for demonstration, loosely shaped after public orders of magnitude
(child populations of the 2020s, national maltreatment rates). No value describes a real person.

Code *values* are never listed as a code list here: the code lists come from the dbt seeds
through :mod:`ingestion.reference`. Where a distribution names a code, :func:`weights` checks that
the code exists in its list, so a renamed code fails loudly instead of silently vanishing.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from ingestion.reference import code_list

# --------------------------------------------------------------------------------------------
# Calendar and calibration targets
# --------------------------------------------------------------------------------------------
DATA_START = date(2020, 1, 1)
DATA_END = date(2025, 9, 30)  # end of federal fiscal year 2025
OUTCOME_YEARS = range(2020, 2026)  # federal fiscal years
CALIBRATION_AS_OF = date(2024, 10, 1)

# Figures the collaborative published as of 2024-10-01 (domain.md); the generator hits the counts
# exactly at scale 1 and multiplies them by the scale otherwise.
REVIEWS_BY_AS_OF = 711
IOS_BY_AS_OF = 1841
SURVEY_RESPONSES_BY_AS_OF = 24_550

TEAMWORK_SHARE = 0.55  # share of reviews with >= 1 teamwork_coordination IO
ECONOMIC_SHARE_SUID = 0.45  # share of suid_sleep reviews with >= 1 economic_support IO
ECONOMIC_SHARE_OTHER = 0.165  # ... of reviews with any other cause

# Survey waves: (wave label, first response date, last response date). The first wave of a
# jurisdiction is its first wave on or after the date it joined.
SURVEY_WAVES = (
    ("2022-2", date(2022, 10, 3), date(2022, 11, 18)),
    ("2023-2", date(2023, 10, 2), date(2023, 11, 17)),
    ("2024-1", date(2024, 3, 4), date(2024, 4, 19)),
    ("2025-1", date(2025, 3, 3), date(2025, 4, 18)),
)
# Jurisdictions that ran their first survey wave only in 2025 (after the calibration date).
SURVEY_FIRST_WAVE_2025 = ("ME", "WY", "CA-ALAMEDA")

# Jurisdictions measuring repeat maltreatment over 6 months instead of 12.
RECURRENCE_6_MONTHS = ("NH", "NM")


# --------------------------------------------------------------------------------------------
# Jurisdiction profiles
# --------------------------------------------------------------------------------------------
# Children under 18 (around 2022) and the child population mix, in percent, of the
# non-Hispanic single races, Hispanic (any race) and two or more races. White is the remainder;
# Middle Eastern or North African children are carved out of it (MENA_SHARE_OF_WHITE).
# columns:        children,  aian, asian, black, hisp, nhpi, two
PROFILES: dict[str, tuple[int, float, float, float, float, float, float]] = {
    "CT": (730_000, 0.2, 5.0, 12.0, 27.0, 0.05, 5.0),
    "OH": (2_580_000, 0.2, 2.5, 17.0, 7.0, 0.05, 6.0),
    "NY": (3_990_000, 0.4, 9.0, 15.0, 26.0, 0.05, 4.5),
    "TN": (1_530_000, 0.2, 2.0, 19.0, 9.0, 0.10, 5.0),
    "NJ": (1_960_000, 0.2, 10.0, 13.0, 30.0, 0.05, 4.0),
    "MI": (2_130_000, 0.5, 3.5, 17.0, 9.0, 0.05, 6.0),
    "MD": (1_330_000, 0.2, 6.5, 31.0, 18.0, 0.10, 6.0),
    "KS": (695_000, 0.8, 3.0, 7.0, 20.0, 0.10, 6.0),
    "CO": (1_230_000, 0.6, 3.5, 4.5, 34.0, 0.15, 5.0),
    "AZ": (1_620_000, 5.0, 3.0, 5.0, 45.0, 0.20, 4.0),
    "IN": (1_570_000, 0.2, 2.5, 12.0, 12.0, 0.05, 6.0),
    "VT": (113_000, 0.3, 2.0, 2.0, 3.0, 0.03, 5.0),
    "NH": (250_000, 0.2, 3.0, 2.0, 7.0, 0.03, 4.0),
    "DE": (202_000, 0.3, 4.0, 27.0, 18.0, 0.05, 5.0),
    "OK": (950_000, 10.0, 2.3, 8.0, 18.0, 0.20, 11.0),
    "GA": (2_510_000, 0.2, 4.5, 34.0, 17.0, 0.10, 4.5),
    "UT": (920_000, 1.0, 2.0, 1.5, 19.0, 1.20, 4.0),
    "KY": (1_000_000, 0.2, 1.8, 10.0, 7.0, 0.10, 5.5),
    "MO": (1_370_000, 0.4, 2.0, 15.0, 7.0, 0.20, 5.5),
    "NM": (460_000, 10.0, 1.3, 2.0, 60.0, 0.10, 3.0),
    "SC": (1_110_000, 0.3, 1.8, 30.0, 10.0, 0.10, 5.0),
    "ME": (250_000, 0.8, 1.5, 3.5, 3.0, 0.05, 5.0),
    "WY": (130_000, 2.5, 1.0, 1.0, 16.0, 0.10, 3.5),
    "OH-FRANKLIN": (305_000, 0.2, 6.0, 30.0, 9.0, 0.05, 8.0),
    "OH-HAMILTON": (183_000, 0.2, 3.0, 30.0, 6.0, 0.05, 7.0),
    "PA-ALLEGHENY": (218_000, 0.1, 4.0, 19.0, 5.0, 0.05, 7.0),
    "PA-PHILADELPHIA": (345_000, 0.3, 7.0, 42.0, 24.0, 0.05, 5.0),
    "CA-LOS-ANGELES": (2_150_000, 0.2, 12.0, 7.0, 62.0, 0.20, 3.0),
    "NV-CLARK": (530_000, 0.5, 9.0, 15.0, 45.0, 1.00, 6.0),
    "NV-WASHOE": (104_000, 1.5, 5.0, 3.0, 35.0, 0.70, 5.0),
    "MN-HENNEPIN": (275_000, 1.0, 8.0, 22.0, 12.0, 0.05, 8.0),
    "CO-EL-PASO": (178_000, 0.7, 3.0, 7.0, 24.0, 0.40, 8.0),
    "CA-ALAMEDA": (345_000, 0.2, 30.0, 9.0, 33.0, 1.00, 7.0),
    "NY-NYC": (1_720_000, 0.3, 15.0, 22.0, 36.0, 0.05, 3.5),
    "DC": (128_000, 0.2, 2.5, 58.0, 17.0, 0.05, 5.0),
    "ND-SPIRIT-LAKE": (2_400, 92.0, 0.0, 0.5, 1.5, 0.0, 3.0),
    "OK-CHEROKEE": (48_000, 75.0, 0.5, 1.0, 4.0, 0.10, 12.0),
    "MN-WHITE-EARTH": (3_600, 80.0, 0.0, 0.5, 2.0, 0.0, 10.0),
}
MENA_SHARE_OF_WHITE = 0.02
# Child population for a jurisdiction missing from PROFILES, by jurisdiction type.
DEFAULT_CHILDREN = {
    "state": 900_000,
    "county": 200_000,
    "city": 300_000,
    "district": 120_000,
    "tribe": 3_000,
}
DEFAULT_MIX = (0.5, 3.0, 14.0, 20.0, 0.1, 5.0)

# Child-welfare staff (all roles) at scale 1. The survey jurisdictions are given explicitly; the
# rest get STAFF_PER_1000_CHILDREN of the children they serve directly (minus nested members).
STAFF: dict[str, int] = {
    "CT": 3_200,
    "TN": 4_200,
    "NJ": 4_400,
    "MD": 2_700,
    "KS": 1_500,
    "CO": 2_600,
    "IN": 4_100,
    "OH-FRANKLIN": 750,
    "OH-HAMILTON": 450,
    "PA-ALLEGHENY": 650,
    "ME": 900,
    "WY": 420,
    "CA-ALAMEDA": 1_100,
}
STAFF_PER_1000_CHILDREN = 3.2
MIN_STAFF = 18

# Reviews are allocated in proportion to children served directly, with a floor so that small
# members (tribes, small states) still see the occasional review.
REVIEW_WEIGHT_FLOOR = 60_000


def weights(list_name: str, spec: dict[str, float], default: float = 0.0) -> np.ndarray:
    """Probabilities aligned with ``code_list(list_name)`` from ``{code: weight}``.

    Codes not named get ``default``. Raises if ``spec`` names a code that is not in the list.
    """
    codes = code_list(list_name)
    unknown = set(spec) - set(codes)
    if unknown:
        raise ValueError(f"codes not in code list {list_name!r}: {sorted(unknown)}")
    w = np.array([spec.get(c, default) for c in codes], dtype=float)
    if w.sum() <= 0:
        raise ValueError(f"no positive weight for {list_name!r}")
    return w / w.sum()


# --------------------------------------------------------------------------------------------
# Reviews
# --------------------------------------------------------------------------------------------
CAUSE_WEIGHTS = {
    "suid_sleep": 25,
    "abusive_head_trauma": 10,
    "other_physical_abuse": 9,
    "neglect_supervision": 12,
    "drowning": 6,
    "firearm": 5,
    "poisoning_overdose": 9,
    "vehicle": 3,
    "fire_burn": 2,
    "medical_natural": 5,
    "suicide": 3,
    "homicide_other": 4,
    "undetermined": 5,
    "unknown": 2,
}

# incident type given cause
INCIDENT_TYPE_BY_CAUSE = {
    "suid_sleep": {"fatality": 88, "near_fatality": 10, "serious_injury": 1, "other_critical": 1},
    "abusive_head_trauma": {"fatality": 45, "near_fatality": 50, "serious_injury": 5},
    "suicide": {"fatality": 75, "near_fatality": 20, "other_critical": 5},
    "homicide_other": {"fatality": 85, "near_fatality": 12, "serious_injury": 3},
    "undetermined": {"fatality": 80, "near_fatality": 15, "other_critical": 5},
    "*": {"fatality": 50, "near_fatality": 38, "serious_injury": 8, "other_critical": 4},
}

# child age (0..17) given cause: list of (ages, total weight spread evenly over them)
AGE_BY_CAUSE: dict[str, list[tuple[range, float]]] = {
    "suid_sleep": [(range(0, 1), 1.0)],
    "abusive_head_trauma": [(range(0, 1), 0.45), (range(1, 2), 0.25), (range(2, 4), 0.30)],
    "other_physical_abuse": [
        (range(0, 1), 0.12),
        (range(1, 4), 0.45),
        (range(4, 9), 0.28),
        (range(9, 18), 0.15),
    ],
    "neglect_supervision": [(range(0, 1), 0.12), (range(1, 4), 0.55), (range(4, 11), 0.33)],
    "drowning": [(range(0, 1), 0.03), (range(1, 4), 0.72), (range(4, 11), 0.25)],
    "firearm": [(range(0, 6), 0.20), (range(6, 13), 0.25), (range(13, 18), 0.55)],
    "poisoning_overdose": [
        (range(0, 1), 0.08),
        (range(1, 4), 0.55),
        (range(4, 13), 0.07),
        (range(13, 18), 0.30),
    ],
    "vehicle": [(range(0, 1), 0.06), (range(1, 6), 0.44), (range(6, 18), 0.50)],
    "fire_burn": [(range(0, 1), 0.06), (range(1, 6), 0.60), (range(6, 13), 0.34)],
    "medical_natural": [(range(0, 1), 0.30), (range(1, 6), 0.40), (range(6, 18), 0.30)],
    "suicide": [(range(10, 13), 0.20), (range(13, 18), 0.80)],
    "homicide_other": [(range(0, 1), 0.12), (range(1, 6), 0.40), (range(6, 18), 0.48)],
    "undetermined": [(range(0, 1), 0.35), (range(1, 4), 0.45), (range(4, 18), 0.20)],
    "*": [(range(0, 1), 0.20), (range(1, 6), 0.45), (range(6, 18), 0.35)],
}

MALTREATMENT_BY_CAUSE = {
    "suid_sleep": {"neglect": 85, "other": 5, "unknown": 10},
    "abusive_head_trauma": {"physical_abuse": 96, "unknown": 4},
    "other_physical_abuse": {
        "physical_abuse": 88,
        "sexual_abuse": 6,
        "psychological": 2,
        "unknown": 4,
    },
    "neglect_supervision": {"neglect": 92, "medical_neglect": 4, "unknown": 4},
    "drowning": {"neglect": 94, "unknown": 6},
    "firearm": {"neglect": 60, "physical_abuse": 30, "unknown": 10},
    "poisoning_overdose": {"neglect": 82, "medical_neglect": 10, "unknown": 8},
    "vehicle": {"neglect": 75, "other": 10, "unknown": 15},
    "fire_burn": {"neglect": 85, "physical_abuse": 5, "unknown": 10},
    "medical_natural": {"medical_neglect": 70, "neglect": 22, "unknown": 8},
    "suicide": {"psychological": 30, "neglect": 30, "sexual_abuse": 10, "other": 15, "unknown": 15},
    "homicide_other": {"physical_abuse": 85, "other": 5, "unknown": 10},
    "undetermined": {"unknown": 50, "neglect": 35, "physical_abuse": 15},
    "unknown": {"unknown": 80, "neglect": 20},
}
MALTREATMENT_MISSING = 0.05

CHILD_SEX = {"male": 55, "female": 43, "unknown": 2}

# Relative rate of critical incidents / maltreatment by reporting group (White = 1).
INCIDENT_DISPARITY = {
    "american_indian_alaska_native": 2.8,
    "asian": 0.35,
    "black_african_american": 2.5,
    "hispanic_latino": 1.0,
    "middle_eastern_north_african": 0.8,
    "native_hawaiian_pacific_islander": 1.5,
    "white": 1.0,
    "two_or_more": 1.5,
}
RACE_UNKNOWN_SHARE = 0.04  # reviews whose race is recorded as `unknown`
HISPANIC_WITH_RACE = 0.35  # Hispanic children recorded with a race code as well
# race code pairs for children of two or more races
TWO_RACE_PAIRS = (
    (("black_african_american", "white"), 40),
    (("american_indian_alaska_native", "white"), 18),
    (("asian", "white"), 14),
    (("black_african_american", "hispanic_latino"), 12),
    (("american_indian_alaska_native", "black_african_american"), 8),
    (("native_hawaiian_pacific_islander", "white"), 4),
    (("middle_eastern_north_african", "white"), 4),
)
HISPANIC_RACE = {
    "white": 80,
    "black_african_american": 10,
    "american_indian_alaska_native": 6,
    "asian": 4,
}

# IOs per review (0..6): mean ~2.6 before the exact adjustment to the calibration total.
IO_COUNT_PROBS = (0.08, 0.17, 0.24, 0.23, 0.15, 0.09, 0.04)

# Themes of the IOs that are not the flagged teamwork / economic support ones.
FILL_THEME_WEIGHTS = {
    "communication_information_sharing": 14,
    "workload_staffing": 7,
    "supervision_consultation": 9,
    "policy_procedure": 9,
    "training_skills": 8,
    "tools_technology": 4,
    "safety_risk_assessment": 13,
    "family_engagement": 9,
    "service_access": 8,
    "safe_sleep_education": 5,
    "cultural_responsiveness": 4,
    "other": 3,
}
FILL_TEAMWORK_WEIGHT = 12  # a review with teamwork IOs often has more than one
FILL_ECONOMIC_WEIGHT = 6
SUID_SAFE_SLEEP_BOOST = 5.0

IO_LEVEL_BY_THEME = {
    "teamwork_coordination": {"cross_system": 55, "team": 20, "agency": 15, "frontline": 10},
    "economic_support": {"family_need": 55, "community": 30, "cross_system": 10, "agency": 5},
    "communication_information_sharing": {
        "cross_system": 35,
        "team": 30,
        "frontline": 20,
        "agency": 15,
    },
    "workload_staffing": {"agency": 60, "team": 30, "frontline": 10},
    "supervision_consultation": {"team": 55, "frontline": 30, "agency": 15},
    "policy_procedure": {"agency": 75, "cross_system": 15, "team": 10},
    "training_skills": {"frontline": 50, "agency": 30, "team": 20},
    "tools_technology": {"agency": 70, "frontline": 20, "team": 10},
    "safety_risk_assessment": {"frontline": 60, "team": 30, "agency": 10},
    "family_engagement": {"frontline": 60, "team": 20, "family_need": 20},
    "service_access": {"community": 45, "cross_system": 30, "family_need": 25},
    "safe_sleep_education": {"family_need": 40, "community": 40, "frontline": 20},
    "cultural_responsiveness": {"agency": 40, "frontline": 35, "community": 25},
    "*": {
        "frontline": 20,
        "team": 20,
        "agency": 20,
        "cross_system": 15,
        "community": 15,
        "family_need": 10,
    },
}

# (probability a partner agency is named, partner weights) by theme
PARTNER_BY_THEME: dict[str, tuple[float, dict[str, float]]] = {
    "teamwork_coordination": (
        0.90,
        {
            "law_enforcement": 36,
            "medical": 16,
            "courts_legal": 10,
            "behavioral_health": 10,
            "schools_early_childhood": 8,
            "substance_use_treatment": 6,
            "public_health_home_visiting": 5,
            "other_child_welfare": 4,
            "tribal": 2,
            "other": 3,
        },
    ),
    "economic_support": (
        0.75,
        {
            "economic_assistance": 70,
            "public_health_home_visiting": 15,
            "schools_early_childhood": 10,
            "other": 5,
        },
    ),
    "safe_sleep_education": (0.65, {"public_health_home_visiting": 55, "medical": 35, "other": 10}),
    "service_access": (
        0.70,
        {
            "behavioral_health": 30,
            "substance_use_treatment": 25,
            "medical": 15,
            "public_health_home_visiting": 15,
            "economic_assistance": 10,
            "other": 5,
        },
    ),
    "communication_information_sharing": (
        0.70,
        {
            "law_enforcement": 22,
            "medical": 24,
            "schools_early_childhood": 14,
            "courts_legal": 10,
            "behavioral_health": 12,
            "other_child_welfare": 12,
            "other": 6,
        },
    ),
    "*": (
        0.55,
        {
            "medical": 20,
            "behavioral_health": 18,
            "substance_use_treatment": 14,
            "courts_legal": 10,
            "schools_early_childhood": 10,
            "law_enforcement": 8,
            "other_child_welfare": 8,
            "public_health_home_visiting": 6,
            "tribal": 2,
            "other": 4,
        },
    ),
}
TRIBAL_PARTNER_BOOST = 8.0  # tribal members name tribal agencies far more often

RATING_PROBS = (0.08, 0.34, 0.40, 0.18)
RATING_MISSING = 0.03
NARRATIVE_MISSING = 0.08

# Generic synthetic narrative sentences. They never carry a name, a date, an address, a phone or
# a case number. A few carry accented letters (vis-à-vis, précis, naïve, español), so that a
# Windows-1252 export (OH-FRANKLIN) holds bytes that are not UTF-8.
NARRATIVES: dict[str, tuple[str, ...]] = {
    "teamwork_coordination": (
        "Joint planning with the partner agency was not in place before the incident.",
        "Roles of child welfare vis-à-vis the partner agency were not clearly agreed.",
        "A multidisciplinary team meeting could have aligned the safety plan earlier.",
    ),
    "economic_support": (
        "The family's housing and income needs were not connected to available supports.",
        "Concrete supports such as cribs, utilities or child care were not offered.",
        "Economic strain was noted but no referral for financial assistance followed.",
    ),
    "communication_information_sharing": (
        "Relevant information held by another system did not reach the assigned worker.",
        "A précis of the case notes was not shared in time to inform the safety assessment.",
        "Handoffs between shifts did not carry forward key safety concerns.",
    ),
    "workload_staffing": (
        "Caseloads in the unit were above the agency standard during the period reviewed.",
        "A vacancy on the team delayed required contacts with the family.",
    ),
    "supervision_consultation": (
        "Supervisory consultation on the safety decision was not documented.",
        "Reflective supervision could have helped the worker revisit the initial assessment.",
    ),
    "policy_procedure": (
        "Agency policy did not give clear guidance for this type of situation.",
        "The procedure for closing an assessment did not require a final safety check.",
    ),
    "training_skills": (
        "Staff had limited training on recognising the risks present in this case.",
        "Additional coaching on interviewing young children would have been useful.",
    ),
    "tools_technology": (
        "The case management system did not flag prior reports for the household.",
        "Mobile access to records was not available during the field visit.",
    ),
    "safety_risk_assessment": (
        "The safety assessment took a naïve view of the cumulative history of concerns.",
        "Risk factors for the youngest child were not assessed separately.",
    ),
    "family_engagement": (
        "Caregivers were not fully engaged in developing the safety plan.",
        "Extended family supports were not explored with the household.",
    ),
    "service_access": (
        "Recommended services had long waiting lists in the area.",
        "The family faced transport barriers to reaching the referred services.",
    ),
    "safe_sleep_education": (
        "Safe sleep guidance was not reinforced at each home visit.",
        "The household lacked a safe sleep space and this was not addressed.",
    ),
    "cultural_responsiveness": (
        "Services were not offered in the family's preferred language (español).",
        "The family's cultural context was not reflected in the service plan.",
    ),
    "other": (
        "The review identified a further system factor for follow-up.",
        "A local practice issue was noted for the quality improvement team.",
    ),
}

# --------------------------------------------------------------------------------------------
# Workforce and survey
# --------------------------------------------------------------------------------------------
ROLE_SHARES = {
    "caseworker": 60,
    "supervisor": 13,
    "manager": 5,
    "administrator": 3,
    "support_staff": 16,
    "other": 3,
}
# annual separation rate by role
ROLE_TURNOVER = {
    "caseworker": 0.33,
    "supervisor": 0.18,
    "manager": 0.14,
    "administrator": 0.12,
    "support_staff": 0.23,
    "other": 0.20,
}
INVOLUNTARY_SHARE = 0.18
VACANCY_RATE = 0.09  # funded positions left open, as a share of headcount

SURVEY_ROLE_SHARES = {
    "caseworker": 62,
    "supervisor": 14,
    "manager": 5,
    "administrator": 2,
    "support_staff": 14,
    "other": 3,
}
TENURE_SHARES = {"lt_1y": 19, "1_2y": 22, "3_5y": 24, "6_10y": 18, "gt_10y": 17}
ITEM_MISSING = 0.02
REVERSED_PS_ITEMS = (1, 3, 5)

# --------------------------------------------------------------------------------------------
# Outcomes (rates per child, overall; groups get the relative rates below)
# --------------------------------------------------------------------------------------------
FATALITY_RATE = 2.7e-5
NEAR_FATALITY_RATIO = 0.5
VICTIM_RATE = 8.0e-3
INVESTIGATED_PER_VICTIM = 4.0
ENTRY_RATE = 2.5e-3
RECURRENCE_12M = (0.06, 0.09)
RECURRENCE_6M = (0.04, 0.055)
UNKNOWN_RACE_SHARE_OF_COUNTS = 0.025
POPULATION_TREND = -0.004  # per year
OUTCOME_DISPARITY = {  # relative rate (White = 1) for victims, entries, fatalities
    "american_indian_alaska_native": (2.6, 2.9, 2.8),
    "asian": (0.30, 0.25, 0.40),
    "black_african_american": (2.3, 2.2, 2.6),
    "hispanic_latino": (1.05, 0.95, 0.95),
    "middle_eastern_north_african": (0.8, 0.6, 0.8),
    "native_hawaiian_pacific_islander": (1.6, 1.5, 1.5),
    "white": (1.0, 1.0, 1.0),
    "two_or_more": (1.6, 1.7, 1.4),
}
