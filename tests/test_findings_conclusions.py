"""Key findings of 08 conclusions, read from figures/ (not from the notebook)."""
import pandas as pd
import pytest

from carerates import paths
from carerates.results import ASSOCIATION_IDS, assemble_associations
from carerates.stats import RECORD_COLUMNS


@pytest.fixture(scope="module")
def associations():
    return pd.read_csv(paths.FIGURES / "associations.csv")


def test_every_study_id_exactly_once_in_spec_order(associations):
    assert list(associations.columns) == RECORD_COLUMNS
    assert list(associations["id"]) == list(ASSOCIATION_IDS)


def test_significance_matches_p_values(associations):
    assert (associations["significant"] == (associations["p_value"] < 0.05)).all()
    assert associations["n"].between(100, 151).all()
    spearman = associations[associations["test"] == "spearman"]
    assert spearman["statistic"].between(-1, 1).all()


def test_lists_agree_with_the_table(associations):
    lists = pd.read_csv(paths.FIGURES / "conclusions_lists.csv")
    significant = associations[associations["significant"]]
    expected = {("associated with lower average rates" if o == "average rate"
                 else "associated with decreases (or smaller increases)", i)
                for i, o in zip(significant["id"], significant["outcome"])}
    assert set(zip(lists["list"], lists["id"])) == expected
    # The factor's wording follows the sign of the statistic for the Spearman tests.
    merged = lists.merge(associations[["id", "test", "statistic"]], on="id", suffixes=("", "_table"))
    for row in merged[merged["test"] == "spearman"].itertuples():
        lower_end = row.statistic_table < 0
        words = ("higher", "better", "a rise") if lower_end else ("lower", "worse", "a fall")
        assert row.factor.startswith(words), (row.id, row.factor)


def test_poverty_is_the_strongest_level_association(associations):
    levels = associations[(associations["outcome"] == "average rate") & (associations["test"] == "spearman")]
    strongest = levels.loc[levels["statistic"].abs().idxmax()]
    assert strongest["id"] == "poverty_level_2012_2015"
    assert strongest["statistic"] > 0.5 and strongest["significant"]


def test_assemble_rejects_missing_and_repeated_ids():
    rows = pd.DataFrame({"id": list(ASSOCIATION_IDS)})
    study, extra = assemble_associations(pd.concat([rows, pd.DataFrame({"id": ["extra_test"]})]))
    assert list(study["id"]) == list(ASSOCIATION_IDS) and list(extra["id"]) == ["extra_test"]
    with pytest.raises(ValueError, match="missing"):
        assemble_associations(rows.iloc[1:])
    with pytest.raises(ValueError, match="repeated"):
        assemble_associations(pd.concat([rows, rows.iloc[:1]]))
