"""carerates.sources.csww: DfE's workforce indicators file (EES layout), joint returns and failures."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carerates.errors import DataError
from carerates.sources import csww

HEADER = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
          "old_la_code,new_la_code,la_name,inpost_fte,leavers_fte,turnover_rate_fte,agency_fte,agency_rate_fte\n")
LAS = pd.DataFrame({"gss": ["E06000005", "E09000021", "E09000027"]})


def write(path, rows):
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def test_layout_joint_rows_and_suppression(tmp_path):
    path = write(tmp_path / "w.csv", [
        "2017,Reporting year,National,E92000001,England,,,,,,30000,4000,13.3,4700,13.5\n",
        "2017,Reporting year,Local authority,E92000001,England,E12000001,North East,841,E06000005,Darlington,"
        "80.5,9.1,11.3,x,x\n",
        '2017,Reporting year,Local authority,E92000001,England,E12000007,London,314 / 318,E09000021 / E09000027,'
        '"Kingston upon Thames / Richmond upon Thames",123.9,34.1,27.5,40,24.4\n',
    ])
    out = csww.read_indicators(path, LAS).set_index("gss")
    assert len(out) == 3  # England left out; the joint row given to both councils
    assert out.loc["E09000027", "turnover_pct"] == 27.5 and out.loc["E09000027", "joint"]
    assert not out.loc["E06000005", "joint"]
    assert np.isnan(out.loc["E06000005", "agency_pct"])
    assert out.loc["E06000005", "snapshot_year"] == 2017


def test_failures_name_the_file(tmp_path):
    bad = write(tmp_path / "w.csv", ["2017,Reporting year,Local authority,,,,,841,E06000005,Darlington,"
                                     "80.5,9.1,eleven,1,1\n"])
    with pytest.raises(DataError, match=r"w\.csv: line 2 \(LA E06000005 Darlington\), column 'turnover_rate_fte'"):
        csww.read_indicators(bad)
    unknown = write(tmp_path / "w.csv", ["2017,Reporting year,Local authority,,,,,999,E06000999,X,1,1,1,1,1\n"])
    with pytest.raises(DataError, match=r"unknown LA code\(s\) \['E06000999'\]"):
        csww.read_indicators(unknown, LAS)
    twice = write(tmp_path / "w.csv", ["2017,Reporting year,Local authority,,,,,841,E06000005,D,1,1,1,1,1\n"] * 2)
    with pytest.raises(DataError, match="listed twice"):
        csww.read_indicators(twice, LAS)
    (tmp_path / "v.csv").write_text("time_period,geographic_level\n2017,National\n", encoding="utf-8")
    with pytest.raises(DataError, match="expected column"):
        csww.read_indicators(tmp_path / "v.csv")
