"""Key findings of chapter 12 (projections, backtested), read from figures/."""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from carerates import findings, later, paths
from carerates import projections as pj
from carerates.io import read_parquet
from carerates.plots import official_name
from carerates.sources import cla as cla_source
from notebook_outputs import result_table

NOTEBOOK = paths.ROOT / "notebooks" / "12_projections.ipynb"


def quoted_claim() -> int:
    """The claim as the notebook's labelled constant quotes it (not typed here a second time)."""
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    return int(re.search(r"^CLAIM_2025 = ([0-9_]+)$", code, re.M).group(1))


CLAIM_2025 = quoted_claim()


def read(name: str) -> pd.DataFrame:
    return result_table(name, "12_projections", dtype={"origin": str, "area": str})


def england_counts() -> pd.Series:
    counts = read_parquet(paths.processed("england_cla.parquet")).set_index("year")["cla_number"]
    edition = later.read_area_rates(paths.raw(cla_source.LATER_EDITIONS["2021_2025"]), "2021_2025")
    counts.loc[2025] = edition.query("area == 'England'").set_index("year").loc[2025, "cla_count"]
    return counts


def test_files_have_the_issues_columns():
    assert list(read("table_12a_backtest.csv").columns) == [
        "method", "level", "origin", "horizon", "n", "mape", "bias", "coverage_95"]
    assert list(read("table_12b_england_2025.csv").columns) == [
        "method", "origin", "forecast_2025", "pi95_low", "pi95_high", "actual_2025"]
    assert list(read("table_12c_forecast.csv").columns) == [
        "area", "year", "method", "forecast", "pi95_low", "pi95_high"]


def test_backtest_design():
    table = read("table_12a_backtest.csv")
    national = table[(table["level"] == "national") & (table["origin"] != "all")]
    assert set(national["origin"].astype(int)) == set(range(2000, 2021))
    assert set(table["horizon"]) == {1, 2, 3, 4, 5}
    assert (national["n"] == 1).all()  # one England forecast per origin and horizon
    ten = national[national["method"] == "linear_10"]
    assert ten["origin"].astype(int).min() == 2003  # the series starts in 1994
    la = table[(table["level"] == "la") & (table["origin"] != "all")]
    assert set(la["origin"].astype(int)) == set(range(2016, 2021))
    assert set(la["method"]) == set(pj.LA_METHODS)
    assert la["n"].max() <= 149
    assert table["coverage_95"].between(0, 1).all()
    assert (table["bias"].abs() <= table["mape"] * (1 + 1e-5)).all()
    # pooled rows: the n-weighted means of the per-origin rows
    per = table[table["origin"] != "all"].assign(w=lambda f: f["mape"] * f["n"])
    pooled = per.groupby(["method", "level", "horizon"]).agg(w=("w", "sum"), n=("n", "sum"))
    every = table[table["origin"] == "all"].set_index(["method", "level", "horizon"])
    np.testing.assert_allclose(every["mape"], (pooled["w"] / pooled["n"]).reindex(every.index), rtol=1e-4)
    assert (every["n"] == pooled["n"].reindex(every.index)).all()


def test_the_2022_projection_beside_the_claim_and_the_count():
    table = read("table_12b_england_2025.csv").set_index("method")
    counts = england_counts()
    assert set(table.index) == set(pj.METHODS)
    assert (table["origin"] == "2021").all()
    assert (table["actual_2025"] == counts.loc[2025]).all()
    assert table.loc["no_change", "forecast_2025"] == counts.loc[2021]
    assert ((table["pi95_low"] <= table["forecast_2025"]) & (table["forecast_2025"] <= table["pi95_high"])).all()
    # every reading of current trends fell short of the claim, and all but no-change overshot the count
    assert (table["forecast_2025"] < CLAIM_2025).all()
    assert (table.drop("no_change")["forecast_2025"] > counts.loc[2025]).all()


def test_growth_the_claim_required():
    growth = read("table_12d_four_year_growth.csv")
    counts = england_counts()
    required = pj.required_growth(counts.loc[2021], CLAIM_2025, 4)
    assert growth["required_by_claim"].iloc[0] == pytest.approx(required, rel=1e-5)
    assert list(growth["end_year"]) == list(range(1998, 2022))
    assert (growth["growth_4y"] < required).all()  # faster than any four years since 1994
    sentence = (f"Reaching {CLAIM_2025:,} by 2025 from {counts.loc[2021]:,.0f} in 2021 needed "
                f"{100 * required:.2f}% a year for four years.")
    assert any(sentence in text for text in findings.markdown_outputs(NOTEBOOK))


def test_the_pick_and_the_forecast_follow_the_plan():
    table = read("table_12a_backtest.csv")
    best_nat, _ = pj.pick(table, pj.NATIONAL_CANDIDATES, "national", range(2003, 2021))
    best_la, _ = pj.pick(table, pj.LA_METHODS, "la")
    forecast = read("table_12c_forecast.csv")
    england = forecast[forecast["area"] == "England"].set_index("year")
    assert list(england.index) == list(range(2026, 2031))
    assert set(england["method"]) == {best_nat}
    assert set(forecast.loc[forecast["area"] != "England", "method"]) == {best_la}
    assert ((forecast["pi95_low"] <= forecast["forecast"]) & (forecast["forecast"] <= forecast["pi95_high"])).all()
    # England's forecast rebuilt: the method from 2025 on the counts, widened by k of table 12e
    counts = england_counts()
    series = pj.Series(("England",), counts.index.to_numpy(), counts.to_numpy()[None, :])
    if pj.METHODS[best_nat]["needs"] == "count":
        rebuilt = pj.forecast(best_nat, series, 2025)
        cal = read("table_12e_calibration.csv")
        k = cal[(cal["method"] == best_nat) & (cal["level"] == "national")
                & (cal["basis"] == "every outcome to 2025")].set_index("horizon")["k"]
        rebuilt = pj.calibrate(rebuilt, rebuilt["horizon"].map(k).to_numpy()).set_index("year")
        for column in ("forecast", "pi95_low", "pi95_high"):
            np.testing.assert_allclose(england[column], rebuilt[column], rtol=2e-5)
    end = england.loc[2030]
    sentence = (f"gives England {end['forecast']:,.0f} children looked after at 31 March 2030 (calibrated 95% "
                f"interval {end['pi95_low']:,.0f} to {end['pi95_high']:,.0f})")
    assert any(sentence in text for text in findings.markdown_outputs(NOTEBOOK))


def test_model_intervals_were_too_narrow_for_england():
    cal = read("table_12e_calibration.csv")
    every = cal[(cal["basis"] == "every outcome to 2025") & cal["method"].isin(pj.NATIONAL_CANDIDATES)]
    assert (every["coverage_model"] < 0.95).all()
    assert (every.loc[every["horizon"] == 4, "k"] > 1).all()


def test_every_la_profile_has_a_projection_section():
    tables = pj.load_profile_tables(paths.figures_dir())
    las = read_parquet(paths.processed("las.parquet"))
    for row in las.itertuples():
        sentences = pj.profile_sentences(tables, row.gss, row.la_name)
        assert sentences and official_name(row.la_name) in sentences[0], row.la_name
        rows = pj.profile_forecast(tables, row.gss)
        if row.excluded:
            assert rows.empty
        elif len(rows):
            assert list(rows.index) == list(range(2026, 2031)), row.la_name
            assert official_name(row.la_name) in pj.profile_alt(tables, row.gss, row.la_name)
            assert "2030" in pj.profile_alt(tables, row.gss, row.la_name)
            assert len(sentences) == 2  # the forecast and the LA's backtest record


def test_what_the_trend_could_not_know():
    context = read("table_12h_context.csv").set_index("year")
    both = context.dropna(subset=["uasc"])
    np.testing.assert_allclose(both["cla_without_uasc"], both["cla_total"] - both["uasc"])
    last = int(both.index.max())
    sentence = (f"From 2021 to {last}, UASC looked after rose from {context.loc[2021, 'uasc']:,.0f} to "
                f"{context.loc[last, 'uasc']:,.0f} while the total rose from {context.loc[2021, 'cla_total']:,.0f} to "
                f"{context.loc[last, 'cla_total']:,.0f}")
    assert any(sentence in text for text in findings.markdown_outputs(NOTEBOOK))


def test_loose_numbers_written_and_quoted():
    """Each number a sentence quotes beyond tables 12a-12h is a value of table_12i/12j/12k, and the sentences
    regenerate from those files."""
    outputs = findings.markdown_outputs(NOTEBOOK)
    summary = read("table_12j_summary.csv").set_index("measure")["value"]
    assert summary["claim_2025_quoted"] == CLAIM_2025
    # the pick's means (table 12k) are those of the plan's rule on table 12a
    table = read("table_12a_backtest.csv")
    choice = read("table_12k_method_choice.csv")
    for level, methods, origins in (("national", pj.NATIONAL_CANDIDATES, range(2003, 2021)), ("la", pj.LA_METHODS, None)):
        best, means = pj.pick(table, methods, level, origins) if origins else pj.pick(table, methods, level)
        part = choice[choice["level"] == level].set_index("method")
        np.testing.assert_allclose(part.loc[means.index, "mean_mape"], means.to_numpy(), rtol=1e-5)
        assert list(part.index[part["best"]]) == [best]
        digits = 2 if level == "national" else 1
        fragment = "; ".join(f"{pj.LABELS[m]} {v:.{digits}f}%" for m, v in part.drop(best)["mean_mape"].items())
        assert any(fragment in text for text in outputs), fragment
    # the sum of the LA forecasts for 2030 (table 12c) and the UASC change (table 12h)
    forecast = read("table_12c_forecast.csv")
    la_2030 = forecast[(forecast["area"] != "England") & (forecast["year"] == 2030)]
    assert summary["la_2030_forecasts"] == len(la_2030)
    assert summary["la_2030_forecast_sum"] == pytest.approx(la_2030["forecast"].sum(), rel=1e-5)
    assert any(f"LA forecasts for 2030 sum to {summary['la_2030_forecast_sum']:,.0f}" in t for t in outputs)
    context = read("table_12h_context.csv").set_index("year")
    last = int(context.dropna(subset=["uasc"]).index.max())
    assert summary[f"uasc_change_2021_{last}"] == context.loc[last, "uasc"] - context.loc[2021, "uasc"]
    assert any(f"UASC looked after rose by {summary[f'uasc_change_2021_{last}']:,.0f} and the other children "
               f"looked after changed by {summary[f'cla_without_uasc_change_2021_{last}']:+,.0f}" in t for t in outputs)
    # the overshoot of the trend readings (table 12b) and the median four-year growth (table 12d)
    b = read("table_12b_england_2025.csv").set_index("method").drop("no_change")
    over = 100 * (b["forecast_2025"] - b["actual_2025"]) / b["actual_2025"]
    assert summary["trend_overshoot_2025_min_pct"] == pytest.approx(over.min(), rel=1e-4)
    assert summary["trend_overshoot_2025_max_pct"] == pytest.approx(over.max(), rel=1e-4)
    growth = read("table_12d_four_year_growth.csv")
    assert summary["four_year_growth_median"] == pytest.approx(growth["growth_4y"].median(), rel=1e-4)
    revisions = read("table_12i_revisions.csv")
    np.testing.assert_allclose(revisions["difference_pct"],
                               100 * revisions["difference"] / revisions["time_series_count"], rtol=1e-4)


def test_no_number_typed_in_markdown():
    """Chapter 12's Markdown cells carry no quantity: every number a reader sees is generated."""
    from carerates.build import claims

    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    typed = [(i, n) for i, c in enumerate(cells) if c["cell_type"] == "markdown"
             for n, _, _ in claims.numbers("".join(c["source"]).replace("ARIMA(0,1,0)", "ARIMA"))]
    assert not typed, typed
