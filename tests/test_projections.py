"""carerates.projections: the methods, the rolling-origin backtest (by hand), no look-ahead,
the hand-written estimators against statsmodels, and calibration."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.tsa.arima.model import ARIMA

from carerates import projections as pj
from carerates.errors import DataError

HORIZONS = (1, 2, 3, 4, 5)


def one(values, first=2000, population=None):
    values = np.asarray(values, dtype=float)
    years = np.arange(first, first + len(values))
    pop = None if population is None else np.asarray(population, dtype=float)[None, :]
    return pj.Series(("England",), years, values[None, :], pop, name="test")


def random_panel(seed=1, areas=6, years=range(2000, 2026)):
    rng = np.random.default_rng(seed)
    years = np.arange(years.start, years.stop)
    counts = np.exp(np.cumsum(np.c_[rng.uniform(3, 6, areas), rng.normal(0.03, 0.08, (areas, len(years) - 1))],
                              axis=1)).round()
    pop = np.exp(np.cumsum(np.c_[rng.uniform(10, 12, areas), rng.normal(0.01, 0.01, (areas, len(years) - 1))],
                           axis=1))
    return pj.Series(tuple(f"LA{i}" for i in range(areas)), years, counts, pop, name="panel")


def test_backtest_by_hand():
    # 2000-2006: a straight line to 2004, then 21 and 19
    series = one([10, 12, 14, 16, 18, 21, 19])
    records = pj.backtest(series, ["linear_5", "no_change"], origins=[2004, 2005], horizons=(1, 2))
    lin = records[records["method"] == "linear_5"].set_index(["origin", "horizon"])
    # origin 2004: the window is exactly linear (slope 2): 20 for 2005, 22 for 2006, no residual, no width
    assert lin.loc[(2004, 1), "forecast"] == pytest.approx(20)
    assert lin.loc[(2004, 2), "forecast"] == pytest.approx(22)
    assert lin.loc[(2004, 1), "pi95_high"] == pytest.approx(20)
    # origin 2005 with horizon 2 has no outcome (2007): dropped
    assert (2005, 2) not in lin.index
    naive = records[records["method"] == "no_change"].set_index(["origin", "horizon"])
    # origin 2004: changes 2,2,2,2 -> RMS 2; 18 +/- 1.96 x 2 x sqrt(h)
    z = 1.959963984540054
    assert naive.loc[(2004, 1), ["forecast", "pi95_low", "pi95_high"]].tolist() == pytest.approx([18, 18 - 2 * z, 18 + 2 * z])
    assert naive.loc[(2004, 2), "pi95_high"] == pytest.approx(18 + 2 * z * math.sqrt(2))
    # origin 2005: window 2001-2005, changes 2,2,2,3 -> RMS sqrt(21/4)
    rms = math.sqrt(21 / 4)
    assert naive.loc[(2005, 1), ["forecast", "pi95_low", "pi95_high"]].tolist() == pytest.approx([21, 21 - z * rms, 21 + z * rms])

    scores = pj.score(records).set_index(["method", "origin", "horizon"])
    # linear_5, horizon 1, pooled over origins 2004 (20 vs 21) and 2005 (window 2001-2005)
    y = np.array([12, 14, 16, 18, 21.0])
    x = np.arange(5.0)
    slope, intercept = np.polyfit(x, y, 1)
    f2005 = intercept + slope * 5
    ape = [100 / 21, 100 * abs(f2005 - 19) / 19]
    pe = [-100 / 21, 100 * (f2005 - 19) / 19]
    row = scores.loc[("linear_5", "all", 1)]
    assert row["n"] == 2
    assert row["mape"] == pytest.approx(np.mean(ape))
    assert row["bias"] == pytest.approx(np.mean(pe))
    assert scores.loc[("linear_5", "2004", 2), "mape"] == pytest.approx(100 * 3 / 19)
    assert scores.loc[("linear_5", "2004", 2), "bias"] == pytest.approx(100 * 3 / 19)
    # no_change, horizon 1: 21 in [18 -/+ 3.92] (inside), 19 in [21 -/+ 4.49] (inside)
    assert scores.loc[("no_change", "all", 1), "coverage_95"] == 1.0
    assert scores.loc[("no_change", "all", 1), "mape"] == pytest.approx(np.mean([100 * 3 / 21, 100 * 2 / 19]))
    # the straight-line origin has a zero-width interval: 21 is outside it
    assert scores.loc[("linear_5", "2004", 1), "coverage_95"] == 0.0


def perturbed_after(series, origin, seed):
    """The series with every year after ``origin`` replaced by noise (one area's by NaN)."""
    later = series.years > origin
    rng = np.random.default_rng(seed)
    counts = series.counts.copy()
    counts[:, later] = rng.uniform(0, 1e6, counts[:, later].shape)
    counts[0, later] = np.nan
    pop = series.population.copy()
    pop[:, later] = rng.uniform(1, 1e7, pop[:, later].shape)
    return pj.Series(series.areas, series.years, counts, pop, name=series.name)


def test_forecast_from_t_reads_no_later_year():
    panel = random_panel()
    england = pj.Series(("England",), panel.years, np.nansum(panel.counts, axis=0)[None, :] + 7,
                        np.nansum(panel.population, axis=0)[None, :], name="england")
    for origin in (2016, 2018, 2020):
        for name in pj.METHODS:
            before = pj.forecast(name, england, origin, HORIZONS, las=panel)
            after = pj.forecast(name, perturbed_after(england, origin, 5), origin, HORIZONS,
                                las=perturbed_after(panel, origin, 6))
            pd.testing.assert_frame_equal(before, after)
            assert len(before) == len(HORIZONS), name
        for name in pj.LA_METHODS:
            pd.testing.assert_frame_equal(pj.forecast(name, panel, origin),
                                          pj.forecast(name, perturbed_after(panel, origin, 7), origin))
    # and the backtest's scores of origins up to t do not move when years after t + 5 change
    early = pj.score(pj.backtest(panel, pj.LA_METHODS, range(2010, 2016), level="la"))
    late = pj.score(pj.backtest(perturbed_after(panel, 2020, 8), pj.LA_METHODS, range(2010, 2016), level="la"))
    pd.testing.assert_frame_equal(early, late)


def test_upto_keeps_only_years_up_to_the_origin():
    panel = random_panel()
    cut = panel.upto(2015)
    assert cut.years.max() == 2015 and cut.counts.shape[1] == len(cut.years)
    with pytest.raises(DataError, match="origin 2030"):
        panel.upto(2030)


def test_windows_that_reach_before_the_series_give_no_forecast():
    series = one(np.arange(10, 22), first=1994)  # 1994-2005
    assert pj.forecast("linear_10", series, 2002).empty  # needs 1993-2002
    assert not pj.forecast("linear_10", series, 2003).empty
    assert pj.forecast("rate_5", series, 2003).empty  # no population


def test_missing_window_year_gives_nan_for_that_area_only():
    panel = random_panel()
    counts = panel.counts.copy()
    counts[2, panel.years == 2014] = np.nan
    gappy = pj.Series(panel.areas, panel.years, counts, panel.population)
    rows = pj.forecast("linear_5", gappy, 2016)
    assert rows.loc[rows["area"] == "LA2", "forecast"].isna().all()
    assert rows.loc[rows["area"] != "LA2", "forecast"].notna().all()
    assert not pj.forecast("linear_5", gappy, 2019)["forecast"].isna().any()


def test_ols_trend_matches_statsmodels():
    rng = np.random.default_rng(4)
    y = 50 + 3 * np.arange(7) + rng.normal(0, 2, 7)
    fit, low, high = pj.ols_trend(y[None, :], np.arange(1, 6))
    x = sm.add_constant(np.arange(7.0))
    frame = sm.OLS(y, x).fit().get_prediction(sm.add_constant(np.arange(7.0, 12.0))).summary_frame(alpha=0.05)
    np.testing.assert_allclose(fit[0], frame["mean"], rtol=1e-12)
    np.testing.assert_allclose(low[0], frame["obs_ci_lower"], rtol=1e-12)
    np.testing.assert_allclose(high[0], frame["obs_ci_upper"], rtol=1e-12)


def test_drift_matches_statsmodels_arima():
    rng = np.random.default_rng(5)
    y = np.exp(np.cumsum(np.r_[10.5, rng.normal(0.02, 0.03, 24)]))
    fit, low, high = pj.drift(y[None, :], np.arange(1, 6))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = ARIMA(np.log(y), order=(0, 1, 0), trend="t").fit().get_forecast(5).summary_frame(alpha=0.05)
    # statsmodels maximises the likelihood numerically: agreement to its optimiser's tolerance
    np.testing.assert_allclose(np.log(fit[0]), frame["mean"], atol=1e-4)
    np.testing.assert_allclose(np.log(low[0]), frame["mean_ci_lower"], atol=1e-4)
    np.testing.assert_allclose(np.log(high[0]), frame["mean_ci_upper"], atol=1e-4)


def test_rate_methods_hold_or_trend_the_population():
    # the rate rises by 1 per 10,000 a year; the population grows by 100 a year
    pop = 10_000 + 100 * np.arange(6)
    counts = (10 + np.arange(6)) * pop / 1e4
    series = one(counts, population=pop)
    held = pj.forecast("rate_5", series, 2005, (1, 2))
    trended = pj.forecast("rate_5_pop_trend", series, 2005, (1, 2))
    assert held["forecast"].tolist() == pytest.approx([16 * pop[-1] / 1e4, 17 * pop[-1] / 1e4])
    assert trended["forecast"].tolist() == pytest.approx([16 * (pop[-1] + 100) / 1e4, 17 * (pop[-1] + 200) / 1e4])


def test_sum_of_la_trends_adds_the_rest_at_the_origin():
    years = np.arange(2010, 2016)
    las = pj.Series(("A", "B"), years, np.array([[1, 2, 3, 4, 5, 6], [10, 10, 10, 10, 10, 10.0]]), name="las")
    england = one([15, 16, 17, 18, 19, 20], first=2010)  # 4 more than the LAs at the origin
    rows = pj.forecast("sum_la_linear_5", england, 2015, (1, 2), las=las)
    assert rows["forecast"].tolist() == pytest.approx([7 + 10 + 4, 8 + 10 + 4])


def test_negative_forecasts_are_floored():
    series = one([50, 40, 30, 20, 10])
    rows = pj.forecast("linear_5", series, 2004, (1, 2))
    assert rows["forecast"].tolist() == [0.0, 0.0]
    assert (rows["pi95_low"] >= 0).all()


def test_calibration_and_pick():
    records = pd.DataFrame({
        "method": "m", "level": "national", "area": "E", "origin": [1, 2, 3, 4, 5], "horizon": 1,
        "forecast": 100.0, "pi95_low": 90.0, "pi95_high": 120.0, "actual": [100, 110, 80, 140, 95.0]})
    ratio = pj.interval_ratio(records["forecast"], records["pi95_low"], records["pi95_high"], records["actual"])
    np.testing.assert_allclose(ratio, [0, 0.5, 2, 2, 0.5])
    cal = pj.calibration(records).iloc[0]
    assert cal["n"] == 5 and cal["coverage_model"] == pytest.approx(0.6)
    assert cal["k"] == pytest.approx(np.quantile([0, 0.5, 2, 2, 0.5], 0.95))
    wide = pj.calibrate(records.head(1), 2.0)
    assert wide[["pi95_low", "pi95_high"]].iloc[0].tolist() == [80.0, 140.0]
    assert pj.calibrate(records.head(1), 20.0)["pi95_low"].iloc[0] == 0.0

    scores = pd.DataFrame({"method": ["a", "a", "b", "b"], "level": "national", "origin": ["1", "2", "1", "2"],
                           "horizon": 1, "n": 1, "mape": [2.0, 4.0, 3.0, 3.0]})
    best, means = pj.pick(scores, ["b", "a"], "national")  # tie at 3.00: the one listed first
    assert best == "b" and means["a"] == pytest.approx(3.0)
    assert pj.pick(scores, ["a", "b"], "national", origins=[1])[0] == "a"


def test_growth_helpers():
    assert pj.required_growth(100, 121, 2) == pytest.approx(0.1)
    growth = pj.span_growth(pd.Series([100, 110, 121.0], index=[2000, 2001, 2002]), 2)
    assert growth.to_dict() == pytest.approx({2002: 0.1})


def test_series_checks_its_shape():
    with pytest.raises(DataError, match="consecutive"):
        pj.Series(("A",), np.array([2000, 2002]), np.array([[1.0, 2.0]]))
    with pytest.raises(DataError, match="shape"):
        pj.Series(("A", "B"), np.array([2000, 2001]), np.array([[1.0, 2.0]]))
