"""Loaders of the DfE children's social work workforce releases, on small synthetic files
built in the layouts of the real ones (wide underlying data; tidy indicators)."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from carerates.errors import DataError
from carerates.sources import workforce as wf

KINGSTON, RICHMOND, DARLINGTON, GATESHEAD, SCILLY = (
    "E09000021", "E09000027", "E06000005", "E08000037", "E06000053")


@pytest.fixture
def las() -> pd.DataFrame:
    return pd.DataFrame({
        "gss": [DARLINGTON, GATESHEAD, KINGSTON, RICHMOND, SCILLY],
        "la_number": [841, 390, 314, 318, 420],
        "la_name": ["Darlington", "Gateshead", "Kingston upon Thames", "Richmond upon Thames",
                    "Isles of Scilly"],
        "la_type": ["Unitary authority", "Metropolitan district", "London borough",
                    "London borough", "Unitary authority"],
        "region": ["North East", "North East", "Outer London", "Outer London", "South West"],
        "excluded": [False, False, False, False, True],
    })


KEYS = ["Country_code", "Country_name", "Region_code", "Region_name", "LA_code (9 digit)",
        "LA_name", "LA_code (3 digit)"]
MEASURE_STEMS = ["A1_FTE_ChildrensSocialWorkers", "B2_FTE_Leavers", "B3_FTE_TurnoverRate",
                 "D1_FTE_AgencyWorkers", "D2_FTE_AgencyWorkerRate"]


def wide_file(path, rows_by_year: dict[int, dict[str, list[str]]], trailing_blank: int = 3,
              drop: str | None = None):
    """A wide underlying-data CSV: England and a region row, then LA rows, then empty rows.

    ``rows_by_year[year][code] = [fte, leavers, turnover, agency, agency_rate]`` (as text).
    """
    years = sorted(rows_by_year)
    columns = KEYS + [f"{stem}_{y}" for y in years for stem in MEASURE_STEMS]
    columns += [f"A1aa_FTE_Number_ChildrensSocialWorkers_Age_{y}" for y in years]  # ignored extra
    if drop:
        columns.remove(drop)
    codes = list(dict.fromkeys(c for y in years for c in rows_by_year[y]))
    names = {DARLINGTON: ("841", "Darlington"), "E08000020": ("390", "Gateshead"),
             GATESHEAD: ("390", "Gateshead"), KINGSTON: ("314", "Kingston upon Thames"),
             RICHMOND: ("318", "Richmond upon Thames"), SCILLY: ("420", "Isles of Scilly"),
             "E09999999": ("999", "Nowhere")}
    lines = [",".join(columns)]

    def line(keys, values):
        cells = dict(zip(KEYS, keys))
        for y in years:
            for stem, v in zip(MEASURE_STEMS, values[y]):
                cells[f"{stem}_{y}"] = v
            cells[f"A1aa_FTE_Number_ChildrensSocialWorkers_Age_{y}"] = "1"
        return ",".join(f'"{cells.get(c, "")}"' if "," in cells.get(c, "") else cells.get(c, "")
                        for c in columns)

    total = {y: ["26,500", "4,200", "16", "4,860", "16"] for y in years}
    lines.append(line(["E92000001", "England", "", "", "", "", ""], total))
    lines.append(line(["E92000001", "England", "E12000001", "North East", "", "", ""], total))
    for code in codes:
        number, name = names[code]
        values = {y: rows_by_year[y].get(code, ["."] * 5) for y in years}
        lines.append(line(["E92000001", "England", "E12000001", "Region", code, name, number], values))
    lines += ["," * (len(columns) - 1)] * trailing_blank
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return path


TIDY_HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
               "region_name,old_la_code,new_la_code,la_name,inpost_fte,inpost_headcount,starters_fte,"
               "leavers_fte,turnover_rate_fte,agency_fte,agency_rate_fte")


def tidy_file(path, rows: list[tuple], header: str = TIDY_HEADER):
    """Tidy indicators: rows of (year, level, old_code, new_code, name, fte, leavers, turnover,
    agency, agency_rate)."""
    lines = [header]
    for year, level, old, new, name, fte, leavers, turnover, agency, rate in rows:
        lines.append(f"{year},Reporting year,{level},E92000001,England,,,{old},{new},{name},"
                     f"{fte},1,1,{leavers},{turnover},{agency},{rate}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def sept_2015(path):
    """Like SFR07_2016_UD: whole-number rates, old Gateshead code, x and .. suppression."""
    return wide_file(path, {2015: {
        DARLINGTON: ["71.8", "13.6", "19", "10", "12"],
        "E08000020": ["131.8", "20.6", "16", "x", "x"],
        KINGSTON: ["67.6", "9.8", "14", "8", "11"],
        RICHMOND: ["59", "11", "19", "12", "17"],
        SCILLY: ["x", "0", "0", "..", "0"],
    }})


def sept_2016(path):
    """Like SFR08_2017_UD: Richmond '.' (Kingston's row covers both), thousands separators."""
    return wide_file(path, {2016: {
        DARLINGTON: ["1,071.8", "20.0", "18.7", "10.0", "0.9"],
        GATESHEAD: ["140.0", "14.0", "10.0", "..", ".."],
        KINGSTON: ["158.6", "28.0", "17.4", "10.0", "5.8"],
        RICHMOND: [".", ".", ".", ".", "."],
        SCILLY: ["2.0", "0.0", "0.0", "0.0", "0.0"],
    }})


def tidy_2017(path):
    return tidy_file(path, [
        (2018, "Local authority", "841", DARLINGTON, "Darlington", 80, 8, 10, 4, 4.8),
        (2017, "Local authority", "841", DARLINGTON, "Darlington", 75, 15, 20, 5, 6.3),
        (2017, "Local authority", "390", GATESHEAD, "Gateshead", 133.5, 2, 1.5, "x", "x"),
        (2017, "Local authority", "314 / 318", f"{KINGSTON} / {RICHMOND}",
         "Kingston upon Thames / Richmond upon Thames", 123.9, 34, 27.5, 40, 24.4),
        (2017, "Local authority", "420", SCILLY, "Isles of Scilly", 2, 0, "z", 1, 33.3),
        (2017, "Regional", "", "", "", 2299.3, 269, 11.7, 206, 8.2),
        (2017, "National", "", "", "", 28482.6, 3811, 13.4, 5343, 15.8),
    ])


def value(panel, gss, year, column):
    return panel.loc[(panel["gss"] == gss) & (panel["year"] == year), column].item()


# --- wide layout -----------------------------------------------------------------------

def test_wide_2015_layout_reads_la_rows_only_with_suppression(tmp_path):
    frame = wf.read_wide(sept_2015(tmp_path / "SFR07_2016_UD.csv"))
    assert len(frame) == 5  # England, region and trailing empty rows dropped
    assert set(frame["snapshot_year"]) == {2015}
    row = frame.set_index("la_code").loc[DARLINGTON]
    assert row["turnover_pct"] == 19 and row["agency_pct"] == 12 and row["fte_social_workers"] == 71.8
    gateshead = frame.set_index("la_code").loc["E08000020"]
    assert math.isnan(gateshead["agency_pct"]) and gateshead["turnover_pct"] == 16
    assert math.isnan(frame.set_index("la_code").loc[SCILLY, "fte_social_workers"])
    assert not frame["joint_return"].any()  # separate returns in 2015


def test_wide_2016_layout_joint_kingston_richmond_and_thousands(tmp_path):
    frame = wf.read_wide(sept_2016(tmp_path / "SFR08_2017_UD.csv")).set_index("la_code")
    assert frame.loc[DARLINGTON, "fte_social_workers"] == 1071.8
    assert frame.loc[RICHMOND, "turnover_pct"] == 17.4  # Kingston's joint figure, given to both
    assert frame.loc[RICHMOND, "agency_pct"] == 5.8
    assert frame.loc[[KINGSTON, RICHMOND], "joint_return"].all()
    assert not frame.loc[DARLINGTON, "joint_return"]
    assert math.isnan(frame.loc[GATESHEAD, "agency_pct"])


def test_wide_file_with_several_years_as_the_2013_2014_releases(tmp_path):
    """A release in the same layout carrying 2013 and 2014 columns is read year by year."""
    path = wide_file(tmp_path / "SFR_2014_UD.csv", {
        2013: {DARLINGTON: ["70", "7", "10", "7", "9"], "E08000020": ["120", "12", "10", "6", "5"],
               KINGSTON: ["60", "6", "10", "6", "9"], RICHMOND: ["50", "5", "10", "x", "x"]},
        2014: {DARLINGTON: ["72", "14.4", "20", "8", "10"], "E08000020": ["125", "25", "20", "..", ".."],
               KINGSTON: ["62", "6.2", "10", "6", "9"], RICHMOND: ["52", "10.4", "20", "5", "9"]},
    })
    frame = wf.read_wide(path)
    assert sorted(frame["snapshot_year"].unique()) == [2013, 2014]
    assert frame.query("la_code == @DARLINGTON and snapshot_year == 2014")["turnover_pct"].item() == 20
    assert math.isnan(frame.query("la_code == @RICHMOND and snapshot_year == 2013")["agency_pct"].item())
    assert not frame["joint_return"].any()


def test_dropping_earlier_releases_into_the_folder_extends_the_panel(tmp_path, las):
    sept_2015(tmp_path / "SFR07_2016_UD.csv")
    sept_2016(tmp_path / "SFR08_2017_UD.csv")
    tidy_2017(tmp_path / "csww_indicators_2017_to_2025.csv")
    before = wf.load_panel(las, tmp_path)
    assert sorted(before["year"].unique()) == [2016, 2017, 2018, 2019]
    wide_file(tmp_path / "SFR_2014_UD.csv", {
        2013: {DARLINGTON: ["70", "7", "10", "7", "9"]},
        2014: {DARLINGTON: ["72", "14.4", "20", "8", "10"], "E08000020": ["125", "25", "20", "..", ".."]},
    })
    after = wf.load_panel(las, tmp_path)
    assert sorted(after["year"].unique()) == [2014, 2015, 2016, 2017, 2018, 2019]
    assert value(after, DARLINGTON, 2015, "turnover_pct") == 20  # snapshot Sept 2014 -> 2015
    assert value(after, GATESHEAD, 2015, "turnover_pct") == 20  # old code mapped


def test_later_release_wins_for_a_repeated_year(tmp_path, las):
    sept_2015(tmp_path / "a_2015.csv")
    # a later release (latest year 2016) revising 2015 for Darlington
    wide_file(tmp_path / "b_2016.csv", {
        2015: {DARLINGTON: ["71.8", "13.6", "18.9", "10", "12.2"]},
        2016: {DARLINGTON: ["75", "15", "20", "10", "11.8"]},
    })
    panel = wf.load_panel(las, tmp_path)
    assert value(panel, DARLINGTON, 2016, "turnover_pct") == 18.9
    assert value(panel, DARLINGTON, 2016, "source") == "b_2016.csv"


def test_same_year_in_two_releases_of_the_same_year_is_an_error(tmp_path, las):
    sept_2015(tmp_path / "a.csv")
    sept_2015(tmp_path / "b.csv")
    with pytest.raises(DataError, match="snapshot year 2015"):
        wf.load_panel(las, tmp_path)


# --- tidy layout -----------------------------------------------------------------------

def test_tidy_layout_splits_the_joint_row_and_keeps_la_rows(tmp_path):
    frame = wf.read_tidy(tidy_2017(tmp_path / "csww.csv"))
    assert set(frame["la_code"]) == {DARLINGTON, GATESHEAD, KINGSTON, RICHMOND, SCILLY}
    joint = frame[frame["la_code"].isin([KINGSTON, RICHMOND])]
    assert (joint["turnover_pct"] == 27.5).all() and joint["joint_return"].all()
    gateshead = frame[frame["la_code"] == GATESHEAD].iloc[0]
    assert math.isnan(gateshead["agency_pct"])
    assert math.isnan(frame[frame["la_code"] == SCILLY]["turnover_pct"].item())  # "z"


# --- the panel -------------------------------------------------------------------------

def test_panel_maps_snapshots_to_cla_years(tmp_path, las):
    sept_2015(tmp_path / "SFR07_2016_UD.csv")
    sept_2016(tmp_path / "SFR08_2017_UD.csv")
    tidy_2017(tmp_path / "csww.csv")
    panel = wf.check_panel(wf.load_panel(las, tmp_path), las)
    assert wf.cla_year(2015) == 2016
    assert value(panel, DARLINGTON, 2016, "snapshot_year") == 2015
    assert value(panel, DARLINGTON, 2017, "turnover_pct") == 18.7
    assert value(panel, DARLINGTON, 2018, "turnover_pct") == 20
    assert value(panel, GATESHEAD, 2016, "turnover_pct") == 16  # E08000020 -> E08000037
    assert value(panel, RICHMOND, 2016, "turnover_pct") == 19  # own return in 2015
    assert value(panel, RICHMOND, 2017, "turnover_pct") == 17.4  # joint from 2016
    assert list(panel.columns) == ["gss", "year", "snapshot_year", *wf.MEASURES, "joint_return", "source"]
    assert panel.equals(panel.sort_values(["gss", "year"], ignore_index=True))
    assert list(wf.crosses_joint_return(panel, 2016, 2017)) == [KINGSTON, RICHMOND]
    assert list(wf.crosses_joint_return(panel, 2017, 2019)) == []


def test_years_in_files_lists_every_year_column(tmp_path):
    sept_2015(tmp_path / "SFR07_2016_UD.csv")
    tidy_2017(tmp_path / "csww.csv")
    table = wf.years_in_files(tmp_path)
    assert table.to_dict("records") == [
        {"file": "SFR07_2016_UD.csv", "layout": "wide", "snapshot_years": "2015"},
        {"file": "csww.csv", "layout": "tidy", "snapshot_years": "2017, 2018"},
    ]


# --- failures --------------------------------------------------------------------------

def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="missing"):
        wf.read_file(tmp_path / "nothing.csv")


def test_empty_folder_is_a_data_error(tmp_path, las):
    with pytest.raises(DataError, match="no workforce CSV"):
        wf.load_panel(las, tmp_path)


def test_renamed_wide_measure_column_is_a_data_error(tmp_path):
    path = wide_file(tmp_path / "w.csv", {2015: {DARLINGTON: ["1", "1", "1", "1", "1"]}},
                     drop="D2_FTE_AgencyWorkerRate_2015")
    with pytest.raises(DataError, match="D2_FTE_AgencyWorkerRate_2015"):
        wf.read_file(path)


def test_renamed_tidy_column_is_a_data_error(tmp_path):
    path = tidy_file(tmp_path / "t.csv", [], header=TIDY_HEADER.replace("turnover_rate_fte", "turnover"))
    with pytest.raises(DataError, match="turnover_rate_fte"):
        wf.read_file(path)


def test_unknown_layout_is_a_data_error(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(DataError, match="not a DfE children's social work workforce file"):
        wf.read_file(path)


def test_unknown_la_code_is_a_data_error(tmp_path, las):
    wide_file(tmp_path / "w.csv", {2015: {DARLINGTON: ["1", "1", "1", "1", "1"],
                                          "E09999999": ["1", "1", "1", "1", "1"]}})
    with pytest.raises(DataError, match="E09999999"):
        wf.load_panel(las, tmp_path)


def test_unknown_text_in_a_measure_is_a_data_error(tmp_path):
    path = wide_file(tmp_path / "w.csv", {2015: {DARLINGTON: ["1", "1", "n/a!", "1", "1"]}})
    with pytest.raises(DataError, match="B3_FTE_TurnoverRate_2015"):
        wf.read_file(path)


def test_rate_out_of_range_fails_the_schema(tmp_path, las):
    wide_file(tmp_path / "w.csv", {2015: {c: ["1", "1", "1", "1", "1"] for c in
                                          (DARLINGTON, GATESHEAD, KINGSTON, RICHMOND)}
                                   | {SCILLY: ["1", "1", "150", "1", "1"]}})
    with pytest.raises(DataError, match="turnover_pct"):
        wf.check_panel(wf.load_panel(las, tmp_path), las)


# --- the chapter's periods -------------------------------------------------------------

def test_effective_periods_shrink_to_the_years_with_data_and_widen_with_2013_2014(tmp_path, las):
    sept_2015(tmp_path / "SFR07_2016_UD.csv")
    sept_2016(tmp_path / "SFR08_2017_UD.csv")
    tidy_2017(tmp_path / "csww.csv")
    panel = wf.load_panel(las, tmp_path)
    assert wf.effective_periods(panel, 2013, 2017) == {"level": (2015, 2017), "change": (2016, 2017)}
    assert wf.effective_periods(wf.remap_years(panel, 0), 2013, 2017) == {
        "level": (2014, 2017), "change": (2015, 2017)}
    wide_file(tmp_path / "SFR_2014_UD.csv", {
        2013: {DARLINGTON: ["70", "7", "10", "7", "9"]},
        2014: {DARLINGTON: ["72", "14.4", "20", "8", "10"]},
    })
    panel = wf.load_panel(las, tmp_path)
    # with the Sept 2013 and 2014 snapshots the study's whole period is covered
    assert wf.effective_periods(panel, 2013, 2017) == {"level": (2013, 2017), "change": (2014, 2017)}
    assert "30 September 2013, 2014, 2015, 2016" in wf.describe_period((2013, 2017))


def test_effective_periods_need_two_contiguous_years():
    panel = pd.DataFrame({"gss": ["a", "a", "a"], "year": [2014, 2016, 2017],
                          "turnover_pct": [1.0, float("nan"), 3.0], "agency_pct": [1.0, float("nan"), 2.0]})
    with pytest.raises(DataError, match="gap"):
        wf.effective_periods(panel, 2013, 2017)
    with pytest.raises(DataError, match="need two years"):
        wf.effective_periods(panel, 2015, 2017)


# --- coverage: every LA in every CLA year of the panel, bar the declared gaps -------------

def _panel(las, years, source="a.csv", drop=()):
    rows = [{"gss": g, "year": y, "source": source} for y in years for g in las["gss"]
            if (g, y) not in drop]
    return pd.DataFrame(rows)


def test_coverage_complete_panel_passes(las, tmp_path):
    panel = _panel(las, [2016, 2017])
    assert wf.check_coverage(panel, las, tmp_path) is panel


def test_coverage_missing_la_names_the_source_file_and_year(las, tmp_path):
    panel = pd.concat([_panel(las, [2016], "SFR07_2016_UD.csv"),
                       _panel(las, [2017], "SFR08_2017_UD.csv", drop={(GATESHEAD, 2017)})])
    with pytest.raises(DataError, match=r"SFR08_2017_UD.csv: .*2017: 1 of 5 LAs missing: Gateshead"):
        wf.check_coverage(panel, las, tmp_path)


def test_coverage_missing_year_stops(las, tmp_path):
    panel = _panel(las, [2016, 2018])
    with pytest.raises(DataError, match=r"year\(s\) \[2017\] missing"):
        wf.check_coverage(panel, las, tmp_path)


def test_coverage_accepts_only_declared_reorganisations(las, tmp_path):
    reorganised = las.copy()
    reorganised.loc[0, "gss"] = "E10000002"  # Buckinghamshire: new code from CLA year 2021
    full = _panel(reorganised, range(2016, 2022), drop={("E10000002", 2021)})
    wf.check_coverage(full, reorganised, tmp_path)
    early = full[~((full["gss"] == "E10000002") & (full["year"] == 2020))]
    with pytest.raises(DataError, match=r"2020: 1 of 5 LAs missing"):
        wf.check_coverage(early, reorganised, tmp_path)
