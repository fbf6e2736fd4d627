"""HMRC "children in low-income families local measure", per LA and August snapshot.

Sources (``data/raw/low_income/``, see its README):

- ``hmrc/low-income-YYYY.xls[x]``, YYYY = 2011-2016, snapshot at 31 August YYYY. Sheet
  ``Summary`` / ``Summary (rounded)`` / ``Summary `` holds, for under-16s and for all
  children, the number of children in low-income families (families on IS/JSA, or on
  tax credits with reported income under 60% of the median), the Child Benefit
  denominator and their ratio as a *proportion*. The header row and the code column
  move: 2011-2014 have the GSS code in the first column followed by the old ONS code
  (``00AA``) and the name; 2015-2016 start one column to the right and drop the old
  code. 2011-2015 list the 152 upper-tier LAs; 2016 lists districts (no county rows), so
  counties are summed from their districts' counts.
- ``fingertips/low_income_families.csv``: PHE Fingertips indicator 10101 (the same
  measure, under-16s, in %), snapshots 2006-2016, for unitaries, metropolitan districts,
  London boroughs and shire districts, no counties.

The study's measure here is the under-16 percentage: it is HMRC's headline measure and
the only one Fingertips republishes, so it alone spans 2006-2016.

Counties before 2011 (27 of the 151 LAs) have no published value. They are estimated
from their districts' Fingertips percentages, weighted by each district's under-16
Child Benefit count (the measure's own denominator; the 2016 workbook is the only
release here with district counts). ``county_estimate_check`` measures the estimate
against the published county values of 2011-2015.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .. import paths
from ..errors import DataError
from ..schema import Column, Gap, check_table, require_coverage
from ..io import parse_numbers, read_csv, read_sheet, require_columns, require_file, sheet_names

#: Snapshot year -> file name under data/raw/low_income/hmrc/.
HMRC_FILES = {
    2011: "low-income-2011.xls",
    2012: "low-income-2012.xls",
    2013: "low-income-2013.xls",
    2014: "low-income-2014.xlsx",
    2015: "low-income-2015.xlsx",
    2016: "low-income-2016.xlsx",
}
FINGERTIPS_FILE = ("low_income", "fingertips", "low_income_families.csv")
LOOKUP_FILE = ("lookups", "district_to_county_2009_2019.csv")

_GSS = re.compile(r"^[EKSWN]\d{8}$")
_OLD_CODE = re.compile(r"^\d{2}[A-Z]{2}$")
_HEADER_SEARCH_ROWS = 15
#: Upper-tier LA code prefixes (unitary, metropolitan district, London borough, county).
_UPPER_TIER = ("E06", "E08", "E09", "E10")

#: Columns of one HMRC workbook, as read by ``read_hmrc_workbook``.
HMRC_COLUMNS = ["code", "name", "low_income_u16", "low_income_all", "child_benefit_u16",
                "child_benefit_all", "pct_u16", "pct_all"]


#: Known hole: the 2013 HMRC workbook has no percentage for the Isles of Scilly.
LOW_INCOME_GAPS = (Gap.of("E06000053", [2013], "Isles of Scilly: no value in the 2013 HMRC workbook"),)


def hmrc_path(snapshot_year: int) -> Path:
    if snapshot_year not in HMRC_FILES:
        raise DataError(None, f"no HMRC low-income workbook for snapshot year {snapshot_year}")
    return paths.raw("low_income", "hmrc", HMRC_FILES[snapshot_year])


def summary_sheet(path: str | Path) -> str:
    """The workbook's summary sheet: 'Summary', 'Summary (rounded)' or 'Summary ' (2013)."""
    names = sheet_names(path)
    matches = [s for s in names if s.strip().lower().startswith("summary")]
    if len(matches) != 1:
        raise DataError(path, f"expected one 'Summary' sheet, found {matches} among {names}")
    return matches[0]


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()


def _find_cells(top: pd.DataFrame, test) -> list[tuple[int, int]]:
    return [(r, c) for r in range(top.shape[0]) for c in range(top.shape[1]) if test(_text(top.iat[r, c]))]


def _locate_layout(sheet: pd.DataFrame, path) -> dict:
    """Row and column positions of the pieces of one summary sheet, found by their headers."""
    top = sheet.iloc[:_HEADER_SEARCH_ROWS]
    code_cells = _find_cells(top, lambda t: t.lower() == "local authority code")
    if len(code_cells) != 1:
        raise DataError(path, "header 'Local Authority Code' not found in the summary sheet")
    header_row, code_col = code_cells[0]

    def group(test, label):
        cells = _find_cells(top, test)
        if len(cells) != 1:
            raise DataError(path, f"column group {label!r} not found (or found {len(cells)} times)")
        return cells[0][1]

    numerator = group(lambda t: t.lower().startswith("children in families in receipt of")
                      and "is/jsa" in t.lower(), "Children in families in receipt of ... or IS/JSA")
    denominator = group(lambda t: t.lower().startswith("children in") and "child benefit" in t.lower(),
                        "Children in (registered for) Child Benefit families")
    percent = group(lambda t: t.lower().startswith("% of children in low-income families")
                    and "alternative" not in t.lower(), "% of Children in low-income families")

    sub_cells = _find_cells(top, lambda t: t.lower() == "under 16")
    if not sub_cells:
        raise DataError(path, "sub-header 'Under 16' not found")
    sub_row = sub_cells[0][0]
    for col, label in [(numerator, "low-income count"), (denominator, "Child Benefit count"),
                       (percent, "percentage")]:
        under16 = _text(sheet.iat[sub_row, col]).lower()
        all_children = _text(sheet.iat[sub_row, col + 1]).lower()
        if under16 != "under 16" or all_children != "all children":
            raise DataError(path, f"{label}: expected 'Under 16' and 'All Children' sub-columns, "
                                  f"found {under16!r} and {all_children!r}")

    # 2011-2014 put the old ONS code (00AA) between the GSS code and the name.
    body = sheet.iloc[sub_row + 1:]
    next_col = body.iloc[:, code_col + 1].map(_text)
    next_col = next_col[next_col != ""]
    has_old_code = len(next_col) > 0 and next_col.str.match(_OLD_CODE).mean() > 0.5
    return dict(first_data_row=max(header_row, sub_row) + 1, code=code_col,
                name=code_col + 2 if has_old_code else code_col + 1,
                numerator=numerator, denominator=denominator, percent=percent)


def read_hmrc_workbook(path: str | Path) -> pd.DataFrame:
    """One HMRC workbook's summary sheet: one row per area with a GSS code.

    Columns ``HMRC_COLUMNS``: counts as published (rounded to 5), percentages
    converted from the stored proportions to % (NaN where suppressed, e.g. '-').
    """
    path = require_file(path)
    sheet = read_sheet(path, summary_sheet(path))
    at = _locate_layout(sheet, path)
    body = sheet.iloc[at["first_data_row"]:]
    codes = body.iloc[:, at["code"]].map(_text)
    body = body[codes.str.match(_GSS)]
    if body.empty:
        raise DataError(path, "no rows with a GSS area code below the header")
    names = body.iloc[:, at["name"]].map(_text)
    if at["name"] != at["code"] + 1:  # the England row has its name beside the code
        beside = body.iloc[:, at["code"] + 1].map(_text)
        names = names.where(names != "", beside)
    out = pd.DataFrame({"code": body.iloc[:, at["code"]].map(_text).to_numpy(),
                        "name": names.to_numpy()})
    for column, col in [("low_income_u16", at["numerator"]), ("low_income_all", at["numerator"] + 1),
                        ("child_benefit_u16", at["denominator"]),
                        ("child_benefit_all", at["denominator"] + 1),
                        ("pct_u16", at["percent"]), ("pct_all", at["percent"] + 1)]:
        out[column] = parse_numbers(body.iloc[:, col].reset_index(drop=True), path, column).to_numpy()
    for column in ["pct_u16", "pct_all"]:
        if (out[column] > 1).any():
            raise DataError(path, f"{column}: expected proportions (0-1), found values above 1")
        out[column] = out[column] * 100
    if out["code"].duplicated().any():
        raise DataError(path, f"duplicated area codes {sorted(out.loc[out.code.duplicated(), 'code'])}")
    return out[HMRC_COLUMNS]


def read_district_lookup(path: str | Path | None = None) -> pd.DataFrame:
    """The 201 shire districts of 2009-2019 and their 27 counties."""
    path = Path(path) if path is not None else paths.raw(*LOOKUP_FILE)
    lookup = read_csv(path)
    require_columns(lookup, ["district_code", "district_name", "county_code", "county_name"], path)
    lookup = lookup[["district_code", "district_name", "county_code", "county_name"]].copy()
    if lookup["district_code"].duplicated().any():
        raise DataError(path, "a district appears twice")
    return lookup


def sum_districts_to_counties(districts: pd.DataFrame, lookup: pd.DataFrame, path) -> pd.DataFrame:
    """County rows from district counts: % = 100 x sum of low-income / sum of Child Benefit.

    Every district of a county must be present with its counts, else DataError: a
    partial sum would silently understate the county.
    """
    merged = lookup.merge(districts, left_on="district_code", right_on="code", how="left")
    missing = merged[merged["code"].isna()]
    if not missing.empty:
        raise DataError(path, f"districts missing for the county sums: {sorted(missing.district_code)[:5]}")
    counts = ["low_income_u16", "low_income_all", "child_benefit_u16", "child_benefit_all"]
    if merged[counts].isna().any().any():
        raise DataError(path, "a district needed for a county sum has a suppressed count")
    counties = merged.groupby(["county_code", "county_name"], as_index=False)[counts].sum()
    counties = counties.rename(columns={"county_code": "code", "county_name": "name"})
    counties["pct_u16"] = 100 * counties.low_income_u16 / counties.child_benefit_u16
    counties["pct_all"] = 100 * counties.low_income_all / counties.child_benefit_all
    return counties[HMRC_COLUMNS]


def hmrc_panel(las: pd.DataFrame, files: dict[int, str | Path] | None = None,
               lookup: pd.DataFrame | None = None, read: dict[int, pd.DataFrame] | None = None) -> pd.DataFrame:
    """Upper-tier LA values from the HMRC workbooks, one row per LA and snapshot year.

    ``files`` maps snapshot year to workbook (default: the six raw files).
    Columns: ``gss, snapshot_year, low_income_pct, low_income_all_pct, low_income_u16,
    child_benefit_u16, source`` where source is 'hmrc' (published LA row) or
    'hmrc_districts_summed' (2016 counties). ``read``: workbooks already read (snapshot year ->
    :func:`read_hmrc_workbook`'s table), not read again.
    """
    from ..las import canonical_gss

    lookup = read_district_lookup() if lookup is None else lookup
    frames = []
    files = {year: hmrc_path(year) for year in HMRC_FILES} if files is None else files
    for year, path in sorted(files.items()):
        table = (read or {}).get(year)
        table = read_hmrc_workbook(path) if table is None else table
        upper = table[table.code.str[:3].isin(_UPPER_TIER)].copy()
        upper["source"] = "hmrc"
        if not upper.code.str.startswith("E10").any():  # district-level release (2016)
            counties = sum_districts_to_counties(table[table.code.str.startswith("E07")], lookup, path)
            counties["source"] = "hmrc_districts_summed"
            upper = pd.concat([upper, counties], ignore_index=True)
        upper["gss"] = canonical_gss(upper.code, path, las).to_numpy()
        upper = upper[upper.gss.isin(las.gss)]
        missing = sorted(set(las.gss) - set(upper.gss))
        if missing:
            raise DataError(path, f"LAs missing from the workbook: {missing[:5]}")
        upper["snapshot_year"] = year
        frames.append(upper)
    panel = pd.concat(frames, ignore_index=True).rename(
        columns={"pct_u16": "low_income_pct", "pct_all": "low_income_all_pct"})
    return panel[["gss", "snapshot_year", "low_income_pct", "low_income_all_pct",
                  "low_income_u16", "child_benefit_u16", "source"]].sort_values(
        ["gss", "snapshot_year"], ignore_index=True)


def read_fingertips(path: str | Path | None = None) -> pd.DataFrame:
    """Fingertips indicator 10101: ``code, name, snapshot_year, pct`` for English LAs and districts."""
    path = Path(path) if path is not None else paths.raw(*FINGERTIPS_FILE)
    table = read_csv(path, encoding="utf-8")
    require_columns(table, ["area_code", "area_name", "period", "value"], path)
    table = table[table.area_code.str[:3].isin(_UPPER_TIER + ("E07",))]
    # The file was written by R: a missing value (Isles of Scilly, 2014) is the text 'NA'.
    values = table.value.where(table.value.str.strip() != "NA", "")
    out = pd.DataFrame({
        "code": table.area_code.to_numpy(),
        "name": table.area_name.to_numpy(),
        "snapshot_year": parse_numbers(table.period, path, "period").to_numpy(),
        "pct": parse_numbers(values, path, "value").to_numpy(),
    })
    if out.snapshot_year.isna().any():
        raise DataError(path, "a row has no period")
    out["snapshot_year"] = out.snapshot_year.astype(int)
    if out.duplicated(["code", "snapshot_year"]).any():
        raise DataError(path, "an area appears twice in one period")
    return out.sort_values(["code", "snapshot_year"], ignore_index=True)


def district_weights(method: str, districts_2016: pd.DataFrame | None = None,
                     lookup: pd.DataFrame | None = None) -> pd.DataFrame:
    """Weights of each district within its county: ``district_code, county_code, weight``.

    ``method='child_benefit'``: the district's under-16 Child Benefit count in the 2016
    HMRC workbook, so the estimate is the county's implied count ratio (the way the
    published county % is built). ``method='equal'``: the plain mean of the districts.
    """
    lookup = read_district_lookup() if lookup is None else lookup
    if method == "equal":
        weights = lookup.assign(weight=1.0)
    elif method == "child_benefit":
        if districts_2016 is None:
            districts_2016 = read_hmrc_workbook(hmrc_path(2016))
        weights = lookup.merge(districts_2016[["code", "child_benefit_u16"]],
                               left_on="district_code", right_on="code", how="left")
        if weights.child_benefit_u16.isna().any():
            raise DataError(hmrc_path(2016), "a district has no under-16 Child Benefit count")
        weights = weights.rename(columns={"child_benefit_u16": "weight"})
    else:
        raise ValueError(f"unknown weighting {method!r}: use 'child_benefit' or 'equal'")
    weights = weights[["district_code", "county_code", "weight"]].copy()
    weights["weight"] = weights.weight / weights.groupby("county_code").weight.transform("sum")
    return weights


def estimate_counties(fingertips: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """County % estimated as the weighted mean of its districts' Fingertips %.

    Returns ``gss, snapshot_year, low_income_pct`` for every county and year in which all
    its districts have a value (a county with a missing district gets no estimate).
    """
    merged = weights.merge(fingertips, left_on="district_code", right_on="code", how="left")
    merged["weighted"] = merged.weight * merged.pct
    grouped = merged.groupby(["county_code", "snapshot_year"])
    out = pd.DataFrame({"low_income_pct": grouped.weighted.sum(min_count=1),
                        "complete": grouped.pct.apply(lambda s: s.notna().all())}).reset_index()
    n_districts = weights.groupby("county_code").size()
    counted = merged.groupby(["county_code", "snapshot_year"]).size()
    out["complete"] &= (counted.reindex(pd.MultiIndex.from_frame(out[["county_code", "snapshot_year"]]))
                        .to_numpy() == n_districts.reindex(out.county_code).to_numpy())
    out = out[out.complete].rename(columns={"county_code": "gss"})
    out["snapshot_year"] = out.snapshot_year.astype(int)
    return out[["gss", "snapshot_year", "low_income_pct"]].sort_values(
        ["gss", "snapshot_year"], ignore_index=True)


def county_estimate_check(estimates: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Estimate vs published county value where both exist.

    ``published``: HMRC rows (``gss, snapshot_year, low_income_pct, source``); only
    rows published as county rows (source 'hmrc') count as the truth.
    Returns ``gss, snapshot_year, published, estimate, error`` (estimate - published).
    """
    truth = published[(published.source == "hmrc") & published.gss.str.startswith("E10")]
    both = truth[["gss", "snapshot_year", "low_income_pct"]].rename(
        columns={"low_income_pct": "published"}).merge(
        estimates.rename(columns={"low_income_pct": "estimate"}), on=["gss", "snapshot_year"])
    both["error"] = both.estimate - both.published
    return both.sort_values(["gss", "snapshot_year"], ignore_index=True)


def change_errors(check: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """Error of the estimated change start -> end per county (the error that enters a change test)."""
    wide = check.pivot(index="gss", columns="snapshot_year", values=["published", "estimate"])
    out = pd.DataFrame({
        "published_change": wide[("published", end)] - wide[("published", start)],
        "estimated_change": wide[("estimate", end)] - wide[("estimate", start)],
    })
    out["error"] = out.estimated_change - out.published_change
    return out.reset_index()


def fingertips_agreement(fingertips: pd.DataFrame, hmrc: pd.DataFrame, las: pd.DataFrame) -> pd.DataFrame:
    """HMRC vs Fingertips for the LAs and years both publish: ``gss, snapshot_year, hmrc, fingertips, difference``."""
    from ..las import canonical_gss

    ft = fingertips[fingertips.code.str[:3].isin(_UPPER_TIER)].copy()
    ft["gss"] = canonical_gss(ft.code, paths.raw(*FINGERTIPS_FILE), las).to_numpy()
    both = hmrc[hmrc.source == "hmrc"][["gss", "snapshot_year", "low_income_pct"]].rename(
        columns={"low_income_pct": "hmrc"}).merge(
        ft[["gss", "snapshot_year", "pct"]].rename(columns={"pct": "fingertips"}),
        on=["gss", "snapshot_year"])
    both["difference"] = both.hmrc - both.fingertips
    return both.sort_values(["gss", "snapshot_year"], ignore_index=True)


def combined_panel(las: pd.DataFrame, hmrc: pd.DataFrame, fingertips: pd.DataFrame,
                   county_estimates: pd.DataFrame) -> pd.DataFrame:
    """The study's series, under-16 %, snapshots 2006-2016, one row per LA and year.

    2011-2016: HMRC (2016 counties summed from districts). 2006-2010: Fingertips for
    unitaries, metropolitan districts and London boroughs; the district-based estimate
    for counties (``estimated`` True). Columns ``gss, snapshot_year, low_income_pct,
    low_income_all_pct, source, estimated``.
    """
    from ..las import canonical_gss

    first_hmrc = int(hmrc.snapshot_year.min())
    ft = fingertips[fingertips.code.str[:3].isin(_UPPER_TIER)
                    & (fingertips.snapshot_year < first_hmrc)].copy()
    ft["gss"] = canonical_gss(ft.code, paths.raw(*FINGERTIPS_FILE), las).to_numpy()
    ft = ft[ft.gss.isin(las.gss)].rename(columns={"pct": "low_income_pct"})
    ft["source"] = "fingertips"
    est = county_estimates[county_estimates.snapshot_year < first_hmrc].copy()
    est["source"] = "estimate_from_districts"
    parts = [hmrc[["gss", "snapshot_year", "low_income_pct", "low_income_all_pct", "source"]],
             ft[["gss", "snapshot_year", "low_income_pct", "source"]],
             est[["gss", "snapshot_year", "low_income_pct", "source"]]]
    panel = pd.concat(parts, ignore_index=True)
    panel["estimated"] = panel.source == "estimate_from_districts"
    panel["low_income_all_pct"] = panel.low_income_all_pct.astype(float)
    if panel.duplicated(["gss", "snapshot_year"]).any():
        raise DataError(None, "low-income panel: an LA-year comes from two sources")
    panel = panel[panel.gss.isin(las.gss)]
    return panel.sort_values(["gss", "snapshot_year"], ignore_index=True)


def with_cla_year(panel: pd.DataFrame, snapshot_offset: int = 0) -> pd.DataFrame:
    """Add ``year`` (the CLA year a snapshot is paired with) = snapshot_year + offset.

    offset 0: the August Y snapshot goes with the rate at 31 March Y (five months
    earlier, the nearest count; the study's labels). offset 1: with 31 March Y+1, the
    end of the financial year Y/Y+1 that contains the snapshot.
    """
    if snapshot_offset not in (0, 1):
        raise ValueError("snapshot_offset must be 0 or 1")
    out = panel.copy()
    out["year"] = out.snapshot_year + snapshot_offset
    return out


def build_tables(las: pd.DataFrame, weighting: str = "child_benefit") -> dict[str, pd.DataFrame]:
    """``{'low_income': panel, 'low_income_county_check': estimate vs published,
    'low_income_hmrc_fingertips': the two sources where both publish}``.

    ``low_income``: ``gss, snapshot_year, year, low_income_pct, low_income_all_pct,
    source, estimated`` (``year`` = snapshot year: see ``with_cla_year``).
    ``low_income_county_check``: ``gss, snapshot_year, published, estimate, error,
    weighting`` for both weightings, 2011-2015.
    ``low_income_hmrc_fingertips``: :func:`fingertips_agreement` (chapter 03 reports it).
    """
    lookup = read_district_lookup()
    districts_2016 = read_hmrc_workbook(hmrc_path(2016))
    hmrc = hmrc_panel(las, lookup=lookup, read={2016: districts_2016})
    fingertips = read_fingertips()
    checks = []
    estimates = {}
    for method in ["child_benefit", "equal"]:
        estimates[method] = estimate_counties(fingertips, district_weights(method, districts_2016, lookup))
        checks.append(county_estimate_check(estimates[method], hmrc).assign(weighting=method))
    panel = with_cla_year(combined_panel(las, hmrc, fingertips, estimates[weighting]))
    panel = panel[["gss", "snapshot_year", "year", "low_income_pct", "low_income_all_pct",
                   "source", "estimated"]]
    check = pd.concat(checks, ignore_index=True)
    # Every LA with a value in every snapshot year, from the file that gave it.
    first_hmrc = min(HMRC_FILES)
    require_coverage(panel[panel.snapshot_year < first_hmrc], paths.raw(*FINGERTIPS_FILE), las,
                     years=range(2006, first_hmrc), year="snapshot_year", value="low_income_pct")
    for year in sorted(HMRC_FILES):
        require_coverage(panel[panel.snapshot_year == year], hmrc_path(year), las, years=[year],
                         year="snapshot_year", value="low_income_pct", gaps=LOW_INCOME_GAPS)
    panel = check_table(
        panel, "low_income", key=["gss", "snapshot_year"], las=las,
        columns={"snapshot_year": Column("int", min=2006, max=2016, nullable=False),
                 "year": Column("int", nullable=False),
                 "low_income_pct": Column("float", min=0, max=100),
                 "low_income_all_pct": Column("float", min=0, max=100),
                 "source": Column("str", nullable=False),
                 "estimated": Column("bool", nullable=False)})
    check = check_table(
        check, "low_income_county_check", key=["gss", "snapshot_year", "weighting"],
        columns={"published": Column("float", min=0, max=100, nullable=False),
                 "estimate": Column("float", min=0, max=100, nullable=False),
                 "error": Column("float", nullable=False)})
    agreement = check_table(
        fingertips_agreement(fingertips, hmrc, las), "low_income_hmrc_fingertips", key=["gss", "snapshot_year"],
        columns={"hmrc": Column("float", min=0, max=100), "fingertips": Column("float", min=0, max=100),
                 "difference": Column("float")})  # a value suppressed in one source stays missing
    return {"low_income": panel, "low_income_county_check": check, "low_income_hmrc_fingertips": agreement}


# --- analysis helpers used by notebooks/03_poverty -------------------------------------------


def period_summaries(low_income: pd.DataFrame, cla_rates: pd.DataFrame, las: pd.DataFrame,
                     predictor_period: tuple[int, int], rate_period: tuple[int, int] | None | bool = None,
                     column: str = "low_income_pct") -> pd.DataFrame:
    """Average level and change of % low-income and of the CLA rate, one row per analysis LA.

    ``low_income`` must carry ``year`` (see ``with_cla_year``). The rate summaries run
    over ``rate_period`` (default: the predictor's period; ``False``: none, for a
    predictor period the published rates do not cover, e.g. 2007-2015; the default
    leaves the rate columns out when the rates do not cover the predictor's period). Columns ``gss, la_name,
    region, la_type, low_income_level, low_income_change, rate_level, rate_change,
    estimated`` (True if any low-income value used is a district-based estimate).
    """
    from ..summaries import average_change, average_level

    start, end = predictor_period
    out = las.loc[~las["excluded"], ["gss", "la_name", "region", "la_type"]].set_index("gss")
    out["low_income_level"] = average_level(low_income, column, start, end)
    out["low_income_change"] = average_change(low_income, column, start, end)
    rate_years = set(cla_rates.loc[cla_rates["rate_per_10k"].notna(), "year"].astype(int))
    if rate_period is None and not set(range(start, end + 1)) <= rate_years:
        rate_period = False  # no published rates over this period: no rate columns (never NaNs)
    if rate_period is not False:
        rate_start, rate_end = rate_period or predictor_period
        out["rate_level"] = average_level(cla_rates, "rate_per_10k", rate_start, rate_end)
        out["rate_change"] = average_change(cla_rates, "rate_per_10k", rate_start, rate_end)
    used = low_income[low_income.year.between(start, end)]
    out["estimated"] = used.groupby("gss").estimated.any().reindex(out.index, fill_value=False)
    return out.reset_index().sort_values("gss", ignore_index=True)


def estimate_error_summary(check: pd.DataFrame) -> pd.DataFrame:
    """Error of the county estimate per weighting and snapshot year (points of %).

    Columns ``weighting, snapshot_year, n, mean_error, mean_abs_error, max_abs_error``.
    """
    grouped = check.groupby(["weighting", "snapshot_year"]).error
    out = pd.DataFrame({
        "n": grouped.size(),
        "mean_error": grouped.mean(),
        "mean_abs_error": grouped.apply(lambda e: e.abs().mean()),
        "max_abs_error": grouped.apply(lambda e: e.abs().max()),
    }).reset_index()
    return out.sort_values(["weighting", "snapshot_year"], ignore_index=True)
