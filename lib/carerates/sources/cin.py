"""Children in need at 31 March per LA (DfE, "Characteristics of children in need").

Two series are read:

- **as published**: the underlying-data CSV of each annual release, 2011-12 to
  2016-17 (column ``CINAt3103YY``; thousands separators inside quotes; ``..``
  for a few LAs that did not return usable data and ``x`` for the Isles of
  Scilly). The 2016-17 file's header says ``CINAt310316`` although its metadata
  (and the values, which differ from the 2015-16 release) make it the count at
  31 March 2017: the mapping below names that column explicitly, and
  :func:`load_cin_published` checks that it is not a copy of the 2016 count.
- **revised**: DfE's later series ``b1_children_in_need_2013_to_2025.csv``
  (``At31_episodes``), which revises some LAs by a few cases (a few by over a
  hundred) and starts only in 2013.

LAIT built its indicator from the counts as published at the time, and only the
as-published files cover 31 March 2012, so the as-published series is the
default (see ``notebooks/06_finance.ipynb``).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import paths
from ..errors import DataError
from ..io import parse_numbers, read_csv, require_columns, require_complete_rows

#: As-published underlying data: year (31 March) -> (file, column of the count).
CIN_RELEASES: dict[int, tuple[str, str]] = {
    2012: ("finance/cin/2011-12/SFR27-2012ud.csv", "CINAt310312"),
    2013: ("finance/cin/2012-13/SFR45-2013ud.csv", "CINAt310313"),
    2014: ("finance/cin/2013-14/SFR43-2014.csv", "CINAt310314"),
    2015: ("finance/cin/2014-15/SFR41-2015_Underlying_data.csv", "CINAt310315"),
    2016: ("finance/cin/2015-16/SFR52_2016_UD.csv", "CINAt310316"),
    # Mislabelled header: the metadata file calls this column CINAt310317.
    2017: ("finance/cin/2016-17/SFR61-2017_UD.CSV", "CINAt310316"),
}

CIN_REVISED = "finance/cin/b1_children_in_need_2013_to_2025.csv"


def read_cin_release(path: str | Path, column: str, year: int) -> pd.DataFrame:
    """One as-published release: ``la_number, year, cin`` for its LA rows (NaN = suppressed)."""
    path = Path(path)
    frame = read_csv(path)
    require_columns(frame, ["geog_l", "geog_c", column], path)
    require_complete_rows(path)
    rows = frame[frame["geog_l"].str.strip().str.upper() == "LA"]
    if rows.empty:
        raise DataError(path, "no LA rows (geog_l == 'LA')")
    numbers = parse_numbers(rows["geog_c"], path, "geog_c")
    if numbers.isna().any():
        raise DataError(path, "an LA row has no LA number in geog_c")
    out = pd.DataFrame({
        "la_number": numbers.astype(int).to_numpy(),
        "year": year,
        "cin": parse_numbers(rows[column], path, column).to_numpy(),
    })
    if out["la_number"].duplicated().any():
        raise DataError(path, f"LA number(s) repeated: {sorted(out.loc[out['la_number'].duplicated(), 'la_number'])}")
    return out


def load_cin_published(years=None) -> pd.DataFrame:
    """As-published children in need at 31 March, stacked over ``years`` (default all)."""
    years = sorted(CIN_RELEASES) if years is None else sorted(years)
    frames = {}
    for year in years:
        file, column = CIN_RELEASES[year]
        frames[year] = read_cin_release(paths.raw(file), column, year)
    if 2016 in frames and 2017 in frames:
        both = frames[2016].merge(frames[2017], on="la_number").dropna()
        if (both["cin_x"] == both["cin_y"]).all():
            raise DataError(paths.raw(CIN_RELEASES[2017][0]),
                            "the count read as 31 March 2017 equals the 2016 release's for every LA")
    return pd.concat(frames.values(), ignore_index=True)


def read_cin_revised(path: str | Path, years=None) -> pd.DataFrame:
    """DfE's revised series: ``la_number, year, cin`` for LA rows (``years`` to keep; default all)."""
    path = Path(path)
    frame = read_csv(path)
    require_columns(frame, ["time_period", "geographic_level", "old_la_code", "At31_episodes"], path)
    rows = frame[frame["geographic_level"] == "Local authority"]
    year = parse_numbers(rows["time_period"], path, "time_period").astype(int)
    if years is not None:
        keep = year.isin(list(years))
        rows, year = rows[keep], year[keep]
    numbers = parse_numbers(rows["old_la_code"], path, "old_la_code")
    if numbers.isna().any():
        raise DataError(path, "an LA row has no old_la_code")
    out = pd.DataFrame({
        "la_number": numbers.astype(int).to_numpy(),
        "year": year.to_numpy(),
        "cin": parse_numbers(rows["At31_episodes"], path, "At31_episodes").to_numpy(),
    })
    if out.duplicated(["la_number", "year"]).any():
        raise DataError(path, "an LA appears twice in one year")
    return out


def load_cin_revised(years=range(2013, 2018)) -> pd.DataFrame:
    """The revised series for ``years`` (default 2013-2017)."""
    return read_cin_revised(paths.raw(CIN_REVISED), years)
