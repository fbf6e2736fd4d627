"""carerates.sources.dwp: Stat-Xplore counts and Nomis populations, on fixtures in their layouts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from carerates import geography as geo
from carerates.errors import DataError
from carerates.sources import dwp

HEAD = '''Stat-Xplore

"Relative Low Income (I II III IV V VI)"
"Counting: Relative Low Income"

Filters:
"Age of Child (years and bands)","{band}"

"Year","2014/15","2014/15 - Annotations","2021/22 (p)","2021/22 - Annotations",
"National - Regional - LA - OAs",
'''
FOOT = '''"ZZXXXXXXX",..,,..,,
"Total",660833,,691439,,


"INFO","Statistical disclosure control has been applied to this table."
Symbol,Description
"I",""".."" denotes a nil or negligible number of children."
'''


def statxplore(path, band, rows):
    body = "".join(f'"{code}",{a},,{b},,\n' for code, a, b in rows)
    path.write_text(HEAD.format(band=band) + body + '"W06000001",10,,11,,\n' + FOOT, encoding="utf-8")
    return path


def nomis(path, rows, years=(2014, 2020, 2021)):
    header = ('"Population estimates - local authority based by single year of age"\n'
              '"Age        :","Age 0 - 4"\n\n'
              '"local authority: county / unitary (as of April 2021)","mnemonic",'
              + ",".join(f'"{y}"' for y in years) + "\n\n")
    body = "".join(f'"{name}","{code}",' + ",".join(str(v) for v in values) + "\n" for name, code, values in rows)
    path.write_text(header + body + '"Cardiff","W06000015",1,2,3\n\n\n', encoding="utf-8")
    return path


def test_statxplore_layout_years_and_nil_mark(tmp_path):
    path = statxplore(tmp_path / "a.csv", "0-4", [("E06000005", 1196, 1536), ("E06000058", "..", 900)])
    out = dwp.read_statxplore(path)
    assert set(out["fye"]) == {2015, 2022}  # 2014/15 and the provisional 2021/22 (p)
    assert set(out["gss"]) == {"E06000005", "E06000058"}  # Wales, ZZ and Total rows left out
    darlington = out[out["gss"] == "E06000005"].set_index("fye")["children"]
    assert darlington[2015] == 1196 and darlington[2022] == 1536
    assert np.isnan(out.loc[(out["gss"] == "E06000058") & (out["fye"] == 2015), "children"]).all()


def test_statxplore_bad_cell_names_file_line_and_la(tmp_path):
    path = statxplore(tmp_path / "a.csv", "0-4", [("E06000005", "12a", 1)])
    with pytest.raises(DataError, match=r"a\.csv: line 11, LA E06000005: not a number"):
        dwp.read_statxplore(path)


def test_statxplore_without_header_or_with_odd_years(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('"Something else"\n"E06000005",1\n', encoding="utf-8")
    with pytest.raises(DataError, match="no 'Year' header"):
        dwp.read_statxplore(path)
    path.write_text('"Year","2014-15",\n"E06000005",1,\n', encoding="utf-8")
    with pytest.raises(DataError, match="unexpected year label"):
        dwp.read_statxplore(path)
    with pytest.raises(DataError, match="missing"):
        dwp.read_statxplore(tmp_path / "absent.csv")


def test_nomis_layout(tmp_path):
    path = nomis(tmp_path / "p.csv", [("Darlington", "E06000005", (6501, 5692, 5473))])
    out = dwp.read_nomis(path)
    assert out.set_index("mid_year")["population"].to_dict() == {2014: 6501, 2020: 5692, 2021: 5473}
    bad = nomis(tmp_path / "q.csv", [("Darlington", "E06000005", (6501, "x1", 5473))])
    with pytest.raises(DataError, match=r"q\.csv: line 6, LA E06000005"):
        dwp.read_nomis(bad)


def test_low_income_units_sums_bands_divides_by_mid_year_before_and_merges_dorset(tmp_path):
    las = pd.DataFrame({"gss": ["E06000005", "E06000028", "E06000029", "E10000009"]})
    rows = [("E06000005", 100, 200), ("E06000058", 30, 40), ("E06000059", 10, 20)]
    dwp_files = {b: statxplore(tmp_path / f"d{b}.csv", b, rows) for b in dwp.DWP_BANDS}
    pop = [("Darlington", "E06000005", (1000, 2000, 9999)), ("BCP", "E06000058", (100, 200, 9999)),
           ("Dorset", "E06000059", (300, 400, 9999))]
    nomis_files = {b: nomis(tmp_path / f"p{b}.csv", pop) for b in dwp.ONS_BANDS}
    out = dwp.low_income_units(las, dwp_files, nomis_files).set_index(["unit", "year"])
    # 3 bands of 100 children over 4 bands of the mid-2014 population (for FYE 2015).
    assert out.loc[("E06000005", 2015), "low_income_pct"] == pytest.approx(100 * 300 / 4000)
    # FYE 2022 uses mid-2021.
    assert out.loc[("E06000005", 2022), "population_0_15"] == 4 * 9999
    merged = out.loc[(geo.BPD, 2015)]
    assert merged["rule"] == "merged"
    assert merged["low_income_pct"] == pytest.approx(100 * 3 * 40 / (4 * 400))


def test_low_income_units_band_files_must_cover_the_same_las(tmp_path):
    las = pd.DataFrame({"gss": ["E06000005", "E06000001"]})
    files = {"0-4": statxplore(tmp_path / "a.csv", "0-4", [("E06000005", 1, 1)]),
             "5-10": statxplore(tmp_path / "b.csv", "5-10", [("E06000005", 1, 1), ("E06000001", 1, 1)])}
    pops = {b: nomis(tmp_path / f"p{b}.csv", [("D", "E06000005", (1, 1, 1))]) for b in dwp.ONS_BANDS}
    with pytest.raises(DataError, match=r"b\.csv: LAs differ"):
        dwp.low_income_units(las, files, pops)


def test_low_income_units_unknown_code(tmp_path):
    las = pd.DataFrame({"gss": ["E06000005"]})
    files = {b: statxplore(tmp_path / f"d{b}.csv", b, [("E06000099", 1, 1)]) for b in dwp.DWP_BANDS}
    pops = {b: nomis(tmp_path / f"p{b}.csv", [("D", "E06000099", (1, 1, 1))]) for b in dwp.ONS_BANDS}
    with pytest.raises(DataError, match=r"unknown LA code\(s\) \['E06000099'\]"):
        dwp.low_income_units(las, files, pops)
