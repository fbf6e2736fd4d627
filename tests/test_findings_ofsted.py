"""Key findings of chapter 07 (Ofsted), read from the files it writes in figures/."""
from __future__ import annotations

import pandas as pd
import pytest

from carerates import paths
from carerates.sources import ofsted

IDS = [f"ofsted_{j}_{kind}_2012_2017" for j in ofsted.JUDGEMENTS for kind in ("level", "change")]


def _read(name: str) -> pd.DataFrame:
    path = paths.figure(name)
    if not path.is_file():
        pytest.skip(f"{name} not built (run notebooks/07_ofsted.ipynb)")
    return pd.read_csv(path)


@pytest.fixture(scope="module")
def tests_07() -> pd.DataFrame:
    return _read("tests_07_ofsted.csv").set_index("id")


@pytest.fixture(scope="module")
def distribution() -> pd.DataFrame:
    return _read("figure_12_ofsted_judgements.csv")


def test_fixed_ids_are_spearman_over_2012_2017(tests_07):
    assert list(tests_07.index) == IDS
    assert (tests_07["test"] == "spearman").all()
    assert (tests_07["period"] == "2012-2017").all()


def test_every_la_judged_except_one_adoption_not_judged(tests_07):
    adoption = tests_07.index.str.startswith("ofsted_adoption_")
    assert (tests_07.loc[~adoption, "n"] == 151).all()
    assert (tests_07.loc[adoption, "n"] == 150).all()  # City of London: adoption "not judged"


def test_overall_distribution_adds_up(distribution):
    overall = distribution[distribution["judgement"] == "Overall effectiveness"].set_index("grade")["n_las"]
    assert overall.sum() == 151 and overall["Not judged"] == 0
    assert overall.idxmax() == "Requires improvement"
    assert overall["Inadequate"] + overall["Requires improvement"] > overall["Good"] + overall["Outstanding"]
    for judgement, rows in distribution.groupby("judgement"):
        assert rows["n_las"].sum() == 151, judgement


def test_better_judged_las_have_lower_rates_and_smaller_rises(tests_07):
    assert (tests_07["statistic"] < 0).all()
    assert (tests_07["statistic"].abs() < 0.3).all()  # weak
    assert bool(tests_07.loc["ofsted_overall_level_2012_2017", "significant"])


def test_sensitivity_file_holds_both_cutoffs_and_the_default_matches(tests_07):
    sensitivity = _read("figure_12a_ofsted_cutoff_sensitivity.csv")
    assert sensitivity["cutoff"].nunique() == 2
    default = sensitivity[sensitivity["cutoff"] == "2018-10-31"].set_index("id")
    assert default.loc[IDS, "statistic"].tolist() == pytest.approx(tests_07.loc[IDS, "statistic"].tolist())
    earlier = sensitivity[sensitivity["cutoff"] == "2017-03-31"]
    assert (earlier["n"] < 151).all()  # LAs first inspected after March 2017 drop out


def test_distribution_recomputed_from_the_raw_sheet(distribution):
    """From the raw workbook through the name matching and the latest-judgement rule."""
    try:
        from carerates.las import load_las
        las = load_las()
    except Exception as err:  # noqa: BLE001 - the ingest has not been run
        pytest.skip(f"LA table not available: {err}")
    if not ofsted.raw_path().is_file():
        pytest.skip("raw Ofsted workbook not present")
    sif = ofsted.sif_table(ofsted.raw_path(), las)
    assert set(sif["gss"]) == set(las["gss"])  # all 152 matched, each once per inspection
    latest = ofsted.latest_judgements(sif[sif["gss"].isin(las.loc[~las["excluded"], "gss"])], "2018-10-31")
    counts = latest["overall"].map(ofsted.GRADE_LABELS).value_counts()
    stored = distribution[distribution["judgement"] == "Overall effectiveness"].set_index("grade")["n_las"]
    for grade, n in counts.items():
        assert stored[grade] == n
