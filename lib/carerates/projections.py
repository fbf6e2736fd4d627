"""Chapter 12: projections of children looked after, a rolling-origin backtest and calibration.

Every method forecasts, from an origin year t, horizons h = 1..H with a 95% prediction
interval, using only the years up to t. The rules are fixed in ``docs/analysis_plan.md``
(chapter 12).

- :class:`Series`: counts (and child populations) of one or more areas by year, one row per
  area; :meth:`Series.upto` keeps the years up to an origin (a copy).
- :func:`forecast`: one method from one origin. It slices the data to the years up to the
  origin *before* any method sees it, so no forecast can read a later year.
- :func:`backtest`: every origin x method (x area) -> one row per forecast with its outcome.
- :func:`score`: MAPE, bias and 95% coverage per method, level, origin and horizon (and pooled).
- :func:`calibration` / :func:`calibrate`: the factor k_h that stretches each side of an interval
  so that 95% of the backtest's outcomes fall inside it.
- :func:`pick`: the best method by the plan's rule.
- Profiles: :func:`profile_sentences`, :func:`profile_table`, :func:`plot_profile` read
  ``figures/table_12c_forecast.csv`` and ``table_12a_backtest.csv``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats as scipy_stats

from .errors import DataError

Z95 = float(scipy_stats.norm.ppf(0.975))

#: Every method, in the plan's order (ties go to the one listed first). ``window``: years read
#: (None: every year from the first); ``needs``: "count", "rate" (counts and populations) or
#: "las" (the LA panel beside England's series).
METHODS = {
    "no_change": dict(window=5, needs="count"),
    "linear_5": dict(window=5, needs="count"),
    "linear_10": dict(window=10, needs="count"),
    "growth_5": dict(window=5, needs="count"),
    "growth_10": dict(window=10, needs="count"),
    "arima_drift": dict(window=None, needs="count"),
    "rate_5": dict(window=5, needs="rate"),
    "rate_5_pop_trend": dict(window=5, needs="rate"),
    "sum_la_linear_5": dict(window=5, needs="las"),
}
#: The candidates of the plan's rule at each level (national: those backtested at every origin 2003-2020).
NATIONAL_CANDIDATES = ["no_change", "linear_5", "linear_10", "growth_5", "growth_10", "arima_drift"]
LA_METHODS = ["no_change", "linear_5", "growth_5", "rate_5", "rate_5_pop_trend"]

#: Words for each method (tables keep the codes).
LABELS = {
    "no_change": "last count held",
    "linear_5": "linear trend, last 5 years",
    "linear_10": "linear trend, last 10 years",
    "growth_5": "constant growth, last 5 years",
    "growth_10": "constant growth, last 10 years",
    "arima_drift": "ARIMA(0,1,0) with drift, log count since 1994",
    "rate_5": "rate trend (5 years) x child population held",
    "rate_5_pop_trend": "rate trend (5 years) x child population trended",
    "sum_la_linear_5": "sum of LA linear trends (5 years)",
}


@dataclass(frozen=True)
class Series:
    """Counts by area and year: ``counts[i, j]`` is area ``areas[i]`` in ``years[j]`` (NaN: missing).

    ``population``: the child population of the same cells, or None.
    """

    areas: tuple
    years: np.ndarray
    counts: np.ndarray
    population: np.ndarray | None = None
    name: str = field(default="series", compare=False)

    def __post_init__(self):
        years = np.asarray(self.years, dtype=int)
        counts = np.atleast_2d(np.asarray(self.counts, dtype=float))
        if counts.shape != (len(self.areas), len(years)):
            raise DataError(self.name, f"counts of shape {counts.shape} for {len(self.areas)} areas x "
                                       f"{len(years)} years")
        if np.any(np.diff(years) != 1):
            raise DataError(self.name, "years must be consecutive and increasing")
        object.__setattr__(self, "years", years)
        object.__setattr__(self, "counts", counts)
        if self.population is not None:
            pop = np.atleast_2d(np.asarray(self.population, dtype=float))
            if pop.shape != counts.shape:
                raise DataError(self.name, "population and counts differ in shape")
            object.__setattr__(self, "population", pop)

    @classmethod
    def from_long(cls, frame: pd.DataFrame, area: str, year: str, count: str, population: str | None = None,
                  name: str = "series") -> "Series":
        """From a long table (one row per area and year); missing cells become NaN."""
        if frame.duplicated([area, year]).any():
            raise DataError(name, "an area and year listed twice")
        years = np.arange(int(frame[year].min()), int(frame[year].max()) + 1)
        wide = frame.pivot(index=area, columns=year, values=count).reindex(columns=years)
        pop = None
        if population is not None:
            pop = frame.pivot(index=area, columns=year, values=population).reindex(index=wide.index,
                                                                                 columns=years).to_numpy(float)
        return cls(tuple(wide.index), years, wide.to_numpy(float), pop, name)

    def upto(self, origin: int) -> "Series":
        """A copy holding only the years up to ``origin`` (which must be a year of the series)."""
        if origin not in set(self.years.tolist()):
            raise DataError(self.name, f"origin {origin} is not a year of the series "
                                       f"({self.years.min()}-{self.years.max()})")
        keep = self.years <= origin
        pop = None if self.population is None else self.population[:, keep].copy()
        return Series(self.areas, self.years[keep].copy(), self.counts[:, keep].copy(), pop, self.name)

    def window(self, k: int | None, values: np.ndarray | None = None) -> np.ndarray | None:
        """The last ``k`` years of ``values`` (default the counts), or None if the series is shorter."""
        values = self.counts if values is None else values
        if k is None:
            return values
        if values.shape[1] < k:
            return None
        return values[:, -k:]


# ----------------------------------------------------------------------------- the methods

def ols_trend(values: np.ndarray, horizons: np.ndarray, level: float = 0.95):
    """Row-wise OLS of ``values`` (areas x k years) on the year, extrapolated ``horizons`` years
    past the last: forecast and the prediction interval of a new observation (t with k-2 df).

    Rows with a missing value give NaN. Returns three arrays (areas x horizons).
    """
    y = np.asarray(values, dtype=float)
    k = y.shape[1]
    x = np.arange(k, dtype=float)
    xc = x - x.mean()
    sxx = float(xc @ xc)
    mean = y.mean(axis=1, keepdims=True)
    slope = ((y - mean) @ xc / sxx)[:, None]
    resid = y - mean - slope * xc
    s2 = (resid ** 2).sum(axis=1, keepdims=True) / (k - 2)
    x0 = (k - 1 + np.asarray(horizons, dtype=float))[None, :] - x.mean()
    fit = mean + slope * x0
    se = np.sqrt(s2 * (1 + 1 / k + x0 ** 2 / sxx))
    t = scipy_stats.t.ppf(0.5 + level / 2, k - 2)
    return fit, fit - t * se, fit + t * se


def no_change(values: np.ndarray, horizons: np.ndarray):
    """The last value held; interval +/- 1.96 x RMS of the window's annual changes x sqrt(h)."""
    y = np.asarray(values, dtype=float)
    rms = np.sqrt(np.mean(np.diff(y, axis=1) ** 2, axis=1, keepdims=True))
    h = np.asarray(horizons, dtype=float)[None, :]
    fit = np.repeat(y[:, -1:], h.shape[1], axis=1)
    half = Z95 * rms * np.sqrt(h)
    return fit, fit - half, fit + half


def drift(values: np.ndarray, horizons: np.ndarray):
    """ARIMA(0,1,0) with drift on the log of ``values`` (rows: areas; every year given), by its
    maximum-likelihood estimates: drift = mean log change, sigma^2 = mean squared deviation of
    the changes. Interval: +/- 1.96 sigma sqrt(h) on the log scale (drift treated as known, as
    statsmodels' ARIMA does), exponentiated."""
    logs = np.log(np.asarray(values, dtype=float))
    changes = np.diff(logs, axis=1)
    mu = changes.mean(axis=1, keepdims=True)
    sigma = np.sqrt(((changes - mu) ** 2).mean(axis=1, keepdims=True))
    h = np.asarray(horizons, dtype=float)[None, :]
    centre = logs[:, -1:] + h * mu
    half = Z95 * sigma * np.sqrt(h)
    return np.exp(centre), np.exp(centre - half), np.exp(centre + half)


def _rate_method(history: Series, horizons: np.ndarray, k: int, population: str):
    counts, pop = history.window(k), history.window(k, history.population)
    if counts is None or pop is None:
        return None
    rate = 1e4 * counts / pop
    fit, low, high = ols_trend(rate, horizons)
    if population == "held":
        future = np.repeat(pop[:, -1:], len(horizons), axis=1)
    else:
        future = ols_trend(pop, horizons)[0]
    return fit * future / 1e4, low * future / 1e4, high * future / 1e4


def _method(name: str, history: Series, horizons: np.ndarray, las: Series | None = None):
    """One method on a history that already ends at the origin; None if its window is not there."""
    spec = METHODS[name]
    if spec["needs"] == "rate":
        if history.population is None:
            return None
        return _rate_method(history, horizons, spec["window"], "held" if name == "rate_5" else "trend")
    if spec["needs"] == "las":
        if las is None or las.years[-1] != history.years[-1]:
            return None
        parts = _method("linear_5", las, horizons)
        if parts is None:
            return None
        fit, low, high = (np.clip(p, 0, None) for p in parts)
        usable = np.isfinite(fit).all(axis=1)
        rest = history.counts[:, -1:] - np.nansum(np.where(usable, las.counts[:, -1], np.nan))
        total = fit[usable].sum(axis=0)[None, :] + rest
        up = np.sqrt(((high - fit)[usable] ** 2).sum(axis=0))[None, :]
        down = np.sqrt(((fit - low)[usable] ** 2).sum(axis=0))[None, :]
        return total, total - down, total + up
    values = history.window(spec["window"])
    if values is None:
        return None
    if name == "no_change":
        return no_change(values, horizons)
    if name.startswith("linear"):
        return ols_trend(values, horizons)
    if name.startswith("growth"):
        fit, low, high = ols_trend(np.log(values), horizons)
        return np.exp(fit), np.exp(low), np.exp(high)
    if name == "arima_drift":
        return drift(values, horizons)
    raise ValueError(f"unknown method {name!r}")


def _forecast_arrays(name: str, series: Series, origin: int, horizons: np.ndarray, las: Series | None):
    """(fit, low, high) arrays (areas x horizons) of method ``name`` from ``origin``, or None.

    The only place a method is called: the series (and ``las``) are cut at the origin first.
    """
    if name not in METHODS:
        raise ValueError(f"unknown method {name!r}; known: {list(METHODS)}")
    history = series.upto(origin)
    las_history = las.upto(origin) if las is not None and origin in set(las.years.tolist()) else None
    parts = _method(name, history, horizons, las_history)
    if parts is None:
        return None
    return tuple(np.clip(p, 0, None) for p in parts)


def forecast(name: str, series: Series, origin: int, horizons=(1, 2, 3, 4, 5),
             las: Series | None = None) -> pd.DataFrame:
    """Method ``name`` from ``origin``: ``area, origin, horizon, year, forecast, pi95_low, pi95_high``.

    The series (and ``las``, for ``sum_la_linear_5``) are cut at the origin here, before the
    method is called: the method receives no year after it. Areas whose window has a missing
    value get NaN; a method whose window reaches before the series' first year returns no rows.
    Forecasts and lower limits below zero are set to zero.
    """
    horizons = np.asarray(horizons, dtype=int)
    parts = _forecast_arrays(name, series, origin, horizons, las)
    if parts is None:
        return pd.DataFrame(columns=["area", "origin", "horizon", "year", "forecast", "pi95_low", "pi95_high"])
    fit, low, high = parts
    n_areas = fit.shape[0]
    return pd.DataFrame({
        "area": np.repeat(np.asarray(series.areas, dtype=object), len(horizons)),
        "origin": origin,
        "horizon": np.tile(horizons, n_areas),
        "year": origin + np.tile(horizons, n_areas),
        "forecast": fit.ravel(), "pi95_low": low.ravel(), "pi95_high": high.ravel(),
    })


# ----------------------------------------------------------------------------- the backtest

def backtest(series: Series, methods, origins, horizons=(1, 2, 3, 4, 5), level: str = "national",
             las: Series | None = None) -> pd.DataFrame:
    """Every method from every origin, with the outcome: ``method, level, area, origin, horizon,
    year, forecast, pi95_low, pi95_high, actual`` (forecasts with no outcome in the series or no
    forecast are dropped). Each forecast comes from :func:`_forecast_arrays`, which cuts the
    series at its origin; the outcomes are looked up afterwards."""
    horizons = np.asarray(horizons, dtype=int)
    n_areas = len(series.areas)
    area_index = np.repeat(np.arange(n_areas), len(horizons))
    columns = {k: [] for k in ("method", "area", "origin", "horizon", "forecast", "pi95_low", "pi95_high")}
    for name in methods:
        for origin in origins:
            parts = _forecast_arrays(name, series, origin, horizons, las)
            if parts is None:
                continue
            columns["method"].append(np.full(area_index.size, name, dtype=object))
            columns["area"].append(area_index)
            columns["origin"].append(np.full(area_index.size, origin))
            columns["horizon"].append(np.tile(horizons, n_areas))
            for key, values in zip(("forecast", "pi95_low", "pi95_high"), parts):
                columns[key].append(values.ravel())
    if not columns["method"]:
        raise DataError(series.name, "no method could forecast from any origin")
    out = pd.DataFrame({k: np.concatenate(v) for k, v in columns.items()})
    out["year"] = out["origin"] + out["horizon"]
    column = out["year"].to_numpy() - series.years[0]
    inside = column < len(series.years)
    actual = np.full(len(out), np.nan)
    actual[inside] = series.counts[out["area"].to_numpy()[inside], column[inside]]
    out["actual"] = actual
    out["area"] = np.asarray(series.areas, dtype=object)[out["area"].to_numpy()]
    out = out[np.isfinite(out["forecast"]) & np.isfinite(out["actual"])].reset_index(drop=True)
    out.insert(1, "level", level)
    return out[["method", "level", "area", "origin", "horizon", "year", "forecast", "pi95_low", "pi95_high",
                "actual"]]


def score(records: pd.DataFrame) -> pd.DataFrame:
    """``method, level, origin, horizon, n, mape, bias, coverage_95, median_ape`` per origin and pooled
    (origin "all"), over the scored forecasts (outcome > 0). Percentages (MAPE, bias) and a share."""
    rec = records[records["actual"] > 0].copy()
    rec["pe"] = 100 * (rec["forecast"] - rec["actual"]) / rec["actual"]
    rec["ape"] = rec["pe"].abs()
    rec["inside"] = ((rec["actual"] >= rec["pi95_low"]) & (rec["actual"] <= rec["pi95_high"])).astype(float)

    def summarise(frame, keys):
        grouped = frame.groupby(keys, sort=False)
        return grouped.agg(n=("ape", "size"), mape=("ape", "mean"), bias=("pe", "mean"),
                           coverage_95=("inside", "mean"), median_ape=("ape", "median")).reset_index()

    by_origin = summarise(rec, ["method", "level", "origin", "horizon"])
    by_origin["origin"] = by_origin["origin"].astype(int).astype(str)
    pooled = summarise(rec, ["method", "level", "horizon"])
    pooled.insert(2, "origin", "all")
    out = pd.concat([by_origin, pooled], ignore_index=True)
    order = {m: i for i, m in enumerate(METHODS)}
    out["_m"] = out["method"].map(order)
    out["_o"] = out["origin"].map(lambda o: 9999 if o == "all" else int(o))
    out = out.sort_values(["level", "_m", "_o", "horizon"], ignore_index=True).drop(columns=["_m", "_o"])
    out["n"] = out["n"].astype(int)
    return out[["method", "level", "origin", "horizon", "n", "mape", "bias", "coverage_95", "median_ape"]]


def pick(scores: pd.DataFrame, candidates, level: str, origins=None, digits: int = 3) -> tuple[str, pd.Series]:
    """The plan's best method: the lowest mean over horizons of the MAPE pooled over ``origins``
    (default: every origin scored), among ``candidates``; ties at ``digits`` significant digits go
    to the candidate listed first. Returns the name and every candidate's mean MAPE."""
    rows = scores[(scores["level"] == level) & (scores["origin"] != "all") & scores["method"].isin(candidates)]
    if origins is not None:
        rows = rows[rows["origin"].astype(int).isin(list(origins))]
    if rows.empty:
        raise ValueError(f"no scores for {level} among {candidates}")
    # pooled MAPE per horizon over the chosen origins: weight each origin by its n
    weighted = rows.assign(total=rows["mape"] * rows["n"]).groupby(["method", "horizon"])[["total", "n"]].sum()
    per_horizon = weighted["total"] / weighted["n"]
    mean_mape = per_horizon.groupby("method").mean().reindex(candidates).dropna()
    rounded = mean_mape.map(lambda v: float(f"{v:.{digits}g}"))
    best = rounded[rounded == rounded.min()].index[0]
    return best, mean_mape


def interval_ratio(forecast_, low, high, actual) -> np.ndarray:
    """The error as a multiple of the interval's half-width on the side the outcome fell (<= 1: inside)."""
    f, lo, hi, a = (np.asarray(v, dtype=float) for v in (forecast_, low, high, actual))
    above = a >= f
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(above, (a - f) / (hi - f), (f - a) / (f - lo))
    return np.where((a == f), 0.0, ratio)


def calibration(records: pd.DataFrame, quantile: float = 0.95) -> pd.DataFrame:
    """Per method, level and horizon: ``n``, ``k`` (the ``quantile`` of :func:`interval_ratio` over
    the backtest forecasts, numpy's linear interpolation) and ``coverage_model`` (share with ratio
    <= 1: the model intervals' coverage)."""
    rec = records[records["actual"] > 0].copy()
    rec["ratio"] = interval_ratio(rec["forecast"], rec["pi95_low"], rec["pi95_high"], rec["actual"])
    rows = []
    for (method, level, horizon), group in rec.groupby(["method", "level", "horizon"], sort=False):
        r = group["ratio"].to_numpy()
        rows.append({"method": method, "level": level, "horizon": int(horizon), "n": len(r),
                     "k": float(np.quantile(r, quantile)), "coverage_model": float(np.mean(r <= 1))})
    out = pd.DataFrame(rows)
    order = {m: i for i, m in enumerate(METHODS)}
    return (out.assign(_m=out["method"].map(order)).sort_values(["level", "_m", "horizon"], ignore_index=True)
               .drop(columns="_m"))


def calibrate(frame: pd.DataFrame, k) -> pd.DataFrame:
    """``frame`` (forecast, pi95_low, pi95_high) with each side of the interval stretched by ``k``
    (a number or an array aligned with the rows); the lower limit floored at zero."""
    out = frame.copy()
    k = np.asarray(k, dtype=float)
    f = out["forecast"].to_numpy(float)
    out["pi95_low"] = np.clip(f - k * (f - out["pi95_low"].to_numpy(float)), 0, None)
    out["pi95_high"] = f + k * (out["pi95_high"].to_numpy(float) - f)
    return out


def required_growth(start: float, target: float, years: int) -> float:
    """The constant annual growth (a fraction) that takes ``start`` to ``target`` in ``years``."""
    return (target / start) ** (1 / years) - 1


def span_growth(counts: pd.Series, years: int) -> pd.Series:
    """Compound annual growth over every span of ``years`` (index: the span's end year)."""
    values = counts.sort_index()
    later = values.iloc[years:]
    earlier = values.iloc[:-years].to_numpy()
    return pd.Series((later.to_numpy() / earlier) ** (1 / years) - 1, index=later.index, name="growth")


# ----------------------------------------------------------------------------- the LA profiles

#: Chapter 12's tables a profile reads (committed ``figures/``, whatever ``CARERATES_FIGURES`` says).
PROFILE_TABLES = {"forecast": "table_12c_forecast.csv", "backtest": "table_12a_backtest.csv",
                  "record": "table_12g_la_backtest.csv"}


@dataclass(frozen=True)
class ProfileTables:
    forecast: pd.DataFrame
    backtest: pd.DataFrame
    record: pd.DataFrame


def load_profile_tables(folder: Path | None = None) -> ProfileTables:
    """Chapter 12's forecast (12c), backtest scores (12a) and each LA's backtest record (12g)."""
    from . import paths

    folder = Path(folder or paths.FIGURES)
    frames = {}
    for key, name in PROFILE_TABLES.items():
        path = folder / name
        if not path.exists():
            raise DataError(path, "missing: run `make all` (chapter 12) first")
        frames[key] = pd.read_csv(path, dtype={"area": str, "origin": str})
    return ProfileTables(**frames)


def _unit(gss: str) -> str:
    from .geography import unit_of

    return unit_of(gss)


def profile_forecast(tables: ProfileTables, gss: str) -> pd.DataFrame:
    """The forecast rows of the LA's panel unit: ``year, forecast, pi95_low, pi95_high`` (counts)."""
    rows = tables.forecast[tables.forecast["area"] == _unit(gss)]
    return rows[["year", "forecast", "pi95_low", "pi95_high"]].sort_values("year").set_index("year")


def profile_table(tables: ProfileTables, gss: str) -> pd.DataFrame:
    """The forecast as a reader sees it: whole children, the interval in words."""
    rows = profile_forecast(tables, gss)
    return pd.DataFrame({"children looked after (forecast)": rows["forecast"].round().astype(int),
                         "95% interval (calibrated)": [f"{lo:,.0f} to {hi:,.0f}" for lo, hi in
                                                       zip(rows["pi95_low"], rows["pi95_high"])]},
                        index=rows.index.rename("31 March"))


def profile_sentences(tables: ProfileTables, gss: str, name: str) -> list[str]:
    """The LA's forecast to the last year and its backtest record, as sentences."""
    from .geography import BPD, BPD_NAME
    from .plots import official_name

    name = official_name(name)
    unit = _unit(gss)
    shared = "" if unit == gss else f" (counted with its neighbours as {BPD_NAME if unit == BPD else unit}, one area in every year)"
    rows = profile_forecast(tables, gss)
    record = tables.record[tables.record["area"] == unit]
    if rows.empty:
        why = ("a count in the years its method reads is missing" if len(record)
               else "it has no series in chapter 12's analysis")
        return [f"Chapter 12 makes no forecast for {name}{shared}: {why}."]
    method = tables.forecast.loc[tables.forecast["area"] == unit, "method"].iloc[0]
    last = rows.iloc[-1]
    words = [f"By the method that backtested best across LAs ({LABELS[method]}), {name}{shared} is forecast to "
             f"have {last['forecast']:,.0f} children looked after at 31 March {rows.index[-1]} (calibrated 95% "
             f"interval {last['pi95_low']:,.0f} to {last['pi95_high']:,.0f})."]
    if not record.empty:
        ape = 100 * (record["forecast"] - record["actual"]).abs() / record["actual"]
        inside = ((record["actual"] >= record["pi95_low"]) & (record["actual"] <= record["pi95_high"]))
        four = ape[record["horizon"] == 4]
        every = tables.backtest[(tables.backtest["level"] == "la") & (tables.backtest["method"] == method)
                                & (tables.backtest["origin"] == "all") & (tables.backtest["horizon"] == 4)]
        words.append(
            f"Backtested from {record['origin'].astype(int).min()}-{record['origin'].astype(int).max()}, the same "
            f"method's {len(record)} forecasts of this area's count 1-5 years ahead missed by {ape.mean():.1f}% on "
            f"average (at most {ape.max():.1f}%)"
            + (f"; four years ahead by {four.mean():.1f}%, against {every['mape'].iloc[0]:.1f}% for all LAs"
               if len(four) and len(every) else "")
            + f". Its model 95% interval held {int(inside.sum())} of {len(record)} outcomes; the interval above "
            "is widened by how wrong the method was across all LAs.")
    return words


def plot_profile(tables: ProfileTables, gss: str, name: str, ax=None):
    """The LA's counts in the backtest years and the forecast fan."""
    import matplotlib.pyplot as plt

    from .plots import official_name

    name = official_name(name)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.5, 3.8))
    unit = _unit(gss)
    record = tables.record[tables.record["area"] == unit]
    counted = record.drop_duplicates("year").set_index("year")["actual"].sort_index()
    rows = profile_forecast(tables, gss)
    if len(counted):
        ax.plot(counted.index, counted.to_numpy(), color="black", lw=2, marker="o", ms=3, label="counted (31 March)")
    if len(rows):
        start = [counted.index[-1]] if len(counted) else []
        base = [counted.iloc[-1]] if len(counted) else []
        years = [*start, *rows.index]
        ax.fill_between(years, [*base, *rows["pi95_low"]], [*base, *rows["pi95_high"]], color="C0", alpha=0.25, lw=0,
                        label="calibrated 95% interval")
        ax.plot(years, [*base, *rows["forecast"]], color="C0", lw=2, label="forecast")
    ax.set_xlabel("year ending 31 March")
    ax.set_ylabel("children looked after")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    ax.figure.subplots_adjust(left=0.11, right=0.98, bottom=0.14, top=0.9)
    ax.set_title(f"{name}: children looked after and the forecast to "
                 f"{int(rows.index.max()) if len(rows) else 'n/a'}", fontsize=10, loc="left")
    return ax


def profile_alt(tables: ProfileTables, gss: str, name: str) -> str:
    """Alt text of :func:`plot_profile`, with the numbers it shows."""
    from .plots import official_name

    name = official_name(name)
    rows = profile_forecast(tables, gss)
    if rows.empty:
        return f"Line chart of {name}'s count of children looked after; no forecast."
    last = rows.iloc[-1]
    return (f"Line chart of {name}'s count of children looked after in the backtest years and a fan to "
            f"{rows.index[-1]}: {last['forecast']:,.0f} (95% interval {last['pi95_low']:,.0f} to "
            f"{last['pi95_high']:,.0f}).")
