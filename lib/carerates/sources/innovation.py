"""DfE Children's Social Care Innovation Programme, first round: which LAs took part.

Source: ``data/raw/innovation/innovation_programme_round1_projects.csv``, a
*compiled* list (../shared/data/README.md): one row per LA and project, each
with the public address it rests on and a confidence level:

- ``confirmed``: the council itself led or jointly led a funded project;
- ``likely``: the LA was a named site of a project whose grant went to another body;
- ``uncertain``: weak evidence.

The study's predictor is binary (funded up to February 2016, from DfE's grant
letters, 63 LAs); the grant letters' lists were not found, so which LAs count
as funded depends on a confidence threshold, a parameter of chapter 05. An LA
named in several rows takes its strongest level.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .. import paths
from ..errors import DataError
from ..io import read_csv, require_columns

RAW_FILE = ("innovation", "innovation_programme_round1_projects.csv")
PROCESSED_NAME = "innovation_round1"

#: Strongest first.
CONFIDENCE_LEVELS = ("confirmed", "likely", "uncertain")

#: The level of an LA the list does not name.
NOT_LISTED = "not listed"

#: A threshold names the weakest level counted as funded.
THRESHOLD_LABELS = {
    "confirmed": "confirmed only",
    "likely": "confirmed or likely",
    "uncertain": "any evidence (confirmed, likely or uncertain)",
}

#: The list's spellings that the canonical table spells otherwise.
NAME_ALIASES = {
    "Medway": "Medway Towns",
    "Kingston Upon Hull, City of": "Kingston upon Hull, City of",
}

#: The report's section, for the association records.
SECTION = "3.5 innovation"

REQUIRED_COLUMNS = ("la_name", "project", "source", "confidence")


def raw_path() -> Path:
    return paths.raw(*RAW_FILE)


def read_projects(path: str | Path) -> pd.DataFrame:
    """The compiled list, one row per LA and project, checked.

    Every row must name an LA, a project, a source and a known confidence level.
    Returns the file's columns with ``confidence`` lower-cased and trimmed.
    """
    path = Path(path)
    frame = read_csv(path, encoding="utf-8")
    frame.columns = [c.strip() for c in frame.columns]
    require_columns(frame, REQUIRED_COLUMNS, path)
    if frame.empty:
        raise DataError(path, "no rows")
    for column in ("la_name", "project", "source"):
        frame[column] = frame[column].str.strip()
        blank = frame.index[frame[column] == ""].tolist()
        if blank:
            raise DataError(path, f"column {column!r} is blank in row(s) {blank[:10]}")
    frame["confidence"] = frame["confidence"].str.strip().str.lower()
    unknown = sorted(set(frame["confidence"]) - set(CONFIDENCE_LEVELS))
    if unknown:
        raise DataError(path, f"unknown confidence level(s) {unknown}; expected {list(CONFIDENCE_LEVELS)}")
    return frame


def la_confidence(projects: pd.DataFrame, las: pd.DataFrame, path: str | Path) -> pd.DataFrame:
    """One row per listed LA: ``gss, confidence`` (strongest of its rows) and row counts.

    Columns: ``gss, confidence, n_projects, n_confirmed, n_likely, n_uncertain``.
    A name that does not match the canonical LA table raises DataError.
    """
    from ..las import gss_from_name

    rows = projects.copy()
    rows["gss"] = gss_from_name(rows["la_name"], path, las, aliases=NAME_ALIASES)
    rank = {level: i for i, level in enumerate(CONFIDENCE_LEVELS)}
    rows["rank"] = rows["confidence"].map(rank)
    counts = pd.crosstab(rows["gss"], rows["confidence"]).reindex(columns=list(CONFIDENCE_LEVELS), fill_value=0)
    table = rows.groupby("gss").agg(rank=("rank", "min"), n_projects=("project", "size"))
    table["confidence"] = table["rank"].map(dict(enumerate(CONFIDENCE_LEVELS)))
    for level in CONFIDENCE_LEVELS:
        table[f"n_{level}"] = counts[level].astype("int64")
    table["n_projects"] = table["n_projects"].astype("int64")
    table = table.reset_index()
    return table[["gss", "confidence", "n_projects", *(f"n_{lv}" for lv in CONFIDENCE_LEVELS)]].sort_values(
        "gss", ignore_index=True)


def counted_levels(threshold: str) -> tuple[str, ...]:
    """The confidence levels counted as funded at a threshold (its weakest level)."""
    if threshold not in CONFIDENCE_LEVELS:
        raise ValueError(f"threshold must be one of {CONFIDENCE_LEVELS}, not {threshold!r}")
    return CONFIDENCE_LEVELS[: CONFIDENCE_LEVELS.index(threshold) + 1]


def funded(table: pd.DataFrame, gss: pd.Series, threshold: str) -> pd.Series:
    """Whether each LA in ``gss`` counts as funded at ``threshold``: a boolean Series indexed by gss.

    LAs absent from the list are not funded.
    """
    levels = counted_levels(threshold)
    listed = set(table.loc[table["confidence"].isin(levels), "gss"])
    codes = pd.Series(gss).astype(str)
    return pd.Series(codes.isin(listed).to_numpy(), index=codes.to_numpy(), name="funded")


def all_las(table: pd.DataFrame, las: pd.DataFrame) -> pd.DataFrame:
    """``la_confidence``'s table extended to every LA of ``las`` (unlisted: "not listed", 0 rows)."""
    out = las[["gss"]].merge(table, on="gss", how="left", validate="one_to_one")
    out["confidence"] = out["confidence"].fillna(NOT_LISTED)
    for column in ("n_projects", *(f"n_{lv}" for lv in CONFIDENCE_LEVELS)):
        out[column] = out[column].fillna(0).astype("int64")
    return out.sort_values("gss", ignore_index=True)


def compare_thresholds(table: pd.DataFrame, outcomes: dict[str, pd.Series], period: str,
                       thresholds: tuple[str, ...] = CONFIDENCE_LEVELS) -> pd.DataFrame:
    """Mann-Whitney U of each outcome, funded vs not, at each threshold: the sensitivity table.

    ``outcomes`` maps an outcome name ("average rate", "average change") to its
    values indexed by gss (LAs with a missing value are dropped from that test).
    One row per threshold and outcome: group sizes, medians, U = min(U1, U2), z,
    p (tie-corrected, no continuity correction; ``carerates.stats.mann_whitney``).
    """
    from ..stats import mann_whitney

    rows = []
    for threshold in thresholds:
        for outcome, values in outcomes.items():
            flags = funded(table, pd.Series(values.index), threshold)
            result = mann_whitney(values, flags, id=f"innovation_{threshold}", section=SECTION,
                                  outcome=outcome, predictor=f"Innovation Programme ({THRESHOLD_LABELS[threshold]})",
                                  period=period)
            d = result.details
            rows.append({
                "threshold": threshold, "counted_as_funded": THRESHOLD_LABELS[threshold], "outcome": outcome,
                "period": period, "n": result.n, "n_funded": d["n_group"], "n_not_funded": d["n_other"],
                "median_funded": d["median_group"], "median_not_funded": d["median_other"],
                "u": result.statistic, "z": d["z"], "p_value": result.p_value, "significant": result.significant,
            })
    return pd.DataFrame(rows)


def build_tables(las: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The processed table for 01 ingest: ``{"innovation_round1": one row per 2017 LA}``.

    Columns: ``gss, confidence`` (strongest level of the LA's rows, or
    "not listed"), ``n_projects, n_confirmed, n_likely, n_uncertain``.
    """
    from ..schema import Column, check_table

    path = raw_path()
    table = all_las(la_confidence(read_projects(path), las, path), las)
    columns = {
        "gss": Column("str", nullable=False),
        "confidence": Column("str", nullable=False),
        **{c: Column("int", min=0, nullable=False) for c in ("n_projects", *(f"n_{lv}" for lv in CONFIDENCE_LEVELS))},
    }
    return {PROCESSED_NAME: check_table(table, PROCESSED_NAME, key=["gss"], columns=columns, las=las)}
