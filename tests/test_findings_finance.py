"""Key findings of chapter 06 (finance), read from the files the notebook wrote in figures/."""
from __future__ import annotations

import pandas as pd
import pytest

from carerates import paths
from carerates.las import REGIONS

TESTS = paths.figure("tests_06_finance.csv")
TABLE_8 = paths.figure("table_08_regional_unit_cost.csv")
SENSITIVITY = paths.figure("table_06a_unit_cost_sensitivity.csv")

pytestmark = pytest.mark.skipif(not TESTS.exists(), reason="run notebooks/06_finance.ipynb first")


@pytest.fixture(scope="module")
def tests():
    return pd.read_csv(TESTS).set_index("id")


def test_both_associations_recorded_with_the_fixed_ids(tests):
    assert set(tests.index) == {"unit_cost_level_2012_2016", "unit_cost_change_2012_2016"}
    assert (tests["section"].astype(str) == "3.6").all()
    assert (tests["test"] == "spearman").all()
    assert tests.loc["unit_cost_level_2012_2016", "outcome"] == "average rate"
    assert tests.loc["unit_cost_change_2012_2016", "outcome"] == "average change"


def test_n_is_151_less_the_las_without_a_count(tests):
    # Durham, Oldham, Norfolk (2013) and Cornwall (2014) lack a level; Havering, Newham (2012) also lack a change.
    assert tests.loc["unit_cost_level_2012_2016", "n"] == 147
    assert tests.loc["unit_cost_change_2012_2016", "n"] == 145


def test_higher_unit_cost_goes_with_lower_average_rate(tests):
    level = tests.loc["unit_cost_level_2012_2016"]
    assert level["statistic"] < 0 and level["p_value"] < 0.05 and bool(level["significant"])


def test_change_in_unit_cost_not_associated_with_change_in_rate(tests):
    change = tests.loc["unit_cost_change_2012_2016"]
    assert abs(change["statistic"]) < 0.2 and change["p_value"] >= 0.05 and not bool(change["significant"])


def test_table_8_has_every_region_sorted_by_mean():
    table = pd.read_csv(TABLE_8)
    assert list(table.columns) == ["region", "n", "min", "max", "mean", "sd"]
    assert sorted(table["region"]) == sorted(REGIONS)
    assert table["mean"].is_monotonic_increasing
    assert table["n"].sum() == 147
    assert ((table["min"] <= table["mean"]) & (table["mean"] <= table["max"])).all()
    # weekly £ per child in need: tens to hundreds of pounds, never thousands
    assert table["min"].min() > 10 and table["max"].max() < 1000


def test_gross_or_net_does_not_change_the_conclusions():
    table = pd.read_csv(SENSITIVITY).set_index("variant")
    gross, net = table.loc["gross spend"], table.loc["net spend"]
    assert gross["mean_unit_cost"] > net["mean_unit_cost"]
    assert (gross["p_level"] < 0.05) == (net["p_level"] < 0.05)
    assert (gross["p_change"] < 0.05) == (net["p_change"] < 0.05)
    assert gross["corr_with_chosen_level"] > 0.95


def test_both_unit_cost_ns_side_by_side():
    table = pd.read_csv(SENSITIVITY).set_index("variant")
    assert table.loc["chosen", "n_level"] < table.loc["one missing year allowed", "n_level"] == 151


def test_sentences_are_generated_from_the_result_files(tests):
    from notebook_outputs import BANNED_PHRASES, markdown_outputs, markdown_sources
    from carerates.findings import sentence
    from carerates.stats import spearman_ci
    said = markdown_outputs("06_finance")
    for test_id, row in tests.iterrows():
        record = {**row.to_dict(), "id": test_id}
        record["ci_low"], record["ci_high"] = spearman_ci(record["statistic"], int(record["n"]))
        if record["outcome"] == "average change":
            record["predictor"] = "average yearly change in the weekly unit cost"
        assert sentence(record) in said, test_id
    prose = markdown_sources("06_finance") + said
    assert not [p for p in BANNED_PHRASES if p in prose]
    assert "section 5" not in markdown_sources("06_finance")


def test_variation_inside_regions_rests_on_a_variance_split():
    from notebook_outputs import markdown_outputs

    split = pd.read_csv(paths.figure("table_06d_variance_split.csv")).set_index("scale")
    assert ((split["between_region_share_pct"] + split["within_region_share_pct"]) - 100).abs().max() < 1e-3
    said = markdown_outputs("06_finance")
    assert f"{split.loc['pounds', 'between_region_share_pct']:.1f}% lies between the regions' means" in said
    if (split["within_region_share_pct"] > 50).all():
        assert "the variation inside regions is larger than the variation between them" in said
