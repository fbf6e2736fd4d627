"""carerates.panel on small synthetic processed-like tables (three LAs, 2012-2017)."""
import numpy as np
import pandas as pd
import pytest

from carerates import panel as pn
from carerates.errors import DataError
from carerates.sources import ofsted

CODES = ["E06000001", "E09000007", "E10000002"]
YEARS = range(2012, 2018)


def make_las():
    return pd.DataFrame({
        "gss": CODES + ["E06000053"],
        "la_name": ["Hartlepool", "Camden", "Buckinghamshire", "Isles of Scilly"],
        "region": ["North East", "Inner London", "South East", "South West"],
        "excluded": [False, False, False, True],
    })


def make_tables():
    rows = [(g, y) for g in CODES for y in YEARS]
    base = pd.DataFrame(rows, columns=["gss", "year"])
    k = np.arange(len(base), dtype=float)
    tables = {
        "cla_rates": base.assign(rate_per_10k=50 + k),
        "cla_counts": base.assign(cla_unrounded=100 + k),
        # mid-years 2011-2016 -> years 2012-2017 (lag 1); England row must be ignored
        "population": pd.concat([
            pd.DataFrame({"gss": base.gss, "mid_year": base.year - 1, "population_0_17": 20000 + k}),
            pd.DataFrame({"gss": ["E92000001"], "mid_year": [2015], "population_0_17": [1e7]})]),
        # August snapshots 2012-2016 -> same year (offset 0)
        "low_income": base[base.year <= 2016].assign(snapshot_year=lambda f: f.year, low_income_pct=10.0)
        .drop(columns="year"),
        # September snapshots 2015-2016 -> years 2015-2016 (offset 0, chapter 04's default)
        "workforce": pd.DataFrame({"gss": CODES * 2, "snapshot_year": [2015] * 3 + [2016] * 3,
                                   "turnover_pct": [10.0, 20.0, 30.0, 12.0, 22.0, np.nan],
                                   "agency_pct": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]}),
        "unit_cost": base[base.year <= 2016].assign(unit_cost_net=100.0),
        "innovation_round1": pd.DataFrame({"gss": CODES, "confidence": ["confirmed", "not listed", "likely"]}),
        "ofsted_sif": pd.DataFrame({"gss": CODES, "published": pd.to_datetime(["2015-01-01"] * 2 + ["2019-01-01"]),
                                    "inspection": "first_sif", "overall": [2.0, 3.0, 1.0],
                                    **{j: [2.0, 2.0, 2.0] for j in ofsted.JUDGEMENTS if j != "overall"}}),
    }
    return tables


def test_panel_columns_years_and_alignment():
    panel = pn.build_panel(make_tables(), make_las())
    assert list(panel.columns) == pn.PANEL_COLUMNS
    assert len(panel) == 3 * 6  # Isles of Scilly excluded
    row = panel.set_index(["gss", "year"])
    # population of year Y is mid-year Y-1
    assert row.loc[("E06000001", 2013), "population_0_17"] == 20000 + 1
    # workforce snapshot 2015 is year 2015
    assert row.loc[("E09000007", 2015), "turnover_pct"] == 20.0
    assert np.isnan(row.loc[("E09000007", 2017), "turnover_pct"])
    assert np.isnan(row.loc[("E10000002", 2016), "turnover_pct"])
    assert np.isnan(row.loc[("E06000001", 2017), "low_income_pct"])
    assert row.loc[("E06000001", 2016), "unit_cost"] == 100.0


def test_overlap_window_is_the_years_all_predictors_share():
    panel = pn.build_panel(make_tables(), make_las())
    assert pn.overlap_window(panel) == (2014, 2015)  # only 2015 has all four for enough LAs
    assert pn.overlap_window(panel, ["low_income_pct", "unit_cost"]) == (2011, 2016)


def test_la_table_uses_summaries_and_flags():
    tables, las = make_tables(), make_las()
    panel = pn.build_panel(tables, las)
    la = pn.build_la_table(panel, tables, las, ofsted_cutoff="2018-10-31")
    assert list(la.index) == CODES
    # average rate 2012-2017 = mean of 2013..2017 (k = 1..5 for the first LA)
    assert la.loc["E06000001", "average_rate"] == pytest.approx(50 + 3)
    assert la.loc["E06000001", "window_rate"] == pytest.approx(50 + 3)  # 2015 only
    assert la.loc["E09000007", "turnover_pct"] == 20.0
    assert la["innovation"].tolist() == [1, 0, 0]  # default threshold "confirmed" (analysis plan)
    wider = pn.build_la_table(panel, tables, las, innovation_threshold="likely", ofsted_cutoff="2018-10-31")
    assert wider["innovation"].tolist() == [1, 0, 1]
    assert la.loc["E06000001", "ofsted_overall"] == 2.0
    assert np.isnan(la.loc["E10000002", "ofsted_overall"])  # published after the cut-off
    assert la["london"].tolist() == ["not London", "Inner London", "not London"]


def test_missing_table_renamed_column_unknown_code():
    las = make_las()
    tables = make_tables()
    del tables["workforce"]
    with pytest.raises(DataError, match="workforce"):
        pn.build_panel(tables, las)
    tables = make_tables()
    tables["unit_cost"] = tables["unit_cost"].rename(columns={"unit_cost_net": "cost"})
    with pytest.raises(DataError, match="unit_cost"):
        pn.build_panel(tables, las)
    tables = make_tables()
    tables["cla_rates"].loc[0, "gss"] = "E06999999"
    with pytest.raises(DataError, match="unknown LA code"):
        pn.build_panel(tables, las)


def test_duplicate_rows_raise():
    tables = make_tables()
    tables["cla_counts"] = pd.concat([tables["cla_counts"], tables["cla_counts"].head(1)])
    with pytest.raises(DataError, match="duplicate"):
        pn.build_panel(tables, make_las())


def test_data_dictionary_covers_the_panel():
    assert set(pn.PANEL_COLUMNS) <= set(pn.DATA_DICTIONARY["column"])
    assert not pn.DATA_DICTIONARY["column"].duplicated().any()


def test_data_dictionary_describes_the_threshold_used():
    text = lambda threshold: pn.data_dictionary(threshold).set_index("column").at["innovation", "description"]  # noqa: E731
    assert pn.INNOVATION_THRESHOLD == "confirmed"
    assert text("confirmed").endswith("(compiled list: confirmed only)")
    assert text("likely").endswith("(compiled list: confirmed or likely)")
    assert pn.DATA_DICTIONARY.equals(pn.data_dictionary())
    assert not pn.DATA_DICTIONARY["description"].str.contains("{", regex=False).any()
    with pytest.raises(ValueError, match="threshold"):
        pn.data_dictionary("probable")


# --- UASC and deprivation joins --------------------------------------------------------------------

def test_add_uasc_subtracts_and_fills_suppressed():
    from carerates import panel as pn
    from carerates.errors import DataError

    panel = pd.DataFrame({"gss": ["A", "A", "B"], "year": [2016, 2017, 2017], "cla_count": [100.0, 110.0, 50.0]})
    uasc = pd.DataFrame({"gss": ["A", "A", "B"], "year": [2016, 2017, 2017], "uasc": [10.0, float("nan"), 5.0]})
    out = pn.add_uasc(panel, uasc, suppressed_as=3).set_index(["gss", "year"])
    assert out.loc[("A", 2016), "cla_count_excl_uasc"] == 90
    assert out.loc[("A", 2017), "cla_count_excl_uasc"] == 107  # suppressed taken as 3
    assert out.loc[("B", 2017), "cla_count_excl_uasc"] == 45
    bad = uasc.assign(uasc=[200.0, 1.0, 1.0])
    with pytest.raises(DataError, match="UASC above"):
        pn.add_uasc(panel, bad)


def test_add_deprivation_joins_by_code():
    from carerates import panel as pn

    la = pd.DataFrame({"la_name": ["a", "b"]}, index=pd.Index(["A", "B"], name="gss"))
    dep = pd.DataFrame({"gss": ["B", "A"], "imd_score": [30.0, 10.0], "idaci_score": [25.0, 8.0]})
    out = pn.add_deprivation(la, dep)
    assert out.loc["A", "imd_score"] == 10 and out.loc["B", "idaci_score"] == 25


def test_missing_reasons_in_words():
    frame = pd.DataFrame({"a": [1.0, None], "b": [None, None]}, index=["X", "Y"])
    labels = pd.Series({"X": "Xtown", "Y": "Yford"})
    assert pn.missing_reasons(frame, ["a", "b"], labels) == "Xtown (b); Yford (a, b)"
    assert pn.missing_reasons(frame, ["a", "b"], labels, {"a": "alpha", "b": "beta"}) == "Xtown (beta); Yford (alpha, beta)"
