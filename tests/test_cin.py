"""Children in need at 31 March: as-published release files and the revised series."""
from __future__ import annotations

import numpy as np
import pytest

from carerates.errors import DataError
from carerates.sources import cin as cin_module
from carerates.sources.cin import read_cin_release, read_cin_revised


def write_release(path, column="CINAt310313", rows=None, new_code=True):
    """An underlying-data CSV as DfE writes it: national row first, quoted thousands."""
    rows = rows or [("201", '"36"'), ("202", '"1,512"'), ("311", ".."), ("420", "x")]
    head = "geog_l,geog_c," + ("new_la_code," if new_code else "") + f"geog_n,CINThro1213,{column},Other"
    lines = [head, "National,921," + ("E92000001," if new_code else "") + 'England,"600,000","378,600",1']
    for number, value in rows:
        lines.append(f"LA,{number}," + ("E0x," if new_code else "") + f"LA {number},10,{value},1")
    path.write_text("\n".join(lines) + "\n", encoding="latin-1")
    return path


def test_release_parses_separators_and_suppression(tmp_path):
    table = read_cin_release(write_release(tmp_path / "SFR45-2013ud.csv"), "CINAt310313", 2013)
    assert table["la_number"].tolist() == [201, 202, 311, 420]
    assert table["cin"].iloc[:2].tolist() == [36.0, 1512.0]
    assert np.isnan(table["cin"].iloc[2]) and np.isnan(table["cin"].iloc[3])
    assert (table["year"] == 2013).all()


def test_old_layout_without_gss_column(tmp_path):
    path = write_release(tmp_path / "SFR27-2012ud.csv", "CINAt310312", new_code=False)
    assert read_cin_release(path, "CINAt310312", 2012)["cin"].iloc[1] == 1512.0


def test_renamed_count_column_fails(tmp_path):
    path = write_release(tmp_path / "SFR43-2014.csv", column="CINAt310314Total")
    with pytest.raises(DataError, match=r"SFR43-2014.csv.*\['CINAt310314'\] not found"):
        read_cin_release(path, "CINAt310314", 2014)


def test_unknown_code_in_a_count_fails(tmp_path):
    path = write_release(tmp_path / "r.csv", rows=[("201", "36"), ("202", "n/k")])
    with pytest.raises(DataError, match="CINAt310313.*'n/k'"):
        read_cin_release(path, "CINAt310313", 2013)


def test_repeated_la_fails(tmp_path):
    path = write_release(tmp_path / "r.csv", rows=[("201", "36"), ("201", "40")])
    with pytest.raises(DataError, match="repeated"):
        read_cin_release(path, "CINAt310313", 2013)


def test_missing_file_fails(tmp_path):
    with pytest.raises(DataError, match="missing"):
        read_cin_release(tmp_path / "absent.csv", "CINAt310313", 2013)


def test_mislabelled_2017_header_is_mapped_explicitly():
    assert cin_module.CIN_RELEASES[2017][1] == "CINAt310316"
    assert cin_module.CIN_RELEASES[2016][1] == "CINAt310316"
    assert "2016-17" in cin_module.CIN_RELEASES[2017][0]


def test_2017_copy_of_2016_is_caught(tmp_path, monkeypatch):
    write_release(tmp_path / "a.csv", "CINAt310316")
    monkeypatch.setattr(cin_module, "CIN_RELEASES", {2016: ("a.csv", "CINAt310316"), 2017: ("a.csv", "CINAt310316")})
    monkeypatch.setattr(cin_module.paths, "raw", lambda *parts: tmp_path.joinpath(*parts))
    with pytest.raises(DataError, match="equals the 2016 release"):
        cin_module.load_cin_published()


def write_revised(path, rows):
    head = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
            "old_la_code,new_la_code,la_name,category,At31_episodes")
    lines = [head, "2014,Reporting year,National,E92000001,England,,,,,,Children in Need,397630"]
    for year, number, value in rows:
        lines.append(f"{year},Reporting year,Local authority,E92000001,England,E12000007,London,"
                     f"{number},E0x,LA {number},Children in Need,{value}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_revised_series(tmp_path):
    path = write_revised(tmp_path / "b1.csv", [(2014, 201, 30), (2014, 908, "x"), (2013, 201, 25), (2020, 201, 50)])
    table = read_cin_revised(path, years=range(2013, 2018)).sort_values(["year", "la_number"])
    assert table[["year", "la_number"]].values.tolist() == [[2013, 201], [2014, 201], [2014, 908]]
    assert table["cin"].iloc[:2].tolist() == [25.0, 30.0] and np.isnan(table["cin"].iloc[2])


def test_revised_series_duplicate_fails(tmp_path):
    path = write_revised(tmp_path / "b1.csv", [(2014, 201, 30), (2014, 201, 31)])
    with pytest.raises(DataError, match="twice"):
        read_cin_revised(path)
