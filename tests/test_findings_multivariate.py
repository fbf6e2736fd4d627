"""Key outputs of notebooks/09_multivariate.ipynb, read from figures/."""
import numpy as np
import pandas as pd
import pytest

from carerates import paths

PREDICTORS = ["low_income_pct", "unit_cost", "turnover_pct", "agency_pct"]


def read(name):
    path = paths.figure(name)
    if not path.exists():
        pytest.skip(f"{name} not built (run notebooks/09_multivariate.ipynb)")
    return pd.read_csv(path)


def test_multiplicity_table_covers_associations_and_orders_pvalues():
    mult = read("table_09b_multiplicity.csv")
    assoc = read("associations.csv")
    assert set(mult["id"]) == set(assoc["id"])
    assert not mult["id"].duplicated().any()
    merged = mult.merge(assoc[["id", "p_value"]], on="id", suffixes=("", "_assoc"))
    assert np.allclose(merged["p_value"], merged["p_value_assoc"])
    assert (mult["p_holm"] >= mult["p_value"] - 1e-12).all()
    assert (mult["p_bh"] >= mult["p_value"] - 1e-12).all()
    assert (mult["p_holm"] >= mult["p_bh"] - 1e-12).all()
    assert mult[["p_holm", "p_bh"]].le(1).all().all()
    assert mult["significant_holm"].sum() <= mult["significant_bh"].sum() <= mult["significant_raw"].sum()


def test_data_dictionary_written():
    dictionary = read("table_09a_data_dictionary.csv")
    assert {"column", "description", "unit", "source", "years"} <= set(dictionary.columns)
    assert set(PREDICTORS) <= set(dictionary["column"])


def test_cross_sectional_coefficients_sane():
    coefs = read("table_09d_cross_sectional_coefficients.csv")
    assert {"poisson", "negative_binomial", "ols"} <= set(coefs["model"])
    for model in ("poisson", "negative_binomial", "ols"):
        rows = coefs[coefs["model"] == model].set_index("term")
        assert set(PREDICTORS) <= set(rows.index)
        assert (rows["ci_low"] <= rows["estimate"]).all() and (rows["estimate"] <= rows["ci_high"]).all()
        assert 100 <= rows["n"].iloc[0] <= 151  # LAs, not LA-years
    counts = coefs[coefs["model"].isin(["poisson", "negative_binomial"])]
    assert np.allclose(counts["rate_ratio"], np.exp(counts["estimate"]))
    # poverty is the strongest single-factor association of the study; it must stay positive jointly
    nb = coefs[coefs["model"] == "negative_binomial"].set_index("term")
    assert nb.loc["low_income_pct", "rr_ci_low"] > 1


def test_vif_and_figure():
    vif = read("table_09f_vif.csv")
    assert set(vif["predictor"]) == set(PREDICTORS)
    assert (vif["vif"] >= 1).all()
    assert paths.figure("figure_09a_coefficients.png").stat().st_size > 10_000
