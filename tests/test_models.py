"""Tests of carerates.models on data simulated with known coefficients."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from carerates import models
from carerates.errors import DataError

REGIONS = ["North", "South", "East", "West"]
REGION_EFFECT = {"North": 0.0, "South": -0.3, "East": 0.2, "West": 0.1}


def simulate_counts(n=600, alpha=0.0, seed=20180101):
    """LAs with a child population (exposure) and a count whose log-rate is linear.

    True model: log(mu) = log(population) - 6 + 0.30*x1 - 0.20*x2 + region effect;
    counts are Poisson (alpha = 0) or NB2 with variance mu + alpha*mu^2 (gamma mixing).
    """
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "gss": [f"E{i:08d}" for i in range(n)],
        "x1": rng.normal(size=n),
        "x2": rng.normal(size=n),
        "region": rng.choice(REGIONS, size=n),
        "population": rng.uniform(20_000, 200_000, size=n).round(),
    }).set_index("gss")
    log_mu = (np.log(frame["population"]) - 6 + 0.30 * frame["x1"] - 0.20 * frame["x2"]
              + frame["region"].map(REGION_EFFECT))
    mu = np.exp(log_mu).to_numpy()
    if alpha > 0:
        mu = mu * rng.gamma(shape=1 / alpha, scale=alpha, size=n)
    frame["looked_after"] = rng.poisson(mu).astype(float)
    return frame


def coefficient(table, term, column="estimate"):
    return float(table.set_index("term").loc[term, column])


def assert_within_se(table, term, truth, k=4):
    """The estimate is within k standard errors of the truth (and the SE is sane)."""
    row = table.set_index("term").loc[term]
    assert 0 < row["std_error"] < 1
    assert abs(row["estimate"] - truth) < k * row["std_error"], (term, row["estimate"], truth, row["std_error"])


# ----------------------------------------------------------------------------- count models


def test_poisson_and_negative_binomial_recover_known_coefficients_with_exposure():
    frame = simulate_counts(alpha=0.0)
    fits = models.fit_count_models(frame, "looked_after", "population", ["x1", "x2"], categorical={"region": "North"})
    for name in ("poisson", "negative_binomial"):
        table = models.tidy(fits[name])
        assert coefficient(table, "Intercept") == pytest.approx(-6, abs=0.02)
        assert coefficient(table, "x1") == pytest.approx(0.30, abs=0.01)
        assert coefficient(table, "x2") == pytest.approx(-0.20, abs=0.01)
        assert coefficient(table, "region: South") == pytest.approx(-0.3, abs=0.02)
        assert coefficient(table, "region: East") == pytest.approx(0.2, abs=0.02)
        assert coefficient(table, "x1", "rate_ratio") == pytest.approx(np.exp(0.30), rel=0.01)
    # Pure Poisson data: little over-dispersion is estimated.
    assert fits["negative_binomial"].extra["alpha"] < 0.01


def test_negative_binomial_recovers_coefficients_and_alpha_under_overdispersion():
    frame = simulate_counts(n=1500, alpha=0.05, seed=7)
    fits = models.fit_count_models(frame, "looked_after", "population", ["x1", "x2"], categorical={"region": "North"})
    nb = models.tidy(fits["negative_binomial"])
    assert coefficient(nb, "x1") == pytest.approx(0.30, abs=0.02)
    assert coefficient(nb, "x2") == pytest.approx(-0.20, abs=0.02)
    assert fits["negative_binomial"].extra["alpha"] == pytest.approx(0.05, abs=0.01)
    assert 0 < fits["negative_binomial"].extra["alpha_se"] < 0.01
    # The 95% intervals cover the truth.
    row = nb.set_index("term").loc["x1"]
    assert row["ci_low"] < 0.30 < row["ci_high"]
    # Poisson with robust errors: still consistent, and the Pearson dispersion flags the over-dispersion.
    assert coefficient(models.tidy(fits["poisson"]), "x1") == pytest.approx(0.30, abs=0.03)
    assert models.glance(fits["poisson"])["pearson_chi2_df"].iloc[0] > 10


def test_negative_binomial_glm_matches_joint_maximum_likelihood():
    frame = simulate_counts(n=300, alpha=0.1, seed=3)
    fits = models.fit_count_models(frame, "looked_after", "population", ["x1", "x2"], categorical=None)
    joint = smf.negativebinomial("looked_after ~ x1 + x2", frame, exposure=frame["population"]).fit(disp=0, maxiter=500)
    glm = fits["negative_binomial"].result.params
    np.testing.assert_allclose(glm.to_numpy(), joint.params[glm.index].to_numpy(), atol=1e-4)
    assert fits["negative_binomial"].extra["alpha"] == pytest.approx(float(joint.params["alpha"]), rel=1e-3)
    assert fits["negative_binomial"].extra["alpha_se"] == pytest.approx(float(joint.bse["alpha"]), rel=0.05)


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")
def test_negative_binomial_matches_statsmodels_joint_fit_to_many_digits():
    """Newton's method converges quadratically: the alpha and coefficients equal a tightly
    converged statsmodels fit far beyond the 6 significant digits the result files keep."""
    frame = simulate_counts(n=150, alpha=0.04, seed=11)
    fit = models.fit_count_models(frame, "looked_after", "population", ["x1", "x2"])["negative_binomial"]
    assert fit.extra["alpha_method"].startswith("joint maximum likelihood")
    joint = smf.negativebinomial("looked_after ~ x1 + x2 + C(region)", frame, exposure=frame["population"]).fit(
        method="bfgs", maxiter=5000, gtol=1e-10, disp=0)
    joint = smf.negativebinomial("looked_after ~ x1 + x2 + C(region)", frame, exposure=frame["population"]).fit(
        start_params=joint.params, method="newton", maxiter=100, disp=0)
    assert fit.extra["alpha"] == pytest.approx(float(joint.params["alpha"]), rel=1e-9)
    params = fit.result.params
    np.testing.assert_allclose(params.to_numpy(), joint.params[params.index].to_numpy(), rtol=1e-8, atol=1e-10)


def test_negative_binomial_is_stable_to_last_digit_perturbations():
    """What another processor or BLAS kernel changes (the last digits of the inputs and of
    intermediate sums) must not reach the 6 significant digits the result files keep. Both
    fits converge to full precision (Newton, then IRLS from Newton's optimum), so the nudge
    moves nothing beyond 1e-10; IRLS from the Poisson start moved a coefficient by 2e-9 on
    one processor, its stopping iteration depending on the last digits."""
    frame = simulate_counts(n=150, alpha=0.04, seed=11)
    rng = np.random.default_rng(0)
    nudged = frame.copy()
    nudged["population"] = frame["population"] * (1 + rng.uniform(-1e-13, 1e-13, size=len(frame)))
    a = models.fit_count_models(frame, "looked_after", "population", ["x1", "x2"])["negative_binomial"]
    b = models.fit_count_models(nudged, "looked_after", "population", ["x1", "x2"])["negative_binomial"]
    assert a.extra["alpha"] == pytest.approx(b.extra["alpha"], rel=1e-9)
    np.testing.assert_allclose(a.result.params.to_numpy(), b.result.params.to_numpy(), rtol=1e-10, atol=1e-13)
    assert a.extra["aic"] == pytest.approx(b.extra["aic"], rel=1e-12)


def test_negative_binomial_falls_back_to_the_profile_at_the_poisson_boundary():
    frame = simulate_counts(n=200, alpha=0.0, seed=5)
    fits = models.fit_count_models(frame, "looked_after", "population", ["x1", "x2"])
    fit = fits["negative_binomial"]
    assert fit.extra["alpha"] < 1e-3
    # with practically no over-dispersion NB2 and Poisson agree
    np.testing.assert_allclose(fit.result.params.to_numpy(), fits["poisson"].result.params.to_numpy(), atol=5e-3)
    assert fit.extra["alpha_method"] in ("joint maximum likelihood (Newton)",
                                         "profile likelihood (near the Poisson boundary)")


def test_count_models_reject_nonpositive_exposure():
    frame = simulate_counts(n=50)
    frame.iloc[3, frame.columns.get_loc("population")] = 0
    with pytest.raises(DataError, match="exposure"):
        models.fit_count_models(frame, "looked_after", "population", ["x1"])


# ----------------------------------------------------------------------------- OLS


def test_ols_recovers_known_coefficients():
    rng = np.random.default_rng(11)
    n = 2000
    frame = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n), "region": rng.choice(REGIONS, n)})
    frame["rate"] = (50 + 8 * frame["x1"] - 3 * frame["x2"] + frame["region"].map({"North": 0, "South": -5, "East": 4, "West": 2})
                     + rng.normal(scale=5, size=n))
    fit = models.fit_ols(frame, "rate", ["x1", "x2"], categorical={"region": "North"})
    table = models.tidy(fit)
    for term, truth in [("Intercept", 50), ("x1", 8), ("x2", -3), ("region: South", -5), ("region: East", 4)]:
        assert_within_se(table, term, truth)
    assert coefficient(table, "x1") == pytest.approx(8, abs=0.3)
    assert "rate_ratio" not in table.columns
    assert list(table.columns) == ["model", "term", "estimate", "std_error", "ci_low", "ci_high", "p_value", "n"]
    assert list(table["term"]) == ["Intercept", "x1", "x2", "region: East", "region: South", "region: West"]
    assert models.glance(fit)["r2"].iloc[0] > 0.7


def test_standardised_coefficients_are_per_sd():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"x": rng.normal(10, 4, size=500)})
    frame["y"] = 2 * frame["x"] + rng.normal(size=500)
    z = models.standardise(frame, ["x"])
    assert z["x"].mean() == pytest.approx(0, abs=1e-12)
    assert z["x"].std(ddof=1) == pytest.approx(1)
    assert frame["x"].mean() == pytest.approx(10, abs=0.5)  # the input is not modified
    per_sd = coefficient(models.tidy(models.fit_ols(z, "y", ["x"], categorical=None)), "x")
    assert per_sd == pytest.approx(2 * frame["x"].std(ddof=1), rel=1e-9 + 0.02)
    with pytest.raises(ValueError, match="SD"):
        models.standardise(pd.DataFrame({"c": [1.0, 1.0, 1.0]}), ["c"])


# ----------------------------------------------------------------------------- within


def simulate_panel(n_las=80, years=range(2012, 2018), seed=42):
    """Within an LA, y rises 0.5 per unit of x; between LAs, high-x LAs have much lower y.

    LA effect a_i drives x up (x = a_i + noise) and y down (-3 a_i), so pooled OLS
    gets the slope's sign wrong; a national year trend is added to y and x.
    """
    rng = np.random.default_rng(seed)
    las = pd.DataFrame({"gss": [f"E{i:08d}" for i in range(n_las)], "a": rng.normal(scale=3, size=n_las)})
    panel = las.merge(pd.DataFrame({"year": list(years)}), how="cross")
    trend = (panel["year"] - 2012).astype(float)
    panel["x"] = panel["a"] + 0.4 * trend + rng.normal(size=len(panel))
    panel["y"] = 0.5 * panel["x"] - 3 * panel["a"] + 2 * trend + rng.normal(scale=0.5, size=len(panel))
    return panel.drop(columns="a")


def test_within_recovers_within_effect_where_pooled_ols_has_the_wrong_sign():
    panel = simulate_panel()
    within = models.fit_within(panel, "y", ["x"])
    table = models.tidy(within)
    assert list(table["term"]) == ["x"]
    assert coefficient(table, "x") == pytest.approx(0.5, abs=0.05)
    pooled = models.tidy(models.fit_ols(panel, "y", ["x"], categorical=None))
    assert coefficient(pooled, "x") < 0  # the between relation dominates a pooled fit
    assert within.n == len(panel)
    assert within.extra["n_entities"] == 80 and within.extra["n_periods"] == 6


def test_within_equals_dummy_variable_regression_on_an_unbalanced_panel():
    panel = simulate_panel(n_las=40, seed=8)
    panel["z"] = np.random.default_rng(1).normal(size=len(panel))
    panel.loc[panel.sample(frac=0.15, random_state=2).index, "x"] = np.nan  # unbalanced after dropping
    # One LA left with a single year: no within information, dropped as a singleton.
    lone = panel["gss"] == "E00000000"
    panel.loc[lone & (panel["year"] > 2012), "x"] = np.nan
    panel.loc[lone & (panel["year"] == 2012), "x"] = 1.0
    within = models.fit_within(panel, "y", ["x", "z"])
    assert within.extra["singletons"] == ["E00000000"]
    used = panel.dropna(subset=["x"])
    used = used[used["gss"] != "E00000000"]
    assert within.n == len(used)
    assert within.n_dropped == len(panel) - len(used)
    lsdv = smf.ols("y ~ x + z + C(gss) + C(year)", used).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(used["gss"], sort=True)[0]}, use_t=True)
    np.testing.assert_allclose(within.result.params[["x", "z"]], lsdv.params[["x", "z"]], rtol=1e-7)
    # Clustered errors: same sandwich, small-sample factor counting the slopes only (xtreg, fe).
    n, k_all, k = len(used), lsdv.df_model + 1, 2
    scale = np.sqrt((n - k_all) / (n - k))
    np.testing.assert_allclose(within.result.bse[["x", "z"]], lsdv.bse[["x", "z"]] * scale, rtol=1e-6)
    # t inference on G - 1 degrees of freedom.
    assert within.result.df_resid_inference == used["gss"].nunique() - 1


def test_within_rejects_duplicate_la_years():
    panel = simulate_panel(n_las=5)
    with pytest.raises(DataError, match="duplicate"):
        models.fit_within(pd.concat([panel, panel.iloc[:1]]), "y", ["x"])


# ----------------------------------------------------------------------------- missing rows


def test_missing_rows_are_dropped_explicitly_and_counted():
    frame = simulate_counts(n=200)
    frame.loc["E00000003", "x1"] = np.nan
    frame.loc["E00000010", "looked_after"] = np.nan
    frame.loc["E00000007", "region"] = None
    frame.loc["E00000050", "unused"] = 1.0  # NaN elsewhere in a column no model uses: no effect
    fits = models.fit_count_models(frame, "looked_after", "population", ["x1", "x2"])
    for fit in fits.values():
        assert fit.n == 197 and fit.n_dropped == 3
        assert fit.dropped == ["E00000003", "E00000007", "E00000010"]
        assert int(fit.result.nobs) == 197
        assert set(models.tidy(fit)["n"]) == {197}
    ols = models.fit_ols(frame.assign(rate=frame["looked_after"] / frame["population"] * 1e4), "rate", ["x1", "x2"])
    assert ols.n == 197 and models.glance(ols)["n_dropped"].iloc[0] == 3
    with pytest.raises(DataError, match="not in the data"):
        models.fit_ols(frame, "rate_per_10k", ["x1"])


# ----------------------------------------------------------------------------- diagnostics


def test_vif_equals_one_over_one_minus_r_squared():
    rng = np.random.default_rng(9)
    n = 300
    frame = pd.DataFrame({"x2": rng.normal(size=n), "x3": rng.normal(size=n)})
    frame["x1"] = 0.8 * frame["x2"] - 0.5 * frame["x3"] + rng.normal(scale=0.5, size=n)
    frame.loc[5, "x3"] = np.nan
    table = models.vif(frame, ["x1", "x2", "x3"])
    assert list(table["predictor"]) == ["x1", "x2", "x3"]
    complete = frame.dropna()
    r2 = smf.ols("x1 ~ x2 + x3", complete).fit().rsquared
    assert table.set_index("predictor").loc["x1", "vif"] == pytest.approx(1 / (1 - r2), rel=1e-10)
    assert table["vif"].iloc[0] > 3  # genuinely collinear by construction
    assert set(table["n"]) == {n - 1}


def test_influence_puts_a_planted_outlier_first():
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"name": [f"LA {i:03d}" for i in range(100)], "x": rng.normal(size=100)})
    frame["y"] = 1 + 2 * frame["x"] + rng.normal(scale=0.3, size=100)
    frame.loc[17, ["x", "y"]] = [5.0, -10.0]  # high leverage, wrong side of the line
    fit = models.fit_ols(frame, "y", ["x"], categorical=None)
    table = models.influence(fit, labels="name")
    assert table["label"].iloc[0] == "LA 017"
    assert table["cooks_above_4_over_n"].iloc[0]
    assert table["cooks_distance"].is_monotonic_decreasing
    assert list(table.columns) == ["label", "cooks_distance", "leverage", "studentized_residual", "cooks_above_4_over_n"]
    counts = simulate_counts(n=100)
    counts.iloc[0, counts.columns.get_loc("looked_after")] *= 4
    nb = models.fit_count_models(counts, "looked_after", "population", ["x1"], categorical=None)["negative_binomial"]
    assert models.influence(nb)["label"].iloc[0] == "E00000000"


# ----------------------------------------------------------------------------- multiplicity


def test_holm_and_benjamini_hochberg_on_a_known_vector():
    p = [0.01, 0.04, 0.03, 0.005]
    # Holm: sorted p * (m - rank + 1) = .02, .03, .06, .04, made monotone -> .02, .03, .06, .06
    np.testing.assert_allclose(models.adjust_pvalues(p, "holm"), [0.03, 0.06, 0.06, 0.02])
    # BH: sorted p * m / rank = .02, .02, .04, .04 (already monotone)
    np.testing.assert_allclose(models.adjust_pvalues(p, "bh"), [0.02, 0.04, 0.04, 0.02])
    with_gap = pd.Series([0.01, np.nan, 0.04, 0.03, 0.005], index=list("abcde"))
    adjusted = models.adjust_pvalues(with_gap, "fdr_bh")
    assert isinstance(adjusted, pd.Series) and list(adjusted.index) == list("abcde")
    assert np.isnan(adjusted["b"])
    np.testing.assert_allclose(adjusted.drop("b"), [0.02, 0.04, 0.04, 0.02])
    assert np.isnan(models.adjust_pvalues([np.nan, np.nan], "holm")).all()
    with pytest.raises(ValueError):
        models.adjust_pvalues(p, "sidak-ish")


# ----------------------------------------------------------------------------- plot


def test_coefficient_plot_draws_one_row_per_term_and_model():
    frame = simulate_counts(n=200)
    fits = models.fit_count_models(frame, "looked_after", "population", ["x1", "x2"], categorical=None)
    table = pd.concat([models.tidy(f) for f in fits.values()], ignore_index=True)
    ax = models.coefficient_plot(table)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["x1", "x2"]
    assert ax.get_xscale() == "log"
    assert len(ax.get_legend().get_texts()) == 2
    ols = models.tidy(models.fit_ols(frame.assign(r=frame["x1"] * 2), "r", ["x1"], categorical=None))
    assert models.coefficient_plot(ols).get_xscale() == "linear"
    matplotlib.pyplot.close("all")


# ----------------------------------------------------------------------------- pooled panels (chapter 09)


def simulate_count_panel(n_las=60, years=range(2013, 2018), seed=7, tau=0.3):
    """Counts with an exposure and an LA random intercept: log rate = -5 + 0.2 x + u_i."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_las):
        u = rng.normal(0, tau)
        region = "a" if i % 2 else "b"
        for year in years:
            x = rng.normal()
            pop = rng.integers(20_000, 80_000)
            mu = pop * np.exp(-5 + 0.2 * x + u + (0.1 if region == "a" else 0))
            rows.append(dict(gss=f"E{i:03d}", year=year, region=region, x=x, pop=float(pop),
                             count=float(rng.poisson(mu)), y=1.0 + 0.5 * x + u + rng.normal(0, 0.5)))
    return pd.DataFrame(rows)


def test_gee_independence_equals_pooled_glm_poisson():
    from statsmodels.genmod import families
    panel = simulate_count_panel()
    gee = models.fit_gee(panel, "count", ["x"], ["region"], exposure="pop", structure="independence")
    glm = smf.glm("count ~ x + C(region)", panel, family=families.Poisson(), offset=np.log(panel["pop"])).fit()
    np.testing.assert_allclose(gee.result.params.to_numpy(), glm.params.to_numpy(), rtol=1e-6)
    table = models.tidy(gee)
    assert {"rate_ratio", "rr_ci_low", "rr_ci_high"} <= set(table.columns)


def test_gee_exchangeable_poisson_recovers_the_rate_ratio():
    panel = simulate_count_panel(n_las=120)
    gee = models.fit_gee(panel, "count", ["x"], ["region"], exposure="pop")
    assert_within_se(models.tidy(gee), "x", 0.2)
    assert 0 < gee.extra["dependence"] < 1


def test_gee_exchangeable_gaussian_agrees_with_statsmodels_mixedlm_on_a_balanced_panel():
    """Two estimators of one GLS model (exchangeable errors = random intercept): close slopes."""
    panel = simulate_count_panel(n_las=100)
    gee = models.tidy(models.fit_gee(panel, "y", ["x"], None, family="gaussian")).set_index("term")
    mixed = smf.mixedlm("y ~ x", panel, groups=panel["gss"]).fit(reml=True)
    assert abs(gee.loc["x", "estimate"] - mixed.params["x"]) < 0.1 * mixed.bse["x"]
    assert abs(gee.loc["x", "estimate"] - 0.5) < 4 * gee.loc["x", "std_error"]


def test_gee_weights_give_the_weighted_least_squares_slopes():
    panel = simulate_count_panel()
    gee = models.fit_gee(panel, "y", ["x"], None, family="gaussian", weights="pop", structure="independence")
    wls = smf.wls("y ~ x", panel, weights=panel["pop"]).fit()
    np.testing.assert_allclose(gee.result.params.to_numpy(), wls.params.to_numpy(), rtol=1e-8)


def test_single_and_joint_matches_separate_fits_and_a_hand_sandwich():
    rng = np.random.default_rng(3)
    n = 150
    a = rng.normal(size=n)
    b = 0.6 * a + rng.normal(size=n)
    frame = pd.DataFrame({"a": a, "b": b, "base": rng.normal(size=n)})
    frame["y"] = 1 + 0.5 * a + 0.0 * b - 0.3 * frame["base"] + rng.normal(size=n)
    table = models.single_and_joint(frame, "y", ["a", "b"], held=["base"]).set_index("term")
    single_b = smf.ols("y ~ b", frame).fit(cov_type="HC0")
    joint = smf.ols("y ~ a + b + base", frame).fit(cov_type="HC0")
    assert table.loc["b", "single"] == pytest.approx(single_b.params["b"], rel=1e-10)
    assert table.loc["b", "single_se"] == pytest.approx(single_b.bse["b"], rel=1e-8)
    assert table.loc["b", "joint"] == pytest.approx(joint.params["b"], rel=1e-10)
    assert table.loc["b", "joint_se"] == pytest.approx(joint.bse["b"], rel=1e-8)
    # the difference's SE from a second method: both models as one stacked OLS, errors clustered by row
    from statsmodels.regression.linear_model import OLS
    x_single, x_joint = single_b.model.exog, joint.model.exog
    design = np.zeros((2 * n, x_single.shape[1] + x_joint.shape[1]))
    design[:n, :x_single.shape[1]], design[n:, x_single.shape[1]:] = x_single, x_joint
    stacked = OLS(np.tile(frame["y"].to_numpy(), 2), design).fit(
        cov_type="cluster", cov_kwds={"groups": np.tile(np.arange(n), 2), "use_correction": False})
    contrast = np.zeros(design.shape[1])
    contrast[1], contrast[x_single.shape[1] + 2] = 1, -1  # b alone minus b in the joint model
    se = float(np.sqrt(contrast @ stacked.cov_params() @ contrast))
    assert table.loc["b", "difference"] == pytest.approx(float(contrast @ stacked.params), rel=1e-8)
    assert table.loc["b", "difference_ci_high"] - table.loc["b", "difference"] == pytest.approx(
        se * __import__("scipy").stats.t.ppf(0.975, n - 1), rel=1e-6)
    # b's single-factor slope (confounded by a) shrinks towards 0 once a is held
    assert table.loc["b", "difference_ci_low"] > 0
    assert table.loc["a", "share"] == pytest.approx(table.loc["a", "joint"] / table.loc["a", "single"])


def test_predicted_rates_match_statsmodels_prediction():
    from statsmodels.genmod import families
    panel = simulate_count_panel()
    fits = models.fit_count_models(panel, "count", "pop", ["x"], None)
    grid = pd.DataFrame({"x": [-1.0, 0.0, 1.5]})
    ours = models.predicted_rates(fits["poisson"], grid, per=1.0)
    glm = smf.glm("count ~ x", panel, family=families.Poisson(), offset=np.log(panel["pop"])).fit(cov_type="HC1")
    theirs = glm.get_prediction(grid, offset=np.zeros(3), which="linear").summary_frame()
    np.testing.assert_allclose(ours["rate"], np.exp(theirs["predicted"]), rtol=1e-6)
    np.testing.assert_allclose(ours["rate_ci_low"], np.exp(theirs["ci_lower"]), rtol=1e-6)
    np.testing.assert_allclose(ours["rate_ci_high"], np.exp(theirs["ci_upper"]), rtol=1e-6)

def test_tidy_takes_any_statsmodels_fit_including_mixedlm():
    """A within-between MixedLM, a GLM Poisson and a discrete NB fitted directly with statsmodels:
    tidy reports their mean-model coefficients as it does the library's own fits."""
    import statsmodels.api as sm

    rng = np.random.default_rng(11)
    frame = pd.DataFrame({"la": np.repeat(np.arange(30), 6), "x": rng.normal(size=180)})
    frame["x_mean"] = frame.groupby("la")["x"].transform("mean")
    frame["x_within"] = frame["x"] - frame["x_mean"]
    frame["y"] = 2 + 0.5 * frame["x_within"] + 1.5 * frame["x_mean"] + np.repeat(rng.normal(size=30), 6) \
        + rng.normal(size=180)
    mixed = smf.mixedlm("y ~ x_within + x_mean", frame, groups=frame["la"]).fit()
    table = models.tidy(mixed, "within_between")
    assert table["term"].tolist() == ["Intercept", "x_within", "x_mean"]  # no "Group Var"
    assert table["model"].unique().tolist() == ["within_between"] and (table["n"] == 180).all()
    np.testing.assert_allclose(table["estimate"], mixed.fe_params.to_numpy())
    ci = mixed.conf_int().loc[["Intercept", "x_within", "x_mean"]]
    np.testing.assert_allclose(table[["ci_low", "ci_high"]].to_numpy(), ci.to_numpy())
    assert "rate_ratio" not in table

    frame["count"] = rng.poisson(np.exp(1 + 0.3 * frame["x"]))
    glm = smf.glm("count ~ x", frame, family=sm.families.Poisson()).fit()
    nb = smf.negativebinomial("count ~ x", frame).fit(disp=0)
    for fit in (glm, nb):
        rows = models.tidy(fit).set_index("term")
        assert list(rows.index) == ["Intercept", "x"]  # the NB's alpha is not a coefficient
        assert rows.loc["x", "rate_ratio"] == pytest.approx(np.exp(fit.params["x"]))
        assert rows.loc["x", "rr_ci_low"] == pytest.approx(np.exp(fit.conf_int().loc["x", 0]))
    # the Poisson GLM by hand and through the library's Fit agree
    assert models.tidy(glm).loc[1, "estimate"] == pytest.approx(glm.params["x"])
