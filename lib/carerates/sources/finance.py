"""LAIT's weekly unit cost of social work per child in need, rebuilt from the raw returns.

LAIT's definition (ANALYSIS.md, predictors table): ``(x / y) / 365 * 7`` where x is
the section 251 outturn spend on "Social work (including LA functions in relation
to child protection)" plus "Commissioning and Children's Services Strategy", and y
the children in need at 31 March; for 2015-16 LAIT used the 31 March 2015 count.

Inputs come from :mod:`carerates.sources.s251` (spend lines) and
:mod:`carerates.sources.cin` (children in need). Year = the 31 March the financial
year ends (2012 = 2011-12).

Processed tables (``build_tables``):

- ``s251_social_work``: ``gss, year, social_work_gross, social_work_net,
  strategy_gross, strategy_net, spend_gross, spend_net`` (cash £), 2012-2017.
- ``children_in_need``: ``gss, year, cin_published, cin_revised``, 2012-2017
  (revised is NaN for 2012, which that series does not cover).
- ``unit_cost``: ``gss, year, cin_year, unit_cost_net, unit_cost_gross`` (£ per
  child in need per week), 2012-2016, with LAIT's choices: as-published counts,
  the 2015 count for 2016.
"""
from __future__ import annotations

import pandas as pd

from .. import paths
from ..errors import DataError
from ..las import ISLES_OF_SCILLY, gss_from_number
from ..schema import Column, Gap, check_table, require_coverage
from .cin import CIN_RELEASES, CIN_REVISED, load_cin_published, load_cin_revised
from .s251 import S251_FILES, load_s251

#: Years of the indicator (financial years 2011-12 to 2015-16).
UNIT_COST_YEARS = list(range(2012, 2017))

#: LAIT's proxy: the 2015-16 indicator divides by the count at 31 March 2015.
LAIT_CIN_YEAR = {2016: 2015}

SPEND_MEASURES = ("net", "gross")

#: LA-years with no usable children-in-need count at 31 March in the as-published
#: files (".." in the release), and why. Checked by build_tables.
CIN_PUBLISHED_MISSING = {
    2012: {"E09000016": "Havering", "E09000025": "Newham"},
    2013: {"E06000047": "Durham", "E08000004": "Oldham", "E10000020": "Norfolk"},
    2014: {"E06000052": "Cornwall"},
}

WEEKS_PER_DAY = 7 / 365


def weekly_unit_cost(spend: pd.DataFrame, cin: pd.DataFrame, measure: str = "net",
                     cin_column: str = "cin_published", cin_year: dict[int, int] | None = None,
                     years=None) -> pd.DataFrame:
    """The indicator per LA-year: ``(spend / children in need) / 365 * 7``.

    ``spend``: ``gss, year, spend_net, spend_gross``; ``cin``: ``gss, year,
    <cin_column>``. ``measure`` picks net current or gross (total) expenditure.
    ``cin_year`` maps a spend year to the year of the count it is divided by
    (default: LAIT's ``{2016: 2015}``; pass ``{}`` to use each year's own count).
    Returns ``gss, year, cin_year, spend, cin, unit_cost``; the cost is NaN when
    the count is missing, and a count of zero or less is an error.
    """
    if measure not in SPEND_MEASURES:
        raise ValueError(f"measure must be one of {SPEND_MEASURES}, not {measure!r}")
    cin_year = LAIT_CIN_YEAR if cin_year is None else cin_year
    years = UNIT_COST_YEARS if years is None else list(years)
    out = spend.loc[spend["year"].isin(years), ["gss", "year", f"spend_{measure}"]]
    out = out.rename(columns={f"spend_{measure}": "spend"})
    out["cin_year"] = out["year"].map(lambda y: cin_year.get(y, y)).astype("int64")
    counts = cin[["gss", "year", cin_column]].rename(columns={"year": "cin_year", cin_column: "cin"})
    out = out.merge(counts, on=["gss", "cin_year"], how="left", validate="many_to_one")
    if (out["cin"] <= 0).any():
        bad = out.loc[out["cin"] <= 0, ["gss", "cin_year"]].to_dict("records")
        raise DataError(None, f"children in need count of zero or less: {bad[:5]}")
    out["unit_cost"] = out["spend"] / out["cin"] / 365 * 7
    return out.sort_values(["gss", "year"], ignore_index=True)


CIN_SERIES = ("published", "revised")


def cin_counts(cin: pd.DataFrame, series: str = "published") -> pd.DataFrame:
    """``gss, year, cin`` from the ``children_in_need`` table for one series.

    ``revised`` uses DfE's revised series where it exists (2013 on) and the
    as-published count before (31 March 2012, which it does not cover).
    """
    if series not in CIN_SERIES:
        raise ValueError(f"series must be one of {CIN_SERIES}, not {series!r}")
    out = cin[["gss", "year"]].copy()
    if series == "published":
        out["cin"] = cin["cin_published"]
    else:
        first_revised = int(cin.loc[cin["cin_revised"].notna(), "year"].min())
        out["cin"] = cin["cin_revised"].where(cin["year"] >= first_revised, cin["cin_published"])
    return out


def period_summaries(unit_cost: pd.DataFrame, rates: pd.DataFrame, start: int, end: int,
                     min_years: int | None = None) -> pd.DataFrame:
    """Per LA: average unit cost and rate over ``start-end``, and their average changes.

    Uses :func:`carerates.summaries.average_level` / ``average_change`` (levels at
    31 March start+1 ... end; changes into start+1 ... end). ``min_years`` lets an
    LA miss up to (years - min_years) values of the unit cost (default: none).
    """
    from ..summaries import average_change, average_level

    n_changes = None if min_years is None else min_years
    return pd.DataFrame({
        "average_unit_cost": average_level(unit_cost, "unit_cost", start, end, min_years=min_years),
        "average_change_unit_cost": average_change(unit_cost, "unit_cost", start, end, min_changes=n_changes),
        "average_rate": average_level(rates, "rate_per_10k", start, end),
        "average_change_rate": average_change(rates, "rate_per_10k", start, end),
    })


#: Known holes in the children-in-need counts (../shared/data/README.md, "Known quirks"):
#: the `..` LAs of the as-published releases (the revised series does not fill them) and
#: the Isles of Scilly in 2014. Any other LA-year without a count stops the ingest.
CIN_GAPS = (
    *(Gap.of(tuple(codes), [year], "'..' in the as-published release")
      for year, codes in CIN_PUBLISHED_MISSING.items()),
    Gap.of(ISLES_OF_SCILLY, [2014], "Isles of Scilly: no count in 2014"),
)


def _to_gss(frame: pd.DataFrame, path, las: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame.insert(0, "gss", gss_from_number(frame["la_number"], path, las).to_numpy())
    return frame.drop(columns="la_number")


def build_tables(las: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The three finance tables, validated, keyed by processed file name."""
    s251_dir = paths.raw("finance", "s251")
    spend = _to_gss(load_s251(), s251_dir, las)
    spend["spend_gross"] = spend["social_work_gross"] + spend["strategy_gross"]
    spend["spend_net"] = spend["social_work_net"] + spend["strategy_net"]
    spend = spend.sort_values(["gss", "year"], ignore_index=True)
    for year, rows in spend.groupby("year"):  # every LA in every year's Table A1
        require_coverage(rows, paths.raw(S251_FILES[year][0]), las, years=[year])
    money = Column("float", nullable=False)
    spend = check_table(spend, "s251_social_work", key=["gss", "year"], las=las, columns={
        "year": Column("int", min=min(S251_FILES), max=max(S251_FILES), nullable=False),
        "social_work_gross": Column("float", min=0, nullable=False),
        "social_work_net": money, "strategy_gross": Column("float", min=0, nullable=False),
        "strategy_net": money, "spend_gross": Column("float", min=0, nullable=False),
        "spend_net": money,
    })

    cin_dir = paths.raw("finance", "cin")
    published = _to_gss(load_cin_published(), cin_dir, las).rename(columns={"cin": "cin_published"})
    for year, rows in published.groupby("year"):  # `..` only where CIN_GAPS declares it
        require_coverage(rows, paths.raw(CIN_RELEASES[year][0]), las, years=[year],
                         value="cin_published", gaps=CIN_GAPS)
    revised_years = range(2013, max(CIN_RELEASES) + 1)
    revised = _to_gss(load_cin_revised(revised_years), paths.raw(CIN_REVISED), las)
    require_coverage(revised, paths.raw(CIN_REVISED), las, years=revised_years, value="cin", gaps=CIN_GAPS)
    cin = published.merge(revised.rename(columns={"cin": "cin_revised"}), on=["gss", "year"],
                          how="outer", validate="one_to_one")
    cin = cin.sort_values(["gss", "year"], ignore_index=True)
    cin = check_table(cin, "children_in_need", key=["gss", "year"], las=las, columns={
        "year": Column("int", min=min(CIN_RELEASES), max=max(CIN_RELEASES), nullable=False),
        "cin_published": Column("float", min=1), "cin_revised": Column("float", min=1),
    })
    analysed = set(las.loc[~las["excluded"], "gss"])
    for year in UNIT_COST_YEARS[:-1]:
        rows = cin[(cin["year"] == year) & cin["gss"].isin(analysed)]
        missing = set(rows.loc[rows["cin_published"].isna(), "gss"])
        expected = set(CIN_PUBLISHED_MISSING.get(year, {}))
        if missing != expected:
            raise DataError(paths.raw(CIN_RELEASES[year][0]),
                            f"children in need missing for {sorted(missing)}, expected {sorted(expected)}")

    net = weekly_unit_cost(spend, cin, "net")
    gross = weekly_unit_cost(spend, cin, "gross")
    unit_cost = net[["gss", "year", "cin_year"]].copy()
    unit_cost["unit_cost_net"] = net["unit_cost"].to_numpy()
    unit_cost["unit_cost_gross"] = gross["unit_cost"].to_numpy()
    unit_cost = check_table(unit_cost, "unit_cost", key=["gss", "year"], las=las, columns={
        "year": Column("int", min=min(UNIT_COST_YEARS), max=max(UNIT_COST_YEARS), nullable=False),
        "cin_year": Column("int", nullable=False),
        "unit_cost_net": Column("float"), "unit_cost_gross": Column("float", min=0),
    })
    return {"s251_social_work": spend, "children_in_need": cin, "unit_cost": unit_cost}


def missing_summary(cin: pd.DataFrame, las: pd.DataFrame, years) -> pd.DataFrame:
    """LA-years without a count, per series and year, over the analysis LAs."""
    analysed = las.loc[~las["excluded"], ["gss", "la_name"]]
    rows = []
    for year in years:
        frame = analysed.merge(cin[cin["year"] == year], on="gss", how="left")
        for column in ("cin_published", "cin_revised"):
            absent = frame.loc[frame[column].isna(), "la_name"].sort_values()
            rows.append({"year": year, "series": column.removeprefix("cin_"), "n_missing": len(absent),
                         "las_missing": ", ".join(absent) if len(absent) < 10 else f"all {len(absent)}"})
    return pd.DataFrame(rows)


def spend_share_of_income(spend: pd.DataFrame) -> pd.Series:
    """Per year, income (gross - net) as a share of gross spend on the two lines, England."""
    totals = spend.groupby("year")[["spend_gross", "spend_net"]].sum()
    return ((totals["spend_gross"] - totals["spend_net"]) / totals["spend_gross"]).rename("income_share")


__all__ = ["build_tables", "weekly_unit_cost", "cin_counts", "period_summaries", "missing_summary",
           "spend_share_of_income",
           "UNIT_COST_YEARS", "LAIT_CIN_YEAR", "CIN_PUBLISHED_MISSING"]
