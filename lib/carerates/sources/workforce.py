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


#: First CLA year of the panel (snapshot September 2015; 2013-2014 have no public copy).
FIRST_YEAR = 2016
#: Known holes (by CLA year): 2017 councils replaced by new ones, whose rows are dropped
#: (``POST_2017_LAS``). Any other LA missing in a year of the panel stops the ingest.
WORKFORCE_GAPS = (
    ("E06000028", "E06000029", "E10000009", 2020, "Bournemouth, Poole, Dorset: replaced in 2019"),
    ("E10000002", None, None, 2021, "Buckinghamshire: unitary council (new code) from 2020"),
    ("E10000021", None, None, 2022, "Northamptonshire: replaced in 2021"),
    ("E10000006", "E10000023", "E10000027", 2024, "Cumbria replaced; North Yorkshire and Somerset "
                                                   "unitary councils (new codes) from 2023"),
    ("E08000016", "E08000019", None, 2026, "Barnsley and Sheffield: new codes from 2025"),
)


def check_coverage(panel: pd.DataFrame, las: pd.DataFrame, folder: str | Path | None = None) -> pd.DataFrame:
    """Every CLA year from ``FIRST_YEAR`` on, and every LA in each, from the file it came from."""
    from ..schema import Gap, require_coverage

    folder = Path(folder) if folder is not None else paths.raw(FOLDER)
    gaps = [Gap.of([c for c in codes if c], range(first, 2100), why)
            for *codes, first, why in WORKFORCE_GAPS]
    for source, rows in panel.groupby("source"):
        require_coverage(rows, folder / source, las, gaps=gaps)
    years = sorted(panel["year"].unique())
    require_coverage(panel, folder, las, years=range(FIRST_YEAR, max(years) + 1), gaps=gaps)
    return panel


def build_tables(las: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``{"workforce": panel}`` for the ingest (written to ``data/processed/workforce.parquet``)."""
    return {"workforce": check_coverage(check_panel(load_panel(las), las), las)}


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


# --- the chapter's periods -------------------------------------------------------------

def remap_years(panel: pd.DataFrame, offset: int = 1) -> pd.DataFrame:
    """The panel with ``year = snapshot_year + offset``: 1 (default) puts a 30 September
    snapshot in the financial year that holds it (:func:`cla_year`); 0 reads the snapshot's
    own calendar year as the CLA year (the alternative reading, for sensitivity)."""
    return panel.assign(year=panel["snapshot_year"] + int(offset))


def effective_periods(panel: pd.DataFrame, start: int, end: int,
                      columns=("turnover_pct", "agency_pct")) -> dict[str, tuple[int, int]]:
    """The parts of the period ``start-end`` (``summaries`` convention: levels at
    start+1..end, changes into start+1..end) that the workforce data can cover.

    Returns ``{"level": (a, b), "change": (c, b)}``: levels over the years start+1..end
    that have data (period a-b, a = first such year - 1); changes only into years whose
    previous year also has data (period c-b, c = first year with data). Raises DataError
    if fewer than two years have data or the years have a gap.
    """
    has_data = panel.loc[panel[list(columns)].notna().any(axis=1), "year"]
    years = sorted(y for y in set(has_data.astype(int)) if start + 1 <= y <= end)
    if len(years) < 2:
        raise DataError("workforce", f"period {start}-{end}: workforce data for {years} only; "
                                     "need two years for a change")
    if years != list(range(years[0], years[-1] + 1)):
        raise DataError("workforce", f"period {start}-{end}: workforce years {years} have a gap")
    return {"level": (years[0] - 1, years[-1]), "change": (years[0], years[-1])}


def period_label(period: tuple[int, int]) -> str:
    """``(2015, 2017)`` -> ``"2015-2017"``."""
    return f"{period[0]}-{period[1]}"


def describe_period(period: tuple[int, int], offset: int = 1, kind: str = "level") -> str:
    """In words: which 31 March years and which 30 September snapshots a period uses."""
    first = period[0] + 1 if kind == "level" else period[0]
    years = list(range(first, period[1] + 1))
    snapshots = [y - offset for y in years]
    what = "values at" if kind == "level" else "changes between"
    return (f"{period_label(period)}: {what} the years ending 31 March "
            f"{', '.join(map(str, years))} (workforce snapshots at 30 September "
            f"{', '.join(map(str, snapshots))})")


def london_mask(las: pd.DataFrame) -> pd.Series:
    """True for Inner and Outer London LAs, indexed by gss."""
    return las.set_index("gss")["region"].astype(str).isin(["Inner London", "Outer London"])


def london_effect_figure(turnover: pd.Series, rate: pd.Series, las: pd.DataFrame,
                         xlabel: str, ylabel: str):
    """Two panels showing how London can make turnover and the care rate look negatively
    related: (left) LAs, London in colour; (right) the ten regional means."""
    import matplotlib.pyplot as plt

    from ..plots import PALETTE

    frame = las.loc[~las["excluded"], ["gss", "region"]].copy()
    frame["region"] = frame["region"].astype(str)
    frame["turnover"] = frame["gss"].map(turnover)
    frame["rate"] = frame["gss"].map(rate)
    frame = frame.dropna(subset=["turnover", "rate"]).sort_values("gss")
    london = frame["region"].isin(["Inner London", "Outer London"])

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.6))
    left.scatter(frame.loc[~london, "turnover"], frame.loc[~london, "rate"], s=16,
                 color="0.8", label="rest of England")
    for region, marker in (("Inner London", "^"), ("Outer London", "s")):
        part = frame[frame["region"] == region]
        left.scatter(part["turnover"], part["rate"], s=26, color=PALETTE[region], marker=marker,
                     edgecolor="black", linewidth=0.5, label=region)
    left.set_xlabel(xlabel)
    left.set_ylabel(ylabel)
    left.set_title("Local authorities")
    left.legend(frameon=False, fontsize=8)

    means = frame.groupby("region")[["turnover", "rate"]].mean().sort_index()
    for region, row in means.iterrows():
        right.scatter(row["turnover"], row["rate"], s=40, color=PALETTE[region])
        right.annotate(region, (row["turnover"], row["rate"]), xytext=(4, 3),
                       textcoords="offset points", fontsize=8)
    right.set_xlabel(xlabel)
    right.set_ylabel(ylabel)
    right.set_title("Regional means")
    fig.tight_layout()
    return fig


def chapter_tests(workforce: pd.DataFrame, cla: pd.DataFrame, las: pd.DataFrame, start: int,
                  end: int, offset: int = 1, kingston_richmond_changes: str = "exclude") -> list:
    """The chapter's five Spearman tests (ids as in RESULTS.md) for one set of choices.

    ``workforce`` is the processed panel (years as built, remapped here with ``offset``);
    ``cla`` the CLA rate panel. Levels and changes use :func:`effective_periods`.
    """
    from .. import stats, summaries
    from ..las import analysis_las

    if kingston_richmond_changes not in ("exclude", "include"):
        raise ValueError(f"kingston_richmond_changes must be 'exclude' or 'include', "
                         f"not {kingston_richmond_changes!r}")
    keep = set(analysis_las(las)["gss"])
    panel = remap_years(workforce[workforce["gss"].isin(keep)], offset)
    cla = cla[cla["gss"].isin(keep)]
    periods = effective_periods(panel, start, end)
    level, change = periods["level"], periods["change"]
    rate_level = summaries.average_level(cla, "rate_per_10k", *level)
    rate_change = summaries.average_change(cla, "rate_per_10k", *change)
    measure = {m: (summaries.average_level(panel, m, *level), summaries.average_change(panel, m, *change))
               for m in ("turnover_pct", "agency_pct")}
    if kingston_richmond_changes == "exclude":
        switched = crosses_joint_return(panel, *change)
        measure = {m: (lv, ch.drop(switched)) for m, (lv, ch) in measure.items()}
    london = london_mask(las)
    turnover = measure["turnover_pct"][0]
    meta = dict(section="3.4")
    lv, ch = period_label(level), period_label(change)
    return [
        stats.spearman(turnover, rate_level, id="turnover_level_2013_2017", outcome="average rate",
                       predictor="average turnover (FTE %)", period=lv, **meta),
        stats.spearman(turnover[~london.reindex(turnover.index)], rate_level,
                       id="turnover_level_2013_2017_excl_london", outcome="average rate",
                       predictor="average turnover (FTE %), Inner and Outer London excluded",
                       period=lv, **meta),
        stats.spearman(measure["agency_pct"][0], rate_level, id="agency_level_2013_2017",
                       outcome="average rate", predictor="average agency workers (FTE %)",
                       period=lv, **meta),
        stats.spearman(measure["turnover_pct"][1], rate_change, id="turnover_change_2013_2017",
                       outcome="average change", predictor="average change in turnover (FTE %)",
                       period=ch, **meta),
        stats.spearman(measure["agency_pct"][1], rate_change, id="agency_change_2013_2017",
                       outcome="average change",
                       predictor="average change in agency workers (FTE %)", period=ch, **meta),
    ]


#: The variants of :func:`sensitivity_tests`: name -> (snapshot offset, Kingston/Richmond).
VARIANTS = {
    "main: Sept snapshot -> financial year holding it; K&R out of changes": (1, "exclude"),
    "Sept snapshot -> its own calendar year": (0, "exclude"),
    "Kingston and Richmond kept in the change tests": (1, "include"),
}


def sensitivity_tests(workforce: pd.DataFrame, cla: pd.DataFrame, las: pd.DataFrame,
                      start: int, end: int) -> pd.DataFrame:
    """:func:`chapter_tests` under each of :data:`VARIANTS`, one row per variant and test:
    ``variant, id, period, n, statistic, p_value, significant``."""
    rows = []
    for name, (offset, joint) in VARIANTS.items():
        for result in chapter_tests(workforce, cla, las, start, end, offset, joint):
            record = result.record()
            rows.append({"variant": name, **{k: record[k] for k in
                         ("id", "period", "n", "statistic", "p_value", "significant")}})
    return pd.DataFrame(rows)


def london_split(turnover: pd.Series, rate: pd.Series, las: pd.DataFrame) -> pd.DataFrame:
    """Spearman's r_s between turnover and rate and their means, across all LAs, within London
    (Inner and Outer) and within the rest of England: ``group, n, r_s, p_value,
    mean_turnover, mean_rate`` (the Isles of Scilly excluded)."""
    from .. import stats
    from ..las import analysis_las

    london = london_mask(analysis_las(las))
    pairs = pd.DataFrame({"turnover": turnover, "rate": rate}).reindex(london.index).dropna()
    rows = []
    for group, members in [("all LAs", pairs.index), ("London", pairs.index[london[pairs.index]]),
                           ("rest of England", pairs.index[~london[pairs.index]])]:
        part = pairs.loc[members]
        result = stats.spearman(part["turnover"], part["rate"], id=group, section="3.4",
                                outcome="average rate", predictor="turnover", period="")
        rows.append({"group": group, "n": result.n, "r_s": result.statistic,
                     "p_value": result.p_value, "mean_turnover": float(part["turnover"].mean()),
                     "mean_rate": float(part["rate"].mean())})
    return pd.DataFrame(rows)
