"""Result files under ``figures/`` as ``../shared/spec/RESULTS.md`` specifies."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import paths
from .io import read_csv, write_csv
from .las import REGIONS
from .stats import RECORD_COLUMNS, TestResult, records

SUMMARY_COLUMNS = ["region", "n", "min", "max", "mean", "sd"]

#: The judgements of the Ofsted tests, as named in the association ids.
OFSTED_JUDGEMENTS = ("overall", "help_protection", "looked_after_permanence", "adoption",
                     "care_leavers", "leadership")

#: The study's tests, in the order of ../shared/spec/RESULTS.md; the ids never change meaning.
ASSOCIATION_IDS = (
    "poverty_level_2012_2015", "poverty_change_2012_2015", "poverty_change_2007_2015",
    "turnover_level_2013_2017", "turnover_level_2013_2017_excl_london", "agency_level_2013_2017",
    "turnover_change_2013_2017", "agency_change_2013_2017",
    "innovation_level_2012_2017", "innovation_change_2012_2017",
    "unit_cost_level_2012_2016", "unit_cost_change_2012_2016",
    *(f"ofsted_{j}_{kind}_2012_2017" for j in OFSTED_JUDGEMENTS for kind in ("level", "change")),
)


def regional_summary(values: pd.Series, las: pd.DataFrame) -> pd.DataFrame:
    """Min, max, mean and sample SD of an LA-level summary per region, ascending mean.

    ``values`` is indexed by gss; LAs with a missing value are left out of their
    region's n. The excluded Isles of Scilly never count.
    """
    frame = las.loc[~las["excluded"], ["gss", "region"]].copy()
    frame["value"] = frame["gss"].map(values)
    frame = frame.dropna(subset=["value"])
    grouped = frame.groupby(frame["region"].astype(str))["value"]
    table = pd.DataFrame({
        "n": grouped.size(),
        "min": grouped.min(),
        "max": grouped.max(),
        "mean": grouped.mean(),
        "sd": grouped.std(ddof=1),
    }).reset_index(names="region")
    order = {r: i for i, r in enumerate(REGIONS)}
    table["_order"] = table["region"].map(order)
    table = table.sort_values(["mean", "_order"], ignore_index=True).drop(columns="_order")
    table["n"] = table["n"].astype(int)
    return table[SUMMARY_COLUMNS]


def write_table(frame: pd.DataFrame, name: str) -> Path:
    """A result table ``figures/<name>`` (CSV, full precision, deterministic)."""
    if not name.endswith(".csv"):
        name += ".csv"
    return write_csv(frame, paths.figure(name))


def write_tests(results: list[TestResult], chapter: str) -> Path:
    """A chapter's test records as ``figures/tests_<chapter>.csv`` (assembled by 08)."""
    ids = [r.id for r in results]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"test id(s) used twice: {duplicated}")
    return write_table(records(results, with_direction=True), f"tests_{chapter}")


def read_tests(chapter_glob: str = "*") -> pd.DataFrame:
    """Every chapter's test records from ``figures/tests_<chapter>.csv``, in chapter order.

    The columns are those of ``associations.csv`` plus ``direction``.
    """
    files = sorted(paths.figures_dir().glob(f"tests_{chapter_glob}.csv"))
    frames = [pd.read_csv(f) for f in files]
    if not frames:
        return pd.DataFrame(columns=RECORD_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    table["significant"] = table["significant"].astype(bool)
    return table


def assemble_associations(tests: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split chapter test records into the study's tests (in RESULTS.md order) and the rest.

    Raises ValueError if a study id is missing or appears more than once, so
    ``figures/associations.csv`` always holds every id exactly once.
    """
    tests = tests.reset_index(drop=True)
    counts = tests["id"].value_counts()
    missing = [i for i in ASSOCIATION_IDS if i not in counts.index]
    repeated = sorted(counts[counts > 1].index)
    if missing or repeated:
        raise ValueError(f"associations: missing ids {missing}; repeated ids {repeated}")
    order = {i: k for k, i in enumerate(ASSOCIATION_IDS)}
    is_study = tests["id"].isin(order)
    study = tests[is_study].assign(_order=tests["id"].map(order)).sort_values("_order")
    study = study.drop(columns="_order").reset_index(drop=True)
    return study, tests[~is_study].reset_index(drop=True)


def rounded(frame: pd.DataFrame, digits: int = 1) -> pd.DataFrame:
    """A copy for display: floats rounded (files keep full precision)."""
    out = frame.copy()
    floats = out.select_dtypes(include=[np.floating]).columns
    out[floats] = out[floats].round(digits)
    return out
