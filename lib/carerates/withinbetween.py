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


def within_between(frame: pd.DataFrame, outcome: str, terms: list[str], unit: str, time: str) -> tuple[pd.DataFrame, object]:
    """The hybrid random-intercept model; returns (tidy rows of the within and between terms, the fit).

    Rows with a missing outcome or term are dropped *before* the unit means are taken, so the means
    are over the rows the model uses.
    """
    import statsmodels.api as sm

    data = _complete(frame[[unit, time, outcome, *terms]], [outcome, *terms])
    data = add_within_between(data, terms, unit)
    names = [f"{t}_within" for t in terms] + [f"{t}_between" for t in terms]
    exog = pd.concat([pd.Series(1.0, index=data.index, name="const"), data[names],
                      _year_dummies(data[time])], axis=1)
    model = sm.MixedLM(data[outcome].astype(float), exog.astype(float),
                       groups=pd.factorize(data[unit], sort=True)[0])
    fit = model.fit(reml=True, method=["lbfgs", "bfgs"])
    est = pd.Series(np.asarray(fit.fe_params), index=exog.columns)
    se = pd.Series(np.asarray(fit.bse_fe), index=exog.columns)
    q = sps.norm.ppf(0.975)
    rows = pd.DataFrame({"term": names, "estimate": est[names].to_numpy(), "se": se[names].to_numpy()})
    rows["ci_low"] = rows["estimate"] - q * rows["se"]
    rows["ci_high"] = rows["estimate"] + q * rows["se"]
    rows["p_value"] = 2 * sps.norm.sf(np.abs(rows["estimate"] / rows["se"]))
    rows["n_units"] = data[unit].nunique()
    rows["n_obs"] = len(data)
    return rows[TIDY], fit


def twoway_fe(frame: pd.DataFrame, outcome: str, terms: list[str], unit: str, time: str,
              weights: str | None = None) -> pd.DataFrame:
    """OLS (WLS with ``weights``) of ``outcome`` on ``terms`` with unit and year dummies, errors
    clustered by unit: tidy rows for ``terms``."""
    import statsmodels.api as sm

    data = _complete(frame[[unit, time, outcome, *terms, *([weights] if weights else [])]],
                     [outcome, *terms, *([weights] if weights else [])])
    units = pd.get_dummies(data[unit], prefix="unit", dtype=float)
    exog = pd.concat([data[terms].astype(float), _year_dummies(data[time]), units], axis=1)
    groups = pd.factorize(data[unit], sort=True)[0]
    y = data[outcome].to_numpy(float)
    model = sm.WLS(y, exog.to_numpy(float), weights=data[weights].to_numpy(float)) if weights \
        else sm.OLS(y, exog.to_numpy(float))
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
