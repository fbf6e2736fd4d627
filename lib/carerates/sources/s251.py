"""Section 251 outturn, Table A1: the two spending lines behind LAIT's unit cost of social work.

One workbook per financial year (``finance/s251/s251yeYYYY.*``, YYYY = the year
the financial year ends). Every spending line of every LA is one row. Between
years the header row moves (row 3 to row 0), the description column is renamed
(``CYPServiceDescription`` -> ``Description``), descriptions gain a line-number
prefix ("17 ", "18. ", "3.3.1 "), 2012-13 and 2013-14 spell "Comissioning", and
the line numbers themselves change. The lines are therefore selected by a
*per-year mapping* (:data:`S251_LINES`) that names both the line number and the
wording expected for it; a row is taken only when both agree, and each line must
be found exactly once for every LA, or the year fails with a ``DataError``.

2011-12 uses the older structure: social work and commissioning were reported
together on line 14 "Commissioning and social work (includes LA functions in
relation to child protection)", and the strategy function on line 28
"Children's Services Strategy". From 2012-13 the two lines of LAIT's indicator
are "Social work (including LA functions in relation to child protection)" and
"Commissioning and Children's Services Strategy". The two-line sum therefore
covers the same services in every year, even though the split between the two
lines differs in 2011-12. 2010-11 (``s251ye2011``) had no social-work line at all
(only "LA functions in relation to child protection" and a memorandum
"Commissioning and social work" line), so it is not read.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path

import pandas as pd

from .. import paths
from ..errors import DataError
from ..io import parse_numbers, sheet_table

#: Workbook and sheet per year (year = the 31 March the financial year ends).
S251_FILES: dict[int, tuple[str, str]] = {
    2012: ("finance/s251/s251ye2012.xlsx", "TA1_AllData_1112_180113"),
    2013: ("finance/s251/s251ye2013.xlsx", "Sheet1"),
    2014: ("finance/s251/s251ye2014.ods", "TA1AllData_13112014"),
    2015: ("finance/s251/s251ye2015.xlsx", "Sheet1"),
    2016: ("finance/s251/s251ye2016.xlsx", "Table_A1"),
    2017: ("finance/s251/s251ye2017.xlsx", "Table_A1"),
}

_OLD = ("14", r"commissioning and social work \(includes la functions in relation to( child protection\)?)?")
_OLD_STRATEGY = ("28", r"children's services strategy")
_SOCIAL_WORK = r"social work \(includ(es|ing) la functions in relation to child protection\)?"
_STRATEGY = r"commissioning and children's services strategy"

#: The two lines of the indicator per year: component -> (line number, wording).
#: Wording is a regular expression matched in full against the normalised
#: description (see :func:`normalise_description`).
S251_LINES: dict[int, dict[str, tuple[str, str]]] = {
    2012: {"social_work": _OLD, "strategy": _OLD_STRATEGY},
    2013: {"social_work": ("17", _SOCIAL_WORK), "strategy": ("18", _STRATEGY)},
    2014: {"social_work": ("18", _SOCIAL_WORK), "strategy": ("19", _STRATEGY)},
    2015: {"social_work": ("18", _SOCIAL_WORK), "strategy": ("19", _STRATEGY)},
    2016: {"social_work": ("18", _SOCIAL_WORK), "strategy": ("19", _STRATEGY)},
    2017: {"social_work": ("3.3.1", _SOCIAL_WORK), "strategy": ("3.3.2", _STRATEGY)},
}

#: Column roles and the names each layout gives them (compared after removing
#: everything but letters and digits, lower case).
_COLUMN_NAMES = {
    "la_number": ["la"],
    "line": ["linenumber", "line", "s251line"],
    "description": ["cypservicedescription", "description", "s52linereference"],
    "gross": ["totalexpenditure", "totalexpenditurek"],
    "net": ["netcurrentexpenditure", "netcurrentexpenditurem"],
}

_PREFIX = re.compile(r"^\s*\d+(\.\d+)*\.?\s+")


@functools.lru_cache(maxsize=4096)  # every LA repeats the same few hundred descriptions
def normalise_description(text) -> str:
    """A line description reduced to comparable wording.

    Drops the line-number prefix ("17 ", "18. ", "3.3.1 "), lower-cases, unifies
    curly apostrophes, corrects the "Comissioning" misspelling of 2012-13 and
    2013-14 and collapses white space (tabs and non-breaking spaces included).
    """
    text = str(text).replace("\u2019", "'").replace("\xa0", " ")
    text = _PREFIX.sub("", text)
    text = re.sub(r"\s+", " ", text).strip().lower()
    return text.replace("comissioning", "commissioning")


def _key(name) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _line_ref(value) -> str:
    """A line-number cell as text: 18, 18.0 and "18" all become "18"."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _find_header(sheet: pd.DataFrame, path: Path) -> int:
    first = sheet.iloc[:, 0].astype(str).str.strip().str.upper()
    rows = sheet.index[first == "LA"].tolist()
    if len(rows) != 1:
        raise DataError(path, f"expected one header row starting 'LA', found {len(rows)}")
    return rows[0]


def read_table_a1(path: str | Path, sheet: str, year: int) -> pd.DataFrame:
    """The two indicator lines of one Table A1 workbook, one row per LA.

    Columns: ``la_number`` (int), ``year``, ``social_work_gross``,
    ``social_work_net``, ``strategy_gross``, ``strategy_net`` (cash £; gross =
    total expenditure, net = net current expenditure, i.e. gross less income).
    """
    path = Path(path)
    if year not in S251_LINES:
        raise DataError(path, f"no S251 line mapping for the year ending March {year}")
    raw = sheet_table(path, sheet)
    header = _find_header(raw, path)
    names = {_key(v): i for i, v in enumerate(raw.iloc[header].tolist()) if pd.notna(v)}
    cols = {}
    for role, options in _COLUMN_NAMES.items():
        found = [names[o] for o in options if o in names]
        if len(found) != 1:
            raise DataError(
                path,
                f"cannot find the {role!r} column (one of {options}); header is "
                f"{[str(v) for v in raw.iloc[header].tolist()]}",
            )
        cols[role] = found[0]
    body = raw.iloc[header + 1 :]
    body = body[body.iloc[:, cols["la_number"]].notna()]
    table = pd.DataFrame(
        {
            "la_number": parse_numbers(body.iloc[:, cols["la_number"]], path, "LA"),
            "line": [_line_ref(v) for v in body.iloc[:, cols["line"]]],
            "description": [normalise_description(v) for v in body.iloc[:, cols["description"]]],
            "gross": parse_numbers(body.iloc[:, cols["gross"]], path, "total expenditure"),
            "net": parse_numbers(body.iloc[:, cols["net"]], path, "net current expenditure"),
        }
    )
    if table["la_number"].isna().any():
        raise DataError(path, "LA number missing on some rows")
    table["la_number"] = table["la_number"].astype(int)
    n_las = table["la_number"].nunique()

    out = pd.DataFrame({"la_number": sorted(table["la_number"].unique())})
    for component, (line, wording) in S251_LINES[year].items():
        pattern = re.compile(wording)
        by_words = table["description"].map(lambda d: bool(pattern.fullmatch(d)))  # noqa: B023 (used at once)
        chosen = table[by_words]
        if (chosen["line"] != line).any():
            bad = sorted(set(chosen.loc[chosen["line"] != line, "line"]))
            raise DataError(path, f"{component}: wording /{wording}/ found on line(s) {bad}, expected line {line}")
        per_la = chosen.groupby("la_number").size()
        if len(per_la) != n_las or (per_la != 1).any():
            missing = sorted(set(table["la_number"]) - set(per_la.index))
            repeated = sorted(per_la.index[per_la > 1])
            raise DataError(
                path,
                f"{component} line {line} /{wording}/ must appear exactly once per LA: "
                f"missing for {len(missing)} LA(s) {missing[:5]}, repeated for {repeated[:5]}",
            )
        blank = chosen[chosen[["gross", "net"]].isna().any(axis=1)]
        if not blank.empty:
            raise DataError(path, f"{component} line {line}: amount missing for LA(s) {sorted(blank['la_number'])[:5]}")
        chosen = chosen.set_index("la_number")
        for measure in ("gross", "net"):
            out[f"{component}_{measure}"] = out["la_number"].map(chosen[measure])
    out.insert(1, "year", year)
    return out


def load_s251(years=None) -> pd.DataFrame:
    """Table A1's indicator lines for the given years (default: all mapped), stacked."""
    years = sorted(S251_FILES) if years is None else years
    frames = []
    for year in years:
        file, sheet = S251_FILES[year]
        frames.append(read_table_a1(paths.raw(file), sheet, year))
    return pd.concat(frames, ignore_index=True)
