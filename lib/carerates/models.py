"""Multivariate models on LA tables and LA-by-year panels (statsmodels).

The study tested each factor on its own; these helpers fit the factors together,
so a chapter can show, in a few readable cells, a count model of the number of
children looked after, an OLS of the rate for comparison, a within-LA model of
change, their diagnostics and multiplicity-adjusted p-values.

Conventions shared by every fitting function:

- Inputs are pandas frames with one row per unit (LA, or LA-year for the panel).
  Column names must be Python identifiers (``low_income_pct``, ``turnover_pct``),
  so that model terms read as the columns do.
- Rows with a missing value in any column a model uses are dropped *explicitly*
  (never silently by the formula machinery): the returned :class:`Fit` records
  ``n`` (rows used), ``n_dropped`` and ``dropped`` (the index labels left out), and
  keeps the complete-case frame in ``data`` with the caller's index.
- Every fit returns a :class:`Fit`; :func:`tidy` turns it into one row per term
  with estimates and 95% confidence intervals, :func:`glance` into one row per
  model (N, fit statistics).

Standard errors: HC1 (heteroskedasticity-robust, Stata's ``robust``) for the
cross-sectional models; clustered by LA for the within model. Rate ratios
(``exp`` of the coefficients, with their intervals) are added for count models.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd
import patsy

# The model classes themselves, not statsmodels.api: that imports every corner of statsmodels
# (time series, graphics, ...), a third of a second more in every kernel that fits a model.
from statsmodels.discrete.discrete_model import NegativeBinomial
from statsmodels.genmod import families
from statsmodels.genmod.generalized_linear_model import GLM
from statsmodels.regression.linear_model import OLS
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.outliers_influence import variance_inflation_factor
from statsmodels.tools.tools import add_constant

from .errors import DataError

__all__ = [
    "Fit",
    "complete_cases",
    "standardise",
    "fit_count_models",
    "fit_ols",
    "fit_within",
    "fit_gee",
    "single_and_joint",
    "predicted_rates",
    "tidy",
    "as_fit",
    "glance",
    "vif",
    "influence",
    "adjust_pvalues",
    "coefficient_plot",
]

#: Confidence level of every interval these helpers report.
CONFIDENCE = 0.95

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# patsy's names for a treatment-coded level: C(region)[T.North East] or
# C(region, Treatment(reference='London'))[T.North East]
_CATEGORY_TERM = re.compile(r"^C\((?P<var>[A-Za-z_][A-Za-z0-9_]*)(?:,[^\[]*)?\)\[T\.(?P<level>.*)\]$")


@dataclass
class Fit:
    """A fitted model with the bookkeeping a report needs.

    Attributes
    ----------
    name: label used in tables and plots (``"poisson"``, ``"ols"``...).
    kind: ``"count"``, ``"ols"`` or ``"within"``.
    result: the statsmodels results object.
    data: the complete-case rows the model used (caller's index kept).
    n, n_dropped: rows used, rows dropped for a missing value.
    dropped: index labels of the dropped rows (sorted when sortable).
    formula: the model formula (for ``within``, the formula on demeaned data).
    terms: the coefficients :func:`tidy` reports, in order (``None`` = all).
    extra: model-specific facts (``alpha`` of the negative binomial, number of
        clusters, of LAs and years of the within model...).
    """

    name: str
    kind: str
    result: object
    data: pd.DataFrame
    n: int
    n_dropped: int
    dropped: list
    formula: str
    terms: list[str] | None = None
    extra: dict = field(default_factory=dict)

    def __repr__(self) -> str:  # no object addresses in notebook outputs
        return f"Fit(name={self.name!r}, kind={self.kind!r}, n={self.n}, n_dropped={self.n_dropped}, formula={self.formula!r})"


# ----------------------------------------------------------------------------- data


def _check_names(columns: Iterable[str], frame: pd.DataFrame) -> None:
    columns = list(columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(None, f"model column(s) {missing} not in the data; columns are {list(map(str, frame.columns))}")
    bad = [c for c in columns if not _IDENTIFIER.match(str(c))]
    if bad:
        raise ValueError(f"model column names must be Python identifiers (rename them): {bad}")


def complete_cases(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[pd.DataFrame, list]:
    """The rows of ``frame`` with no missing value in ``columns``, and the dropped labels.

    Returns ``(complete, dropped)`` where ``dropped`` lists the index labels of the
    rows left out (sorted when the labels are sortable), so a notebook can say
    which LAs a model could not use and why.
    """
    columns = list(dict.fromkeys(columns))
    _check_names(columns, frame)
    keep = frame[columns].notna().all(axis=1)
    dropped = list(frame.index[~keep])
    try:
        dropped = sorted(dropped)
    except TypeError:
        pass
    return frame.loc[keep].copy(), dropped


def standardise(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A copy of ``frame`` with ``columns`` replaced by z-scores ((x - mean) / SD).

    The SD is the sample SD (ddof=1) over the non-missing values. A coefficient on a
    standardised predictor is the change in the outcome (or, in a count model, in
    the log rate) *per standard deviation* of that predictor, which puts predictors
    measured in %, pounds and counts on one scale. Standardise the rows the model
    will use (call :func:`complete_cases` first), so "one SD" is the SD in the
    analysis sample. A constant column raises ``ValueError``.
    """
    _check_names(columns, frame)
    out = frame.copy()
    for column in columns:
        values = out[column].astype(float)
        sd = values.std(ddof=1)
        if not np.isfinite(sd) or sd == 0:
            raise ValueError(f"cannot standardise {column!r}: its SD is {sd}")
        out[column] = (values - values.mean()) / sd
    return out


def _categorical_terms(categorical) -> tuple[list[str], list[str]]:
    """(column names, formula terms) for ``categorical`` given as names or {name: reference}."""
    if categorical is None:
        return [], []
    if isinstance(categorical, str):
        categorical = (categorical,)
    if isinstance(categorical, Mapping):
        names = list(categorical)
        terms = [
            f"C({name})" if reference is None else f"C({name}, Treatment(reference={reference!r}))"
            for name, reference in categorical.items()
        ]
    else:
        names = list(categorical)
        terms = [f"C({name})" for name in names]
    return names, terms


def _rhs(predictors: Sequence[str], categorical_terms: Sequence[str]) -> str:
    return " + ".join(list(predictors) + list(categorical_terms)) or "1"


def _prepare(data, columns, categorical_names):
    frame, dropped = complete_cases(data, columns)
    if len(frame) == 0:
        raise DataError(None, f"no complete rows for the model columns {list(columns)}")
    for name in categorical_names:
        # Only the levels present in the analysis sample, else patsy makes empty dummies.
        if isinstance(frame[name].dtype, pd.CategoricalDtype):
            frame[name] = frame[name].cat.remove_unused_categories()
    return frame, dropped


# ----------------------------------------------------------------------------- fits


def fit_count_models(
    data: pd.DataFrame,
    outcome_count: str,
    exposure: str,
    predictors: Sequence[str],
    categorical: Sequence[str] | Mapping[str, str | None] | None = ("region",),
    cov_type: str = "HC1",
) -> dict[str, Fit]:
    """Poisson and negative binomial models of a count with an exposure.

    ``log E[count] = log(exposure) + b0 + b'x (+ region effects)``: with the number
    of children looked after as the count and the child population as the
    exposure, ``exp(b)`` is the rate ratio for one unit (one SD, if standardised)
    of a predictor, holding the others fixed.

    Returns ``{"poisson": Fit, "negative_binomial": Fit}``.

    - Poisson: a GLM with ``offset = log(exposure)`` and HC1 robust standard
      errors. Its point estimates stay consistent when the counts are
      over-dispersed (only the mean must be right); the robust errors fix the
      inference (quasi-Poisson / "Poisson pseudo-ML").
    - Negative binomial (NB2, variance ``mu + alpha * mu**2``): ``alpha`` is the
      joint maximum-likelihood estimate of statsmodels' discrete
      ``NegativeBinomial`` (Newton's method from the Poisson estimates, which
      converges quadratically, so the estimate does not depend on the last
      digits a processor or BLAS kernel computes: an optimiser stopping at a
      loose relative tolerance made ``alpha`` differ between machines in its
      8th digit). The model is then refitted as a GLM at that ``alpha`` with a
      tight IRLS tolerance: the same coefficients (the test checks them against
      the discrete fit), and the GLM result supports influence diagnostics.
      Conditioning on ``alpha`` costs nothing asymptotically: in NB2 the
      information matrix is block-diagonal between ``alpha`` and the
      coefficients. At the Poisson boundary (``alpha`` near 0), where Newton can
      step to a negative ``alpha``, ``alpha`` is found instead by maximising the
      profile log-likelihood over ``log(alpha)``. Standard errors are HC1 as for
      Poisson (``cov_type``). ``alpha``, its model-based standard error and how
      it was found (``alpha_method``) are in ``Fit.extra``; AIC counts ``alpha``
      as a parameter.

    ``categorical``: column names entered as treatment-coded factors (first level,
    or the reference given as ``{"region": "London"}``), default ``("region",)``.
    """
    names, cat_terms = _categorical_terms(categorical)
    columns = [outcome_count, exposure, *predictors, *names]
    frame, dropped = _prepare(data, columns, names)
    if (frame[exposure] <= 0).any():
        raise DataError(None, f"exposure {exposure!r} must be positive; {int((frame[exposure] <= 0).sum())} row(s) are not")
    if (frame[outcome_count] < 0).any():
        raise DataError(None, f"count {outcome_count!r} has negative values")
    formula = f"{outcome_count} ~ {_rhs(predictors, cat_terms)}"
    offset = np.log(frame[exposure].astype(float).to_numpy())
    # The design is built once (what statsmodels' formula interface does on each of the three
    # fits below), and every model gets the same named arrays.
    design = patsy.dmatrices(formula, frame, return_type="dataframe", NA_action="raise")

    poisson = GLM(*design, family=families.Poisson(), offset=offset).fit(
        cov_type=cov_type, tol=_IRLS_TOL, maxiter=_IRLS_MAXITER)

    negbin, alpha, alpha_se, alpha_method = _fit_negative_binomial(design, offset, cov_type, poisson)

    common = dict(data=frame, n=len(frame), n_dropped=len(dropped), dropped=dropped, formula=formula)
    return {
        "poisson": Fit(name="poisson", kind="count", result=poisson,
                       extra={"exposure": exposure, "cov_type": cov_type}, **common),
        "negative_binomial": Fit(
            name="negative_binomial", kind="count", result=negbin,
            extra={"exposure": exposure, "cov_type": cov_type, "alpha": alpha, "alpha_se": alpha_se,
                   "alpha_method": alpha_method,
                   "loglike": float(negbin.llf),
                   # alpha is a parameter too: count it in the AIC.
                   "aic": float(-2 * negbin.llf + 2 * (len(negbin.params) + 1))},
            **common),
    }


#: Search range of the NB2 dispersion: from practically Poisson to extreme over-dispersion.
_LOG_ALPHA_BOUNDS = (np.log(1e-8), np.log(100.0))
#: Below this ``alpha`` the counts are practically Poisson and the joint Newton fit is unreliable.
_ALPHA_BOUNDARY = 1e-6
#: IRLS stops when the deviance changes by less than this (relative): far below the
#: 6 significant digits the result files keep, so their digits do not depend on the machine.
_IRLS_TOL = 1e-13
_IRLS_MAXITER = 200


def _alpha_standard_error(result, alpha: float, step: float = 1e-3) -> float:
    """Model-based SE of the NB2 ``alpha``, from the curvature of the log-likelihood in ``log(alpha)``.

    The fitted means are held fixed: since the information matrix of NB2 is
    block-diagonal between ``alpha`` and the coefficients, this equals the joint
    ML standard error asymptotically (the test compares them). NaN at the
    Poisson boundary (``alpha`` ~ 0), where the curvature is uninformative.
    """
    if alpha < _ALPHA_BOUNDARY:
        return float("nan")
    y, mu = np.asarray(result.model.endog, dtype=float), np.asarray(result.mu, dtype=float)

    def loglike(log_alpha):
        return families.NegativeBinomial(alpha=float(np.exp(log_alpha))).loglike(y, mu)

    theta = np.log(alpha)
    curvature = (loglike(theta + step) - 2 * loglike(theta) + loglike(theta - step)) / step**2
    if not np.isfinite(curvature) or curvature >= 0:
        return float("nan")
    return float(alpha * np.sqrt(-1 / curvature))  # delta method from log(alpha) to alpha


def _joint_ml_alpha(design, offset, poisson) -> tuple[float, np.ndarray] | None:
    """``alpha`` and the coefficients of statsmodels' discrete NB2 fitted by Newton from the
    Poisson estimates.

    ``None`` when Newton does not converge to an interior optimum (``alpha`` at the
    Poisson boundary), so the caller falls back to the profile search.
    """
    import warnings

    model = NegativeBinomial(*design, offset=offset, loglike_method="nb2")
    resid = poisson.model.endog - poisson.mu
    # Moment estimate of alpha as the start: E[(y - mu)^2 - y] = alpha * mu^2.
    start_alpha = max(float(np.sum(resid**2 - poisson.model.endog) / np.sum(poisson.mu**2)), 0.01)
    start = np.append(poisson.params.to_numpy(), start_alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            joint = model.fit(start_params=start, method="newton", maxiter=200, tol=1e-12, disp=False)
        except (np.linalg.LinAlgError, ValueError):
            return None
    alpha = float(joint.params.iloc[-1])
    converged = bool(joint.mle_retvals.get("converged", False))
    if not converged or not np.isfinite(alpha) or alpha < _ALPHA_BOUNDARY:
        return None
    return alpha, joint.params.to_numpy()[:-1]


def _fit_negative_binomial(design, offset, cov_type, poisson):
    """NB2 GLM at the ML ``alpha``; returns (result, alpha, alpha_se, how alpha was found).

    ``design``: ``(endog, exog)`` frames from ``patsy.dmatrices``."""
    def fit_at(alpha, **kwargs):
        family = families.NegativeBinomial(alpha=float(alpha))
        return GLM(*design, family=family, offset=offset).fit(
            tol=_IRLS_TOL, maxiter=_IRLS_MAXITER, **kwargs)

    joint = _joint_ml_alpha(design, offset, poisson)
    method = "joint maximum likelihood (Newton)"
    # IRLS starts from Newton's coefficients, already at the optimum: its first step confirms
    # them to full precision. From the Poisson start, IRLS stopped one iteration earlier or
    # later as the last input digits changed, moving a coefficient by up to 2e-9 (relative).
    start = {}
    if joint is not None:
        alpha, start["start_params"] = joint
    else:
        from scipy.optimize import minimize_scalar

        search = minimize_scalar(lambda a: -fit_at(np.exp(a)).llf, bounds=_LOG_ALPHA_BOUNDS,
                                 method="bounded", options={"xatol": 1e-10})
        alpha = float(np.exp(search.x))
        method = "profile likelihood (near the Poisson boundary)"
    result = fit_at(alpha, cov_type=cov_type, **start)
    return result, alpha, _alpha_standard_error(result, alpha), method


def fit_ols(
    data: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    categorical: Sequence[str] | Mapping[str, str | None] | None = ("region",),
    cov_type: str = "HC1",
    name: str = "ols",
) -> Fit:
    """OLS of ``outcome`` on ``predictors`` (+ treatment-coded ``categorical``), HC1 errors.

    Inference uses the t distribution with the residual degrees of freedom (as
    Stata's ``regress, robust``).
    """
    names, cat_terms = _categorical_terms(categorical)
    frame, dropped = _prepare(data, [outcome, *predictors, *names], names)
    formula = f"{outcome} ~ {_rhs(predictors, cat_terms)}"
    result = OLS.from_formula(formula, frame).fit(cov_type=cov_type, use_t=True)
    return Fit(name=name, kind="ols", result=result, data=frame, n=len(frame), n_dropped=len(dropped),
               dropped=dropped, formula=formula, extra={"cov_type": cov_type})


def _demean_two_way(frame: pd.DataFrame, columns: Sequence[str], entity: str, time: str,
                    tol: float = 1e-10, max_iter: int = 10_000) -> pd.DataFrame:
    """Sweep out entity and time means by alternating projections.

    Exact in one pass for a balanced panel; for an unbalanced one (after missing
    rows are dropped) the alternation converges to the two-way within
    transformation, so the slopes equal those of OLS with entity and time dummies.
    """
    values = frame[list(columns)].astype(float).copy()
    entity_key, time_key = frame[entity].to_numpy(), frame[time].to_numpy()
    for _ in range(max_iter):
        before = values.to_numpy().copy()
        values = values - values.groupby(entity_key).transform("mean")
        values = values - values.groupby(time_key).transform("mean")
        if np.max(np.abs(values.to_numpy() - before)) < tol:
            return values
    raise RuntimeError("two-way demeaning did not converge")


def fit_within(
    panel: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    entity: str = "gss",
    time: str = "year",
    name: str = "within",
) -> Fit:
    """Two-way fixed effects (LA and year) OLS with errors clustered by LA.

    ``y_it = a_i + g_t + b'x_it + e_it``. The LA effects ``a_i`` absorb everything
    about an LA that does not change over the window (its region, its long-run
    level of need, its recording practice); the year effects ``g_t`` absorb what
    moves every LA together (national policy, court judgements, the economy).
    ``b`` is then identified only from each LA's movements around its own
    average, relative to the national trend: it answers "when an LA's predictor
    rose more than usual, did its rate rise more than usual?", not "do LAs with
    more of it have higher rates?". It does not make ``b`` causal: time-varying
    confounders, reverse causation within the year, and measurement error
    (attenuation is worse within than between) all remain.

    Estimation: the outcome and predictors are two-way demeaned (see
    :func:`_demean_two_way`) and regressed on each other without a constant;
    the slopes equal those of OLS with LA and year dummies (the test checks
    this). Standard errors are clustered by ``entity`` (robust to any
    correlation within an LA over time and to heteroskedasticity), with the
    small-sample factor ``G/(G-1) * (N-1)/(N-K)`` where ``K`` counts the
    slopes only, as Stata's ``xtreg, fe vce(cluster)`` does (LA effects are
    nested within the clusters, Cameron & Miller 2015, section III.B);
    inference uses t with ``G-1`` degrees of freedom.

    LAs observed in only one year after dropping missing rows carry no within
    information and are dropped too (``extra["singletons"]``); they are also
    counted in ``n_dropped``. No linearmodels dependency.
    """
    for key in (entity, time):
        if key not in panel.columns:
            raise DataError(None, f"panel has no {key!r} column")
    if panel.duplicated([entity, time]).any():
        raise DataError(None, f"panel has duplicate ({entity}, {time}) rows")
    frame, dropped = _prepare(panel, [outcome, *predictors, entity, time], [])
    counts = frame.groupby(entity)[time].transform("size")
    singleton_rows = list(frame.index[counts.to_numpy() < 2])
    singletons = sorted(frame.loc[counts < 2, entity].unique().tolist())
    frame = frame.loc[counts >= 2].copy()
    dropped = dropped + singleton_rows
    try:
        dropped = sorted(dropped)
    except TypeError:
        pass
    n_entities = frame[entity].nunique()
    if n_entities < 2:
        raise DataError(None, "the within model needs at least two LAs observed in two or more years")
    demeaned = _demean_two_way(frame, [outcome, *predictors], entity, time)
    formula = f"{outcome} ~ {' + '.join(predictors)} - 1"
    groups = pd.factorize(frame[entity], sort=True)[0]
    result = OLS.from_formula(formula, demeaned).fit(
        cov_type="cluster", cov_kwds={"groups": groups, "use_correction": True, "df_correction": True},
        use_t=True,
    )
    # Within R^2: share of the two-way demeaned variation of the outcome explained.
    resid = demeaned[outcome] - demeaned[list(predictors)].to_numpy() @ result.params.to_numpy()
    within_r2 = 1 - float((resid**2).sum() / (demeaned[outcome] ** 2).sum())
    return Fit(
        name=name, kind="within", result=result, data=frame, n=len(frame), n_dropped=len(dropped),
        dropped=dropped, formula=f"{outcome} ~ {' + '.join(predictors)} + C({entity}) + C({time})",
        terms=list(predictors),
        extra={"entity": entity, "time": time, "n_entities": int(n_entities),
               "n_periods": int(frame[time].nunique()), "clusters": int(n_entities),
               "singletons": singletons, "within_r2": within_r2},
    )


# ----------------------------------------------------------------------------- pooled LA-years


def _panel_frame(panel, columns, names, group, time):
    for key in (group, time):
        if key not in panel.columns:
            raise DataError(None, f"panel has no {key!r} column")
    if panel.duplicated([group, time]).any():
        raise DataError(None, f"panel has duplicate ({group}, {time}) rows")
    frame, dropped = _prepare(panel, [*columns, group, time], names)
    return frame.sort_values([group, time]), dropped


def fit_gee(
    panel: pd.DataFrame,
    outcome: str,
    predictors: Sequence[str],
    categorical: Sequence[str] | Mapping[str, str | None] | None = ("region",),
    exposure: str | None = None,
    family: str = "poisson",
    weights: str | None = None,
    group: str = "gss",
    time: str = "year",
    structure: str = "exchangeable",
    name: str = "gee",
) -> Fit:
    """GEE on an LA-by-year panel (statsmodels ``GEE``), robust (sandwich) errors clustered by ``group``.

    ``family="poisson"``: a count with ``log(exposure)`` as offset, so ``exp(b)`` is a rate
    ratio (``kind="count"``); ``family="gaussian"``: a linear model of ``outcome`` (e.g. a
    log rate; ``kind="ols"``). ``structure``: ``"exchangeable"`` (one correlation between
    any two years of an LA) or ``"independence"`` (then the Poisson point estimates are
    those of a pooled GLM; the test checks this). ``weights``: a column of prior weights
    (e.g. the child population, for a population-weighted sensitivity). ``time`` enters as
    year effects only if listed in ``categorical``. Rows are sorted by group and time.
    """
    from statsmodels.genmod.cov_struct import Exchangeable, Independence
    from statsmodels.genmod.generalized_estimating_equations import GEE

    names, cat_terms = _categorical_terms(categorical)
    columns = [outcome, *predictors, *names, *([exposure] if exposure else []), *([weights] if weights else [])]
    frame, dropped = _panel_frame(panel, list(dict.fromkeys(columns)), names, group, time)
    formula = f"{outcome} ~ {_rhs(predictors, cat_terms)}"
    design = patsy.dmatrices(formula, frame, return_type="dataframe", NA_action="raise")
    fam = {"poisson": families.Poisson(), "gaussian": families.Gaussian()}[family]
    structures = {"exchangeable": Exchangeable, "independence": Independence}
    groups = pd.factorize(frame[group], sort=True)[0]
    kwargs = {}
    if exposure:
        if (frame[exposure] <= 0).any():
            raise DataError(None, f"exposure {exposure!r} must be positive")
        kwargs["offset"] = np.log(frame[exposure].astype(float).to_numpy())
    if weights:
        kwargs["weights"] = frame[weights].astype(float).to_numpy()
    model = GEE(*design, groups=groups, family=fam, cov_struct=structures[structure](), **kwargs)
    result = model.fit(maxiter=100, ctol=1e-8)
    return Fit(name=name, kind="count" if family == "poisson" else "ols", result=result, data=frame,
               n=len(frame), n_dropped=len(dropped), dropped=dropped, formula=formula,
               extra={"structure": structure, "clusters": int(frame[group].nunique()),
                      "n_periods": int(frame[time].nunique()), "weights": weights,
                      "dependence": float(np.ravel(result.cov_struct.dep_params)[0])
                      if structure == "exchangeable" else 0.0})


# ----------------------------------------------------------------------------- single vs joint


def single_and_joint(
    data: pd.DataFrame,
    outcome: str,
    factors: Sequence[str],
    held: Sequence[str] = (),
    categorical: Sequence[str] | Mapping[str, str | None] | None = None,
    compare: Sequence[str] | None = None,
) -> pd.DataFrame:
    """How much of each single-factor association survives in the joint model.

    For each of ``factors``: the OLS slope of ``outcome`` on that factor alone, and its slope
    in the joint OLS on every factor plus ``held`` (terms that are held but not compared, e.g.
    the baseline) and ``categorical``, on the same complete rows. The models are estimated
    together: each slope's HC0 sandwich is the sum over rows of its influence (the row's
    contribution to the estimate), and the two slopes' covariance is the sum of the products of
    their influences, which gives ``single - joint`` a standard error (the sandwich of seemingly
    unrelated regressions, as a stacked regression clustered by row computes it; the test checks
    the errors against statsmodels' HC0 fits).

    Returns ``term, single, single_se, single_ci_low, single_ci_high, single_p, joint,
    joint_se, joint_ci_low, joint_ci_high, joint_p, difference, difference_ci_low,
    difference_ci_high, difference_p, share, n``: ``share = joint / single``, one row per factor
    of ``compare`` (default: every factor). Inference: t with ``n - 1`` degrees of freedom.
    """
    from scipy import stats as sps

    names, cat_terms = _categorical_terms(categorical)
    frame, _ = _prepare(data, [outcome, *factors, *held, *names], names)
    y = frame[outcome].astype(float).to_numpy()
    n = len(frame)

    def slopes_and_influence(rhs):
        x = patsy.dmatrix(f"~ {rhs}", frame, return_type="dataframe")
        bread = np.linalg.inv(x.T.to_numpy() @ x.to_numpy())
        beta = bread @ (x.T.to_numpy() @ y)
        # each row's contribution to beta - b: the sum of their outer products is the HC0 covariance
        influence = (x.to_numpy() * (y - x.to_numpy() @ beta)[:, None]) @ bread
        return pd.Series(beta, index=x.columns), pd.DataFrame(influence, columns=x.columns)

    joint_beta, joint_infl = slopes_and_influence(_rhs([*factors, *held], cat_terms))
    crit = sps.t.ppf(0.5 + CONFIDENCE / 2, n - 1)
    rows = []
    for factor in compare or factors:
        single_beta, single_infl = slopes_and_influence(factor)
        a, b = single_infl[factor].to_numpy(), joint_infl[factor].to_numpy()
        est = {"single": single_beta[factor], "joint": joint_beta[factor]}
        est["difference"] = est["single"] - est["joint"]
        se = {"single": np.sqrt(a @ a), "joint": np.sqrt(b @ b), "difference": np.sqrt((a - b) @ (a - b))}
        row = {"term": factor}
        for key in ("single", "joint", "difference"):
            row[key] = est[key]
            if key != "difference":
                row[f"{key}_se"] = se[key]
            row[f"{key}_ci_low"], row[f"{key}_ci_high"] = est[key] - crit * se[key], est[key] + crit * se[key]
            row[f"{key}_p"] = 2 * sps.t.sf(abs(est[key] / se[key]), n - 1)
        row["share"] = est["joint"] / est["single"]
        row["n"] = n
        rows.append(row)
    order = ["term", "single", "single_se", "single_ci_low", "single_ci_high", "single_p", "joint", "joint_se",
             "joint_ci_low", "joint_ci_high", "joint_p", "difference", "difference_ci_low", "difference_ci_high",
             "difference_p", "share", "n"]
    return pd.DataFrame(rows)[order]


def predicted_rates(fit: Fit, newdata: pd.DataFrame, per: float = 1e4) -> pd.DataFrame:
    """Predicted rate (``per`` exposure) of a count model at the rows of ``newdata`` (the
    model's predictor columns; no categorical terms), with a 95% interval from the
    coefficients' covariance (delta method on the log scale). Returns ``newdata`` with
    ``rate, rate_ci_low, rate_ci_high``."""
    from scipy import stats as sps

    if fit.kind != "count":
        raise ValueError("predicted_rates needs a count model")
    rhs = fit.formula.split("~", 1)[1]
    exog = patsy.dmatrix(rhs, newdata, return_type="dataframe", NA_action="raise")
    params = pd.Series(fit.result.params)
    missing = sorted(set(params.index) - set(exog.columns))
    if missing:
        raise ValueError(f"newdata lacks model terms {missing}")
    x = exog[params.index].to_numpy(dtype=float)
    cov = np.asarray(pd.DataFrame(fit.result.cov_params()).loc[params.index, params.index])
    xb = x @ params.to_numpy()
    se = np.sqrt(np.einsum("ij,jk,ik->i", x, cov, x))
    z = sps.norm.ppf(0.5 + CONFIDENCE / 2)
    return newdata.assign(rate=per * np.exp(xb), rate_ci_low=per * np.exp(xb - z * se),
                          rate_ci_high=per * np.exp(xb + z * se))


# ----------------------------------------------------------------------------- tables


def _clean_term(term: str) -> str:
    match = _CATEGORY_TERM.match(term)
    if match:
        return f"{match['var']}: {match['level']}"
    return term


def _is_count_model(result) -> bool:
    """Whether a statsmodels result is of a model with a log link for a count (Poisson, NB)."""
    from statsmodels.discrete.discrete_model import CountModel

    model = getattr(result, "model", None)
    family = getattr(model, "family", None)
    if isinstance(model, CountModel):
        return True
    return family is not None and isinstance(family, (families.Poisson, families.NegativeBinomial)) \
        and isinstance(family.link, families.links.Log)


def as_fit(result, name: str | None = None) -> Fit:
    """Any statsmodels results object as a :class:`Fit`, so :func:`tidy` and :func:`glance` take it.

    Poisson and negative binomial fits (GLM or discrete) are ``kind="count"`` (``tidy`` adds
    rate ratios); anything else ``"linear"``. Only the mean-model coefficients are reported:
    a MixedLM's fixed effects (``fe_params``: not its variance components, "Group Var"), a
    discrete negative binomial's coefficients without ``alpha``. ``n`` is ``result.nobs``.
    """
    model = result.model
    params = pd.Series(result.params)
    if hasattr(result, "fe_params"):  # MixedLM: the variance parameters follow the fixed effects
        terms = list(pd.Series(result.fe_params).index)
    else:
        terms = [t for t in params.index if t != "alpha"]
    formula = getattr(model, "formula", None) or ""
    return Fit(name=name or type(model).__name__.lower(), kind="count" if _is_count_model(result) else "linear",
               result=result, data=pd.DataFrame(), n=int(result.nobs), n_dropped=0, dropped=[],
               formula=str(formula), terms=terms)


def tidy(fit, model_name: str | None = None) -> pd.DataFrame:
    """One row per coefficient: ``model, term, estimate, std_error, ci_low, ci_high, p_value, n``.

    ``fit``: a :class:`Fit` of these helpers, or any statsmodels results object (OLS, GLM,
    discrete Poisson/NB, MixedLM, ...: see :func:`as_fit`). Count models add ``rate_ratio,
    rr_ci_low, rr_ci_high`` (the exponentiated estimate and interval). Terms keep the model's
    order (intercept, predictors in the order given, then factor levels as ``region: North
    East``), so the table is deterministic. For a within model only the predictors are
    reported (the fixed effects are nuisance parameters). Intervals are 95%.
    """
    if not isinstance(fit, Fit):
        fit = as_fit(fit, model_name)
    result = fit.result
    params = pd.Series(result.params)
    bse = pd.Series(result.bse, index=params.index)
    pvalues = pd.Series(result.pvalues, index=params.index)
    ci = pd.DataFrame(result.conf_int(alpha=1 - CONFIDENCE))
    ci.index = params.index
    terms = fit.terms if fit.terms is not None else list(params.index)
    # Intercept, then predictors as given, then factor levels (patsy puts factors first).
    rank = {t: (0 if t == "Intercept" else 2 if _CATEGORY_TERM.match(t) else 1) for t in terms}
    terms = sorted(terms, key=lambda t: rank[t])
    out = pd.DataFrame({
        "model": model_name or fit.name,
        "term": [_clean_term(t) for t in terms],
        "estimate": params[terms].to_numpy(dtype=float),
        "std_error": bse[terms].to_numpy(dtype=float),
        "ci_low": ci.loc[terms, 0].to_numpy(dtype=float),
        "ci_high": ci.loc[terms, 1].to_numpy(dtype=float),
        "p_value": pvalues[terms].to_numpy(dtype=float),
    })
    if fit.kind == "count":
        out["rate_ratio"] = np.exp(out["estimate"])
        out["rr_ci_low"] = np.exp(out["ci_low"])
        out["rr_ci_high"] = np.exp(out["ci_high"])
    out["n"] = fit.n
    return out


def glance(fit: Fit, model_name: str | None = None) -> pd.DataFrame:
    """One row per model: ``model, kind, n, n_dropped, formula`` and fit statistics.

    OLS: ``r2, adj_r2``; count models: ``aic, deviance, pearson_chi2_df`` (Pearson
    chi-square / residual df: about 1 if the Poisson variance fits, much more
    if over-dispersed) and ``alpha`` for the negative binomial; within:
    ``within_r2, n_entities, n_periods``.
    """
    result = fit.result
    row = {"model": model_name or fit.name, "kind": fit.kind, "n": fit.n, "n_dropped": fit.n_dropped,
           "formula": fit.formula}
    if fit.kind == "ols":
        row.update(r2=float(result.rsquared), adj_r2=float(result.rsquared_adj))
    elif fit.kind == "count":
        row.update(aic=float(fit.extra.get("aic", result.aic)), deviance=float(result.deviance),
                   pearson_chi2_df=float(result.pearson_chi2 / result.df_resid),
                   alpha=float(fit.extra.get("alpha", np.nan)))
    elif fit.kind == "within":
        row.update(within_r2=fit.extra["within_r2"], n_entities=fit.extra["n_entities"],
                   n_periods=fit.extra["n_periods"])
    return pd.DataFrame([row])


# ----------------------------------------------------------------------------- diagnostics


def vif(data: pd.DataFrame, predictors: Sequence[str]) -> pd.DataFrame:
    """Variance inflation factors: ``predictor, vif, n``.

    VIF_j = 1 / (1 - R_j^2), R_j^2 from regressing predictor j on the other
    predictors with a constant, on the rows complete for all of them. 1 means
    uncorrelated with the rest; above about 5-10 the coefficient's variance is
    badly inflated by collinearity. Numeric predictors only (for a factor such as
    region use a generalised VIF, or compare with and without it).
    """
    predictors = list(predictors)
    if len(predictors) < 2:
        raise ValueError("VIF needs at least two predictors")
    frame, _ = complete_cases(data, predictors)
    design = add_constant(frame[predictors].astype(float).to_numpy(), has_constant="add")
    values = [float(variance_inflation_factor(design, i + 1)) for i in range(len(predictors))]
    return pd.DataFrame({"predictor": predictors, "vif": values, "n": len(frame)})


def influence(fit: Fit, labels: str | pd.Series | None = None) -> pd.DataFrame:
    """Which rows drive the fit: Cook's distance, leverage, studentised residual.

    Columns ``label, cooks_distance, leverage, studentized_residual,
    cooks_above_4_over_n`` (the common 4/N screening threshold), sorted by Cook's
    distance, largest first (ties by label). ``labels`` is a column of
    ``fit.data`` (e.g. ``"la_name"``) or a Series indexed like the data; default:
    the data's index. Works for OLS and for the count models (GLM influence:
    Pearson-based studentised residuals, GLM hat values). Not for the within
    model (its influence is not per LA).
    """
    if fit.kind == "within":
        raise ValueError("influence() is for cross-sectional fits; for the within model refit leaving each LA out")
    measures = fit.result.get_influence()
    if fit.kind == "ols":
        studentized = measures.resid_studentized_external
    else:
        studentized = measures.resid_studentized
    cooks = measures.cooks_distance[0]
    if labels is None:
        label_values = fit.data.index.to_numpy()
    elif isinstance(labels, str):
        label_values = fit.data[labels].to_numpy()
    else:
        label_values = pd.Series(labels).reindex(fit.data.index).to_numpy()
    out = pd.DataFrame({
        "label": label_values,
        "cooks_distance": np.asarray(cooks, dtype=float),
        "leverage": np.asarray(measures.hat_matrix_diag, dtype=float),
        "studentized_residual": np.asarray(studentized, dtype=float),
    })
    out["cooks_above_4_over_n"] = out["cooks_distance"] > 4 / fit.n
    out["_order"] = -out["cooks_distance"]
    out = out.sort_values(["_order", "label"], kind="mergesort").drop(columns="_order")
    return out.reset_index(drop=True)


# ----------------------------------------------------------------------------- multiplicity

_METHODS = {"holm": "holm", "bh": "fdr_bh", "fdr_bh": "fdr_bh", "benjamini-hochberg": "fdr_bh",
            "bonferroni": "bonferroni"}


def adjust_pvalues(p, method: str = "holm"):
    """Multiplicity-adjusted p-values, NaN-safe, in the input's order and type.

    ``method``: ``"holm"`` (controls the family-wise error rate; uniformly more
    powerful than Bonferroni) or ``"bh"``/``"fdr_bh"`` (Benjamini-Hochberg,
    controls the false discovery rate). Missing p-values stay missing and do not
    count in the family. A Series in gives a Series (same index) out; anything
    else gives a numpy array.
    """
    key = _METHODS.get(str(method).lower())
    if key is None:
        raise ValueError(f"unknown method {method!r}; use one of {sorted(_METHODS)}")
    values = np.asarray(p, dtype=float)
    if np.any((values < 0) | (values > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    out = np.full(values.shape, np.nan)
    present = ~np.isnan(values)
    if present.any():
        out[present] = multipletests(values[present], method=key)[1]
    if isinstance(p, pd.Series):
        return pd.Series(out, index=p.index, name=p.name)
    return out


# ----------------------------------------------------------------------------- plot


def coefficient_plot(tidy_frame: pd.DataFrame, ax=None, scale: str | None = None,
                     terms: Sequence[str] | None = None, xlabel: str | None = None):
    """Point estimates with 95% intervals, one row per term, models side by side.

    ``tidy_frame``: output of :func:`tidy` (several models concatenated is fine:
    they are dodged vertically and shown in a legend). ``scale``:
    ``"rate_ratio"`` (log axis, reference line at 1; needs count models) or
    ``"estimate"`` (reference at 0); default rate ratio if every row has one.
    ``terms`` selects and orders the terms (default: all but the intercept,
    in first-appearance order). Call ``carerates.plots.use_house_style()`` once
    at the top of the notebook; this function does not change global style.
    Returns the Axes.
    """
    import matplotlib.pyplot as plt

    frame = tidy_frame.copy()
    if "model" not in frame.columns:
        frame["model"] = "model"
    if scale is None:
        scale = "rate_ratio" if "rate_ratio" in frame.columns and frame["rate_ratio"].notna().all() else "estimate"
    if scale == "rate_ratio":
        est, low, high, ref = "rate_ratio", "rr_ci_low", "rr_ci_high", 1.0
    elif scale == "estimate":
        est, low, high, ref = "estimate", "ci_low", "ci_high", 0.0
    else:
        raise ValueError("scale must be 'rate_ratio' or 'estimate'")
    if terms is None:
        terms = [t for t in dict.fromkeys(frame["term"]) if t != "Intercept"]
    terms = list(terms)
    models = list(dict.fromkeys(frame["model"]))
    frame = frame[frame["term"].isin(terms)]

    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(terms) * max(1, len(models)) ** 0.5 + 1.2))
    height = 0.7
    step = height / max(1, len(models))
    for k, model in enumerate(models):
        rows = frame[frame["model"] == model].set_index("term").reindex(terms)
        y = np.arange(len(terms))[::-1] + (k - (len(models) - 1) / 2) * step * -1
        ax.errorbar(rows[est], y, xerr=[rows[est] - rows[low], rows[high] - rows[est]],
                    fmt="o", ms=4, capsize=2, lw=1, label=model)
    ax.axvline(ref, color="0.5", lw=0.8, ls="--", zorder=0)
    ax.set_yticks(np.arange(len(terms))[::-1])
    ax.set_yticklabels(terms)
    if scale == "rate_ratio":
        ax.set_xscale("log")
    ax.set_xlabel(xlabel or ("rate ratio (95% CI)" if scale == "rate_ratio" else "coefficient (95% CI)"))
    if len(models) > 1:
        ax.legend(frameon=False, fontsize="small")
    return ax
