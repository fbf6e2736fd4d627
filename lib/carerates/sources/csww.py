"""DfE's children's social work workforce indicators, snapshots 30 September 2017-2025
(``workforce/csww_indicators_2017_to_2025.csv``, explore-education-statistics layout).

Used by chapter 10 to check LAIT's workforce rates against DfE's own file. Joint returns
(Kingston upon Thames with Richmond upon Thames from 2017; North with West
Northamptonshire in 2021) have one row with codes such as ``E09000021 / E09000027``:
:func:`read_indicators` gives each member council the joint row's rates, as LAIT does,
and flags it ``joint``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import paths
from ..errors import DataError
from ..geography import SUCCESSOR_CODES
from ..io import parse_numbers, read_csv, require_columns

COLUMNS = {"turnover_rate_fte": "turnover_pct", "agency_rate_fte": "agency_pct", "inpost_fte": "fte_social_workers",
           "leavers_fte": "fte_leavers", "agency_fte": "fte_agency"}


def raw_path() -> Path:
    return paths.raw("workforce", "csww_indicators_2017_to_2025.csv")


def read_indicators(path: str | Path | None = None, las: pd.DataFrame | None = None) -> pd.DataFrame:
    """LA rows: ``gss, snapshot_year, joint`` and the columns of ``COLUMNS`` (NaN where suppressed).

    DataError naming the file (and column and row) on a missing column, an unknown
    suppression mark or number, an unknown LA code (with ``las``) or a council listed twice.
    """
    path = Path(path or raw_path())
    raw = read_csv(path, encoding="utf-8-sig")
    require_columns(raw, ["time_period", "geographic_level", "new_la_code", *COLUMNS], path)
    rows = raw[raw["geographic_level"] == "Local authority"].reset_index(drop=True)
    if rows.empty:
        raise DataError(path, "no Local authority rows")
    values = pd.DataFrame({new: parse_numbers(rows[old], path, old) for old, new in COLUMNS.items()})
    codes = rows["new_la_code"].str.split("/")
    out = values.assign(snapshot_year=rows["time_period"].astype(int),
                        codes=codes.apply(lambda c: [x.strip() for x in c]),
                        joint=codes.str.len() > 1)
    out = out.explode("codes").rename(columns={"codes": "gss"}).reset_index(drop=True)
    if las is not None:
        unknown = sorted(set(out["gss"]) - set(las["gss"]) - SUCCESSOR_CODES)
        if unknown:
            raise DataError(path, f"unknown LA code(s) {unknown[:10]}")
    if out.duplicated(["gss", "snapshot_year"]).any():
        dup = out.loc[out.duplicated(["gss", "snapshot_year"]), ["gss", "snapshot_year"]].iloc[0].tolist()
        raise DataError(path, f"council {dup[0]} listed twice for {dup[1]}")
    return out[["gss", "snapshot_year", "joint", *COLUMNS.values()]].sort_values(
        ["gss", "snapshot_year"], ignore_index=True)
