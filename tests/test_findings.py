"""carerates.findings: result records in words, formatted as the house style says."""

import pytest
from scipy import stats as sps

from carerates import findings
from carerates.stats import mann_whitney, spearman

import pandas as pd


@pytest.mark.parametrize("p, text", [
    (4.9e-22, "p < .001"), (0.000999, "p < .001"), (0.001, "p = .001"), (0.0353, "p = .035"),
    (0.35, "p = .350"), (0.9999, "p = 1"), (float("nan"), "p not available"), (None, "p not available"),
])
def test_fmt_p(p, text):
    assert findings.fmt_p(p) == text


@pytest.mark.parametrize("r, text", [(0.6824, ".68"), (-0.2765, "-.28"), (1.0, "1.00"), (-0.001, ".00"),
                                     (0.0, ".00")])
def test_fmt_r(r, text):
    assert findings.fmt_r(r) == text


def test_rank_biserial_matches_the_share_of_pairs():
    group = pd.Series([5.0, 6.0, 7.0, 1.0])
    other = pd.Series([2.0, 3.0, 4.0])
    # pairs where the group is higher minus pairs where it is lower, over all pairs
    higher = sum(g > o for g in group for o in other)
    lower = sum(g < o for g in group for o in other)
    expected = (higher - lower) / (len(group) * len(other))
    u_group = sps.mannwhitneyu(group, other).statistic  # scipy's U is the first sample's
    assert findings.rank_biserial(u_group, 4, 3) == pytest.approx(expected)


def _spearman_record(x, y, **extra):
    result = spearman(pd.Series(x), pd.Series(y), id="t", section="s", outcome="average rate",
                      predictor="% of children in low-income families", period="2012-2015")
    return {**result.record(), **result.details, **extra}


def test_significant_positive_spearman_says_direction_size_ci_n_and_p():
    x = list(range(30))
    record = _spearman_record(x, [v + (v % 3) for v in x])
    text = findings.sentence(record)
    assert text.startswith("LAs with a higher % of children in low-income families had higher average rates")
    assert f"r_s = {findings.fmt_r(record['statistic'])}" in text
    assert f"95% CI {findings.fmt_r(record['ci_low'])} to {findings.fmt_r(record['ci_high'])}" in text
    assert "N = 30" in text and "p < .001" in text and "over 2012-2015" in text


def test_negative_and_null_spearman():
    x = list(range(30))
    assert "lower average rates" in findings.sentence(_spearman_record(x, [-v for v in x]))
    null = _spearman_record(x, [(v * 7) % 11 for v in x])
    assert null["p_value"] > 0.05
    assert findings.sentence(null).startswith("There was no clear association between")


def test_mann_whitney_sentence_uses_groups_and_rank_biserial():
    values = pd.Series([1.0, 2, 3, 4, 10, 11, 12, 13, 14, 15])
    in_group = pd.Series([True] * 4 + [False] * 6)
    result = mann_whitney(values, in_group, id="m", section="s", outcome="average change",
                          predictor="Innovation Programme round 1", period="2012-2017")
    record = {**result.record(), **result.details, "direction": result.direction}
    text = findings.sentence(record)
    assert "smaller average yearly changes" in text and "n = 4 vs 6" in text
    assert "rank-biserial r = -1.00" in text and "U = 0" in text


def test_multiplicity_clause_distinguishes_holm_and_bh():
    base = {"p_value": 0.01}
    assert "remains significant" in findings.multiplicity_clause({**base, "p_holm": 0.02, "p_bh": 0.01})
    assert "but not Holm's" in findings.multiplicity_clause({**base, "p_holm": 0.2, "p_bh": 0.04})
    assert "does not survive" in findings.multiplicity_clause({**base, "p_holm": 0.2, "p_bh": 0.06}, 20)
    assert "20 tests" in findings.multiplicity_clause({**base, "p_holm": 0.2, "p_bh": 0.06}, 20)
    assert findings.multiplicity_clause({"p_value": 0.5}) == ""


def test_ratio_sentence():
    text = findings.ratio_sentence("low income", 1.23, 1.10, 1.37, 0.0004, n=140)
    assert text.startswith("One standard deviation more low income went with 23% higher")
    assert "rate ratio 1.23, 95% CI 1.10 to 1.37, p < .001, N = 140" in text
    assert "no clear association" in findings.ratio_sentence("turnover", 1.00, 0.95, 1.05, 0.9)


def test_unknown_test_is_refused():
    with pytest.raises(ValueError, match="unknown test"):
        findings.sentence({"test": "anova", "id": "x"})


def test_rate_ratio_row_sentence_clear_and_unclear():
    row = {"rate_ratio": 1.309, "rr_ci_low": 1.244, "rr_ci_high": 1.377, "p_value": 2.9e-25, "n": 139}
    text = findings.rate_ratio_row_sentence(row, "children in low-income families",
                                            per="one standard deviation (5.6 percentage points)")
    assert text.startswith("One standard deviation (5.6 percentage points) more children in low-income families "
                           "went with a 31% higher rate of children looked after")
    assert "rate ratio 1.31, 95% CI 1.24 to 1.38, p < .001, N = 139" in text
    null = dict(row, rate_ratio=1.0002, rr_ci_low=0.948, rr_ci_high=1.056, p_value=0.99)
    text = findings.rate_ratio_row_sentence(null, "turnover")
    assert "no clear difference" in text and "95% CI 0.95 to 1.06" in text and "p = .990" in text


def test_slope_sentence_sign_and_interval():
    row = {"estimate": 0.72, "ci_low": 0.06, "ci_high": 1.39, "p_value": 0.032}
    text = findings.slope_sentence(row, "children in low-income families", "a percentage point")
    assert "0.72 more children looked after per 10,000" in text and "95% CI +0.06 to +1.39" in text
    flat = findings.slope_sentence(dict(row, ci_low=-0.2), "x", "one unit")
    assert "no clear change" in flat


def test_ordinal_and_rank_sentence():
    assert [findings.ordinal(k) for k in (1, 2, 3, 4, 11, 12, 13, 21, 22)] == \
        ["1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"]
    import pandas as pd
    table = pd.DataFrame({"region": ["A", "B", "C"], "mean": [3.0, 1.0, 2.0]})
    text = findings.rank_sentence(table, "region", "mean", ["B", "A"], "regions", unit="per 10,000")
    assert text == "B ranks lowest of 3 regions (1.0 per 10,000); A ranks 3rd lowest of 3 regions (3.0 per 10,000)."


def test_rate_ratio_ci_and_lower_first():
    row = {"rate_ratio": 1.0611, "rr_ci_low": 1.018, "rr_ci_high": 1.111}
    assert findings.rate_ratio_ci(row) == "1.06 (95% CI 1.02 to 1.11)"
    assert findings.lower_first("One SD more") == "one SD more"


def test_markdown_outputs_and_image_alts(tmp_path):
    import json
    nb = {"cells": [
        {"cell_type": "code", "outputs": [
            {"output_type": "execute_result", "data": {"text/markdown": ["**Finding.** ", "A rose."]}},
            {"output_type": "display_data", "data": {"image/png": "iVBOR", "text/plain": "x"},
             "metadata": {"image/png": {"alt": "A chart."}}},
            {"output_type": "display_data", "data": {"image/png": "iVBOR"}, "metadata": {}}]},
        {"cell_type": "markdown", "source": "typed"}]}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    assert findings.markdown_outputs(path) == ["**Finding.** A rose."]
    assert findings.image_alts(path) == ["A chart.", ""]


def test_top_with_ties_keeps_every_tied_row_at_the_precision_shown():
    import pandas as pd

    from carerates.findings import tie_note, top_with_ties

    frame = pd.DataFrame({"la": list("abcdef"), "rate": [165.0, 121.6, 118.64, 118.56, 118.6, 21.2]})
    top = top_with_ties(frame, "rate", 3)
    assert list(top["la"]) == ["a", "b", "c", "d", "e"]  # 118.64, 118.56 and 118.6 all show as 118.6
    assert tie_note(top, "rate") == " (3 tied at 118.6)"
    assert list(top_with_ties(frame, "rate", 1, largest=False)["la"]) == ["f"]
    assert tie_note(top_with_ties(frame, "rate", 2), "rate") == ""

def test_slope_sentence_unit_that_says_more_gets_no_second_more():
    row = {"estimate": 2.5, "ci_low": 1.0, "ci_high": 4.0, "p_value": 0.001}
    text = findings.slope_sentence(row, "children in low-income families", "a percentage point more")
    assert text.startswith("A percentage point more children in low-income families went with 2.50 more")
    assert "more more" not in text
    flat = findings.slope_sentence(dict(row, ci_low=-1.0), "turnover", "one point more")
    assert flat.startswith("One point more turnover went with no clear change") and "more more" not in flat
