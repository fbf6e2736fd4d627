"""carerates.sources.neighbours: the April 2021 statistical neighbours on the 2017 LAs."""
from __future__ import annotations

import pandas as pd
import pytest

from carerates.errors import DataError
from carerates.las import build_la_table
from carerates.sources import neighbours

LAS = [("E06000001", 805, "Hartlepool", "North East"), ("E06000002", 806, "Middlesbrough", "North East"),
       ("E10000021", 928, "Northamptonshire", "East Midlands"), ("E10000009", 835, "Dorset", "South West"),
       ("E06000053", 420, "Isles Of Scilly", "South West")]


@pytest.fixture
def las():
    return build_la_table(pd.DataFrame(LAS, columns=["gss", "la_number", "la_name", "region"]))


def write(path, rows):
    header = "LA num,LA Name,LA number,GOInd,GOReg," + ",".join(f"SN{k},SNP" for k in range(1, 11)) + ","
    lines = [header] + [",".join(map(str, r)) + "," for r in rows]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def row(number, name, sns):
    cells = [number, name, number, 1, "North East"]
    for sn in sns:
        cells += [sn, "Close"]
    return cells


def test_successors_are_mapped_and_bcp_left_out(tmp_path, las):
    path = write(tmp_path / "sn.csv", [
        row(805, "Hartlepool", [806, 940, 941, 839, 838, 201, 202, 203, 204, 205]),
        row(806, "Middlesbrough", [805] + [201] * 9), row(928, "Northamptonshire", [805] * 10),
        row(835, "Dorset (Pre LG)", [806] * 10), [""] * 25, row(839, "BCP", [805] * 10)])
    out = neighbours.read_neighbours(path, las)
    hartlepool = out[out.gss == "E06000001"]
    # 940 and 941 are both Northamptonshire (kept once, at the closer place); 839 dropped; 838 -> Dorset
    assert hartlepool["neighbour_gss"].tolist() == ["E06000002", "E10000021", "E10000009"]
    assert hartlepool["order"].tolist() == [1, 2, 5]
    assert set(out["gss"]) == {"E06000001", "E06000002", "E10000021", "E10000009"}


def test_bad_neighbour_or_missing_la_stops(tmp_path, las):
    rows = [row(805, "Hartlepool", ["x"] + [806] * 9), row(806, "M", [805] * 10), row(928, "N", [805] * 10),
            row(835, "D", [805] * 10)]
    with pytest.raises(DataError, match="not an LA number"):
        neighbours.read_neighbours(write(tmp_path / "a.csv", rows), las)
    with pytest.raises(DataError, match="E10000009"):
        neighbours.read_neighbours(write(tmp_path / "b.csv", rows[1:3] + [row(805, "H", [806] * 10)]), las)


def test_the_two_editions_of_the_april_2021_list_give_the_same_pairs():
    """09 reads the CSV edition, the profiles the workbook: one set of rules, one result."""
    from carerates import las as la_module, paths
    from carerates.profile import read_neighbours as read_workbook

    csv_path, workbook = paths.raw(*neighbours.APRIL_2021), paths.raw("stat_neighbours", "sn_april_2021.xlsx")
    if not (csv_path.is_file() and workbook.is_file()):
        pytest.skip("data/raw not fetched (run make data)")
    las = la_module.load_las()
    pd.testing.assert_frame_equal(neighbours.read_neighbours(csv_path, las), read_workbook(workbook, las))
