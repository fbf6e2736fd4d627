"""Key findings of chapter 05 (Innovation Programme), read from the files it writes in figures/."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from carerates import paths
from carerates.sources import innovation
from notebook_outputs import result_table

IDS = ["innovation_level_2012_2017", "innovation_change_2012_2017"]


def _read(name: str) -> pd.DataFrame:
    return result_table(name, "05_innovation")


@pytest.fixture(scope="module")
def tests_05() -> pd.DataFrame:
    return _read("tests_05_innovation.csv").set_index("id")


@pytest.fixture(scope="module")
def thresholds() -> pd.DataFrame:
    return _read("table_05a_innovation_thresholds.csv")


def test_fixed_ids_are_mann_whitney_on_every_la(tests_05):
    assert list(tests_05.index) == IDS
    assert (tests_05["test"] == "mann_whitney").all()
    assert (tests_05["period"] == "2012-2017").all()
    assert (tests_05["n"] == 151).all()
    assert tests_05.loc[IDS, "outcome"].tolist() == ["average rate", "average change"]


DEFAULT_THRESHOLD = "confirmed"  # docs/analysis_plan.md, "Readings of the study"


def test_every_threshold_and_outcome_reported(thresholds):
    assert sorted(thresholds["threshold"].unique()) == sorted(innovation.CONFIDENCE_LEVELS)
    assert len(thresholds) == 6
    assert ((thresholds["n_funded"] + thresholds["n_not_funded"]) == thresholds["n"]).all()
    assert (thresholds["n"] == 151).all()


def test_thresholds_are_nested_and_below_the_studys_63(thresholds):
    funded = thresholds.drop_duplicates("threshold").set_index("threshold")["n_funded"]
    assert funded["confirmed"] < funded["likely"] < funded["uncertain"] < 63


def test_u_is_the_smaller_of_u1_and_u2(thresholds):
    products = thresholds["n_funded"] * thresholds["n_not_funded"]
    assert (thresholds["u"] <= products / 2).all()


def test_default_threshold_is_what_the_association_file_holds(tests_05, thresholds):
    default = thresholds[thresholds["threshold"] == DEFAULT_THRESHOLD].set_index("outcome")
    for test_id, outcome in zip(IDS, ["average rate", "average change"]):
        assert tests_05.loc[test_id, "statistic"] == pytest.approx(default.loc[outcome, "u"])
        assert tests_05.loc[test_id, "p_value"] == pytest.approx(default.loc[outcome, "p_value"])


def test_funded_las_have_lower_rates_at_every_threshold(thresholds):
    assert (thresholds["median_funded"] < thresholds["median_not_funded"]).all()


def test_significance_depends_on_counting_partner_sites(thresholds, tests_05):
    by = thresholds.set_index(["threshold", "outcome"])["significant"]
    assert not by[("confirmed", "average rate")] and not by[("confirmed", "average change")]
    assert by[("likely", "average rate")] and by[("likely", "average change")]
    # the default (docs/analysis_plan.md: the councils "given funds") is "confirmed": not significant
    assert tests_05.loc["innovation_level_2012_2017", "p_value"] >= 0.05


def test_p_values_agree_with_scipy_asymptotic_without_continuity_correction():
    """Recompute from the processed tables with scipy (an independent implementation)."""
    try:
        from carerates.io import read_parquet
        from carerates.las import analysis_las
        from carerates.summaries import average_level
        panel = read_parquet(paths.processed("cla_rates.parquet"))
        listed = read_parquet(paths.processed("innovation_round1.parquet"))
        las = analysis_las()
    except Exception as err:  # noqa: BLE001 - the ingest has not been run
        pytest.skip(f"processed tables not available: {err}")
    thresholds = _read("table_05a_innovation_thresholds.csv")
    rate = average_level(panel[panel["gss"].isin(las["gss"])], "rate_per_10k", 2012, 2017)
    for threshold in innovation.CONFIDENCE_LEVELS:
        flags = innovation.funded(listed, pd.Series(rate.index), threshold).to_numpy()
        result = sps.mannwhitneyu(rate[flags], rate[~flags], use_continuity=False, method="asymptotic")
        row = thresholds[(thresholds["threshold"] == threshold) & (thresholds["outcome"] == "average rate")].iloc[0]
        assert row["p_value"] == pytest.approx(result.pvalue, rel=1e-5)  # 6 significant digits
        u1 = result.statistic
        assert row["u"] == pytest.approx(min(u1, flags.sum() * (~flags).sum() - u1))
        assert not np.isnan(row["z"])


def test_the_funded_count_is_compared_with_the_published_one(thresholds):
    from carerates import scorecard
    study = scorecard.published_value("innovation_funded_las")
    assert thresholds["n_funded"].max() < study


def test_rank_biserial_beside_every_u(thresholds):
    r = thresholds["rank_biserial"]
    assert r.between(-1, 1).all()
    assert (thresholds["rank_biserial_ci_low"] < r).all() and (r < thresholds["rank_biserial_ci_high"]).all()
    # r from U = min(U1, U2): |r| = 1 - 2U / (n1 n2), negative here because the funded rank lower.
    products = thresholds["n_funded"] * thresholds["n_not_funded"]
    assert np.allclose(r.abs(), 1 - 2 * thresholds["u"] / products)
    assert (r < 0).all()


def test_sentences_are_generated_from_the_result_files(tests_05, thresholds):
    from notebook_outputs import BANNED_PHRASES, markdown_outputs, markdown_sources
    from carerates.findings import sentence
    said = markdown_outputs("05_innovation")
    default = thresholds[thresholds["threshold"] == DEFAULT_THRESHOLD].set_index("outcome")
    for test_id, outcome in zip(IDS, ["average rate", "average change"]):
        row = default.loc[outcome]
        record = {**tests_05.loc[test_id].to_dict(), "id": test_id, "n_group": row["n_funded"],
                  "n_other": row["n_not_funded"], "effect": row["rank_biserial"],
                  "ci_low": row["rank_biserial_ci_low"], "ci_high": row["rank_biserial_ci_high"]}
        assert sentence(record) in said
    prose = markdown_sources("05_innovation") + said
    assert not [p for p in BANNED_PHRASES if p in prose]
