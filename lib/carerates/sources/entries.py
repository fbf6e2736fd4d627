"""Children who started to be looked after (care entries) by age, 2011-2025, for chapter 11.

Three layouts, one edition per year (``docs/analysis_plan.md``, Chapter 11):

- 2011-2017: each release's underlying file ``cla/underlying/<year>_*ADM*.csv``
  (``SCLA_U1, SCLA_1to4, SCLA_5to9, SCLA_10to15, SCLA_16over`` and the total
  ``CLA_started<year>``; the 2015 file's total says 2014; the 2017 file adds ``LA_order``;
  ``x`` suppressed; no Isles of Scilly row before 2017).
- 2018-2022: the 2022 edition ``cla/ees/la_cla_who_started_to_be_looked_after_2018_2022.csv``
  (tidy: ``cla_group == "Age group"``; ``c`` suppressed, ``z`` the council did not exist;
  old and new councils both listed).
- 2020-2024 and 2021-2025: DfE's dashboard copies ``cla/ees/cla_placements_*.rds`` (read with
  ``pyreadr``; current codes applied back, no Cumbria rows, no rows for the pre-2019 and
  pre-2021 councils; the age group is "Age group" or "Age on starting").

Counts per council (2017 councils and successors), then :func:`entries_units` puts every year on
the panel units of :mod:`carerates.geography`. ``under_16`` is the sum of the four bands under
16, or, where a band is suppressed, the total minus the 16-and-over cell when both are given.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..errors import DataError
from ..geography import SUCCESSOR_CODES, recode_same_area, to_units
from ..io import parse_numbers, read_csv, require_columns, require_complete_rows, require_file
from ..las import ISLES_OF_SCILLY, canonical_gss
from ..schema import Column, Gap, check_table, require_coverage
from .cla import ABOLISHED, SCILLY_NOT_IN_UNDERLYING, edition_overlaps

#: The age columns, in order; the first four make the under-16s.
BANDS = ("under_1", "age_1_4", "age_5_9", "age_10_15", "age_16_over")
UNDER_16 = BANDS[:4]
_ADM_COLUMNS = dict(zip(("SCLA_U1", "SCLA_1to4", "SCLA_5to9", "SCLA_10to15", "SCLA_16over"), BANDS))
#: The tidy editions' age labels.
_EES_LABELS = {"Under 1 year": "under_1", "1 to 4 years": "age_1_4", "5 to 9 years": "age_5_9",
               "10 to 15 years": "age_10_15", "16 years and over": "age_16_over", "Total": "total"}
_GSS = re.compile(r"^E(06|08|09|10)\d{6}$")

EES_2022 = "cla/ees/la_cla_who_started_to_be_looked_after_2018_2022.csv"
RDS_EDITIONS = {"2020_2024": "cla/ees/cla_placements_2020_2024.rds",
                "2021_2025": "cla/ees/cla_placements_2021_2025.rds"}
#: Years taken from each edition (the rule of the analysis plan).
EDITION_OF_YEAR = {**{y: "underlying" for y in range(2011, 2018)},
                   **{y: "2022" for y in range(2018, 2023)},
                   **{y: "2021_2025" for y in range(2023, 2026)}}

#: The dashboard copies drop these rows (data README): not an error in those files.
SCILLY_SUPPRESSED = Gap.of(ISLES_OF_SCILLY, None, "Isles of Scilly: every count suppressed")
RDS_GAPS = (Gap.of("E10000006", range(2020, 2023), "the dashboard's copies drop every Cumbria row"),)

COLUMNS = {
    **{band: Column("float", min=0) for band in BANDS},
    "total": Column("float", min=0),
    "under_16": Column("float", min=0),
}


def under_16(frame: pd.DataFrame) -> pd.Series:
    """Children under 16 among the starters: the four bands' sum, else total - 16 and over, else NaN."""
    summed = frame[list(UNDER_16)].sum(axis=1, min_count=len(UNDER_16))
    summed = summed.where(frame[list(UNDER_16)].notna().all(axis=1))
    return summed.fillna(frame["total"] - frame["age_16_over"])


def _finish(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    frame = frame.copy()
    frame["under_16"] = under_16(frame)
    complete = frame[list(BANDS)].notna().all(axis=1)
    gap = (frame[list(BANDS)].sum(axis=1) - frame["total"]).abs()
    # Early files are off by a child or two in a few rows (unrounded counts from different
    # extracts); a larger gap means a shifted or damaged column.
    off = complete & (gap > np.maximum(3, 0.05 * frame["total"]))
    if off.any():
        row = frame[off].iloc[0]
        raise DataError(path, f"LA {row['gss']} {int(row['year'])}: the age groups sum to "
                              f"{row[list(BANDS)].sum():.0f}, the total is {row['total']:.0f}")
    return frame[["gss", "year", *BANDS, "total", "under_16"]]


def read_adm(path: str | Path, year: int, las: pd.DataFrame) -> pd.DataFrame:
    """One underlying starts file (2011-2017): ``gss, year, <bands>, total, under_16`` per 2017 LA."""
    path = require_file(path)
    raw = read_csv(path)
    raw.columns = [c.strip() for c in raw.columns]
    total = next((c for c in raw.columns if re.fullmatch(r"CLA_started\d{4}", c)), None)
    if total is None:
        raise DataError(path, f"no 'CLA_started<year>' column among {list(raw.columns)[:8]}")
    require_columns(raw, ["New_geog_code", "geog_l", *_ADM_COLUMNS], path)
    rows = raw[raw["geog_l"].str.strip().str.upper() == "LA"].copy()
    codes = canonical_gss(rows["New_geog_code"], path, las)
    out = pd.DataFrame({"gss": codes.to_numpy(), "year": year})
    for source, band in _ADM_COLUMNS.items():
        out[band] = parse_numbers(rows[source], path, source).to_numpy()
    out["total"] = parse_numbers(rows[total], path, total).to_numpy()
    require_coverage(out, path, las, years=[year], gaps=[SCILLY_NOT_IN_UNDERLYING])
    require_complete_rows(path)
    return _finish(out, path)


def adm_path(directory: Path, year: int) -> Path:
    found = sorted(p for p in Path(directory).glob(f"{year}_*ADM*.csv"))
    if len(found) != 1:
        raise DataError(directory, f"expected one starts (ADM) file for {year}, found {[p.name for p in found]}")
    return found[0]


def _tidy_ages(raw: pd.DataFrame, path: Path, years: range, las: pd.DataFrame, *, code: str, group: str,
               label: str, gaps=()) -> pd.DataFrame:
    """The age rows of a tidy edition, one row per council and year (2017 councils and successors)."""
    rows = raw[raw[group].isin(["Age group", "Age on starting"])
               & raw["geographic_level"].str.strip().isin(["Local authority", "Local Authority"])]
    if rows.empty:
        raise DataError(path, "no local authority rows of the age groups")
    labels = rows[label].str.strip()
    strange = sorted(set(labels) - set(_EES_LABELS))
    if strange:
        raise DataError(path, f"unexpected age group(s) {strange}")
    codes = canonical_gss(rows[code], path, las, allow=SUCCESSOR_CODES)
    long = pd.DataFrame({"gss": codes.to_numpy(), "year": pd.to_numeric(rows["time_period"]).astype(int).to_numpy(),
                         "band": labels.map(_EES_LABELS).to_numpy(),
                         "number": parse_numbers(rows["number"], path, "number").to_numpy()})
    if long.duplicated(["gss", "year", "band"]).any():
        dup = long[long.duplicated(["gss", "year", "band"])].iloc[0]
        raise DataError(path, f"LA {dup['gss']} {dup['year']}: age group {dup['band']!r} listed twice")
    wide = long.pivot(index=["gss", "year"], columns="band", values="number")
    missing = [c for c in (*BANDS, "total") if c not in wide.columns]
    if missing:
        raise DataError(path, f"age group(s) missing: {missing}")
    wide = wide.reset_index()
    wide.columns.name = None
    wide = wide[wide[[*BANDS, "total"]].notna().any(axis=1) | ~wide["gss"].isin(SUCCESSOR_CODES)]
    require_coverage(wide.assign(gss=recode_same_area(wide["gss"])), path, las, years=years, value="total",
                     gaps=[SCILLY_SUPPRESSED, *ABOLISHED, *gaps])
    return _finish(wide, path)


def read_ees_2022(path: str | Path, las: pd.DataFrame) -> pd.DataFrame:
    """The 2022 edition (2018-2022): ``gss, year, <bands>, total, under_16`` per council."""
    path = require_file(path)
    raw = read_csv(path, encoding="utf-8-sig")
    require_columns(raw, ["time_period", "geographic_level", "new_la_code", "cla_group", "characteristic",
                          "number"], path)
    require_complete_rows(path)
    return _tidy_ages(raw, path, range(2018, 2023), las, code="new_la_code", group="cla_group",
                      label="characteristic")


def read_rds(path: str | Path, years: range, las: pd.DataFrame) -> pd.DataFrame:
    """A dashboard copy (``.rds``) of a later edition: ``gss, year, <bands>, total, under_16``."""
    import pyreadr

    path = require_file(path)
    try:
        raw = next(iter(pyreadr.read_r(str(path)).values()))
    except Exception as err:  # pyreadr raises its own errors for a damaged or foreign file
        raise DataError(path, f"cannot be read as an R data file ({err})") from None
    require_columns(raw, ["geographic_level", "time_period", "new_la_code", "cla_group", "characteristic",
                          "number"], path)
    raw = raw[raw["cla_group"].astype(str).isin(["Age group", "Age on starting"])]
    raw = raw.astype({c: str for c in ["geographic_level", "time_period", "new_la_code", "cla_group",
                                       "characteristic", "number"]})
    gaps = list(RDS_GAPS) + [Gap.of("E10000006", range(2023, 2100), "Cumbria: replaced in April 2023")]
    # Current codes are applied back: Northamptonshire's and the old Dorset's rows are dropped.
    gaps += [Gap.of(("E06000028", "E06000029", "E10000009", "E10000021"), None,
                    "the dashboard's copies keep only current councils")]
    return _tidy_ages(raw, path, years, las, code="new_la_code", group="cla_group", label="characteristic",
                      gaps=gaps)


def read_edition(name: str, las: pd.DataFrame) -> pd.DataFrame:
    """One later edition whole, by its name ("2022", or a key of :data:`RDS_EDITIONS` such as
    "2021_2025", whose years it names): ``gss, year, <bands>, total, under_16`` per council."""
    if name == "2022":
        return read_ees_2022(paths.raw(EES_2022), las)
    first, last = (int(y) for y in name.split("_"))
    return read_rds(paths.raw(RDS_EDITIONS[name]), range(first, last + 1), las)


def later_editions(las: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each later edition whole, in publication order: ``{"2022": 2018-2022, "2020_2024": ...,
    "2021_2025": ...}``."""
    return {name: read_edition(name, las) for name in ("2022", *RDS_EDITIONS)}


def edition_revisions(editions: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Where two editions publish the same year: one row per year and pair (earlier, later), over the
    councils both list with an under-16 count in both: ``year, earlier_edition, later_edition,
    councils, under_16_differs, entries_earlier, entries_later, total_change_pct, largest_change,
    edition_used`` (the edition :data:`EDITION_OF_YEAR` takes for that year)."""
    known = {name: frame.dropna(subset=["under_16"]) for name, frame in editions.items()}
    rows = []
    for year, earlier, later, a, b in edition_overlaps(known):
        x, y = a["under_16"].to_numpy(), b["under_16"].to_numpy()
        rows.append({"year": year, "earlier_edition": earlier, "later_edition": later,
                     "councils": len(a), "under_16_differs": int((x != y).sum()),
                     "entries_earlier": float(x.sum()), "entries_later": float(y.sum()),
                     "total_change_pct": float(100 * (y.sum() - x.sum()) / x.sum()),
                     "largest_change": float(np.abs(y - x).max()),
                     "edition_used": EDITION_OF_YEAR[year]})
    return pd.DataFrame(rows)


def council_entries(las: pd.DataFrame, directory: str | Path | None = None,
                    editions: dict[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Every year 2011-2025 per council, each year from its edition (:data:`EDITION_OF_YEAR`):
    ``gss, year, <bands>, total, under_16, edition``. ``editions``: :func:`later_editions` already
    read (else the two it uses are read here)."""
    directory = Path(directory) if directory else paths.raw("cla", "underlying")
    frames = [read_adm(adm_path(directory, y), y, las).assign(edition="underlying") for y in range(2011, 2018)]
    used = ("2022", "2021_2025")
    editions = editions if editions is not None else {name: read_edition(name, las) for name in used}
    frames += [editions[name].assign(edition=name) for name in used]
    every = pd.concat(frames, ignore_index=True)
    chosen = every[[EDITION_OF_YEAR.get(int(y)) == e for y, e in zip(every["year"], every["edition"])]]
    return chosen.sort_values(["gss", "year"], ignore_index=True)


def entries_units(las: pd.DataFrame, councils: pd.DataFrame | None = None) -> pd.DataFrame:
    """Entries per panel unit and year: ``unit, year, <bands>, total, under_16, rule, members, edition``,
    checked with :func:`carerates.schema.check_table`."""
    councils = council_entries(las) if councils is None else councils
    counts = [*BANDS, "total", "under_16"]
    units = to_units(councils, counts, known=set(las["gss"]), path=paths.raw("cla"))
    # A band suppressed in one member leaves the unit's band unknown, but its under-16 count may
    # still be known from each member's own rule: sum those separately.
    known_u16 = to_units(councils.dropna(subset=["under_16"]), ["under_16"], known=set(las["gss"]),
                         path=paths.raw("cla"))
    units = units.drop(columns="under_16").merge(known_u16[["unit", "year", "under_16"]], on=["unit", "year"],
                                                 how="left")
    units["edition"] = units["year"].map(EDITION_OF_YEAR)
    return check_table(units, "entries_units", key=["unit", "year"], columns=COLUMNS)
