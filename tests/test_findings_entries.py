"""Key findings of chapter 11 (care entries and child poverty), read from figures/, and the notebook's
sentences regenerated from those files."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carerates import careentries as ce
from carerates import findings, paths
from notebook_outputs import result_table

NOTEBOOK = paths.ROOT / "notebooks" / "11_care_entries.ipynb"
COLUMNS_A = ["model", "period", "term", "estimate", "ci_low", "ci_high", "p_value", "n_las", "n_obs"]
COLUMNS_B = ["period", "entries_total", "attributable", "ci_low", "ci_high", "share_pct", "share_ci_low",
             "share_ci_high"]


def read(name: str) -> pd.DataFrame:
    return result_table(name, "11_care_entries")


@pytest.fixture(scope="module")
def models():
    return read("table_11a_entries_poverty_models.csv")


@pytest.fixture(scope="module")
def attributable():
    return read("table_11b_attributable.csv")


@pytest.fixture(scope="module")
def outputs():
    if not NOTEBOOK.exists():
        pytest.skip("notebook not built")
    return findings.markdown_outputs(NOTEBOOK)


def row(models, model, term="poverty_within", period="2015-2020"):
    hit = models[(models["model"] == model) & (models["term"] == term) & (models["period"] == period)]
    assert len(hit) == 1, (model, term, period)
    return hit.iloc[0]


def shown(outputs, sentence):
    body = sentence.replace("**Finding.** ", "")
    assert any(body in text for text in outputs), sentence


def test_files_have_the_issue_columns(models, attributable):
    assert list(models.columns) == COLUMNS_A
    assert list(attributable.columns) == COLUMNS_B
    assert not models.duplicated(["model", "period", "term"]).any()
    assert (models["ci_low"] <= models["estimate"]).all() and (models["estimate"] <= models["ci_high"]).all()


def test_replication_row(models):
    main = row(models, "within_between")
    assert main["n_las"] == 148 and 800 < main["n_obs"] <= 888
    # positive within-LA association whose 95% CI excludes zero (model-based, as the design's default)
    assert main["estimate"] > 0 and main["ci_low"] > 0
    between = row(models, "within_between", "poverty_between")
    assert between["estimate"] > main["estimate"]  # places with more poverty: many more entries


def test_fixed_effects_check():
    check = read("tests_11_fe_check.csv")
    balanced = check[check["sample"] == "balanced"]
    assert (balanced["relative_difference"] < 1e-6).all()
    default = check[check["sample"].str.startswith("unbalanced")]
    poverty = default[default["term"] == "poverty_pct"].iloc[0]
    assert poverty["relative_difference"] < 0.01
    assert poverty["within_between_profile"] == pytest.approx(poverty["within_between"], rel=1e-5)


def test_attributable_consistent_with_the_coefficient(models, attributable):
    for _, got in attributable.iterrows():
        coef = row(models, "within_between", period=got["period"])
        exposure = got["attributable"] / coef["estimate"]
        assert got["ci_low"] == pytest.approx(min(coef["ci_low"], coef["ci_high"]) * exposure, rel=1e-4)
        assert got["share_pct"] == pytest.approx(100 * got["attributable"] / got["entries_total"], rel=1e-4)
        assert got["share_ci_low"] <= got["share_pct"] <= got["share_ci_high"]
    assert attributable.loc[attributable["period"] == "2015-2020", "attributable"].iloc[0] > 0


def test_alternatives_and_placebo(models):
    main = row(models, "within_between")
    fe = row(models, "twoway_fe")
    assert fe["estimate"] == pytest.approx(main["estimate"], rel=0.01)
    assert fe["ci_high"] - fe["ci_low"] > main["ci_high"] - main["ci_low"]  # clustered errors are wider
    rr = row(models, "poisson_fe", "poverty_within_rate_ratio")
    assert rr["ci_low"] < rr["estimate"] < rr["ci_high"] and rr["estimate"] > 0
    lead = row(models, "within_between_placebo_lead")
    assert lead["estimate"] > 0
    assert row(models, "within_between_lag", period="2016-2020")["n_obs"] < row(models, "within_between")["n_obs"]


def test_sentences_regenerated(models, attributable, outputs):
    main = row(models, "within_between")
    shown(outputs, ce.replication_sentence(main, "2015-2020"))
    shown(outputs, ce.check_sentence(main, row(models, "twoway_fe")))
    shown(outputs, ce.replication_sentence(row(models, "within_between", period="2015-2022"), "2015-2022"))
    for _, got in attributable.iterrows():
        shown(outputs, ce.attributable_sentence(got))
    methods = read("tests_11_attributable_ci_methods.csv")
    assert len(methods) == 2
    shown(outputs, ce.clustered_attributable_sentence(methods.iloc[1]))
    # the clustered interval is the wider one, around (nearly) the same count
    assert methods.iloc[1]["ci_high"] - methods.iloc[1]["ci_low"] > methods.iloc[0]["ci_high"] - methods.iloc[0]["ci_low"]
    shown(outputs, ce.robustness_sentence(models, main, ce.ALTERNATIVES))
    shown(outputs, ce.summary_sentence(models, "2015-2020"))
    shown(outputs, ce.age_sentence(models, row(models, "within_between_bands_sample")))
    shown(outputs, ce.pandemic_sentence(row(models, "twoway_fe_pandemic", period="2015-2022"),
                                        row(models, "twoway_fe_pandemic", "poverty_within_pandemic_difference",
                                            "2015-2022"), "2015-2022", [2021, 2022]))
    shown(outputs, ce.stock_sentence(row(models, "within_between_stock"), "2015-2020"))
    shown(outputs, ce.employment_sentence(row(models, "within_between", "employment_within"), "2015-2020"))


def test_age_bands_named_once(models):
    assert set(ce.AGE_MODELS.values()) <= set(models["model"])
    assert not models["model"].str.contains("age_age").any()


def test_every_figure_has_alt_text():
    if not NOTEBOOK.exists():
        pytest.skip("notebook not built")
    alts = findings.image_alts(NOTEBOOK)
    assert len(alts) == 2 and all(a.startswith("Figure 11.") for a in alts)


def test_loose_numbers_written_and_quoted(models, outputs):
    """The medians, counts and ratios the sentences quote are values of the chapter's own files."""
    summary = read("table_11d_summary.csv").set_index("measure")["value"]
    main = row(models, "within_between")
    assert summary["las_in_model"] == main["n_las"] and summary["la_years_in_model"] == main["n_obs"]
    assert summary["la_years_possible"] == summary["analysis_units"] * 6
    assert 0 < summary["las_poverty_rose"] <= summary["las_poverty_known_both_years"] <= summary["analysis_units"]
    sentence = (f"The median LA's entry rate was {summary['median_entry_rate_2015']:.0f} per 100,000 children aged "
                f"0-15 in 2015 and {summary['median_entry_rate_2020']:.0f} in 2020; its share of under-16s in relative "
                f"low income {summary['median_poverty_pct_2015']:.1f}% and {summary['median_poverty_pct_2020']:.1f}%; "
                f"{summary['las_poverty_rose']:.0f} of {summary['las_poverty_known_both_years']:.0f} LAs")
    shown(outputs, sentence)
    bands = models[models["model"].isin(ce.AGE_MODELS.values()) & (models["term"] == "poverty_within")]
    assert summary["age_bands_sum_poverty_within"] == pytest.approx(bands["estimate"].sum(), rel=1e-5)
    ratios = read("table_11e_robustness_ratios.csv").set_index("model")
    assert list(ratios.index) == list(ce.ALTERNATIVES)
    for model, got in ratios.iterrows():
        fit = models[(models["model"] == model) & (models["term"] == "poverty_within")].iloc[0]
        assert got["ratio_to_default"] == pytest.approx(fit["estimate"] / main["estimate"], rel=1e-5)
        shown(outputs, f"{fit['estimate']:.1f} ({fit['ci_low']:.1f} to {fit['ci_high']:.1f}; "
                       f"{got['ratio_to_default']:.2f} times the default)".replace("-0.0 ", "0.0 "))
    check = read("tests_11_fe_check.csv")
    unbalanced = check[check["sample"].str.startswith("unbalanced")]
    np.testing.assert_allclose(unbalanced["difference"], unbalanced["within_between"] - unbalanced["twoway_fe"],
                               atol=1e-5)  # both written at 6 significant digits
    assert (check.loc[check["relative_difference"] == 0, "difference"] == 0).all()  # no machine-dependent digits
