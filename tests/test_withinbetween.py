"""carerates.withinbetween: the hybrid model against two-way fixed effects on data the test builds."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carerates import withinbetween as wb


def panel(n_units=40, years=range(2015, 2021), seed=1, balanced=True):
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_units):
        level = rng.normal(20, 5)  # unit poverty level, correlated with the unit effect below
        effect = 3 * level + rng.normal(0, 10)
        for t, year in enumerate(years):
            if not balanced and u % 7 == 0 and t == 2:
                continue
            poverty = level + 0.4 * t + rng.normal(0, 1.5)
            employment = 75 + rng.normal(0, 2)
            rate = 100 + effect + 4.0 * poverty - 1.0 * employment + 2 * t + rng.normal(0, 5)
            rows.append((f"u{u:02d}", year, rate, poverty, employment, rng.uniform(5e3, 5e4)))
    return pd.DataFrame(rows, columns=["unit", "year", "rate", "poverty", "employment", "population"])


def test_within_coefficients_equal_fixed_effects_on_a_balanced_panel():
    data = panel()
    hybrid, _ = wb.within_between(data, "rate", ["poverty", "employment"], "unit", "year")
    fe = wb.twoway_fe(data, "rate", ["poverty", "employment"], "unit", "year")
    h = hybrid.set_index("term")
    for term in ("poverty", "employment"):
        assert h.loc[f"{term}_within", "estimate"] == pytest.approx(fe.set_index("term").loc[term, "estimate"],
                                                                     rel=1e-5)
    assert h.loc["poverty_within", "ci_low"] < 4.0 < h.loc["poverty_within", "ci_high"]
    assert (hybrid["n_units"] == 40).all() and (hybrid["n_obs"] == 240).all()


def test_fixed_effects_match_statsmodels_formula_fit_with_dummies():
    import statsmodels.formula.api as smf

    data = panel(n_units=25, seed=3)
    fe = wb.twoway_fe(data, "rate", ["poverty"], "unit", "year").iloc[0]
    fit = smf.ols("rate ~ poverty + C(year) + C(unit)", data).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data["unit"], sort=True)[0], "use_correction": False})
    assert fe["estimate"] == pytest.approx(fit.params["poverty"], rel=1e-10)
    # the reported SE carries the small-sample factor G/(G-1) over statsmodels' uncorrected sandwich
    assert fe["se"] == pytest.approx(fit.bse["poverty"] * np.sqrt(25 / 24), rel=1e-10)


def test_unbalanced_panel_means_over_rows_used_and_weights_change_estimate():
    data = panel(balanced=False, seed=5)
    data.loc[3, "poverty"] = np.nan
    hybrid, _ = wb.within_between(data, "rate", ["poverty"], "unit", "year")
    assert hybrid["n_obs"].iloc[0] == len(data) - 1
    plain = wb.twoway_fe(data, "rate", ["poverty"], "unit", "year").iloc[0]
    weighted = wb.twoway_fe(data, "rate", ["poverty"], "unit", "year", weights="population").iloc[0]
    assert weighted["estimate"] != pytest.approx(plain["estimate"], rel=1e-6)
    assert hybrid.set_index("term").loc["poverty_within", "estimate"] == pytest.approx(plain["estimate"], rel=0.05)


def test_add_within_between_splits_each_term():
    frame = pd.DataFrame({"unit": ["a", "a", "b", "b"], "x": [1.0, 3.0, 10.0, 14.0]})
    out = wb.add_within_between(frame, ["x"], "unit")
    assert out["x_between"].tolist() == [2.0, 2.0, 12.0, 12.0]
    assert out["x_within"].tolist() == [-1.0, 1.0, -2.0, 2.0]


def test_attributable_is_linear_in_the_coefficient():
    frame = pd.DataFrame({"unit": ["a", "a", "b", "b"], "year": [2015, 2016, 2015, 2016],
                          "poverty": [10.0, 12.0, 20.0, 19.0], "population": [1e5, 2e5, 1e5, 3e5]})
    out = wb.attributable(frame, 5.0, (-1.0, 11.0), "poverty", "unit", "year", "population", 2015)
    # a: +2 points x 2 (hundred-thousands) = 4; b: -1 x 3 = -3; exposure 1
    assert out["exposure"] == pytest.approx(1.0)
    assert out["attributable"] == pytest.approx(5.0)
    assert (out["ci_low"], out["ci_high"]) == pytest.approx((-1.0, 11.0))
    negative = wb.attributable(frame.assign(poverty=[10.0, 8.0, 20.0, 20.0]), 5.0, (1.0, 9.0), "poverty", "unit",
                               "year", "population", 2015)
    assert negative["ci_low"] <= negative["attributable"] <= negative["ci_high"]


@pytest.mark.parametrize("balanced", [True, False])
def test_profile_reml_equals_statsmodels_mixedlm(balanced):
    import statsmodels.formula.api as smf

    data = panel(n_units=30, seed=7, balanced=balanced)
    hybrid = wb.add_within_between(data, ["poverty", "employment"], "unit")
    # statsmodels from its own (cold) start, independent of the profile
    fit = smf.mixedlm("rate ~ poverty_within + employment_within + poverty_between + employment_between + C(year)",
                      hybrid, groups=hybrid["unit"]).fit(reml=True)
    fast_rows, fast = wb.within_between(data, "rate", ["poverty", "employment"], "unit", "year", method="profile")
    sm_rows, _ = wb.within_between(data, "rate", ["poverty", "employment"], "unit", "year")
    fast_rows = fast_rows.set_index("term")
    for term in fast_rows.index:
        assert fast_rows.loc[term, "estimate"] == pytest.approx(fit.fe_params[term], rel=1e-5)
        assert fast_rows.loc[term, "se"] == pytest.approx(fit.bse_fe[term], rel=1e-4)
    np.testing.assert_allclose(sm_rows["estimate"], fast_rows["estimate"], rtol=1e-6)
    assert fast["scale"] == pytest.approx(fit.scale, rel=1e-4)
    assert fast["ratio"] == pytest.approx(float(fit.cov_re.iloc[0, 0]) / fit.scale, rel=1e-3)


def test_profile_reml_at_the_boundary_without_unit_variance():
    rng = np.random.default_rng(11)
    groups = np.repeat(np.arange(20), 5)
    X = np.column_stack([np.ones(100), rng.normal(size=100)])
    y = X @ [1.0, 2.0] + rng.normal(size=100)  # no unit effect at all
    fit = wb.random_intercept_reml(y, X, groups)
    import statsmodels.api as sm
    ols = sm.OLS(y, X).fit()
    if fit["ratio"] == 0.0:
        np.testing.assert_allclose(fit["params"], ols.params, rtol=1e-10)
    assert fit["params"][1] == pytest.approx(2.0, abs=0.3)


def test_unknown_method_refused():
    with pytest.raises(ValueError, match="profile"):
        wb.within_between(panel(n_units=5), "rate", ["poverty"], "unit", "year", method="other")


def test_weighted_fixed_effects_match_wls_with_dummies():
    import statsmodels.formula.api as smf

    data = panel(n_units=20, seed=9, balanced=False)
    fe = wb.twoway_fe(data, "rate", ["poverty", "employment"], "unit", "year", weights="population").set_index("term")
    fit = smf.wls("rate ~ poverty + employment + C(year) + C(unit)", data, weights=data["population"]).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(data["unit"], sort=True)[0], "use_correction": False})
    for term in ("poverty", "employment"):
        assert fe.loc[term, "estimate"] == pytest.approx(fit.params[term], rel=1e-9)
        assert fe.loc[term, "se"] == pytest.approx(fit.bse[term] * np.sqrt(20 / 19), rel=1e-8)
