"""Key findings of 08 conclusions, read from figures/ (not from the notebook)."""
import numpy as np
import pandas as pd
import pytest

from carerates import paths, results, scorecard
from carerates.results import ASSOCIATION_IDS, assemble_associations
from carerates.stats import RECORD_COLUMNS
from notebook_outputs import result_table

OUTSIDE_FAMILY = ()  # the family is every test the study ran (24), docs/analysis_plan.md


def _read(name):
    return result_table(name, "08_conclusions")


@pytest.fixture(scope="module")
def associations():
    return _read("associations.csv")


@pytest.fixture(scope="module")
def lists():
    return _read("table_08a_conclusions_lists.csv")


def test_every_study_id_exactly_once_in_spec_order(associations):
    assert list(associations.columns) == RECORD_COLUMNS
    assert list(associations["id"]) == list(ASSOCIATION_IDS)


def test_chapters_records_assemble_to_the_associations_file(associations):
    # 10 and the profiles assemble the study's tests from the chapters' records instead of
    # reading 08's file (so they need not wait for 08): the two must be the same table.
    study, _ = assemble_associations(results.read_tests(folder=paths.FIGURES))
    pd.testing.assert_frame_equal(study[RECORD_COLUMNS].reset_index(drop=True), associations, check_exact=True,
                                  check_dtype=False)  # text columns: object after the concat, str as read


def test_significance_matches_p_values(associations):
    assert (associations["significant"] == (associations["p_value"] < 0.05)).all()
    assert associations["n"].between(100, 151).all()
    spearman = associations[associations["test"] == "spearman"]
    assert spearman["statistic"].between(-1, 1).all()


def test_lists_agree_with_the_table(associations, lists):
    family = associations
    significant = family[family["significant"]]
    expected = {("associated with lower average rates" if o == "average rate"
                 else "associated with decreases (or smaller increases)", i)
                for i, o in zip(significant["id"], significant["outcome"])}
    assert set(zip(lists["list"], lists["id"])) == expected
    merged = lists.merge(associations[["id", "test", "statistic"]], on="id", suffixes=("", "_table"))
    for row in merged[merged["test"] == "spearman"].itertuples():
        lower_end = row.statistic_table < 0
        words = ("higher", "better", "a rise") if lower_end else ("lower", "worse", "a fall")
        assert row.factor.startswith(words), (row.id, row.factor)


def test_holm_and_bh_recomputed_over_the_family(associations):
    multiplicity = _read("table_08b_multiplicity.csv").set_index("id")
    family = associations.set_index("id")
    assert len(family) == len(multiplicity) == 24
    expected = results.adjust_p(family["p_value"])
    assert np.allclose(multiplicity.loc[family.index, "p_holm"], expected["p_holm"])
    assert np.allclose(multiplicity.loc[family.index, "p_bh"], expected["p_bh"])
    assert (multiplicity["p_holm"] >= multiplicity["p_bh"] - 1e-12).all()


# --- the grades: the rule of docs/analysis_plan.md ("Grades of the two lists"), rebuilt from 09's files -----------
LEVEL_TERMS = {"poverty_level_2012_2015": "low_income_pct", "turnover_level_2013_2017": "turnover_pct",
               "agency_level_2013_2017": "agency_pct", "unit_cost_level_2012_2016": "unit_cost"}
WITH_INNOVATION_OFSTED = {"innovation_level_2012_2017": "innovation", "ofsted_overall_level_2012_2017": "ofsted_overall"}
POOLED_TERMS = {"poverty_level_2012_2015": "low_income_pct", "unit_cost_level_2012_2016": "unit_cost"}
CHANGE_TERMS = {"poverty_change_2012_2015": ("joint", "low_income_change"),
                "poverty_change_2007_2015": ("joint", "low_income_change"),
                "turnover_change_2013_2017": ("joint", "turnover_change"),
                "agency_change_2013_2017": ("joint", "agency_change"),
                "innovation_change_2012_2017": ("joint", "innovation"),
                "ofsted_overall_change_2012_2017": ("joint", "ofsted_overall"),
                **{f"ofsted_{j}_change_2012_2017": (f"joint, {j} in place of overall", f"ofsted_{j}")
                   for j in ("help_protection", "looked_after_permanence", "leadership")}}
GRADES = {"supported", "mixed", "not supported", "single test only"}


@pytest.fixture(scope="module")
def evidence_09():
    """(estimate, ci_low, ci_high, is_ratio) of every 09 result bearing on each test, from 09's files."""
    def model(name, label):
        table = _read(name)
        return table[table["model"] == label].set_index("term")
    nb = model("table_09d_cross_sectional_coefficients.csv", "negative_binomial")
    extra = model("table_09k_sensitivity.csv", "NB, + innovation + Ofsted")
    ethnic = model("table_09p_ethnicity.csv", "NB, + four ethnic-group shares")
    pooled_all = _read("table_09q_pooled_years.csv")
    default_pooled = [m for m in pooled_all["model"].unique() if m.startswith("GEE Poisson, exchangeable, 2013")]
    assert len(default_pooled) == 1
    pooled = pooled_all[pooled_all["model"] == default_pooled[0]].set_index("term")
    london = model("table_09r_london_poverty.csv", "NB, London main effect")
    change = _read("table_09o_change_single_vs_joint.csv").set_index(["model", "term"])
    compared = _read("table_09t_innovation_compared.csv").dropna(subset=["ci_low"])
    ratio = lambda r: (r.rate_ratio, r.rr_ci_low, r.rr_ci_high, True)  # noqa: E731
    out = {}
    for test_id in ASSOCIATION_IDS:
        rows = []
        if test_id in LEVEL_TERMS:
            rows.append(ratio(nb.loc[LEVEL_TERMS[test_id]]))
        if test_id in WITH_INNOVATION_OFSTED:
            rows.append(ratio(extra.loc[WITH_INNOVATION_OFSTED[test_id]]))
        if test_id in LEVEL_TERMS:
            rows.append(ratio(ethnic.loc[LEVEL_TERMS[test_id]]))
        if test_id in POOLED_TERMS:
            rows.append(ratio(pooled.loc[POOLED_TERMS[test_id]]))
        if test_id == "poverty_level_2012_2015":
            rows += [ratio(london.loc[t]) for t in ("slope outside London", "slope in London")]
        if test_id in CHANGE_TERMS:
            r = change.loc[CHANGE_TERMS[test_id]]
            rows.append((r.joint, r.joint_ci_low, r.joint_ci_high, False))
        if test_id == "innovation_change_2012_2017":
            rows += [(r.mean_difference, r.ci_low, r.ci_high, False) for r in compared.itertuples()]
        out[test_id] = rows
    return out


def _agrees(check, direction):
    estimate, low, high, is_ratio = check
    null = 1.0 if is_ratio else 0.0
    side = np.sign(np.log(estimate) if is_ratio else estimate)
    return not (low <= null <= high) and side == np.sign(direction)


def _rule(p_value, survives_bh, n_checks, n_agree):
    if p_value >= 0.05:
        return "not significant"
    if n_checks == 0:
        return "single test only"
    if n_agree == 0:
        return "not supported"
    return "supported" if n_agree == n_checks and survives_bh else "mixed"


@pytest.mark.parametrize("name", ["table_08a_conclusions_lists.csv", "table_08c_robustness.csv"])
def test_grades_follow_the_written_rule_from_09s_files(name, evidence_09):
    graded = _read(name)
    direction = results.read_tests(folder=paths.FIGURES).set_index("id")["direction"]
    multiplicity = _read("table_08b_multiplicity.csv").set_index("id")
    for row in graded.itertuples():
        checks = evidence_09[row.id]
        n_agree = sum(_agrees(c, direction[row.id]) for c in checks)
        assert (row.n_checks, row.n_checks_agree) == (len(checks), n_agree), row.id
        expected = _rule(row.p_value, bool(multiplicity.at[row.id, "p_bh"] < 0.05), len(checks), n_agree)
        assert row.grade == expected, row.id
        # the grade's text says when an interval includes 0 (or 1 for a rate ratio), once per such interval
        includes = sum(low <= (1 if is_ratio else 0) <= high for _, low, high, is_ratio in checks)
        assert row.evidence.count("; includes 0") + row.evidence.count("; includes 1") >= includes, row.id
        if checks:
            assert row.evidence.startswith(f"{n_agree} of {len(checks)} results of chapter 09 that bear on it agree"), row.id
        else:
            assert row.evidence == "no 09 model holds this factor", row.id
    lists = graded if "lists" in name else None
    if lists is not None:
        assert set(lists["grade"]) <= GRADES
        assert (lists["agree"] <= lists["alternatives"]).all()


def test_change_entries_quote_the_joint_model_of_change(lists):
    change = _read("table_09o_change_single_vs_joint.csv").set_index(["model", "term"])
    for row in lists[lists["id"].isin(CHANGE_TERMS)].itertuples():
        r = change.loc[CHANGE_TERMS[row.id]]
        ci = lambda low, high: f"95% CI {low:+.2f} to {high:+.2f}" + ("; includes 0" if low <= 0 <= high else "")  # noqa: E731
        assert f"with the others held ({ci(r.joint_ci_low, r.joint_ci_high)}, N = {int(r.n)})" in row.evidence, row.id
        assert f"alone {r.single:+.2f} ({ci(r.single_ci_low, r.single_ci_high)})" in row.evidence, row.id
        assert (f"single minus joint {r.difference:+.2f} ({ci(r.difference_ci_low, r.difference_ci_high)})"
                in row.evidence), row.id


def test_joint_model_check_reads_09(lists):
    coefficients = _read("table_09d_cross_sectional_coefficients.csv")
    nb = coefficients[coefficients["model"] == "negative_binomial"].set_index("term")
    poverty = lists.set_index("id").loc["poverty_level_2012_2015"]
    assert bool(poverty["holds_joint"]) == bool(nb.at["low_income_pct", "p_value"] < 0.05)
    r = nb.loc["low_income_pct"]
    assert (f"joint model (table_09d): rate ratio {r.rate_ratio:.2f} per SD (95% CI {r.rr_ci_low:.2f} to "
            f"{r.rr_ci_high:.2f}, N = {int(r.n)})") in poverty["evidence"]


def test_graded_lists_are_said_in_the_notebook(lists):
    from notebook_outputs import BANNED_PHRASES, markdown_outputs
    said = markdown_outputs("08_conclusions")
    for row in lists.itertuples():
        assert f"- **{row.factor}** ({row.grade})." in said, row.id
        assert f" {row.evidence[0].upper()}{row.evidence[1:]}." in said, row.id
        assert not [p for p in BANNED_PHRASES if p in row.evidence], row.id
    # the study's own entries that are not significant here are shown with 09's results beside them
    every = _read("table_08c_robustness.csv")
    for row in every[every["in_study_lists"] & (every["p_value"] >= 0.05)].itertuples():
        assert row.grade == "not significant"
        assert "(not significant here; the study listed it)." in said and f" {row.evidence[0].upper()}{row.evidence[1:]}." in said
    counts = lists["grade"].value_counts()
    for grade in ("supported", "mixed", "not supported", "single test only"):
        assert f"{counts.get(grade, 0)} {grade}" in said


def test_poverty_is_the_strongest_level_association(associations):
    levels = associations[(associations["outcome"] == "average rate") & (associations["test"] == "spearman")]
    strongest = levels.loc[levels["statistic"].abs().idxmax()]
    assert strongest["id"] == "poverty_level_2012_2015"
    assert strongest["statistic"] > 0.5 and strongest["significant"]


def test_summary_and_headline_are_generated_from_the_files():
    from notebook_outputs import BANNED_PHRASES, markdown_outputs, markdown_sources
    said = markdown_outputs("08_conclusions")
    card = pd.read_csv(paths.FIGURES / scorecard.SCORECARD_NAME, dtype={"published": str},
                       keep_default_na=False, na_values=[""])
    card["published"] = card["published"].fillna("")
    assert scorecard.headline_sentence(scorecard.headline(card)) in said
    headline = pd.read_csv(paths.FIGURES / "reproduction_scorecard_headline.csv").set_index("measure")["value"]
    assert headline["headline_defaults"] in said and headline["headline_readings"] in said
    assert said.index("Reproduction under the stated defaults") < said.index("Of the study's")  # headlines first
    # the change test of the lists is worded as change against change
    assert "higher average yearly change in the % of children in low-income families" in said
    prose = markdown_sources("08_conclusions") + said
    assert not [p for p in BANNED_PHRASES if p in prose]


def test_assemble_rejects_missing_and_repeated_ids():
    rows = pd.DataFrame({"id": list(ASSOCIATION_IDS)})
    study, extra = assemble_associations(pd.concat([rows, pd.DataFrame({"id": ["extra_test"]})]))
    assert list(study["id"]) == list(ASSOCIATION_IDS) and list(extra["id"]) == ["extra_test"]
    with pytest.raises(ValueError, match="missing"):
        assemble_associations(rows.iloc[1:])
    with pytest.raises(ValueError, match="repeated"):
        assemble_associations(pd.concat([rows, rows.iloc[:1]]))
