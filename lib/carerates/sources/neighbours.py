"""DfE children's services statistical neighbours, April 2021 (the oldest list published), on the
2017 LAs: read by chapter 09 itself (not by 01), from the CSV edition of the benchmarking tool.

The list postdates the 2017 geography: a council abolished since keeps its "(Pre LG)" or old row
with its own neighbours; a neighbour that is a post-2019 council is mapped to the 2017 council it
replaced (new Dorset -> Dorset, North/West Northamptonshire -> Northamptonshire, as
:data:`SUCCESSOR_NUMBERS`) and Bournemouth, Christchurch and Poole, which
replaced two, is left out; a neighbour listed twice after the mapping is kept once (the closer).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import paths
from ..errors import DataError
from ..io import read_csv, require_complete_rows

APRIL_2021 = ("stat_neighbours", "New_Statistical_Neighbour_Groupings_April_2021.csv")
#: Post-2019 councils in the list -> the 2017 council they replaced (DfE numbers; BCP, 839, replaced
#: two and is left out).
SUCCESSOR_NUMBERS = {838: 835, 940: 928, 941: 928, 942: 909, 943: 909}
N_NEIGHBOURS = 10


def neighbour_pairs(body: pd.DataFrame, las: pd.DataFrame, path: str | Path, row_word: str = "line") -> pd.DataFrame:
    """The list's rows as ``gss, order, neighbour_gss, closeness`` on the 2017 LAs (the rules above).

    ``body``: the rows below the header, as read (column 0 the LA number, then from column 5 each
    neighbour's number and closeness), indexed so that ``index + 1`` is the row's ``row_word`` in the
    file. A neighbour that is not an LA number, an LA listed twice, or an analysis LA without a row
    raises DataError naming the file.
    """
    number = pd.to_numeric(body[0], errors="coerce")
    by_number = dict(zip(las["la_number"].astype(int), las["gss"]))
    keep = number.isin(list(by_number))
    body, number = body[keep], number[keep].astype(int)
    long = pd.concat([pd.DataFrame({"la": number, "order": k + 1, "neighbour": body[5 + 2 * k],
                                    "closeness": body[6 + 2 * k].astype(str).str.strip(), "line": body.index + 1})
                      for k in range(N_NEIGHBOURS)], ignore_index=True)
    value = pd.to_numeric(long["neighbour"], errors="coerce")
    if value.isna().any():
        bad = long[value.isna()].iloc[0]
        raise DataError(path, f"{row_word} {bad['line']}: neighbour {bad['order']} of LA {bad['la']} is not an LA number")
    long["neighbour"] = value.astype(int).replace(SUCCESSOR_NUMBERS)
    long = long[long["neighbour"].isin(list(by_number)) & (long["neighbour"] != long["la"])]
    long = long.sort_values(["la", "order"]).drop_duplicates(["la", "neighbour"])
    out = pd.DataFrame({"gss": long["la"].map(by_number), "order": long["order"],
                        "neighbour_gss": long["neighbour"].map(by_number), "closeness": long["closeness"]})
    twice = sorted(set(out.loc[out.duplicated(["gss", "order"]), "gss"]))
    if twice:
        raise DataError(path, f"LA(s) listed twice: {twice}")
    missing = sorted(set(las.loc[~las["excluded"].astype(bool), "gss"]) - set(out["gss"]))
    if missing:
        raise DataError(path, f"no neighbour row for LA(s) {missing}")
    return out.sort_values(["gss", "order"], ignore_index=True)


def read_neighbours(path: str | Path, las: pd.DataFrame) -> pd.DataFrame:
    """``gss, order, neighbour_gss, closeness`` (order 1 = closest) for every analysis LA of ``las``
    (``gss, la_number, excluded``), from the CSV edition (:func:`neighbour_pairs`)."""
    path = Path(path)
    require_complete_rows(path)
    frame = read_csv(path, header=None, encoding="utf-8-sig")
    if frame.shape[1] < 5 + 2 * N_NEIGHBOURS or str(frame.iloc[0, 5]).strip() != "SN1":
        raise DataError(path, "header should be 'LA num, LA Name, LA number, GOInd, GOReg, SN1, SNP, ...'")
    return neighbour_pairs(frame.iloc[1:], las, path)


def load(las: pd.DataFrame) -> pd.DataFrame:
    """The April 2021 neighbours from ``data/raw``."""
    return read_neighbours(paths.raw(*APRIL_2021), las)
