"""Children looked after: DfE's LA tables (sheet LAA1), underlying data and England series.

The outcome of the study is DfE's *published* rate per 10,000 children under 18
at 31 March (ANALYSIS.md, "The outcome"), taken from the latest release that
covers each year: SFR50 (2017 release) for 2013-2017 and SFR41 (2016 release)
for 2012, the only published source here of the 2012 LA rates.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..errors import DataError
from ..io import parse_numbers, read_csv, read_sheet, require_columns, require_complete_rows
from ..las import ISLES_OF_SCILLY, N_LAS, build_la_table, canonical_gss, gss_from_number
from ..schema import Column, Gap, check_table, require_coverage

#: LA tables per release: (file, first year, last year) of sheet LAA1.
LAA1_RELEASES = {
    "SFR50_2017": ("cla/SFR50_2017_LA_tables.xlsx", 2013, 2017),
    "SFR41_2016": ("cla/SFR41_2016_LA_Tables.xlsx", 2012, 2016),
}

_GSS = re.compile(r"^E(06|08|09|10)\d{6}$")

#: Known gaps of the CLA sources (../shared/data/README.md, "Known quirks"): every
#: other LA must be present in every year of every file, or the ingest stops.
SCILLY_NOT_IN_UNDERLYING = Gap.of(ISLES_OF_SCILLY, range(2011, 2018),
                                  "the 2011-2016 underlying files have no Isles of Scilly row, and "
                                  "the 2017 file's row has no geographic level (so it is not read)")
#: Councils abolished by the 2019-2023 reorganisations: no row (or no value) from then on.
ABOLISHED = (
    Gap.of(("E06000028", "E06000029", "E10000009"), range(2019, 2100),
           "Bournemouth, Poole and Dorset county: replaced in April 2019"),
    Gap.of("E10000021", range(2021, 2100), "Northamptonshire: replaced in April 2021"),
    Gap.of("E10000006", range(2023, 2100), "Cumbria: replaced in April 2023"),
)
POPULATION_SUPPRESSED = Gap.of(("E06000028", "E06000029", "E10000009"), range(2012, 2019),
                               "Bournemouth, Poole and Dorset are suppressed for 2012-2018 "
                               "in the ONS population file")
#: The years each later edition must hold.
LATER_EDITION_YEARS = {"2018_2022": range(2018, 2023), "2020_2024": range(2020, 2025),
                       "2021_2025": range(2021, 2026)}


def read_laa1(path: str | Path, first_year: int, last_year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Sheet LAA1 of a CLA release as one row per LA, and the England/region rows.

    LA columns: ``gss, la_number, la_name, region`` then ``number_<year>`` and
    ``rate_<year>`` for each year. Region comes from the header rows above each
    block of LAs; the "London" header is followed by "Inner London" and "Outer
    London", and the latter two are the regions used (ANALYSIS.md). The second
    frame holds the published rates of England and the regions (``area, rate_<year>``).
    """
    sheet = read_sheet(path, "LAA1")
    years = list(range(first_year, last_year + 1))
    header_rows = sheet.index[sheet.iloc[:, 0].astype(str).str.strip() == "LA Code"]
    if len(header_rows) != 1:
        raise DataError(path, "sheet LAA1: cannot find the 'LA Code' header row")
    year_row = sheet.iloc[header_rows[0] + 1]
    # Column positions come from the year row itself (numbers first, then rates), so a
    # release whose columns moved is read from where its years are, or rejected.
    positions = [(i, int(float(v))) for i, v in enumerate(year_row.tolist())
                 if i >= 3 and pd.notna(v) and str(v).strip()]
    found = [year for _, year in positions]
    expected = years + years
    if found != expected:
        raise DataError(path, f"sheet LAA1: year columns are {found}, expected {expected}")
    number_cols = [i for i, _ in positions[: len(years)]]
    rate_cols = [i for i, _ in positions[len(years):]]
    if number_cols != list(range(3, 3 + len(years))) or rate_cols[0] <= number_cols[-1] + 1:
        raise DataError(path, f"sheet LAA1: number and rate columns at {number_cols} and {rate_cols}, "
                              "expected the numbers from column 4 and a blank column before the rates")

    rows, aggregates = [], []
    region = None
    for _, row in sheet.iloc[header_rows[0] + 2 :].iterrows():
        code = str(row.iloc[0]).strip() if pd.notna(row.iloc[0]) else ""
        name = str(row.iloc[2]).strip() if pd.notna(row.iloc[2]) else ""
        if not code and name:
            if name not in ("England", "London"):
                region = name
            aggregates.append({"area": name, **{f"rate_{y}": row.iloc[c] for y, c in zip(years, rate_cols)}})
            continue
        if not _GSS.match(code):
            continue
        if region is None:
            raise DataError(path, f"sheet LAA1: LA {code} appears before any region header")
        record = {"gss": code, "la_number": int(float(row.iloc[1])), "la_name": name, "region": region}
        for year, col in zip(years, number_cols):
            record[f"number_{year}"] = row.iloc[col]
        for year, col in zip(years, rate_cols):
            record[f"rate_{year}"] = row.iloc[col]
        rows.append(record)
    table = pd.DataFrame(rows)
    if table.empty:
        raise DataError(path, "sheet LAA1: no LA rows found")
    for col in table.columns[4:]:
        table[col] = parse_numbers(table[col], path, f"LAA1 {col}")
    if table["gss"].duplicated().any():
        dup = table.loc[table["gss"].duplicated(), "gss"].tolist()
        raise DataError(path, f"sheet LAA1: LA code(s) listed twice: {dup}")
    areas = pd.DataFrame(aggregates)
    for col in areas.columns[1:]:
        areas[col] = parse_numbers(areas[col], path, f"LAA1 {col}")
    return table, areas


def laa1_long(table: pd.DataFrame, release: str) -> pd.DataFrame:
    """The wide LAA1 table as one row per LA and year: ``gss, year, number, rate_per_10k, release``."""
    number = table.melt(id_vars="gss", value_vars=[c for c in table if c.startswith("number_")],
                        var_name="year", value_name="number_rounded")
    rate = table.melt(id_vars="gss", value_vars=[c for c in table if c.startswith("rate_")],
                      var_name="year", value_name="rate_per_10k")
    number["year"] = number["year"].str.removeprefix("number_").astype(int)
    rate["year"] = rate["year"].str.removeprefix("rate_").astype(int)
    long = number.merge(rate, on=["gss", "year"])
    long["release"] = release
    return long.sort_values(["gss", "year"], ignore_index=True)


def _stack_releases(releases: dict[str, pd.DataFrame], las: pd.DataFrame) -> pd.DataFrame:
    """Every release's rows on canonical codes, with ``rank`` 0 for the oldest (by year suffix)."""
    order = sorted(releases, key=_release_year)
    return pd.concat([releases[name].assign(gss=canonical_gss(releases[name]["gss"], name, las), rank=rank)
                      for rank, name in enumerate(order)], ignore_index=True)


def _latest_release(every: pd.DataFrame) -> pd.DataFrame:
    """Per LA-year, each column's value from the latest release that publishes it."""
    return (every.sort_values(["gss", "year", "rank"])
                 .groupby(["gss", "year"], as_index=False).last().drop(columns="rank"))


def published_rates(releases: dict[str, pd.DataFrame], las: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The published rate per LA-year from the latest release that covers the year.

    ``releases`` maps release name to its ``laa1_long`` frame; names sort
    oldest-first by their year suffix. Returns the panel (``gss, year,
    rate_per_10k, number_rounded, release``) and the revisions: every LA-year
    that two releases both publish, with both rates.
    """

    every = _stack_releases(releases, las)
    panel = _latest_release(every).sort_values(["gss", "year"], ignore_index=True)

    both = every.groupby(["gss", "year"]).filter(lambda g: len(g) > 1)
    revisions = both.pivot_table(index=["gss", "year"], columns="release", values="rate_per_10k",
                                 aggfunc="first").reset_index()
    revisions.columns.name = None
    return panel, revisions


def read_underlying_counts(directory: str | Path, las: pd.DataFrame) -> pd.DataFrame:
    """Unrounded CLA at 31 March per LA, 2010-2017, from each release's underlying CSV.

    Returns ``gss, year, cla_unrounded`` (NaN where suppressed). The 2010 file
    carries LA numbers only; later files carry both codes (the 2017 file adds a
    leading ``LA_order`` column).
    """

    directory = Path(directory)
    frames = []
    for year in range(2010, 2018):
        if year == 2010:
            path = directory / "2010_SFR27_2010_March.csv"
        else:
            path = _underlying_cla_file(directory, year)
        raw = read_csv(path)
        raw.columns = [c.strip() for c in raw.columns]
        column = "MarTotal_2010" if year == 2010 else f"CLA_Mar{year}"
        require_columns(raw, [column], path)
        geo = _geography_columns(raw, path)
        frame = raw.loc[geo["is_la"]].copy()
        if "gss" in geo:
            codes = frame[geo["gss"]].str.strip()
            frame["gss"] = canonical_gss(codes, path, las)
        else:
            frame["gss"] = gss_from_number(frame[geo["number"]], path, las)
        frame["year"] = year
        frame["cla_unrounded"] = parse_numbers(frame[column], path, column)
        require_coverage(frame, path, las, years=[year], gaps=[SCILLY_NOT_IN_UNDERLYING])
        require_complete_rows(path)  # a row cut short, even with every LA present
        frames.append(frame[["gss", "year", "cla_unrounded"]])
    counts = pd.concat(frames, ignore_index=True)
    return counts.sort_values(["gss", "year"], ignore_index=True)


def _geography_columns(raw: pd.DataFrame, path: Path) -> dict:
    """Which columns hold the geographic level and codes, in each release's spelling."""
    cols = {c.lower(): c for c in raw.columns}
    level = next((cols[c] for c in ("geog_l", "geographic_level", "geog_level") if c in cols), None)
    number = next((cols[c] for c in ("la_code", "new_la_code_numeric", "old_la_code", "la", "geog_c") if c in cols), None)
    gss = next((cols[c] for c in ("new_geog_code", "new_la_code", "geog_c_new", "la_code_new") if c in cols), None)
    out = {}
    if level is not None:
        out["is_la"] = raw[level].str.strip().str.upper().isin(["LA", "LOCAL AUTHORITY"])
    elif number is not None:
        out["is_la"] = raw[number].str.strip().str.fullmatch(r"\d{3}")
    else:
        raise DataError(path, f"cannot find the geography columns among {list(raw.columns)}")
    if gss is not None:
        out["gss"] = gss
    if number is not None:
        out["number"] = number
    if "gss" not in out and "number" not in out:
        raise DataError(path, f"cannot find an LA code column among {list(raw.columns)}")
    return out




#: Councils created by the 2019-2023 reorganisations, absent from the 2017 LA table.
#: Buckinghamshire, North Yorkshire and Somerset became unitary councils on the
#: same boundaries, so their series continue under the 2017 county codes; the
#: others cover different areas and are left out.
LATER_GEOGRAPHY = {
    "E06000058": None,  # Bournemouth, Christchurch and Poole (2019)
    "E06000059": None,  # Dorset unitary (2019; the old county less Christchurch)
    "E06000060": "E10000002",  # Buckinghamshire unitary (2020), same area as the county
    "E06000061": None,  # North Northamptonshire (2021)
    "E06000062": None,  # West Northamptonshire (2021)
    "E06000063": None,  # Cumberland (2023)
    "E06000064": None,  # Westmorland and Furness (2023)
    "E06000065": "E10000023",  # North Yorkshire unitary (2023), same area as the county
    "E06000066": "E10000027",  # Somerset unitary (2023), same area as the county
}

def _in_2017_geography(rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of a post-2019 file on 2017 councils: same-area successors recoded, new areas dropped."""
    rows = rows.copy()
    rows["new_la_code"] = rows["new_la_code"].str.strip().replace(
        {k: v for k, v in LATER_GEOGRAPHY.items() if v})
    return rows[~rows["new_la_code"].isin([k for k, v in LATER_GEOGRAPHY.items() if v is None])]


LATER_EDITIONS = {
    "2018_2022": "cla/ees/cla_number_and_rate_per_10k_children_2018_2022.csv",
    "2020_2024": "cla/ees/cla_number_and_rate_per_10k_children_2020_2024.csv",
    "2021_2025": "cla/ees/cla_number_and_rate_per_10k_children_2021_2025.csv",
}


def edition_overlaps(editions: dict[str, pd.DataFrame]):
    """Each year two editions both publish: yields ``(year, earlier, later, a, b)`` for every pair
    of ``editions`` (name -> council rows with ``gss, year``; earlier as the dict orders them), ``a``
    and ``b`` the two editions' rows of that year on the councils both list, indexed by ``gss,
    year`` in the same order. Chapter 10 compares the rate editions with it, chapter 11 the
    care-entry editions."""
    names = list(editions)
    indexed = {name: frame.set_index(["gss", "year"]) for name, frame in editions.items()}
    for i, earlier in enumerate(names):
        for later in names[i + 1:]:
            a, b = indexed[earlier], indexed[later]
            common = a.index.intersection(b.index)
            for year in sorted(set(common.get_level_values("year"))):
                index = common[common.get_level_values("year") == year]
                yield int(year), earlier, later, a.loc[index], b.loc[index]


def read_later_rates(path: str | Path, edition: str, las: pd.DataFrame,
                     successors: bool = False) -> pd.DataFrame:
    """LA rates per 10,000 at 31 March from one explore-education-statistics edition.

    Returns ``gss, year, cla_number, rate_per_10k, population_0_17, edition`` for
    LAs of the 2017 table; councils that exist only after the reorganisations are
    dropped (``LATER_GEOGRAPHY``), and old councils after their abolition have no rows.
    ``successors=True`` keeps every council under its own code instead (for
    ``carerates.geography.to_units``).
    """
    raw = read_csv(path, encoding="utf-8-sig")
    # The 2018-2022 edition names the two columns differently.
    if "population_type" not in raw.columns and "population_count" in raw.columns:
        raw = raw.rename(columns={"population_count": "population_type", "number": "children_count"})
    needed = ["time_period", "geographic_level", "new_la_code", "population_type",
              "population_estimate", "children_count", "rate_per_10000"]
    require_columns(raw, needed, path)
    rows = raw[(raw["geographic_level"] == "Local authority")
               & raw["population_type"].str.contains("31 March", regex=False)].copy()
    rows = rows if successors else _in_2017_geography(rows)
    out = pd.DataFrame({
        "gss": canonical_gss(rows["new_la_code"], path, las, allow=set(LATER_GEOGRAPHY)).to_numpy(),
        "year": rows["time_period"].astype(int).to_numpy(),
        "cla_number": parse_numbers(rows["children_count"], path, "children_count").to_numpy(),
        "rate_per_10k": parse_numbers(rows["rate_per_10000"], path, "rate_per_10000").to_numpy(),
        "population_0_17": parse_numbers(rows["population_estimate"], path, "population_estimate").to_numpy(),
    })
    out["edition"] = edition
    # A published edition must cover every LA in each of its years, judged on the 2017 geography
    # (successor councils mapped back), also when the caller keeps the successors' own codes.
    # Editions by other names (test fixtures) have no expected coverage.
    if edition in LATER_EDITION_YEARS:
        mapped = _in_2017_geography(rows) if successors else rows
        require_coverage(pd.DataFrame({"gss": canonical_gss(mapped["new_la_code"], path, las,
                                                            allow=set(LATER_GEOGRAPHY)).to_numpy(),
                                       "year": mapped["time_period"].astype(int).to_numpy()}),
                         path, las, years=LATER_EDITION_YEARS[edition], gaps=ABOLISHED)
    require_complete_rows(path)
    return out.sort_values(["gss", "year"], ignore_index=True)


def later_rates(las: pd.DataFrame) -> pd.DataFrame:
    """Rates 2018-2025, each year from the latest edition that covers it."""
    frames = [read_later_rates(paths.raw(p), e, las) for e, p in LATER_EDITIONS.items()]
    every = pd.concat(frames, ignore_index=True)
    latest = every.sort_values(["gss", "year", "edition"]).groupby(["gss", "year"], as_index=False).last()
    return latest[latest["year"] >= 2018].reset_index(drop=True)


def read_population(path: str | Path, las: pd.DataFrame) -> pd.DataFrame:
    """ONS mid-year estimates of children aged 0-17 per 2017 LA (``gss, mid_year, population_0_17``).

    Bournemouth, Poole and Dorset are suppressed for 2012-2018 in this file (NaN);
    the post-2019 councils are dropped.
    """
    raw = read_csv(path, encoding="utf-8-sig")
    require_columns(raw, ["time_period", "geographic_level", "new_la_code", "population_estimate"], path)
    rows = raw[raw["geographic_level"] == "Local authority"].copy()
    rows = _in_2017_geography(rows)
    out = pd.DataFrame({
        "gss": canonical_gss(rows["new_la_code"], path, las).to_numpy(),
        "mid_year": rows["time_period"].astype(int).to_numpy(),
        "population_0_17": parse_numbers(rows["population_estimate"], path, "population_estimate").to_numpy(),
    })
    require_coverage(out, path, las, years=range(2012, 2025), year="mid_year", value="population_0_17",
                     gaps=[*ABOLISHED, POPULATION_SUPPRESSED])
    require_complete_rows(path)
    england = raw[raw["geographic_level"] == "National"]
    nat = pd.DataFrame({
        "gss": "E92000001",
        "mid_year": england["time_period"].astype(int).to_numpy(),
        "population_0_17": parse_numbers(england["population_estimate"], path, "population_estimate").to_numpy(),
    })
    return pd.concat([out, nat], ignore_index=True).sort_values(["gss", "mid_year"], ignore_index=True)


def read_population_2009(path: str | Path, las: pd.DataFrame) -> pd.DataFrame:
    """Mid-2009 children aged 0-17 per LA and England, as the 2010 CLA underlying file carries them."""

    raw = read_csv(path)
    raw.columns = [c.strip() for c in raw.columns]
    column = "Mid2009Pop0-17"
    require_columns(raw, ["geog_l", "geog_c", column], path)
    level = raw["geog_l"].str.strip().str.upper()
    rows = raw[level == "LA"]
    out = pd.DataFrame({"gss": gss_from_number(rows["geog_c"], path, las).to_numpy(),
                        "population_0_17": parse_numbers(rows[column], path, column).to_numpy()})
    require_coverage(out, path, las, year=None, value="population_0_17")
    national = raw[level == "NATIONAL"]
    if len(national) != 1:
        raise DataError(path, f"expected one National row, found {len(national)}")
    out = pd.concat([out, pd.DataFrame({"gss": ["E92000001"], "population_0_17":
                     parse_numbers(national[column], path, column).to_numpy()})], ignore_index=True)
    out["mid_year"] = 2009
    return out[["gss", "mid_year", "population_0_17"]]


def read_england_numbers(path: str | Path, first_year: int = 1994, last_year: int = 2024) -> pd.DataFrame:
    """England's CLA at 31 March 1994 onward (``year, cla_number``), DfE's revised series."""
    raw = read_csv(path, encoding="utf-8-sig")
    require_columns(raw, ["time_period", "population_count", "number"], path)
    rows = raw[raw["population_count"] == "Children looked after at 31 March"]
    if rows.empty:
        raise DataError(path, "no 'Children looked after at 31 March' rows")
    out = pd.DataFrame({"year": rows["time_period"].astype(int).to_numpy(),
                        "cla_number": parse_numbers(rows["number"], path, "number").to_numpy()})
    # A national series: every year from the first to the last, each with a number.
    gaps = sorted(set(range(out["year"].min(), out["year"].max() + 1))
                  - set(out.loc[out["cla_number"].notna(), "year"]))
    if gaps or out["year"].min() != first_year or out["year"].max() < last_year:
        raise DataError(path, f"expected every year {first_year}-{last_year} (or later) with a number; "
                              f"found {out['year'].min()}-{out['year'].max()}"
                              + (f", without {gaps}" if gaps else ""))
    return out.sort_values("year", ignore_index=True)


def build_tables(las: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """Every CLA table of the ingest, validated: the LA table first, as others join on it."""

    parsed = {name: read_laa1(paths.raw(file), first, last)
              for name, (file, first, last) in LAA1_RELEASES.items()}
    laa1 = {name: rows for name, (rows, _) in parsed.items()}
    las = (build_la_table(laa1["SFR50_2017"], paths.raw(LAA1_RELEASES["SFR50_2017"][0]), expected=N_LAS)
           if las is None else las)
    tables = {"las": check_table(las, "las", ["gss"], {
        "gss": Column("str", nullable=False), "la_number": Column("int", 201, 999, nullable=False),
        "la_name": Column("str", nullable=False), "excluded": Column("bool")}, las=las)}
    if las["la_number"].duplicated().any():
        raise DataError("las", "duplicated DfE LA numbers")

    releases = {name: laa1_long(table, name) for name, table in laa1.items()}
    for name, (file, first, last) in LAA1_RELEASES.items():
        # Both releases publish a rate for every LA (the Isles of Scilly too) in every year.
        require_coverage(releases[name], paths.raw(file), las, years=range(first, last + 1),
                         value="rate_per_10k")
    panel, revisions = published_rates(releases, las)
    tables["cla_rates"] = check_table(panel, "cla_rates", ["gss", "year"], {
        "year": Column("int", 2012, 2017), "rate_per_10k": Column("float", 0, 1000),
        "number_rounded": Column("float", 0, 20000)}, las=las)
    tables["cla_rate_revisions"] = revisions

    areas = []
    for name, (_, aggregates) in parsed.items():
        frame = aggregates.melt(id_vars="area", var_name="year", value_name="rate_per_10k")
        frame["year"] = frame["year"].str.removeprefix("rate_").astype(int)
        frame["release"] = name
        areas.append(frame)
    areas = pd.concat(areas, ignore_index=True)
    areas = (areas.sort_values(["area", "year", "release"], key=lambda s: s.map(_release_year) if s.name == "release" else s)
                  .groupby(["area", "year"], as_index=False).last())
    tables["cla_area_rates"] = areas.sort_values(["area", "year"], ignore_index=True)

    counts = read_underlying_counts(paths.raw("cla", "underlying"), las)
    tables["cla_counts"] = check_table(counts, "cla_counts", ["gss", "year"], {
        "year": Column("int", 2010, 2017), "cla_unrounded": Column("float", 0, 20000)}, las=las)
    tables["england_cla"] = read_england_numbers(paths.raw("cla", "ees", "cla_time_series_1994_2024.csv"))
    population = pd.concat([
        read_population_2009(paths.raw("cla", "underlying", "2010_SFR27_2010_March.csv"), las),
        read_population(paths.raw("population", "ons_mid-year_population_estimates_2012_to_2024.csv"), las),
    ], ignore_index=True).sort_values(["gss", "mid_year"], ignore_index=True)
    tables["population"] = check_table(population,
        "population", ["gss", "mid_year"], {"mid_year": Column("int", 2009, 2030),
                                            "population_0_17": Column("float", 0, 2e7)})
    tables["cla_rates_later"] = check_table(later_rates(las), "cla_rates_later", ["gss", "year"], {
        "year": Column("int", 2018, 2030), "rate_per_10k": Column("float", 0, 1000)})
    return tables


def _release_year(name: str) -> int:
    return int(str(name).rsplit("_", 1)[-1])


# --- Unaccompanied asylum-seeking children (UASC) ----------------------------------------------------
#
# The study named UASC as missing context: LAs at ports of entry (Croydon, Kent, Hillingdon) look
# after many unaccompanied children, whose numbers say little about local family need. Two sources
# here: sheet LAA4 of the LA tables (rounded to 5, "x" suppressed) and the ``CLA_UASC`` column of the
# underlying data (unrounded, "x" where DfE suppressed a small count).

#: Sheet LAA4 per release: (file, first year, last year).
LAA4_RELEASES = {
    "SFR50_2017": ("cla/SFR50_2017_LA_tables.xlsx", 2013, 2017),
    "SFR41_2016": ("cla/SFR41_2016_LA_Tables.xlsx", 2012, 2016),
}
UASC_YEARS = range(2012, 2018)


def read_laa4(path: str | Path, first_year: int, last_year: int) -> pd.DataFrame:
    """Sheet LAA4 (UASC looked after at 31 March by LA) as ``gss, year, uasc_rounded``.

    The year row is the row whose cells from the fifth column on are exactly the
    release's years; LA rows are those whose first cell is an LA code. Numbers are
    rounded to 5 by DfE; "x" (suppressed) becomes NaN.
    """
    sheet = read_sheet(path, "LAA4")
    years = list(range(first_year, last_year + 1))
    year_rows = []
    for index, row in sheet.iterrows():
        cells = [row.iloc[i] for i in range(4, min(4 + len(years), sheet.shape[1]))]
        try:
            found = [int(float(v)) for v in cells]
        except (TypeError, ValueError):
            continue
        if found == years:
            year_rows.append(index)
    if len(year_rows) != 1:
        raise DataError(path, f"sheet LAA4: cannot find one row with the years {years} from column 5 "
                              f"(found {len(year_rows)})")
    body = sheet.iloc[year_rows[0] + 1:]
    codes = body.iloc[:, 0].astype(str).str.strip()
    rows = body[codes.str.match(_GSS)]
    if rows.empty:
        raise DataError(path, "sheet LAA4: no LA rows found")
    gss = rows.iloc[:, 0].astype(str).str.strip()
    if gss.duplicated().any():
        raise DataError(path, f"sheet LAA4: LA code(s) listed twice: {sorted(set(gss[gss.duplicated()]))}")
    frames = []
    for offset, year in enumerate(years):
        frames.append(pd.DataFrame({
            "gss": gss.to_numpy(), "year": year,
            "uasc_rounded": parse_numbers(rows.iloc[:, 4 + offset], path, f"LAA4 {year}").to_numpy()}))
    return pd.concat(frames, ignore_index=True)


def _underlying_cla_file(directory: Path, year: int) -> Path:
    found = sorted(p for p in directory.glob(f"{year}_*CLA{year if year > 2011 else ''}*.csv")
                   if "ADM" not in p.name.upper())
    if len(found) != 1:
        raise DataError(directory, f"expected one CLA underlying file for {year}, found {[p.name for p in found]}")
    return found[0]


def read_underlying_uasc(directory: str | Path, las: pd.DataFrame, years=UASC_YEARS) -> pd.DataFrame:
    """UASC looked after at 31 March per LA from the underlying data's ``CLA_UASC`` column:
    ``gss, year, uasc_unrounded`` (NaN where DfE suppressed the count)."""
    directory = Path(directory)
    frames = []
    for year in years:
        path = _underlying_cla_file(directory, year)
        raw = read_csv(path)
        raw.columns = [c.strip() for c in raw.columns]
        require_columns(raw, ["CLA_UASC"], path)
        geo = _geography_columns(raw, path)
        frame = raw.loc[geo["is_la"]].copy()
        if "gss" in geo:
            frame["gss"] = canonical_gss(frame[geo["gss"]].str.strip(), path, las)
        else:
            frame["gss"] = gss_from_number(frame[geo["number"]], path, las)
        frame["year"] = year
        frame["uasc_unrounded"] = parse_numbers(frame["CLA_UASC"], path, "CLA_UASC")
        frames.append(frame[["gss", "year", "uasc_unrounded"]])
    return pd.concat(frames, ignore_index=True).sort_values(["gss", "year"], ignore_index=True)


def uasc_table(underlying: pd.DataFrame, laa4: dict[str, pd.DataFrame], las: pd.DataFrame) -> pd.DataFrame:
    """One row per LA and year: ``gss, year, uasc_unrounded, uasc_rounded, uasc, uasc_suppressed``.

    ``laa4`` maps release name (``SFR41_2016``...) to :func:`read_laa4` output; each year
    is taken from the latest release that has it, as for the rates. ``uasc`` is the
    underlying (unrounded) count where published, else LAA4's rounded count where that
    is published (the underlying data suppress some counts LAA4 shows, e.g. zeros);
    ``uasc_suppressed`` is True where neither is published (a small number).
    """
    published = _latest_release(_stack_releases(laa4, las))
    grid = pd.MultiIndex.from_product([sorted(las.loc[~las["excluded"].astype(bool), "gss"]),
                                       sorted(set(underlying["year"]))], names=["gss", "year"]).to_frame(index=False)
    out = (grid.merge(underlying, on=["gss", "year"], how="left", validate="one_to_one")
               .merge(published, on=["gss", "year"], how="left", validate="one_to_one"))
    out["uasc"] = out["uasc_unrounded"].combine_first(out["uasc_rounded"])
    out["uasc_suppressed"] = out["uasc"].isna()
    return out.sort_values(["gss", "year"], ignore_index=True)


def rates_excluding_uasc(rates: pd.DataFrame, counts: pd.DataFrame, uasc: pd.DataFrame,
                         suppressed_as: float = 0.0) -> pd.DataFrame:
    """Published rates with unaccompanied asylum-seeking children taken out.

    ``rate_excl_uasc = rate_per_10k * (1 - uasc / cla_unrounded)``: the published rate
    scaled by the share of the LA's looked-after children who were not UASC, which keeps
    DfE's own denominator. A suppressed UASC count is taken as ``suppressed_as`` (0: the
    rate keeps those few children; 5: the most a suppressed count can hide is removed).
    Returns ``gss, year, rate_per_10k, rate_excl_uasc, uasc_share`` (share in %).
    """
    frame = (rates[["gss", "year", "rate_per_10k"]]
             .merge(counts[["gss", "year", "cla_unrounded"]], on=["gss", "year"], how="left", validate="one_to_one")
             .merge(uasc[["gss", "year", "uasc"]], on=["gss", "year"], how="left", validate="one_to_one"))
    uasc_n = frame["uasc"].fillna(suppressed_as)
    cla_n = frame["cla_unrounded"]
    share = (uasc_n / cla_n).where(cla_n > 0, 0.0).clip(upper=1.0)
    frame["uasc_share"] = share * 100
    frame["rate_excl_uasc"] = frame["rate_per_10k"] * (1 - share)
    return frame[["gss", "year", "rate_per_10k", "rate_excl_uasc", "uasc_share"]]


def build_uasc_tables(las: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``{"cla_uasc": ...}``: UASC per LA-year 2012-2017 from the underlying data and LAA4, validated."""
    laa4 = {name: read_laa4(paths.raw(file), first, last) for name, (file, first, last) in LAA4_RELEASES.items()}
    underlying = read_underlying_uasc(paths.raw("cla", "underlying"), las)
    table = uasc_table(underlying, laa4, las)
    return {"cla_uasc": check_table(table, "cla_uasc", ["gss", "year"], {
        "year": Column("int", 2012, 2017), "uasc_unrounded": Column("float", 0, 5000),
        "uasc_rounded": Column("float", 0, 5000), "uasc": Column("float", 0, 5000),
        "uasc_suppressed": Column("bool")}, las=las)}
def computed_rate_2010(counts: pd.DataFrame, population: pd.DataFrame, whole_numbers: bool = True) -> pd.DataFrame:
    """A 2010 LA rate per 10,000 children, computed as DfE computes its published rates.

    DfE's published LA rates in the raw files begin in 2012, but the 2010 underlying file
    carries the unrounded count at 31 March 2010 (``cla_counts``, year 2010) and the
    mid-2009 population aged 0-17 (``population``, mid_year 2009), the population DfE's
    2010 release used. ``count / population * 10,000``, rounded half up to a whole number
    like the published rates (``whole_numbers=False`` keeps it unrounded). LAs with a
    suppressed count or no population are left out.

    Returns ``gss, year, rate_per_10k`` (year = 2010), sorted by gss.
    """
    count = counts.loc[counts["year"] == 2010].set_index("gss")["cla_unrounded"]
    pop = population.loc[population["mid_year"] == 2009].set_index("gss")["population_0_17"]
    if count.empty or pop.empty:
        raise DataError("cla_counts/population", "no 2010 count or no mid-2009 population to compute a 2010 rate")
    if (pop <= 0).any():
        raise DataError("population", f"non-positive mid-2009 population for {sorted(pop.index[pop <= 0])}")
    rate = (count / pop.reindex(count.index) * 10_000).dropna()
    if whole_numbers:
        rate = np.floor(rate + 0.5)
    out = rate.rename("rate_per_10k").rename_axis("gss").reset_index()
    out.insert(1, "year", 2010)
    return out.sort_values("gss", ignore_index=True)
