"""The study's two period summaries of a yearly series per LA (ANALYSIS.md, "The outcome").

A period "start-end" of years ending 31 March covers the financial years
start/start+1 ... end-1/end. For 2012-2017:

- the **average level** is the mean of the values at 31 March of each year
  start+1 ... end (2013, ..., 2017);
- the **average change** is the mean of the year-on-year changes across the
  period, counting the change into its first year: the changes into
  start+1 ... end (2012->2013, ..., 2016->2017), which equals
  (value[end] - value[start]) / (end - start) when no year is missing.
"""
from __future__ import annotations

import numpy as np
import pandas as pd


def wide(panel: pd.DataFrame, column: str, key: str = "gss") -> pd.DataFrame:
    """A long ``key, year, column`` panel as one row per LA and one column per year."""
    duplicated = panel.duplicated([key, "year"])
    if duplicated.any():
        raise ValueError(f"panel has {duplicated.sum()} duplicated ({key}, year) rows")
    table = panel.pivot(index=key, columns="year", values=column)
    table.columns.name = None
    return table.sort_index()


def level_years(start: int, end: int) -> list[int]:
    """Years whose 31 March values make up the average level of period start-end."""
    if end <= start:
        raise ValueError(f"period {start}-{end}: end must be after start")
    return list(range(start + 1, end + 1))


def _require_years(table: pd.DataFrame, column: str, start: int, end: int, years: list[int]) -> None:
    """A period whose years the data do not have is refused, naming the years that are valid.

    (Every LA would otherwise get NaN, silently.)
    """
    present = sorted(int(y) for y in table.columns[table.notna().any(axis=0)])
    missing = [y for y in years if y not in present]
    if missing:
        cover = f"{present[0]}-{present[-1]}" if present else "no year"
        raise ValueError(f"period {start}-{end} needs {column} in {years[0]}-{years[-1]}, but the data cover "
                         f"{cover} (missing: {', '.join(map(str, missing))}); choose a period within {cover}")


def average_level(panel: pd.DataFrame, column: str, start: int, end: int,
                  min_years: int | None = None, key: str = "gss") -> pd.Series:
    """Mean of the values at 31 March of the years start+1 ... end, per LA.

    An LA needs at least ``min_years`` non-missing years (default: all of them)
    or it gets NaN, so an average is never silently taken over fewer years.
    """
    years = level_years(start, end)
    table = wide(panel, column, key)
    if min_years is None:
        _require_years(table, column, start, end, years)
    values = table.reindex(columns=years)
    needed = len(years) if min_years is None else min_years
    result = values.mean(axis=1, skipna=True)
    result[values.notna().sum(axis=1) < needed] = np.nan
    return result.rename(f"average_{column}")


def average_change(panel: pd.DataFrame, column: str, start: int, end: int,
                   min_changes: int | None = None, key: str = "gss") -> pd.Series:
    """Mean of the year-on-year changes into the years start+1 ... end, per LA.

    A change needs both of its years; an LA needs at least ``min_changes`` of
    the end - start changes (default: all) or it gets NaN.
    """
    level_years(start, end)  # checks the order
    years = list(range(start, end + 1))
    table = wide(panel, column, key)
    if min_changes is None:
        _require_years(table, column, start, end, years)
    values = table.reindex(columns=years)
    changes = values.diff(axis=1).iloc[:, 1:]
    needed = len(years) - 1 if min_changes is None else min_changes
    result = changes.mean(axis=1, skipna=True)
    result[changes.notna().sum(axis=1) < needed] = np.nan
    return result.rename(f"average_change_{column}")


def describe(values: pd.Series) -> dict:
    """N, mean, sample SD, min and max of a summary, ignoring missing values."""
    present = values.dropna()
    return {
        "n": int(present.size),
        "mean": float(present.mean()),
        "sd": float(present.std(ddof=1)),
        "min": float(present.min()),
        "max": float(present.max()),
    }


def direction_shares(changes: pd.Series) -> pd.DataFrame:
    """How many LAs had an average increase, no change or a decrease (exactly 0 = no change)."""
    present = changes.dropna()
    labels = np.select([present > 0, present < 0], ["increase", "decrease"], default="no change")
    counts = pd.Series(labels).value_counts().reindex(["increase", "no change", "decrease"], fill_value=0)
    return pd.DataFrame({
        "direction": counts.index,
        "n": counts.to_numpy(),
        "share": counts.to_numpy() / present.size,
    })
