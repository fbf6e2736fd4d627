"""Key findings of chapter 07 (Ofsted), read from the files it writes in figures/."""
from __future__ import annotations

import pandas as pd
import pytest

from carerates.sources import ofsted
from notebook_outputs import result_table

IDS = [f"ofsted_{j}_{kind}_2012_2017" for j in ofsted.JUDGEMENTS for kind in ("level", "change")]


def _read(name: str) -> pd.DataFrame:
    return result_table(name, "07_ofsted")


@pytest.fixture(scope="module")
def tests_07() -> pd.DataFrame:
    return _read("tests_07_ofsted.csv").set_index("id")


@pytest.fixture(scope="module")
def distribution() -> pd.DataFrame:
    return _read("table_07a_ofsted_judgements.csv")


def test_fixed_ids_are_spearman_over_2012_2017(tests_07):
    assert list(tests_07.index) == IDS
    assert (tests_07["test"] == "spearman").all()
    assert (tests_07["period"] == "2012-2017").all()


def test_every_la_judged_and_ilacs_leaves_adoption_and_care_leavers_missing(tests_07):
    readings = _read("table_07b_ofsted_readings.csv")
    main = readings[readings["main"]]
    # the main reading is the SIF (docs/analysis_plan.md: the framework whose judgements the study names)
    assert set(main["frameworks"]) == {"SIF"} and int(main["n_from_ilacs"].iloc[0]) == 0
    not_in_ilacs = tests_07.index.str.startswith(("ofsted_adoption_", "ofsted_care_leavers_"))
    assert (tests_07.loc[~not_in_ilacs, "n"] == 151).all()
    assert (tests_07.loc[tests_07.index.str.startswith("ofsted_care_leavers_"), "n"] == 151).all()
    # City of London: adoption "not judged"
    assert (tests_07.loc[tests_07.index.str.startswith("ofsted_adoption_"), "n"] == 150).all()
    # under SIF+ILACS the LAs ILACS inspected have no adoption or care-leaver grade
    both = readings[(readings["frameworks"] == "SIF+ILACS") & (readings["cutoff"] == "2018-10-31")].set_index("id")
    from_ilacs = int(both["n_from_ilacs"].iloc[0])
    assert from_ilacs > 0
    assert (both.loc[both.index.str.startswith("ofsted_care_leavers_"), "n"] == 151 - from_ilacs).all()


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


def test_readings_file_holds_every_framework_and_cutoff_and_the_main_matches(tests_07):
    readings = _read("table_07b_ofsted_readings.csv")
    assert set(readings["frameworks"]) == {"SIF", "SIF+ILACS"}
    assert readings.groupby("frameworks")["cutoff"].nunique().min() >= 4
    assert len(readings) == readings["reading"].nunique() * len(IDS)
    main = readings[readings["main"]].set_index("id")
    assert main.loc[IDS, "statistic"].tolist() == pytest.approx(tests_07.loc[IDS, "statistic"].tolist())
    earlier = readings[readings["cutoff"] == "2017-03-31"]
    assert (earlier["n"] < 151).all()  # LAs first inspected after March 2017 drop out
    assert (earlier["n_from_ilacs"] == 0).all()  # no ILACS before March 2018


def test_shares_beside_figure_12_for_every_reading():
    shares = _read("table_07c_overall_distribution_by_reading.csv")
    sums = shares.groupby(["frameworks", "cutoff"])["share_pct"].sum()
    assert sums.to_numpy() == pytest.approx(100.0)
    assert shares["report_figure_12_pct"].notna().sum() > 0


def test_sentences_are_generated_from_the_result_files(tests_07):
    from notebook_outputs import BANNED_PHRASES, markdown_outputs, markdown_sources
    from carerates.findings import sentence
    from carerates.stats import spearman_ci
    said = markdown_outputs("07_ofsted")
    for test_id, row in tests_07[tests_07["significant"].astype(bool)].iterrows():
        judgement = test_id.removeprefix("ofsted_").rsplit("_", 3)[0]
        record = {**row.to_dict(), "id": test_id,
                  "predictor": f"Ofsted grade for {ofsted.JUDGEMENT_LABELS[judgement].lower()}"}
        record["ci_low"], record["ci_high"] = spearman_ci(record["statistic"], int(record["n"]))
        assert sentence(record) in said, test_id
    prose = markdown_sources("07_ofsted") + said
    assert not [p for p in BANNED_PHRASES if p in prose]
    assert "mostly stronger" not in prose


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
    main = ofsted.with_frameworks(sif, None)  # the default: SIF only
    latest = ofsted.latest_judgements(main[main["gss"].isin(las.loc[~las["excluded"], "gss"])], "2018-10-31")
    counts = latest["overall"].map(ofsted.GRADE_LABELS).value_counts()
    stored = distribution[distribution["judgement"] == "Overall effectiveness"].set_index("grade")["n_las"]
    for grade, n in counts.items():
        assert stored[grade] == n
