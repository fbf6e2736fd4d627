"""The canonical LA table: the 152 upper-tier LAs of 2017, and matching onto it.

Every source is joined on the 2017 GSS code through this table, so an LA code or
name that cannot be matched stops the pipeline instead of silently dropping an LA.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from . import paths
from .errors import DataError
from .io import read_parquet

#: The ten regions of DfE's tables (London split), in DfE's order.
REGIONS = (
    "North East", "North West", "Yorkshire and The Humber", "East Midlands", "West Midlands",
    "East of England", "Inner London", "Outer London", "South East", "South West",
)

#: GSS codes replaced in 2013 (ANALYSIS.md, "Units, years and names").
OLD_GSS = {"E08000020": "E08000037", "E06000048": "E06000057"}

#: How many upper-tier LAs had children's social care duties in 2017 (ANALYSIS.md, "Units").
N_LAS = 152

#: Excluded from every analysis: no child was looked after there in 2012-2017.
ISLES_OF_SCILLY = "E06000053"

LA_TYPES = {
    "E06": "Unitary authority",
    "E08": "Metropolitan district",
    "E09": "London borough",
    "E10": "County council",
}

#: Names other releases use for an LA, keyed by DfE's 2017 spelling's normal form.
NAME_ALIASES = {
    "bristol": "bristol city of",
    "city of bristol": "bristol city of",
    "kingston upon hull": "kingston upon hull city of",
    "hull": "kingston upon hull city of",
    "city of kingston upon hull": "kingston upon hull city of",
    "medway": "medway towns",
    "county durham": "durham",
    "herefordshire county of": "herefordshire",
    "st helens": "st helens",
    "city of london corporation": "city of london",
    "isles of scilly council": "isles of scilly",
    "city of york": "york",
    "york city of": "york",
    "city of nottingham": "nottingham",
    "city of derby": "derby",
    "city of leicester": "leicester",
    "city of peterborough": "peterborough",
    "city of plymouth": "plymouth",
    "city of portsmouth": "portsmouth",
    "city of southampton": "southampton",
    "city of stoke on trent": "stoke on trent",
    "city of westminster": "westminster",
    "city of wolverhampton": "wolverhampton",
    "city of bradford": "bradford",
    "city of leeds": "leeds",
    "city of sunderland": "sunderland",
    "city of birmingham": "birmingham",
    "city of manchester": "manchester",
    "city of liverpool": "liverpool",
    "city of sheffield": "sheffield",
    "city of wakefield": "wakefield",
    "city of coventry": "coventry",
    "city of salford": "salford",
    "city of brighton and hove": "brighton and hove",
    "brighton & hove": "brighton and hove",
    "windsor and maidenhead": "windsor and maidenhead",
    "royal borough of windsor and maidenhead": "windsor and maidenhead",
    "royal borough of kingston upon thames": "kingston upon thames",
    "royal borough of kensington and chelsea": "kensington and chelsea",
    "royal borough of greenwich": "greenwich",
    "bath and ne somerset": "bath and north east somerset",
    "bath & north east somerset": "bath and north east somerset",
    "southend": "southend on sea",
    "stockton": "stockton on tees",
    "telford and the wrekin": "telford and wrekin",
    "newcastle": "newcastle upon tyne",
    "isle of wight council": "isle of wight",
}


def normalise_name(name: str) -> str:
    """A name reduced for matching: lower case, '&' as 'and', no punctuation or 'council'."""
    text = str(name).lower().replace("&", " and ").replace("st.", "st ")
    text = re.sub(r"[^a-z ]+", " ", text)
    text = re.sub(r"\b(council|borough of|metropolitan borough|county council)\b$", " ", text.strip())
    return re.sub(r"\s+", " ", text).strip()


def la_type(gss: str) -> str:
    """The LA's type from its GSS prefix."""
    return LA_TYPES[gss[:3]]


def build_la_table(laa1: pd.DataFrame, path: str | Path = "LAA1", expected: int | None = None) -> pd.DataFrame:
    """The canonical table from the 2017 release's LAA1 rows (``sources.cla.read_laa1``).

    With ``expected`` (``N_LAS`` for the real release), a sheet holding another
    number of LAs stops naming ``path``: every other source is checked against
    this table, so it must not be partial itself.
    """
    table = laa1[["gss", "la_number", "la_name", "region"]].copy()
    unknown = sorted(set(table["region"]) - set(REGIONS))
    if unknown:
        raise DataError(path, f"unexpected region header(s) {unknown}")
    if expected is not None and len(table) != expected:
        raise DataError(path, f"sheet LAA1 lists {len(table)} LAs, expected {expected} "
                              "(truncated or partial file?)")
    table["la_type"] = table["gss"].map(la_type)
    table["excluded"] = table["gss"].eq(ISLES_OF_SCILLY)
    table["region"] = pd.Categorical(table["region"], categories=list(REGIONS), ordered=True)
    table["la_number"] = table["la_number"].astype("int64")
    table = table.sort_values(["region", "la_name"], ignore_index=True)
    return table[["gss", "la_number", "la_name", "la_type", "region", "excluded"]]


def load_las() -> pd.DataFrame:
    """The canonical LA table written by 01 ingest (``data/processed/las.parquet``)."""
    table = read_parquet(paths.processed("las.parquet"))
    table["region"] = pd.Categorical(table["region"].astype(str), categories=list(REGIONS), ordered=True)
    return table


def analysis_las(las: pd.DataFrame | None = None) -> pd.DataFrame:
    """The 151 LAs every analysis uses (the Isles of Scilly removed)."""
    las = load_las() if las is None else las
    return las.loc[~las["excluded"]].reset_index(drop=True)


def canonical_gss(codes: pd.Series, path: str | Path, las: pd.DataFrame,
                  allow: set[str] | None = None) -> pd.Series:
    """Codes mapped to the 2017 canonical code; an unknown LA code raises DataError.

    ``allow`` lists codes that may be absent from ``las`` and pass through
    unchanged (rarely needed).
    """
    known = set(las["gss"]) | set(allow or ())
    mapped = codes.astype(str).str.strip().replace(OLD_GSS)
    unknown = sorted(set(mapped) - known)
    if unknown:
        raise DataError(path, f"unknown LA code(s) {unknown[:10]}{' ...' if len(unknown) > 10 else ''}")
    return mapped


def gss_from_number(numbers: pd.Series, path: str | Path, las: pd.DataFrame) -> pd.Series:
    """DfE three-digit LA numbers as canonical GSS codes; unknown numbers raise DataError."""
    lookup = dict(zip(las["la_number"].astype(int), las["gss"]))
    as_int = pd.to_numeric(numbers.astype(str).str.strip(), errors="coerce")
    bad = sorted(set(numbers[as_int.isna() | ~as_int.isin(list(lookup))].astype(str)))
    if bad:
        raise DataError(path, f"unknown LA number(s) {bad[:10]}")
    return as_int.astype(int).map(lookup)


def gss_from_name(names: pd.Series, path: str | Path, las: pd.DataFrame,
                  aliases: dict[str, str] | None = None) -> pd.Series:
    """LA names as canonical GSS codes, through normalised names and aliases.

    ``aliases`` maps a source's normalised name to a normalised 2017 DfE name and
    is consulted before the built-in ``NAME_ALIASES``. Any name left unmatched
    raises DataError listing them all.
    """
    table = {normalise_name(n): g for n, g in zip(las["la_name"], las["gss"])}
    extra = {normalise_name(k): normalise_name(v) for k, v in {**NAME_ALIASES, **(aliases or {})}.items()}
    out, unmatched = [], []
    for name in names.astype(str):
        key = normalise_name(name)
        key = key if key in table else extra.get(key, key)
        if key not in table:
            unmatched.append(name)
        out.append(table.get(key))
    if unmatched:
        raise DataError(path, f"LA name(s) not matched to the 2017 LA table: {sorted(set(unmatched))}")
    return pd.Series(out, index=names.index, name="gss")
