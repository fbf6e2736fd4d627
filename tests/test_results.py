"""carerates.results: Table 2-style regional summaries and the test-record files."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carerates import results as R
from carerates.las import build_la_table
from carerates import stats
from carerates.stats import RECORD_COLUMNS

LAS = [
    ("E06000001", 805, "Hartlepool", "North East"),
    ("E06000002", 806, "Middlesbrough", "North East"),
    ("E06000003", 807, "Redcar and Cleveland", "North East"),
    ("E06000006", 876, "Halton", "North West"),
    ("E06000007", 877, "Warrington", "North West"),
    ("E06000008", 889, "Blackburn with Darwen", "North West"),
    ("E09000007", 202, "Camden", "Inner London"),
    ("E06000053", 420, "Isles of Scilly", "South West"),
    ("E06000026", 879, "Plymouth", "South West"),
    ("E06000027", 880, "Torbay", "South West"),
    ("E06000010", 810, "Kingston Upon Hull, City of", "Yorkshire and The Humber"),
]

VALUES = pd.Series({
    "E06000001": 10.0, "E06000002": 20.0, "E06000003": 30.0,      # North East: mean 20
    "E06000006": 5.0, "E06000007": 7.0, "E06000008": np.nan,       # North West: mean 6, n 2
    "E09000007": 100.0,                                            # Inner London: one LA
    "E06000053": 1000.0, "E06000026": 50.0, "E06000027": 52.0,     # South West: Scilly excluded
    # Hull has no value at all: Yorkshire and The Humber has no row
})


@pytest.fixture
def las():
    return build_la_table(pd.DataFrame(LAS, columns=["gss", "la_number", "la_name", "region"]))


@pytest.fixture
def figures(tmp_path, monkeypatch):
    monkeypatch.setenv("CARERATES_FIGURES", str(tmp_path))
    monkeypatch.delenv("CARERATES_STAGE", raising=False)
    return tmp_path


def test_regional_summary(las):
    table = R.regional_summary(VALUES, las)
    assert list(table.columns) == ["region", "n", "min", "max", "mean", "sd"]
    assert table["region"].tolist() == ["North West", "North East", "South West", "Inner London"]
    row = table.set_index("region")
    assert row.loc["North East", "mean"] == 20
    assert row.loc["North East", "sd"] == pytest.approx(10.0)          # sample SD of 10, 20, 30
    assert row.loc["North East", "sd"] != pytest.approx(np.std([10, 20, 30]))
    assert (row.loc["North East", "min"], row.loc["North East", "max"]) == (10, 30)
    assert row.loc["North West", "n"] == 2                             # missing value not counted
    assert row.loc["North West", "sd"] == pytest.approx(np.sqrt(2))
    assert row.loc["South West", "n"] == 2                             # Isles of Scilly excluded
    assert row.loc["South West", "max"] == 52
    assert row.loc["Inner London", "n"] == 1
    assert np.isnan(row.loc["Inner London", "sd"])
    assert table["n"].dtype == "int64"
    assert "Yorkshire and The Humber" not in set(table["region"])


def test_regional_summary_ties_in_dfe_order(las):
    values = pd.Series({"E06000001": 1.0, "E06000026": 1.0, "E06000006": 1.0})
    table = R.regional_summary(values, las)
    assert table["region"].tolist() == ["North East", "North West", "South West"]


def test_regional_summary_ignores_values_of_unknown_las(las):
    values = pd.concat([VALUES, pd.Series({"E99999999": -500.0})])
    pd.testing.assert_frame_equal(R.regional_summary(values, las), R.regional_summary(VALUES, las))


def result(id, p=0.01):
    return stats.TestResult(id, "section", "average rate", "predictor", "2012-2017", "spearman", 150, -0.3, p)


def test_write_tests_rejects_duplicate_ids(figures):
    with pytest.raises(ValueError) as err:
        R.write_tests([result("a"), result("b"), result("a")], "09_dup")
    assert "'a'" in str(err.value)
    assert not (figures / "tests_09_dup.csv").exists()


def test_write_and_read_tests_in_chapter_order(figures):
    R.write_tests([result("innovation_level", 0.3), result("innovation_change", 0.04)], "05_innovation")
    R.write_tests([result("poverty_level"), result("poverty_change", 0.5)], "03_poverty")
    assert (figures / "tests_05_innovation.csv").is_file()
    table = R.read_tests()
    assert list(table.columns)[: len(RECORD_COLUMNS)] == RECORD_COLUMNS
    assert table["direction"].tolist() == [-1, -1, -1, -1]  # r_s = -0.3 in every record
    assert table["id"].tolist() == ["poverty_level", "poverty_change", "innovation_level", "innovation_change"]
    assert table["significant"].tolist() == [True, False, False, True]
    assert table["significant"].dtype == bool
    only = R.read_tests("05_*")
    assert only["id"].tolist() == ["innovation_level", "innovation_change"]


def test_read_tests_skips_a_chapter_check_in_another_layout(figures):
    R.write_tests([result("poverty_level")], "03_poverty")
    (figures / "tests_11_fe_check.csv").write_text("sample,term,within_between\nbalanced,poverty,3.5\n")
    assert R.read_tests()["id"].tolist() == ["poverty_level"]


def test_read_tests_none_written(figures):
    table = R.read_tests()
    assert table.empty and list(table.columns)[: len(RECORD_COLUMNS)] == RECORD_COLUMNS


def test_write_table_is_byte_stable(figures):
    frame = pd.DataFrame({"region": ["A"], "mean": [1 / 3]})
    path = R.write_table(frame, "table_99_x")
    assert path == figures / "table_99_x.csv"
    first = path.read_bytes()
    R.write_table(frame, "table_99_x.csv")
    assert path.read_bytes() == first
    assert pd.read_csv(path)["mean"].iloc[0] == 0.333333  # 6 significant digits (RESULTS.md)


def test_rounded_leaves_original():
    frame = pd.DataFrame({"a": [1.26], "n": [3]})
    out = R.rounded(frame, 1)
    assert out["a"].iloc[0] == 1.3 and frame["a"].iloc[0] == 1.26
    assert out["n"].iloc[0] == 3


def test_write_tests_keeps_the_group_sizes_of_a_two_group_test(figures):
    from carerates import stats

    values = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    in_group = pd.Series([True, True, False, False, False, False, False])
    test = stats.mann_whitney(values, in_group, id="innovation_level", section="3.5", outcome="average rate",
                              predictor="funded", period="2012-2017")
    R.write_tests([test], "05_groups")
    written = pd.read_csv(figures / "tests_05_groups.csv")
    assert written.loc[0, ["n_group", "n_other"]].tolist() == [2, 5]
