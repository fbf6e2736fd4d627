"""carerates.later: the 2018-2025 editions on the 2017 geography (latest edition wins per unit-year)."""
from __future__ import annotations

import pandas as pd
import pytest

from carerates import later
from carerates.errors import DataError

LAS = pd.DataFrame({"gss": ["E06000005", "E10000023", "E10000021"]})
OLD_HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
              "old_la_code,la_name,new_la_code,population_count,population_estimate,number,rate_per_10000\n")
NEW_HEADER = OLD_HEADER.replace("population_count", "population_type").replace(",number,", ",children_count,")
CLA = "Children looked after at 31 March each year"


def edition(path, header, rows):
    lines = [header]
    for year, level, region, code, name, pop, count, rate in rows:
        lines.append(f'{year},Reporting year,{level},E92000001,England,,{region},,"{name}",{code},{CLA},{pop},{count},{rate}\n')
        lines.append(f'{year},Reporting year,{level},E92000001,England,,{region},,"{name}",{code},'
                     f'Children ceasing to be looked after each year,{pop},1,1\n')
    path.write_text("".join(lines), encoding="utf-8")
    return str(path)


@pytest.fixture
def editions(tmp_path):
    # Edition names the real releases do not use, so the fixtures (a few councils and years) are
    # not held to a real edition's coverage of every LA and year; their order is the real one.
    first = edition(tmp_path / "a.csv", OLD_HEADER, [
        (2020, "Local authority", "", "E06000005", "Darlington", 22000, 200, 91),
        (2021, "Local authority", "", "E06000005", "Darlington", 22000, 210, 95),
        (2020, "Local authority", "", "E10000023", "North Yorkshire", 117000, 443, 38),
        (2020, "Local authority", "", "E10000021", "Northamptonshire", 170000, 1157, 68),
        (2020, "National", "", "", "", 11000000, 80000, 67),
        (2020, "Regional", "Yorkshire and The Humber", "", "", 1000000, 7800, 78),
    ])
    second = edition(tmp_path / "b.csv", NEW_HEADER, [
        (2021, "Local authority", "", "E06000005", "Darlington", 21000, 210, 100),
        (2021, "Local authority", "", "E06000065", "North Yorkshire", 114000, 422, 37),
        (2022, "Local authority", "", "E06000061", "North Northamptonshire", 79000, 525, 66),
        (2022, "Local authority", "", "E06000062", "West Northamptonshire", 92000, 658, 71),
        (2022, "Local authority", "", "E10000021", "Northamptonshire", "x", "z", "z"),
        (2021, "National", "", "", "", 11500000, 80800, 70),
    ])
    return {"fixture_2018_2022": first, "fixture_2020_2024": second}


def test_latest_edition_wins_per_unit_and_year(editions):
    rows, overlaps = later.later_council_rows(LAS, editions)
    rows = rows.set_index(["gss", "year"])
    assert rows.loc[("E06000005", 2021), "rate"] == 100  # the later edition's rebased rate
    assert rows.loc[("E06000005", 2020), "edition"] == "fixture_2018_2022"  # only the earlier edition has 2020
    assert ("E10000021", 2022) not in rows.index  # a 'z' row is no report
    row = overlaps.set_index("year").loc[2021]
    assert row["councils"] == 1 and row["rate_differs"] == 1 and row["largest_rate_change"] == 5
    assert row["edition_used"] == "fixture_2020_2024"


def test_same_area_under_old_and_new_code_is_not_counted_twice(tmp_path):
    both = {"fixture_2018_2022": edition(tmp_path / "a.csv", OLD_HEADER, [
        (2021, "Local authority", "", "E10000023", "North Yorkshire", 117670, 422, 36)]),
        "fixture_2020_2024": edition(tmp_path / "b.csv", NEW_HEADER, [
        (2021, "Local authority", "", "E06000065", "North Yorkshire", 113716, 422, 37)])}
    rows, _ = later.later_council_rows(LAS, both)
    assert rows[["gss", "year"]].values.tolist() == [["E06000065", 2021]]


def test_area_rates_read_england_and_regions(editions):
    out = later.read_area_rates(editions["fixture_2018_2022"], "2018_2022").set_index(["area", "year"])
    assert out.loc[("England", 2020), "rate"] == 67
    assert out.loc[("Yorkshire and The Humber", 2020), "cla_count"] == 7800


def test_area_rates_need_their_columns(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("time_period,geographic_level\n2020,National\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"c\.csv: expected column"):
        later.read_area_rates(path, "x")


def test_unknown_la_code_in_an_edition(tmp_path):
    bad = {"2018_2022": edition(tmp_path / "a.csv", OLD_HEADER, [
        (2020, "Local authority", "", "E06000999", "Nowhere", 1, 1, 1)])}
    with pytest.raises(DataError, match=r"a\.csv: unknown LA code"):
        later.later_council_rows(LAS, bad)


def test_difference_ci_matches_zou_for_fisher_intervals():
    from carerates import stats

    study = (-0.24, *stats.spearman_ci(-0.24, 151))
    later_ = (0.13, *stats.spearman_ci(0.13, 149))
    d, low, high = later.difference_ci(study, later_)
    assert d == pytest.approx(0.37)
    # Zou (2007): L = d - sqrt((r1 - l1)^2 + (u2 - r2)^2), U = d + sqrt((u1 - r1)^2 + (r2 - l2)^2)
    assert low == pytest.approx(d - ((later_[0] - later_[1]) ** 2 + (study[2] - study[0]) ** 2) ** 0.5)
    assert high == pytest.approx(d + ((later_[2] - later_[0]) ** 2 + (study[0] - study[1]) ** 2) ** 0.5)
    assert 0 < low < d < high
    assert later.comparison(study[0], later_[0], low, high) == "reversed"
    # the same estimate twice: the interval straddles 0
    same = later.difference_ci(study, study)
    assert same[0] == 0 and later.comparison(study[0], study[0], same[1], same[2]) == "no clear change"
    assert later.comparison(0.3, 0.6, 0.1, 0.5) == "stronger" and later.comparison(0.6, 0.3, -0.5, -0.1) == "weaker"


def test_within_sd_ignores_the_spread_between_entities():
    frame = pd.DataFrame({"la": ["a"] * 3 + ["b"] * 3, "year": [1, 2, 3] * 2,
                          "x": [10.0, 11.0, 12.0, 50.0, 51.0, 52.0]})
    # both LAs move the same way each year: the year means absorb it, nothing is left within
    assert later.within_sd(frame, "x", "la", "year") == pytest.approx(0.0, abs=1e-12)
    frame.loc[frame.index[-1], "x"] = 54.0
    assert 0 < later.within_sd(frame, "x", "la", "year") < frame["x"].std() / 10
