"""carerates.sources.ilacs: Ofsted's latest ILACS judgements (ODS layout) and their panel units."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from carerates import geography as geo
from carerates.errors import DataError
from carerates.sources import ilacs

HEADER = ["Web link", "Local authority area code", "Local authority name", "Ofsted region", "Inspection date",
          "Publication date", "Overall effectiveness",
          "The impact of leaders on social work practice with children and families",
          "The experiences and progress of children who need help and protection",
          "The experiences and progress of children in care", "The experiences and progress of care leavers"]
D = dt.datetime(2024, 1, 10)


def la(code, name, overall, care_leavers=None):
    return ["link", code, name, "South West", D, D, overall, "Good", "Good", "Good", care_leavers]


GOOD_ROWS = [la("E06000005", "Darlington", "Requires improvement to be good", "Good"),
             la("E06000058", "Bournemouth, Christchurch & Poole", "Good"),
             la("E06000059", "Dorset", "Outstanding"),
             la("E06000061", "North Northamptonshire", "Inadequate"),
             la("E06000062", "West Northamptonshire", "Inadequate"),
             la("E06000065", "North Yorkshire", "Outstanding")]
LAS = pd.DataFrame({"gss": ["E06000005", "E06000028", "E06000029", "E10000009", "E10000021", "E10000023"]})


def write(tmp_path, rows, header=HEADER, sheet=ilacs.SHEET):
    top = [["Local authority inspection judgements as at 31 March 2025"] + [None] * 10,
           ["This worksheet contains one table."] + [None] * 10, header]
    frame = pd.DataFrame(top + rows)
    path = tmp_path / "outcomes.ods"
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame([["Cover"]]).to_excel(writer, sheet_name="Cover", header=False, index=False)
        frame.to_excel(writer, sheet_name=sheet, header=False, index=False)
    return path


def test_layout_and_grades(tmp_path):
    out = ilacs.read_latest(write(tmp_path, GOOD_ROWS)).set_index("gss")
    assert out.loc["E06000005", "overall"] == 2
    assert out.loc["E06000005", "care_leavers"] == 3
    assert np.isnan(out.loc["E06000058", "care_leavers"])  # judged only from 2023
    assert out.loc["E06000065", "overall"] == 4
    assert out.loc["E06000005", "publication_date"] == pd.Timestamp(D)


def test_units_agreeing_successors_only(tmp_path):
    latest = ilacs.read_latest(write(tmp_path, GOOD_ROWS))
    units = ilacs.unit_grades(latest, LAS).set_index("unit")
    assert np.isnan(units.loc[geo.BPD, "overall"])  # BCP Good, Dorset Outstanding: no one grade
    assert units.loc["E10000021", "overall"] == 1  # both halves Inadequate
    assert units.loc["E10000023", "overall"] == 4  # recoded


def test_one_successor_missing_gives_no_grade(tmp_path):
    latest = ilacs.read_latest(write(tmp_path, GOOD_ROWS[:4]))
    units = ilacs.unit_grades(latest, LAS).set_index("unit")
    assert np.isnan(units.loc["E10000021", "overall"])


def test_unknown_grade_names_file_and_row(tmp_path):
    rows = [la("E06000005", "Darlington", "Satisfactory")]
    with pytest.raises(DataError, match=r"outcomes\.ods: sheet Inspections_as_at_31_March, row 4 \(LA E06000005\), column overall: "
                                        r"unknown grade 'Satisfactory'"):
        ilacs.read_latest(write(tmp_path, rows))


def test_missing_overall_judgement(tmp_path):
    with pytest.raises(DataError, match=r"row 4 \(LA E06000005\): no overall effectiveness"):
        ilacs.read_latest(write(tmp_path, [la("E06000005", "Darlington", None)]))


def test_renamed_column_missing_sheet_and_unknown_code(tmp_path):
    header = HEADER[:6] + ["Overall judgement"] + HEADER[7:]
    with pytest.raises(DataError, match=r"column\(s\) \['overall'\] not found"):
        ilacs.read_latest(write(tmp_path, GOOD_ROWS, header=header))
    with pytest.raises(DataError, match="not found"):
        ilacs.read_latest(write(tmp_path, GOOD_ROWS, sheet="Other"))
    latest = ilacs.read_latest(write(tmp_path, [la("E06000099", "Nowhere", "Good")]))
    with pytest.raises(DataError, match=r"unknown LA code\(s\) \['E06000099'\]"):
        ilacs.unit_grades(latest, LAS, path="outcomes.ods")


def test_duplicate_code(tmp_path):
    with pytest.raises(DataError, match="listed twice"):
        ilacs.read_latest(write(tmp_path, GOOD_ROWS[:1] * 2))
