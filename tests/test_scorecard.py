"""The reproduction scorecard: unit tests on fixtures, and checks of the committed result files."""
from __future__ import annotations

import pandas as pd
import pytest

from carerates import paths, scorecard
from carerates.errors import DataError


# --- units ---------------------------------------------------------------------------------
def test_printed_decimals():
    assert scorecard.printed_decimals("45.6") == 1
    assert scorecard.printed_decimals("-0.13") == 2
    assert scorecard.printed_decimals("22") == 0
    with pytest.raises(ValueError):
        scorecard.printed_decimals("significant")


def test_equal_at_precision_rounds_half_up_not_to_even():
    assert scorecard.equal_at_precision("0.3", 0.25)      # round-half-even would give 0.2
    assert scorecard.equal_at_precision("-2.3", -2.25)
    assert scorecard.equal_at_precision("0.682", 0.68247)
    assert not scorecard.equal_at_precision("0.682", 0.6826)
    assert not scorecard.equal_at_precision("16", float("nan"))


def test_missing_spec_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(scorecard.SPEC_ENV, str(tmp_path / "absent.csv"))
    with pytest.raises(DataError, match="CARERATES_SPEC"):
        scorecard.read_published()


def test_spec_override_and_repeated_ids(tmp_path, monkeypatch):
    spec = tmp_path / "values.csv"
    spec.write_text("id,where,quantity,value,note\na,x,mean,1.0,\na,x,mean,2.0,\n")
    monkeypatch.setenv(scorecard.SPEC_ENV, str(spec))
    assert scorecard.spec_path() == spec
    with pytest.raises(DataError, match="listed twice"):
        scorecard.read_published()


def test_unquoted_commas_in_the_note_stay_in_the_note_and_short_lines_are_named(tmp_path, monkeypatch):
    spec = tmp_path / "values.csv"
    spec.write_text("id,where,quantity,value,note\na,Table 7,sd,0.04,printed .04 (min -11, max 17)\nb,x,mean,1.5,\n")
    monkeypatch.setenv(scorecard.SPEC_ENV, str(spec))
    frame = scorecard.read_published()
    assert list(frame["value"]) == ["0.04", "1.5"]
    assert frame.loc[0, "note"] == "printed .04 (min -11, max 17)"
    assert scorecard.published_value("b") == 1.5
    spec.write_text("id,where,quantity,value,note\na,x,mean,1.0,\nb,x,mean\n")
    with pytest.raises(DataError, match="line 3: 3 field"):
        scorecard.read_published()


def _fixture(tmp_path):
    figures = tmp_path / "figures"
    figures.mkdir()
    pd.DataFrame({"region": ["North East", "South West"], "n": [12, 15], "min": [60.2, 29.8],
                  "max": [119.0, 118.6], "mean": [87.66, 57.2], "sd": [16.94, 21.9]}).to_csv(
        figures / "table_02_regional_average_rate.csv", index=False)
    pd.DataFrame({"region": ["North East"], "n": [12], "min": [5.7], "max": [17.1], "mean": [12.1],
                  "sd": [3.0]}).to_csv(figures / "table_05_regional_turnover.csv", index=False)
    pd.DataFrame({"id": ["poverty_level_2012_2015", "turnover_level_2013_2017"], "period": ["2012-2015", "2015-2017"],
                  "test": ["spearman", "spearman"], "n": [151, 147], "statistic": [0.6825, 0.10],
                  "p_value": [1e-20, 0.2], "significant": [True, False]}).to_csv(
        figures / "associations.csv", index=False)
    spec = pd.DataFrame([
        ("table_02_regional_average_rate:North East:mean", "Table 2", "mean", "87.7"),
        ("table_02_regional_average_rate:South West:min", "Table 2", "min", "30"),
        ("table_05_regional_turnover:North East:max", "Table 5", "max", "23"),
        ("poverty_level_2012_2015:statistic", "fn 27", "r_s", "0.682"),
        ("poverty_level_2012_2015:significance", "fn 27", "significance", "significant"),
        ("turnover_level_2013_2017:statistic", "fn 34", "r_s", "-0.249"),
        ("turnover_level_2013_2017:significance", "fn 34", "significance", "significant"),
    ], columns=["id", "where", "quantity", "value"]).assign(note="")
    return spec, figures


def test_build_rows_and_reasons(tmp_path):
    spec, figures = _fixture(tmp_path)
    card = scorecard.build(spec, figures).set_index("id")
    assert list(card.columns) == scorecard.COLUMNS[1:]
    assert card.at["table_02_regional_average_rate:North East:mean", "equal_at_precision"]
    assert card.at["table_02_regional_average_rate:North East:mean", "reason"] == scorecard.AGREES
    assert card.at["table_02_regional_average_rate:South West:min", "equal_at_precision"]  # 29.8 -> 30
    turnover = card.loc["table_05_regional_turnover:North East:max"]
    assert not turnover["equal_at_precision"]
    assert "2015-2017 instead of 2013-2017" in turnover["reason"]   # the period read from the tests
    sig = card.loc["turnover_level_2013_2017:significance"]
    assert sig["reproduced"] == "not significant" and not sig["same_significance"]
    stat = card.loc["turnover_level_2013_2017:statistic"]
    assert stat["same_sign"] == False  # noqa: E712  (0.10 vs -0.249)
    assert not (card["reason"].str.fullmatch("differs")).any()


def test_headline_counts_from_rows(tmp_path):
    spec, figures = _fixture(tmp_path)
    counts = scorecard.headline(scorecard.build(spec, figures))
    assert counts["tests"] == 2
    assert counts["tests_agree"] == 1            # poverty agrees; turnover differs in sign and significance
    assert counts["table_cells"] == 3 and counts["table_cells_equal"] == 2
    assert "1 agree" in scorecard.headline_sentence(counts)


def test_unknown_published_id_stops(tmp_path):
    spec, figures = _fixture(tmp_path)
    spec = pd.concat([spec, pd.DataFrame([{"id": "something_new", "where": "x", "quantity": "mean",
                                           "value": "1", "note": ""}])])
    with pytest.raises(DataError, match="something_new"):
        scorecard.build(spec, figures)


# --- the committed scorecard ------------------------------------------------------------------
@pytest.fixture(scope="module")
def committed():
    path = paths.FIGURES / scorecard.SCORECARD_NAME
    if not path.exists():
        pytest.skip("figures/reproduction_scorecard.csv not built yet (run 08)")
    return pd.read_csv(path, dtype={"published": str}, keep_default_na=False, na_values=[""])


def test_every_published_value_has_a_row(committed):
    published = scorecard.read_published()
    missing = sorted(set(published["id"]) - set(committed["id"]))
    assert not missing, f"published values without a scorecard row: {missing}"
    assert len(committed) == len(published)


def test_every_difference_has_a_reason(committed):
    assert committed["reason"].notna().all()
    assert not committed["reason"].str.strip().str.lower().isin(["differs", "different", ""]).any()


def test_headline_file_agrees_with_rows(committed):
    headline = pd.read_csv(paths.FIGURES / "reproduction_scorecard_headline.csv").set_index("measure")["value"]
    card = committed.copy()
    card["published"] = card["published"].fillna("")
    counts = scorecard.headline(card)
    for key, value in counts.items():
        assert int(headline[key]) == value, key
    tests = card[card["id"].str.endswith(":significance")]
    assert counts["tests"] == len(tests) == 20


def test_adjacent_transposition_is_detected_by_code():
    assert scorecard.adjacent_transposition("47950", 47590.0) == (2, 3)
    assert scorecard.adjacent_transposition("47590", 47590.0) is None
    assert scorecard.adjacent_transposition("72670", 72600.0) is None
    assert scorecard.adjacent_transposition("12", 21.0) == (0, 1)


def test_every_reason_is_a_check_with_its_value_or_unexplained(committed):
    """A reason names a check that ran and carries its value, or says "unexplained"."""
    differ = committed[committed["reason"] != scorecard.AGREES].fillna({"check": "", "check_value": ""})
    for row in differ.itertuples():
        if row.reason.startswith("not printed by the report"):
            continue
        if row.check == "":
            assert row.reason.startswith(scorecard.UNEXPLAINED), (row.id, row.reason)
        else:
            assert str(row.check_value) in row.reason, (row.id, row.check, row.check_value, row.reason)


def test_reasons_that_were_rules_are_now_checks(committed):
    card = committed.set_index("id")
    assert "transposes two adjacent digits" in card.at["england_cla_1994", "reason"]
    assert "47,590" in card.at["england_cla_1994", "reason"]
    for share in ("increase", "no_change", "decrease"):
        assert "revised release" not in card.at[f"direction_2012_2017:{share}", "reason"]
        assert "2012 and 2017 rates" in card.at[f"direction_2012_2017:{share}", "reason"]
    assert "does not define" not in card.at["national_rate_change_2012_2015", "reason"]
