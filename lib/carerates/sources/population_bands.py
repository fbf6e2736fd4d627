"""ONS mid-year estimates of children aged 0-15 by age band (Nomis, April 2021 boundaries).

``population/nomis_2009_2021/popest-{0-4,5-9,10-14,15}.csv``, mid-2009 to mid-2021, read with
:func:`carerates.sources.dwp.read_nomis`. On the panel units of :mod:`carerates.geography`
(Bournemouth, Christchurch and Poole with the 2019 Dorset as one unit; North and West
Northamptonshire summed), each band a column and their sum ``pop_0_15``. ``year`` is the year
ending 31 March that contains the mid-year (mid-(Y-1) -> Y), the pairing of the entries and of DWP's
financial years.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import DataError
from ..geography import to_units
from ..schema import Column, check_table
from .dwp import ONS_BANDS, nomis_path, read_nomis

COLUMNS = {f"pop_{b.replace('-', '_')}": b for b in ONS_BANDS}


def read_bands(files: dict[str, Path] | None = None) -> pd.DataFrame:
    """Per council and mid-year: ``gss, mid_year, pop_0_4, pop_5_9, pop_10_14, pop_15, pop_0_15``.

    Every band file must list the same councils and years, or DataError names the odd one.
    """
    files = files or {band: nomis_path(band) for band in ONS_BANDS}
    missing = [b for b in ONS_BANDS if b not in files]
    if missing:
        raise DataError(next(iter(files.values()), "population"), f"age band file(s) missing: {missing}")
    wide = None
    for band in ONS_BANDS:
        path = files[band]
        frame = read_nomis(path).rename(columns={"population": f"pop_{band.replace('-', '_')}"})
        if wide is None:
            wide, first = frame, path
            continue
        keys = set(map(tuple, frame[["gss", "mid_year"]].to_numpy()))
        if keys != set(map(tuple, wide[["gss", "mid_year"]].to_numpy())):
            odd = sorted(set(frame["gss"]) ^ set(wide["gss"]))[:5]
            raise DataError(path, f"councils or years differ from those of {Path(first).name}: {odd or 'years'}")
        wide = wide.merge(frame, on=["gss", "mid_year"])
    wide["pop_0_15"] = wide[list(COLUMNS)].sum(axis=1, min_count=len(COLUMNS))
    return wide


def population_units(las: pd.DataFrame, files: dict[str, Path] | None = None) -> pd.DataFrame:
    """Per panel unit and year ending March (mid-(year-1)): ``unit, year, pop_0_4 ... pop_0_15``."""
    files = files or {band: nomis_path(band) for band in ONS_BANDS}
    wide = read_bands(files).assign(year=lambda f: f["mid_year"] + 1).drop(columns="mid_year")
    counts = [*COLUMNS, "pop_0_15"]
    units = to_units(wide, counts, known=set(las["gss"]), path=files[ONS_BANDS[0]])
    return check_table(units[["unit", "year", *counts]], "population_units", key=["unit", "year"],
                       columns={c: Column("float", min=0) for c in counts})
