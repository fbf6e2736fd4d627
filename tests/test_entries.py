"""carerates.sources.entries, employment and population_bands: fixtures in each file's layout."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carerates.errors import DataError
from carerates.sources import employment, entries, population_bands

LAS = pd.DataFrame({"gss": ["E06000001", "E06000002", "E06000053", "E10000021"],
                    "la_name": ["Hartlepool", "Middlesbrough", "Isles of Scilly", "Northamptonshire"],
                    "excluded": [False, False, True, False]})
ADM_HEADER = ("New_geog_code,geog_l,geog_c,geog_n,CLA_started2014,CLA_taken2014,SCLA_male,SCLA_female,SCLA_U1,"
              "SCLA_1to4,SCLA_5to9,SCLA_10to15,SCLA_16over,SCLA_AbNeg\n")


def adm(path, rows, header=ADM_HEADER):
    body = "E92000001,NATIONAL,999,ENGLAND,31070,10790,1,1,5810,5870,5530,9000,4870,1\n"
    body += "".join(f"{code},LA,{i},{code},{','.join(str(v) for v in values)},1\n" for i, (code, values) in enumerate(rows))
    path.write_text(header + body, encoding="utf-8")
    return path


def test_adm_layout_under_16_and_suppression(tmp_path):
    # total, taken, male, female, U1, 1-4, 5-9, 10-15, 16+
    path = adm(tmp_path / "2015_SFR34_ADM2015.csv", [
        ("E06000001", [50, 1, 1, 1, 10, 12, "x", 14, "x"]),       # band and 16+ suppressed: unknown
        ("E06000002", [100, 1, 1, 1, 20, 30, 20, 20, 10]),        # complete
        ("E10000021", [40, 1, 1, 1, "x", 10, 10, 10, 8])])        # one band: total - 16+
    out = entries.read_adm(path, 2015, LAS).set_index("gss")
    assert out.loc["E06000002", "under_16"] == 90
    assert out.loc["E10000021", "under_16"] == 32
    assert np.isnan(out.loc["E06000001", "under_16"])
    assert (out["year"] == 2015).all()


def test_adm_missing_la_and_bad_cell_stop_naming_file(tmp_path):
    path = adm(tmp_path / "2016_x_ADM2016.csv", [("E06000001", [50, 1, 1, 1, 10, 12, 8, 14, 6])])
    with pytest.raises(DataError, match=r"2016_x_ADM2016.csv.*Middlesbrough"):
        entries.read_adm(path, 2016, LAS)
    path = adm(tmp_path / "2016_y_ADM2016.csv", [("E06000001", [50, 1, 1, 1, 10, 12, "?", 14, 6]),
                                                 ("E06000002", [5, 1, 1, 1, 1, 1, 1, 1, 1]),
                                                 ("E10000021", [5, 1, 1, 1, 1, 1, 1, 1, 1])])
    with pytest.raises(DataError, match=r"2016_y_ADM2016.csv"):
        entries.read_adm(path, 2016, LAS)


def test_adm_renamed_column_and_shifted_total(tmp_path):
    path = adm(tmp_path / "a.csv", [("E06000001", [50, 1, 1, 1, 10, 12, 8, 14, 6])],
               header=ADM_HEADER.replace("SCLA_U1", "SCLA_Under1"))
    with pytest.raises(DataError, match="SCLA_U1"):
        entries.read_adm(path, 2015, LAS)
    rows = [("E06000001", [500, 1, 1, 1, 10, 12, 8, 14, 6]), ("E06000002", [5, 1, 1, 1, 1, 1, 1, 1, 1]),
            ("E10000021", [5, 1, 1, 1, 1, 1, 1, 1, 1])]
    with pytest.raises(DataError, match="age groups sum to 50, the total is 500"):
        entries.read_adm(adm(tmp_path / "b.csv", rows), 2015, LAS)


def tidy_rows(years, codes, group="Age group"):
    labels = {"Under 1 year": 5, "1 to 4 years": 6, "5 to 9 years": 7, "10 to 15 years": 8,
              "16 years and over": 4, "Total": 30}
    rows = []
    for year in years:
        for code in codes:
            for label, number in labels.items():
                value = "z" if code == "E10000021" and year >= 2021 else str(number)
                if code == "E06000001" and label == "5 to 9 years":
                    value = "c"
                rows.append({"time_period": str(year), "geographic_level": "Local authority", "new_la_code": code,
                             "cla_group": group, "characteristic": label, "number": value})
    return pd.DataFrame(rows)


def test_ees_2022_edition_tidy_layout(tmp_path):
    codes = ["E06000001", "E06000002", "E06000053", "E10000021", "E06000061", "E06000062"]
    frame = tidy_rows(range(2018, 2023), codes)
    frame = frame[~((frame["new_la_code"].isin(["E06000061", "E06000062"])) & (frame["time_period"].astype(int) < 2021))]
    path = tmp_path / "starts.csv"
    frame.to_csv(path, index=False)
    out = entries.read_ees_2022(path, LAS).set_index(["gss", "year"])
    assert out.loc[("E06000002", 2018), "under_16"] == 26
    assert out.loc[("E06000001", 2018), "under_16"] == 26  # 5-9 suppressed: 30 - 4
    assert out.loc[("E06000061", 2022), "total"] == 30  # a successor, kept under its own code
    assert np.isnan(out.loc[("E10000021", 2022), "total"])  # 'z': the council no longer existed
    assert ("E06000061", 2018) not in out.index
    frame.loc[frame["characteristic"] == "Total", "characteristic"] = "All"
    frame.to_csv(path, index=False)
    with pytest.raises(DataError, match="unexpected age group"):
        entries.read_ees_2022(path, LAS)


def test_rds_edition_read_with_pyreadr(tmp_path):
    pyreadr = pytest.importorskip("pyreadr")
    frame = tidy_rows(range(2021, 2026), ["E06000001", "E06000002", "E06000053"], group="Age on starting")
    path = tmp_path / "placements.rds"
    pyreadr.write_rds(str(path), frame)
    out = entries.read_rds(path, range(2021, 2026), LAS)
    assert sorted(out["year"].unique()) == [2021, 2022, 2023, 2024, 2025]
    assert out.set_index(["gss", "year"]).loc[("E06000002", 2025), "total"] == 30
    with pytest.raises(DataError, match="year"):
        entries.read_rds(path, range(2020, 2026), LAS)
    (tmp_path / "bad.rds").write_bytes(b"not R")
    with pytest.raises(DataError, match="bad.rds"):
        entries.read_rds(tmp_path / "bad.rds", range(2021, 2026), LAS)


EMP_HEADER = "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes\n"


def employment_file(path, rows):
    body = "".join(f"{code},{code},x,{indicator},{year}-01-01/P1Y,{value},Percentage,%,,,,\n"
                   for code, indicator, year, value in rows)
    path.write_text(EMP_HEADER + "K02000001,UK,Country,Employment rate,2016-01-01/P1Y,73.8,Percentage,%,,,,\n" + body,
                    encoding="utf-8")
    return path


def test_employment_units_average_successors(tmp_path):
    rows = []
    for year in (2016, 2017):
        rows += [("E06000001", "Employment rate", year, 70.0), ("E06000002", "Employment rate", year, 72.5),
                 ("E06000053", "Employment rate", year, ""), ("E06000061", "Employment rate", year, 76.0),
                 ("E06000062", "Employment rate", year, 80.0 if year == 2016 else ""),
                 ("E06000001", "Economically inactive", year, 20.0)]
    out = employment.employment_units(LAS, employment_file(tmp_path / "e.csv", rows)).set_index(["unit", "year"])
    assert out.loc[("E10000021", 2016), "employment_rate"] == pytest.approx(78.0)
    assert np.isnan(out.loc[("E10000021", 2017), "employment_rate"])  # a member missing: no value
    assert out.loc[("E06000001", 2016), "employment_rate"] == 70.0


def test_employment_errors_name_file(tmp_path):
    path = employment_file(tmp_path / "e.csv", [("E06000001", "Employment rate", 2016, "7o")])
    with pytest.raises(DataError, match="e.csv"):
        employment.read_employment(path)
    path = employment_file(tmp_path / "f.csv", [("E06000001", "Employment rate", 2016, 170)])
    with pytest.raises(DataError, match="outside 0-100"):
        employment.read_employment(path)
    path = employment_file(tmp_path / "g.csv", [("E06000001", "Employment rate", 2016, 70),
                                               ("E10000021", "Employment rate", 2016, 70)])
    with pytest.raises(DataError, match="beside their successors"):
        employment.employment_units(LAS, path)


def nomis(path, rows, years=(2014, 2015)):
    header = ('"Population estimates"\n\n"local authority: county / unitary (as of April 2021)","mnemonic",'
              + ",".join(f'"{y}"' for y in years) + "\n")
    body = "".join(f'"{code}","{code}",' + ",".join(str(v) for v in values) + "\n" for code, values in rows)
    path.write_text(header + body, encoding="utf-8")
    return path


def test_population_bands_sum_and_unit_pairing(tmp_path):
    files = {}
    for band, scale in (("0-4", 1), ("5-9", 2), ("10-14", 3), ("15", 4)):
        files[band] = nomis(tmp_path / f"popest-{band}.csv",
                            [("E06000001", (100 * scale, 110 * scale)), ("E06000061", (10, 10)),
                             ("E06000062", (5, 5))])
    out = population_bands.population_units(LAS, files).set_index(["unit", "year"])
    assert out.loc[("E06000001", 2015), "pop_0_15"] == 1000  # mid-2014 -> year ending March 2015
    assert out.loc[("E06000001", 2016), "pop_5_9"] == 220
    assert out.loc[("E10000021", 2016), "pop_0_15"] == 60  # North + West Northamptonshire summed
    files["15"] = nomis(tmp_path / "odd.csv", [("E06000001", (1, 1))])
    with pytest.raises(DataError, match="odd.csv"):
        population_bands.read_bands(files)


def test_edition_revisions_compare_each_pair_where_both_publish():
    """Two councils, three editions: a year counted once is not compared; a missing count is left out;
    the later edition's change is counted, summed and its largest size kept."""
    def edition(rows):
        return pd.DataFrame(rows, columns=["gss", "year", "under_16"])

    editions = {
        "2022": edition([("E06000001", 2021, 10.0), ("E06000002", 2021, 20.0),
                         ("E06000001", 2022, 12.0), ("E06000002", 2022, np.nan)]),
        "2020_2024": edition([("E06000001", 2022, 15.0), ("E06000002", 2022, 30.0),
                              ("E06000001", 2023, 7.0)]),
        "2021_2025": edition([("E06000001", 2021, 10.0), ("E06000002", 2021, 21.0)]),
    }
    table = entries.edition_revisions(editions).set_index(["year", "earlier_edition", "later_edition"])
    assert list(table.index) == [(2022, "2022", "2020_2024"), (2021, "2022", "2021_2025")]
    first = table.loc[(2022, "2022", "2020_2024")]
    assert first["councils"] == 1 and first["under_16_differs"] == 1  # E06000002's 2022 is missing in one
    assert first["largest_change"] == 3 and first["total_change_pct"] == pytest.approx(25.0)
    second = table.loc[(2021, "2022", "2021_2025")]
    assert second["councils"] == 2 and second["under_16_differs"] == 1 and second["largest_change"] == 1
    assert second["entries_earlier"] == 30 and second["entries_later"] == 31
    assert second["edition_used"] == entries.EDITION_OF_YEAR[2021]
