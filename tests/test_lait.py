"""carerates.sources.lait: LAIT's long parquet, on fixtures in its layout."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carerates import geography as geo
from carerates.errors import DataError
from carerates.sources import lait

LAS = pd.DataFrame({"gss": ["E06000005", "E06000028", "E06000029", "E10000009", "E10000021"],
                    "la_number": [841, 837, 836, 835, 928]})


def fixture(tmp_path, rows, drop=None):
    frame = pd.DataFrame(rows, columns=["Short Desc", "Years", "LA and Regions", "Values", "LA Number"])
    # Data item is filled only on each indicator's first row, as in LAIT.
    frame.insert(1, "Data item", [None] * len(frame))
    frame.loc[0, "Data item"] = "Number of unaccompanied Asylum Seeking Children looked after at 31 March."
    frame["Region"] = "South West"
    frame["LA Number"] = frame["LA Number"].astype(float)
    if drop:
        frame = frame.drop(columns=drop)
    path = tmp_path / "bds_long_0.parquet"
    frame.to_parquet(path, index=False)
    return path


ROWS = [
    ("Unacc_Asylmn_Seek_Childn", "2019", "Bournemouth (Pre LG)", "17", 837),
    ("Unacc_Asylmn_Seek_Childn", "2019", "Poole (Pre LG)", "14", 836),
    ("Unacc_Asylmn_Seek_Childn", "2019", "Dorset (Pre LG)", "13", 835),
    ("Unacc_Asylmn_Seek_Childn", "2020", "Bournemouth, Christchurch and Poole", "40", 839),
    ("Unacc_Asylmn_Seek_Childn", "2020", "Dorset", "-", 838),
    ("Unacc_Asylmn_Seek_Childn", "2020", "Darlington", "5", 841),
    ("Unacc_Asylmn_Seek_Childn", "2020", "England", "5080", 970),
    ("Work_Force_TO_Rate", "2019", "Bournemouth (Pre LG)", "12.5", 837),
    ("Work_Force_TO_Rate", "2019", "Poole (Pre LG)", "17.400000000000002", 836),
    ("Work_Force_TO_Rate", "2019", "Dorset (Pre LG)", "13.9", 835),
    ("Work_Force_TO_Rate", "2019", "Darlington", "9", 841),
    ("SWFinance", "2019-20 (OT)", "Darlington", "115", 841),
    ("SWFinance", "2019-20 (OT)", "North Northamptonshire", "120", 940),
    ("Unrelated", "2014-16", "Darlington", "not read", 841),
]


def test_year_labels():
    assert lait.year_of("2017") == 2017
    assert lait.year_of("2016-17 (OT)") == 2017
    with pytest.raises(ValueError):
        lait.year_of("2014-16")
    with pytest.raises(ValueError):
        lait.year_of("2016-18 (OT)")


def test_read_layout_dash_as_missing_and_financial_years(tmp_path):
    path = fixture(tmp_path, ROWS)
    out = lait.read_lait(path, ["Unacc_Asylmn_Seek_Childn", "Work_Force_TO_Rate", "SWFinance"])
    assert "Unrelated" not in set(out["indicator"])
    dorset = out[(out["la_number"] == 838)]
    assert np.isnan(dorset["value"]).all()
    assert out.loc[out["indicator"] == "SWFinance", "year"].tolist() == [2020, 2020]
    poole = out[(out["indicator"] == "Work_Force_TO_Rate") & (out["la_number"] == 836)]
    assert poole["value"].iloc[0] == pytest.approx(17.4)


def test_units_sum_counts_and_drop_rates_of_merged_councils(tmp_path):
    path = fixture(tmp_path, ROWS)
    long = lait.read_lait(path, ["Unacc_Asylmn_Seek_Childn", "Work_Force_TO_Rate", "SWFinance"])
    units = lait.lait_units(long, LAS, path).set_index(["unit", "year"])
    assert units.loc[(geo.BPD, 2019), "uasc"] == 17 + 14 + 13
    assert np.isnan(units.loc[(geo.BPD, 2020), "uasc"])  # new Dorset suppressed: no partial sum
    assert np.isnan(units.loc[(geo.BPD, 2019), "turnover_pct"])  # a rate cannot be summed
    assert units.loc[("E06000005", 2019), "turnover_pct"] == 9
    # Half of Northamptonshire reports: no value for the county.
    assert np.isnan(units.loc[("E10000021", 2020), "unit_cost_weekly"])
    assert ("E06000005", 2020) in units.index and 970 not in units.index.get_level_values(0)
    england = lait.areas(long)
    assert england.loc[england["la_number"] == 970, "uasc"].tolist() == [5080.0]


def test_bad_value_names_file_row_and_area(tmp_path):
    path = fixture(tmp_path, [("Unacc_Asylmn_Seek_Childn", "2019", "Poole (Pre LG)", "1O", 836)])
    with pytest.raises(DataError, match=r"bds_long_0\.parquet: row 0 \(Unacc_Asylmn_Seek_Childn, Poole \(Pre LG\)\)"):
        lait.read_lait(path, ["Unacc_Asylmn_Seek_Childn"])


def test_bad_year_label(tmp_path):
    path = fixture(tmp_path, [("Unacc_Asylmn_Seek_Childn", "2019/20", "Poole (Pre LG)", "1", 836)])
    with pytest.raises(DataError, match="unexpected year label '2019/20'"):
        lait.read_lait(path, ["Unacc_Asylmn_Seek_Childn"])


def test_missing_indicator_column_and_file(tmp_path):
    path = fixture(tmp_path, ROWS)
    with pytest.raises(DataError, match=r"indicator\(s\) not found: \['LACnum'\]"):
        lait.read_lait(path, ["LACnum", "SWFinance"])
    path = fixture(tmp_path, ROWS, drop=["LA Number"])
    with pytest.raises(DataError, match="bds_long_0.parquet"):
        lait.read_lait(path, ["SWFinance"])
    with pytest.raises(DataError, match="missing"):
        lait.read_lait(tmp_path / "absent.parquet", ["SWFinance"])


def test_unknown_la_number(tmp_path):
    path = fixture(tmp_path, [("SWFinance", "2019-20 (OT)", "Nowhere", "1", 999)])
    long = lait.read_lait(path, ["SWFinance"])
    with pytest.raises(DataError, match=r"unknown LA number\(s\) \['999'\]"):
        lait.lait_units(long, LAS, path)


def test_duplicate_rows(tmp_path):
    path = fixture(tmp_path, [("SWFinance", "2019-20 (OT)", "Darlington", "1", 841),
                              ("SWFinance", "2019-20 (OT)", "Darlington", "2", 841)])
    with pytest.raises(DataError, match="listed twice"):
        lait.read_lait(path, ["SWFinance"])
