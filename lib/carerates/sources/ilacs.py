"""Ofsted's latest ILACS judgements per LA as at 31 March 2025
(``ofsted/LA_Inspection_Outcomes_as_at_31_March_2025.ods``, sheet ``Inspections_as_at_31_March``).

One row per current council with its GSS code, inspection and publication dates, the
overall effectiveness and the sub-judgements (the care-leavers one only from 2023).
Grades as numbers, as chapter 07 codes the SIF: 1 Inadequate, 2 Requires improvement to
be good, 3 Good, 4 Outstanding. The inspections span 2018-2025 (ILACS), so "latest" means
a different year for each LA.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..errors import DataError
from ..geography import UNITS, SUCCESSOR_CODES, generation, unit_of
from ..io import read_sheet

SHEET = "Inspections_as_at_31_March"
GRADES = {"inadequate": 1, "requires improvement to be good": 2, "requires improvement": 2,
          "good": 3, "outstanding": 4}
#: Column header -> name here.
COLUMNS = {
    "local authority area code": "gss",
    "local authority name": "la_name",
    "inspection date": "inspection_date",
    "publication date": "publication_date",
    "overall effectiveness": "overall",
    "the impact of leaders on social work practice with children and families": "leadership",
    "the experiences and progress of children who need help and protection": "help_protection",
    "the experiences and progress of children in care": "children_in_care",
    "the experiences and progress of care leavers": "care_leavers",
}
JUDGEMENTS = ["overall", "leadership", "help_protection", "children_in_care", "care_leavers"]
OPTIONAL = {"care_leavers"}


def raw_path() -> Path:
    return paths.raw("ofsted", "LA_Inspection_Outcomes_as_at_31_March_2025.ods")


def _key(text) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().lower()


def read_latest(path: str | Path | None = None) -> pd.DataFrame:
    """``gss, la_name, inspection_date, publication_date`` and the judgements as grades 1-4.

    DataError naming the file and row on a missing header or column, an unknown grade,
    a missing overall judgement or a duplicated code.
    """
    path = Path(path or raw_path())
    sheet = read_sheet(path, SHEET)
    header = next((i for i in range(min(len(sheet), 20))
                   if "local authority area code" in {_key(v) for v in sheet.iloc[i]}), None)
    if header is None:
        raise DataError(path, f"sheet {SHEET}: no 'Local authority area code' header in the first 20 rows")
    names = [COLUMNS.get(_key(v)) for v in sheet.iloc[header]]
    missing = [c for c in COLUMNS.values() if c not in names and c not in OPTIONAL]
    if missing:
        raise DataError(path, f"sheet {SHEET}: column(s) {missing} not found")
    body = sheet.iloc[header + 1:]
    body.columns = [n or f"_{i}" for i, n in enumerate(names)]
    body = body[body["gss"].astype(str).str.strip().str.match(r"^E\d{8}$")]
    out = pd.DataFrame({"gss": body["gss"].astype(str).str.strip(), "la_name": body["la_name"].astype(str).str.strip()})
    for column in ("inspection_date", "publication_date"):
        out[column] = pd.to_datetime(body[column], errors="coerce")
    for column in JUDGEMENTS:
        if column not in body:
            out[column] = np.nan
            continue
        grades = []
        for row, code, value in zip(body.index, body["gss"], body[column]):
            text = _key(value) if pd.notna(value) and str(value).strip() else ""
            if not text:
                if column == "overall":
                    raise DataError(path, f"sheet {SHEET}, row {row + 1} (LA {code}): no overall effectiveness judgement")
                grades.append(np.nan)
            elif text in GRADES:
                grades.append(float(GRADES[text]))
            else:
                raise DataError(path, f"sheet {SHEET}, row {row + 1} (LA {code}), column {column}: "
                                      f"unknown grade {value!r}")
        out[column] = grades
    if out.empty:
        raise DataError(path, f"sheet {SHEET}: no LA rows")
    if out["gss"].duplicated().any():
        raise DataError(path, f"sheet {SHEET}: code(s) listed twice {sorted(out.loc[out['gss'].duplicated(), 'gss'])}")
    return out.reset_index(drop=True)


def unit_grades(latest: pd.DataFrame, las: pd.DataFrame, path: str | Path | None = None) -> pd.DataFrame:
    """The grades per panel unit (``carerates.geography``): a unit of several councils gets a
    grade only if every member council has one and they all agree (else NaN); ``members``
    lists the councils used. An unknown code raises DataError."""
    known = set(las["gss"]) | SUCCESSOR_CODES
    unknown = sorted(set(latest["gss"]) - known)
    if unknown:
        raise DataError(path or raw_path(), f"unknown LA code(s) {unknown[:10]}")
    frame = latest.assign(unit=latest["gss"].map(unit_of), generation=latest["gss"].map(generation))
    rows = []
    for unit, group in frame.groupby("unit", sort=True):
        old, new, _ = UNITS.get(unit, ((unit,), (), "same"))
        gen = group["generation"].iloc[0] if group["generation"].nunique() == 1 else None
        expected = set(old if gen == "old" else new) if gen else set()
        record = {"unit": unit, "members": "+".join(sorted(group["gss"]))}
        for column in JUDGEMENTS:
            values = group[column]
            agree = set(group["gss"]) == expected and values.notna().all() and values.nunique() == 1
            record[column] = float(values.iloc[0]) if agree else np.nan
        record["publication_date"] = group["publication_date"].max()
        rows.append(record)
    return pd.DataFrame(rows)
