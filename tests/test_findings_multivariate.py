"""Key outputs of notebooks/09_multivariate.ipynb, read from figures/, and the sentences the
notebook shows regenerated from those files with carerates.findings."""
import json

import numpy as np
import pytest

from carerates import findings, paths
from carerates.plots import label
from notebook_outputs import result_table

PREDICTORS = ["low_income_pct", "unit_cost", "turnover_pct", "agency_pct"]
NOTEBOOK = paths.NOTEBOOKS / "09_multivariate.ipynb"


def read(name):
    return result_table(name, "09_multivariate")


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
        assert "goes with where high-turnover LAs are" in shown


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


# ----------------------------------------------------------------------------- issue 25: change, ethnicity, pooled, London, Innovation
FACTORS = ["low_income_change", "innovation", "ofsted_overall", "turnover_change", "agency_change"]


def signed(value):
    return f"{value:+,.2f}"


def slope_text(row, prefix):
    return (f"{signed(row[prefix])} a year (95% CI {signed(row[f'{prefix}_ci_low'])} to "
            f"{signed(row[f'{prefix}_ci_high'])})")


def test_change_model_holds_every_decrease_entry_together():
    coefs = read("table_09n_change_model.csv")
    joint = coefs[coefs["model"] == "joint"].set_index("term")
    assert {"baseline_rate", *FACTORS} <= set(joint.index)
    assert any(t.startswith("region: ") for t in joint.index)
    for j in ("help_protection", "looked_after_permanence", "leadership"):
        rows = coefs[coefs["model"] == f"joint, {j} in place of overall"].set_index("term")
        assert f"ofsted_{j}" in rows.index and "ofsted_overall" not in rows.index
    assert (coefs["ci_low"] <= coefs["estimate"]).all() and (coefs["estimate"] <= coefs["ci_high"]).all()
    assert 120 <= joint["n"].iloc[0] <= 151


def test_single_vs_joint_is_consistent_and_said(shown):
    table = read("table_09o_change_single_vs_joint.csv")
    main = table[table["model"] == "joint"].set_index("term")
    assert list(main.index) == FACTORS
    assert np.allclose(main["difference"], main["single"] - main["joint"], rtol=1e-4, atol=1e-5)
    assert np.allclose(main["share"], main["joint"] / main["single"], rtol=1e-4)
    joint = read("table_09n_change_model.csv")
    joint = joint[joint["model"] == "joint"].set_index("term")
    assert np.allclose(main["joint"], joint.loc[FACTORS, "estimate"], rtol=1e-4)  # same point estimates, two fits
    for term in FACTORS:
        row = main.loc[term]
        assert f"alone {slope_text(row, 'single')}, jointly {slope_text(row, 'joint')}" in shown, term
        single_clear = row["single_ci_low"] > 0 or row["single_ci_high"] < 0
        survives = (row["joint_ci_low"] > 0 or row["joint_ci_high"] < 0) and (row["joint"] > 0) == (row["single"] > 0)
        if single_clear and not survives:
            assert f"{slope_text(row, 'joint')}, whose interval includes 0: the association does not survive" in shown


def test_ethnicity_model_and_its_denominator_are_said(shown):
    table = read("table_09p_ethnicity.csv").set_index(["model", "term"])
    four = "NB, + four ethnic-group shares"
    for share in ("share_mixed", "share_asian", "share_black", "share_other"):
        assert (four, share) in table.index
    before = table.loc[("NB, main (no ethnicity)", "low_income_pct")]
    after = table.loc[(four, "low_income_pct")]
    assert after["rr_ci_low"] > 1  # poverty's association does not vanish with ethnicity held
    assert f"from {findings.rate_ratio_ci(before)} to {findings.rate_ratio_ci(after)}" in shown
    assert "all ages" in shown and "not of children" in shown
    units = read("table_09v_census_ethnicity_units.csv")
    assert len(units) == 150
    shares = units[[c for c in units.columns if c.startswith("share_") and c.endswith("_2021")]].sum(axis=1)
    assert np.allclose(shares, 100, atol=1e-3)


def test_pooled_models(shown):
    table = read("table_09q_pooled_years.csv")
    models_ = list(dict.fromkeys(table["model"]))
    assert len(models_) == 4 and models_[0].startswith("NB cross-section")
    gee = table[table["model"] == models_[1]].set_index("term")
    assert gee.loc["low_income_pct", "n"] > 400  # LA-years, not LAs
    assert gee.loc["low_income_pct", "rr_ci_low"] > 1
    assert f"goes with a rate ratio of {findings.rate_ratio_ci(gee.loc['low_income_pct'])}" in shown


def test_london_interaction_and_its_figure(shown):
    table = read("table_09r_london_poverty.csv").set_index(["model", "term"])
    main = "NB, London main effect"
    rest, london, ratio = (table.loc[(main, t)] for t in ("slope outside London", "slope in London",
                                                          "London slope / rest slope"))
    assert london["estimate"] == pytest.approx(rest["estimate"] + ratio["estimate"], rel=1e-4)
    text = f"{ratio['rate_ratio']:.3f} (95% CI {ratio['rr_ci_low']:.3f} to {ratio['rr_ci_high']:.3f})"
    assert f"The ratio of the two slopes (the interaction) is {text}" in shown
    clear = ratio["rr_ci_low"] > 1 or ratio["rr_ci_high"] < 1
    assert ("the data cannot tell the two slopes apart" in shown) == (not clear)
    predicted = read("table_09s_london_poverty_predicted.csv")
    assert set(predicted["group"]) == {"London", "rest of England"}
    assert ((predicted["rate_ci_low"] <= predicted["rate"]) & (predicted["rate"] <= predicted["rate_ci_high"])).all()
    assert paths.figure("figure_09d_london_poverty.png").stat().st_size > 10_000
    assert any(a.startswith("Figure 9.4: ") for a in findings.image_alts(NOTEBOOK))


def test_innovation_compared_with_like_las(shown):
    table = read("table_09t_innovation_compared.csv")
    assert len(table) == 3 and table["method"].iloc[0].startswith("statistical neighbours (April 2021)")
    pairs = read("table_09u_innovation_pairs.csv")
    for method, rows in pairs.groupby("method"):
        summary = table.set_index("method").loc[method]
        assert summary["mean_difference"] == pytest.approx(rows["difference"].mean(), rel=1e-4)
        assert int(summary["n_funded"]) == len(rows)
        text = (f"{summary['mean_difference']:+.2f} per 10,000 a year (95% CI {summary['ci_low']:+.2f} to "
                f"{summary['ci_high']:+.2f}")
        assert text in shown
    assert "April 2021 list, the oldest published" in shown


def test_no_causal_words_on_associations(shown):
    for phrase in ("made no clear difference", "not a link", "which hides it", "share of children in low-income "
                   "families rose", "did see its rate rise"):
        assert phrase not in shown


def test_ofsted_sub_judgements_are_said(shown):
    table = read("table_09o_change_single_vs_joint.csv")
    for j in ("help_protection", "looked_after_permanence", "leadership"):
        row = table[table["model"] == f"joint, {j} in place of overall"].set_index("term").loc[f"ofsted_{j}"]
        assert f"alone {slope_text(row, 'single')}, jointly {slope_text(row, 'joint')}" in shown, j
