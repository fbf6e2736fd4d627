"""carerates.stats: Spearman and Mann-Whitney as the study (SPSS) reports them."""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from carerates import paths
from carerates import stats as T

META = dict(id="t", section="s", outcome="average rate", predictor="p", period="2012-2017")


def tied_data(seed=1, n=60):
    rng = np.random.default_rng(seed)
    index = [f"E{i:08d}" for i in range(n)]
    x = pd.Series(rng.integers(0, 8, n).astype(float), index=index)   # many ties
    y = pd.Series(np.round(x.to_numpy() * 0.5 + rng.normal(0, 2, n)), index=index)
    x.iloc[[3, 10, 11]] = np.nan
    y.iloc[[10, 20]] = np.nan
    return x, y


# --- Spearman ---------------------------------------------------------------------------------

def test_spearman_equals_scipy_with_ties_and_missing_pairs():
    x, y = tied_data()
    result = T.spearman(x, y, **META)
    keep = x.notna() & y.notna()
    expected = sps.spearmanr(x[keep], y[keep])
    assert result.n == int(keep.sum()) == 60 - 4
    assert result.statistic == pytest.approx(expected.statistic, abs=1e-12)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert result.test == "spearman"


def test_spearman_aligns_on_index():
    x, y = tied_data()
    shuffled = y.sample(frac=1.0, random_state=3)
    extra = pd.concat([shuffled, pd.Series([100.0], index=["E99999999"])])  # no x: dropped
    a = T.spearman(x, extra, **META)
    b = T.spearman(x, y, **META)
    assert (a.n, a.statistic, a.p_value) == (b.n, b.statistic, b.p_value)


def test_spearman_interval_contains_estimate():
    x, y = tied_data()
    result = T.spearman(x, y, **META)
    assert -1 < result.details["ci_low"] < result.statistic < result.details["ci_high"] < 1


def test_spearman_too_few_pairs():
    with pytest.raises(ValueError):
        T.spearman(pd.Series([1.0, 2.0, np.nan]), pd.Series([1.0, 2.0, 3.0]), **META)


# --- Mann-Whitney ------------------------------------------------------------------------------

def test_mann_whitney_hand_computed():
    values = pd.Series([1.0, 2.0, 2.0, 3.0, 4.0, 5.0])
    group = pd.Series([True, True, False, True, False, False])
    result = T.mann_whitney(values, group, **META)
    # Mid-ranks 1, 2.5, 2.5, 4, 5, 6; funded rank sum 1 + 2.5 + 4 = 7.5.
    u1 = 7.5 - 3 * 4 / 2
    assert result.details["u_group"] == pytest.approx(1.5)
    assert result.details["u_other"] == pytest.approx(3 * 3 - u1)
    assert result.statistic == pytest.approx(1.5)
    # Tie-corrected variance: n1 n2 / 12 * ((n + 1) - sum(t^3 - t) / (n (n - 1))).
    variance = 9 / 12 * (7 - (2 ** 3 - 2) / (6 * 5))
    assert variance == pytest.approx(5.1)
    z = (1.5 - 4.5) / math.sqrt(variance)
    assert result.details["z"] == pytest.approx(z)
    assert result.p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert result.n == 6
    assert result.details["n_group"] == 3 and result.details["n_other"] == 3
    assert result.details["median_group"] == 2.0 and result.details["median_other"] == 4.0
    assert result.direction == -1  # the group ranks below the others
    assert T.mann_whitney(values, ~group, **META).direction == +1


def test_spearman_direction_is_sign_of_r():
    x, y = tied_data()
    assert T.spearman(x, y, **META).direction == +1
    assert T.spearman(x, -y, **META).direction == -1


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mann_whitney_equals_scipy_asymptotic_without_continuity(seed):
    rng = np.random.default_rng(seed)
    n = 80
    values = pd.Series(rng.integers(0, 12, n).astype(float))  # heavy ties
    group = pd.Series(rng.random(n) < 0.3)
    result = T.mann_whitney(values, group, **META)
    expected = sps.mannwhitneyu(values[group], values[~group], use_continuity=False,
                                method="asymptotic", alternative="two-sided")
    u1 = expected.statistic
    assert result.statistic == pytest.approx(min(u1, group.sum() * (~group).sum() - u1))
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-9)
    assert result.test == "mann_whitney"


def test_mann_whitney_u_is_min_whichever_group_is_true():
    values = pd.Series([1.0, 2.0, 2.0, 3.0, 4.0, 5.0, 7.0])
    group = pd.Series([True, True, False, True, False, False, False])
    a = T.mann_whitney(values, group, **META)
    b = T.mann_whitney(values, ~group, **META)
    assert a.statistic == b.statistic
    assert a.p_value == pytest.approx(b.p_value)


def test_mann_whitney_drops_missing_values_and_groups():
    values = pd.Series([1.0, 2.0, np.nan, 3.0, 4.0, 5.0, 6.0], index=list("abcdefg"))
    group = pd.Series([True, False, True, None, True, False], index=list("abcdef"), dtype="boolean")
    result = T.mann_whitney(values, group, **META)
    # c has no value; d has no group; g is not in the grouping at all.
    assert result.n == 4
    assert result.details["n_group"] == 2 and result.details["n_other"] == 2


def test_mann_whitney_empty_group_raises():
    values = pd.Series([1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        T.mann_whitney(values, pd.Series([False, False, False]), **META)
    with pytest.raises(ValueError):
        T.mann_whitney(values, pd.Series([True, True, True]), **META)


# --- records ------------------------------------------------------------------------------------

def spec_columns():
    spec = paths.ROOT.parent / "shared" / "spec" / "RESULTS.md"
    if not spec.is_file():
        pytest.skip(f"{spec} not available")
    text = spec.read_text(encoding="utf-8")
    section = text.split("## Associations", 1)[1]
    line = re.search(r"`(id, [^`]+)`", section).group(1)
    return [c.strip() for c in line.split(",")]


def test_record_columns_are_those_of_results_md():
    expected = ["id", "section", "outcome", "predictor", "period", "test", "n", "statistic",
                "p_value", "significant"]
    assert T.RECORD_COLUMNS == expected
    assert spec_columns() == expected


def test_records_frame():
    x, y = tied_data()
    a = T.spearman(x, y, **{**META, "id": "first"})
    b = T.mann_whitney(x, y > 0, **{**META, "id": "second"})
    frame = T.records([a, b])
    assert list(frame.columns) == T.RECORD_COLUMNS
    assert frame["id"].tolist() == ["first", "second"]
    assert frame["test"].tolist() == ["spearman", "mann_whitney"]
    assert frame["significant"].tolist() == [a.p_value < 0.05, b.p_value < 0.05]
    assert list(T.records([]).columns) == T.RECORD_COLUMNS
    with_direction = T.records([a, b], with_direction=True)
    assert list(with_direction.columns) == T.RECORD_COLUMNS + ["direction"]


@pytest.mark.parametrize("p, significant", [(0.049, True), (0.05, False), (0.2, False)])
def test_significant_is_p_below_alpha(p, significant):
    result = T.TestResult("i", "s", "o", "p", "2012-2017", "spearman", 10, 0.5, p)
    assert result.significant is significant
    assert result.record()["significant"] is significant


def test_spearman_rows_equals_scipy_with_ties_and_gaps():
    from carerates.stats import _spearman_rows

    rng = np.random.default_rng(1)
    x = rng.integers(0, 6, size=(5, 40)).astype(float)
    y = x + rng.normal(size=(5, 40))
    x[0, 3] = np.nan
    for row in range(5):
        keep = ~np.isnan(x[row])
        expected = sps.spearmanr(x[row][keep], y[row][keep]).statistic
        assert _spearman_rows(x[row:row + 1], y[row:row + 1])[0] == pytest.approx(expected)


def test_spearman_drop_difference_brackets_the_point_estimate():
    from carerates.stats import spearman_drop_difference

    rng = np.random.default_rng(2)
    n = 120
    group = pd.Series(np.arange(n) < 30)
    x = pd.Series(rng.normal(size=n) + 3 * group)
    y = pd.Series(rng.normal(size=n) - 3 * group)  # the group alone makes the overall correlation negative
    out = spearman_drop_difference(x, y, group, n_resamples=500)
    assert out["r_all"] < -0.3 and abs(out["r_without"]) < 0.3
    assert out["ci_low"] < out["difference"] < out["ci_high"] and out["ci_low"] > 0
    again = spearman_drop_difference(x, y, group, n_resamples=500)
    assert again == out


def test_spearman_ci_is_fishers_z_interval_by_hand():
    # Fieller et al. (1957): z = atanh(r), SE = sqrt(1.06 / (n - 3)). r = .5, n = 28: z = 0.549306,
    # half-width 1.959964 x sqrt(1.06 / 25) = 0.403581
    low, high = T.spearman_ci(0.5, 28)
    assert (low, high) == pytest.approx((np.tanh(0.549306 - 0.403581), np.tanh(0.549306 + 0.403581)), abs=2e-6)
    assert all(math.isnan(v) for v in T.spearman_ci(0.5, 3))  # no interval from 3 pairs
