"""carerates.schema.check_table: every violation stops the ingest with the table's name."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carerates.errors import DataError
from carerates.las import build_la_table
from carerates.schema import Column, check_table

LAS = build_la_table(pd.DataFrame([
    ("E06000001", 805, "Hartlepool", "North East"),
    ("E06000002", 806, "Middlesbrough", "North East"),
    ("E09000007", 202, "Camden", "Inner London"),
    ("E06000053", 420, "Isles of Scilly", "South West"),
], columns=["gss", "la_number", "la_name", "region"]))

COLUMNS = {
    "gss": Column("str", nullable=False),
    "year": Column("int", 2012, 2017, nullable=False),
    "rate": Column("float", 0, 1000),
}


def panel():
    return pd.DataFrame({
        "gss": ["E06000001", "E06000001", "E06000002", "E06000002", "E09000007", "E09000007"],
        "year": [2016, 2017] * 3,
        "rate": [100.0, 110.0, np.nan, 120.0, 60.0, 61.0],
    })


def check(frame, **kwargs):
    return check_table(frame, "cla_test", ["gss", "year"], COLUMNS, **kwargs)


def test_valid_table_is_returned():
    frame = panel()
    assert check(frame, las=LAS) is frame


def test_missing_column():
    with pytest.raises(DataError) as err:
        check(panel().drop(columns="rate"))
    assert "cla_test" in str(err.value) and "rate" in str(err.value)


@pytest.mark.parametrize("column, values", [
    ("year", ["2016", "2017"] * 3),          # text, not int
    ("year", [2016.0, 2017.0] * 3),          # float, not int
    ("rate", ["100"] * 6),                   # text, not float
    ("gss", [1, 2, 3, 4, 5, 6]),             # int, not str
])
def test_wrong_kind(column, values):
    frame = panel()
    frame[column] = values
    with pytest.raises(DataError) as err:
        check(frame)
    assert "cla_test" in str(err.value) and column in str(err.value)


def test_kinds_accepted():
    frame = pd.DataFrame({"s": pd.Categorical(["a"]), "b": [True], "i": np.array([1], dtype="int32"),
                          "f": np.array([1.5], dtype="float32")})
    check_table(frame, "t", ["s"], {"s": Column("str"), "b": Column("bool"), "i": Column("int"),
                                   "f": Column("float")})


@pytest.mark.parametrize("column, value", [("rate", -1.0), ("rate", 1000.5), ("year", 2011), ("year", 2018)])
def test_out_of_range(column, value):
    frame = panel()
    frame.loc[5, column] = value
    with pytest.raises(DataError) as err:
        check(frame)
    assert "cla_test" in str(err.value) and column in str(err.value)


def test_bounds_are_inclusive_and_nan_is_not_out_of_range():
    frame = panel()
    frame.loc[0, "rate"] = 0.0
    frame.loc[1, "rate"] = 1000.0
    check(frame)


def test_null_in_non_nullable():
    frame = panel()
    frame.loc[2, "gss"] = None
    with pytest.raises(DataError) as err:
        check(frame)
    assert "gss" in str(err.value) and "missing" in str(err.value)


def test_duplicate_key():
    frame = pd.concat([panel(), panel().iloc[[3]]], ignore_index=True)
    with pytest.raises(DataError) as err:
        check(frame)
    assert "cla_test" in str(err.value) and "E06000002" in str(err.value)


def test_unknown_gss():
    frame = panel()
    frame.loc[0, "gss"] = "E08000020"  # an old code that should have been mapped
    with pytest.raises(DataError) as err:
        check(frame, las=LAS)
    assert "E08000020" in str(err.value)


def test_absent_la_without_explanation():
    frame = panel()[panel()["gss"] != "E09000007"]
    with pytest.raises(DataError) as err:
        check(frame, las=LAS)
    assert "E09000007" in str(err.value) and "cla_test" in str(err.value)


def test_absent_la_with_explanation():
    frame = panel()[panel()["gss"] != "E09000007"]
    assert check(frame, las=LAS, expected_missing={"E09000007": "did not return in 2016-17"}) is frame


def test_isles_of_scilly_need_not_be_present():
    # The fixture's panel has no Isles of Scilly rows, and passes (test_valid_table_is_returned);
    # with them present it passes too.
    frame = pd.concat([panel(), pd.DataFrame({"gss": ["E06000053"], "year": [2017], "rate": [0.0]})],
                      ignore_index=True)
    check(frame, las=LAS)


# --- require_coverage: every LA in every year, or the file and the gaps are named --------

from carerates.schema import Gap, require_coverage  # noqa: E402


def long_panel(years=(2016, 2017), codes=None):
    codes = list(LAS["gss"]) if codes is None else codes
    return pd.DataFrame([(g, y, 1.0) for y in years for g in codes], columns=["gss", "year", "rate"])


def test_coverage_complete_passes():
    frame = long_panel()
    assert require_coverage(frame, "f.csv", LAS, years=[2016, 2017]) is frame


def test_coverage_names_file_year_count_and_las():
    frame = long_panel()
    frame = frame[~((frame["year"] == 2017) & frame["gss"].isin(["E06000002", "E09000007"]))]
    with pytest.raises(DataError) as err:
        require_coverage(frame, "cla/2017.csv", LAS, years=[2016, 2017])
    text = str(err.value)
    assert "cla/2017.csv" in text and "2017: 2 of 4 LAs missing" in text
    assert "Middlesbrough (E06000002)" in text and "Camden (E09000007)" in text
    assert "2016" not in text.split("cla/2017.csv")[1].split("2017:")[0]  # 2016 is complete


def test_coverage_missing_and_unexpected_years():
    with pytest.raises(DataError, match=r"year\(s\) \[2017\] missing"):
        require_coverage(long_panel(years=[2016]), "f.csv", LAS, years=[2016, 2017])
    with pytest.raises(DataError, match=r"unexpected year\(s\) \[2018\]"):
        require_coverage(long_panel(years=[2016, 2017, 2018]), "f.csv", LAS, years=[2016, 2017])


def test_coverage_declared_gap_passes_only_in_its_years():
    frame = long_panel()
    frame = frame[~((frame["gss"] == "E06000053") & (frame["year"] == 2016))]
    gap = Gap.of("E06000053", [2016], "no row in the 2016 file")
    require_coverage(frame, "f.csv", LAS, years=[2016, 2017], gaps=[gap])
    with pytest.raises(DataError, match=r"Isles of Scilly \(E06000053\)"):
        require_coverage(frame, "f.csv", LAS, years=[2016, 2017], gaps=[Gap.of("E06000053", [2017], "x")])


def test_coverage_with_value_counts_missing_values_as_absent():
    frame = long_panel()
    frame.loc[frame["gss"] == "E06000001", "rate"] = np.nan
    require_coverage(frame, "f.csv", LAS, years=[2016, 2017])  # rows are there
    with pytest.raises(DataError, match=r"2016: 1 of 4 LAs missing with a value in 'rate': Hartlepool"):
        require_coverage(frame, "f.csv", LAS, years=[2016, 2017], value="rate")


def test_coverage_without_years_and_excluded_las():
    frame = long_panel(years=[2017], codes=["E06000001", "E06000002", "E09000007"]).drop(columns="year")
    require_coverage(frame, "f.csv", LAS, year=None, include_excluded=False)
    with pytest.raises(DataError, match=r"1 of 4 LAs missing: Isles of Scilly"):
        require_coverage(frame, "f.csv", LAS, year=None)


def test_coverage_lists_a_few_las_and_counts_the_rest():
    many = build_la_table(pd.DataFrame(
        [(f"E06{i:06d}", 800 + i, f"Place {i}", "North East") for i in range(1, 21)],
        columns=["gss", "la_number", "la_name", "region"]))
    frame = long_panel(years=[2015], codes=list(many["gss"][:8]))
    with pytest.raises(DataError) as err:
        require_coverage(frame, "f.csv", many, years=[2015])
    assert "2015: 12 of 20 LAs missing" in str(err.value) and "and 7 more" in str(err.value)
