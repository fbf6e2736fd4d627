"""carerates.sources.cla, UASC: sheet LAA4, the underlying CLA_UASC column, rates without UASC."""
from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

from carerates.errors import DataError
from carerates.las import build_la_table
from carerates.sources import cla

LAS = [("E06000005", 841, "Darlington", "North East"), ("E08000037", 390, "Gateshead", "North East"),
       ("E09000008", 306, "Croydon", "Outer London"), ("E06000053", 420, "Isles Of Scilly", "South West")]


@pytest.fixture
def las():
    return build_la_table(pd.DataFrame(LAS, columns=["gss", "la_number", "la_name", "region"]))


def write_laa4(path, years, rows, year_row=None):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "LAA4"
    sheet.append(["Back to Contents"])
    sheet.append(["Table LAA4: Unaccompanied asylum seeking children looked after at 31 March"])
    sheet.append([None])
    sheet.append([None, None, None, None] + list(year_row if year_row is not None else years))
    sheet.append([None])
    sheet.append([None, None, "England"] + [None] + [1000] * len(years))
    sheet.append([None, None, "North East"] + [None] + [20] * len(years))
    for row in rows:
        sheet.append(list(row))
    sheet.append([None])
    sheet.append(["x   Figures not shown in order to protect confidentiality."])
    book.save(path)
    return path


ROWS = [("E06000005", 841, "Darlington", None, 0, 0, "x"),
        ("E08000020", 390, "Gateshead", None, 5, 5, 10),  # old Gateshead code
        ("E09000008", 306, "Croydon", None, 400, 450, 865)]


def test_read_laa4_long_with_suppression(tmp_path):
    path = write_laa4(tmp_path / "laa4.xlsx", [2015, 2016, 2017], ROWS)
    table = cla.read_laa4(path, 2015, 2017)
    assert len(table) == 9
    croydon = table[table["gss"] == "E09000008"].set_index("year")["uasc_rounded"]
    assert croydon.to_dict() == {2015: 400.0, 2016: 450.0, 2017: 865.0}
    darlington = table[table["gss"] == "E06000005"].set_index("year")["uasc_rounded"]
    assert darlington[2015] == 0 and np.isnan(darlington[2017])


def test_read_laa4_rejects_moved_years(tmp_path):
    path = write_laa4(tmp_path / "laa4.xlsx", [2015, 2016, 2017], ROWS, year_row=[2016, 2017, 2018])
    with pytest.raises(DataError, match="LAA4.*years"):
        cla.read_laa4(path, 2015, 2017)


def test_read_laa4_rejects_unknown_text(tmp_path):
    rows = ROWS[:2] + [("E09000008", 306, "Croydon", None, 400, "lots", 865)]
    path = write_laa4(tmp_path / "laa4.xlsx", [2015, 2016, 2017], rows)
    with pytest.raises(DataError, match="laa4.xlsx"):
        cla.read_laa4(path, 2015, 2017)


def test_read_laa4_rejects_duplicated_la(tmp_path):
    path = write_laa4(tmp_path / "laa4.xlsx", [2015, 2016, 2017], ROWS + [ROWS[0]])
    with pytest.raises(DataError, match="twice"):
        cla.read_laa4(path, 2015, 2017)


def write_underlying(directory, year, rows, column="CLA_UASC"):
    directory.mkdir(exist_ok=True)
    lines = [f"New_geog_code,geog_l,geog_c,geog_n,CLA_Mar{year},{column}", "E92000001,NATIONAL,921,ENGLAND,70000,4000"]
    lines += [f"{g},LA,{n},{name},{cla_n},{u}" for g, n, name, cla_n, u in rows]
    (directory / f"{year}_SFR99_CLA{year}.csv").write_text("\n".join(lines) + "\n")


def test_underlying_uasc_and_table(tmp_path, las):
    directory = tmp_path / "underlying"
    write_underlying(directory, 2016, [("E06000005", 841, "Darlington", 200, "x"), ("E08000020", 390, "Gateshead", 300, 7),
                                       ("E09000008", 306, "Croydon", 800, 451)])
    write_underlying(directory, 2017, [("E06000005", 841, "Darlington", 210, "x"), ("E08000037", 390, "Gateshead", 310, 9),
                                       ("E09000008", 306, "Croydon", 900, 867)])
    underlying = cla.read_underlying_uasc(directory, las, years=[2016, 2017])
    assert set(underlying["gss"]) == {"E06000005", "E08000037", "E09000008"}
    laa4 = pd.DataFrame({"gss": ["E06000005", "E06000005", "E09000008"], "year": [2016, 2017, 2017],
                         "uasc_rounded": [0.0, np.nan, 865.0]})
    table = cla.uasc_table(underlying, {"SFR50_2017": laa4}, las).set_index(["gss", "year"])
    # underlying first; LAA4 fills a count the underlying data suppress; both suppressed -> flagged
    assert table.loc[("E09000008", 2017), "uasc"] == 867
    assert table.loc[("E06000005", 2016), "uasc"] == 0
    assert table.loc[("E06000005", 2017), "uasc_suppressed"]
    assert not table.loc[("E08000037", 2017), "uasc_suppressed"]
    assert "E06000053" not in table.index.get_level_values("gss")  # Isles of Scilly excluded


def test_underlying_uasc_requires_the_column(tmp_path, las):
    directory = tmp_path / "underlying"
    write_underlying(directory, 2017, [("E06000005", 841, "Darlington", 210, 3)], column="CLA_ASYLUM")
    with pytest.raises(DataError, match="CLA_UASC"):
        cla.read_underlying_uasc(directory, las, years=[2017])


def test_underlying_uasc_rejects_unknown_la(tmp_path, las):
    directory = tmp_path / "underlying"
    write_underlying(directory, 2017, [("E06000999", 999, "Nowhere", 210, 3)])
    with pytest.raises(DataError, match="E06000999"):
        cla.read_underlying_uasc(directory, las, years=[2017])


def test_rates_excluding_uasc_scale_the_published_rate():
    rates = pd.DataFrame({"gss": ["A", "B", "C"], "year": 2017, "rate_per_10k": [100.0, 50.0, 60.0]})
    counts = pd.DataFrame({"gss": ["A", "B", "C"], "year": 2017, "cla_unrounded": [1000.0, 200.0, 0.0]})
    uasc = pd.DataFrame({"gss": ["A", "B", "C"], "year": 2017, "uasc": [250.0, np.nan, 0.0]})
    out = cla.rates_excluding_uasc(rates, counts, uasc).set_index("gss")
    assert out.loc["A", "rate_excl_uasc"] == pytest.approx(75.0)
    assert out.loc["A", "uasc_share"] == pytest.approx(25.0)
    assert out.loc["B", "rate_excl_uasc"] == pytest.approx(50.0)  # suppressed taken as 0
    assert out.loc["C", "rate_excl_uasc"] == pytest.approx(60.0)  # no division by zero
    upper = cla.rates_excluding_uasc(rates, counts, uasc, suppressed_as=5).set_index("gss")
    assert upper.loc["B", "rate_excl_uasc"] == pytest.approx(50.0 * (1 - 5 / 200))
