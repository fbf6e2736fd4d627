"""Loaders of the HMRC low-income workbooks, the Fingertips series and the county estimate.

Fixtures are small synthetic workbooks in the layouts of the real releases (the
.xls years are written as .xlsx: same cells, and calamine reads both alike).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carerates import paths
from carerates.errors import DataError
from carerates.sources import low_income as li

NUMERATOR = "Children in families in receipt of CTC (<60% median income) or IS/JSA "
DENOMINATOR = "Children in Child Benefit families"
PERCENT = "% of Children in low-income families1"

# (code, name, low-income u16, all, Child Benefit u16, all)
LAS = [
    ("E92000001", "England", 2000, 2400, 10000, 12000),
    ("E09000001", "City of London", 60, 70, 655, 735),
    ("E08000020", "Gateshead", 900, 1000, 4000, 4700),  # old code, mapped to E08000037
    ("E10000002", "Buckinghamshire", 500, 600, 5000, 5900),
]
DISTRICTS = [  # 2016 layout: districts of Buckinghamshire, no county row
    ("E07000004", "Aylesbury Vale", 200, 240, 2000, 2400),
    ("E07000005", "Chiltern", 50, 60, 1000, 1150),
    ("E07000006", "South Bucks", 30, 40, 600, 700),
    ("E07000007", "Wycombe", 260, 300, 1400, 1650),
]
LA_TABLE = pd.DataFrame({
    "gss": ["E09000001", "E08000037", "E10000002"],
    "excluded": [False, False, False],
})
LOOKUP = pd.DataFrame({
    "district_code": ["E07000004", "E07000005", "E07000006", "E07000007"],
    "district_name": ["Aylesbury Vale", "Chiltern", "South Bucks", "Wycombe"],
    "county_code": ["E10000002"] * 4,
    "county_name": ["Buckinghamshire"] * 4,
})


def _rows_early(rows, suppress=None):
    """2011-2014 layout: GSS code, old code, name, then groups of (u16, all, blank)."""
    out = []
    for i, (code, name, n16, nall, d16, dall) in enumerate(rows):
        old = "" if code.startswith("E92") else f"00A{chr(65 + i)}"
        first, second = (code, name) if code.startswith("E92") else (code, old)
        third = "" if code.startswith("E92") else name
        p16, pall = round(n16 / d16, 3), round(nall / dall, 3)
        cells = [first, second, third, None, 1, 1, None, 1, 1, None, 1, 1, None,
                 n16, nall, None, d16, dall, None, p16, pall]
        if suppress == code:
            cells[13:15] = ["-", "-"]
            cells[19:21] = ["-", "-"]
        out.append(cells)
        out.append([None] * 21)
    return out


def _write(path, sheet, frame_rows):
    width = max(len(r) for r in frame_rows)
    frame_rows = [list(r) + [None] * (width - len(r)) for r in frame_rows]
    pd.DataFrame(frame_rows).to_excel(path, sheet_name=sheet, header=False, index=False)
    return path


def early_workbook(path, sheet="Summary", extra_top_row=False, suppress=None, rows=LAS):
    header = ["Local Authority Code", "Local Authority", None, None, "Children in IS/JSA families",
              None, None, "Children in families receiving WTC and CTC", None, None,
              "Children in families receiving CTC only", None, None, NUMERATOR, None, None,
              DENOMINATOR, None, None, PERCENT, None]
    sub = [None] * 4 + ["Under 16", "All Children", None] * 5 + ["Under 16", "All Children"]
    top = [[None, None, "Revised 10 December 2014"] + [None] * 18] if extra_top_row else []
    body = top + [header, sub, [None] * 21] + _rows_early(rows, suppress)
    body.append(["1 These percentages are based on unrounded totals."] + [None] * 20)
    return _write(path, sheet, body)


def late_workbook(path, rows, district_level=False):
    """2015-2016 layout: a blank first column, code, name; 2016 adds population columns."""
    width = 29 if district_level else 20
    groups = [None, None, None, "Children in IS/JSA families", None, None, "WTC and CTC", None, None,
              "CTC only", None, None, NUMERATOR, None, None]
    top = [[None] * width, [None] * width]
    row2 = groups + [None] * (width - len(groups))
    row3 = [None, "Local Authority Code", "Local Authority Name"] + [None] * (width - 3)
    if district_level:
        row2[15] = "Children in families registered for Child Benefit"
        row2[18] = "% of Children in low-income families*"
        row3[21] = "Alternative child population estimate1"
        row3[25] = "% of Children in low-income families* using alternative child population estimate"
    else:
        row2[15], row2[18] = DENOMINATOR, PERCENT
    sub = [None] * 3 + ["Under 16", "All Children", None] * 6
    sub = sub + [None] * (width - len(sub))
    if district_level:
        sub[21:24] = ["Under 16", "16-19", "All Children"]
        sub[25:27] = ["Under 16", "All Children"]
    body = top + [row2, row3, [None] * width, [None] * width, sub, [None] * width]
    for code, name, n16, nall, d16, dall in rows:
        cells = [None, code, name, 1, 1, None, 1, 1, None, 1, 1, None, n16, nall, None, d16, dall,
                 None, round(n16 / d16, 3), round(nall / dall, 3)]
        if district_level:
            cells += [None, d16 + 5, 7, dall + 5, None, 0.5, 0.5, 9, 0.001]
        body.append(cells)
        body.append([None] * width)
    return _write(path, "Summary", body)


# --- one workbook per layout -------------------------------------------------------------


@pytest.mark.parametrize("sheet,extra", [("Summary", False), ("Summary (rounded)", True), ("Summary ", False)])
def test_early_layouts_read_codes_names_counts_and_percentages(tmp_path, sheet, extra):
    path = early_workbook(tmp_path / "li.xlsx", sheet=sheet, extra_top_row=extra)
    table = li.read_hmrc_workbook(path)
    assert list(table.columns) == li.HMRC_COLUMNS
    assert table.code.tolist() == ["E92000001", "E09000001", "E08000020", "E10000002"]
    assert table.name.tolist() == ["England", "City of London", "Gateshead", "Buckinghamshire"]
    city = table.set_index("code").loc["E09000001"]
    assert city.low_income_u16 == 60 and city.child_benefit_all == 735
    assert city.pct_u16 == pytest.approx(9.2)  # stored as the proportion 0.092
    assert city.pct_all == pytest.approx(9.5)


def test_2015_layout_without_old_code_column(tmp_path):
    path = late_workbook(tmp_path / "li2015.xlsx", LAS)
    table = li.read_hmrc_workbook(path)
    assert table.name.tolist() == ["England", "City of London", "Gateshead", "Buckinghamshire"]
    assert table.set_index("code").loc["E10000002", "pct_u16"] == pytest.approx(10.0)


def test_2016_district_layout_ignores_alternative_population_columns(tmp_path):
    rows = [LAS[0], LAS[1], LAS[2]] + DISTRICTS
    table = li.read_hmrc_workbook(late_workbook(tmp_path / "li2016.xlsx", rows, district_level=True))
    chiltern = table.set_index("code").loc["E07000005"]
    assert chiltern.pct_u16 == pytest.approx(5.0)
    assert chiltern.child_benefit_u16 == 1000


def test_suppressed_values_become_missing(tmp_path):
    path = early_workbook(tmp_path / "li.xlsx", sheet="Summary ", suppress="E09000001")
    city = li.read_hmrc_workbook(path).set_index("code").loc["E09000001"]
    assert np.isnan(city.pct_u16) and np.isnan(city.low_income_u16)
    assert city.child_benefit_u16 == 655


# --- failures ---------------------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="missing"):
        li.read_hmrc_workbook(tmp_path / "absent.xlsx")


def test_no_summary_sheet(tmp_path):
    path = early_workbook(tmp_path / "li.xlsx", sheet="Totals")
    with pytest.raises(DataError, match="Summary"):
        li.read_hmrc_workbook(path)


def test_renamed_percentage_header(tmp_path):
    path = tmp_path / "li.xlsx"
    early_workbook(path)
    sheet = pd.read_excel(path, header=None, engine="calamine")
    sheet.iat[0, 19] = "Share of children"
    sheet.to_excel(path, sheet_name="Summary", header=False, index=False)
    with pytest.raises(DataError, match="% of Children in low-income families"):
        li.read_hmrc_workbook(path)


def test_unknown_text_in_a_count(tmp_path):
    path = tmp_path / "li.xlsx"
    early_workbook(path)
    sheet = pd.read_excel(path, header=None, engine="calamine")
    sheet.iat[5, 13] = "n/a?"
    sheet.to_excel(path, sheet_name="Summary", header=False, index=False)
    with pytest.raises(DataError, match="low_income_u16"):
        li.read_hmrc_workbook(path)


def test_percentages_not_stored_as_proportions(tmp_path):
    path = tmp_path / "li.xlsx"
    early_workbook(path)
    sheet = pd.read_excel(path, header=None, engine="calamine")
    sheet.iat[5, 19] = 9.2
    sheet.to_excel(path, sheet_name="Summary", header=False, index=False)
    with pytest.raises(DataError, match="proportions"):
        li.read_hmrc_workbook(path)


def test_unknown_la_code_in_panel(tmp_path):
    rows = LAS + [("E06099999", "Nowhere", 1, 1, 10, 10)]
    files = {2015: late_workbook(tmp_path / "li2015.xlsx", rows)}
    with pytest.raises(DataError, match="E06099999"):
        li.hmrc_panel(LA_TABLE, files=files, lookup=LOOKUP)


def test_la_missing_from_a_workbook(tmp_path):
    files = {2015: late_workbook(tmp_path / "li2015.xlsx", [LAS[0], LAS[2], LAS[3]])}
    with pytest.raises(DataError, match="missing from the workbook.*E09000001"):
        li.hmrc_panel(LA_TABLE, files=files, lookup=LOOKUP)


# --- the panel, the 2016 county sums and the county estimate -----------------------------------


def test_panel_maps_old_codes_and_sums_2016_counties_from_district_counts(tmp_path):
    files = {
        2013: early_workbook(tmp_path / "li2013.xlsx", sheet="Summary "),
        2016: late_workbook(tmp_path / "li2016.xlsx", [LAS[0], LAS[1], LAS[2]] + DISTRICTS,
                            district_level=True),
    }
    panel = li.hmrc_panel(LA_TABLE, files=files, lookup=LOOKUP).set_index(["gss", "snapshot_year"])
    assert ("E08000037", 2013) in panel.index  # Gateshead under its 2017 code
    bucks = panel.loc[("E10000002", 2016)]
    assert bucks.source == "hmrc_districts_summed"
    # (200 + 50 + 30 + 260) / (2000 + 1000 + 600 + 1400), not the mean of the district %
    assert bucks.low_income_pct == pytest.approx(100 * 540 / 5000)
    assert panel.loc[("E10000002", 2013), "source"] == "hmrc"


def test_county_sum_needs_every_district(tmp_path):
    files = {2016: late_workbook(tmp_path / "li2016.xlsx", [LAS[0], LAS[1], LAS[2]] + DISTRICTS[:3],
                                 district_level=True)}
    with pytest.raises(DataError, match="E07000007"):
        li.hmrc_panel(LA_TABLE, files=files, lookup=LOOKUP)


def _fingertips(rows):
    return pd.DataFrame(rows, columns=["code", "name", "snapshot_year", "pct"])


def test_child_benefit_weighted_estimate_recovers_the_county_count_ratio():
    districts = pd.DataFrame([{"code": c, "child_benefit_u16": d16} for c, _, _, _, d16, _ in DISTRICTS])
    weights = li.district_weights("child_benefit", districts, LOOKUP)
    assert weights.groupby("county_code").weight.sum().tolist() == pytest.approx([1.0])
    ft = _fingertips([(c, n, 2009, 100 * n16 / d16) for c, n, n16, _, d16, _ in DISTRICTS])
    estimate = li.estimate_counties(ft, weights)
    assert estimate.gss.tolist() == ["E10000002"]
    assert estimate.low_income_pct.iloc[0] == pytest.approx(100 * 540 / 5000)
    equal = li.estimate_counties(ft, li.district_weights("equal", lookup=LOOKUP))
    assert equal.low_income_pct.iloc[0] == pytest.approx(np.mean([10, 5, 5, 100 * 260 / 1400]))


def test_no_estimate_when_a_district_value_is_missing():
    weights = li.district_weights("equal", lookup=LOOKUP)
    ft = _fingertips([(c, n, 2009, 10.0) for c, n, *_ in DISTRICTS[:3]] + [("E07000007", "Wycombe", 2009, np.nan)]
                     + [(c, n, 2010, 10.0) for c, n, *_ in DISTRICTS])
    estimate = li.estimate_counties(ft, weights)
    assert estimate.snapshot_year.tolist() == [2010]


def test_county_estimate_check_compares_only_published_county_rows():
    estimates = pd.DataFrame({"gss": ["E10000002"] * 2, "snapshot_year": [2015, 2016],
                              "low_income_pct": [10.3, 10.9]})
    published = pd.DataFrame({"gss": ["E10000002"] * 2, "snapshot_year": [2015, 2016],
                              "low_income_pct": [10.0, 10.8],
                              "source": ["hmrc", "hmrc_districts_summed"]})
    check = li.county_estimate_check(estimates, published)
    assert check.snapshot_year.tolist() == [2015]
    assert check.error.iloc[0] == pytest.approx(0.3)


def test_fingertips_reader_na_and_renamed_column(tmp_path):
    path = tmp_path / "ft.csv"
    path.write_text("area_code,area_name,period,value,indicator\n"
                    "E06000053,Isles of Scilly,2014,NA,x\n"
                    "E07000004,Aylesbury Vale,2014,10.5,x\n"
                    "E92000001,England,2014,20.1,x\n")
    table = li.read_fingertips(path)
    assert table.code.tolist() == ["E06000053", "E07000004"]  # England dropped
    assert np.isnan(table.pct.iloc[0]) and table.pct.iloc[1] == 10.5
    path.write_text("area_code,area_name,period,val\nE07000004,Aylesbury Vale,2014,10.5\n")
    with pytest.raises(DataError, match="value"):
        li.read_fingertips(path)


def test_with_cla_year_offsets():
    panel = pd.DataFrame({"gss": ["a"], "snapshot_year": [2012]})
    assert li.with_cla_year(panel, 0).year.tolist() == [2012]
    assert li.with_cla_year(panel, 1).year.tolist() == [2013]
    with pytest.raises(ValueError):
        li.with_cla_year(panel, 2)


@pytest.mark.skipif(not paths.raw(*li.FINGERTIPS_FILE).exists(), reason="raw files absent")
def test_fingertips_year_missing_an_la_stops_naming_the_file(monkeypatch):
    from carerates.las import build_la_table
    from carerates.sources.cla import LAA1_RELEASES, read_laa1

    file, first, last = LAA1_RELEASES["SFR50_2017"]
    las = build_la_table(read_laa1(paths.raw(file), first, last)[0])
    real = li.read_fingertips

    def partial(path=None):
        frame = real(path)
        return frame[~((frame["code"] == "E08000035") & (frame["snapshot_year"] == 2008))]

    monkeypatch.setattr(li, "read_fingertips", partial)
    with pytest.raises(DataError, match=r"low_income_families.csv: .*2008: 1 of 152 LAs missing .*Leeds"):
        li.build_tables(las)
