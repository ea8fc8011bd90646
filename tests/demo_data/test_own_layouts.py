"""The demo landing zone exercises jurisdiction layouts and a corrected resubmission.

Five members submit in their own layouts (``ingestion/layouts/<ID>.yml``, in force); ingestion must
read their files back to exactly the canonical values the generator meant, with nothing
quarantined, and the headline figures must not move.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import zipfile
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from ingestion.core_data_set import DATA_SETS
from ingestion.landing import discover
from ingestion.layouts import (
    LAYOUTS_DIR,
    RaceFlags1997,
    canonical_select,
    load_layout,
    missing_columns,
)
from ingestion.raw_loader import load_data_set
from ingestion.readers import ReadOptions, read_submission
from ingestion.reference import sharing_level
from npcs.demo_data import calibration_figures
from npcs.demo_data.calibration import read_data_set
from npcs.demo_data.generator import CORRECTION, landing_files
from npcs.demo_data.submissions import (
    OWN_LAYOUTS,
    XLSX_TIMESTAMP,
    file_kind,
    layout_of,
)

AS_OF = date(2024, 10, 1)
RECEIVED = datetime(2025, 10, 15)  # after the last record (2025-09-30): nothing is in the future
LOAD_ORDER = (
    "reviews",  # before the IOs, whose reviews must be loaded
    "improvement_opportunities",
    "review_summary",
    "tasc_responses",
    "workforce",
    "outcomes",
)
US_DATE = re.compile(r"\d{2}/\d{2}/\d{4}")


@pytest.fixture(scope="module")
def canonical():
    """Every landing file's canonical frame (seed and scale of the shared demo landing zone)."""
    return {(lf.folder, lf.stem): lf for lf in landing_files()}


def _own_files(landing: Path, jid: str, data_set: str) -> list[Path]:
    return sorted((landing / jid / data_set).glob("*"))


def _read_back(path: Path, jid: str, data_set: str) -> tuple[list[tuple], list[str]]:
    """A file read and mapped as ingestion does: canonical text rows (None = empty), notes."""
    layout = layout_of(jid, data_set)
    con = duckdb.connect()
    try:
        options = ReadOptions()
        if layout is not None:
            options = ReadOptions(layout.format, layout.encoding, layout.delimiter, layout.sheet)
        result = read_submission(con, path, options)
        select, notes = canonical_select(layout, data_set, result.columns)
        rows = con.execute(f"select {select} from {result.table} order by _row_number").fetchall()
    finally:
        con.close()
    return rows, notes


def _expected(frame) -> list[tuple]:
    return [
        tuple(None if v == "" else str(v) for v in row) for row in frame.itertuples(index=False)
    ]


# --- the layouts in force --------------------------------------------------------------------


def test_at_least_five_members_submit_in_their_own_layouts():
    assert len({jid for jid, _ in OWN_LAYOUTS}) >= 5
    for jid, data_set in OWN_LAYOUTS:
        path = LAYOUTS_DIR / f"{jid}.yml"
        assert path.is_file(), path
        assert data_set in load_layout(path), (jid, data_set)


def test_every_layout_in_force_loads_and_validates():
    in_force = sorted(LAYOUTS_DIR.glob("*.yml"))
    assert {p.stem for p in in_force} >= {jid for jid, _ in OWN_LAYOUTS}
    layouts = [lay for p in in_force for lay in load_layout(p).values()]
    # Every layout the demo writes, each required canonical column supplied by a header or a
    # conversion, and together: every feature the demo means to exercise.
    for lay in layouts:
        header = list(lay.columns) + [
            h
            for c in lay.conversions.values()
            if isinstance(c, RaceFlags1997)
            for h in c.flags.values()
        ]
        if not lay.columns:  # canonical headers, own dates/booleans/delimiter (CO)
            header = DATA_SETS[lay.data_set].column_names
        missing = missing_columns(lay, lay.data_set, header)
        assert not set(missing) & set(DATA_SETS[lay.data_set].required_columns), missing
    features = {
        "xlsx named sheet": any(lay.format == "xlsx" and lay.sheet for lay in layouts),
        "windows-1252 ; csv": any(
            lay.encoding == "windows-1252" and lay.delimiter == ";" for lay in layouts
        ),
        "tab csv": any(lay.delimiter == "\t" for lay in layouts),
        "json": any(lay.format == "json" for lay in layouts),
        "US dates": any("%m/%d/%Y" in lay.date_formats("incident_date") for lay in layouts),
        "Y/N": any("y" in lay.true_values and "n" in lay.false_values for lay in layouts),
        "race flags + hispanic": any(
            isinstance(c, RaceFlags1997) and "hispanic" in c.flags
            for lay in layouts
            for c in lay.conversions.values()
        ),
        "renamed columns": any(lay.columns for lay in layouts),
        "codes": any(lay.codes for lay in layouts),
        "ignored columns": any(lay.ignore for lay in layouts),
    }
    assert all(features.values()), features


# --- the files -------------------------------------------------------------------------------


def test_own_layout_files_are_in_their_formats(demo_landing):
    for (jid, data_set), kind in OWN_LAYOUTS.items():
        files = _own_files(demo_landing, jid, data_set)
        assert files, (jid, data_set)
        assert {p.suffix for p in files} == {kind.suffix}, (jid, data_set)

    # OH-FRANKLIN: Windows-1252, semicolons, US dates, Y/N, race check boxes, own labels
    accented = 0
    for data_set in ("reviews", "improvement_opportunities"):
        for path in _own_files(demo_landing, "OH-FRANKLIN", data_set):
            raw = path.read_bytes()
            assert b"\r\n" in raw
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                accented += 1
            rows = list(csv.DictReader(raw.decode("cp1252").splitlines(), delimiter=";"))
            if data_set == "reviews":
                for r in rows:
                    assert US_DATE.fullmatch(r["Date of Incident"])
                    assert US_DATE.fullmatch(r["Review Completed"])
                    assert r["Child Sex"] in ("M", "F", "U")
                    assert r["Open Case at Incident (Y/N)"] in ("Y", "N")
                    assert r["Hispanic/Latino (Y/N)"] in ("Y", "N")
                    assert r["Incident Category"] in (
                        "Fatality",
                        "Near Fatality",
                        "Serious Injury",
                        "Other Critical Incident",
                    )
            else:
                assert all(r["Theme"][0].isupper() for r in rows)
    assert accented, "no Franklin file holds a Windows-1252 accented letter"

    # OH-HAMILTON: a workbook whose responses are on the sheet `Responses`, not the first sheet
    for path in _own_files(demo_landing, "OH-HAMILTON", "tasc_responses"):
        wb = CalamineWorkbook.from_path(str(path))
        assert wb.sheet_names == ["Export Info", "Responses"]
        header = wb.get_sheet_by_name("Responses").to_python()[0]
        assert header[:5] == [
            "Response ID",
            "Start Time",
            "Completion Time",
            "Language",
            "Survey Wave",
        ]
        wb.close()

    # TN: JSON lines, counts as numbers
    for path in _own_files(demo_landing, "TN", "workforce"):
        lines = path.read_text(encoding="utf-8").splitlines()
        records = [json.loads(line) for line in lines]
        assert all(isinstance(r, dict) and isinstance(r["staffAtStart"], int) for r in records)

    # PA-ALLEGHENY: one JSON array with the portal's titles
    for path in _own_files(demo_landing, "PA-ALLEGHENY", "outcomes"):
        records = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(records, list)
        assert {r["Race/Ethnicity"] for r in records} >= {"All Children", "Two or More Races"}

    # CO: tab-separated, US dates, Y/N
    for path in _own_files(demo_landing, "CO", "reviews"):
        rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines(), delimiter="\t"))
        assert rows and all(US_DATE.fullmatch(r["review_completed_date"]) for r in rows)
        assert {r["open_case_at_incident"] for r in rows} <= {"Y", "N"}
        assert {r["in_out_of_home_care"] for r in rows} <= {"Y", "N", ""}


def test_reading_own_layout_files_back_gives_the_canonical_values(demo_landing, canonical):
    checked = 0
    for (folder, stem), lf in canonical.items():
        layout = layout_of(lf.jurisdiction_id, lf.data_set)
        if layout is None:
            continue
        kind = file_kind(lf.jurisdiction_id, lf.data_set, layout)
        rows, notes = _read_back(
            demo_landing / folder / f"{stem}{kind.suffix}", lf.jurisdiction_id, lf.data_set
        )
        assert notes == [], (folder, stem, notes)
        assert rows == _expected(lf.frame), (folder, stem)
        checked += 1
    assert checked >= 5 * 3


def test_franklin_race_is_carried_by_the_flags(canonical):
    """The 1997 check boxes have no MENA box: Franklin's own system records such a child as
    White, so its canonical values never hold the code."""
    races = {
        r
        for (folder, _), lf in canonical.items()
        if folder == "OH-FRANKLIN/reviews"
        for r in lf.frame["child_race_ethnicity"]
    }
    assert races and not any("middle_eastern_north_african" in r for r in races)


def _load_all(con, landing: Path, only=None) -> dict:
    outcomes = {}
    for data_set in LOAD_ORDER:
        files = [f for f in discover(landing, data_set) if only is None or only(f)]
        if files:
            result = load_data_set(con, data_set, files, received_at=RECEIVED)
            outcomes.update({o.file.relative_path: o for o in result.outcomes})
    return outcomes


def test_own_layout_files_load_without_quarantine(demo_landing, canonical):
    con = duckdb.connect()
    try:
        outcomes = _load_all(
            con, demo_landing, lambda f: (f.jurisdiction_id, f.data_set) in OWN_LAYOUTS
        )
    finally:
        con.close()
    assert {tuple(p.split("/")[:2]) for p in outcomes} == set(OWN_LAYOUTS)
    for path, o in outcomes.items():
        assert o.status == "accepted", (path, o.reason)
        assert o.rows_quarantined == 0, path
        # only the narrative is not kept (no member shares IO narratives in the demo)
        assert all(
            d["column"] == "narrative" and "does not share IO narratives" in d["reason"]
            for d in o.dropped_columns
        ), (path, o.dropped_columns)
        jid, data_set, name = path.split("/")
        assert o.rows_loaded == len(canonical[(f"{jid}/{data_set}", name.split(".")[0])].frame)


def test_the_whole_demo_loads_clean_and_the_correction_wins(demo_landing, canonical):
    con = duckdb.connect()
    try:
        _load_all(con, demo_landing)
        statuses = dict(
            con.execute(
                "select status, count(*) from raw.submission_ledger group by all"
            ).fetchall()
        )
        quarantined = con.execute("select count(*) from raw.quarantine").fetchall()[0][0]
        jid, data_set, fy = CORRECTION
        versions = con.execute(
            f"""
            select review_id, cause_of_incident, source_file, submission_id
            from raw.{data_set} where jurisdiction_id = ?
            qualify count(*) over (partition by review_id) > 1
            order by review_id, submission_id
            """,
            [jid],
        ).fetchall()
    finally:
        con.close()
    assert set(statuses) == {"accepted"}, statuses
    assert quarantined == 0
    fixed = canonical[(f"{jid}/{data_set}", f"{data_set}_FY{fy}_corrected")].frame
    assert len(versions) == 2 * len(fixed) > 0
    for old, new in zip(versions[::2], versions[1::2], strict=True):
        assert old[0] == new[0]
        assert old[2] == f"{jid}/{data_set}/{data_set}_FY{fy}.csv"
        assert new[2] == f"{jid}/{data_set}/{data_set}_FY{fy}_corrected.csv"
        assert new[3] > old[3]  # the correction is the later submission
        assert old[1] != new[1]  # with a corrected cause


# --- the correction and the figures ----------------------------------------------------------


def test_the_correction_resends_some_reviews_with_a_corrected_cause(demo_landing, canonical):
    jid, data_set, fy = CORRECTION
    folder = demo_landing / jid / data_set
    original, corrected = (
        folder / f"{data_set}_FY{fy}.csv",
        folder / f"{data_set}_FY{fy}_corrected.csv",
    )
    names = sorted(p.name for p in folder.iterdir())
    assert names.index(original.name) < names.index(corrected.name)
    before = {r["review_id"]: r for r in csv.DictReader(original.open(encoding="utf-8"))}
    after = list(csv.DictReader(corrected.open(encoding="utf-8")))
    assert 1 <= len(after) < len(before)
    for r in after:
        old = before[r["review_id"]]
        assert r["cause_of_incident"] != old["cause_of_incident"]
        assert {k: v for k, v in r.items() if k != "cause_of_incident"} == {
            k: v for k, v in old.items() if k != "cause_of_incident"
        }
    latest = read_data_set(demo_landing, data_set)
    mine = latest[latest["jurisdiction_id"] == jid].set_index("review_id")
    for r in after:
        assert mine.loc[r["review_id"], "cause_of_incident"] == r["cause_of_incident"]


def test_the_correction_changes_no_headline_count(demo_landing, tmp_path):
    jid, data_set, fy = CORRECTION
    without = shutil.copytree(demo_landing, tmp_path / "without")
    (without / jid / data_set / f"{data_set}_FY{fy}_corrected.csv").unlink()
    keys = (
        "reviews_completed",
        "improvement_opportunities",
        "reviews_with_teamwork_coordination",
        "reviews_with_economic_support",
        "survey_responses",
        "survey_jurisdictions",
    )
    for as_of in (AS_OF, None):
        a, b = calibration_figures(demo_landing, as_of), calibration_figures(without, as_of)
        assert {k: a[k] for k in keys} == {k: b[k] for k in keys}


def test_headline_figures_read_through_the_layouts_are_unchanged(demo_landing):
    fig = calibration_figures(demo_landing, AS_OF)
    # exactly what the generator produced before members submitted in their own layouts
    assert fig["reviews_completed"] == 711
    assert fig["improvement_opportunities"] == 1841
    assert fig["reviews_with_teamwork_coordination"] == 391  # 55.0 %
    assert fig["reviews_with_economic_support"] == 173  # 24.3 %
    assert fig["survey_responses"] == 24_550
    assert fig["survey_jurisdictions"] == 10
    assert "OH-HAMILTON" in fig["survey_jurisdiction_ids"]  # counted from its workbooks


def test_two_or_more_members_share_reviews_only_as_summaries(demo_landing):
    summary_only = sorted(
        p.name
        for p in demo_landing.iterdir()
        if (p / "review_summary").is_dir() and not (p / "reviews").exists()
    )
    assert len(summary_only) >= 2, summary_only
    for jid in summary_only:
        assert sharing_level(jid, "reviews", date(2025, 9, 30)) == "aggregate"


# --- determinism and other seeds -------------------------------------------------------------


def test_workbooks_carry_no_time_of_writing(demo_landing, tmp_path):
    path = _own_files(demo_landing, "OH-HAMILTON", "tasc_responses")[0]
    with zipfile.ZipFile(path) as z:
        assert {i.date_time for i in z.infolist()} == {XLSX_TIMESTAMP.timetuple()[:6]}
        core = z.read("docProps/core.xml").decode()
    stamp = XLSX_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert core.count(stamp) == 2  # created and modified


@pytest.mark.parametrize(
    ("zone", "seed", "scale"), [("zone_seed7", 7, 1), ("zone_scale2", 20241001, 2)]
)
def test_other_seeds_and_scales_round_trip_too(request, zone, seed, scale):
    out, summary = request.getfixturevalue(zone)
    own = {tuple(p.split("/")[:2]) for p in summary["own_layouts"]}
    assert own == set(OWN_LAYOUTS)
    assert summary["corrections"]
    for lf in landing_files(scale, seed):
        layout = layout_of(lf.jurisdiction_id, lf.data_set)
        if layout is None and not lf.stem.endswith("_corrected"):
            continue
        kind = file_kind(lf.jurisdiction_id, lf.data_set, layout)
        rows, notes = _read_back(
            out / lf.folder / f"{lf.stem}{kind.suffix}", lf.jurisdiction_id, lf.data_set
        )
        assert rows == _expected(lf.frame) and notes == [], (lf.folder, lf.stem)
    fig = calibration_figures(out, AS_OF)
    assert (fig["reviews_completed"], fig["improvement_opportunities"]) == (
        711 * scale,
        1841 * scale,
    )
