"""Chapter 10's plumbing: the care-rate panel 2012-2025 on the 2017 geography, and later windows.

- 2012-2017: DfE's published rates (2017 release for 2013-2017, 2016 release for 2012:
  ``cla_rates``), the unrounded counts of each year's underlying file (``cla_counts``) and
  the ONS mid-(year-1) population aged 0-17 (``population``). Where ONS is suppressed
  (Bournemouth, Poole, Dorset) or absent (2012: no mid-2011 estimate here) the population
  is the one *implied* by DfE's own rate: count / rate x 10,000.
- 2018-2025: the explore-education-statistics editions (2018-2022, 2020-2024, 2021-2025);
  where editions overlap, the **latest edition wins** (it carries rebased populations).
- Every year on the panel units of :mod:`carerates.geography`.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .errors import DataError
from .geography import to_units, unit_of
from .io import parse_numbers, read_csv, require_columns
from .sources import cla

#: Region names as chapter 10 uses them (the ten of DfE's tables, London split).
AREA_ALIASES = {"Yorkshire and the Humber": "Yorkshire and The Humber"}


def early_council_rows(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """2012-2017 per 2017 council: ``gss, year, cla_count, population, rate, population_source``."""
    rates = tables["cla_rates"][["gss", "year", "rate_per_10k"]]
    counts = tables["cla_counts"][["gss", "year", "cla_unrounded"]]
    pop = tables["population"]
    pop = pop[pop["gss"] != "E92000001"].assign(year=lambda f: f["mid_year"] + 1)[["gss", "year", "population_0_17"]]
    rows = rates.merge(counts, on=["gss", "year"], how="left").merge(pop, on=["gss", "year"], how="left")
    implied = 1e4 * rows["cla_unrounded"] / rows["rate_per_10k"].where(rows["rate_per_10k"] > 0)
    source = np.where(rows["population_0_17"].notna(), "ONS mid-year", "implied by DfE's rate")
    rows["population_source"] = np.where(rows["population_0_17"].isna() & implied.isna(), "none", source)
    rows["population"] = rows["population_0_17"].fillna(implied)
    return rows.rename(columns={"cla_unrounded": "cla_count", "rate_per_10k": "rate"})[
        ["gss", "year", "cla_count", "population", "rate", "population_source"]]


def later_council_rows(las: pd.DataFrame, editions: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """2018-2025 per council (2017 councils and successors), latest edition winning.

    Returns the rows (``gss, year, cla_count, population, rate, edition``) and the
    overlaps: one row per year and pair of editions that both publish it, with how many
    councils' rates and populations differ (councils matched by their own code).
    """
    editions = editions or cla.LATER_EDITIONS
    frames = [cla.read_later_rates(paths.raw(p), e, las, successors=True) for e, p in editions.items()]
    every = pd.concat(frames, ignore_index=True)
    every = every[every[["cla_number", "rate_per_10k", "population_0_17"]].notna().any(axis=1)]
    every = every.rename(columns={"cla_number": "cla_count", "population_0_17": "population",
                                  "rate_per_10k": "rate"})
    # The latest edition covering a unit-year supplies all of it: an older edition may list the
    # same area under the 2017 code (North Yorkshire, Somerset) and a newer one under the new code.
    unit = every["gss"].map(unit_of)
    newest = every.groupby([unit, every["year"]])["edition"].transform("max")
    latest = every[every["edition"] == newest].drop_duplicates(["gss", "year"], keep="last")
    overlaps = []
    by_edition = {name: every[every["edition"] == name] for name in sorted(editions)}
    for year, first, second, a, b in cla.edition_overlaps(by_edition):
        ra, rb = a["rate"], b["rate"]
        pa, pb = a["population"], b["population"]
        overlaps.append({
            "year": year, "earlier_edition": first, "later_edition": second,
            "councils": len(a),
            "rate_differs": int((~np.isclose(ra, rb, equal_nan=True)).sum()),
            "population_differs": int((~np.isclose(pa, pb, equal_nan=True)).sum()),
            "largest_rate_change": float(np.nanmax(np.abs(ra.to_numpy() - rb.to_numpy()))),
            "edition_used": second,
        })
    return latest[latest["year"] >= 2018].reset_index(drop=True), pd.DataFrame(overlaps)


def cla_units(tables: dict[str, pd.DataFrame], las: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The panel 2012-2025 on the units: ``unit, year, cla_count, population, rate, rule, members,
    source`` and the editions' overlaps (:func:`later_council_rows`)."""
    known = set(las["gss"])
    early = early_council_rows(tables)
    later, overlaps = later_council_rows(las)
    parts = []
    for frame, source in ((early, "2016/2017 releases"), (later, "explore-education-statistics")):
        units = to_units(frame, ["cla_count", "population"], rate="rate", population="population", known=known,
                         path=paths.raw("cla"))
        units["source"] = source
        parts.append(units)
    panel = pd.concat(parts, ignore_index=True).sort_values(["unit", "year"], ignore_index=True)
    if panel.duplicated(["unit", "year"]).any():
        raise DataError(paths.raw("cla"), "a unit-year comes from both the releases and the editions")
    return panel, overlaps


def read_area_rates(path: str | Path, edition: str) -> pd.DataFrame:
    """England and region rows of one edition: ``area, year, cla_count, population, rate, edition``."""
    raw = read_csv(path, encoding="utf-8-sig")
    if "population_type" not in raw.columns and "population_count" in raw.columns:
        raw = raw.rename(columns={"population_count": "population_type", "number": "children_count"})
    require_columns(raw, ["time_period", "geographic_level", "region_name", "population_type",
                          "population_estimate", "children_count", "rate_per_10000"], path)
    rows = raw[raw["geographic_level"].isin(["National", "Regional"])
               & raw["population_type"].str.contains("31 March", regex=False)].copy()
    if rows.empty:
        raise DataError(path, "no National or Regional rows of children looked after at 31 March")
    area = np.where(rows["geographic_level"] == "National", "England", rows["region_name"].str.strip())
    out = pd.DataFrame({
        "area": pd.Series(area).replace(AREA_ALIASES).to_numpy(),
        "year": rows["time_period"].astype(int).to_numpy(),
        "cla_count": parse_numbers(rows["children_count"], path, "children_count").to_numpy(),
        "population": parse_numbers(rows["population_estimate"], path, "population_estimate").to_numpy(),
        "rate": parse_numbers(rows["rate_per_10000"], path, "rate_per_10000").to_numpy(),
    })
    out["edition"] = edition
    return out


def area_series(tables: dict[str, pd.DataFrame], editions: dict[str, str] | None = None) -> pd.DataFrame:
    """England and regions 2012-2025: ``area, year, rate, source`` (releases to 2017, latest edition after)."""
    editions = editions or cla.LATER_EDITIONS
    early = tables["cla_area_rates"].rename(columns={"rate_per_10k": "rate", "release": "source"})
    early = early[["area", "year", "rate", "source"]]
    later = pd.concat([read_area_rates(paths.raw(p), e) for e, p in editions.items()], ignore_index=True)
    later = later.sort_values(["area", "year", "edition"]).groupby(["area", "year"], as_index=False).last()
    later = later[later["year"] >= 2018].rename(columns={"edition": "source"})[["area", "year", "rate", "source"]]
    later["source"] = "EES " + later["source"]
    out = pd.concat([early, later], ignore_index=True)
    return out.sort_values(["area", "year"], ignore_index=True)


# ----------------------------------------------------------------------------- analysis helpers

def unit_flags(flags: pd.Series, las: pd.DataFrame) -> pd.Series:
    """A 0/1 flag per 2017 council (index gss) per panel unit: 1 if every member council is
    flagged, 0 if none is, NaN if they differ (e.g. Innovation funding of Bournemouth, Poole
    and Dorset)."""
    from .geography import unit_of

    frame = pd.DataFrame({"flag": flags.astype(float)})
    frame["unit"] = frame.index.map(unit_of)
    grouped = frame.groupby("unit")["flag"]
    out = grouped.mean()
    return out.where(out.isin([0.0, 1.0])).rename("flag")


#: Verdicts of :func:`held`.
VERDICTS = ("held", "reversed", "weakened", "emerged", "none in either")


def held(study_p: float, study_sign: int, later_p: float, later_sign: int, alpha: float = 0.05) -> str:
    """Did a 2012-2017 association hold in a later window?

    - study significant, later significant in the same direction: "held";
    - study significant, later significant in the opposite direction: "reversed";
    - study significant, later not: "weakened" (not significant any more);
    - study not significant, later significant: "emerged";
    - neither significant: "none in either". NaN p-values give "not tested".
    """
    if not (np.isfinite(study_p) and np.isfinite(later_p)):
        return "not tested"
    before, after = study_p < alpha, later_p < alpha
    if before and after:
        return "held" if np.sign(study_sign) == np.sign(later_sign) else "reversed"
    if before:
        return "weakened"
    return "emerged" if after else "none in either"


def trend_pattern(change_before: float, change_after: float) -> str:
    """The shape of an LA's rate across two periods from its average yearly changes."""
    if not (np.isfinite(change_before) and np.isfinite(change_after)):
        return "not known"
    up_before, up_after = change_before > 0, change_after > 0
    if up_before and up_after:
        return "rose, kept rising"
    if not up_before and not up_after:
        return "fell or flat, kept falling"
    return "fell or flat, then rose" if up_after else "rose, then fell or flat"


def poisson_fe(frame: pd.DataFrame, outcome: str, terms: list[str], entity: str, time: str,
               exposure: str, max_iter: int = 100, tol: float = 1e-10) -> pd.DataFrame:
    """Poisson regression of a count with entity and time fixed effects, the exposure as offset and
    errors clustered by entity: ``term, estimate, se, z, p_value, ci_low, ci_high, n_obs, n_entities``
    for ``terms`` (log rate ratios).

    The entity effects are concentrated out (the Poisson fixed-effects estimator equals the
    conditional multinomial MLE, Hausman, Hall & Griliches 1984), so only the slopes and the
    time dummies are iterated by Newton's method: the same slopes as a GLM with entity
    dummies, in a fraction of the time. Cluster-robust covariance: the sandwich of the
    entity score sums with the small-sample factor G/(G-1) (the entity effects are nested in
    the clusters, so they are not counted in K; Cameron & Miller 2015). Rows with a missing
    value are dropped; entities with one row or no events carry no information and are dropped.
    """
    from scipy import stats as sps

    data = frame.dropna(subset=[outcome, exposure, *terms]).copy()
    data = data[data[exposure] > 0]
    sizes = data.groupby(entity)[outcome].transform("size")
    totals = data.groupby(entity)[outcome].transform("sum")
    data = data[(sizes >= 2) & (totals > 0)].sort_values([entity, time])
    years = sorted(data[time].unique())
    dummies = pd.get_dummies(data[time], prefix="year", dtype=float).iloc[:, 1:]
    X = np.column_stack([data[terms].to_numpy(float), dummies.to_numpy()])
    y = data[outcome].to_numpy(float)
    offset = np.log(data[exposure].to_numpy(float))
    groups = pd.factorize(data[entity], sort=True)[0]
    n_groups = groups.max() + 1
    y_tot = np.bincount(groups, weights=y, minlength=n_groups)
    beta = np.zeros(X.shape[1])

    def pieces(b):
        eta = X @ b + offset
        eta = eta - pd.Series(eta).groupby(groups).transform("max").to_numpy()
        w = np.exp(eta)
        p = w / np.bincount(groups, weights=w, minlength=n_groups)[groups]
        resid = y - y_tot[groups] * p
        scores = np.zeros((n_groups, X.shape[1]))
        np.add.at(scores, groups, X * resid[:, None])
        xbar = np.zeros((n_groups, X.shape[1]))
        np.add.at(xbar, groups, X * p[:, None])
        centred = X - xbar[groups]
        hessian = -(centred * (y_tot[groups] * p)[:, None]).T @ centred
        return scores, hessian

    for _ in range(max_iter):
        scores, hessian = pieces(beta)
        step = np.linalg.solve(hessian, scores.sum(axis=0))
        beta = beta - step
        if np.max(np.abs(step)) < tol:
            break
    else:
        raise RuntimeError("poisson_fe: Newton's method did not converge")
    scores, hessian = pieces(beta)
    bread = np.linalg.inv(hessian)
    cov = bread @ (scores.T @ scores) @ bread * n_groups / (n_groups - 1)
    se = np.sqrt(np.diag(cov))[: len(terms)]
    est = beta[: len(terms)]
    z = est / se
    q = sps.norm.ppf(0.975)
    return pd.DataFrame({"term": terms, "estimate": est, "se": se, "z": z,
                         "p_value": 2 * sps.norm.sf(np.abs(z)), "ci_low": est - q * se, "ci_high": est + q * se,
                         "n_obs": len(data), "n_entities": int(n_groups), "n_periods": len(years)})


def rank_biserial_ci(u_group: float, n_group: int, n_other: int, z: float,
                     level: float = 0.95) -> tuple[float, float, float]:
    """The rank-biserial r of a Mann-Whitney test (positive when the group ranks higher) with a Wald
    CI from the normal approximation of U: r = 2 U_group / (n1 n2) - 1 is linear in U, so its SE is
    2 SD(U) / (n1 n2), and SD(U) = |U_group - n1 n2 / 2| / |z| (the tie-corrected SD the test used)."""
    from scipy import stats as sps

    product = n_group * n_other
    r = 2 * u_group / product - 1
    if not np.isfinite(z) or z == 0:
        return float(r), np.nan, np.nan
    sd_u = abs(u_group - product / 2) / abs(z)
    half = sps.norm.ppf(0.5 + level / 2) * 2 * sd_u / product
    return float(r), float(max(-1.0, r - half)), float(min(1.0, r + half))


def difference_ci(study: tuple[float, float, float], later: tuple[float, float, float]) -> tuple[float, float, float]:
    """The later estimate minus the study's, with a 95% CI by Zou's (2007) method from each
    estimate's own CI (``(estimate, ci_low, ci_high)``; for correlations the CIs are asymmetric,
    Fisher's z). The two samples are treated as independent; they share most LAs, whose values are
    positively correlated over time, so the interval is wider than an exact one (conservative)."""
    r1, l1, u1 = (float(v) for v in later)
    r2, l2, u2 = (float(v) for v in study)
    d = r1 - r2
    if not all(np.isfinite([r1, l1, u1, r2, l2, u2])):
        return d, np.nan, np.nan
    low = d - np.sqrt((r1 - l1) ** 2 + (u2 - r2) ** 2)
    high = d + np.sqrt((u1 - r1) ** 2 + (r2 - l2) ** 2)
    return float(d), float(low), float(high)


def comparison(study_effect: float, later_effect: float, diff_low: float, diff_high: float) -> str:
    """How a later estimate compares with the study's, judged by the interval of their difference
    (never by p < .05 in one and not the other): "no clear change" when the interval includes 0;
    otherwise "reversed" (the estimates have opposite signs), "stronger" or "weaker"."""
    if not (np.isfinite(diff_low) and np.isfinite(diff_high)):
        return "not tested"
    if diff_low <= 0 <= diff_high:
        return "no clear change"
    if np.sign(study_effect) != np.sign(later_effect) and study_effect != 0 and later_effect != 0:
        return "reversed"
    return "stronger" if abs(later_effect) > abs(study_effect) else "weaker"


def within_sd(frame: pd.DataFrame, column: str, entity: str, time: str) -> float:
    """The SD of ``column`` after removing each entity's mean and each period's mean (one pass of
    two-way demeaning, exact for a balanced panel): the size of a typical movement *within* an
    entity, the step a fixed-effects slope should be scaled by (not the spread between entities)."""
    x = frame[column].astype(float)
    resid = (x - x.groupby(frame[entity]).transform("mean") - x.groupby(frame[time]).transform("mean") + x.mean())
    return float(resid.std())
