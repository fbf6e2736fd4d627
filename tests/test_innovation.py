"""Innovation Programme list: reading, name matching, confidence and thresholds."""
from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from carerates.errors import DataError
from carerates.sources import innovation

COLUMNS = ["la_name", "project", "lead_or_partner", "funding_first_awarded", "amount_if_known",
           "source", "confidence", "notes"]


def rows():
    return [
        ["Durham", "Durham County Council: redesign", "lead", "round 1 (2014-16)", "£3.26m (project)",
         "https://example.org/a", "confirmed", ""],
        ["Durham", "Partner site of Pause", "partner site (lead: Pause)", "Nov 2014", "",
         "https://example.org/b", "likely", ""],
        ["Medway", "Partner of MTM", "partner site (lead: MTM consultancy)", "Nov 2014", "",
         "https://example.org/c", "likely", "Note, with a comma"],
        ["Kingston Upon Hull, City of", "FDAC site", "FDAC site", "2015-16", "",
         "https://example.org/d", "uncertain", ""],
        ["Barnet", "Partner of MLA", "partner site", "2015", "", "https://example.org/e", " Uncertain ", ""],
    ]


def write(path, body=None, columns=COLUMNS):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows() if body is None else body)
    return path


@pytest.fixture
def las():
    frame = pd.DataFrame(
        [
            ("E06000047", 840, "Durham", "North East"),
            ("E06000035", 887, "Medway Towns", "South East"),
            ("E06000010", 810, "Kingston Upon Hull, City of", "Yorkshire and The Humber"),
            ("E09000003", 302, "Barnet", "Outer London"),
            ("E09000002", 301, "Barking and Dagenham", "Outer London"),
            ("E06000053", 420, "Isles Of Scilly", "South West"),
        ],
        columns=["gss", "la_number", "la_name", "region"],
    )
    frame["la_type"] = "Unitary authority"
    frame["excluded"] = frame["gss"].eq("E06000053")
    return frame


def test_strongest_level_per_la(tmp_path, las):
    path = write(tmp_path / "list.csv")
    table = innovation.la_confidence(innovation.read_projects(path), las, path).set_index("gss")
    assert table.loc["E06000047", "confidence"] == "confirmed"  # confirmed beats likely
    assert table.loc["E06000047", "n_projects"] == 2
    assert table.loc["E06000047", "n_likely"] == 1
    assert table.loc["E06000035", "confidence"] == "likely"  # "Medway" matched to "Medway Towns"
    assert table.loc["E09000003", "confidence"] == "uncertain"  # level trimmed and lower-cased
    assert len(table) == 4


def test_all_las_fills_unlisted(tmp_path, las):
    path = write(tmp_path / "list.csv")
    table = innovation.all_las(innovation.la_confidence(innovation.read_projects(path), las, path), las)
    assert len(table) == len(las)
    unlisted = table.set_index("gss").loc["E09000002"]
    assert unlisted["confidence"] == innovation.NOT_LISTED and unlisted["n_projects"] == 0


@pytest.mark.parametrize("threshold, expected", [
    ("confirmed", {"E06000047"}),
    ("likely", {"E06000047", "E06000035"}),
    ("uncertain", {"E06000047", "E06000035", "E06000010", "E09000003"}),
])
def test_thresholds_are_nested(tmp_path, las, threshold, expected):
    path = write(tmp_path / "list.csv")
    table = innovation.la_confidence(innovation.read_projects(path), las, path)
    flags = innovation.funded(table, las["gss"], threshold)
    assert set(flags[flags].index) == expected
    assert flags.index.tolist() == las["gss"].tolist()


def test_unknown_threshold_fails():
    with pytest.raises(ValueError, match="threshold"):
        innovation.counted_levels("probable")


def test_unknown_confidence_fails(tmp_path):
    body = rows()
    body[0][6] = "probable"
    path = write(tmp_path / "list.csv", body)
    with pytest.raises(DataError, match="unknown confidence level.*probable"):
        innovation.read_projects(path)


def test_row_without_a_source_fails(tmp_path):
    body = rows()
    body[2][5] = "  "
    path = write(tmp_path / "list.csv", body)
    with pytest.raises(DataError, match="'source' is blank"):
        innovation.read_projects(path)


def test_renamed_column_fails(tmp_path):
    columns = [c if c != "confidence" else "confidence_level" for c in COLUMNS]
    path = write(tmp_path / "list.csv", columns=columns)
    with pytest.raises(DataError, match="confidence"):
        innovation.read_projects(path)


def test_missing_file_fails(tmp_path):
    with pytest.raises(DataError, match="missing"):
        innovation.read_projects(tmp_path / "absent.csv")


def test_unknown_la_name_fails(tmp_path, las):
    body = rows()
    body.append(["Atlantis", "p", "lead", "2015", "", "https://example.org/f", "confirmed", ""])
    path = write(tmp_path / "list.csv", body)
    with pytest.raises(DataError, match="Atlantis"):
        innovation.la_confidence(innovation.read_projects(path), las, path)


def test_compare_thresholds_counts_and_tests(las):
    table = pd.DataFrame({"gss": ["E06000047", "E06000035", "E09000003"],
                          "confidence": ["confirmed", "likely", "uncertain"]})
    gss = pd.Index(["E06000047", "E06000035", "E06000010", "E09000003", "E09000002"])
    outcomes = {"average rate": pd.Series([90.0, 50.0, 60.0, 30.0, 40.0], index=gss)}
    result = innovation.compare_thresholds(table, outcomes, period="2012-2017")
    assert result["threshold"].tolist() == list(innovation.CONFIDENCE_LEVELS)
    assert result["n_funded"].tolist() == [1, 2, 3]
    assert result["n_not_funded"].tolist() == [4, 3, 2]
    likely = result.set_index("threshold").loc["likely"]
    assert likely["median_funded"] == 70.0 and likely["median_not_funded"] == 40.0
    # funded ranks {5, 3} -> U1 = 8 - 3 = 5, U2 = 6 - 5 = 1
    assert likely["u"] == 1.0
    assert 0 < likely["p_value"] < 1 and not np.isnan(likely["z"])
