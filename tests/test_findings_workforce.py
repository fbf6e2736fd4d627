"""Key findings of chapter 04 (workforce), read from the files the notebook writes to figures/.

Each assertion matches a sentence of notebooks/04_workforce.ipynb, so that a change in the data
or the code that would make the text wrong fails here, naming the finding.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carerates import findings, paths
from notebook_outputs import result_table

IDS = ["turnover_level_2013_2017", "turnover_level_2013_2017_excl_london",
       "agency_level_2013_2017", "turnover_change_2013_2017", "agency_change_2013_2017"]


def read(name: str) -> pd.DataFrame:
    return result_table(name, "04_workforce")


@pytest.fixture(scope="module")
def tests() -> pd.DataFrame:
    return read("tests_04_workforce.csv").set_index("id")


def test_the_five_association_ids_with_their_real_periods(tests):
    assert list(tests.index) == IDS
    assert (tests["section"].astype(str) == "3.4").all()
    assert (tests["test"] == "spearman").all()
    # the study's 2013-2017 is not available: the periods actually used are recorded
    levels = tests.loc[IDS[:3], "period"].unique()
    changes = tests.loc[IDS[3:], "period"].unique()
    assert len(levels) == 1 and len(changes) == 1
    (level_start, level_end), (change_start, change_end) = (
        map(int, levels[0].split("-")), map(int, changes[0].split("-")))
    # levels at level_start+1..end; changes into change_start+1..end, both years present
    assert change_start == level_start + 1 and change_end == level_end <= 2017 and level_start >= 2012
    assert tests["n"].between(100, 151).all()
    assert tests.loc["turnover_level_2013_2017_excl_london", "n"] < tests.loc["turnover_level_2013_2017", "n"] - 25


def test_higher_turnover_goes_with_lower_rates(tests):
    row = tests.loc["turnover_level_2013_2017"]
    assert row["statistic"] < 0 and row["p_value"] < 0.05 and bool(row["significant"])


def test_without_london_the_turnover_correlation_is_weaker_and_not_significant(tests):
    everyone, outside = tests.loc["turnover_level_2013_2017"], tests.loc["turnover_level_2013_2017_excl_london"]
    assert abs(outside["statistic"]) < abs(everyone["statistic"])
    assert outside["p_value"] >= 0.05


def test_agency_level_and_turnover_change_show_no_significant_association(tests):
    for test_id in ["agency_level_2013_2017", "turnover_change_2013_2017"]:
        assert tests.loc[test_id, "p_value"] >= 0.05, test_id
    # Under the default pairing (snapshot offset 0) the agency change test is significant and
    # positive, against the report's "not significant"; under offset 1 it is not (below).
    agency = tests.loc["agency_change_2013_2017"]
    assert agency["statistic"] > 0 and agency["p_value"] < 0.05


def test_london_has_higher_turnover_and_lower_rates_and_the_pattern_is_between_areas():
    split = read("table_04a_turnover_rate_within_london.csv").set_index("group")
    assert split.loc["London", "mean_turnover"] > split.loc["rest of England", "mean_turnover"]
    assert split.loc["London", "mean_rate"] < split.loc["rest of England", "mean_rate"]
    # outside London the association is weaker than across all LAs; within London (32 LAs) it is
    # not, under the default pairing of snapshots (offset 0; under offset 1 it was weaker too)
    assert abs(split.loc["rest of England", "r_s"]) < abs(split.loc["all LAs", "r_s"])
    assert split.loc["London", "n"] + split.loc["rest of England", "n"] == split.loc["all LAs", "n"]


@pytest.mark.parametrize("name", ["table_05_regional_turnover.csv", "table_06_regional_agency.csv"])
def test_regional_tables_put_the_london_regions_highest(name):
    table = read(name)
    assert list(table.columns) == ["region", "n", "min", "max", "mean", "sd"]
    assert len(table) == 10
    assert table["mean"].is_monotonic_increasing
    assert set(table["region"].iloc[-2:]) == {"Inner London", "Outer London"}
    assert (table["min"] <= table["mean"]).all() and (table["mean"] <= table["max"]).all()


def test_table_7_has_the_three_measures():
    table = read("table_07_workforce_changes.csv")
    assert list(table.columns) == ["measure", "n", "min", "max", "mean", "sd"]
    assert list(table["measure"]) == ["rate per 10,000", "turnover (%)", "agency workers (%)"]
    assert table.loc[0, "n"] == 151
    # the rate row is the study's average change 2013-2017: (rate 2017 - rate 2013) / 4
    from carerates import io, summaries
    cla = io.read_parquet(paths.processed("cla_rates.parquet"))
    change = summaries.average_change(cla, "rate_per_10k", 2013, 2017)
    expected = (cla.pivot(index="gss", columns="year", values="rate_per_10k")[2017]
                - cla.pivot(index="gss", columns="year", values="rate_per_10k")[2013]) / 4
    assert np.allclose(change.sort_index(), expected.reindex(change.index).sort_index())


def test_sensitivity_main_variant_is_the_chapter_and_level_findings_hold_in_every_variant(tests):
    variants = read("table_04b_workforce_sensitivity.csv")
    main = variants[variants["variant"].str.startswith("main")].set_index("id")
    pd.testing.assert_frame_equal(main[["period", "n", "statistic", "p_value"]],
                                  tests[["period", "n", "statistic", "p_value"]], check_names=False)
    by = variants.set_index(["variant", "id"])
    for variant in variants["variant"].unique():
        assert by.loc[(variant, "turnover_level_2013_2017"), "statistic"] < 0
        assert by.loc[(variant, "turnover_level_2013_2017"), "p_value"] < 0.05
        assert by.loc[(variant, "turnover_level_2013_2017_excl_london"), "p_value"] >= 0.05
        assert by.loc[(variant, "agency_level_2013_2017"), "p_value"] >= 0.05
    assert set(zip(variants["snapshot_offset"], variants["kingston_richmond_changes"])) == {
        (0, "exclude"), (0, "include"), (1, "exclude"), (1, "include")}  # every combination
    financial = variants[(variants["snapshot_offset"] == 1) & (variants["kingston_richmond_changes"] == "exclude")]
    financial = financial.set_index("id").loc["agency_change_2013_2017"]
    assert financial["p_value"] >= 0.05  # the fragile change result: significant only under offset 0


@pytest.mark.parametrize("name", ["figure_09_regional_turnover.png", "figure_10_regional_agency.png",
                                  "figure_04a_london_effect.png"])
def test_figures_exist(name):
    path = paths.figure(name)
    if not path.exists():
        pytest.skip(f"{name} not built yet")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- the sentences the notebook shows, regenerated from the files ------------------------------------

NOTEBOOK = paths.NOTEBOOKS / "04_workforce.ipynb"


@pytest.fixture(scope="module")
def shown() -> str:
    text = "\n".join(findings.markdown_outputs(NOTEBOOK))
    if not text:
        pytest.skip("04_workforce.ipynb has no executed Markdown outputs")
    return text


def test_every_test_is_said_in_a_generated_sentence(tests, shown):
    for test_id, row in tests.iterrows():
        assert findings.sentence(row.to_dict()) in shown, test_id


def test_the_real_workforce_period_is_in_titles_and_sentences(tests, shown):
    level, change = tests.loc[IDS[0], "period"], tests.loc[IDS[3], "period"]
    start, end = map(int, level.split("-"))
    snapshots = " and ".join(str(y) for y in range(start + 1, end + 1))  # default snapshot offset 0
    assert f"{level} (30 Sept {snapshots} snapshots)" in shown
    assert f"over {change} (change from 30 Sept" in shown
    source = "".join("".join(c["source"]) for c in __import__("json").loads(NOTEBOOK.read_text())["cells"])
    assert "printed above" not in source


def test_london_split_sentence(shown):
    split = read("table_04a_turnover_rate_within_london.csv").set_index("group")
    assert f"within London r_s = {findings.fmt_r(split.loc['London', 'r_s'])}" in shown
    assert f"Across all {int(split.loc['all LAs', 'n'])} LAs r_s = {findings.fmt_r(split.loc['all LAs', 'r_s'])}" in shown


def test_sensitivity_counts_only_the_alternatives(shown):
    variants = read("table_04b_workforce_sensitivity.csv")
    n_alt = variants["variant"].nunique() - 1
    assert f"Across the {n_alt} alternative readings (the main run not counted)" in shown
    assert f"of {n_alt} alternative readings agree" in shown


def test_old_result_names_are_gone():
    for old in ("figure_10a_london_effect.png", "table_10a_turnover_rate_within_london.csv",
                "table_07a_workforce_sensitivity.csv"):
        assert not paths.figure(old).exists(), old


def test_every_image_has_alt_text():
    alts = findings.image_alts(NOTEBOOK)
    assert len(alts) == 3 and all(len(a) > 20 for a in alts)


def test_london_difference_is_an_estimate_with_its_interval(shown):
    drop = read("table_04c_london_difference.csv").iloc[0]
    assert drop["ci_low"] < drop["difference"] < drop["ci_high"]
    # the file holds 6 significant digits of each: the difference of the rounded values agrees to that
    assert drop["difference"] == pytest.approx(drop["r_without"] - drop["r_all"], abs=2e-6)
    signed = ("+" if drop["difference"] > 0 else "") + findings.fmt_r(drop["difference"])
    assert (f"Leaving London out moves r_s by {signed} (bootstrap 95% CI {findings.fmt_r(drop['ci_low'])} to "
            f"{findings.fmt_r(drop['ci_high'])}") in shown
    assert "largely reflects London" not in shown
