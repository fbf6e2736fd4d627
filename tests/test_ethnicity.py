"""carerates.sources.ethnicity: Census 2011 districts summed to 2017 LAs, Census 2021 on 2017 units."""
from __future__ import annotations

import csv

import pandas as pd
import pytest

from carerates.errors import DataError
from carerates.las import build_la_table
from carerates.sources import ethnicity as eth

LAS = [("E06000001", 805, "Hartlepool", "North East"), ("E08000037", 390, "Gateshead", "North East"),
       ("E10000015", 919, "Hertfordshire", "East of England"), ("E06000028", 837, "Bournemouth", "South West"),
       ("E06000029", 836, "Poole", "South West"), ("E10000009", 835, "Dorset", "South West"),
       ("E06000053", 420, "Isles Of Scilly", "South West")]
HEADER = ["date", "geography", "geography code", "Rural Urban", *eth._COLUMNS_2011.values()]


@pytest.fixture
def las():
    return build_la_table(pd.DataFrame(LAS, columns=["gss", "la_number", "la_name", "region"]))


def row(name, code, white, mixed=10, asian=20, black=30, other=5, total=None):
    total = white + mixed + asian + black + other if total is None else total
    return ["2011", name, code, "Total", total, white, mixed, asian, black, other]


def write(path, header, rows):
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:  # with a byte-order mark, as ONS writes
        writer = csv.writer(handle, quoting=csv.QUOTE_NONNUMERIC)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def census_2011(tmp_path, extra=()):
    rows = [row("Hartlepool", "E06000001", 900), row("Gateshead", "E08000020", 800),  # old Gateshead code
            row("Stevenage", "E07000101", 700),  # 2011 code, recoded by 2016: matched by name
            row("Dacorum", "E07000096", 600), row("Bournemouth", "E06000028", 500), row("Poole", "E06000029", 400),
            row("Purbeck", "E07000051", 300), row("Isles of Scilly", "E06000053", 100),
            row("Cardiff", "W06000015", 1000), *extra]
    lookup = write(tmp_path / "lookup.csv", ["LTLA16CD", "LTLA16NM", "UTLA16CD", "UTLA16NM", "ObjectId"],
                   [["E07000243", "Stevenage", "E10000015", "Hertfordshire", 1],
                    ["E07000096", "Dacorum", "E10000015", "Hertfordshire", 2],
                    ["E07000051", "Purbeck", "E10000009", "Dorset", 3]])
    return write(tmp_path / "c2011.csv", HEADER, rows), lookup


def test_2011_districts_are_summed_to_their_2017_county(tmp_path, las):
    out = eth.read_census_2011(*census_2011(tmp_path), las)
    assert sorted(out.index) == sorted(las["gss"])
    herts = out.loc["E10000015"]
    assert herts["white"] == 1300 and herts["total"] == 1300 + 2 * 65
    assert herts["share_black"] == pytest.approx(100 * 60 / 1430)
    assert out.loc["E08000037", "white"] == 800
    assert out[[f"share_{g}" for g in eth.GROUPS]].sum(axis=1).round(9).eq(100).all()


def test_2011_unknown_district_and_bad_totals_stop(tmp_path, las):
    with pytest.raises(DataError, match="E07000999"):
        eth.read_census_2011(*census_2011(tmp_path, [row("Nowhere", "E07000999", 10)]), las)
    path, lookup = census_2011(tmp_path)
    rows = list(csv.reader(open(path, encoding="utf-8-sig")))[1:]
    rows[0][4] = "1"  # all categories no longer the sum of the groups
    write(path, HEADER, rows)
    with pytest.raises(DataError, match="do not add up"):
        eth.read_census_2011(path, lookup, las)


def test_2011_missing_la_stops(tmp_path, las):
    path, lookup = census_2011(tmp_path)
    rows = [r for r in list(csv.reader(open(path, encoding="utf-8-sig")))[1:] if r[2] != "E06000001"]
    write(path, HEADER, rows)
    with pytest.raises(DataError, match="E06000001"):
        eth.read_census_2011(path, lookup, las)


def census_2021(tmp_path, codes=("E06000001", "E08000037", "E10000015", "E06000058", "E06000059", "E06000053"),
                extra=()):
    names = {"1": "Asian, Asian British or Asian Welsh: Bangladeshi", "6": "Black, Black British, Black Welsh, "
             "Caribbean or African: African", "9": "Mixed or Multiple ethnic groups: White and Asian",
             "13": "White: English, Welsh, Scottish, Northern Irish or British", "14": "White: Irish",
             "19": "Other ethnic group: Any other ethnic group"}
    rows = []
    for k, code in enumerate(codes):
        rows.append([code, code, "-8", "Does not apply", 0])
        for cat, name in names.items():
            rows.append([code, code, cat, name, 100 * (k + 1) + int(cat)])
    header = ["2023 Upper tier local authorities Code", "2023 Upper tier local authorities",
              "Ethnic group (20 categories) Code", "Ethnic group (20 categories)", "Observation"]
    return write(tmp_path / "c2021.csv", header, rows + list(extra))


def test_2021_is_summed_onto_the_2017_units(tmp_path, las):
    out = eth.read_census_2021(census_2021(tmp_path), las)
    bpd = "E06000028+E06000029+E10000009"
    assert bpd in out.index and "E06000058" not in out.index
    assert out.loc[bpd, "white"] == (400 + 13 + 400 + 14) + (500 + 13 + 500 + 14)
    assert out.loc["E06000001", "asian"] == 101
    assert out.loc["E06000001", "share_white"] == pytest.approx(100 * 227 / (101 + 106 + 109 + 227 + 119))


def test_2021_unknown_group_or_missing_unit_stops(tmp_path, las):
    with pytest.raises(DataError, match="unknown ethnic group"):
        eth.read_census_2021(census_2021(tmp_path, extra=[["E06000001", "x", "20", "Martian: any", 3]]), las)
    with pytest.raises(DataError, match="E10000015"):
        eth.read_census_2021(census_2021(tmp_path, codes=("E06000001", "E08000037", "E06000058", "E06000059")), las)
