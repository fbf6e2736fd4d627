"""Chapter 11: the panel of care entries, child poverty and employment, and the chapter's sentences.

:func:`build_panel` joins, per panel unit (:mod:`carerates.geography`) and year ending 31 March Y:
entries of children under 16 and by age band (:mod:`carerates.sources.entries`), the ONS 0-15
population of mid-(Y-1) (:mod:`carerates.sources.population_bands`), DWP's under-16s in relative
low income in the financial year ending Y (:mod:`carerates.sources.dwp`) and the APS employment
rate of calendar year Y-1 (:mod:`carerates.sources.employment`). The rules are those of
``docs/analysis_plan.md``, Chapter 11. The sentence functions are shared with the findings test.
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from . import geography
from .sources import dwp, employment, entries, population_bands

#: Excluded from the analysis units besides the Isles of Scilly (analysis plan, Chapter 11).
CITY_OF_LONDON = "E09000001"
#: Entry rates per this many children aged 0-15.
PER = 1e5
AGE_BANDS = {"under_1": "under 1", "age_1_4": "1-4", "age_5_9": "5-9", "age_10_15": "10-15"}

#: What each model row of table 11a is, in words (for sentences and the figure).
MODEL_LABELS = {
    "within_between": "within-between model (default)",
    "twoway_fe": "two-way fixed effects, LA-clustered",
    "within_between_balanced": "balanced panel only",
    "poisson_fe": "Poisson, LA and year effects (at the mean rate)",
    "within_between_lag": "poverty lagged one year",
    "within_between_placebo_lead": "placebo: next year's poverty",
    "twoway_fe_weighted": "weighted by population 0-15",
    "within_between_drop_poverty_change": "without the tenth with the largest poverty change",
    "within_between_drop_rate_change": "without the tenth with the largest entry-rate change",
    "within_between_no_employment": "without the employment control",
    "within_between_bands_sample": "under-16s on the LA-years with all four age bands",
    "twoway_fe_pandemic": "2015-2022, slope in 2021-2022 allowed to differ",
    "within_between_stock": "stock rate per 10,000 under-18s (outcome)",
}
#: The model name of each age band's fit (``within_between_age_under_1``, ``within_between_age_1_4``, ...).
AGE_MODELS = {band: "within_between_age_" + band.removeprefix("age_") for band in AGE_BANDS}
MODEL_LABELS.update({AGE_MODELS[k]: f"entries aged {v} per 100,000 aged 0-15" for k, v in AGE_BANDS.items()})
#: The alternatives of the robustness list, in the plan's order.
ALTERNATIVES = ["twoway_fe", "poisson_fe", "within_between_lag", "within_between_placebo_lead", "twoway_fe_weighted",
                "within_between_drop_poverty_change", "within_between_drop_rate_change", "within_between_balanced",
                "within_between_no_employment"]


def analysis_units(las: pd.DataFrame) -> pd.DataFrame:
    """The panel units of the chapter: every unit but the Isles of Scilly and the City of London."""
    units = geography.unit_table(las)
    return units[~units["excluded"] & (units["unit"] != CITY_OF_LONDON)].reset_index(drop=True)


def low_income_children(las: pd.DataFrame) -> pd.DataFrame:
    """DWP under-16s in relative low income (0-4 + 5-10 + 11-15) per unit and FYE: ``unit, year,
    low_income_children``."""
    children = dwp.read_children_under_16().rename(columns={"fye": "year", "children": "low_income_children"})
    units = geography.to_units(children, ["low_income_children"], known=set(las["gss"]),
                               path=dwp.dwp_path(dwp.DWP_BANDS[0]))
    return units[["unit", "year", "low_income_children"]]


def build_panel(las: pd.DataFrame, councils: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per analysis unit and year with entries (2011-2025): counts, rates per 100,000 aged 0-15
    (to 2022, the last year with a population), poverty % (2015-2022), its lag and lead, and the
    employment rate of the previous calendar year."""
    keep = set(analysis_units(las)["unit"])
    entry = entries.entries_units(las, councils)
    entry = entry[entry["unit"].isin(keep)]
    pop = population_bands.population_units(las)
    poor = low_income_children(las)
    emp = employment.employment_units(las)[["unit", "year", "employment_rate"]]
    emp = emp.assign(year=emp["year"] + 1)  # calendar Y-1 -> year ending March Y
    panel = (entry.drop(columns=["rule", "members"])
             .merge(pop, on=["unit", "year"], how="left")
             .merge(poor, on=["unit", "year"], how="left")
             .merge(emp, on=["unit", "year"], how="left"))
    panel["rate_u16"] = PER * panel["under_16"] / panel["pop_0_15"]
    for band in AGE_BANDS:
        panel[f"rate_{band}"] = PER * panel[band] / panel["pop_0_15"]
    panel["poverty_pct"] = 100 * panel["low_income_children"] / panel["pop_0_15"]
    panel = panel.sort_values(["unit", "year"], ignore_index=True)
    lagged = panel[["unit", "year", "poverty_pct"]].assign(year=lambda f: f["year"] + 1)
    led = panel[["unit", "year", "poverty_pct"]].assign(year=lambda f: f["year"] - 1)
    panel = (panel.merge(lagged.rename(columns={"poverty_pct": "poverty_lag"}), on=["unit", "year"], how="left")
             .merge(led.rename(columns={"poverty_pct": "poverty_lead"}), on=["unit", "year"], how="left"))
    return panel


def window(panel: pd.DataFrame, period: tuple[int, int]) -> pd.DataFrame:
    return panel[panel["year"].between(*period)].reset_index(drop=True)


def largest_changes(panel: pd.DataFrame, column: str, period: tuple[int, int], share: float) -> list[str]:
    """The units (``round(share x n)``, ties at the cut all kept) with the largest absolute change in
    ``column`` from the first to the last year of ``period``."""
    wide = panel.pivot(index="unit", columns="year", values=column)
    change = (wide[period[1]] - wide[period[0]]).abs().dropna()
    k = int(round(share * len(change)))
    if k == 0:
        return []
    cut = change.sort_values(ascending=False).iloc[k - 1]
    return sorted(change.index[change >= cut])


# ----------------------------------------------------------------------------- sentences

def fmt_coef(value: float) -> str:
    """Coefficients (entries per 100,000 per point) at one decimal, the chapter's one rounding
    (a value that rounds to zero is written 0.0, never -0.0)."""
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


def fmt_count(value: float) -> str:
    return f"{value:,.0f}"


def ci_text(low: float, high: float, fmt=fmt_coef) -> str:
    return f"95% CI {fmt(low)} to {fmt(high)}"


def replication_sentence(row: Mapping, period: str) -> str:
    """The replication row (model within_between, term poverty_within) in words."""
    direction = "more" if row["estimate"] > 0 else "fewer"
    return (f"**Finding.** Within LAs over {period}, a year in which the share of children under 16 in relative "
            f"low income was one percentage point above the LA's own average for the period went with "
            f"{fmt_coef(abs(row['estimate']))} {direction} children under 16 starting to be looked after per 100,000 "
            f"aged 0-15 ({ci_text(row['ci_low'], row['ci_high'])}; {int(row['n_las'])} LAs, "
            f"{int(row['n_obs']):,} LA-years; the LA's employment rate and the year held constant). "
            + ("The interval excludes zero." if row["ci_low"] > 0 or row["ci_high"] < 0
               else "The interval includes zero."))


def check_sentence(hybrid: Mapping, fe: Mapping) -> str:
    """The within-between model against two-way fixed effects with LA-clustered errors."""
    gap = abs(hybrid["estimate"] - fe["estimate"])
    return (f"The two-way fixed-effects fit on the same LA-years gives {fmt_coef(fe['estimate'])} "
            f"({ci_text(fe['ci_low'], fe['ci_high'])}, errors clustered by LA), against "
            f"{fmt_coef(hybrid['estimate'])} from the within-between model (difference {gap:.2g}; the two are "
            f"equal by construction only on a balanced panel).")


def attributable_sentence(row: Mapping) -> str:
    """A row of table 11b in words."""
    return (f"**Finding.** Over {row['period']}, {fmt_count(row['entries_total'])} children under 16 started to "
            f"be looked after in these LAs. Holding each LA's poverty at its {str(row['period'])[:4]} level, the "
            f"within-LA association links {fmt_count(row['attributable'])} of them "
            f"({ci_text(row['ci_low'], row['ci_high'], fmt_count)}) to the change in poverty since then: "
            f"{_share_text(row, 'of all entries')}. "
            f"This is a modelled count under an association, not a measured number of children.")


def clustered_attributable_sentence(row: Mapping) -> str:
    """The attributable count with the fixed-effects coefficient and its LA-clustered interval."""
    return (f"With the fixed-effects coefficient and its LA-clustered interval instead, the count is "
            f"{fmt_count(row['attributable'])} ({ci_text(row['ci_low'], row['ci_high'], fmt_count)}), "
            f"{_share_text(row, 'of entries')}.")


def _share_text(row: Mapping, of_what: str) -> str:
    """"2.8% of entries (95% CI 0.5 to 5.1%)": a table-11b row's share with its interval."""
    return (f"{row['share_pct']:.1f}% {of_what} "
            f"({ci_text(row['share_ci_low'], row['share_ci_high'], lambda v: f'{v:.1f}')}%)")


def robustness_sentence(table: pd.DataFrame, default: Mapping, models: list[str]) -> str:
    """Each alternative's poverty_within beside the default, with its ratio to the default."""
    parts = []
    for model in models:
        row = table[(table["model"] == model) & (table["term"] == "poverty_within")].iloc[0]
        parts.append(f"{MODEL_LABELS[model]} {fmt_coef(row['estimate'])} "
                     f"({fmt_coef(row['ci_low'])} to {fmt_coef(row['ci_high'])}; "
                     f"{row['estimate'] / default['estimate']:.2f} times the default)")
    excluding = sum(1 for m in models
                    if (lambda r: r["ci_low"] > 0 or r["ci_high"] < 0)(
                        table[(table["model"] == m) & (table["term"] == "poverty_within")].iloc[0]))
    text = (f"**Finding.** Against the default {fmt_coef(default['estimate'])} entries per 100,000 per point "
            f"({ci_text(default['ci_low'], default['ci_high'])}), the within-LA poverty coefficient is: "
            + "; ".join(parts) + f". {excluding} of these {len(models)} intervals exclude zero.")
    placebo = table[(table["model"] == "within_between_placebo_lead") & (table["term"] == "poverty_within")]
    if len(placebo):
        row = placebo.iloc[0]
        ratio = row["estimate"] / default["estimate"]
        if (row["ci_low"] > 0 or row["ci_high"] < 0) and ratio >= 0.5:
            text += (f" Next year's poverty goes with this year's entries about as strongly as this year's does "
                     f"({ratio:.2f} times the default): an association tied to the timing of poverty would not "
                     f"produce that, so part of the within-LA association may be trends that poverty and entries "
                     f"share within LAs.")
        else:
            text += (f" Next year's poverty goes with this year's entries {ratio:.2f} times as strongly as this "
                     f"year's does.")
    return text


def age_sentence(table: pd.DataFrame, same_rows: Mapping) -> str:
    """The four age bands' within coefficients beside the under-16 one on the same LA-years."""
    rows = table[table["model"].isin(AGE_MODELS.values()) & (table["term"] == "poverty_within")].set_index("model")
    parts = [f"aged {label} {fmt_coef(rows.loc[AGE_MODELS[band], 'estimate'])} "
             f"({fmt_coef(rows.loc[AGE_MODELS[band], 'ci_low'])} to {fmt_coef(rows.loc[AGE_MODELS[band], 'ci_high'])})"
             for band, label in AGE_BANDS.items()]
    return (f"**Finding.** By age at entry (each band per 100,000 children aged 0-15; {int(same_rows['n_las'])} LAs, "
            f"{int(same_rows['n_obs']):,} LA-years with all four bands published), the within-LA poverty coefficient "
            f"is: " + "; ".join(parts) + f". Together {fmt_coef(rows['estimate'].sum())}, against "
            f"{fmt_coef(same_rows['estimate'])} for all under-16s on the same LA-years (each model estimates its "
            f"own variances, so the bands need not add up exactly).")


def summary_sentence(table: pd.DataFrame, period: str) -> str:
    """The chapter's answer in one paragraph, every clause decided by the numbers in table 11a."""
    def get(model, term="poverty_within"):
        hit = table[(table["model"] == model) & (table["term"] == term)]
        # the lagged fit has its own years; every other fit is also run on the longer window only
        # where the model name says so (within_between), so prefer the replication period
        same = hit[hit["period"] == period]
        return (same if len(same) else hit).iloc[0]

    def excludes(row):
        return row["ci_low"] > 0 or row["ci_high"] < 0

    main, fe = get("within_between"), get("twoway_fe")
    alts = {m: get(m) for m in ALTERNATIVES}
    positive = sum(r["estimate"] > 0 for r in alts.values())
    smaller = [MODEL_LABELS[m] for m, r in alts.items() if r["estimate"] < 0.75 * main["estimate"]]
    direction = "more" if main["estimate"] > 0 else "fewer"
    text = (f"**Summary.** Within LAs, years with a higher share of children in relative low income went with "
            f"{direction} children under 16 starting to be looked after: {fmt_coef(main['estimate'])} per 100,000 per "
            f"percentage point ({ci_text(main['ci_low'], main['ci_high'])}, {period}, {int(main['n_las'])} LAs). "
            f"That interval is the within-between model's own; with errors clustered by LA, the same coefficient's "
            f"interval is {fmt_coef(fe['ci_low'])} to {fmt_coef(fe['ci_high'])}"
            + (", which includes zero. " if not excludes(fe) else ". ")
            + f"The coefficient is positive in {positive} of {len(alts)} alternative fits")
    if smaller:
        listed = smaller[0] if len(smaller) == 1 else ", ".join(smaller[:-1]) + " and " + smaller[-1]
        text += f", and less than three quarters of the default with {listed}"
    lead = alts["within_between_placebo_lead"]
    text += (f". Next year's poverty goes with this year's entries {lead['estimate'] / main['estimate']:.2f} times as "
             f"strongly as this year's. These are associations between LA-years, observed, not effects on families.")
    return text


def pandemic_sentence(row_slope: Mapping, row_diff: Mapping, period: str, years: list[int]) -> str:
    return (f"**Finding.** Over {period}, the within-LA coefficient in the years before the pandemic is "
            f"{fmt_coef(row_slope['estimate'])} ({ci_text(row_slope['ci_low'], row_slope['ci_high'])}), and in the "
            f"years ending March {' and '.join(str(y) for y in years)} it differs from that by {fmt_coef(row_diff['estimate'])} "
            f"({ci_text(row_diff['ci_low'], row_diff['ci_high'])}; {int(row_slope['n_las'])} LAs, "
            f"{int(row_slope['n_obs']):,} LA-years; two-way fixed effects, LA-clustered).")


def stock_sentence(row: Mapping, period: str) -> str:
    direction = "higher" if row["estimate"] > 0 else "lower"
    return (f"**Finding.** With the stock of children looked after at 31 March per 10,000 under-18s as the "
            f"outcome instead ({period}), a point above the LA's own poverty average went with a rate "
            f"{fmt_coef(abs(row['estimate']))} per 10,000 {direction} ({ci_text(row['ci_low'], row['ci_high'])}; "
            f"{int(row['n_las'])} LAs, {int(row['n_obs']):,} LA-years).")


def employment_sentence(row: Mapping, period: str) -> str:
    direction = "more" if row["estimate"] > 0 else "fewer"
    return (f"**Finding.** The employment rate's own within-LA coefficient ({period}, same model): a year with "
            f"the employment rate of 16-64s one point above the LA's average went with {fmt_coef(abs(row['estimate']))} "
            f"{direction} entries per 100,000 ({ci_text(row['ci_low'], row['ci_high'])}).")

