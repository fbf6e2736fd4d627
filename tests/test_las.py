"""carerates.las: the canonical LA table and matching codes, numbers and names onto it."""
from __future__ import annotations

import pandas as pd
import pytest

from carerates import las as L
from carerates.errors import DataError

#: (gss, DfE number, DfE 2017 name, region): a small synthetic LAA1 extract.
ROWS = [
    ("E06000004", 808, "Stockton-On-Tees", "North East"),
    ("E06000047", 840, "Durham", "North East"),
    ("E06000057", 929, "Northumberland", "North East"),
    ("E08000037", 390, "Gateshead", "North East"),
    ("E08000013", 342, "St. Helens", "North West"),
    ("E06000010", 810, "Kingston Upon Hull, City of", "Yorkshire and The Humber"),
    ("E06000014", 816, "York", "Yorkshire and The Humber"),
    ("E06000019", 884, "Herefordshire", "West Midlands"),
    ("E10000015", 919, "Hertfordshire", "East of England"),
    ("E09000007", 202, "Camden", "Inner London"),
    ("E09000003", 302, "Barnet", "Outer London"),
    ("E06000043", 846, "Brighton and Hove", "South East"),
    ("E06000035", 887, "Medway Towns", "South East"),
    ("E06000023", 801, "Bristol, City of", "South West"),
    ("E06000053", 420, "Isles of Scilly", "South West"),
]


def fake_laa1(rows=ROWS):
    frame = pd.DataFrame(rows, columns=["gss", "la_number", "la_name", "region"])
    frame["number_2017"] = 100.0
    frame["rate_2017"] = 50.0
    return frame


@pytest.fixture
def las():
    return L.build_la_table(fake_laa1())


# --- build_la_table --------------------------------------------------------------------------

def test_build_la_table_columns_and_types(las):
    assert list(las.columns) == ["gss", "la_number", "la_name", "la_type", "region", "excluded"]
    assert len(las) == len(ROWS)
    types = dict(zip(las["gss"], las["la_type"]))
    assert types["E06000004"] == "Unitary authority"
    assert types["E08000037"] == "Metropolitan district"
    assert types["E09000007"] == "London borough"
    assert types["E10000015"] == "County council"
    assert las["la_number"].dtype == "int64"


def test_build_la_table_excludes_only_the_isles_of_scilly(las):
    assert las.loc[las["excluded"], "gss"].tolist() == ["E06000053"]
    assert las["excluded"].dtype == bool
    analysis = L.analysis_las(las)
    assert len(analysis) == len(ROWS) - 1
    assert "E06000053" not in set(analysis["gss"])


def test_build_la_table_region_order_and_sorting(las):
    assert isinstance(las["region"].dtype, pd.CategoricalDtype)
    assert list(las["region"].cat.categories) == list(L.REGIONS)
    assert las["region"].cat.ordered
    # Sorted by region in DfE order, then by name.
    regions = las["region"].astype(str).tolist()
    assert regions == sorted(regions, key=L.REGIONS.index)
    north_east = las.loc[las["region"] == "North East", "la_name"].tolist()
    assert north_east == sorted(north_east)


def test_build_la_table_unknown_region_raises():
    rows = ROWS + [("E09000001", 201, "City of London", "London")]  # the combined header, not a region
    with pytest.raises(DataError) as err:
        L.build_la_table(fake_laa1(rows))
    assert "London" in str(err.value)


def test_regions_are_the_ten_of_dfe():
    assert len(L.REGIONS) == 10
    assert "London" not in L.REGIONS
    assert {"Inner London", "Outer London"} <= set(L.REGIONS)


# --- canonical_gss --------------------------------------------------------------------------------

def test_canonical_gss_maps_old_codes(las):
    codes = pd.Series(["E08000020", "E06000048", " E06000004 ", "E08000037"], index=[5, 6, 7, 8])
    out = L.canonical_gss(codes, "release.csv", las)
    assert out.tolist() == ["E08000037", "E06000057", "E06000004", "E08000037"]
    assert out.index.tolist() == [5, 6, 7, 8]


def test_canonical_gss_unknown_code_raises(las, tmp_path):
    path = tmp_path / "release.csv"
    with pytest.raises(DataError) as err:
        L.canonical_gss(pd.Series(["E06000004", "E06000999"]), path, las)
    assert str(path) in str(err.value)
    assert "E06000999" in str(err.value)


def test_canonical_gss_region_code_is_not_an_la(las):
    with pytest.raises(DataError):
        L.canonical_gss(pd.Series(["E12000001"]), "release.csv", las)


def test_canonical_gss_allow_passes_through(las):
    out = L.canonical_gss(pd.Series(["E92000001", "E06000004"]), "f", las, allow={"E92000001"})
    assert out.tolist() == ["E92000001", "E06000004"]


# --- gss_from_number ----------------------------------------------------------------------------------

def test_gss_from_number(las):
    numbers = pd.Series(["808", " 390", "420", "202"], index=list("abcd"))
    out = L.gss_from_number(numbers, "f.csv", las)
    assert out.tolist() == ["E06000004", "E08000037", "E06000053", "E09000007"]
    assert out.index.tolist() == list("abcd")


def test_gss_from_number_accepts_integers(las):
    assert L.gss_from_number(pd.Series([919, 302]), "f", las).tolist() == ["E10000015", "E09000003"]


@pytest.mark.parametrize("bad", ["999", "abc", ""])
def test_gss_from_number_unknown_raises(las, tmp_path, bad):
    path = tmp_path / "f.csv"
    with pytest.raises(DataError) as err:
        L.gss_from_number(pd.Series(["808", bad]), path, las)
    assert str(path) in str(err.value)
    if bad:
        assert bad in str(err.value)


# --- gss_from_name ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, gss", [
    ("Stockton-On-Tees", "E06000004"),
    ("Stockton-on-Tees", "E06000004"),
    ("Stockton on Tees", "E06000004"),
    ("Stockton", "E06000004"),                      # alias
    ("St. Helens", "E08000013"),
    ("St Helens", "E08000013"),
    ("St.Helens", "E08000013"),
    ("Brighton & Hove", "E06000043"),
    ("Brighton and Hove", "E06000043"),
    ("Bristol, City of", "E06000023"),
    ("City of Bristol", "E06000023"),               # 'City of' first
    ("Bristol", "E06000023"),
    ("Kingston upon Hull, City of", "E06000010"),
    ("Kingston upon Hull", "E06000010"),
    ("City of Kingston upon Hull", "E06000010"),
    ("City of York", "E06000014"),
    ("York, City of", "E06000014"),
    ("County Durham", "E06000047"),
    ("Durham County Council", "E06000047"),
    ("Herefordshire, County of", "E06000019"),
    ("Hertfordshire County Council", "E10000015"),
    ("Medway", "E06000035"),
    ("  CAMDEN ", "E09000007"),
    ("Barnet Council", "E09000003"),
])
def test_gss_from_name_variants(las, name, gss):
    assert L.gss_from_name(pd.Series([name]), "f", las).tolist() == [gss]


def test_gss_from_name_keeps_index(las):
    out = L.gss_from_name(pd.Series(["Camden", "Barnet"], index=[3, 9]), "f", las)
    assert out.index.tolist() == [3, 9]
    assert out.name == "gss"


def test_gss_from_name_source_aliases(las):
    aliases = {"Hull and East Riding": "Kingston upon Hull, City of"}
    out = L.gss_from_name(pd.Series(["Hull and East Riding"]), "f", las, aliases=aliases)
    assert out.tolist() == ["E06000010"]


def test_gss_from_name_lists_every_unmatched_name(las, tmp_path):
    path = tmp_path / "names.csv"
    names = pd.Series(["Camden", "Atlantis", "Barnet", "Narnia", "Atlantis"])
    with pytest.raises(DataError) as err:
        L.gss_from_name(names, path, las)
    message = str(err.value)
    assert str(path) in message
    assert "Atlantis" in message and "Narnia" in message
    assert "Camden" not in message


def test_normalise_name():
    assert L.normalise_name("Brighton & Hove") == "brighton and hove"
    assert L.normalise_name("St. Helens") == "st helens"
    assert L.normalise_name("Bristol, City of") == "bristol city of"
    assert L.normalise_name("Hertfordshire County Council") == "hertfordshire"


def test_build_la_table_with_expected_count_refuses_a_partial_sheet():
    laa1 = fake_laa1()
    L.build_la_table(laa1, "SFR50.xlsx", expected=len(laa1))
    with pytest.raises(DataError, match=r"SFR50.xlsx: sheet LAA1 lists \d+ LAs, expected \d+ \(truncated"):
        L.build_la_table(laa1.iloc[:-1], "SFR50.xlsx", expected=len(laa1))
