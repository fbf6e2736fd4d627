"""Key findings of 08 conclusions, read from figures/ (not from the notebook)."""
import numpy as np
import pandas as pd
import pytest

from carerates import paths, results, scorecard
from carerates.results import ASSOCIATION_IDS, assemble_associations
from carerates.stats import RECORD_COLUMNS

OUTSIDE_FAMILY = ()  # the family is every test the study ran (24), docs/analysis_plan.md


def _read(name):
    path = paths.FIGURES / name
    if not path.exists():
        pytest.skip(f"{name} not built (run notebooks/08_conclusions.ipynb)")
    return pd.read_csv(path)


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


def test_grades_follow_from_their_checks(lists):
    base = lists["grade"].str.split(",").str[0]
    assert set(base) <= set(results.GRADES)
    for row, grade in zip(lists.itertuples(), base):
        joint = None if pd.isna(row.holds_joint) else bool(row.holds_joint)
        assert grade == results.robustness_grade(bool(row.survives_holm), bool(row.survives_bh), joint,
                                                 int(row.alternatives), int(row.agree)), row.id
        # a grade beside a joint-model rate ratio whose CI includes 1 says so
        includes_1 = str(row.joint_ci_includes_1).lower() == "true"
        assert ("CI includes 1" in row.grade) == includes_1, row.id
    assert (lists["agree"] <= lists["alternatives"]).all()


def test_joint_model_check_reads_09(lists):
    coefficients = _read("table_09d_cross_sectional_coefficients.csv")
    nb = coefficients[coefficients["model"] == "negative_binomial"].set_index("term")
    poverty = lists.set_index("id").loc["poverty_level_2012_2015"]
    assert bool(poverty["holds_joint"]) == bool(nb.at["low_income_pct", "p_value"] < 0.05)
    assert poverty["grade"] == "robust"


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
