"""The LA-by-year panel and the LA table that the multivariate chapter (09) models.

``build_panel(tables, las)`` joins the processed tables on ``gss, year`` (years ending
31 March) using the same year conventions as the single-factor chapters:

- CLA rate (``cla_rates``) and unrounded count (``cla_counts``) at 31 March of ``year``;
- child population 0-17: the ONS mid-year estimate of ``year - 1`` (DfE's rate at 31 March
  Y uses the mid-Y-1 estimate; ``POPULATION_LAG``); the 2011 estimate is not in the
  processed data, so 2012 has no population;
- % children in low-income families: the August snapshot of ``year`` (chapter 03's
  default ``snapshot_offset = 0``);
- weekly unit cost of social work (``unit_cost``, net spend) of the financial year ending
  in ``year`` (chapter 06);
- turnover and agency %: the 30 September snapshot of ``year`` (chapter 04's default
  ``snapshot_offset = 0``, the study's labels; docs/analysis_plan.md, "Readings of the study").

``build_la_table(panel, tables, las, ...)`` summarises the panel per LA with
:func:`carerates.summaries.average_level` (the study's period convention) and adds the
Innovation Programme flag (default threshold ``INNOVATION_THRESHOLD``, "confirmed", the analysis
plan's reading; ``data_dictionary(threshold)`` describes the flag at the threshold used), the latest
Ofsted SIF overall grade and region.

Both accept frames, so tests pass small synthetic tables; ``load_tables()`` reads the
parquet files.
"""
from __future__ import annotations

import pandas as pd

from . import paths
from .errors import DataError
from .io import read_parquet, require_columns
from .sources import innovation, ofsted
from .summaries import average_level

#: Processed tables the panel reads, with the columns it needs from each.
TABLES = {
    "cla_rates": ["gss", "year", "rate_per_10k"],
    "cla_counts": ["gss", "year", "cla_unrounded"],
    "population": ["gss", "mid_year", "population_0_17"],
    "low_income": ["gss", "snapshot_year", "low_income_pct"],
    "workforce": ["gss", "snapshot_year", "turnover_pct", "agency_pct"],
    "unit_cost": ["gss", "year", "unit_cost_net"],
    "innovation_round1": ["gss", "confidence"],
    "ofsted_sif": ["gss", "inspection", "published", *ofsted.JUDGEMENTS],
}

POPULATION_LAG = 1
LOW_INCOME_OFFSET = 0
WORKFORCE_OFFSET = 0

PANEL_COLUMNS = ["gss", "year", "region", "rate_per_10k", "cla_count", "population_0_17",
                 "low_income_pct", "unit_cost", "turnover_pct", "agency_pct"]
PREDICTORS = ["low_income_pct", "unit_cost", "turnover_pct", "agency_pct"]

_DICTIONARY_ROWS = pd.DataFrame([
    ("gss", "LA code (2017 GSS; old Gateshead/Northumberland codes mapped)", "code", "las", "-"),
    ("year", "year ending 31 March", "year", "-", "2012-2017"),
    ("region", "DfE region, London split into Inner and Outer London", "category", "las (LAA1)", "2017"),
    ("rate_per_10k", "children looked after at 31 March per 10,000 children aged 0-17 (DfE published rate)",
     "per 10,000", "cla_rates (SSDA903, SFR/LA tables)", "2012-2017"),
    ("cla_count", "children looked after at 31 March, unrounded", "children", "cla_counts (SSDA903)",
     "2012-2017"),
    ("population_0_17", "ONS mid-year estimate of children aged 0-17, mid-year before 31 March",
     "children", "population (ONS MYE)", "2013-2017 (mid-2012 to mid-2016)"),
    ("low_income_pct", "% of children under 16 in low-income families, August snapshot of the year",
     "%", "low_income (HMRC / PHE Fingertips; counties estimated where needed)", "2012-2016"),
    ("unit_cost", "weekly unit cost of social work: S251 net spend on social work per child in need per week",
     "GBP per child per week", "unit_cost (S251 outturn, CIN census; chapter 06)", "2012-2016"),
    ("turnover_pct", "FTE children's social worker leavers as % of FTE social workers, 30 Sept snapshot",
     "%", "workforce (DfE CSC workforce)", "2015-2017 (snapshots 2015-2017)"),
    ("agency_pct", "FTE agency social workers as % of FTE social workers, 30 Sept snapshot",
     "%", "workforce (DfE CSC workforce)", "2015-2017 (snapshots 2015-2017)"),
    ("average_rate", "mean CLA rate over the outcome period (study convention: 31 March of start+1..end)",
     "per 10,000", "cla_rates", "2013-2017"),
    ("window_rate", "mean CLA rate over the overlap window", "per 10,000", "cla_rates", "overlap window"),
    ("window_count", "mean CLA count over the overlap window", "children", "cla_counts", "overlap window"),
    ("window_population", "mean child population over the overlap window", "children", "population",
     "overlap window"),
    ("innovation", "{innovation}", "yes/no", "innovation_round1", "2014-2016 round"),
    ("ofsted_overall", "latest SIF overall grade published by the cut-off (1 Inadequate .. 4 Outstanding)",
     "grade", "ofsted_sif", "2014-2018"),
    ("london", "Inner London, Outer London or not London", "category", "las", "2017"),
    ("uasc", "unaccompanied asylum-seeking children looked after at 31 March (suppressed small counts: "
     "chapter parameter)", "children", "cla_uasc (SSDA903 underlying data CLA_UASC; LAA4)", "2012-2017"),
    ("cla_count_excl_uasc", "children looked after at 31 March other than UASC", "children",
     "cla_counts, cla_uasc", "2012-2017"),
    ("imd_score", "IMD 2015 population-weighted average score of the LA's LSOAs (higher = more deprived)",
     "score", "deprivation (MHCLG IoD 2015 upper-tier summaries)", "2015 (indicators mostly 2012-2013)"),
    ("idaci_score", "IDACI 2015 average score: % of children aged 0-15 in income-deprived families",
     "%", "deprivation (MHCLG IoD 2015 upper-tier summaries)", "2015 (indicators mostly 2012-2013)"),
    ("rate_change", "average yearly change in the CLA rate (study convention: changes into start+1..end)",
     "per 10,000 a year", "cla_rates", "2012-2017"),
    ("baseline_rate", "CLA rate at 31 March of the change period's first year (regression to the mean)",
     "per 10,000", "cla_rates", "2012"),
    ("low_income_change", "average yearly change in the % of children in low-income families",
     "percentage points a year", "low_income", "2012-2016"),
    ("turnover_change", "change in turnover between the two workforce years", "percentage points", "workforce",
     "2016-2017 (snapshots 2016-2017)"),
    ("agency_change", "change in agency % between the two workforce years", "percentage points", "workforce",
     "2016-2017 (snapshots 2016-2017)"),
    ("ofsted_<judgement>", "latest SIF grade published by the cut-off (chapter 07's main reading): overall, "
     "help_protection, looked_after_permanence, leadership", "grade", "ofsted_sif", "2014-2018"),
    ("share_<group>", "% of usual residents of ALL AGES in the broad ethnic group (mixed, asian, black, other; "
     "White the reference); districts summed to the 2017 county", "%",
     "Census 2011 QS201EW (Nomis); ONS LTLA16-UTLA16 lookup", "27 March 2011"),
    ("share_not_white", "% of usual residents of all ages not in the White group", "%", "Census 2011 QS201EW",
     "27 March 2011"),
], columns=["column", "description", "unit", "source", "years"])

#: The Innovation threshold of the analysis plan's "Readings of the study" (chapter 05's default).
INNOVATION_THRESHOLD = "confirmed"


def data_dictionary(innovation_threshold: str = INNOVATION_THRESHOLD) -> pd.DataFrame:
    """The panel's and LA table's columns (``column, description, unit, source, years``), the
    Innovation flag described at ``innovation_threshold`` (the words of 05's threshold labels)."""
    innovation.counted_levels(innovation_threshold)  # an unknown threshold stops here
    text = (f"LA funded by Round 1 of the Innovation Programme (compiled list: "
            f"{innovation.THRESHOLD_LABELS[innovation_threshold]})")
    out = _DICTIONARY_ROWS.copy()
    out["description"] = out["description"].str.replace("{innovation}", text, regex=False)
    return out


#: The dictionary at the default threshold.
DATA_DICTIONARY = data_dictionary()


def _require(tables: dict, name: str) -> pd.DataFrame:
    if name not in tables:
        raise DataError(paths.processed(f"{name}.parquet"), "table missing")
    frame = tables[name]
    require_columns(frame, TABLES[name], paths.processed(f"{name}.parquet"))
    return frame


def load_tables() -> dict[str, pd.DataFrame]:
    """The processed tables of ``TABLES`` read from ``data/processed``."""
    return {name: read_parquet(paths.processed(f"{name}.parquet")) for name in TABLES}


def _by_year(frame: pd.DataFrame, name: str, year: pd.Series, columns: list[str]) -> pd.DataFrame:
    out = frame.assign(year=year.astype(int))[["gss", "year", *columns]]
    if out.duplicated(["gss", "year"]).any():
        raise DataError(paths.processed(f"{name}.parquet"), "duplicate (gss, year) rows")
    return out


def build_panel(tables: dict[str, pd.DataFrame], las: pd.DataFrame, start: int = 2012,
                end: int = 2017) -> pd.DataFrame:
    """One row per analysis LA and year ``start..end`` with ``PANEL_COLUMNS`` (NaN where a
    source has no value for that year). ``las``: the LA table (``gss, region``; the
    excluded Isles of Scilly are dropped). An LA code not in ``las`` raises DataError."""
    keep = las.loc[~las["excluded"].astype(bool), ["gss", "region"]] if "excluded" in las else las[["gss", "region"]]
    known = set(las["gss"])
    parts = {
        "cla_rates": lambda f: _by_year(f, "cla_rates", f["year"], ["rate_per_10k"]),
        "cla_counts": lambda f: _by_year(f, "cla_counts", f["year"], ["cla_unrounded"]).rename(
            columns={"cla_unrounded": "cla_count"}),
        "population": lambda f: _by_year(f[f["gss"] != "E92000001"], "population",
                                         f.loc[f["gss"] != "E92000001", "mid_year"] + POPULATION_LAG,
                                         ["population_0_17"]),
        "low_income": lambda f: _by_year(f, "low_income", f["snapshot_year"] + LOW_INCOME_OFFSET,
                                         ["low_income_pct"]),
        "workforce": lambda f: _by_year(f, "workforce", f["snapshot_year"] + WORKFORCE_OFFSET,
                                        ["turnover_pct", "agency_pct"]),
        "unit_cost": lambda f: _by_year(f, "unit_cost", f["year"], ["unit_cost_net"]).rename(
            columns={"unit_cost_net": "unit_cost"}),
    }
    grid = pd.MultiIndex.from_product([sorted(keep["gss"]), range(start, end + 1)], names=["gss", "year"])
    panel = pd.DataFrame(index=grid).reset_index()
    for name, make in parts.items():
        part = make(_require(tables, name))
        unknown = sorted(set(part["gss"]) - known)
        if unknown:
            raise DataError(paths.processed(f"{name}.parquet"), f"unknown LA code(s) {unknown[:5]}")
        panel = panel.merge(part, on=["gss", "year"], how="left", validate="one_to_one")
    panel = panel.merge(keep, on="gss", how="left")
    panel["region"] = panel["region"].astype(str)
    for column in PANEL_COLUMNS[3:]:
        panel[column] = panel[column].astype(float)
    return panel[PANEL_COLUMNS].sort_values(["gss", "year"], ignore_index=True)


def overlap_window(panel: pd.DataFrame, predictors=PREDICTORS, min_share: float = 0.9) -> tuple[int, int]:
    """The longest run of consecutive years in which every predictor is present for at least
    ``min_share`` of the LAs, as a period ``(start, end)`` in the summaries convention (levels
    at start+1..end). Raises DataError if no year qualifies."""
    share = panel.groupby("year")[list(predictors)].apply(lambda f: f.notna().mean()).min(axis=1)
    years = sorted(int(y) for y in share.index[share >= min_share])
    if not years:
        raise DataError(None, f"no year in which all of {list(predictors)} are present")
    runs, run = [], [years[0]]
    for y in years[1:]:
        run = run + [y] if y == run[-1] + 1 else (runs.append(run) or [y])
    runs.append(run)
    best = max(runs, key=lambda r: (len(r), r[-1]))
    return best[0] - 1, best[-1]


def build_la_table(panel: pd.DataFrame, tables: dict[str, pd.DataFrame], las: pd.DataFrame,
                   rate_period: tuple[int, int] = (2012, 2017), window: tuple[int, int] | None = None,
                   innovation_threshold: str = INNOVATION_THRESHOLD, ofsted_cutoff: str = "2018-10-31") -> pd.DataFrame:
    """One row per analysis LA (index ``gss``): ``la_name, region, london, average_rate``
    (over ``rate_period``), ``window_rate, window_count, window_population`` and each
    predictor averaged over ``window`` (default: :func:`overlap_window`), ``innovation``
    and ``ofsted_overall``. An LA missing a year of the window gets NaN for that column
    (``average_level``'s default: never an average over fewer years)."""
    window = window or overlap_window(panel)
    out = las.loc[~las["excluded"].astype(bool), ["gss", "la_name", "region"]].set_index("gss").sort_index()
    out["region"] = out["region"].astype(str)
    out["london"] = out["region"].where(out["region"].isin(["Inner London", "Outer London"]), "not London")
    out["average_rate"] = average_level(panel, "rate_per_10k", *rate_period)
    out["window_rate"] = average_level(panel, "rate_per_10k", *window)
    out["window_count"] = average_level(panel, "cla_count", *window)
    out["window_population"] = average_level(panel, "population_0_17", *window)
    for column in PREDICTORS:
        out[column] = average_level(panel, column, *window)
    out["innovation"] = innovation.funded(_require(tables, "innovation_round1"), out.index.to_series(),
                                          innovation_threshold).astype(int)
    latest = ofsted.latest_judgements(_require(tables, "ofsted_sif"), ofsted_cutoff).set_index("gss")
    out["ofsted_overall"] = latest["overall"].reindex(out.index).astype(float)
    out.attrs["window"] = window
    return out


def load_panel(start: int = 2012, end: int = 2017) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """``(panel, tables)`` from the processed files and the canonical LA table."""
    tables = load_tables()
    las = read_parquet(paths.processed("las.parquet"))
    return build_panel(tables, las, start, end), tables


def missing_reasons(frame: pd.DataFrame, columns, labels: pd.Series, column_names: dict | None = None) -> str:
    """``"name (col, col); ..."`` for each row of ``frame`` missing one of ``columns``, sorted by
    label: says which LAs a complete-case model leaves out and why. ``column_names`` maps a
    column to the words a reader sees (default: the column name)."""
    names = column_names or {}
    missing = frame[list(columns)].isna()
    rows = missing[missing.any(axis=1)]
    parts = sorted(f"{labels[i]} ({', '.join(names.get(c, c) for c in columns if rows.loc[i, c])})" for i in rows.index)
    return "; ".join(parts) or "none"


def rate_ratio_words(row, unit: str = "one SD more") -> str:
    """A tidy row of a count model in words: % difference in the rate for ``unit`` of the
    predictor (default one SD, for standardised predictors), CI and p."""
    rr, low, high = row["rate_ratio"], row["rr_ci_low"], row["rr_ci_high"]
    direction = "higher" if rr >= 1 else "lower"
    verdict = ("the interval excludes 1: an association that holds with the other terms fixed"
               if low > 1 or high < 1 else "the interval includes 1: no clear association")
    return (f"{row['term']}: {unit} goes with a {abs(rr - 1) * 100:.1f}% {direction} rate "
            f"(rate ratio {rr:.3f}, 95% CI {low:.3f} to {high:.3f}, p = {row['p_value']:.2g}); {verdict}")


def estimate_words(row, unit: str) -> str:
    """A tidy row of a linear model in words (``unit``: what one unit of the predictor is)."""
    est, low, high = row["estimate"], row["ci_low"], row["ci_high"]
    verdict = "interval excludes 0" if low > 0 or high < 0 else "interval includes 0"
    return (f"{row['term']}: {est:+.2f} per 10,000 {unit} (95% CI {low:+.2f} to {high:+.2f}, "
            f"p = {row['p_value']:.2g}); {verdict}")


def plain_log_axis(ax, ticks=None) -> None:
    """Plain decimal tick labels on a log-scaled x axis of rate ratios (see ``plots.log_axis``)."""
    from .plots import log_axis

    log_axis(ax, "x")


def add_uasc(panel: pd.DataFrame, uasc: pd.DataFrame, suppressed_as: float = 0.0) -> pd.DataFrame:
    """The panel with ``uasc`` and ``cla_count_excl_uasc`` (children looked after other than
    unaccompanied asylum-seeking children). ``uasc``: the ``cla_uasc`` table (``gss, year,
    uasc``); a suppressed (small) count is taken as ``suppressed_as``. A UASC count above
    the LA's count of children looked after raises DataError."""
    require_columns(uasc, ["gss", "year", "uasc"], paths.processed("cla_uasc.parquet"))
    out = panel.drop(columns=[c for c in ("uasc", "cla_count_excl_uasc") if c in panel]).merge(
        uasc[["gss", "year", "uasc"]], on=["gss", "year"], how="left", validate="one_to_one")
    known = out["year"].isin(set(uasc["year"]))
    out.loc[known, "uasc"] = out.loc[known, "uasc"].fillna(suppressed_as)
    too_many = out["uasc"] > out["cla_count"]
    if too_many.any():
        bad = out.loc[too_many, ["gss", "year"]].head().to_dict("records")
        raise DataError(paths.processed("cla_uasc.parquet"), f"UASC above children looked after: {bad}")
    out["cla_count_excl_uasc"] = out["cla_count"] - out["uasc"]
    return out


def add_deprivation(la_table: pd.DataFrame, deprivation: pd.DataFrame,
                    columns=("imd_score", "idaci_score")) -> pd.DataFrame:
    """The LA table (index ``gss``) with the IMD/IDACI 2015 columns joined; an LA the
    deprivation table lacks gets NaN (and is listed by ``missing_reasons``)."""
    require_columns(deprivation, ["gss", *columns], paths.processed("deprivation.parquet"))
    if deprivation["gss"].duplicated().any():
        raise DataError(paths.processed("deprivation.parquet"), "duplicate LA rows")
    joined = deprivation.set_index("gss")[list(columns)].reindex(la_table.index)
    return la_table.drop(columns=[c for c in columns if c in la_table]).join(joined)
