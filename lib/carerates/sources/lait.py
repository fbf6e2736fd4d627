"""DfE's Local Authority Interactive Tool (LAIT) data, 2016-2025 (``lait/bds_long_0.parquet``).

Long format as the LAIT app loads it: ``Short Desc, Data item, Years, LA and Regions,
Values, LA Number, Region``. ``Values`` is text with ``-`` for missing; England is LA
number 970 and the regions 980-990; no GSS codes, so LAs are matched by DfE number
(successor councils through ``carerates.geography.numbers_to_codes``).

Year labels, and the ``year`` this module gives them:

- ``"2016"``: the indicator's own year: 31 March for children looked after, UASC and
  children in need; the 30 September snapshot for the workforce rates;
- ``"2016-17 (OT)"``: section 251 outturn for the financial year ending March 2017 -> 2017.

LAIT carries DfE's **revised** series, which differ for some LAs from the releases as
first published: compare before joining.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..errors import DataError
from ..geography import numbers_to_codes, to_units
from ..io import parse_number, require_columns, require_file

#: Indicator short name -> (column name here, additive across councils?).
INDICATORS = {
    "Unacc_Asylmn_Seek_Childn": ("uasc", True),
    "LACnum": ("cla_number", True),
    "LAC": ("cla_rate", False),
    "CIN": ("cin_rate", False),
    "SWFinance": ("unit_cost_weekly", False),
    "TotalLACFinance": ("lac_spend", True),
    "SafeguardingFinance": ("safeguarding_spend", True),
    "Work_Force_TO_Rate": ("turnover_pct", False),
    "Work_Force_Agecy_Rate": ("agency_pct", False),
}

COLUMNS = ["Short Desc", "Years", "LA and Regions", "Values", "LA Number"]
ENGLAND = 970
AREA_NUMBERS = range(970, 991)
_YEAR = re.compile(r"^(\d{4})$")
_FINANCIAL = re.compile(r"^(\d{4})-(\d{2}) \(OT\)$")


def raw_path() -> Path:
    return paths.raw("lait", "bds_long_0.parquet")


def year_of(label: str) -> int:
    """``"2017"`` -> 2017; ``"2016-17 (OT)"`` -> 2017 (financial year's end). Else ValueError."""
    label = str(label).strip()
    if match := _YEAR.match(label):
        return int(match.group(1))
    if match := _FINANCIAL.match(label):
        start, end = int(match.group(1)), int(match.group(2))
        if (start + 1) % 100 != end:
            raise ValueError(f"financial year label {label!r} does not span one year")
        return start + 1
    raise ValueError(f"unexpected year label {label!r}")


def read_lait(path: str | Path | None = None, indicators=tuple(INDICATORS)) -> pd.DataFrame:
    """The chosen indicators as ``indicator, year, la_number, area, value`` (value NaN for ``-``).

    DataError (naming the file, and the row and area) on a missing column or
    indicator, an unexpected year label or a value that is not a number.
    """
    path = require_file(path or raw_path())
    try:
        raw = pd.read_parquet(path, columns=COLUMNS, filters=[("Short Desc", "in", list(indicators))])
    except (KeyError, ValueError) as err:
        raise DataError(path, f"cannot read the LAIT columns {COLUMNS} ({err})") from None
    except Exception as err:  # pyarrow's own errors on a corrupt or non-parquet file
        raise DataError(path, f"cannot be read as parquet ({type(err).__name__}: {err})") from None
    require_columns(raw, COLUMNS, path)
    absent = sorted(set(indicators) - set(raw["Short Desc"]))
    if absent:
        raise DataError(path, f"indicator(s) not found: {absent}")
    raw = raw.reset_index(drop=True)
    years, values = np.empty(len(raw), dtype=int), np.empty(len(raw), dtype=float)
    labels, cells, areas = raw["Years"].tolist(), raw["Values"].tolist(), raw["LA and Regions"].tolist()
    cache: dict[str, int] = {}
    for i in range(len(raw)):
        try:
            label = labels[i]
            years[i] = cache[label] if label in cache else cache.setdefault(label, year_of(label))
            values[i] = parse_number(cells[i])
        except ValueError as err:
            raise DataError(path, f"row {i} ({raw.at[i, 'Short Desc']}, {areas[i]}): {err}") from None
    if raw["LA Number"].isna().any():
        row = int(np.flatnonzero(raw["LA Number"].isna())[0])
        raise DataError(path, f"row {row} ({areas[row]}): no LA number")
    out = pd.DataFrame({"indicator": raw["Short Desc"].astype(str), "year": years,
                        "la_number": raw["LA Number"].astype(int), "area": raw["LA and Regions"].astype(str),
                        "value": values})
    if out.duplicated(["indicator", "year", "la_number"]).any():
        dup = out.loc[out.duplicated(["indicator", "year", "la_number"])].iloc[0]
        raise DataError(path, f"{dup['indicator']} {dup['year']} {dup['area']}: listed twice")
    return out.sort_values(["indicator", "la_number", "year"], ignore_index=True)


def areas(long: pd.DataFrame) -> pd.DataFrame:
    """England and region rows, wide: ``la_number, area, year`` and one column per indicator."""
    rows = long[long["la_number"].isin(AREA_NUMBERS)]
    wide = rows.pivot_table(index=["la_number", "year"], columns="indicator", values="value",
                            aggfunc="first", dropna=False).reset_index()
    wide.columns.name = None
    names = rows.drop_duplicates("la_number").set_index("la_number")["area"]
    wide.insert(1, "area", wide["la_number"].map(names))
    return wide.rename(columns={k: v for k, (v, _) in INDICATORS.items()})


def lait_units(long: pd.DataFrame, las: pd.DataFrame, path: str | Path | None = None) -> pd.DataFrame:
    """The LA rows on the 2017 panel units (``carerates.geography``): ``unit, year`` and one
    column per indicator. Additive indicators (counts, £) are summed over successors or
    merged councils; rates and unit costs are kept only where the unit is one council
    (NaN for Bournemouth+Poole+Dorset, and for Northamptonshire and Cumbria after their splits)."""
    path = path or raw_path()
    rows = long[~long["la_number"].isin(AREA_NUMBERS)].copy()
    rows["gss"] = numbers_to_codes(rows["la_number"], las, path).to_numpy()
    known = set(las["gss"])
    parts = []
    for indicator, frame in rows.groupby("indicator", sort=True):
        name, additive = INDICATORS.get(indicator, (indicator, False))
        units = to_units(frame.rename(columns={"value": name}), [name], known=known, path=path)
        if not additive:
            units.loc[units["members"].str.contains("+", regex=False), name] = np.nan
        parts.append(units.set_index(["unit", "year"])[name])
    out = pd.concat(parts, axis=1).reset_index()
    return out.sort_values(["unit", "year"], ignore_index=True)
