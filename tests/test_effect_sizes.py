"""Effect sizes and multiplicity adjustments in carerates.results."""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from carerates import findings, results, stats


def brute_force_rank_biserial(group_values, other_values):
    """Share of pairs where the group is higher minus share where it is lower (ties count zero)."""
    pairs = list(itertools.product(group_values, other_values))
    higher = sum(a > b for a, b in pairs)
    lower = sum(a < b for a, b in pairs)
    return (higher - lower) / len(pairs)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rank_biserial_equals_brute_force_pair_counting(seed):
    rng = np.random.default_rng(seed)
    values = pd.Series(np.round(rng.normal(size=40), 1))        # rounding makes ties
    flags = pd.Series(rng.random(40) < 0.35)
    effect = results.rank_biserial_effect(values, flags)
    expected = brute_force_rank_biserial(values[flags].tolist(), values[~flags].tolist())
    assert effect["r"] == pytest.approx(expected)
    assert effect["ci_low"] < effect["r"] < effect["ci_high"]
    assert -1 <= effect["ci_low"] and effect["ci_high"] <= 1
    # The same r as the findings helper from Mann-Whitney's U of the group.
    mw = stats.mann_whitney(values, flags, id="x", section="", outcome="", predictor="", period="")
    assert findings.rank_biserial(mw.details["u_group"], mw.details["n_group"], mw.details["n_other"]) \
        == pytest.approx(effect["r"])


def test_rank_biserial_ci_covers_a_bootstrap_and_shrinks_with_n():
    rng = np.random.default_rng(5)
    small = pd.Series(rng.normal(size=30))
    small_flags = pd.Series(np.arange(30) < 12)
    small[small_flags] += 0.8
    big = pd.Series(rng.normal(size=300))
    big_flags = pd.Series(np.arange(300) < 120)
    big[big_flags] += 0.8
    e_small, e_big = results.rank_biserial_effect(small, small_flags), results.rank_biserial_effect(big, big_flags)
    assert (e_big["ci_high"] - e_big["ci_low"]) < (e_small["ci_high"] - e_small["ci_low"])
    boot = []
    for _ in range(400):
        g = rng.choice(small[small_flags].to_numpy(), small_flags.sum())
        o = rng.choice(small[~small_flags].to_numpy(), (~small_flags).sum())
        boot.append(brute_force_rank_biserial(g, o))
    lo, hi = np.percentile(boot, [2.5, 97.5])
    assert abs(lo - e_small["ci_low"]) < 0.12 and abs(hi - e_small["ci_high"]) < 0.12


def test_rank_biserial_empty_group_fails():
    with pytest.raises(ValueError, match="empty"):
        results.rank_biserial_effect(pd.Series([1.0, 2.0]), pd.Series([True, True]))


def test_adjust_p_holm_and_bh_by_hand():
    p = pd.Series({"a": 0.01, "b": 0.04, "c": 0.03, "d": 0.5})
    adjusted = results.adjust_p(p)
    # Holm: sorted p (0.01, 0.03, 0.04, 0.5) times (4, 3, 2, 1), running max, capped at 1.
    assert adjusted["p_holm"].to_dict() == pytest.approx({"a": 0.04, "c": 0.09, "b": 0.09, "d": 0.5})
    # BH: p * m / rank (0.04, 0.06, 0.0533, 0.5), then the running minimum from the largest p.
    assert adjusted["p_bh"].to_dict() == pytest.approx({"a": 0.04, "c": 0.16 / 3, "b": 0.16 / 3, "d": 0.5})
    with pytest.raises(ValueError):
        results.adjust_p(pd.Series({"a": np.nan}))


def test_agreement_counts_only_alternatives_and_checks_direction():
    main = pd.DataFrame({"id": ["a", "b", "c"], "p_value": [0.01, 0.30, 0.02], "direction": [1, -1, -1]})
    variants = pd.DataFrame({"id": ["a", "a", "a", "b"], "p_value": [0.02, 0.20, 0.001, 0.01],
                             "direction": [1, 1, -1, -1]})
    out = results.agreement_with_alternatives(main, variants).set_index("id")
    assert out.loc["a"].tolist() == [3, 1]   # one agrees; one not significant; one significant the other way
    assert out.loc["b"].tolist() == [1, 0]   # significant where the main run is not
    assert out.loc["c"].tolist() == [0, 0]   # no alternative run


def test_list_grades_follow_the_written_rule():
    assert results.list_grade(0.001, True, [True, True, True]) == "supported"
    assert results.list_grade(0.001, False, [True, True]) == "mixed"       # fails Benjamini-Hochberg
    assert results.list_grade(0.001, True, [True, False]) == "mixed"       # one 09 result disagrees
    assert results.list_grade(0.001, True, [False, False]) == "not supported"
    assert results.list_grade(0.001, True, []) == "single test only"       # no 09 result bears on it
    assert results.list_grade(0.05, True, [True]) == "not significant"     # p < .05 is strict
    assert set(results.GRADES) == {"supported", "mixed", "not supported", "single test only"}


def test_styled_table_is_deterministic_html_and_text():
    frame = pd.DataFrame({"p": [0.0004, 0.2], "U": [1876.0, 1988.5]})
    from carerates.findings import fmt_p
    one = results.styled(frame, "my table", {"p": fmt_p, "U": "{:,.0f}"}, caption="Tests")
    two = results.styled(frame, "my table", {"p": fmt_p, "U": "{:,.0f}"}, caption="Tests")
    assert one._repr_html_() == two._repr_html_()
    assert 'id="T_my_table"' in one._repr_html_() and "p &lt; .001" in one._repr_html_()
    assert "1,876" in one._repr_html_()
    assert " at 0x" not in repr(one) and repr(one).startswith("Tests\n")
