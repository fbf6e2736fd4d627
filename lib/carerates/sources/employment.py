"""ONS employment rate of people aged 16-64 (Annual Population Survey, dataset LI01), per LA.

``employment/employment-rate.csv`` ("Explore local statistics" export): columns ``areacd, areanm,
geography, indicator, period, observation, ...``; ``indicator`` is "Employment rate" or
"Economically inactive"; ``period`` a calendar year as ``YYYY-01-01/P1Y``; upper-tier LAs on
**2023** boundaries (BCP, the 2019 Dorset, North and West Northamptonshire, Cumberland,
Westmorland and Furness, the unitary North Yorkshire and Somerset, rebased back); an empty
observation with status ``x`` = not available (Isles of Scilly, City of London some years).

On the panel units of :mod:`carerates.geography` a unit made of several successor councils takes
the **unweighted mean** of their rates (no 16-64 population is in the data to weight them: the
analysis plan's choice); a unit with a member missing that year has no value.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .. import paths
from ..errors import DataError
from ..geography import SUCCESSOR_CODES, unit_of
from ..io import parse_numbers, read_csv, require_columns, require_complete_rows
from ..las import ISLES_OF_SCILLY, OLD_GSS
from ..schema import Column, Gap, check_table, require_coverage

PATH = ("employment", "employment-rate.csv")
CITY_OF_LONDON = "E09000001"
_LA = re.compile(r"^E(06|08|09|10)\d{6}$")
_PERIOD = re.compile(r"^(\d{4})-01-01/P1Y$")
#: Not estimated in some or all years (status x or an empty cell).
GAPS = (Gap.of((ISLES_OF_SCILLY, CITY_OF_LONDON), None, "APS sample too small: no estimate in some years"),)
#: The 2017 councils the 2023-boundary file replaces by their successors.
REPLACED = ("E06000028", "E06000029", "E10000009", "E10000021", "E10000006", "E10000002", "E10000023",
            "E10000027")


def read_employment(path: str | Path | None = None) -> pd.DataFrame:
    """English upper-tier LA rows: ``gss, year, employment_rate`` (``year`` = the calendar year)."""
    path = Path(path) if path else paths.raw(*PATH)
    raw = read_csv(path)
    require_columns(raw, ["areacd", "indicator", "period", "observation"], path)
    require_complete_rows(path)
    rows = raw[(raw["indicator"].str.strip() == "Employment rate") & raw["areacd"].str.strip().str.match(_LA)]
    if rows.empty:
        raise DataError(path, "no 'Employment rate' rows for English upper-tier LAs")
    periods = rows["period"].str.strip()
    bad = periods[~periods.str.match(_PERIOD)]
    if len(bad):
        raise DataError(path, f"unexpected period {bad.iloc[0]!r} (expected YYYY-01-01/P1Y)")
    out = pd.DataFrame({"gss": rows["areacd"].str.strip().replace(OLD_GSS).to_numpy(),
                        "year": periods.str.slice(0, 4).astype(int).to_numpy(),
                        "employment_rate": parse_numbers(rows["observation"], path, "observation").to_numpy()})
    if out.duplicated(["gss", "year"]).any():
        dup = out[out.duplicated(["gss", "year"])].iloc[0]
        raise DataError(path, f"LA {dup['gss']} listed twice in {dup['year']}")
    if ((out["employment_rate"] < 0) | (out["employment_rate"] > 100)).any():
        row = out[(out["employment_rate"] < 0) | (out["employment_rate"] > 100)].iloc[0]
        raise DataError(path, f"LA {row['gss']} {row['year']}: employment rate {row['employment_rate']} "
                              "outside 0-100")
    return out


def employment_units(las: pd.DataFrame, path: str | Path | None = None) -> pd.DataFrame:
    """Per panel unit and calendar year: ``unit, year, employment_rate, members`` (unweighted mean of
    the councils that make the unit on 2023 boundaries)."""
    path = Path(path) if path else paths.raw(*PATH)
    rows = read_employment(path)
    known = set(las["gss"]) | SUCCESSOR_CODES
    unknown = sorted(set(rows["gss"]) - known)
    if unknown:
        raise DataError(path, f"unknown LA code(s) {unknown[:10]}")
    stale = sorted(set(rows["gss"]) & set(REPLACED))
    if stale:
        raise DataError(path, f"2017 council(s) {stale} listed beside their successors: not a 2023-boundary file?")
    coverage = las[~las["gss"].isin(REPLACED)]
    require_coverage(rows, path, coverage, years=None, value="employment_rate", gaps=GAPS)
    rows["unit"] = rows["gss"].map(unit_of)
    grouped = rows.groupby(["unit", "year"])["employment_rate"]
    # a unit with a member missing that year has no value (never the mean of the others)
    out = grouped.mean().where(grouped.count() == grouped.size()).to_frame().reset_index()
    out["members"] = out["unit"].map(rows.groupby("unit")["gss"].agg(lambda s: "+".join(sorted(set(s)))))
    return check_table(out, "employment_units", key=["unit", "year"],
                       columns={"employment_rate": Column("float", min=0, max=100)})
