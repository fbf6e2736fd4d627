"""The profile in words: each section's generated sentences for one LA (and the study's
findings, the same for all LAs), from the :class:`~carerates.profile.data.ProfileData` bundle.

Imports :mod:`.data` only; the plots and the page's tables import these helpers (``fmt``,
``join_words``, ``FIFTHS``, ``FACTOR_ORDER``), never the other way.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..sources import innovation
from .data import ABOLISHED, FACTORS, MODEL, MODEL_WORDS, ProfileData, names, rate_series


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fmt(value, pattern: str = "{:.1f}") -> str:
    """A number for a sentence, or "not available"."""
    return "not available" if value is None or pd.isna(value) else pattern.format(value)


def join_words(items: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    items = [str(i) for i in items]
    return "" if not items else items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def opening(data: ProfileData, gss: str) -> str:
    """The reader's question and the LA's answer, the first thing a profile says."""
    row = data.las.set_index("gss").loc[gss]
    question = f"**How many children does {row.la_name} look after, and how does that compare with England?**"
    series = rate_series(data, gss).dropna(subset=["la"])
    if series.empty:
        return f"{question} No rate of children looked after is published for {row.la_name} in these years."
    last = series.iloc[-1]
    side = ("more than" if last.la > last.england else "fewer than" if last.la < last.england else "as many as")
    return (f"{question} In {int(last.year)} {row.la_name} looked after {fmt(last.la, '{:.0f}')} children per 10,000 "
            f"under 18, {side} England's {fmt(last.england, '{:.0f}')}. Below: how its rate moved since 2012, its "
            f"region and statistical neighbours, where it stands on each factor the 2018 study examined, and its "
            f"Ofsted inspections.")


def rate_sentences(data: ProfileData, gss: str) -> list[str]:
    """The rate's level and trend beside England's, in words."""
    row = data.las.set_index("gss").loc[gss]
    series = rate_series(data, gss).dropna(subset=["la"])
    if series.empty:
        return [f"No rate of children looked after is published for {row.la_name} in these years."]
    first, last = series.iloc[0], series.iloc[-1]
    words = []
    for point in (first, last):
        ratio = point.la / point.england if point.england else np.nan
        side = ("above" if point.la > point.england else "below" if point.la < point.england else "equal to")
        words.append(f"{fmt(point.la, '{:.0f}')} per 10,000 children in {int(point.year)}, "
                     f"{side} England's {fmt(point.england, '{:.0f}')}"
                     + (f" ({fmt(ratio, '{:.2f}')} times England's rate)" if side != "equal to" and point.la > 0 else ""))
    change = last.la - first.la
    england_change = last.england - first.england
    trend = (f"From {int(first.year)} to {int(last.year)} the rate {'rose' if change > 0 else 'fell' if change < 0 else 'did not change'}"
             + (f" by {fmt(abs(change), '{:.0f}')} per 10,000" if change else "")
             + f", while England's {'rose' if england_change > 0 else 'fell' if england_change < 0 else 'did not change'}"
             + (f" by {fmt(abs(england_change), '{:.0f}')}." if england_change else "."))
    out = [f"{row.la_name} had {words[0]}; its latest published rate is {words[1]}.", trend]
    missing = sorted(set(range(int(data.rates["year"].min()), int(data.rates["year"].max()) + 1))
                     - set(series["year"].astype(int)))
    if missing:
        why = ("the council was abolished in a reorganisation" if gss in ABOLISHED
               else "suppressed or not published")
        out.append(f"No rate for {join_words(map(str, missing))} ({why}).")
    return out

def neighbour_sentences(data: ProfileData, gss: str) -> list[str]:
    row = data.las.set_index("gss").loc[gss]
    near = data.neighbours[data.neighbours["gss"] == gss]
    if near.empty:
        return [f"DfE's April 2021 list gives no statistical neighbours for {row.la_name}."]
    series_all = rate_series(data, gss)
    series = series_all.dropna(subset=["la"])
    latest = series_all.dropna(subset=["region"]).iloc[-1] if series_all["region"].notna().any() else None
    out = [f"{row.la_name} is a {row.la_type.lower()} in the {row.region} region"
           + (f" (median LA rate {fmt(latest.region, '{:.0f}')} per 10,000 in {int(latest.year)})" if latest is not None else "")
           + ". Its ten closest statistical "
           f"neighbours on DfE's April 2021 list are {join_words(names(data, near['neighbour_gss']))}."]
    if not series.empty:
        last = series.iloc[-1]
        if last.n_neighbours:
            side = "higher than" if last.la > last.neighbours else "lower than" if last.la < last.neighbours else "equal to"
            out.append(f"In {int(last.year)} its rate ({fmt(last.la, '{:.0f}')}) was {side} the median of the "
                       f"{int(last.n_neighbours)} neighbours with a published rate ({fmt(last.neighbours, '{:.0f}')}).")
    return out


FIFTHS = {1: "the lowest fifth", 2: "the second-lowest fifth", 3: "the middle fifth",
          4: "the second-highest fifth", 5: "the highest fifth"}


FACTOR_ORDER = ["average_rate", "average_change", *[f[0] for f in FACTORS], "ofsted_overall", "innovation"]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def rank_words(rank: float, n: int) -> str:
    """``3, 151`` -> "3rd highest of 151"; ``149, 151`` -> "3rd lowest of 151"."""
    rank = int(rank)
    if rank <= (n + 1) / 2:
        return f"{_ordinal(rank)} highest of {n}"
    return f"{_ordinal(n - rank + 1)} lowest of {n}"


def factor_sentences(data: ProfileData, gss: str) -> list[str]:
    """One sentence per factor: the LA's value and rank among the LAs with a value."""
    name = data.las.set_index("gss").loc[gss, "la_name"]
    rows = data.factors[data.factors["gss"] == gss].set_index("factor")
    out = []
    for factor in [f for f in FACTOR_ORDER if f in rows.index]:
        r = rows.loc[factor]
        if factor == "innovation":
            if pd.notna(r.value):
                out.append(f"{name} {'took' if r.value else 'did not take'} part in round 1 of the Innovation "
                           f"Programme ({innovation.THRESHOLD_LABELS[MODEL['innovation_threshold']]} in the compiled list).")
            continue
        if pd.isna(r.value):
            out.append(f"{_cap(r.label)} ({r.years}): no value for {name}.")
            continue
        if factor == "ofsted_overall":
            from ..sources.ofsted import GRADE_LABELS
            same = int(((data.factors["factor"] == factor) & (data.factors["value"] == r.value)).sum())
            out.append(f"Its latest SIF overall grade published by {MODEL['ofsted_cutoff']} was "
                       f"{GRADE_LABELS[int(r.value)]}, as for {same} of the {int(r.n)} LAs.")
            continue
        out.append(f"{_cap(r.label)} ({r.years}): {fmt(r.value, r.fmt)}, the {rank_words(r['rank'], int(r.n))} "
                   f"LAs ({FIFTHS[int(r.fifth)]}; median LA {fmt(r['median'], r.fmt)}).")
    return out


def study_sentences(data: ProfileData) -> list[str]:
    """What the study's single-factor tests found, from figures/associations.csv (same for all LAs)."""
    rows = data.factors.drop_duplicates("factor").dropna(subset=["p_value"]).set_index("factor")
    wide = data.factors.pivot(index="gss", columns="factor", values="value")
    out = []
    for factor in [f for f in FACTOR_ORDER if f in rows.index]:
        r = rows.loc[factor]
        verdict = "" if r.significant else ", not significant at the 5% level"
        if r.test == "spearman":
            direction = "higher" if r.statistic > 0 else "lower"
            out.append(f"{_cap(r.label)}: LAs with higher values had {direction} average rates "
                       f"(Spearman's rho {r.statistic:.2f}, p = {r.p_value:.2g}{verdict}).")
        else:
            medians = wide.groupby(wide[factor])["average_rate"].median()
            if 0.0 in medians.index and 1.0 in medians.index:
                direction = "lower" if medians[1.0] < medians[0.0] else "higher"
                out.append(f"{_cap(r.label)}: these LAs had {direction} average rates than the others (median "
                           f"{medians[1.0]:.0f} against {medians[0.0]:.0f} per 10,000; Mann-Whitney U "
                           f"{r.statistic:.0f}, p = {r.p_value:.2g}{verdict}).")
    return out


def expected_sentences(data: ProfileData, gss: str) -> list[str]:
    """The observed rate against the joint model's expectation, in words."""
    name = data.las.set_index("gss").loc[gss, "la_name"]
    r = data.expected.set_index("gss").loc[gss]
    years = data.model["window_years"]
    when = f"the year ending March {join_words(map(str, years))}"
    if pd.isna(r.expected_rate):
        why = (f"it lacks {join_words(MODEL_WORDS.get(c, c) for c in r.reason.split(', '))}"
               if isinstance(r.reason, str) and r.reason
               else "it is excluded from the study's analyses")
        return [f"{name} is not in the joint model ({why}), so no expected rate can be given."]
    where = {"above": "above the interval: higher than its poverty, workforce, spending and region would predict",
             "below": "below the interval: lower than its poverty, workforce, spending and region would predict",
             "within": "within the interval: about what its poverty, workforce, spending and region would predict"}
    return [f"In {when}, {name}'s rate was {fmt(r.observed_rate, '{:.0f}')} per 10,000; the joint model of "
            f"chapter 09 expects {fmt(r.expected_rate, '{:.0f}')} (95% prediction interval "
            f"{fmt(r.pi_low, '{:.0f}')} to {fmt(r.pi_high, '{:.0f}')}). The observed rate is {where[r.position]}.",
            f"{fmt(100 * r.share_below, '{:.0f}')}% of the rates simulated from the model for an LA like "
            f"{name} are below its observed rate."]
def ofsted_sentences(data: ProfileData, gss: str) -> list[str]:
    name = data.las.set_index("gss").loc[gss, "la_name"]
    rows = data.ofsted[data.ofsted["gss"] == gss].dropna(subset=["grade"])
    if rows.empty:
        return [f"Ofsted's files hold no judged inspection of {name}'s children's services."]
    first, last = rows.iloc[0], rows.iloc[-1]
    times = {1: "once", 2: "twice"}.get(len(rows), f"{len(rows)} times")
    out = [f"Ofsted judged {name}'s children's services {times} from "
           f"{first.published:%B %Y} to {last.published:%B %Y}: first {first.grade} ({first.framework}), "
           f"most recently {last.grade} ({last.framework}, {last.published:%B %Y})."]
    if isinstance(last.note, str) and last.note:
        out.append(f"The latest is an {last.note}.")
    return out


def caveat_sentences(data: ProfileData, gss: str) -> list[str]:
    """Caveats specific to this LA (geography, missing data)."""
    out = []
    if gss in data.notes:
        out.append(f"The map: {data.notes[gss]}.")
    if gss in ABOLISHED:
        out.append("This council was abolished in a reorganisation after 2017; its neighbour list is DfE's "
                   "list for the old council, and later inspections are of the council that replaced it.")
    if data.las.set_index("gss").loc[gss, "excluded"]:
        out.append("The Isles of Scilly are excluded from every analysis of the study (no child was looked "
                   "after there in 2012-2017 and their figures are suppressed).")
    return out
