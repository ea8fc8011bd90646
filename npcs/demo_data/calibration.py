"""The generator's self-check: the published figures recomputed from the written landing zone.

The files written by :func:`write_landing_zone` are read back the way ingestion reads them — every
file of a data set found by :func:`ingestion.landing.scan`; canonical UTF-8 CSVs in one DuckDB
scan, any other file by :func:`ingestion.readers.read_submission`; mapped to the canonical
columns by :func:`ingestion.layouts.canonical_select` through the member's layout in
force (OH-FRANKLIN's Windows-1252 CSVs, OH-HAMILTON's workbook, TN's JSON lines, ...) — and the
latest submission of each key wins (files in path order, then rows: a corrected resubmission
replaces the original's rows). The figures are then computed with pandas. This checks the written
files, not the generator's frames; it is not the warehouse's computation either (dbt computes the
same figures on its own from the loaded data).

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

import csv
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ingestion.core_data_set import DATA_SETS
from ingestion.landing import SubmissionFile, scan
from ingestion.layouts import canonical_select, layout_for
from ingestion.readers import ReadOptions, read_submission

from . import profiles as P


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _is_canonical_csv(f: SubmissionFile) -> bool:
    return f.path.suffix.lower() == ".csv" and layout_for(f.jurisdiction_id, f.data_set) is None


def _csv_header(path: Path) -> tuple[str, ...]:
    with path.open(newline="", encoding="utf-8") as fh:
        return tuple(h.strip() for h in next(csv.reader(fh)))


def read_data_set(
    landing: Path,
    data_set: str,
    latest: bool = True,
    files: list[SubmissionFile] | None = None,
) -> pd.DataFrame:
    """Every file of one data set read back to canonical text, with ``jurisdiction_id`` first.

    Empty cells are missing values. With ``latest`` (the default) only the latest submission of
    each key per jurisdiction is kept, as staging does: a later file (in path order) replaces an
    earlier one, a later row of the same file an earlier row. ``latest=False`` keeps every row of
    every file, in path order. ``files``: the landing zone's submission files if already
    scanned (those of other data sets are skipped).
    """
    ds = DATA_SETS[data_set]
    cols = ds.column_names
    if files is None:
        files, _ = scan(Path(landing))
    files = [f for f in files if f.data_set == data_set]
    if not files:
        return pd.DataFrame(columns=["jurisdiction_id", *cols])
    con = duckdb.connect()
    try:
        con.execute(
            "create temp table _rows ("
            + ", ".join(f"{_q(c)} varchar" for c in cols)
            + ", jurisdiction_id varchar, _file integer, _row_number integer)"
        )
        # canonical CSVs: one DuckDB scan per distinct header (no sniffing), as the loader does
        plain: dict[tuple[str, ...], list[tuple[int, SubmissionFile]]] = {}
        for i, f in enumerate(files):
            if _is_canonical_csv(f):
                plain.setdefault(_csv_header(f.path), []).append((i, f))
        for header, group in plain.items():
            spec = ", ".join(f"'c{k}': 'VARCHAR'" for k in range(len(header)))
            renamed = ", ".join(f"c{k} as {_q(h)}" for k, h in enumerate(header))
            con.execute(
                f"""
                create or replace temp table _plain as
                select {renamed}, filename,
                       cast(row_number() over (partition by filename) + 1 as integer)
                       as _row_number
                from read_csv(?, header = true, auto_detect = false, columns = {{{spec}}},
                              delim = ',', quote = '"', escape = '"', filename = true)
                """,
                [[str(f.path) for _, f in group]],
            )
            con.execute(
                "create or replace temp table _plain_files as select * from (values "
                + ", ".join("(?, ?, ?)" for _ in group)
                + ") v(filename, jurisdiction_id, _file)",
                [x for i, f in group for x in (str(f.path), f.jurisdiction_id, i)],
            )
            select, _ = canonical_select(None, data_set, list(header))
            con.execute(
                f"insert into _rows select {select}, pf.jurisdiction_id, pf._file, p._row_number "
                "from _plain p join _plain_files pf using (filename)"
            )
        for i, f in enumerate(files):
            if _is_canonical_csv(f):
                continue
            layout = layout_for(f.jurisdiction_id, f.data_set)
            options = ReadOptions()
            if layout is not None:
                options = ReadOptions(
                    layout.format, layout.encoding, layout.delimiter, layout.sheet
                )
            result = read_submission(con, f.path, options, table="_file")
            select, _ = canonical_select(layout, data_set, result.columns)
            con.execute(
                f"insert into _rows select {select}, ?, ?, _row_number from _file",
                [f.jurisdiction_id, i],
            )
        key = ", ".join(_q(c) for c in ds.key)
        latest_only = (
            f"qualify row_number() over (partition by jurisdiction_id, {key} "
            "order by _file desc, _row_number desc) = 1"
            if latest
            else ""
        )
        df = con.execute(
            f"select jurisdiction_id, {', '.join(_q(c) for c in cols)} from _rows "
            f"{latest_only} order by _file, _row_number"
        ).df()
    finally:
        con.close()
    return df


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
    """Recompute the calibration figures from the files under ``landing`` (see the module)."""
    files, _ = scan(Path(landing))
    reviews = read_data_set(landing, "reviews", files=files)
    ios = read_data_set(landing, "improvement_opportunities", files=files)
    summary = read_data_set(landing, "review_summary", files=files)
    tasc = read_data_set(landing, "tasc_responses", files=files)

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
