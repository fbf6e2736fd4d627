"""Ofsted SIF loader: layout, grades, name matching and the latest-judgement rule.

Fixtures are small synthetic workbooks in the layout of Ofsted's 2023
underlying data (sheet LA_inspections_2009-2023, Table 10 above Table 11).
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from carerates.errors import DataError
from carerates.sources import ofsted

# The sheet's own headers, with their leading spaces and embedded newlines.
FIRST = [
    "Single Inspection of LA Children's Services (SIF)  First SIF publication date",
    " First SIF Overall Judgement\n(OE)",
    " First SIF children who need help and protection ",
    " First SIF children looked after and achieving permanence ",
    " First SIF CLA Sub: Adoption Performance",
    " First SIF CLA Sub: Experiences and progress of care leavers",
    " First SIF leadership, management and governance",
    "LSCB Overall Effectiveness ",
]
REINSPECTION = [
    "Single Inspection of LA Children's Services (SIF) SIF Re-inspection publication date",
    " SIF Re-inspection Overall Judgement\n(OE)",
    " SIF Re-inspection children who need help and protection ",
    " SIF Re-inspection children looked after and achieving permanence ",
    " SIF Re-inspection CLA Sub: Adoption Performance",
    " SIF Re-inspection CLA Sub: Experiences and progress of care leavers",
    " SIF Re-inspection leadership, management and governance",
]
HEADER = ["Web link", "Local authority name", "LA region", "LA Authority Type",
          "Safeguarding & Looked After Children (SLAC) Inspection publication date",
          *FIRST, *REINSPECTION, "First ILACS framework overall effectiveness"]

RI = "Requires improvement to be good"
G, I, O = "Good", "Inadequate", "Outstanding"
D = dt.datetime


def row(name, first=None, second=None):
    """One LA row: first and re-inspection as (date, six grades) or None."""
    def block(insp, width):
        if insp is None:
            return [None] * width
        date, grades = insp
        return [date, *grades] + [None] * (width - 7)
    return ["Ofsted Local Authority Webpage", name, "Region", "Unitary", D(2012, 1, 1),
            *block(first, len(FIRST)), *block(second, len(REINSPECTION)), None]


def default_rows():
    table10 = [
        row("Barnet", (D(2017, 7, 7), [I, I, RI, RI, I, I])),
        row("Bristol", (D(2014, 6, 1), [RI, RI, RI, G, RI, RI]),
            (D(2018, 5, 9), [G, G, G, " -", G, O])),
        row("Bournemouth, Christchurch and Poole"),
        row("Dorset"),
        row("Isles of Scilly", (D(2016, 1, 5), [G, G, " -", " -", " -", G])),
        row("Kingston Upon Hull", (D(2015, 3, 2), [RI, RI, G, G, RI, RI])),
    ]
    table11 = [
        row("Dorset", (D(2016, 5, 23), [RI, RI, RI, G, RI, RI])),
        row("Poole", (D(2017, 11, 24), [RI, RI, RI, G, G, RI])),
    ]
    return table10, table11


def write_sheet(path, table10=None, table11=None, header=None, sheet=ofsted.SHEET):
    if table10 is None and table11 is None:
        table10, table11 = default_rows()
    header = header or HEADER
    width = len(header)
    pad = lambda cells: list(cells) + [None] * (width - len(cells))  # noqa: E731
    rows = [
        pad(["Children's social care data in England 2023 - LA inspections 2009-2023"]),
        pad(["This worksheet contains two tables."]),
        pad(["Column A includes a link."]),
        pad(["Some cells in this table are empty."]),
        header,
        *table10,
        pad([]),
        pad(["Table 11:History of inspections of local authorities that existed before the restructure"]),
        header,
        *table11,
    ]
    frame = pd.DataFrame(rows)
    with pd.ExcelWriter(path, engine="odf") as writer:
        frame.to_excel(writer, sheet_name=sheet, header=False, index=False)
    return path


@pytest.fixture
def las():
    rows = [
        ("E09000003", 302, "Barnet", "Outer London"),
        ("E06000023", 801, "Bristol, City of", "South West"),
        ("E10000009", 835, "Dorset", "South West"),
        ("E06000053", 420, "Isles Of Scilly", "South West"),
        ("E06000010", 810, "Kingston Upon Hull, City of", "Yorkshire and The Humber"),
        ("E06000029", 836, "Poole", "South West"),
    ]
    frame = pd.DataFrame(rows, columns=["gss", "la_number", "la_name", "region"])
    frame["la_type"] = "Unitary authority"
    frame["excluded"] = frame["gss"].eq("E06000053")
    return frame


@pytest.fixture
def sheet(tmp_path):
    return write_sheet(tmp_path / "ofsted.ods")


def test_reads_both_tables_and_codes_grades(sheet):
    frame = ofsted.read_sif_inspections(sheet)
    assert len(frame) == 7  # Table 10: Barnet, Bristol (twice), Scilly, Hull; Table 11: Dorset, Poole
    bristol = frame[frame["ofsted_name"] == "Bristol"].set_index("inspection")
    assert bristol.loc["first_sif", "overall"] == 2
    assert bristol.loc["sif_reinspection", "overall"] == 3
    assert bristol.loc["sif_reinspection", "leadership"] == 4
    assert np.isnan(bristol.loc["sif_reinspection", "adoption"])  # " -" = not judged
    barnet = frame[frame["ofsted_name"] == "Barnet"].iloc[0]
    assert barnet["overall"] == 1
    assert set(frame.loc[frame["ofsted_table"] == "table_11", "ofsted_name"]) == {"Dorset", "Poole"}
    assert frame["published"].dtype == "datetime64[ns]"


def test_sif_table_matches_names_and_takes_old_dorset_from_table_11(sheet, las):
    table = ofsted.sif_table(sheet, las)
    assert set(table["gss"]) == set(las["gss"])
    dorset = table[table["gss"] == "E10000009"]
    assert len(dorset) == 1 and dorset["ofsted_table"].iloc[0] == "table_11"
    assert table.loc[table["ofsted_name"] == "Kingston Upon Hull", "gss"].unique().tolist() == ["E06000010"]
    assert table.duplicated(["gss", "inspection"]).sum() == 0


def test_unmatched_name_fails(tmp_path, las):
    table10, table11 = default_rows()
    table10.append(row("Atlantis", (D(2015, 1, 1), [G] * 6)))
    path = write_sheet(tmp_path / "o.ods", table10, table11)
    with pytest.raises(DataError, match="Atlantis"):
        ofsted.sif_table(path, las)


def test_la_missing_from_sheet_fails(tmp_path, las):
    table10, table11 = default_rows()
    table10 = [r for r in table10 if r[1] != "Barnet"]
    path = write_sheet(tmp_path / "o.ods", table10, table11)
    with pytest.raises(DataError, match="not found in the sheet.*Barnet"):
        ofsted.sif_table(path, las)


def test_la_found_twice_fails(tmp_path, las):
    table10, table11 = default_rows()
    table11.append(row("Barnet", (D(2015, 1, 1), [G] * 6)))
    path = write_sheet(tmp_path / "o.ods", table10, table11)
    with pytest.raises(DataError, match="more than once"):
        ofsted.sif_table(path, las)


def test_post_2017_council_with_a_sif_fails(tmp_path, las):
    table10, table11 = default_rows()
    table10[3] = row("Dorset", (D(2020, 1, 1), [G] * 6))
    path = write_sheet(tmp_path / "o.ods", table10, table11)
    with pytest.raises(DataError, match="post-2017"):
        ofsted.sif_table(path, las)


def test_unknown_grade_fails(tmp_path):
    table10, table11 = default_rows()
    table10[0] = row("Barnet", (D(2017, 7, 7), ["Excellent", I, RI, RI, I, I]))
    path = write_sheet(tmp_path / "o.ods", table10, table11)
    with pytest.raises(DataError, match="unknown judgement 'Excellent'"):
        ofsted.read_sif_inspections(path)


def test_blank_grade_with_a_date_fails(tmp_path):
    table10, table11 = default_rows()
    table10[0] = row("Barnet", (D(2017, 7, 7), [I, None, RI, RI, I, I]))
    path = write_sheet(tmp_path / "o.ods", table10, table11)
    with pytest.raises(DataError, match="blank"):
        ofsted.read_sif_inspections(path)


def test_grade_without_a_date_fails(tmp_path):
    table10, table11 = default_rows()
    table10[0] = row("Barnet", (None, [I, I, RI, RI, I, I]))
    path = write_sheet(tmp_path / "o.ods", table10, table11)
    with pytest.raises(DataError, match="without a publication date"):
        ofsted.read_sif_inspections(path)


def test_renamed_column_fails(tmp_path):
    header = [h.replace("Adoption Performance", "Adoption") for h in HEADER]
    path = write_sheet(tmp_path / "o.ods", header=header)
    with pytest.raises(DataError, match="adoption performance"):
        ofsted.read_sif_inspections(path)


def test_missing_file_and_sheet_fail(tmp_path):
    with pytest.raises(DataError, match="missing"):
        ofsted.read_sif_inspections(tmp_path / "absent.ods")
    path = write_sheet(tmp_path / "o.ods", sheet="Other")
    with pytest.raises(DataError, match="not found"):
        ofsted.read_sif_inspections(path)


def test_single_table_fails(tmp_path):
    table10, _ = default_rows()
    frame = pd.DataFrame([HEADER, *table10])
    path = tmp_path / "o.ods"
    with pd.ExcelWriter(path, engine="odf") as writer:
        frame.to_excel(writer, sheet_name=ofsted.SHEET, header=False, index=False)
    with pytest.raises(DataError, match="expected two tables"):
        ofsted.read_sif_inspections(path)


# ---- the latest-judgement rule ------------------------------------------------

def sif_frame():
    nan = np.nan
    rows = [
        # gss, inspection, published, six judgements
        ("A", "first_sif", "2014-06-01", 2, 2, 2, 3, 2, 2),
        ("A", "sif_reinspection", "2018-05-09", 3, 3, 3, nan, 3, 4),
        ("B", "first_sif", "2017-07-07", 1, 1, 2, 2, 1, 1),
        ("C", "first_sif", "2013-12-01", 4, 4, 4, 4, 4, 4),
    ]
    frame = pd.DataFrame(rows, columns=["gss", "inspection", "published", *ofsted.JUDGEMENTS])
    frame["published"] = pd.to_datetime(frame["published"])
    return frame


def test_latest_takes_the_reinspection_after_it_is_published():
    latest = ofsted.latest_judgements(sif_frame(), "2018-10-31").set_index("gss")
    assert latest.loc["A", "inspection"] == "sif_reinspection"
    assert latest.loc["A", "overall"] == 3
    # Not judged at the latest inspection stays missing: never filled from the first SIF.
    assert np.isnan(latest.loc["A", "adoption"])
    assert latest.loc["B", "overall"] == 1


def test_latest_before_the_reinspection_takes_the_first_sif():
    latest = ofsted.latest_judgements(sif_frame(), "2017-03-31").set_index("gss")
    assert latest.loc["A", "inspection"] == "first_sif"
    assert latest.loc["A", "adoption"] == 3
    assert "B" not in latest.index  # first SIF published after the cut-off


def test_cutoff_is_inclusive_and_start_drops_earlier_inspections():
    latest = ofsted.latest_judgements(sif_frame(), "2017-07-07", start="2014-01-01").set_index("gss")
    assert "B" in latest.index
    assert "C" not in latest.index


def test_two_inspections_on_one_day_fail():
    frame = sif_frame()
    frame.loc[1, "published"] = frame.loc[0, "published"]
    with pytest.raises(DataError, match="same date"):
        ofsted.latest_judgements(frame, "2018-12-31")


# ---- ILACS (the framework after the SIF) -----------------------------------------

def _ilacs_headers(prefix, second=False):
    cells = [f" {prefix} inspection type", f"{prefix} publication date", f"{prefix} overall effectiveness",
             f"{prefix} impact of leaders",
             f"{prefix} experiences and progress of children who need help and protection "]
    if second:
        cells += [f"{prefix} experiences and progress of children in care",
                  f"{prefix} experiences and progress of care leavers"]
    else:
        cells += [f"{prefix} experiences and progress of children in care and care leavers"]
    return cells


ILACS_HEADER_10 = [*HEADER[:-1], *_ilacs_headers("First ILACS framework"),
                   *_ilacs_headers("Second ILACS framework", second=True)]
ILACS_HEADER_11 = [*HEADER[:-1], *_ilacs_headers("ILACS framework")]
STD = "ILACS Standard Inspection"


def write_ilacs_sheet(path, first_bristol=(STD, D(2018, 10, 22), G, O, RI, G), kind_11=STD):
    """Table 10: Bristol with a first ILACS (and a second one), Barnet without; Table 11: Poole."""
    width10, width11 = len(ILACS_HEADER_10), len(ILACS_HEADER_11)
    pad = lambda cells, width: list(cells) + [None] * (width - len(cells))  # noqa: E731
    base = lambda name: row(name, (D(2015, 1, 5), [RI] * 6))[:-1]  # noqa: E731
    bristol = base("Bristol") + list(first_bristol) + [STD, D(2022, 3, 1), G, G, G, G, ""]
    rows = [pad(["Title"], width10), pad([], width10), pad([], width10), pad([], width10),
            pad(ILACS_HEADER_10, width10),
            pad(bristol, width10),
            pad(base("Barnet"), width10),
            pad([], width10),
            pad(["Table 11:History of inspections"], width10),
            pad(ILACS_HEADER_11, width10),
            pad(base("Poole") + [kind_11, D(2018, 12, 3), I, I, RI, RI], width10)]
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame(rows).to_excel(writer, sheet_name=ofsted.SHEET, header=False, index=False)
    assert width11 <= width10
    return path


def test_ilacs_judgements_map_onto_the_study(tmp_path):
    frame = ofsted.read_ilacs_inspections(write_ilacs_sheet(tmp_path / "o.ods"))
    bristol = frame[frame["ofsted_name"] == "Bristol"].set_index("inspection")
    first = bristol.loc["first_ilacs"]
    assert (first["overall"], first["leadership"], first["help_protection"], first["looked_after_permanence"]) \
        == (3, 4, 2, 3)
    assert np.isnan(first["adoption"]) and np.isnan(first["care_leavers"])  # not ILACS judgements
    second = bristol.loc["second_ilacs"]
    assert second["looked_after_permanence"] == 3 and np.isnan(second["care_leavers"])  # blank = not judged
    poole = frame[frame["ofsted_name"] == "Poole"].iloc[0]  # Table 11's "ILACS framework" columns
    assert poole["inspection"] == "first_ilacs" and poole["overall"] == 1
    assert "Barnet" not in set(frame["ofsted_name"])


def test_ilacs_unknown_type_and_undated_grades_fail(tmp_path):
    with pytest.raises(DataError, match="unknown ILACS inspection type"):
        ofsted.read_ilacs_inspections(write_ilacs_sheet(tmp_path / "a.ods", kind_11="Focused visit"))
    with pytest.raises(DataError, match="without a publication date"):
        ofsted.read_ilacs_inspections(write_ilacs_sheet(tmp_path / "b.ods", first_bristol=(STD, None, G, G, G, G)))


def test_latest_across_frameworks_switches_to_ilacs_after_its_publication():
    ilacs = pd.DataFrame([("A", "first_ilacs", pd.Timestamp("2018-07-01"), 1, 1, 1, np.nan, np.nan, 1)],
                         columns=["gss", "inspection", "published", *ofsted.JUDGEMENTS])
    both = ofsted.with_frameworks(sif_frame(), ilacs)
    assert set(both["framework"]) == {"SIF", "ILACS"}
    before = ofsted.latest_judgements(both, "2018-06-30").set_index("gss")
    after = ofsted.latest_judgements(both, "2018-12-31").set_index("gss")
    assert before.loc["A", "overall"] == 3 and after.loc["A", "overall"] == 1
    assert np.isnan(after.loc["A", "adoption"])  # ILACS has no adoption judgement: not taken from the SIF


def write_2025_history(path, rows):
    header = ["Web link", "Local authority area code", "Local authority name", "Local authority status",
              "Ofsted region", "Inspection date", "Publication date", "Inspection type", "Overall effectiveness"]
    frame = pd.DataFrame([["ILACS inspection history"] + [None] * 8, [None] * 9, header,
                          *[["link", code, "x", "Current", "r", None, date, STD, grade] for code, date, grade in rows]])
    with pd.ExcelWriter(path, engine="odf") as writer:
        frame.to_excel(writer, sheet_name=ofsted.ILACS_2025_SHEET, header=False, index=False)
    return path


def test_ilacs_cross_check_by_code_and_nearest_date(tmp_path, las):
    path = write_2025_history(tmp_path / "h.ods", [
        ("E06000023", D(2018, 10, 24), G),       # Bristol, dated two days later than the 2023 sheet
        ("E06000029", D(2018, 12, 3), RI),       # Poole, a different grade
        ("E06000058", D(2020, 1, 1), G),         # a post-2017 council: left out
    ])
    history = ofsted.read_ilacs_history_2025(path, las)
    assert set(history["gss"]) == {"E06000023", "E06000029"}
    ilacs = ofsted.ilacs_table(write_ilacs_sheet(tmp_path / "o.ods"), las)
    check = ofsted.cross_check_ilacs(ilacs, history)
    row = lambda gss, year: check[(check["gss"] == gss) & (check["published"].dt.year == year)].iloc[0]  # noqa: E731
    assert bool(row("E06000023", 2018)["found"]) and bool(row("E06000023", 2018)["same_grade"])
    assert bool(row("E06000029", 2018)["found"]) and not bool(row("E06000029", 2018)["same_grade"])
    assert not bool(row("E06000023", 2022)["found"])    # nothing in the 2025 file within a month


def test_ilacs_2025_file_without_its_header_fails(tmp_path, las):
    path = tmp_path / "bad.ods"
    with pd.ExcelWriter(path, engine="odf") as writer:
        pd.DataFrame([["nothing here"]]).to_excel(writer, sheet_name=ofsted.ILACS_2025_SHEET, header=False, index=False)
    with pytest.raises(DataError, match="Local authority area code"):
        ofsted.read_ilacs_history_2025(path, las)
