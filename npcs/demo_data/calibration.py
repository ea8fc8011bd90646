"""The generator's self-check: the published figures recomputed straight from the landing CSVs.

This reads the canonical CSV files written by :func:`write_landing_zone` with pandas; it is a
check of the generator, not the warehouse's computation (dbt computes the same figures on its
own from the loaded data).

Definitions (``as_of`` = "on or before that date"; ``None`` = everything):

* reviews_completed: record reviews with ``review_completed_date <= as_of`` plus, from
  ``review_summary``, ``reviews_completed`` once per (jurisdiction, period, incident_type) for
  calendar quarters whose last day is on or before ``as_of``;
* improvement_opportunities: IOs of the counted record reviews plus ``ios_identified`` of the
  counted summary rows;
* pct_reviews_with_<theme>: 100 * (counted record reviews with >= 1 IO of the theme + summary
  ``reviews_with_theme``) / reviews_completed;
* survey_responses / survey_jurisdictions: ``tasc_responses`` rows with ``response_date <= as_of``
  and the number of distinct jurisdictions among them.

Extras used by the tests: the share of record reviews with an economic support IO per cause,
the partner agencies named on teamwork IOs, and the correlation between the psychological
safety score (items 1, 3, 5 reversed) and intent to stay.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from . import profiles as P


def read_data_set(landing: Path, data_set: str) -> pd.DataFrame:
    """All CSV files of one data set, as text, with a ``jurisdiction_id`` column from the path."""
    frames = []
    for path in sorted(Path(landing).glob(f"*/{data_set}/*.csv")):
        df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        df.insert(0, "jurisdiction_id", path.parent.parent.name)
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["jurisdiction_id"])
    return pd.concat(frames, ignore_index=True)


def _quarter_end(period: pd.Series) -> pd.Series:
    year = period.str.slice(0, 4).astype(int)
    q = period.str.slice(-1).astype(int)
    return pd.to_datetime(
        {"year": year + (q == 4), "month": (q % 4) * 3 + 1, "day": 1}
    ) - pd.Timedelta(days=1)


def ps_score(tasc: pd.DataFrame) -> pd.Series:
    """Mean psychological safety item (1-7), negatively worded items reversed."""
    items = tasc[[f"ps_{i}" for i in range(1, 8)]].astype(float)
    for i in P.REVERSED_PS_ITEMS:
        items[f"ps_{i}"] = 8 - items[f"ps_{i}"]
    return items.mean(axis=1)


def calibration_figures(landing: Path, as_of: date | None = None) -> dict:
    """Recompute the calibration figures from the CSV files under ``landing``."""
    reviews = read_data_set(landing, "reviews")
    ios = read_data_set(landing, "improvement_opportunities")
    summary = read_data_set(landing, "review_summary")
    tasc = read_data_set(landing, "tasc_responses")

    if as_of is not None:
        cut = pd.Timestamp(as_of)
        reviews = reviews[pd.to_datetime(reviews["review_completed_date"]) <= cut]
        if not summary.empty:
            summary = summary[_quarter_end(summary["period"]) <= cut]
        if not tasc.empty:
            tasc = tasc[pd.to_datetime(tasc["response_date"]) <= cut]
    key = ["jurisdiction_id", "review_id"]
    ios = ios.merge(reviews[key + ["cause_of_incident"]], on=key, how="inner")
    for c in ("reviews_completed", "ios_identified", "reviews_with_theme"):
        if c in summary:
            summary[c] = summary[c].astype(int)

    per_type = summary.drop_duplicates(["jurisdiction_id", "period", "incident_type"])
    n_reviews = len(reviews) + int(per_type.get("reviews_completed", pd.Series(dtype=int)).sum())
    n_ios = len(ios) + int(summary.get("ios_identified", pd.Series(dtype=int)).sum())

    def with_theme(theme: str) -> int:
        rec = ios.loc[ios["io_theme"] == theme, key].drop_duplicates()
        agg = (
            summary.loc[summary["io_theme"] == theme, "reviews_with_theme"].sum()
            if len(summary)
            else 0
        )
        return len(rec) + int(agg)

    tw, ec = with_theme("teamwork_coordination"), with_theme("economic_support")

    ec_reviews = ios.loc[ios["io_theme"] == "economic_support", key].drop_duplicates()
    ec_reviews["_ec"] = True
    rv = reviews.merge(ec_reviews, on=key, how="left")
    ec_by_cause = (rv["_ec"].eq(True).groupby(rv["cause_of_incident"]).mean() * 100).round(1)
    partners = (
        ios.loc[ios["io_theme"] == "teamwork_coordination", "partner_agency"]
        .dropna()
        .value_counts()
    )

    corr = float("nan")
    if not tasc.empty:
        corr = float(ps_score(tasc).corr(tasc["intent_to_stay"].astype(float)))

    return {
        "reviews_completed": n_reviews,
        "improvement_opportunities": n_ios,
        "reviews_with_teamwork_coordination": tw,
        "pct_reviews_with_teamwork_coordination": 100 * tw / n_reviews if n_reviews else np.nan,
        "reviews_with_economic_support": ec,
        "pct_reviews_with_economic_support": 100 * ec / n_reviews if n_reviews else np.nan,
        "survey_responses": len(tasc),
        "survey_jurisdictions": int(tasc["jurisdiction_id"].nunique()) if len(tasc) else 0,
        "survey_jurisdiction_ids": sorted(tasc["jurisdiction_id"].unique()) if len(tasc) else [],
        "economic_support_pct_by_cause": ec_by_cause.sort_values(ascending=False).to_dict(),
        "teamwork_partner_counts": {k: int(v) for k, v in partners.items()},
        "top_teamwork_partner": partners.index[0] if len(partners) else None,
        "ps_intent_correlation": corr,
    }
