"""carerates.summaries: the study's average level and average change on hand-made panels."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carerates import summaries as S

VALUES = {
    # gss: values 2011..2017 (2011 lies outside the period 2012-2017 and must be ignored)
    "A": [99.0, 10.0, 12.0, 14.0, 13.0, 15.0, 20.0],
    "B": [99.0, 30.0, 28.0, 26.0, np.nan, 24.0, 25.0],   # 2015 suppressed
    "C": [99.0, 40.0, 40.0, 40.0, 40.0, 40.0, 40.0],     # flat
    "D": [99.0, 50.0, 48.0, 47.0, 46.0, 44.0, 45.0],
}


def panel(values=VALUES, drop=()):
    rows = [(gss, year, v) for gss, series in values.items()
            for year, v in zip(range(2011, 2018), series) if (gss, year) not in drop]
    frame = pd.DataFrame(rows, columns=["gss", "year", "rate"])
    return frame.sample(frac=1.0, random_state=0)  # order of rows must not matter


def test_level_years():
    assert S.level_years(2012, 2017) == [2013, 2014, 2015, 2016, 2017]
    with pytest.raises(ValueError):
        S.level_years(2017, 2017)


def test_average_level_complete():
    level = S.average_level(panel(), "rate", 2012, 2017)
    assert level["A"] == pytest.approx((12 + 14 + 13 + 15 + 20) / 5)
    assert level["C"] == 40
    assert level["D"] == pytest.approx((48 + 47 + 46 + 44 + 45) / 5)
    assert list(level.index) == ["A", "B", "C", "D"]


def test_average_level_missing_year():
    assert np.isnan(S.average_level(panel(), "rate", 2012, 2017)["B"])
    level = S.average_level(panel(), "rate", 2012, 2017, min_years=4)
    assert level["B"] == pytest.approx((28 + 26 + 24 + 25) / 4)
    assert np.isnan(S.average_level(panel(), "rate", 2012, 2017, min_years=5)["B"])


def test_average_level_absent_row_is_missing():
    """A year with no row at all counts as missing, like a NaN value."""
    level = S.average_level(panel(drop={("A", 2017)}), "rate", 2012, 2017)
    assert np.isnan(level["A"])


def test_average_change_equals_end_minus_start_over_n():
    change = S.average_change(panel(), "rate", 2012, 2017)
    for gss in ["A", "C", "D"]:
        first, last = VALUES[gss][1], VALUES[gss][6]
        assert change[gss] == pytest.approx((last - first) / 5)
    assert change["A"] == pytest.approx(2.0)
    assert change["C"] == 0.0


def test_average_change_other_period():
    change = S.average_change(panel(), "rate", 2013, 2016)
    assert change["A"] == pytest.approx((15 - 12) / 3)
    level = S.average_level(panel(), "rate", 2013, 2016)
    assert level["A"] == pytest.approx((14 + 13 + 15) / 3)


def test_average_change_missing_year():
    assert np.isnan(S.average_change(panel(), "rate", 2012, 2017)["B"])
    # B's changes: 2012->13 -2, 2013->14 -2, (2014->15 and 2015->16 missing), 2016->17 +1.
    change = S.average_change(panel(), "rate", 2012, 2017, min_changes=3)
    assert change["B"] == pytest.approx((-2 - 2 + 1) / 3)
    assert np.isnan(S.average_change(panel(), "rate", 2012, 2017, min_changes=4)["B"])


def test_average_change_missing_start_year():
    """The change into the first year needs the start year's value."""
    change = S.average_change(panel(drop={("A", 2012)}), "rate", 2012, 2017)
    assert np.isnan(change["A"])
    change = S.average_change(panel(drop={("A", 2012)}), "rate", 2012, 2017, min_changes=4)
    assert change["A"] == pytest.approx((20 - 12) / 4)


def test_duplicated_rows_raise():
    doubled = pd.concat([panel(), panel().iloc[:1]], ignore_index=True)
    with pytest.raises(ValueError):
        S.average_level(doubled, "rate", 2012, 2017)
    with pytest.raises(ValueError):
        S.average_change(doubled, "rate", 2012, 2017)


def test_wide():
    table = S.wide(panel(), "rate")
    assert list(table.columns) == list(range(2011, 2018))
    assert list(table.index) == ["A", "B", "C", "D"]
    assert table.loc["A", 2017] == 20


def test_direction_shares_exact_zero_is_no_change():
    changes = pd.Series([1.0, 0.0, -0.5, 0.0, np.nan, 1e-12], index=list("abcdef"))
    shares = S.direction_shares(changes)
    assert shares["direction"].tolist() == ["increase", "no change", "decrease"]
    assert shares["n"].tolist() == [2, 2, 1]
    assert shares["share"].tolist() == pytest.approx([0.4, 0.4, 0.2])
    assert shares["share"].sum() == pytest.approx(1.0)


def test_direction_shares_absent_category_is_zero():
    shares = S.direction_shares(pd.Series([1.0, 2.0]))
    assert shares["n"].tolist() == [2, 0, 0]


def test_describe_uses_sample_sd():
    values = pd.Series([1.0, 2.0, 3.0, 4.0, np.nan])
    out = S.describe(values)
    assert out["n"] == 4
    assert out["mean"] == 2.5
    assert out["sd"] == pytest.approx(np.std([1, 2, 3, 4], ddof=1))
    assert out["sd"] != pytest.approx(np.std([1, 2, 3, 4], ddof=0))
    assert (out["min"], out["max"]) == (1.0, 4.0)


def test_a_period_outside_the_data_says_which_years_are_valid():
    with pytest.raises(ValueError, match=r"period 2012-2030 needs rate in 2013-2030, but the data cover 2011-2017 "
                                         r"\(missing: 2018, .*\); choose a period within 2011-2017"):
        S.average_level(panel(), "rate", 2012, 2030)
    with pytest.raises(ValueError, match="choose a period within 2011-2017"):
        S.average_change(panel(), "rate", 2008, 2015)
    with pytest.raises(ValueError, match="end must be after start"):
        S.average_change(panel(), "rate", 2015, 2012)
