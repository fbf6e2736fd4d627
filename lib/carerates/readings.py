"""Every reading of the study's tests, beside the report's verdicts.

Each parameter that stands for a reading of the study (``docs/analysis_plan.md``, "Readings of
the study") has a default fixed by a written rule; :func:`collect` returns every test of the
study under every reading the chapters ran or that is computed here, one row per test and
reading:

``test, family, reading, parameters, is_default, n, statistic, effect, ci_low, ci_high, p_value,
significant, published_statistic, published_significance, same_direction, same_significance,
agrees``

- ``statistic`` is r_s (Spearman) or U (Mann-Whitney); ``effect`` the signed effect size on one
  scale, r_s or the rank-biserial r (negative: the funded LAs rank lower), with its 95% CI
  (Fisher z for r_s, 05's interval for the rank-biserial r).
- Readings are computed by library functions on the processed data where they are cheap
  (the low-income grid: snapshot offset x care-rate span x county estimates; the unit-cost
  grid: spend measure x children-in-need series x 2016 proxy x years required; every
  combination) and otherwise read from the tables the chapters wrote under their defaults
  (the workforce grid of 04, the Innovation thresholds of 05, the Ofsted grid of 07).
- ``agrees``: same significance at p < .05 as the report and, where it printed a signed
  statistic, the same direction.

:func:`headlines` counts, for the printed tests, how many agree under the defaults and how many
of each test's readings agree.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import paths, scorecard, stats
from .io import read_parquet

ALPHA = 0.05
COLUMNS = ["test", "family", "reading", "parameters", "is_default", "n", "statistic", "effect", "ci_low",
           "ci_high", "p_value", "significant", "published_statistic", "published_significance",
           "same_direction", "same_significance", "agrees"]

#: The defaults fixed by the rules of docs/analysis_plan.md ("Readings of the study"). The
#: chapters' parameters cells hold the same values; tests/test_readings.py checks that the
#: default rows reproduce associations.csv.
DEFAULTS = {
    "low_income_snapshot_offset": 0, "care_rate_span": "2010-2015", "county_estimates": "kept",
    "workforce_snapshot_offset": 0, "kingston_richmond_changes": "exclude",
    "innovation_threshold": "confirmed",
    "spend_measure": "net", "cin_series": "published", "lait_2016_proxy": True, "unit_cost_years": "all",
    "ofsted_frameworks": "SIF", "ofsted_cutoff": "2018-10-31",
}


def _params(**values) -> str:
    return "; ".join(f"{k}={v}" for k, v in values.items())


def _is_default(**values) -> bool:
    return all(DEFAULTS[k] == v for k, v in values.items())


def _spearman_row(test, family, reading, values, n, r, p) -> dict:
    low, high = stats.spearman_ci(r, int(n)) if np.isfinite(r) else (np.nan, np.nan)
    return {"test": test, "family": family, "reading": reading, "parameters": _params(**values),
            "is_default": _is_default(**values), "n": int(n), "statistic": float(r), "effect": float(r),
            "ci_low": low, "ci_high": high, "p_value": float(p)}


# --- low income (03): computed here, every combination ------------------------------------------
def poverty_grid(las: pd.DataFrame | None = None) -> list[dict]:
    """03's three tests under snapshot offset 0/1, and the long test also under each care-rate
    span (2010-2015, 2012-2015, 2012-2017) with county estimates kept or dropped."""
    from .las import load_las
    from .sources import cla, low_income as li

    las = load_las() if las is None else las
    rates = read_parquet(paths.processed("cla_rates.parquet"))
    raw = read_parquet(paths.processed("low_income.parquet"))
    rate_2010 = cla.computed_rate_2010(read_parquet(paths.processed("cla_counts.parquet")),
                                       read_parquet(paths.processed("population.parquet")))
    wide = (pd.concat([rates[["gss", "year", "rate_per_10k"]], rate_2010], ignore_index=True)
            .pivot(index="gss", columns="year", values="rate_per_10k"))
    rows = []
    for offset in (0, 1):
        panel = li.with_cla_year(raw, offset)
        short = li.period_summaries(panel, rates, las, (2012, 2015)).set_index("gss")
        for test, x, y in [("poverty_level_2012_2015", "low_income_level", "rate_level"),
                           ("poverty_change_2012_2015", "low_income_change", "rate_change")]:
            pair = short[[x, y]].dropna()
            r, p = _spearman(pair[x], pair[y])
            rows.append(_spearman_row(test, "low income", f"August snapshot -> rate year + {offset}",
                                      {"low_income_snapshot_offset": offset}, len(pair), r, p))
        long = li.period_summaries(panel, rates, las, (2007, 2015), rate_period=False).set_index("gss")
        for start, end in [(2010, 2015), (2012, 2015), (2012, 2017)]:
            change = ((wide[end] - wide[start]) / (end - start)).reindex(long.index)
            for counties in ("kept", "dropped"):
                keep = long.index if counties == "kept" else long.index[~long["estimated"].astype(bool)]
                pair = pd.DataFrame({"x": long.loc[keep, "low_income_change"], "y": change[keep]}).dropna()
                r, p = _spearman(pair["x"], pair["y"])
                values = {"low_income_snapshot_offset": offset, "care_rate_span": f"{start}-{end}",
                          "county_estimates": counties}
                rows.append(_spearman_row(
                    "poverty_change_2007_2015", "low income",
                    f"rate change {start}-{end}, county estimates {counties}, offset {offset}",
                    values, len(pair), r, p))
    return rows


def _spearman(x: pd.Series, y: pd.Series) -> tuple[float, float]:
    from scipy.stats import spearmanr
    result = spearmanr(x.to_numpy(float), y.to_numpy(float))
    return float(result.statistic), float(result.pvalue)


# --- the chapters' own tables ------------------------------------------------------------------
def workforce_grid(fig: scorecard.Figures) -> list[dict]:
    """04's five tests under snapshot offset x Kingston/Richmond (table_04b, every combination)."""
    table = fig.read("workforce_sensitivity")
    rows = []
    for r in table.itertuples():
        values = {"workforce_snapshot_offset": int(r.snapshot_offset),
                  "kingston_richmond_changes": r.kingston_richmond_changes}
        rows.append(_spearman_row(r.id, "workforce", r.variant.removeprefix("main: "), values, r.n, r.statistic,
                                  r.p_value))
    return rows


def innovation_thresholds(fig: scorecard.Figures) -> list[dict]:
    """05's two Mann-Whitney tests at each threshold of the compiled list (table_05a)."""
    table = fig.read("innovation_thresholds")
    rows = []
    for r in table.itertuples():
        test = "innovation_level_2012_2017" if r.outcome == "average rate" else "innovation_change_2012_2017"
        values = {"innovation_threshold": r.threshold}
        rows.append({"test": test, "family": "Innovation Programme", "reading": f"funded = {r.counted_as_funded}",
                     "parameters": _params(**values), "is_default": _is_default(**values), "n": int(r.n),
                     "statistic": float(r.u), "effect": float(r.rank_biserial),
                     "ci_low": float(r.rank_biserial_ci_low), "ci_high": float(r.rank_biserial_ci_high),
                     "p_value": float(r.p_value)})
    return rows


def unit_cost_grid(las: pd.DataFrame | None = None) -> list[dict]:
    """06's two tests under every combination of its four readings: net or gross spend, the
    published or revised children-in-need counts, LAIT's 2015 proxy for 2016 or not, and every
    year required or one missing year allowed (16 combinations; the eight cost series are
    summarised in one pass, keyed by series and LA, with the summaries 06 uses)."""
    from .las import analysis_las
    from .sources import finance
    from .summaries import average_change, average_level

    keep = set((analysis_las() if las is None else las.loc[~las["excluded"]])["gss"])
    spend = read_parquet(paths.processed("s251_social_work.parquet"))
    cin = read_parquet(paths.processed("children_in_need.parquet"))
    rates = read_parquet(paths.processed("cla_rates.parquet"))
    rates = rates[rates["gss"].isin(keep)]
    start, end = 2012, 2016
    costs = []
    for series in finance.CIN_SERIES:
        counts = finance.cin_counts(cin, series)
        for measure in finance.SPEND_MEASURES:
            for proxy in (True, False):
                cost = finance.weekly_unit_cost(spend, counts, measure, cin_column="cin",
                                                cin_year=finance.LAIT_CIN_YEAR if proxy else {},
                                                years=range(start, end + 1))
                cost = cost[cost["gss"].isin(keep)]
                costs.append(cost.assign(series=series, measure=measure, proxy=proxy,
                                         key=f"{series}|{measure}|{proxy}|" + cost["gss"]))
    stacked = pd.concat(costs, ignore_index=True)
    outcome = {"level": average_level(rates, "rate_per_10k", start, end),
               "change": average_change(rates, "rate_per_10k", start, end)}
    rows = []
    for years, min_years in (("all", None), ("one missing allowed", end - start - 1)):
        summaries = {"level": average_level(stacked, "unit_cost", start, end, min_years, key="key"),
                     "change": average_change(stacked, "unit_cost", start, end, min_years, key="key")}
        for (series, measure, proxy), part in stacked.groupby(["series", "measure", "proxy"], sort=False):
            values = {"spend_measure": measure, "cin_series": series, "lait_2016_proxy": bool(proxy),
                      "unit_cost_years": years}
            reading = (f"{measure} spend, {series} counts, {'2015 proxy' if proxy else 'own-year count'} "
                       f"for 2016, {'every year required' if years == 'all' else 'one year missing allowed'}")
            keys = part.drop_duplicates("gss").set_index("gss")["key"]
            for kind in ("level", "change"):
                x = summaries[kind].reindex(keys.to_numpy()).set_axis(keys.index)
                pair = pd.DataFrame({"x": x, "y": outcome[kind].reindex(keys.index)}).dropna()
                r, p = _spearman(pair["x"], pair["y"])
                rows.append(_spearman_row(f"unit_cost_{kind}_2012_2016", "unit cost", reading, values,
                                          len(pair), r, p))
    return rows


def ofsted_grid(fig: scorecard.Figures) -> list[dict]:
    """07's twelve tests under every framework x cut-off (table_07b)."""
    table = fig.read("ofsted_readings")
    rows = []
    for r in table.itertuples():
        values = {"ofsted_frameworks": r.frameworks, "ofsted_cutoff": str(r.cutoff)}
        rows.append(_spearman_row(r.id, "Ofsted", r.reading, values, r.n, r.statistic, r.p_value))
    return rows


# --- assembling ---------------------------------------------------------------------------------
def collect(fig: scorecard.Figures | None = None, published: pd.DataFrame | None = None,
            las: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every test under every reading, with the report's verdict beside it (see the module docstring)."""
    fig = scorecard.Figures() if fig is None else fig
    published = scorecard.read_published() if published is None else published
    rows = (poverty_grid(las) + workforce_grid(fig) + innovation_thresholds(fig) + unit_cost_grid(las)
            + ofsted_grid(fig))
    frame = pd.DataFrame(rows)
    frame["significant"] = frame["p_value"] < ALPHA
    values = published.set_index("id")["value"].astype(str).str.strip()
    stat = frame["test"].map(lambda t: values.get(f"{t}:statistic", ""))
    sig = frame["test"].map(lambda t: values.get(f"{t}:significance", ""))
    frame["published_statistic"] = pd.to_numeric(stat.replace("", np.nan), errors="coerce")
    frame["published_significance"] = sig.replace("", np.nan)
    signed = frame["published_statistic"].notna() & frame["family"].ne("Innovation Programme")
    frame["same_direction"] = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    frame.loc[signed, "same_direction"] = (np.sign(frame.loc[signed, "statistic"])
                                           == np.sign(frame.loc[signed, "published_statistic"]))
    has_sig = frame["published_significance"].notna()
    frame["same_significance"] = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    frame.loc[has_sig, "same_significance"] = (frame.loc[has_sig, "significant"]
                                               == frame.loc[has_sig, "published_significance"].eq("significant"))
    frame["agrees"] = pd.Series(pd.NA, index=frame.index, dtype="boolean")
    frame.loc[has_sig, "agrees"] = (frame.loc[has_sig, "same_significance"].astype(bool)
                                    & frame.loc[has_sig, "same_direction"].fillna(True).astype(bool))
    order = {t: i for i, t in enumerate(dict.fromkeys(frame["test"]))}
    frame = frame.sort_values(["test", "is_default", "parameters"], ascending=[True, False, True],
                              key=lambda s: s.map(order) if s.name == "test" else s, ignore_index=True)
    return frame[COLUMNS]


def per_test(readings: pd.DataFrame) -> pd.DataFrame:
    """One row per printed test: ``test, readings, agree, default_agrees, default_significant``."""
    printed = readings[readings["published_significance"].notna()]
    out = printed.groupby("test", sort=False).agg(
        readings=("agrees", "size"), agree=("agrees", lambda s: int(s.astype(bool).sum())))
    default = printed[printed["is_default"]].set_index("test")
    out["default_agrees"] = default["agrees"].astype(bool).reindex(out.index)
    out["default_significant"] = default["significant"].reindex(out.index)
    return out.reset_index()


def headlines(readings: pd.DataFrame) -> dict:
    """The two headline counts: tests agreeing under the defaults, and under some reading."""
    tests = per_test(readings)
    under_default = int(tests["default_agrees"].sum())
    rescued = tests[~tests["default_agrees"] & (tests["agree"] > 0)]
    never = tests[tests["agree"] == 0]
    return {"tests_printed": len(tests), "tests_agree_default": under_default,
            "tests_agree_some_other_reading": len(rescued), "tests_agree_no_reading": len(never),
            "readings": int(len(readings)), "readings_alternative": int((~readings["is_default"].astype(bool)).sum()),
            "readings_printed_tests": int(tests["readings"].sum()),
            "readings_agree": int(tests["agree"].sum()),
            "tests_every_reading_agrees": int((tests["agree"] == tests["readings"]).sum())}


def headline_sentences(readings: pd.DataFrame, labels: dict | None = None) -> tuple[str, str]:
    """(defaults headline, readings headline) in words, generated from :func:`collect`'s rows."""
    counts = headlines(readings)
    tests = per_test(readings)
    name = (lambda t: labels.get(t, t)) if labels else (lambda t: t)
    rescued = tests[~tests["default_agrees"] & (tests["agree"] > 0)]
    first = (f"Under the defaults fixed by the written rules, {counts['tests_agree_default']} of the study's "
             f"{counts['tests_printed']} published tests agree with the report in significance at p < .05 and, "
             f"where it printed r_s, in direction.")
    second = (f"{counts['tests_agree_some_other_reading']} more agree under some other reading"
              + (": " + "; ".join(f"{name(r.test)} ({r.agree} of {r.readings} readings)" for r in rescued.itertuples())
                 if len(rescued) else "")
              + f"; {counts['tests_agree_no_reading']} agree under none. Across all {counts['readings_printed_tests']} "
              f"test-readings, {counts['readings_agree']} agree, and {counts['tests_every_reading_agrees']} tests agree "
              f"under every reading.")
    return first, second
