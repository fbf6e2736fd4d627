"""Within-between (hybrid) panel models for chapter 11, and the two-way fixed-effects check.

- :func:`add_within_between`: each term split into its unit mean over the rows used (``<term>_between``)
  and the deviation from it (``<term>_within``).
- :func:`within_between`: statsmodels ``MixedLM`` (REML), random intercept per unit, on the within and
  between parts of the terms and year effects; Wald 95% CIs.
- :func:`twoway_fe`: OLS (or WLS) with unit and year dummies and errors clustered by unit (the sandwich
  with the small-sample factor G/(G-1), CIs from t with G-1 degrees of freedom). On a balanced panel its
  coefficient on a term equals the within-between model's ``<term>_within`` (Mundlak 1978); the unit
  test builds data and checks it.
- :func:`attributable`: the outcome linked to a term's change since a base year, linear in the
  within coefficient, so its CI is the coefficient's CI times the same sum (the delta method, exact).

Every function returns tidy rows: ``term, estimate, se, ci_low, ci_high, p_value, n_units, n_obs``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

TIDY = ["term", "estimate", "se", "ci_low", "ci_high", "p_value", "n_units", "n_obs"]


def add_within_between(frame: pd.DataFrame, terms: list[str], unit: str) -> pd.DataFrame:
    """``frame`` with ``<term>_between`` (the unit's mean over its rows) and ``<term>_within``."""
    out = frame.copy()
    for term in terms:
        mean = out.groupby(unit)[term].transform("mean")
        out[f"{term}_between"] = mean
        out[f"{term}_within"] = out[term] - mean
    return out


def _complete(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame.dropna(subset=columns).sort_values(list(frame.columns[:2]), ignore_index=True)


def _year_dummies(years: pd.Series) -> pd.DataFrame:
    return pd.get_dummies(years.astype(int), prefix="year", dtype=float).iloc[:, 1:]


def _design(frame: pd.DataFrame, outcome: str, terms: list[str], unit: str, time: str):
    data = _complete(frame[[unit, time, outcome, *terms]], [outcome, *terms])
    data = add_within_between(data, terms, unit)
    names = [f"{t}_within" for t in terms] + [f"{t}_between" for t in terms]
    exog = pd.concat([pd.Series(1.0, index=data.index, name="const"), data[names],
                      _year_dummies(data[time])], axis=1).astype(float)
    return data, names, exog, pd.factorize(data[unit], sort=True)[0]


def within_between(frame: pd.DataFrame, outcome: str, terms: list[str], unit: str, time: str,
                   method: str = "statsmodels") -> tuple[pd.DataFrame, object]:
    """The hybrid random-intercept model; returns (tidy rows of the within and between terms, the fit).

    Rows with a missing outcome or term are dropped *before* the unit means are taken, so the means
    are over the rows the model uses. ``method="statsmodels"``: ``MixedLM`` (REML); ``"profile"``:
    :func:`random_intercept_reml`, the same REML estimates by a one-dimensional profile (a fraction of
    the time; the unit test checks it against ``MixedLM``). The fit returned is ``MixedLMResults`` or
    the profile's dict.
    """
    data, names, exog, groups = _design(frame, outcome, terms, unit, time)
    y = data[outcome].to_numpy(float)
    if method == "statsmodels":
        # the classes used, not statsmodels.api (0.35 s more to import)
        from statsmodels.regression.mixed_linear_model import MixedLM, MixedLMParams

        # Started at the profiled REML optimum (a third of the time of a cold start); MixedLM's own
        # optimiser then decides convergence, so the estimates are statsmodels' own.
        start = random_intercept_reml(y, exog.to_numpy(), groups)
        start = MixedLMParams.from_components(fe_params=start["params"], cov_re=np.array([[start["ratio"]]]))
        fit = MixedLM(pd.Series(y, index=data.index), exog, groups=groups).fit(
            reml=True, start_params=start, method=["lbfgs", "bfgs"])
        if not fit.converged:
            raise RuntimeError("within_between: MixedLM did not converge")
        est = pd.Series(np.asarray(fit.fe_params), index=exog.columns)
        se = pd.Series(np.asarray(fit.bse_fe), index=exog.columns)
    elif method == "profile":
        fit = random_intercept_reml(y, exog.to_numpy(), groups)
        est = pd.Series(fit["params"], index=exog.columns)
        se = pd.Series(fit["bse"], index=exog.columns)
    else:
        raise ValueError(f"method {method!r}: 'statsmodels' or 'profile'")
    q = sps.norm.ppf(0.975)
    rows = pd.DataFrame({"term": names, "estimate": est[names].to_numpy(), "se": se[names].to_numpy()})
    rows["ci_low"] = rows["estimate"] - q * rows["se"]
    rows["ci_high"] = rows["estimate"] + q * rows["se"]
    rows["p_value"] = 2 * sps.norm.sf(np.abs(rows["estimate"] / rows["se"]))
    rows["n_units"] = data[unit].nunique()
    rows["n_obs"] = len(data)
    return rows[TIDY], fit


def random_intercept_reml(y: np.ndarray, X: np.ndarray, groups: np.ndarray) -> dict:
    """REML fit of y = X b + u_group + e, u ~ N(0, g s2), e ~ N(0, s2), by profiling the variance ratio g.

    Given g, GLS is OLS on quasi-demeaned data (each row minus theta_j times its group mean, theta_j =
    1 - 1/sqrt(1 + n_j g)); s2 and b are then closed-form, and the restricted log-likelihood is
    -1/2 [(N - p) log s2 + sum_j log(1 + n_j g) + log |X*'X*|] up to a constant, maximised over
    log g with a bounded scalar search (g = 0, no unit variance, is the boundary).
    Returns ``params``, ``bse`` (model-based, as MixedLM's ``bse_fe``), ``scale`` (s2) and ``ratio`` (g).
    """
    from scipy.optimize import minimize_scalar

    groups = np.asarray(groups)
    n_j = np.bincount(groups).astype(float)
    sums_y = np.bincount(groups, weights=y)
    sums_x = np.stack([np.bincount(groups, weights=X[:, k]) for k in range(X.shape[1])], axis=1)
    mean_y, mean_x = sums_y / n_j, sums_x / n_j[:, None]
    n, p = X.shape

    def solve(ratio):
        theta = 1 - 1 / np.sqrt(1 + n_j * ratio)
        ys = y - theta[groups] * mean_y[groups]
        xs = X - theta[groups, None] * mean_x[groups]
        xtx = xs.T @ xs
        beta = np.linalg.solve(xtx, xs.T @ ys)
        resid = ys - xs @ beta
        s2 = resid @ resid / (n - p)
        objective = (n - p) * np.log(s2) + np.log1p(n_j * ratio).sum() + np.linalg.slogdet(xtx)[1]
        return objective, beta, s2, xtx

    search = minimize_scalar(lambda lg: solve(np.exp(lg))[0], bounds=(-20, 12), method="bounded",
                             options={"xatol": 1e-10})
    ratio = float(np.exp(search.x))
    if solve(0.0)[0] <= search.fun:
        ratio = 0.0
    _, beta, s2, xtx = solve(ratio)
    return {"params": beta, "bse": np.sqrt(np.diag(np.linalg.inv(xtx)) * s2), "scale": float(s2), "ratio": ratio}


def twoway_fe(frame: pd.DataFrame, outcome: str, terms: list[str], unit: str, time: str,
              weights: str | None = None) -> pd.DataFrame:
    """OLS (WLS with ``weights``) of ``outcome`` on ``terms`` with unit and year dummies, errors
    clustered by unit: tidy rows for ``terms``.

    The unit dummies are partialled out (Frisch-Waugh-Lovell: the outcome, terms and year dummies minus
    their unit means, weighted with ``weights``), which gives the dummy regression's slopes and, as the
    units nest in the clusters, its cluster-robust covariance of them; the unit test checks both against
    statsmodels' fit with the dummies.
    """
    from statsmodels.regression.linear_model import OLS, WLS  # not statsmodels.api (0.35 s more)

    data = _complete(frame[[unit, time, outcome, *terms, *([weights] if weights else [])]],
                     [outcome, *terms, *([weights] if weights else [])])
    groups = pd.factorize(data[unit], sort=True)[0]
    w = data[weights].to_numpy(float) if weights else np.ones(len(data))
    raw = np.column_stack([data[outcome].to_numpy(float), data[terms].to_numpy(float),
                           _year_dummies(data[time]).to_numpy()])
    unit_w = np.bincount(groups, weights=w)
    means = np.stack([np.bincount(groups, weights=w * raw[:, k]) for k in range(raw.shape[1])], axis=1) / unit_w[:, None]
    within = raw - means[groups]
    y, X = within[:, 0], within[:, 1:]
    model = WLS(y, X, weights=w) if weights else OLS(y, X)
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": groups, "use_correction": False})
    n_groups = int(groups.max() + 1)
    k = len(terms)
    est = np.asarray(fit.params)[:k]
    se = np.sqrt(np.diag(np.asarray(fit.cov_params()))[:k] * n_groups / (n_groups - 1))
    q = sps.t.ppf(0.975, n_groups - 1)
    return pd.DataFrame({"term": terms, "estimate": est, "se": se, "ci_low": est - q * se,
                         "ci_high": est + q * se,
                         "p_value": 2 * sps.t.sf(np.abs(est / se), n_groups - 1),
                         "n_units": n_groups, "n_obs": len(data)})[TIDY]


def attributable(frame: pd.DataFrame, estimate: float, ci: tuple[float, float], term: str, unit: str,
                 time: str, population: str, base_year: int, per: float = 1e5) -> dict:
    """The outcome count linked to each unit's change in ``term`` since ``base_year`` (a linear rate
    model per ``per`` of ``population``): ``exposure`` = sum over unit-years of (term - term at base year)
    x population / per; ``attributable`` = estimate x exposure, its CI the coefficient's CI times the
    same sum (ordered low to high). Units without a base-year value contribute nothing."""
    base = frame.loc[frame[time] == base_year].set_index(unit)[term]
    change = frame[term] - frame[unit].map(base)
    exposure = float((change * frame[population] / per).sum())
    low, high = sorted((ci[0] * exposure, ci[1] * exposure))
    return {"exposure": exposure, "attributable": estimate * exposure, "ci_low": low, "ci_high": high}
