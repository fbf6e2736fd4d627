"""Key findings of chapter 03 (poverty), read from the files it writes in figures/."""
from __future__ import annotations

import pandas as pd
import pytest

from carerates import paths
from carerates.las import REGIONS
from notebook_outputs import result_table


def _read(name: str) -> pd.DataFrame:
    return result_table(name, "03_poverty")


@pytest.fixture(scope="module")
def tests_03() -> pd.DataFrame:
    return _read("tests_03_poverty.csv").set_index("id")


def test_fixed_ids_present_with_their_periods(tests_03):
    for test_id, period in [("poverty_level_2012_2015", "2012-2015"),
                            ("poverty_change_2012_2015", "2012-2015"),
                            ("poverty_change_2007_2015", "2007-2015")]:
        assert test_id in tests_03.index
        assert tests_03.loc[test_id, "period"].startswith(period)
        assert tests_03.loc[test_id, "test"] == "spearman"


def test_every_la_in_the_main_tests(tests_03):
    for test_id in ["poverty_level_2012_2015", "poverty_change_2012_2015", "poverty_change_2007_2015"]:
        assert tests_03.loc[test_id, "n"] == 151


def test_poorer_las_have_higher_rates(tests_03):
    level = tests_03.loc["poverty_level_2012_2015"]
    assert level.statistic > 0.5 and level.p_value < 0.001 and bool(level.significant)


def test_short_period_changes_not_significantly_related(tests_03):
    change = tests_03.loc["poverty_change_2012_2015"]
    assert not bool(change.significant)
    assert abs(change.statistic) < 0.2


def test_long_period_change_positive_under_every_reading(tests_03):
    long = tests_03[tests_03.index.str.startswith("poverty_change_2007_2015")]
    assert len(long) == 6  # three care-rate spans x (with estimates, published counties only)
    assert (long.statistic > 0).all() and long.significant.astype(bool).all()
    assert (long.loc[long.index.str.endswith("_published_only"), "n"] == 124).all()


def test_table_4_regions_and_falling_low_income():
    table = _read("table_04_regional_low_income_change.csv")
    assert list(table.columns) == ["region", "n", "min", "max", "mean", "sd"]
    assert sorted(table.region) == sorted(REGIONS)
    assert table.n.sum() == 151
    assert table["mean"].is_monotonic_increasing
    assert (table["max"] < 0).all()  # low income fell in every LA over 2012-2015
    assert set(table.region[:2]) == {"Inner London", "Outer London"}  # fastest falls in London


def test_county_estimate_error_small_with_child_benefit_weights():
    errors = _read("table_03a_county_estimate_error.csv")
    weighted = errors[errors.weighting == "child_benefit"]
    equal = errors[errors.weighting == "equal"]
    assert sorted(weighted.snapshot_year) == [2011, 2012, 2013, 2014, 2015]
    assert (weighted.n == 27).all()
    assert weighted.mean_abs_error.max() < 0.1
    assert weighted.max_abs_error.max() < 0.3
    assert (weighted.mean_abs_error.to_numpy() < equal.mean_abs_error.to_numpy()).all()


def test_national_changes_run_in_opposite_directions():
    national = _read("table_03d_national_average_changes.csv").set_index("measure")
    assert national.loc["average change in % low-income", "mean"] < 0
    assert national.loc["average change in rate per 10,000", "mean"] > 0


def test_long_test_spans_side_by_side(tests_03):
    spans = _read("table_03e_long_period_rate_spans.csv")
    assert sorted(spans.care_rate_span.unique()) == ["2010-2015", "2012-2015", "2012-2017"]
    assert len(spans) == 6
    fixed = spans[spans.reported_as.str.startswith("the study")]
    assert len(fixed) == 1 and fixed.care_rate_span.iloc[0] == "2010-2015"
    assert "rate change 2010-2015" in tests_03.loc["poverty_change_2007_2015", "period"]
    assert fixed.r_s.iloc[0] == pytest.approx(tests_03.loc["poverty_change_2007_2015", "statistic"])
    computed = spans[spans.rate_at_start.str.startswith("computed")]
    assert set(computed.care_rate_span) == {"2010-2015"}


def test_sentences_are_generated_from_the_result_files(tests_03):
    from notebook_outputs import BANNED_PHRASES, markdown_outputs, markdown_sources
    from carerates.findings import sentence
    from carerates.stats import spearman_ci
    said = markdown_outputs("03_poverty")
    for test_id in ["poverty_level_2012_2015", "poverty_change_2012_2015", "poverty_change_2007_2015"]:
        record = tests_03.loc[test_id].to_dict()
        record["ci_low"], record["ci_high"] = spearman_ci(record["statistic"], int(record["n"]))
        if record["outcome"] == "average change":
            record["predictor"] = "average yearly change in the % of children in low-income families"
        assert sentence(record) in said, test_id
    prose = markdown_sources("03_poverty") + said
    assert not [p for p in BANNED_PHRASES if p in prose]


def test_london_below_the_national_line_is_computed():
    from notebook_outputs import markdown_outputs

    residuals = pd.read_csv(paths.figure("table_03h_regional_residuals.csv")).set_index("region")
    said = markdown_outputs("03_poverty")
    for region in ("Inner London", "Outer London"):
        row = residuals.loc[region]
        assert row.ci_low < row.mean_residual < row.ci_high
        assert (f"{region} LAs sit on average {abs(row.mean_residual):.1f} per 10,000 "
                f"{'below' if row.mean_residual < 0 else 'above'} it (95% CI {row.ci_low:.1f} to {row.ci_high:.1f}") in said
