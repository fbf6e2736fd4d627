"""Census ethnic groups (all ages) on the 2017 LAs: read by chapter 09 itself (not by 01).

- 2011 Census QS201EW (Nomis), usual residents of **all ages** by ethnic group, per 2011
  district / unitary / London borough. Districts (``E07``) are summed to their 2017 county
  through the ONS December 2016 LTLA -> UTLA lookup; a 2011 district code the 2016 lookup
  does not hold (the Hertfordshire recodings of 2012-2014) is matched by its name. Unitaries,
  metropolitan districts and London boroughs are 2017 LAs themselves (old Gateshead and
  Northumberland codes mapped by :func:`carerates.las.canonical_gss`). Welsh rows are dropped.
- 2021 Census (20 categories), usual residents of all ages per upper-tier LA on 2023
  boundaries, summed onto the 2017 panel units of :mod:`carerates.geography`.

Both give ``GROUPS`` counts and ``share_<group>`` (% of all usual residents). The tables by age
are not in the data, so these are shares of the whole population, not of children.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import geography, paths
from ..errors import DataError
from ..io import parse_numbers, read_csv, require_columns, require_complete_rows
from ..las import canonical_gss, normalise_name

CENSUS_2011 = ("ethnicity", "census2011_la_ethnic_groups.csv")
CENSUS_2021 = ("ethnicity", "census2021_ethnic_population_utla.csv")
LOOKUP_2016 = ("lookups", "LTLA16_to_UTLA16_Dec2016_Lookup_EW.csv")

#: Broad groups of both censuses, in the order ONS lists them in 2011 (White first: the reference).
GROUPS = ["white", "mixed", "asian", "black", "other"]
_COLUMNS_2011 = {"total": "Ethnic Group: All categories: Ethnic group; measures: Value",
                 "white": "Ethnic Group: White; measures: Value",
                 "mixed": "Ethnic Group: Mixed; measures: Value",
                 "asian": "Ethnic Group: Asian; measures: Value",
                 "black": "Ethnic Group: Black; measures: Value",
                 "other": "Ethnic Group: Other; measures: Value"}
#: 2021: the broad group is the text before the colon of the 20-category name.
_PREFIX_2021 = {"White": "white", "Mixed or Multiple ethnic groups": "mixed",
                "Asian, Asian British or Asian Welsh": "asian",
                "Black, Black British, Black Welsh, Caribbean or African": "black",
                "Other ethnic group": "other"}
_COLUMNS_2021 = ["2023 Upper tier local authorities Code", "Ethnic group (20 categories) Code",
                 "Ethnic group (20 categories)", "Observation"]


def _with_shares(counts: pd.DataFrame, path) -> pd.DataFrame:
    total = counts[GROUPS].sum(axis=1)
    if "total" in counts and (total - counts["total"]).abs().max() > 0:
        bad = counts.index[(total - counts["total"]).abs() > 0][:5].tolist()
        raise DataError(path, f"broad groups do not add up to all usual residents for {bad}")
    if (total <= 0).any():
        raise DataError(path, f"no residents for {counts.index[total <= 0][:5].tolist()}")
    out = counts[GROUPS].copy()
    out["total"] = total
    for group in GROUPS:
        out[f"share_{group}"] = 100 * out[group] / total
    return out


def read_census_2011(path: str | Path, lookup_path: str | Path, las: pd.DataFrame) -> pd.DataFrame:
    """2011 broad-group counts and shares per 2017 LA: index ``gss``; every LA of ``las`` present.

    ``las``: the canonical LA table (``gss, la_name``). An English code neither a 2017 LA nor a
    district of the lookup (by code or by name) raises DataError naming the file.
    """
    path, lookup_path = Path(path), Path(lookup_path)
    require_complete_rows(path)
    frame = read_csv(path, encoding="utf-8-sig")
    require_columns(frame, ["geography", "geography code", *_COLUMNS_2011.values()], path)
    frame = frame[frame["geography code"].str.strip().str.startswith("E")].copy()
    counts = pd.DataFrame({k: parse_numbers(frame[c], path, c).to_numpy() for k, c in _COLUMNS_2011.items()})
    code = frame["geography code"].str.strip().to_numpy()
    lookup = read_csv(lookup_path, encoding="utf-8-sig")
    require_columns(lookup, ["LTLA16CD", "LTLA16NM", "UTLA16CD"], lookup_path)
    by_code = dict(zip(lookup["LTLA16CD"].str.strip(), lookup["UTLA16CD"].str.strip()))
    by_name = dict(zip(lookup["LTLA16NM"].map(normalise_name), lookup["UTLA16CD"].str.strip()))
    district = pd.Series(code).str.startswith("E07").to_numpy()
    upper = pd.Series(code, dtype=object)
    for i in range(len(code)):
        if district[i]:
            upper[i] = by_code.get(code[i]) or by_name.get(normalise_name(frame["geography"].iloc[i]))
            if upper[i] is None:
                raise DataError(path, f"district {code[i]} ({frame['geography'].iloc[i]}) is not in {lookup_path.name}")
    counts["gss"] = canonical_gss(upper, path, las).to_numpy()
    summed = counts.groupby("gss", sort=True).sum()
    missing = sorted(set(las["gss"]) - set(summed.index))
    if missing:
        raise DataError(path, f"no 2011 Census rows for LA(s) {missing}")
    return _with_shares(summed, path)


def read_census_2021(path: str | Path, las: pd.DataFrame) -> pd.DataFrame:
    """2021 broad-group counts and shares per 2017 panel unit (:func:`geography.to_units`):
    index ``unit``. An unknown category or LA code raises DataError naming the file."""
    path = Path(path)
    require_complete_rows(path)
    frame = read_csv(path, encoding="utf-8-sig")
    require_columns(frame, _COLUMNS_2021, path)
    frame = frame[frame[_COLUMNS_2021[0]].str.strip().str.startswith("E")]
    frame = frame[frame[_COLUMNS_2021[1]].str.strip() != "-8"]  # "Does not apply": no residents
    prefix = frame[_COLUMNS_2021[2]].str.split(":").str[0].str.strip()
    unknown = sorted(set(prefix) - set(_PREFIX_2021))
    if unknown:
        raise DataError(path, f"unknown ethnic group(s) {unknown}")
    long = pd.DataFrame({"gss": geography.recode_same_area(frame[_COLUMNS_2021[0]].str.strip()),
                         "group": prefix.map(_PREFIX_2021),
                         "count": parse_numbers(frame["Observation"], path, "Observation")})
    wide = long.pivot_table(index="gss", columns="group", values="count", aggfunc="sum").reindex(columns=GROUPS)
    wide = wide.reset_index().assign(year=2021)
    units = geography.to_units(wide, GROUPS, known=set(las["gss"]), path=path).set_index("unit")
    wanted = geography.unit_table(las)
    missing = sorted(set(wanted.loc[~wanted["excluded"], "unit"]) - set(units.index))
    if missing:
        raise DataError(path, f"no 2021 Census rows for unit(s) {missing}")
    return _with_shares(units[GROUPS], path)


def load(las: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(census_2011 per 2017 LA, census_2021 per 2017 unit)`` from ``data/raw``."""
    return (read_census_2011(paths.raw(*CENSUS_2011), paths.raw(*LOOKUP_2016), las),
            read_census_2021(paths.raw(*CENSUS_2021), las))
