"""Key findings of chapter 02 (describe), read from the files it writes in figures/.

The expected values are the report's calibration (../shared/spec/ANALYSIS.md, "The
outcome"): the definition of the two period summaries must reproduce them on the
151 LAs, at the report's rounding.
"""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from carerates import findings, paths
from carerates.las import ISLES_OF_SCILLY, REGIONS
from notebook_outputs import result_table

#: The report's Table 2: region, min, max (whole numbers), mean, SD (one decimal), in its order.
TABLE_2 = [
    ("Outer London", 22, 85, 45.6, 16.9),
    ("South East", 21, 111, 53.6, 22.6),
    ("East Midlands", 35, 90, 57.1, 19.1),
    ("South West", 30, 119, 57.2, 21.9),
    ("East of England", 36, 76, 57.6, 15.1),
    ("Inner London", 35, 92, 62.2, 18.9),
    ("Yorkshire and The Humber", 38, 119, 66.0, 19.4),
    ("West Midlands", 47, 122, 79.0, 21.4),
    ("North West", 49, 165, 85.6, 25.7),
    ("North East", 60, 119, 87.7, 16.9),
]


def half_up(value: float, digits: int) -> float:
    """Rounded as a report rounds (halves away from zero), not Python's round-half-even."""
    quantum = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))


def _read(name: str) -> pd.DataFrame:
    return result_table(name, "02_describe")


@pytest.fixture(scope="module")
def table_2() -> pd.DataFrame:
    return _read("table_02_regional_average_rate.csv")


@pytest.fixture(scope="module")
def national_change() -> pd.Series:
    table = _read("table_02e_national_average_change.csv")
    assert len(table) == 1
    return table.iloc[0]


@pytest.fixture(scope="module")
def la_averages() -> pd.DataFrame:
    return _read("table_02d_la_averages.csv")


def test_expected_table_is_the_spec_table():
    """Guard against a typo here: the table above is the one ANALYSIS.md gives."""
    spec = paths.ROOT.parent / "shared" / "spec" / "ANALYSIS.md"
    if not spec.is_file():
        pytest.skip(f"{spec} not available")
    rows = []
    for line in spec.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] in REGIONS:
            rows.append((cells[0], int(cells[1]), int(cells[2]), float(cells[3]), float(cells[4])))
    assert rows == TABLE_2


# --- the LA-level file -----------------------------------------------------------------------------

def test_151_las_without_the_isles_of_scilly(la_averages):
    assert len(la_averages) == 151
    assert la_averages["gss"].is_unique
    assert ISLES_OF_SCILLY not in set(la_averages["gss"])
    assert not la_averages["la_name"].str.contains("Scilly", case=False).any()
    assert la_averages[["average_rate", "average_change"]].notna().all().all()
    assert set(la_averages["region"]) == set(REGIONS)


def test_la_table_matches_the_canonical_one(la_averages):
    path = paths.processed("las.parquet")
    if not path.is_file():
        pytest.skip("data/processed/las.parquet not built")
    from carerates.las import analysis_las, load_las

    las = analysis_las(load_las())
    assert sorted(la_averages["gss"]) == sorted(las["gss"])
    merged = la_averages.merge(las[["gss", "region"]], on="gss", suffixes=("", "_las"))
    assert (merged["region"] == merged["region_las"].astype(str)).all()


# --- national average change 2012-2017 -----------------------------------------------------------

def test_national_average_change_calibration(national_change):
    assert national_change["period"] == "2012-2017"
    assert national_change["n"] == 151
    assert half_up(national_change["mean"], 2) == 0.82
    assert half_up(national_change["sd"], 2) == 2.81
    assert half_up(national_change["min"], 1) == -5.6
    assert half_up(national_change["max"], 0) == 10


def test_national_average_change_from_the_la_file(national_change, la_averages):
    change = la_averages["average_change"]
    assert len(change) == national_change["n"]
    assert change.mean() == pytest.approx(national_change["mean"], rel=1e-5)  # files keep 6 significant digits
    assert change.std(ddof=1) == pytest.approx(national_change["sd"], rel=1e-5)  # files keep 6 significant digits
    assert change.min() == pytest.approx(national_change["min"])
    assert change.max() == pytest.approx(national_change["max"])


# --- Table 2: regional average rate 2012-2017 ----------------------------------------------------------

def test_table_2_columns_and_order(table_2):
    assert list(table_2.columns) == ["region", "n", "min", "max", "mean", "sd"]
    assert table_2["region"].tolist() == [row[0] for row in TABLE_2]
    assert table_2["mean"].is_monotonic_increasing
    assert table_2["n"].sum() == 151


def test_table_2_values_at_the_reports_rounding(table_2):
    got = [(r.region, half_up(r.min, 0), half_up(r.max, 0), half_up(r.mean, 1), half_up(r.sd, 1))
           for r in table_2.itertuples()]
    assert got == [(region, float(lo), float(hi), mean, sd) for region, lo, hi, mean, sd in TABLE_2]


def test_table_2_from_the_la_file(table_2, la_averages):
    grouped = la_averages.groupby("region")["average_rate"]
    by_region = table_2.set_index("region")
    for region, values in grouped:
        row = by_region.loc[region]
        assert row["n"] == len(values)
        assert row["mean"] == pytest.approx(values.mean(), rel=1e-5)  # files keep 6 significant digits
        assert row["sd"] == pytest.approx(values.std(ddof=1), rel=1e-5)  # files keep 6 significant digits
        assert (row["min"], row["max"]) == (values.min(), values.max())


def test_table_3_from_the_la_file(la_averages):
    table_3 = _read("table_03_regional_average_change.csv").set_index("region")
    assert table_3["mean"].is_monotonic_increasing
    grouped = la_averages.groupby("region")["average_change"]
    assert sorted(table_3.index) == sorted(grouped.groups)
    for region, values in grouped:
        assert table_3.loc[region, "n"] == len(values)
        assert table_3.loc[region, "mean"] == pytest.approx(values.mean(), rel=1e-5)  # files keep 6 significant digits
        assert table_3.loc[region, "sd"] == pytest.approx(values.std(ddof=1), rel=1e-5)  # files keep 6 significant digits


# --- the sentences the notebook shows, regenerated from the files ------------------------------------

NOTEBOOK = paths.NOTEBOOKS / "02_describe.ipynb"


@pytest.fixture(scope="module")
def shown() -> str:
    text = "\n".join(findings.markdown_outputs(NOTEBOOK))
    if not text:
        pytest.skip("02_describe.ipynb has no executed Markdown outputs")
    return text


def test_london_ranking_sentence_is_generated(table_2, shown):
    sentence = findings.rank_sentence(table_2, "region", "mean", ["Outer London", "Inner London"], "regions",
                                      unit="per 10,000")
    assert sentence in shown
    inner = table_2.reset_index(drop=True).index[table_2["region"] == "Inner London"][0] + 1
    assert inner > 1 and f"Inner London ranks {findings.ordinal(inner)} lowest" in shown
    source = "".join("".join(c["source"]) for c in __import__("json").loads(NOTEBOOK.read_text())["cells"])
    assert "London and the south and east lowest" not in source


def test_national_change_sentence(national_change, shown):
    assert (f"changed by {findings.fmt_num(national_change['mean'], 2)} per 10,000 a year 2012-2017 "
            f"(SD {findings.fmt_num(national_change['sd'], 2)}") in shown


def test_uasc_sensitivity_tables(table_2, national_change, shown):
    excl = _read("table_02g_regional_average_rate_excl_uasc.csv").set_index("region")
    base = table_2.set_index("region")
    assert sorted(excl.index) == sorted(base.index) and excl["n"].sum() == 151
    # taking UASC out can only lower a rate
    assert (excl["mean"] <= base.loc[excl.index, "mean"] + 1e-9).all()
    summaries = _read("table_02h_national_summaries_excl_uasc.csv").set_index(["summary", "uasc"])
    included = summaries.loc[("average_change", "included")]
    assert included["mean"] == pytest.approx(national_change["mean"])
    excluded = summaries.loc[("average_change", "excluded")]
    assert (f"from {findings.fmt_num(included['mean'], 2)} to {findings.fmt_num(excluded['mean'], 2)} per 10,000 a year"
            in shown)


def test_old_result_names_are_gone():
    for old in ("table_01_england_series.csv", "table_01a_growth.csv", "table_02a_la_averages.csv",
                "table_03a_regional_rate_by_year.csv", "table_03b_national_average_change.csv",
                "table_03c_direction_shares.csv"):
        assert not paths.figure(old).exists(), old


def test_every_image_has_alt_text():
    alts = findings.image_alts(NOTEBOOK)
    assert len(alts) == 6 and all(len(a) > 20 for a in alts)


def test_variance_split_and_ties_are_said(la_averages, shown):
    from carerates.plots import official_name

    split = _read("table_02j_variance_split.csv").set_index("measure")["value"]
    parts = split[["between_la_share_pct", "between_year_share_pct", "within_la_share_pct"]]
    assert parts.sum() == pytest.approx(100, abs=1e-3)
    assert parts["between_la_share_pct"] > 10 * parts["between_year_share_pct"]  # "far more between LAs than years"
    assert (f"{findings.fmt_num(split['between_la_share_pct'], 1)}% lies between the LAs' averages, "
            f"{findings.fmt_num(split['between_year_share_pct'], 1)}% between the years' national means") in shown
    # the three highest LA averages at the precision shown include every LA tied with the third
    top = findings.top_with_ties(la_averages.dropna(subset=["average_rate"]), "average_rate", 3)
    assert len(top) > 3 and findings.tie_note(top, "average_rate") in shown
    for name in top["la_name"]:
        assert official_name(name) in shown
