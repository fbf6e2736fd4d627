"""carerates.geography: successors mapped back onto the 2017 councils."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carerates import geography as geo
from carerates.errors import DataError

B, P, D = "E06000028", "E06000029", "E10000009"
BCP, DORSET = "E06000058", "E06000059"
NORTHANTS, NN, WN = "E10000021", "E06000061", "E06000062"
CUMBRIA, CUMB, WF = "E10000006", "E06000063", "E06000064"
BUCKS, BUCKS_NEW = "E10000002", "E06000060"
NYORKS, NYORKS_NEW = "E10000023", "E06000065"
DARLINGTON = "E06000005"

KNOWN = {B, P, D, NORTHANTS, CUMBRIA, BUCKS, NYORKS, DARLINGTON}


def rows(*records):
    return pd.DataFrame(records, columns=["gss", "year", "count", "pop", "rate"])


def test_unchanged_council_keeps_its_published_rate():
    out = geo.to_units(rows((DARLINGTON, 2018, 200.0, 22000.0, 91.0)), ["count", "pop"],
                       rate="rate", population="pop", known=KNOWN)
    assert out.loc[0, "rule"] == "same"
    assert out.loc[0, "rate"] == 91.0  # not 200 / 22000 * 1e4 = 90.9


def test_bournemouth_poole_dorset_merged_before_and_after_2019():
    frame = rows((B, 2019, 250.0, 36000.0, 68.0), (P, 2019, 190.0, 30000.0, 63.0),
                 (D, 2019, 410.0, 77000.0, 53.0),
                 (BCP, 2020, 500.0, 75000.0, 67.0), (DORSET, 2020, 480.0, 68000.0, 70.0))
    out = geo.to_units(frame, ["count", "pop"], rate="rate", population="pop", known=KNOWN)
    assert list(out["unit"]) == [geo.BPD, geo.BPD]
    assert list(out["rule"]) == ["merged", "merged"]
    first, second = out.iloc[0], out.iloc[1]
    assert first["count"] == 850 and first["pop"] == 143000
    assert first["rate"] == pytest.approx(1e4 * 850 / 143000)
    assert second["rate"] == pytest.approx(1e4 * 980 / 143000)
    assert second["members"] == f"{BCP}+{DORSET}"


def test_northamptonshire_successors_summed_and_rate_recomputed():
    frame = rows((NORTHANTS, 2021, 1144.0, 170000.0, 67.0), (NN, 2022, 525.0, 79000.0, 66.0),
                 (WN, 2022, 658.0, 92000.0, 71.0))
    out = geo.to_units(frame, ["count", "pop"], rate="rate", population="pop", known=KNOWN)
    assert list(out["unit"]) == [NORTHANTS, NORTHANTS]
    assert list(out["rule"]) == ["same", "summed"]
    assert out.loc[1, "count"] == 1183
    assert out.loc[1, "rate"] == pytest.approx(1e4 * 1183 / 171000)


def test_same_area_successors_recoded_with_their_published_rate():
    frame = rows((BUCKS_NEW, 2020, 484.0, 122000.0, 40.0), (NYORKS_NEW, 2024, 501.0, 114000.0, 44.0))
    out = geo.to_units(frame, ["count", "pop"], rate="rate", population="pop", known=KNOWN)
    assert dict(zip(out["unit"], out["rule"])) == {BUCKS: "recoded", NYORKS: "recoded"}
    assert list(out["rate"]) == [40.0, 44.0]


def test_half_a_generation_gives_nan_not_a_partial_sum():
    # Westmorland and Furness suppressed: Cumbria's 2024 total must not be Cumberland alone.
    frame = rows((CUMB, 2024, 482.0, 52000.0, 93.0), (WF, 2024, np.nan, 39000.0, np.nan))
    out = geo.to_units(frame, ["count", "pop"], rate="rate", population="pop", known=KNOWN)
    assert out.loc[0, "unit"] == CUMBRIA
    assert np.isnan(out.loc[0, "count"]) and np.isnan(out.loc[0, "rate"])


def test_member_missing_entirely_gives_nan():
    frame = rows((B, 2015, 250.0, 36000.0, 68.0), (P, 2015, 190.0, 30000.0, 63.0))
    out = geo.to_units(frame, ["count", "pop"], rate="rate", population="pop", known=KNOWN)
    assert np.isnan(out.loc[0, "count"])


def test_rows_with_no_values_are_not_reports():
    # Editions carry 'z' rows (NaN here) for councils that did not exist that year.
    frame = rows((NORTHANTS, 2022, np.nan, np.nan, np.nan), (NN, 2022, 525.0, 79000.0, 66.0),
                 (WN, 2022, 658.0, 92000.0, 71.0))
    out = geo.to_units(frame, ["count", "pop"], rate="rate", population="pop", known=KNOWN)
    assert out.loc[0, "count"] == 1183


def test_old_and_new_councils_in_the_same_year_is_an_error():
    frame = rows((NORTHANTS, 2022, 1100.0, 170000.0, 65.0), (NN, 2022, 525.0, 79000.0, 66.0),
                 (WN, 2022, 658.0, 92000.0, 71.0))
    with pytest.raises(DataError, match=r"edition\.csv: E10000021 in 2022: both"):
        geo.to_units(frame, ["count", "pop"], known=KNOWN, path="edition.csv")


def test_unknown_code_is_an_error_naming_the_file():
    with pytest.raises(DataError, match=r"f\.csv: unknown LA code\(s\) \['E06999999'\]"):
        geo.to_units(rows(("E06999999", 2020, 1.0, 1.0, 1.0)), ["count"], known=KNOWN, path="f.csv")


def test_duplicate_rows_are_an_error():
    frame = rows((DARLINGTON, 2020, 1.0, 1.0, 1.0), (DARLINGTON, 2020, 2.0, 1.0, 1.0))
    with pytest.raises(DataError, match="listed twice"):
        geo.to_units(frame, ["count"], known=KNOWN, path="f.csv")


def test_rule_counts_per_year():
    frame = rows((B, 2019, 1.0, 1.0, 1.0), (P, 2019, 1.0, 1.0, 1.0), (D, 2019, 1.0, 1.0, 1.0),
                 (NORTHANTS, 2019, 1.0, 1.0, 1.0), (DARLINGTON, 2019, 1.0, 1.0, 1.0),
                 (BCP, 2022, 1.0, 1.0, 1.0), (DORSET, 2022, 1.0, 1.0, 1.0), (NN, 2022, 1.0, 1.0, 1.0),
                 (WN, 2022, 1.0, 1.0, 1.0), (BUCKS_NEW, 2022, 1.0, 1.0, 1.0), (DARLINGTON, 2022, 1.0, 1.0, 1.0))
    table = geo.rule_counts(geo.to_units(frame, ["count"], known=KNOWN)).set_index("year")
    assert table.loc[2019].to_dict() == {"recoded": 0, "summed": 0, "merged": 3, "total": 3}
    assert table.loc[2022].to_dict() == {"recoded": 1, "summed": 1, "merged": 3, "total": 5}


def test_numbers_to_codes_maps_successor_numbers():
    las = pd.DataFrame({"la_number": [928, 841], "gss": [NORTHANTS, DARLINGTON]})
    codes = geo.numbers_to_codes(pd.Series([928.0, 940.0, 941.0, 841.0]), las)
    assert list(codes) == [NORTHANTS, NN, WN, DARLINGTON]
    with pytest.raises(DataError, match="unknown LA number"):
        geo.numbers_to_codes(pd.Series([999.0]), las, path="x")


def test_unit_table_merges_three_councils():
    las = pd.DataFrame({"gss": [B, P, D, DARLINGTON], "la_name": ["Bournemouth", "Poole", "Dorset", "Darlington"],
                        "region": ["South West"] * 3 + ["North East"], "excluded": [False] * 4})
    table = geo.unit_table(las).set_index("unit")
    assert len(table) == 2
    assert table.loc[geo.BPD, "members_2017"] == 3
    assert table.loc[geo.BPD, "unit_name"] == geo.BPD_NAME


# --------------------------------------------------------------- carerates.later helpers
from carerates import later  # noqa: E402


def test_unit_flags_all_none_or_mixed():
    flags = pd.Series({B: 1, P: 1, D: 1, DARLINGTON: 0, NORTHANTS: 1})
    out = later.unit_flags(flags, None)
    assert out[geo.BPD] == 1 and out[DARLINGTON] == 0 and out[NORTHANTS] == 1
    mixed = later.unit_flags(pd.Series({B: 1, P: 0, D: 0}), None)
    assert np.isnan(mixed[geo.BPD])


@pytest.mark.parametrize("args, verdict", [
    ((0.01, 1, 0.001, 1), "held"),
    ((0.01, 1, 0.001, -1), "reversed"),
    ((0.01, -1, 0.20, -1), "weakened"),
    ((0.30, -1, 0.01, -1), "emerged"),
    ((0.30, 1, 0.40, -1), "none in either"),
    ((0.01, 1, np.nan, 1), "not tested"),
])
def test_held_verdicts(args, verdict):
    assert later.held(*args) == verdict


def test_trend_patterns():
    assert later.trend_pattern(1.0, 2.0) == "rose, kept rising"
    assert later.trend_pattern(-1.0, 2.0) == "fell or flat, then rose"
    assert later.trend_pattern(1.0, -0.5) == "rose, then fell or flat"
    assert later.trend_pattern(0.0, 0.0) == "fell or flat, kept falling"
    assert later.trend_pattern(np.nan, 1.0) == "not known"


def test_poisson_fe_matches_glm_with_dummies_and_clustered_errors():
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(3)
    n_units, years = 25, list(range(2017, 2023))
    frame = pd.DataFrame([(u, y) for u in range(n_units) for y in years], columns=["unit", "year"])
    frame["x"] = rng.normal(size=len(frame)) + 0.3 * frame["unit"] / n_units
    frame["z"] = rng.normal(size=len(frame))
    frame["pop"] = rng.uniform(2e3, 2e4, size=len(frame))
    effect = rng.normal(scale=0.5, size=n_units)
    mu = frame["pop"] * 6e-3 * np.exp(0.2 * frame["x"] - 0.1 * frame["z"] + effect[frame["unit"]]
                                      + 0.05 * (frame["year"] - 2017))
    frame["y"] = rng.poisson(mu * rng.gamma(5, 0.2, size=len(frame)))  # over-dispersed
    frame.loc[3, "x"] = np.nan  # a dropped row
    ours = later.poisson_fe(frame, "y", ["x", "z"], "unit", "year", "pop").set_index("term")
    data = frame.dropna()
    glm = smf.glm("y ~ x + z + C(unit) + C(year)", data, family=sm.families.Poisson(),
                  offset=np.log(data["pop"])).fit(cov_type="cluster", cov_kwds={
                      "groups": data["unit"].to_numpy(), "use_correction": False})
    for term in ("x", "z"):
        assert ours.loc[term, "estimate"] == pytest.approx(glm.params[term], abs=1e-7)
        assert ours.loc[term, "se"] == pytest.approx(glm.bse[term] * np.sqrt(n_units / (n_units - 1)), rel=1e-5)
    assert ours.loc["x", "n_obs"] == len(data)
    assert ours.loc["x", "ci_low"] < 0.2 < ours.loc["x", "ci_high"]


def test_rank_biserial_ci_agrees_with_the_test():
    from carerates import stats

    rng = np.random.default_rng(5)
    values = pd.Series(np.r_[rng.normal(0, 1, 30), rng.normal(0.8, 1, 40)])
    group = pd.Series([True] * 30 + [False] * 40)
    test = stats.mann_whitney(values, group, id="x", section="s", outcome="o", predictor="p", period="t")
    d = test.details
    r, low, high = later.rank_biserial_ci(d["u_group"], d["n_group"], d["n_other"], d["z"])
    assert r == pytest.approx(2 * d["u_group"] / (30 * 40) - 1)
    assert r < 0  # the group's values are lower
    # The interval excludes 0 exactly when the test is significant at 5% (same normal approximation).
    assert (high < 0) == (test.p_value < 0.05)
    assert low < r < high


def test_barnsley_and_sheffield_2024_codes_recoded():
    frame = rows(("E08000038", 2025, 300.0, 50000.0, 60.0), ("E08000019", 2024, 900.0, 110000.0, 82.0))
    out = geo.to_units(frame, ["count", "pop"], rate="rate", population="pop",
                       known={"E08000016", "E08000019"})
    assert dict(zip(out["unit"], out["rule"])) == {"E08000016": "recoded", "E08000019": "same"}


def test_recode_same_area_leaves_splits_and_merges_alone():
    codes = pd.Series([BUCKS_NEW, "E08000038", NN, BCP, DARLINGTON])
    assert geo.recode_same_area(codes).tolist() == [BUCKS, "E08000016", NN, BCP, DARLINGTON]
