"""Every reading of the study's tests (figures/reproduction_readings.csv) and the two headlines."""
from __future__ import annotations

import pandas as pd
import pytest

from carerates import paths, readings


def _read(name, **kwargs):
    path = paths.FIGURES / name
    if not path.exists():
        pytest.skip(f"{name} not built (run notebooks/08_conclusions.ipynb)")
    return pd.read_csv(path, **kwargs)


@pytest.fixture(scope="module")
def table():
    return _read("reproduction_readings.csv")


def test_columns_and_one_default_per_test(table):
    assert list(table.columns) == readings.COLUMNS
    defaults = table[table["is_default"]]
    assert defaults["test"].is_unique
    assert set(defaults["test"]) == set(table["test"])


def test_default_rows_are_the_chapters_tests(table):
    associations = _read("associations.csv").set_index("id")
    defaults = table[table["is_default"]].set_index("test")
    assert len(defaults) == len(associations) == 24
    for test_id, row in defaults.iterrows():
        assert row["statistic"] == pytest.approx(associations.at[test_id, "statistic"], rel=1e-5), test_id
        assert row["p_value"] == pytest.approx(associations.at[test_id, "p_value"], rel=1e-4), test_id


def test_the_defaults_are_the_written_rules():
    # docs/analysis_plan.md, "Readings of the study": the rule's choice for each parameter
    assert readings.DEFAULTS["ofsted_frameworks"] == "SIF"
    assert readings.DEFAULTS["workforce_snapshot_offset"] == 0
    assert readings.DEFAULTS["innovation_threshold"] == "confirmed"
    assert readings.DEFAULTS["care_rate_span"] == "2010-2015"
    plan = (paths.ROOT / "docs" / "analysis_plan.md").read_text()
    section = plan.split("## Readings of the study")[1].split("\n## ")[0]
    for word in ("`frameworks`", "`cutoff`", "`snapshot_offset` (03)", "`snapshot_offset` (04)", "`threshold`",
                 "`SPEND_MEASURE`", "county estimates", "average annual growth", "Table 7"):
        assert word in section, word


def test_interacting_readings_are_crossed(table):
    long = table[table["test"] == "poverty_change_2007_2015"]
    assert len(long) == 2 * 3 * 2  # offset x care-rate span x county estimates
    ofsted = table[table["test"] == "ofsted_overall_level_2012_2017"]
    assert ofsted["parameters"].nunique() == len(ofsted) == 10
    workforce = table[table["test"] == "agency_change_2013_2017"]
    assert len(workforce) == 4
    unit_cost = table[table["test"] == "unit_cost_level_2012_2016"]
    assert len(unit_cost) == unit_cost["parameters"].nunique() == 16  # measure x series x proxy x years


def test_cis_contain_the_effect_and_agreement_follows_its_parts(table):
    assert (table["ci_low"] <= table["effect"]).all() and (table["effect"] <= table["ci_high"]).all()
    assert (table["significant"] == (table["p_value"] < 0.05)).all()
    printed = table[table["published_significance"].notna()]
    expected = printed["same_significance"].astype(bool) & printed["same_direction"].fillna(True).astype(bool)
    assert (printed["agrees"].astype(bool) == expected).all()


def test_unit_cost_grid_matches_06s_one_at_a_time_variants(table):
    variants = _read("table_06a_unit_cost_sensitivity.csv").set_index("variant")
    grid = table[table["family"] == "unit cost"]
    one_off = {"gross spend": "spend_measure=gross; cin_series=published; lait_2016_proxy=True; unit_cost_years=all",
               "revised children in need": "spend_measure=net; cin_series=revised; lait_2016_proxy=True; unit_cost_years=all",
               "2016 count, no proxy": "spend_measure=net; cin_series=published; lait_2016_proxy=False; unit_cost_years=all",
               "one missing year allowed": ("spend_measure=net; cin_series=published; lait_2016_proxy=True; "
                                            "unit_cost_years=one missing allowed")}
    for variant, parameters in one_off.items():
        rows = grid[grid["parameters"] == parameters].set_index("test")
        assert rows.at["unit_cost_level_2012_2016", "statistic"] == pytest.approx(variants.at[variant, "r_s_level"])
        assert rows.at["unit_cost_change_2012_2016", "statistic"] == pytest.approx(variants.at[variant, "r_s_change"])


def test_spearman_readings_recomputed_by_scipy():
    """One reading off the defaults (low-income offset 1), recomputed here with scipy from the processed data."""
    from scipy.stats import spearmanr

    from carerates.io import read_parquet
    from carerates.las import load_las
    from carerates.sources import low_income as li
    try:
        las = load_las()
        rates = read_parquet(paths.processed("cla_rates.parquet"))
        raw = read_parquet(paths.processed("low_income.parquet"))
    except Exception as err:  # noqa: BLE001 - the ingest has not been run
        pytest.skip(f"processed tables not available: {err}")
    rows = pd.DataFrame(readings.poverty_grid(las))
    row = rows[(rows["test"] == "poverty_level_2012_2015") & rows["parameters"].str.contains("offset=1")].iloc[0]
    s = li.period_summaries(li.with_cla_year(raw, 1), rates, las, (2012, 2015)).dropna(
        subset=["low_income_level", "rate_level"])
    assert row["statistic"] == pytest.approx(spearmanr(s["low_income_level"], s["rate_level"]).statistic)
    assert row["n"] == len(s)


def test_headlines_from_the_rows_and_in_the_headline_file(table):
    counts = readings.headlines(table)
    assert counts["tests_printed"] == 20
    assert counts["readings_alternative"] == counts["readings"] - int(table["is_default"].astype(bool).sum())
    assert counts["tests_agree_default"] + counts["tests_agree_some_other_reading"] + counts["tests_agree_no_reading"] == 20
    headline = _read("reproduction_scorecard_headline.csv").set_index("measure")["value"]
    for key, value in counts.items():
        assert int(headline[f"readings_{key}"]) == value, key
    first, second = readings.headline_sentences(table)
    assert f"{counts['tests_agree_default']} of the study's 20 published tests" in first
    assert headline["headline_defaults"] == first


def test_readme_headline_comes_from_the_headline_file():
    headline = _read("reproduction_scorecard_headline.csv").set_index("measure")["value"]
    readme = (paths.ROOT / "README.md").read_text()
    assert headline["headline_defaults"] in readme
    n = int(headline["readings_tests_agree_some_other_reading"])
    assert f"{n} more agree under some other reading" in readme
