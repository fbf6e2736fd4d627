"""Children's social work workforce (DfE): social worker turnover and agency rates per LA.

DfE's "Children's social work workforce" statistics are snapshots at 30 September.
Two layouts are read, whatever the year:

- **wide underlying data** (the releases for the years to 30 September 2015 and 2016,
  ``SFR07_2016_UD.csv`` and ``SFR08_2017_UD.csv``, and the 2013 and 2014 releases in the
  same layout): one row per LA (after England and region rows), one column per measure
  and snapshot year, e.g. ``B3_FTE_TurnoverRate_2015``; suppression codes ``x``, ``..``,
  ``.``; thousands separators; trailing empty rows. A file may carry several years.
- **tidy indicators** (``csww_indicators_2017_to_2025.csv``): one row per LA and
  ``time_period`` (the snapshot year), columns ``turnover_rate_fte``, ``agency_rate_fte``...

Every ``*.csv`` in ``data/raw/workforce/`` is read, so a user who obtains another year's
release in one of these layouts drops it into the folder and it is used with no code
change. When two files hold the same snapshot year, the later release (the file whose
latest year is the greatest) wins, as DfE revises earlier years.

Measures are taken as published, on full-time equivalents (FTE):

- ``turnover_pct``: FTE leavers in the year to 30 September / FTE social workers in post
  at 30 September, %;
- ``agency_pct``: FTE agency workers / (FTE agency workers + FTE social workers in post), %.

Years (ANALYSIS.md, "Units, years and names"): a snapshot at 30 September of year Y falls
inside the financial year Y/Y+1, which ends on 31 March Y+1, so it is given the CLA year
``year = Y + 1`` (:func:`cla_year`); ``snapshot_year`` keeps Y.

Kingston upon Thames and Richmond upon Thames: both boroughs' children's services are run
by one organisation (Achieving for Children, since 2014), and DfE reports its workforce
as one return from the 30 September 2016 snapshot: in the wide layout Kingston's row
covers both and Richmond's row is ``.`` (not applicable); in the tidy layout there is one
row coded ``E09000021 / E09000027``. The joint figure describes the workforce that
serves each borough, and turnover and agency *rates* of a shared workforce apply to each
of them, so it is given to both boroughs, with ``joint_return = True``. Changes that span
the switch from separate to joint returns compare different units; the chapter says how
it treats them (:func:`crosses_joint_return`).
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..errors import DataError
from ..io import parse_numbers, read_csv, require_columns

FOLDER = "workforce"

#: The measures of the processed panel, in order.
MEASURES = ["turnover_pct", "agency_pct", "fte_social_workers", "fte_leavers", "fte_agency"]

#: Wide layout: measure -> column name pattern (the year is the suffix).
WIDE_PATTERNS = {
    "fte_social_workers": re.compile(r"^A1_FTE_ChildrensSocialWorkers_(\d{4})$"),
    "fte_leavers": re.compile(r"^B2_FTE_Leavers_(\d{4})$"),
    "turnover_pct": re.compile(r"^B3_FTE_TurnoverRate_(\d{4})$"),
    "fte_agency": re.compile(r"^D1_FTE_AgencyWorkers_(\d{4})$"),
    "agency_pct": re.compile(r"^D2_FTE_AgencyWorkerRate_(\d{4})$"),
}
WIDE_GSS = "LA_code (9 digit)"
WIDE_NUMBER = "LA_code (3 digit)"
WIDE_NAME = "LA_name"

#: Tidy layout: column -> measure.
TIDY_COLUMNS = {
    "turnover_rate_fte": "turnover_pct",
    "agency_rate_fte": "agency_pct",
    "inpost_fte": "fte_social_workers",
    "leavers_fte": "fte_leavers",
    "agency_fte": "fte_agency",
}
TIDY_KEYS = ["time_period", "geographic_level", "new_la_code", "la_name"]

#: Joint returns: lead borough (whose row carries the joint figure in the wide layout)
#: -> partner borough (whose row is "." when the return is joint).
JOINT_RETURNS = {"E09000021": "E09000027"}  # Kingston upon Thames, Richmond upon Thames

#: Codes of LAs created after 2017 (reorganisations of 2019-2025). They are not among
#: the 152 LAs of 2017 the compendium studies, so their rows are dropped; the 2017 LAs
#: they replaced have no workforce figure from that snapshot on.
POST_2017_LAS = frozenset({
    "E06000058", "E06000059", "E06000060", "E06000061", "E06000062", "E06000063",
    "E06000064", "E06000065", "E06000066", "E08000038", "E08000039",
})

_GSS = re.compile(r"^E(06|08|09|10)\d{6}$")


def cla_year(snapshot_year: int) -> int:
    """The CLA year (year ending 31 March) whose financial year holds a 30 September snapshot."""
    return int(snapshot_year) + 1


def detect_layout(columns, path) -> str:
    """``"wide"`` or ``"tidy"`` from a file's header; DataError otherwise."""
    columns = [str(c) for c in columns]
    if "time_period" in columns:
        return "tidy"
    if any(p.match(c) for c in columns for p in WIDE_PATTERNS.values()):
        return "wide"
    raise DataError(
        path,
        "not a DfE children's social work workforce file: no 'time_period' column and no "
        "wide measure columns such as 'B3_FTE_TurnoverRate_<year>'",
    )


def _wide_years(columns, path) -> dict[int, dict[str, str]]:
    """Snapshot year -> {measure: column} of a wide file, each year complete."""
    years: dict[int, dict[str, str]] = {}
    for column in columns:
        for measure, pattern in WIDE_PATTERNS.items():
            match = pattern.match(str(column))
            if match:
                years.setdefault(int(match.group(1)), {})[measure] = str(column)
    for year, found in sorted(years.items()):
        missing = [WIDE_PATTERNS[m].pattern.replace(r"(\d{4})", str(year)).strip("^$")
                   for m in WIDE_PATTERNS if m not in found]
        if missing:
            raise DataError(path, f"snapshot year {year}: expected column(s) {missing} not found")
    return years


def read_wide(path: str | Path) -> pd.DataFrame:
    """One wide underlying-data file as rows ``la_code, la_name, snapshot_year, <measures>,
    joint_return`` (LA rows only; England and region rows and empty rows dropped).

    ``la_code`` is the file's 9-digit code as written (canonicalised later).
    """
    frame = read_csv(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    require_columns(frame, [WIDE_GSS, WIDE_NUMBER, WIDE_NAME], path)
    years = _wide_years(frame.columns, path)
    if not years:
        raise DataError(path, "no measure columns such as 'B3_FTE_TurnoverRate_<year>'")
    codes = frame[WIDE_GSS].str.strip()
    is_la = codes != ""
    bad = sorted(set(codes[is_la & ~codes.str.match(_GSS.pattern)]))
    if bad:
        raise DataError(path, f"column {WIDE_GSS!r}: not LA codes: {bad[:5]}")
    frame = frame[is_la].reset_index(drop=True)
    codes = codes[is_la].reset_index(drop=True)
    if codes.duplicated().any():
        raise DataError(path, f"LA code(s) repeated: {sorted(set(codes[codes.duplicated()]))}")

    pieces = []
    for year, columns in sorted(years.items()):
        piece = pd.DataFrame({"la_code": codes, "la_name": frame[WIDE_NAME].str.strip(),
                              "snapshot_year": year})
        for measure in MEASURES:
            piece[measure] = parse_numbers(frame[columns[measure]], path, columns[measure])
        piece["joint_return"] = False
        # "." in every measure = not applicable: the partner's workforce is in the lead's row.
        not_applicable = pd.concat(
            [frame[columns[m]].str.strip() == "." for m in MEASURES], axis=1).all(axis=1)
        for lead, partner in JOINT_RETURNS.items():
            lead_row = piece.index[piece["la_code"] == lead]
            partner_row = piece.index[piece["la_code"] == partner]
            if len(lead_row) and len(partner_row) and not_applicable[partner_row[0]] \
                    and piece.loc[lead_row[0], MEASURES].notna().any():
                piece.loc[partner_row[0], MEASURES] = piece.loc[lead_row[0], MEASURES].to_numpy()
                piece.loc[[lead_row[0], partner_row[0]], "joint_return"] = True
        pieces.append(piece)
    return pd.concat(pieces, ignore_index=True)


def read_tidy(path: str | Path) -> pd.DataFrame:
    """The tidy indicators file as rows ``la_code, la_name, snapshot_year, <measures>,
    joint_return``; a joint row (``"E09000021 / E09000027"``) becomes one row per borough."""
    frame = read_csv(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    require_columns(frame, TIDY_KEYS + list(TIDY_COLUMNS), path)
    frame = frame[frame["geographic_level"].str.strip() == "Local authority"].reset_index(drop=True)
    if frame.empty:
        raise DataError(path, "no 'Local authority' rows")
    years = pd.to_numeric(frame["time_period"].str.strip(), errors="coerce")
    if years.isna().any() or not (years % 1 == 0).all():
        raise DataError(path, f"column 'time_period': not a year in row(s) {list(years.index[years.isna()][:5])}")
    out = pd.DataFrame({"la_code": frame["new_la_code"].str.strip(),
                        "la_name": frame["la_name"].str.strip(),
                        "snapshot_year": years.astype(int)})
    for column, measure in TIDY_COLUMNS.items():
        out[measure] = parse_numbers(frame[column], path, column)
    out["joint_return"] = out["la_code"].str.contains("/", regex=False)
    out["la_code"] = out["la_code"].str.split("/")
    out = out.explode("la_code", ignore_index=True)
    out["la_code"] = out["la_code"].str.strip()
    bad = sorted(set(out.loc[~out["la_code"].str.match(_GSS.pattern), "la_code"]))
    if bad:
        raise DataError(path, f"column 'new_la_code': not LA codes: {bad[:5]}")
    return out[["la_code", "la_name", "snapshot_year", *MEASURES, "joint_return"]]


def read_file(path: str | Path) -> pd.DataFrame:
    """Any workforce file of a known layout (see :func:`detect_layout`)."""
    header = read_csv(path, nrows=0)
    layout = detect_layout([str(c).strip() for c in header.columns], path)
    frame = read_wide(path) if layout == "wide" else read_tidy(path)
    frame["source"] = Path(path).name
    return frame


def load_panel(las: pd.DataFrame, folder: str | Path | None = None) -> pd.DataFrame:
    """Every workforce file in ``folder`` (default ``data/raw/workforce/``) as one panel.

    Columns: ``gss, year, snapshot_year, turnover_pct, agency_pct, fte_social_workers,
    fte_leavers, fte_agency, joint_return, source``; one row per LA of ``las`` and CLA
    year that some file covers; sorted by ``gss, year``.
    """
    from ..las import canonical_gss

    folder = Path(folder) if folder is not None else paths.raw(FOLDER)
    files = sorted(p for p in folder.glob("*") if p.suffix.lower() == ".csv")
    if not files:
        raise DataError(folder, "no workforce CSV files found")
    frames = [read_file(p) for p in files]

    # For each snapshot year, the latest release that covers it (ties are ambiguous).
    release = {f["source"].iat[0]: int(f["snapshot_year"].max()) for f in frames if len(f)}
    chosen: dict[int, str] = {}
    for frame in frames:
        source = frame["source"].iat[0]
        for year in sorted(frame["snapshot_year"].unique()):
            other = chosen.get(int(year))
            if other is None or release[source] > release[other]:
                chosen[int(year)] = source
            elif release[source] == release[other]:
                raise DataError(folder, f"snapshot year {year} is in both {other} and {source}, "
                                        "releases of the same year: remove one")
    panel = pd.concat(
        [f[f["snapshot_year"].map(chosen) == f["source"].iat[0]] for f in frames if len(f)],
        ignore_index=True)

    panel = panel[~panel["la_code"].isin(POST_2017_LAS)].reset_index(drop=True)
    gss = []
    for source, rows in panel.groupby("source", sort=True):
        gss.append(canonical_gss(rows["la_code"], folder / source, las))
    panel["gss"] = pd.concat(gss).sort_index()
    panel["year"] = panel["snapshot_year"].map(cla_year).astype("int64")
    panel["snapshot_year"] = panel["snapshot_year"].astype("int64")
    dup = panel.duplicated(["gss", "year"], keep=False)
    if dup.any():
        first = panel[dup].iloc[0]
        raise DataError(folder / first["source"],
                        f"LA {first['gss']} appears more than once for snapshot year {first['snapshot_year']}")
    columns = ["gss", "year", "snapshot_year", *MEASURES, "joint_return", "source"]
    panel = panel[columns].sort_values(["gss", "year"], ignore_index=True)
    panel["joint_return"] = panel["joint_return"].astype(bool)
    return panel


def check_panel(panel: pd.DataFrame, las: pd.DataFrame) -> pd.DataFrame:
    """The panel validated with the core schema checker (percentages in 0-100)."""
    from ..schema import Column, check_table

    return check_table(
        panel, "workforce", key=["gss", "year"], las=las,
        columns={
            "gss": Column("str", nullable=False),
            "year": Column("int", nullable=False),
            "snapshot_year": Column("int", nullable=False),
            "turnover_pct": Column("float", min=0, max=100),
            "agency_pct": Column("float", min=0, max=100),
            "fte_social_workers": Column("float", min=0),
            "fte_leavers": Column("float", min=0),
            "fte_agency": Column("float", min=0),
            "joint_return": Column("bool", nullable=False),
            "source": Column("str", nullable=False),
        },
    )


def build_tables(las: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``{"workforce": panel}`` for the ingest (written to ``data/processed/workforce.parquet``)."""
    return {"workforce": check_panel(load_panel(las), las)}


def crosses_joint_return(panel: pd.DataFrame, first: int, last: int) -> pd.Index:
    """LAs whose returns switch between separate and joint within years ``first``..``last``
    (a change over that span compares a borough's own workforce with a shared one)."""
    window = panel[(panel["year"] >= first) & (panel["year"] <= last)]
    kinds = window.groupby("gss")["joint_return"].nunique()
    return pd.Index(sorted(kinds.index[kinds > 1]), name="gss")


def years_in_files(folder: str | Path | None = None) -> pd.DataFrame:
    """Which snapshot years each raw workforce file carries (for the chapter's data note):
    ``file, layout, snapshot_years``."""
    folder = Path(folder) if folder is not None else paths.raw(FOLDER)
    rows = []
    for path in sorted(p for p in folder.glob("*") if p.suffix.lower() == ".csv"):
        header = read_csv(path, nrows=0)
        columns = [str(c).strip() for c in header.columns]
        layout = detect_layout(columns, path)
        if layout == "wide":
            found = sorted({int(m.group(1)) for c in columns
                            for m in [re.search(r"_((?:19|20)\d\d)(?:_|$)", c)] if m})
        else:
            found = sorted(read_tidy(path)["snapshot_year"].unique().tolist())
        rows.append({"file": path.name, "layout": layout,
                     "snapshot_years": ", ".join(str(y) for y in found)})
    return pd.DataFrame(rows)
