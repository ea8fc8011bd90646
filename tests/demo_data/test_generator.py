"""Tests of the synthetic demo landing-zone generator (npcs.demo_data)."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from ingestion.core_data_set import DATA_SETS
from ingestion.layouts import layout_for
from ingestion.reference import code_list, jurisdictions, sharing_level
from npcs.demo_data import calibration_figures, write_landing_zone
from npcs.demo_data.calibration import ps_score, read_data_set

AS_OF = date(2024, 10, 1)
DATA_START = date(2020, 1, 1)
DATA_END = date(2025, 9, 30)
SURVEY_TEN = {
    "CT",
    "OH-FRANKLIN",
    "TN",
    "NJ",
    "KS",
    "CO",
    "IN",
    "PA-ALLEGHENY",
    "OH-HAMILTON",
    "MD",
}


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("landing1")
    messages: list[str] = []
    summary = write_landing_zone(out, progress=messages.append)
    out.joinpath(".summary").write_text(repr(summary))  # for the summary test
    out.joinpath(".messages").write_text("\n".join(messages))
    return out


@pytest.fixture(scope="module")
def figures(landing) -> dict:
    return calibration_figures(landing, AS_OF)


def _files(root: Path) -> list[Path]:
    """Every submission file (canonical CSVs and members' own layouts), hidden files aside."""
    return sorted(p for p in root.glob("*/*/*") if not p.name.startswith("."))


_FRAMES: dict[tuple[Path, str], pd.DataFrame] = {}


def _frame(landing: Path, name: str) -> pd.DataFrame:
    """The data set read back as ingestion reads it (latest submission per key); cached."""
    if (landing, name) not in _FRAMES:
        _FRAMES[(landing, name)] = read_data_set(landing, name)
    df = _FRAMES[(landing, name)].copy()
    assert not df.empty, name
    return df


# --- shape ---------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes(landing, tmp_path):
    second = tmp_path / "again"
    write_landing_zone(second)
    a = {p.relative_to(landing): p.read_bytes() for p in _files(landing)}
    b = {p.relative_to(second): p.read_bytes() for p in _files(second)}
    assert any(p.suffix == ".xlsx" for p in a)  # workbooks too: no time stamps in them
    assert a.keys() == b.keys()
    assert all(a[k] == b[k] for k in a)
    assert (landing / "README.txt").read_bytes() == (second / "README.txt").read_bytes()


def test_other_seed_differs(landing, zone_seed7):
    other, _ = zone_seed7
    assert (other / "CT/reviews/reviews_FY2023.csv").read_bytes() != (
        landing / "CT/reviews/reviews_FY2023.csv"
    ).read_bytes()


def test_readme_and_summary(landing):
    assert "SYNTHETIC" in (landing / "README.txt").read_text()
    summary = eval((landing / ".summary").read_text())  # noqa: S307 - our own repr
    files = _files(landing)
    assert summary["files_written"] == len(files)
    for name, n in summary["rows"].items():
        assert n == len(read_data_set(landing, name, latest=False)), name
    assert sorted(summary["own_layouts"]) == sorted(
        p.relative_to(landing).as_posix()
        for p in files
        if layout_for(p.parent.parent.name, p.parent.name) is not None
    )
    assert summary["corrections"] == ["NJ/reviews/reviews_FY2023_corrected.csv"]
    messages = (landing / ".messages").read_text().splitlines()
    assert len(messages) == len(jurisdictions())


def test_layout_and_headers(landing):
    registry = jurisdictions()
    canonical = 0
    for path in _files(landing):
        jid, name = path.parent.parent.name, path.parent.name
        assert jid in registry
        assert name in DATA_SETS
        assert re.fullmatch(rf"{name}_FY20(2[0-5])(_corrected)?\.(csv|tsv|xlsx|jsonl?)", path.name)
        if layout_for(jid, name) is not None:
            continue  # a member's own layout: tests/demo_data/test_own_layouts.py
        canonical += 1
        assert path.suffix == ".csv", path
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
        with path.open(newline="", encoding="utf-8") as f:
            header = next(csv.reader(f))
        assert header == DATA_SETS[name].column_names, path
    assert canonical > 500


def test_values_follow_the_contract(landing):
    for name, ds in DATA_SETS.items():
        df = _frame(landing, name)
        for col in ds.columns:
            values = df[col.name]
            if col.required:
                assert values.notna().all(), (name, col.name)
            v = values.dropna()
            if col.code_list:
                allowed = set(code_list(col.code_list))
                if col.type == "codes":
                    parts = v.str.split(";")
                    assert parts.map(lambda p, ok=allowed: set(p) <= ok).all(), (name, col.name)
                    assert not parts.map(lambda p: "unknown" in p and len(p) > 1).any()
                    assert parts.map(lambda p: len(p) == len(set(p))).all()
                else:
                    assert set(v) <= allowed, (name, col.name, set(v) - allowed)
            if col.type in ("integer", "year"):
                ints = v.astype(int)
                assert (ints.astype(str) == v).all(), (name, col.name)
                if col.min is not None:
                    assert ints.min() >= col.min, (name, col.name)
                if col.max is not None:
                    assert ints.max() <= col.max, (name, col.name)
            if col.type == "date":
                assert v.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
                pd.to_datetime(v, format="%Y-%m-%d")
            if col.type == "boolean":
                assert set(v) <= {"true", "false"}, (name, col.name)
            if col.type == "quarter":
                assert v.str.fullmatch(r"20\d\d-Q[1-4]").all()


def test_keys_unique_within_jurisdiction(landing):
    for name, ds in DATA_SETS.items():
        df = _frame(landing, name)
        assert not df.duplicated(["jurisdiction_id", *ds.key]).any(), name


def test_no_personal_identifiers_in_narratives(landing):
    io = _frame(landing, "improvement_opportunities")
    text = io["narrative"].dropna()
    assert not text.str.contains(r"\d").any()  # no dates, phone or case numbers
    assert text.nunique() < 60  # a fixed list of templates


# --- who submits what, and when --------------------------------------------------------------


def test_data_sets_follow_sharing_levels(landing):
    present = {(p.parent.parent.name, p.parent.name) for p in _files(landing)}
    for jid, name in present:
        level = (
            "record"
            if name in ("reviews", "improvement_opportunities", "tasc_responses")
            else "aggregate"
        )
        check_set = "reviews" if name == "review_summary" else name
        assert sharing_level(jid, check_set, DATA_END) == level, (jid, name)
    # every aggregate-only reviewer with reviews submits summaries, never records
    for jid in jurisdictions():
        if sharing_level(jid, "reviews", DATA_END) == "aggregate":
            assert (jid, "reviews") not in present
            assert (jid, "improvement_opportunities") not in present


def test_nothing_before_joining_or_after_fy2025(landing):
    registry = jurisdictions()
    first = {jid: max(j.joined_date, DATA_START) for jid, j in registry.items()}

    def check(df, column):
        d = pd.to_datetime(df[column]).dt.date
        lo = df["jurisdiction_id"].map(first)
        assert (d >= lo).all(), column
        assert (d <= DATA_END).all(), column

    rv = _frame(landing, "reviews")
    check(rv, "incident_date")
    check(rv, "review_completed_date")
    check(_frame(landing, "tasc_responses"), "response_date")
    for name in ("workforce", "review_summary"):
        df = _frame(landing, name)
        year = df["period"].str[:4].astype(int)
        q = df["period"].str[-1].astype(int)
        starts = [date(y, 3 * qq - 2, 1) for y, qq in zip(year, q, strict=True)]
        assert all(s >= first[j] for s, j in zip(starts, df["jurisdiction_id"], strict=True))
        assert (df["period"] <= "2025-Q3").all()
    oc = _frame(landing, "outcomes")
    fy = oc["fiscal_year"].astype(int)
    assert fy.between(2020, 2025).all()
    assert all(
        date(y - 1, 10, 1) >= registry[j].joined_date
        for y, j in zip(fy, oc["jurisdiction_id"], strict=True)
    )


def test_review_dates_are_plausible(landing):
    rv = _frame(landing, "reviews")
    lag = (
        pd.to_datetime(rv["review_completed_date"]) - pd.to_datetime(rv["incident_date"])
    ).dt.days
    assert lag.between(28, 310).all()
    assert not (rv["review_completed_date"] == AS_OF.isoformat()).any()


# --- calibration -------------------------------------------------------------------------------


def test_calibration_counts_are_exact(figures):
    assert figures["reviews_completed"] == 711
    assert figures["improvement_opportunities"] == 1841


def test_calibration_theme_shares(figures):
    assert 50 < figures["pct_reviews_with_teamwork_coordination"] < 60
    assert 20 < figures["pct_reviews_with_economic_support"] < 28


def test_calibration_survey(figures):
    assert 24_000 < figures["survey_responses"] <= 24_800
    assert figures["survey_jurisdictions"] == 10
    assert set(figures["survey_jurisdiction_ids"]) == SURVEY_TEN


def test_everything_is_larger_than_as_of(landing, figures):
    everything = calibration_figures(landing)
    assert everything["reviews_completed"] > figures["reviews_completed"]
    assert everything["improvement_opportunities"] > figures["improvement_opportunities"]
    assert everything["survey_responses"] > figures["survey_responses"]
    assert everything["survey_jurisdictions"] == 13  # ME, WY, CA-ALAMEDA in 2025


def test_economic_support_highest_for_suid(figures, landing):
    for fig in (figures, calibration_figures(landing)):
        by_cause = fig["economic_support_pct_by_cause"]
        suid = by_cause.pop("suid_sleep")
        assert suid > 35
        assert suid > 1.5 * max(by_cause.values())


def test_law_enforcement_top_teamwork_partner(figures):
    counts = figures["teamwork_partner_counts"]
    assert figures["top_teamwork_partner"] == "law_enforcement"
    assert counts["law_enforcement"] > 1.5 * sorted(counts.values())[-2]


def test_psychological_safety_goes_with_intent_to_stay(landing, figures):
    assert figures["ps_intent_correlation"] > 0.3
    tasc = _frame(landing, "tasc_responses")
    score = ps_score(tasc)
    for i in range(1, 8):
        raw = tasc[f"ps_{i}"].astype(float)
        r = raw.corr(tasc["ps_2"].astype(float)) if i != 2 else 1.0
        assert (r < -0.3) if i in (1, 3, 5) else (r > 0.3), i
    ee = tasc[[f"ee_{i}" for i in range(1, 6)]].astype(float).mean(axis=1)
    assert score.corr(ee) < -0.2
    missing = tasc[[c for c in tasc.columns if re.fullmatch(r"(ps|sr|wc|ee)_\d|intent_to_stay", c)]]
    assert 0.01 < missing.isna().mean().mean() < 0.04
    assert tasc["role"].value_counts().index[0] == "caseworker"


def test_review_plausibility(landing):
    rv = _frame(landing, "reviews")
    assert rv["cause_of_incident"].value_counts().index[0] == "suid_sleep"
    assert rv["incident_type"].isin(["fatality", "near_fatality"]).mean() > 0.8
    fat = rv[rv["incident_type"] == "fatality"]
    assert 0.35 < (fat["child_age_years"] == "0").mean() < 0.6
    io = _frame(landing, "improvement_opportunities")
    assert 0.2 < io["partner_agency"].isna().mean() < 0.4
    per_review = io.groupby(["jurisdiction_id", "review_id"]).size()
    assert per_review.max() <= 6
    ids = set(zip(rv["jurisdiction_id"], rv["review_id"], strict=True))
    assert set(zip(io["jurisdiction_id"], io["review_id"], strict=True)) <= ids


# --- aggregates ---------------------------------------------------------------------------------


def test_review_summary_invariants(landing):
    df = _frame(landing, "review_summary")
    for c in ("reviews_completed", "ios_identified", "reviews_with_theme"):
        df[c] = df[c].astype(int)
    g = df.groupby(["jurisdiction_id", "period", "incident_type"])
    assert (g["reviews_completed"].nunique() == 1).all()
    assert (g.size() == len(code_list("io_theme"))).all()
    assert (df["reviews_completed"] >= 1).all()
    assert (df["reviews_with_theme"] <= df["reviews_completed"]).all()
    assert (df["reviews_with_theme"] <= df["ios_identified"]).all()


def test_workforce_invariants(landing):
    df = _frame(landing, "workforce")
    num = [
        "headcount_start",
        "headcount_end",
        "hires",
        "separations_voluntary",
        "separations_involuntary",
        "vacancies",
    ]
    df[num] = df[num].astype(int)
    assert (
        df["headcount_end"]
        == df["headcount_start"]
        + df["hires"]
        - df["separations_voluntary"]
        - df["separations_involuntary"]
    ).all()
    df = df.sort_values(["jurisdiction_id", "role", "period"])
    nxt = df.groupby(["jurisdiction_id", "role"])["headcount_start"].shift(-1)
    assert (nxt.dropna() == df.loc[nxt.notna(), "headcount_end"]).all()
    df["year"] = df["period"].str[:4]
    y = df.groupby(["jurisdiction_id", "year"]).agg(
        sep=("separations_voluntary", "sum"),
        inv=("separations_involuntary", "sum"),
        start=("headcount_start", "sum"),
        quarters=("period", "nunique"),
    )
    full = y[(y["quarters"] == 4) & (y["start"] / 4 >= 200)]
    turnover = (full["sep"] + full["inv"]) / (full["start"] / 4)
    assert turnover.between(0.2, 0.4).all(), turnover.describe()


def test_outcomes_invariants_and_rates(landing):
    df = _frame(landing, "outcomes")
    num = [c for c in DATA_SETS["outcomes"].column_names[2:]]
    df[num] = df[num].astype(int)
    assert (df["victims"] <= df["children_investigated"]).all()
    assert (df["victims_with_recurrence"] <= df["victims"]).all()
    assert (df["maltreatment_fatalities"] + df["near_fatalities"] <= df["victims"]).all()
    assert set(df["recurrence_window_months"]) == {6, 12}
    groups = set(code_list("race_ethnicity_group"))
    key = ["jurisdiction_id", "fiscal_year"]
    assert (df.groupby(key)["race_ethnicity_group"].apply(set) == groups).all()
    parts = df[df["race_ethnicity_group"] != "all"].groupby(key)[num].sum()
    total = df[df["race_ethnicity_group"] == "all"].set_index(key)[num]
    cols = [c for c in num if c != "recurrence_window_months"]
    assert (parts.loc[total.index, cols] == total[cols]).all().all()

    alls = df[df["race_ethnicity_group"] == "all"][num].sum()
    assert 2.0 < alls["maltreatment_fatalities"] / alls["child_population"] * 1e5 < 3.5
    assert 6 < alls["victims"] / alls["child_population"] * 1e3 < 10
    assert 3 < alls["children_investigated"] / alls["victims"] < 5
    assert 0.05 < alls["victims_with_recurrence"] / alls["victims"] < 0.1
    assert 1.8 < alls["entries_to_care"] / alls["child_population"] * 1e3 < 3.2
    by_group = df.groupby("race_ethnicity_group")[num].sum()
    for measure in ("victims", "maltreatment_fatalities", "entries_to_care"):
        rate = by_group[measure] / by_group["child_population"]
        for group in ("black_african_american", "american_indian_alaska_native"):
            assert 1.8 < rate[group] / rate["white"] < 3.5, (measure, group)
    ct = df[(df["jurisdiction_id"] == "CT") & (df["race_ethnicity_group"] == "all")]
    assert ct["child_population"].between(600_000, 900_000).all()


def test_nested_populations_are_smaller_than_parent(landing):
    df = _frame(landing, "outcomes")
    df["child_population"] = df["child_population"].astype(int)
    pop = df.set_index(["jurisdiction_id", "fiscal_year", "race_ethnicity_group"])[
        "child_population"
    ]
    registry = jurisdictions()
    nested = [j for j in registry.values() if j.parent_jurisdiction_id in registry]
    assert nested
    children_sum: dict[tuple, int] = {}
    for j in nested:
        for (jid, fy, group), value in pop.loc[[j.jurisdiction_id]].items():
            k = (j.parent_jurisdiction_id, fy, group)
            children_sum[k] = children_sum.get(k, 0) + value
            if (j.parent_jurisdiction_id, fy, group) in pop.index and group != "unknown":
                assert value < pop[(j.parent_jurisdiction_id, fy, group)], (jid, fy, group)
    for k, value in children_sum.items():
        if k in pop.index and k[2] != "unknown":
            assert value < pop[k], k


# --- scale ---------------------------------------------------------------------------------------


def test_scale_two_roughly_doubles(landing, zone_scale2):
    out, summary = zone_scale2
    fig2 = calibration_figures(out, AS_OF)
    assert fig2["reviews_completed"] == 2 * 711
    assert fig2["improvement_opportunities"] == 2 * 1841
    one, two = calibration_figures(landing), calibration_figures(out)
    ratio = two["reviews_completed"] / one["reviews_completed"]
    assert 1.8 < ratio < 2.2
    assert 1.8 < two["survey_responses"] / one["survey_responses"] < 2.2
    rv = read_data_set(out, "reviews")
    assert not rv.duplicated(["jurisdiction_id", "review_id"]).any()
    assert summary["rows"]["reviews"] == len(read_data_set(out, "reviews", latest=False))
    wf1 = read_data_set(landing, "workforce")["headcount_start"].astype(int).sum()
    wf2 = read_data_set(out, "workforce")["headcount_start"].astype(int).sum()
    assert 1.8 < wf2 / wf1 < 2.2


def test_bad_scale_is_refused(tmp_path):
    with pytest.raises(ValueError):
        write_landing_zone(tmp_path, scale=0)
