"""LAIT's weekly unit cost of social work per child in need."""
from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from carerates import paths
from carerates.errors import DataError
from carerates.sources import finance
from carerates.sources.finance import weekly_unit_cost


def spend_panel():
    rows = []
    for gss, base in [("E09000001", 365_000.0), ("E09000007", 3_650_000.0)]:
        for year in range(2012, 2017):
            rows.append({"gss": gss, "year": year, "spend_net": base, "spend_gross": base * 1.1})
    return pd.DataFrame(rows)


def cin_panel():
    rows = []
    for gss, counts in [("E09000001", [10, 20, 40, 50, 100]), ("E09000007", [100, np.nan, 100, 200, 400])]:
        for year, count in zip(range(2012, 2017), counts):
            rows.append({"gss": gss, "year": year, "cin_published": count})
    return pd.DataFrame(rows)


def test_formula_and_lait_proxy_for_2016():
    table = weekly_unit_cost(spend_panel(), cin_panel()).set_index(["gss", "year"])
    # 365,000 / 10 / 365 * 7 = 700 per child per week
    assert table.loc[("E09000001", 2012), "unit_cost"] == pytest.approx(700.0)
    # 2016 divides by the 2015 count (50), not the 2016 one (100)
    assert table.loc[("E09000001", 2016), "cin_year"] == 2015
    assert table.loc[("E09000001", 2016), "unit_cost"] == pytest.approx(365_000 / 50 / 365 * 7)
    assert table.loc[("E09000007", 2016), "unit_cost"] == pytest.approx(3_650_000 / 200 / 365 * 7)


def test_own_year_count_when_proxy_switched_off():
    table = weekly_unit_cost(spend_panel(), cin_panel(), cin_year={}).set_index(["gss", "year"])
    assert table.loc[("E09000001", 2016), "unit_cost"] == pytest.approx(365_000 / 100 / 365 * 7)


def test_gross_measure_and_missing_count():
    table = weekly_unit_cost(spend_panel(), cin_panel(), measure="gross").set_index(["gss", "year"])
    assert table.loc[("E09000001", 2012), "unit_cost"] == pytest.approx(770.0)
    assert np.isnan(table.loc[("E09000007", 2013), "unit_cost"])
    assert len(table) == 10


def test_bad_measure_and_zero_count():
    with pytest.raises(ValueError, match="measure"):
        weekly_unit_cost(spend_panel(), cin_panel(), measure="total")
    cin = cin_panel()
    cin.loc[0, "cin_published"] = 0
    with pytest.raises(DataError, match="zero or less"):
        weekly_unit_cost(spend_panel(), cin)


def test_unknown_la_number_fails():
    las = pd.DataFrame({"gss": ["E09000001"], "la_number": [201], "la_name": ["City of London"],
                        "excluded": [False]})
    frame = pd.DataFrame({"la_number": [201, 999], "year": [2013, 2013], "cin": [1.0, 2.0]})
    with pytest.raises(DataError, match=r"s251.*unknown LA number.*999"):
        finance._to_gss(frame, "s251", las)


@pytest.mark.skipif(not paths.raw("finance", "s251", "s251ye2012.xlsx").exists(), reason="raw files absent")
def test_build_tables_on_the_raw_files(monkeypatch):
    # the real readers on the raw files (read once for this module: the stop tests below reuse them)
    _raw_once(monkeypatch, *_READERS)
    tables = finance.build_tables(_real_las())
    spend, cin, unit_cost = tables["s251_social_work"], tables["children_in_need"], tables["unit_cost"]
    assert len(spend) == 152 * 6 and len(unit_cost) == 152 * 5
    assert unit_cost.loc[unit_cost["year"] == 2016, "cin_year"].eq(2015).all()
    # six LA-years of the analysis LAs lack an as-published count in 2012-2015
    analysed = ~unit_cost["gss"].eq("E06000053")
    assert int(unit_cost.loc[analysed, "unit_cost_net"].isna().sum()) == 6
    # the revised series starts in 2013
    assert cin.loc[cin["year"] == 2012, "cin_revised"].isna().all()
    # the national weekly cost is in the range LAIT publishes (tens to a few hundred pounds)
    assert 50 < unit_cost["unit_cost_net"].median() < 200


needs_raw = pytest.mark.skipif(not paths.raw("finance", "s251", "s251ye2012.xlsx").exists(),
                               reason="raw files absent")


@functools.cache
def _read_las():
    from carerates.las import build_la_table
    from carerates.sources.cla import LAA1_RELEASES, read_laa1

    file, first, last = LAA1_RELEASES["SFR50_2017"]
    return build_la_table(read_laa1(paths.raw(file), first, last)[0])


def _real_las():
    return _read_las().copy()


#: The real raw readers, as imported (before any test monkeypatches them).
_READERS = {name: getattr(finance, name) for name in ("load_s251", "load_cin_published", "load_cin_revised")}


@functools.cache
def _read_once(name, *args):
    return _READERS[name](*args)


def _raw_once(monkeypatch, *names):
    """The raw readers of ``names`` read each workbook once for this module's stop tests (a
    fresh copy each call, as the tests alter what they get): the same tables, ~1 s less each."""
    for name in names:
        monkeypatch.setattr(finance, name, lambda *args, name=name: _read_once(name, *args).copy())


@needs_raw
def test_s251_year_missing_las_stops_naming_its_workbook(monkeypatch):
    """A Table A1 that lost LAs (a truncated workbook) must not pass as a smaller year."""
    _raw_once(monkeypatch, "load_cin_published", "load_cin_revised")
    real = lambda: _read_once("load_s251").copy()  # noqa: E731

    def partial():
        frame = real()
        return frame[~((frame["year"] == 2015) & frame["la_number"].isin([201, 202, 203]))]

    monkeypatch.setattr(finance, "load_s251", partial)
    with pytest.raises(DataError) as err:
        finance.build_tables(_real_las())
    text = str(err.value)
    assert finance.S251_FILES[2015][0].rsplit("/", 1)[-1] in text
    assert "2015: 3 of 152 LAs missing" in text and "Camden (E09000007)" in text


@needs_raw
def test_cin_count_missing_beyond_the_declared_gaps_stops(monkeypatch):
    _raw_once(monkeypatch, "load_s251", "load_cin_revised")
    real = lambda: _read_once("load_cin_published").copy()  # noqa: E731

    def blanked():
        frame = real().copy()
        frame.loc[(frame["year"] == 2016) & (frame["la_number"] == 202), "cin"] = np.nan
        return frame

    monkeypatch.setattr(finance, "load_cin_published", blanked)
    with pytest.raises(DataError, match=r"2016: 1 of 152 LAs missing with a value in 'cin_published': "
                                        r"Camden \(E09000007\)"):
        finance.build_tables(_real_las())
