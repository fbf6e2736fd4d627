"""English Indices of Deprivation 2015: upper-tier LA summaries (MHCLG).

Source: ``data/raw/deprivation/imd2015_utla_summaries.xlsx``: one sheet per index or
domain, one row per upper-tier LA (152, on 2013 codes, which are the 2017 codes:
Gateshead and Northumberland already carry their new codes). Kept here, per LA:

- ``imd_score``: the population-weighted average IMD score of the LA's LSOAs (higher =
  more deprived) and ``imd_rank`` (1 = most deprived of 152);
- ``imd_share_10``: share (%) of the LA's LSOAs among England's most deprived 10%;
- ``idaci_score``: average IDACI score, the share (%) of children aged 0-15 living in
  income-deprived families (stored as a fraction in the file; here in %);
  ``idaci_rank`` and ``idaci_share_10`` as for the IMD.

The indices describe the LSOAs in 2012-2013 (most indicators) and are one cross-section:
they enter chapter 09 as a level, beside the low-income measure, never as a change.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import paths
from ..errors import DataError
from ..io import parse_numbers, read_sheet
from ..las import canonical_gss
from ..schema import Column, check_table

RAW_FILE = ("deprivation", "imd2015_utla_summaries.xlsx")
CODE_COLUMN = "Upper Tier Local Authority District code (2013)"
NAME_COLUMN = "Upper Tier Local Authority District name (2013)"

#: sheet -> {output column: (header, scale)}
SHEETS = {
    "IMD": {
        "imd_score": ("IMD - Average score", 1.0),
        "imd_rank": ("IMD - Rank of average score", 1.0),
        "imd_share_10": ("IMD - Proportion of LSOAs in most deprived 10% nationally", 100.0),
    },
    "IDACI": {
        "idaci_score": ("Income Deprivation Affecting Children Index (IDACI) - Average score", 100.0),
        "idaci_rank": ("Income Deprivation Affecting Children Index (IDACI) - Rank of average score", 1.0),
        "idaci_share_10": ("Income Deprivation Affecting Children Index (IDACI) - Proportion of LSOAs in "
                           "most deprived 10% nationally", 100.0),
    },
}


def raw_path() -> Path:
    return paths.raw(*RAW_FILE)


def read_summary_sheet(path: str | Path, sheet: str, columns: dict[str, tuple[str, float]],
                       las: pd.DataFrame) -> pd.DataFrame:
    """One summary sheet as ``gss, <columns>`` (headers matched after stripping spaces)."""
    raw = read_sheet(path, sheet, header=0)
    raw.columns = [str(c).strip() for c in raw.columns]
    needed = [CODE_COLUMN, *(header for header, _ in columns.values())]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise DataError(path, f"sheet {sheet}: missing column(s) {missing}")
    raw = raw[raw[CODE_COLUMN].astype(str).str.strip() != ""]
    out = pd.DataFrame({"gss": canonical_gss(raw[CODE_COLUMN].astype(str), f"{path} sheet {sheet}", las).to_numpy()})
    for name, (header, scale) in columns.items():
        values = parse_numbers(raw[header].astype(str), path, f"{sheet}: {header}").to_numpy()
        if pd.isna(values).any():
            raise DataError(path, f"sheet {sheet}: column {header!r} has missing values")
        out[name] = values * scale
    if out["gss"].duplicated().any():
        raise DataError(path, f"sheet {sheet}: LA code(s) listed twice: {sorted(set(out.loc[out['gss'].duplicated(), 'gss']))}")
    return out


def read_imd2015(path: str | Path, las: pd.DataFrame) -> pd.DataFrame:
    """The IMD and IDACI summaries joined per LA (every LA must be in both sheets)."""
    parts = [read_summary_sheet(path, sheet, columns, las) for sheet, columns in SHEETS.items()]
    merged = parts[0].merge(parts[1], on="gss", how="outer", indicator=True)
    odd = merged[merged["_merge"] != "both"]
    if not odd.empty:
        raise DataError(path, f"LA(s) in only one of the sheets {list(SHEETS)}: {sorted(odd['gss'])}")
    return merged.drop(columns="_merge").sort_values("gss", ignore_index=True)


def build_tables(las: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``{"deprivation": ...}``: IMD 2015 and IDACI 2015 per 2017 LA, validated."""
    table = read_imd2015(raw_path(), las)
    return {"deprivation": check_table(table, "deprivation", ["gss"], {
        "gss": Column("str", nullable=False),
        "imd_score": Column("float", 0, 100, nullable=False),
        "imd_rank": Column("float", 1, 152, nullable=False),
        "imd_share_10": Column("float", 0, 100, nullable=False),
        "idaci_score": Column("float", 0, 100, nullable=False),
        "idaci_rank": Column("float", 1, 152, nullable=False),
        "idaci_share_10": Column("float", 0, 100, nullable=False),
    }, las=las)}
