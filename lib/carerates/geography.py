"""One geography for 2012-2025: the 2017 councils, with successors mapped back onto them.

The reorganisations of 2019-2023 (ANALYSIS.md is silent on them; issue 13 asks for
one tested rule):

- **recoded** (same area, new code): Buckinghamshire unitary (2020, E06000060 -> the
  county E10000002), North Yorkshire (2023, E06000065 -> E10000023), Somerset (2023,
  E06000066 -> E10000027); Barnsley and Sheffield (2024, E08000038/39 -> E08000016/19,
  after a minor boundary change between them). The published rate is kept.
- **summed** (successors nest in the 2017 county): North + West Northamptonshire
  (2021) -> Northamptonshire E10000021; Cumberland + Westmorland and Furness (2023)
  -> Cumbria E10000006. Counts and populations are summed and the rate recomputed.
- **merged** (successors do not nest: Christchurch moved from the old Dorset county
  into Bournemouth, Christchurch and Poole in 2019): Bournemouth, Poole and the old
  Dorset form one unit, :data:`BPD`, in *every* year, summed from the three old
  councils before the change and from BCP and the new Dorset after it.

A unit-year is built from whichever generation of councils reports it: all the old
members or all the new ones. Half a generation (a member suppressed or missing)
gives NaN; both generations reporting the same year is an error (double counting).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataError

#: The panel unit made of Bournemouth, Poole and the 2017 Dorset county (their codes joined).
BPD = "E06000028+E06000029+E10000009"
BPD_NAME = "Bournemouth, Poole and Dorset"

#: unit -> (old members, new members, rule). Units not listed are their own 2017 LA.
UNITS = {
    BPD: (("E06000028", "E06000029", "E10000009"), ("E06000058", "E06000059"), "merged"),
    "E10000002": (("E10000002",), ("E06000060",), "recoded"),
    "E10000021": (("E10000021",), ("E06000061", "E06000062"), "summed"),
    "E10000006": (("E10000006",), ("E06000063", "E06000064"), "summed"),
    "E10000023": (("E10000023",), ("E06000065",), "recoded"),
    "E10000027": (("E10000027",), ("E06000066",), "recoded"),
    # Barnsley and Sheffield took new codes after a small boundary change between them (2024);
    # DfE's workforce indicators use them for 2025.
    "E08000016": (("E08000016",), ("E08000038",), "recoded"),
    "E08000019": (("E08000019",), ("E08000039",), "recoded"),
}

#: The same rule by DfE LA number (LAIT carries numbers, no codes): old -> new numbers.
UNITS_BY_NUMBER = {
    BPD: ((837, 836, 835), (839, 838)),
    "E10000021": ((928,), (940, 941)),
    "E10000006": ((909,), (942, 943)),
}

#: Codes that belong to no 2017 council but map into a unit.
SUCCESSOR_CODES = frozenset(c for _, new, _ in UNITS.values() for c in new)


def unit_of(code: str) -> str:
    """The panel unit of a 2017 or successor code (a 2017 code outside :data:`UNITS` is its own unit)."""
    for unit, (old, new, _) in UNITS.items():
        if code in old or code in new:
            return unit
    return code


def recode_same_area(codes: pd.Series) -> pd.Series:
    """Codes with the same-area successors (the 'recoded' rule) replaced by their 2017 code; every other
    code unchanged (for pairing two sources council by council, without summing or merging)."""
    same = {new[0]: old[0] for old, new, rule in UNITS.values() if rule == "recoded"}
    return codes.replace(same)


def generation(code: str) -> str:
    """'old' for a 2017 council, 'new' for a successor."""
    return "new" if code in SUCCESSOR_CODES else "old"


def unit_table(las: pd.DataFrame) -> pd.DataFrame:
    """The panel units: ``unit, unit_name, region, members_2017, excluded`` (150 analysis units
    from the 151 analysis LAs, as Bournemouth, Poole and Dorset are one)."""
    rows = las[["gss", "la_name", "region", "excluded"]].copy()
    rows["region"] = rows["region"].astype(str)
    rows["unit"] = rows["gss"].map(unit_of)
    out = (rows.groupby("unit", sort=True)
               .agg(unit_name=("la_name", lambda s: " + ".join(s) if len(s) > 1 else s.iloc[0]),
                    region=("region", "first"), members_2017=("gss", "size"),
                    excluded=("excluded", "all"))
               .reset_index())
    out.loc[out["unit"] == BPD, "unit_name"] = BPD_NAME
    return out


def to_units(frame: pd.DataFrame, counts: list[str], *, code: str = "gss", year: str = "year",
             rate: str | None = None, population: str | None = None, known: set[str] | None = None,
             path: str | Path | None = None) -> pd.DataFrame:
    """Rows per council and year summed onto the panel units.

    ``counts``: additive columns (children, population, pounds). A council "reports" a year
    if any of them is not NaN. Returns ``unit, year, <counts>, rule, members`` and, with
    ``rate`` and ``population``, ``rate``: the council's own (published) rate where the
    unit is one council, else recomputed as 10,000 x count / population, with ``counts[0]``
    the count. ``rule`` is 'same', 'recoded', 'summed' or 'merged' (what the rule did that
    year); ``members`` the codes used, joined by '+'. ``known``: the allowed 2017 codes (an
    unknown code raises DataError naming ``path``).
    """
    if frame.empty:
        raise DataError(path, "no rows to map onto the 2017 geography")
    work = frame.copy()
    work[code] = work[code].astype(str).str.strip()
    if known is not None:
        unknown = sorted(set(work[code]) - set(known) - SUCCESSOR_CODES)
        if unknown:
            raise DataError(path, f"unknown LA code(s) {unknown[:10]}")
    work = work[work[counts].notna().any(axis=1)]
    if work.duplicated([code, year]).any():
        dup = work.loc[work.duplicated([code, year]), [code, year]].head().to_dict("records")
        raise DataError(path, f"LA code and year listed twice: {dup}")
    work["unit"] = work[code].map(unit_of)
    work["generation"] = work[code].map(generation)

    keys = ["unit", year]
    both = work.groupby(keys)["generation"].nunique()
    if (both > 1).any():
        unit, yr = both[both > 1].index[0]
        codes = "+".join(sorted(work.loc[(work["unit"] == unit) & (work[year] == yr), code]))
        raise DataError(path, f"{unit} in {yr}: both the 2017 council(s) and their successors report "
                              f"({codes}); the rule would count children twice")
    rule_of = {u: r for u, (_, _, r) in UNITS.items()}
    members_of = {(u, "old"): old for u, (old, _, _) in UNITS.items()}
    members_of.update({(u, "new"): new for u, (_, new, _) in UNITS.items()})
    work["complete_row"] = work[counts].notna().all(axis=1)
    grouped = work.groupby(keys, sort=True)
    out = grouped[counts].sum(min_count=1)
    out["generation"] = grouped["generation"].first()
    out["n_rows"] = grouped.size()
    out["n_complete"] = grouped["complete_row"].sum()
    out = out.reset_index()
    members = [members_of.get((u, g), (u,)) for u, g in zip(out["unit"], out["generation"])]
    out["members"] = ["+".join(m) for m in members]
    size = np.array([len(m) for m in members])
    complete = (out["n_complete"].to_numpy() == size) & (out["n_rows"].to_numpy() == size)
    out.loc[~complete, counts] = np.nan
    rules = out["unit"].map(rule_of).fillna("same")
    out["rule"] = np.where(out["generation"] == "new", rules,
                           np.where(rules == "merged", "merged", "same"))
    if rate:
        own = grouped[rate].first().reset_index(drop=True)
        recomputed = (1e4 * out[counts[0]] / out[population]).where(out[population] > 0) if population \
            else pd.Series(np.nan, index=out.index)
        out["rate"] = np.where(size == 1, own, recomputed)
    columns = ["unit", year, *counts, *(["rate"] if rate else []), "rule", "members"]
    return out[columns].sort_values(["unit", year], ignore_index=True)


def numbers_to_codes(numbers: pd.Series, las: pd.DataFrame, path: str | Path | None = None) -> pd.Series:
    """DfE LA numbers (2017 councils and their successors) as codes :func:`to_units` accepts.

    Successor numbers become the successors' codes (BCP 839, new Dorset 838, North and
    West Northamptonshire 940/941, Cumberland 942, Westmorland and Furness 943); an
    unknown number raises DataError naming ``path``.
    """
    lookup = dict(zip(las["la_number"].astype(int), las["gss"]))
    successors = {839: "E06000058", 838: "E06000059", 940: "E06000061", 941: "E06000062",
                  942: "E06000063", 943: "E06000064"}
    lookup.update(successors)
    as_int = pd.to_numeric(numbers, errors="coerce")
    bad = sorted(set(numbers[as_int.isna() | ~as_int.isin(list(lookup))].astype(str)))
    if bad:
        raise DataError(path, f"unknown LA number(s) {bad[:10]}")
    return as_int.astype(int).map(lookup)


def rule_counts(units: pd.DataFrame, year: str = "year") -> pd.DataFrame:
    """How many 2017 councils the rule touches each year: ``year, recoded, summed, merged,
    total`` (2017 councils whose value that year is not simply their own row)."""
    sizes = {unit: len(old) for unit, (old, _, _) in UNITS.items()}
    touched = units[units["rule"] != "same"].copy()
    touched["councils_2017"] = touched["unit"].map(sizes).fillna(1).astype(int)
    table = (touched.pivot_table(index=year, columns="rule", values="councils_2017", aggfunc="sum",
                                 fill_value=0)
                    .reindex(sorted(units[year].unique()), fill_value=0))
    for column in ("recoded", "summed", "merged"):
        if column not in table:
            table[column] = 0
    table = table[["recoded", "summed", "merged"]].astype(int)
    table["total"] = table.sum(axis=1)
    table.columns.name = None
    return table.reset_index()
