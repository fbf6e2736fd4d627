"""Key outputs of notebooks/09_multivariate.ipynb, read from figures/, and the sentences the
notebook shows regenerated from those files with carerates.findings."""
import json

import numpy as np
import pandas as pd
import pytest

from carerates import findings, paths
from carerates.plots import label

PREDICTORS = ["low_income_pct", "unit_cost", "turnover_pct", "agency_pct"]
NOTEBOOK = paths.NOTEBOOKS / "09_multivariate.ipynb"


def read(name):
    path = paths.figure(name)
    if not path.exists():
        pytest.skip(f"{name} not built (run notebooks/09_multivariate.ipynb)")
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def shown():
    text = "\n".join(findings.markdown_outputs(NOTEBOOK))
    if not text:
        pytest.skip("09_multivariate.ipynb has no executed Markdown outputs")
    return text


def without_step(sentence):
    """The part of a rate-ratio sentence after 'per SD ... more', which does not depend on the SD."""
    return sentence.split(" more ", 1)[1]


def test_data_dictionary_written():
    dictionary = read("table_09a_data_dictionary.csv")
    assert {"column", "description", "unit", "source", "years"} <= set(dictionary.columns)
    assert set(PREDICTORS) <= set(dictionary["column"])
    assert {"uasc", "imd_score", "idaci_score"} <= set(dictionary["column"])


def test_cross_sectional_coefficients_sane():
    coefs = read("table_09d_cross_sectional_coefficients.csv")
    assert {"poisson", "negative_binomial", "ols"} <= set(coefs["model"])
    for model in ("poisson", "negative_binomial", "ols"):
        rows = coefs[coefs["model"] == model].set_index("term")
        assert set(PREDICTORS) <= set(rows.index)
        assert (rows["ci_low"] <= rows["estimate"]).all() and (rows["estimate"] <= rows["ci_high"]).all()
        assert 100 <= rows["n"].iloc[0] <= 151  # LAs, not LA-years
    counts = coefs[coefs["model"].isin(["poisson", "negative_binomial"])]
    assert np.allclose(counts["rate_ratio"], np.exp(counts["estimate"]), rtol=1e-5)
    # poverty is the strongest single-factor association of the study; it must stay positive jointly
    nb = coefs[coefs["model"] == "negative_binomial"].set_index("term")
    assert nb.loc["low_income_pct", "rr_ci_low"] > 1


def test_vif_and_figures():
    vif = read("table_09f_vif.csv")
    assert set(vif["predictor"]) == set(PREDICTORS)
    assert (vif["vif"] >= 1).all()
    for name in ("figure_09a_coefficients.png", "figure_09b_london_turnover.png", "figure_09c_uasc_deprivation.png"):
        assert paths.figure(name).stat().st_size > 10_000


def test_joint_model_sentences_come_from_the_coefficients(shown):
    nb = read("table_09d_cross_sectional_coefficients.csv")
    nb = nb[nb["model"] == "negative_binomial"].set_index("term")
    for term in PREDICTORS:
        sentence = findings.rate_ratio_row_sentence(nb.loc[term], label(term, prose=True), per="x")
        assert without_step(sentence) in shown, term


def test_turnover_falls_to_no_association_once_poverty_is_in(shown):
    steps = read("table_09i_london_turnover.csv").set_index("model")
    alone, final = steps.loc["turnover only"], steps.loc["all predictors + region"]
    assert f"falls to {findings.rate_ratio_ci(final)}" in shown
    assert without_step(findings.rate_ratio_row_sentence(alone, "social worker turnover", per="x")) in shown
    if findings.ci_excludes(alone["rr_ci_low"], alone["rr_ci_high"], 1) and \
            not findings.ci_excludes(final["rr_ci_low"], final["rr_ci_high"], 1):
        assert "reflects where high-turnover LAs are" in shown


def test_agency_only_with_region_is_said(shown):
    sens = read("table_09k_sensitivity.csv").set_index(["model", "term"])
    no_region = sens.loc[("NB, no region", "agency_pct")]
    assert findings.rate_ratio_ci(no_region) in shown
    if not findings.ci_excludes(no_region["rr_ci_low"], no_region["rr_ci_high"], 1):
        assert "only once region is held fixed" in shown


def test_within_poverty_slope_and_its_interval_are_said(shown):
    within = read("table_09j_within_coefficients.csv").set_index("term")
    row = within.loc["low_income_pct"]
    assert findings.slope_sentence(row, label("low_income_pct", prose=True), "within an LA, a percentage point") in shown
    assert "not evidence for or against" not in shown
    if findings.ci_excludes(row["ci_low"], row["ci_high"], 0):
        assert "interval excludes 0" in shown


def test_uasc_sensitivity(shown):
    table = read("table_09l_uasc_sensitivity.csv")
    excl = table[table["model"] == "NB, excluding UASC"].set_index("term")
    assert set(PREDICTORS) <= set(excl.index)
    assert excl.loc["low_income_pct", "rr_ci_low"] > 1
    sentence = findings.rate_ratio_row_sentence(excl.loc["low_income_pct"], label("low_income_pct", prose=True),
                                                per="x", outcome="rate of children looked after other than UASC")
    assert without_step(sentence) in shown
    assert "Croydon ranks" in shown


def test_deprivation_models(shown):
    table = read("table_09m_deprivation.csv")
    for measure in ("idaci_score", "imd_score"):
        rows = table[table["term"] == measure]
        assert len(rows) == 1
        assert rows["rr_ci_low"].iloc[0] > 1  # deprivation, like low income, goes with higher rates
        assert findings.rate_ratio_ci(rows.iloc[0]) in shown
    assert table["aic"].notna().all()


def test_no_multiplicity_section_and_no_pointers_to_printed_lines():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    text = "\n".join("".join(c["source"]) for c in nb["cells"])
    assert "associations.csv" not in text  # 08 computes Holm/BH after 09 runs
    for phrase in ("as printed", "see the line", "printed above", "printed sequence"):
        assert phrase not in text.lower()


def test_every_image_has_alt_text():
    alts = findings.image_alts(NOTEBOOK)
    assert alts and all(len(a) > 20 for a in alts)
