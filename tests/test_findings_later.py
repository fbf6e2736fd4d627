"""Key findings of chapter 10 (later years), read from figures/."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carerates import later, paths
from carerates.geography import BPD
from notebook_outputs import result_table


def read(name: str) -> pd.DataFrame:
    return result_table(name, "10_later_years")


def test_geography_rule_counts():
    rule = read("table_10b_geography_rule.csv").set_index("year")
    assert list(rule.index) == list(range(2012, 2026))
    assert (rule["merged"] == 3).all()  # Bournemouth, Poole and Dorset in every year
    assert rule.loc[2017, "total"] == 3
    # Buckinghamshire's unitary code from the first edition; Northamptonshire summed from 2022 and
    # Cumbria from 2024; North Yorkshire and Somerset recoded.
    assert rule.loc[2025].to_dict() == {"recoded": 3, "summed": 2, "merged": 3, "total": 8}
    assert (rule["total"] == rule[["recoded", "summed", "merged"]].sum(axis=1)).all()


def test_england_series_and_sources():
    areas = read("table_10c_area_rates.csv")
    england = areas[areas["area"] == "England"].set_index("year")
    assert list(england.index) == list(range(2012, 2026))
    assert england.loc[2017, "rate"] == 62 and england.loc[2012, "rate"] == 59
    assert england["rate"].idxmax() in (2022, 2023)
    assert set(england.loc[2018:, "source"]) <= {"EES 2018_2022", "EES 2020_2024", "EES 2021_2025"}
    assert england.loc[2025, "source"] == "EES 2021_2025"
    assert areas["area"].nunique() == 12  # England, London and the ten regions


def test_la_trends_cover_the_units_once():
    trends = read("table_10e_la_trends.csv")
    assert len(trends) == 149 and trends["unit"].is_unique
    assert BPD in set(trends["unit"])
    assert not {"E06000028", "E06000029", "E10000009"} & set(trends["unit"])
    recomputed = [later.trend_pattern(b, a) for b, a in zip(trends["change_per_year_before"],
                                                             trends["change_per_year_after"])]
    assert recomputed == trends["pattern"].tolist()
    # The 2017-2025 change is (rate 2025 - rate 2017) / 8 when both are present.
    both = trends.dropna(subset=["rate_2017", "rate_2025"])
    np.testing.assert_allclose(both["change_per_year_after"], (both["rate_2025"] - both["rate_2017"]) / 8,
                               rtol=1e-5, atol=1e-4)  # each rate kept at 6 significant digits


def test_uasc_rates_recompute_the_published_rates():
    uasc = read("table_10f_uasc.csv")
    # DfE rounds rates to whole numbers and area counts to tens: within 0.6 of the recomputed rate.
    assert ((uasc["rate_recomputed"] - uasc["rate"]).abs() <= 0.6).all()
    assert (uasc["rate_without_uasc"] < uasc["rate_recomputed"]).all()
    england = uasc[uasc["area"] == "England"]
    assert england["year"].min() == 2018 and england["uasc_share_pct"].between(3, 15).all()


def test_lait_counts_agree_with_the_editions_after_2017_only():
    agreement = read("table_10i_lait_agreement.csv").set_index("year")
    late = agreement.loc[2018:]
    assert late["equal"].sum() / late["units"].sum() > 0.99
    early = agreement.loc[:2017]
    assert early["equal"].sum() / early["units"].sum() < 0.6


def test_associations_then_and_now_match_their_sources():
    table = read("table_10g_associations_then_and_now.csv")
    study = read("associations.csv").set_index("id")
    tests = read("table_10j_later_tests.csv").set_index("id")
    assert tests.index.is_unique and (tests["n"] <= 149).all()
    study_rows = table[table["window"] == "study"]
    assert len(study_rows) == 12
    for row in study_rows.itertuples():
        match = study[(study["period"] == row.period) & np.isclose(study["p_value"], row.p_value)]
        assert len(match) == 1, row
        if row.test == "spearman":
            assert match["statistic"].iloc[0] == pytest.approx(row.effect)
            assert row.ci_low < row.effect < row.ci_high
    later_rows = table[(table["window"] != "study") & (table["verdict"] != "not tested")]
    for row in later_rows.itertuples():
        record = tests.loc[f"{row.factor}_{row.outcome}_{row.window.replace('-', '_')}"]
        assert record["p_value"] == pytest.approx(row.p_value) and record["n"] == row.n
        s = study_rows[(study_rows["factor"] == row.factor) & (study_rows["outcome"] == row.outcome)].iloc[0]
        assert row.verdict == later.held(s.p_value, np.sign(s.effect), row.p_value, record["direction"])
    # Poverty (DWP) ends in 2022: the 2019-2024 window cannot test it.
    assert set(table.loc[table["verdict"] == "not tested", "factor"]) == {"poverty"}
    # The study's strongest association, poverty and the average rate, holds with DWP's measure.
    poverty = table[(table["factor"] == "poverty") & (table["outcome"] == "level")].set_index("window")
    assert poverty.loc["2017-2022", "verdict"] == "held" and poverty.loc["2017-2022", "effect"] > 0.5


def test_panel_model_intervals():
    model = read("table_10h_panel_model.csv")
    assert set(model["model"]) == {"study_measures", "workforce_and_cost", "with_low_income"}
    assert ((model["rr_ci_low"] < model["rate_ratio"]) & (model["rate_ratio"] < model["rr_ci_high"])).all()
    assert (model["n_las"] <= 149).all()
    # HMRC (2012-2016) and DWP (2017-2022) low income never share a model.
    for _, group in model.groupby("model"):
        assert not {"low_income_hmrc", "low_income_pct"} <= set(group["term"])


def test_lait_workforce_rates_equal_dfe_indicators():
    check = read("table_10k_workforce_agreement.csv").set_index("measure")
    assert (check["equal_to_0_05"] == check["council_years"]).all()
    assert (check["council_years"] > 1300).all()


def _said() -> str:
    from carerates import findings

    return "\n".join(findings.markdown_outputs(paths.NOTEBOOKS / "10_later_years.ipynb"))


def test_the_peak_names_every_tied_year():
    england = read("table_10c_area_rates.csv").query("area == 'England'").set_index("year")["rate"]
    years = [int(y) for y in england.index[england == england.max()]]
    words = " and ".join(map(str, years)) if len(years) <= 2 else f"{years[0]}-{years[-1]}"
    assert f"peaked at {england.max():.0f} in {words}" in _said()


def test_uasc_share_of_the_rise_is_said():
    rise = read("table_10l_uasc_share_of_rise.csv").iloc[0]
    share = 100 * (1 - rise["rise_without_uasc"] / rise["rise_with_uasc"])
    assert rise["uasc_share_of_rise_pct"] == pytest.approx(share, rel=1e-4)
    assert f"unaccompanied children account for {share:.0f}% of the rise" in _said()
    assert "not mainly a matter of unaccompanied" not in _said()


def test_changes_are_judged_by_the_interval_of_the_difference():
    table = read("table_10g_associations_then_and_now.csv")
    study = table[table["window"] == "study"].set_index(["factor", "outcome"])
    later_rows = table[(table["window"] != "study") & (table["verdict"] != "not tested")]
    for row in later_rows.itertuples():
        s = study.loc[(row.factor, row.outcome)]
        d, low, high = later.difference_ci((s.effect, s.ci_low, s.ci_high), (row.effect, row.ci_low, row.ci_high))
        assert (d, low, high) == pytest.approx((row.difference, row.diff_ci_low, row.diff_ci_high), rel=1e-4, abs=1e-5)
        assert row.comparison == later.comparison(s.effect, row.effect, row.diff_ci_low, row.diff_ci_high)
    innovation = later_rows[(later_rows["factor"] == "innovation") & (later_rows["outcome"] == "change")]
    # a sign change whose difference's interval excludes 0 is called a reversal, never a weakening
    for row in later_rows.itertuples():
        s = study.loc[(row.factor, row.outcome)]
        if s.effect * row.effect < 0 and (row.diff_ci_low > 0 or row.diff_ci_high < 0):
            assert row.comparison == "reversed", (row.factor, row.outcome, row.window)
    assert len(innovation)
    assert "**weakened**" not in _said() and "**reversed**" in _said()


def test_panel_slopes_are_scaled_by_the_within_la_sd():
    model = read("table_10h_panel_model.csv")
    assert (model["sd"] < model["sd_between"]).all()


def test_ethnicity_2021_models_share_their_units_and_the_base_model_recomputes():
    """Table 10n: three negative binomials on the same units of the first later window; the one
    without ethnicity recomputed here with statsmodels' discrete NegativeBinomial (formula API,
    its own alpha), from the processed panel and the DWP source."""
    import statsmodels.formula.api as smf

    from carerates import geography
    from carerates.io import read_parquet
    from carerates.sources import dwp, ethnicity

    table = read("table_10n_ethnicity_2021.csv")
    assert list(dict.fromkeys(table["model"])) == ["NB, no ethnicity", "NB, + four ethnic-group shares (2021)",
                                                   "NB, + share not White (2021)"]
    assert table["n"].nunique() == 1 and 140 <= table["n"].iloc[0] <= 150
    terms = table.groupby("model", sort=False)["term"].apply(set)
    shares = {"share_mixed", "share_asian", "share_black", "share_other"}
    assert shares <= terms["NB, + four ethnic-group shares (2021)"] and not shares & terms["NB, no ethnicity"]
    assert "share_not_white" in terms["NB, + share not White (2021)"]
    assert not any("South East" in t for t in table["term"])  # the reference region
    assert table.groupby("model")["aic"].nunique().eq(1).all()

    las = read_parquet(paths.processed("las.parquet"))
    units = geography.unit_table(las)
    analysis = units[~units["excluded"]].set_index("unit")
    cla = read_parquet(paths.processed("cla_units.parquet"))
    window = cla[cla["unit"].isin(analysis.index) & cla["year"].between(2018, 2022)]
    cross = window.groupby("unit").agg(count=("cla_count", "sum"), population=("population", "sum"),
                                       years=("year", "nunique"))
    cross = cross[cross["years"] == 5]
    low = dwp.low_income_units(las)
    low = low[low["year"].between(2018, 2022)].groupby("unit")["low_income_pct"].agg(["mean", "count"])
    cross["low_income"] = low["mean"].where(low["count"] == 5)
    cross["region"] = analysis["region"]
    census = ethnicity.load(las)[1]
    cross = cross.join(census[[f"share_{g}" for g in ("mixed", "asian", "black", "other", "white")]]).dropna()
    assert len(cross) == table["n"].iloc[0]
    cross["z"] = (cross["low_income"] - cross["low_income"].mean()) / cross["low_income"].std(ddof=1)
    fit = smf.negativebinomial("count ~ z + C(region, Treatment('South East'))", cross,
                               offset=np.log(cross["population"])).fit(disp=0, maxiter=200)
    row = table[(table["model"] == "NB, no ethnicity") & (table["term"] == "low_income_pct")].iloc[0]
    assert row["rate_ratio"] == pytest.approx(np.exp(fit.params["z"]), rel=1e-4)
    inner = table[(table["model"] == "NB, no ethnicity") & (table["term"] == "region: Inner London")].iloc[0]
    assert inner["rate_ratio"] == pytest.approx(
        np.exp(fit.params["C(region, Treatment('South East'))[T.Inner London]"]), rel=1e-4)
