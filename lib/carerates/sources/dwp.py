"""DWP *Children in low income families* (relative, before housing costs) with ONS populations.

- ``low_income/dwp/children-relative-low-income-<ages>-2015-22-code.csv``: Stat-Xplore
  exports, **counts** of children per upper-tier LA on April 2021 boundaries, financial
  years ending 2015-2022 ("2014/15" ... "2021/22 (p)", provisional), an annotation column
  after each year, ``..`` = nil or negligible, header and footnote rows around the table.
- ``population/nomis_2009_2021/popest-<ages>.csv``: ONS mid-year estimates by age band on
  the same boundaries, mid-2009 to mid-2021 (Nomis exports).

Under-16s in low-income families as a % of the ONS population aged 0-15: the DWP bands
0-4 + 5-10 + 11-15 over the ONS bands 0-4 + 5-9 + 10-14 + 15; financial year ending Y
is divided by the mid-(Y-1) estimate (the mid-year inside that financial year). This is
**not** HMRC's measure (which ended with the 2016 snapshot and counted families on
out-of-work benefits or below 60% of median income from tax credits data): the two
series are never spliced.
"""
from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..errors import DataError
from ..geography import to_units
from ..io import parse_number, require_file

DWP_BANDS = ("0-4", "5-10", "11-15")
ONS_BANDS = ("0-4", "5-9", "10-14", "15")
_LA = re.compile(r"^E(06|08|09|10)\d{6}$")
_FYE = re.compile(r"^(\d{4})/(\d{2})( \(p\))?$")


def dwp_path(band: str) -> Path:
    return paths.raw("low_income", "dwp", f"children-relative-low-income-{band}-2015-22-code.csv")


def nomis_path(band: str) -> Path:
    return paths.raw("population", "nomis_2009_2021", f"popest-{band}.csv")


def _lines(path: Path) -> list[list[str]]:
    path = require_file(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            return list(csv.reader(handle))
    except (UnicodeDecodeError, csv.Error) as err:
        raise DataError(path, f"cannot be read as CSV ({err})") from None


def _number(value: str, path: Path, line: int, code: str) -> float:
    try:
        return parse_number(value)
    except ValueError as err:
        raise DataError(path, f"line {line}, LA {code}: {err}") from None


def read_statxplore(path: str | Path) -> pd.DataFrame:
    """One Stat-Xplore export: ``gss, fye, children`` for the English LA rows (E06/E08/E09/E10).

    ``fye`` is the financial year's end (2014/15 -> 2015). ``..`` (nil or negligible) -> NaN.
    Raises DataError naming the file (and the line and LA) if the header row is missing,
    a year label is unexpected, a cell is not a number, or no LA row is found.
    """
    path = Path(path)
    lines = _lines(path)
    header = next((i for i, row in enumerate(lines) if row and row[0].strip() == "Year"), None)
    if header is None:
        raise DataError(path, "no 'Year' header row (not a Stat-Xplore table export?)")
    columns = []
    for position, label in enumerate(lines[header]):
        label = label.strip()
        if position == 0 or not label or label.endswith("Annotations"):
            continue
        match = _FYE.match(label)
        if not match:
            raise DataError(path, f"line {header + 1}: unexpected year label {label!r}")
        columns.append((position, int(match.group(1)) + 1))
    if not columns:
        raise DataError(path, f"line {header + 1}: no year columns")
    records = []
    for i, row in enumerate(lines[header + 1:], start=header + 2):
        code = row[0].strip() if row else ""
        if not _LA.match(code):
            continue
        for position, fye in columns:
            value = row[position] if position < len(row) else ""
            records.append((code, fye, _number(value, path, i, code)))
    if not records:
        raise DataError(path, "no English LA rows")
    out = pd.DataFrame(records, columns=["gss", "fye", "children"])
    if out.duplicated(["gss", "fye"]).any():
        raise DataError(path, f"LA listed twice: {sorted(set(out.loc[out.duplicated(['gss', 'fye']), 'gss']))}")
    return out


def read_nomis(path: str | Path) -> pd.DataFrame:
    """One Nomis population export: ``gss, mid_year, population`` for the English LA rows."""
    path = Path(path)
    lines = _lines(path)
    header = next((i for i, row in enumerate(lines)
                   if len(row) > 2 and row[0].startswith("local authority") and row[1].strip() == "mnemonic"), None)
    if header is None:
        raise DataError(path, "no 'local authority ..., mnemonic, years' header row (not a Nomis export?)")
    years = []
    for position, label in enumerate(lines[header][2:], start=2):
        if not label.strip():
            continue
        if not re.fullmatch(r"\d{4}", label.strip()):
            raise DataError(path, f"line {header + 1}: unexpected year label {label!r}")
        years.append((position, int(label)))
    records = []
    for i, row in enumerate(lines[header + 1:], start=header + 2):
        code = row[1].strip() if len(row) > 1 else ""
        if not _LA.match(code):
            continue
        for position, year in years:
            value = row[position] if position < len(row) else ""
            records.append((code, year, _number(value, path, i, code)))
    if not records:
        raise DataError(path, "no English LA rows")
    return pd.DataFrame(records, columns=["gss", "mid_year", "population"])


def read_children_under_16(dwp_files: dict[str, Path] | None = None) -> pd.DataFrame:
    """Under-16s in relative low income per council and FYE (0-4 + 5-10 + 11-15): ``gss, fye, children``.

    A band file whose LAs differ from the others' raises DataError; a band that is nil or negligible
    (``..``) leaves the total unknown.
    """
    dwp_files = dwp_files or {band: dwp_path(band) for band in DWP_BANDS}
    return _sum_bands({p: read_statxplore(p) for p in dwp_files.values()}, ["gss", "fye"], "children")


def low_income_units(las: pd.DataFrame, dwp_files: dict[str, Path] | None = None,
                     nomis_files: dict[str, Path] | None = None) -> pd.DataFrame:
    """Under-16s in relative low income per panel unit (``carerates.geography``) and FYE.

    Returns ``unit, year, low_income_children, population_0_15, low_income_pct, rule`` where
    ``year`` is the financial year's end (2015-2022) and the population the mid-(year-1)
    estimate. A band file whose LAs differ from the others' raises DataError.
    """
    dwp_files = dwp_files or {band: dwp_path(band) for band in DWP_BANDS}
    nomis_files = nomis_files or {band: nomis_path(band) for band in ONS_BANDS}
    children = read_children_under_16(dwp_files)
    population = _sum_bands({p: read_nomis(p) for p in nomis_files.values()}, ["gss", "mid_year"], "population")
    population = population.assign(fye=population["mid_year"] + 1).drop(columns="mid_year")
    both = children.merge(population, on=["gss", "fye"], how="left")
    both = both.rename(columns={"fye": "year", "children": "low_income_children",
                                "population": "population_0_15"})
    units = to_units(both, ["low_income_children", "population_0_15"], known=set(las["gss"]),
                     path=next(iter(dwp_files.values())))
    units["low_income_pct"] = 100 * units["low_income_children"] / units["population_0_15"]
    return units[["unit", "year", "low_income_children", "population_0_15", "low_income_pct", "rule"]]


def _sum_bands(frames: dict[Path, pd.DataFrame], key: list[str], column: str) -> pd.DataFrame:
    first_path, first = next(iter(frames.items()))
    codes = set(first["gss"])
    total = first.set_index(key)[column]
    for path, frame in list(frames.items())[1:]:
        if set(frame["gss"]) != codes:
            diff = sorted(codes ^ set(frame["gss"]))[:5]
            raise DataError(path, f"LAs differ from those of {Path(first_path).name}: {diff}")
        # NaN (nil or negligible) in one band keeps the total unknown, never silently low.
        total = total.add(frame.set_index(key)[column], fill_value=np.nan)
    return total.reset_index()
