"""S251 Table A1: the per-year line mapping, on small synthetic workbooks in each layout."""
from __future__ import annotations

import pandas as pd
import pytest

from carerates.errors import DataError
from carerates.sources.s251 import S251_LINES, normalise_description, read_table_a1

LAS = [201, 202]

# Each layout: header names, the first-line title rows above the header, file type,
# and (line, description) rows as the real workbook words them, target lines included.
LAYOUTS = {
    # 2011-12: older structure, header on row 3, no line prefix in the description.
    2012: dict(ext="xlsx", title_rows=3,
               header=["LA", "LA Name", "LineNumber", "CYPServiceDescription", "OwnProvision",
                       "TotalExpenditure", "Income", "NetCurrentExpenditure"],
               lines=[(12, "Total Children Looked After"),
                      (14, "Commissioning and social work (includes LA functions in relation to"),
                      (27, "Total Other Children's and Families Services"),
                      (28, "Children's Services Strategy")]),
    # 2012-13: number prefix, "Comissioning", curly apostrophes elsewhere.
    2013: dict(ext="xlsx", title_rows=3,
               header=["LA", "LA Name", "LineNumber", "CYPServiceDescription", "ReportGroup", "OwnProvision",
                       "TotalExpenditure", "Income", "NetCurrentExpenditure"],
               lines=[(18, "18 Comissioning and Children's Services Strategy"),
                      (16, "16 Other childrens and family services"),
                      (17, "17 Social work (includes LA functions in relation to child protection"),
                      (20, "20 Total  Safeguarding Children and Young Peoples Services")]),
    # 2013-14: OpenDocument, header on row 0.
    2014: dict(ext="ods", title_rows=0,
               header=["LA", "LA Name", "LineNumber", "CYPServiceDescription", "ReportGroup", "OwnProvision",
                       "TotalExpenditure", "Income", "NetCurrentExpenditure"],
               lines=[(16, "16 Total Children Looked After"),
                      (18, "18 Social work (includes LA functions in relation to child protection)"),
                      (19, "19 Comissioning and Children's Services Strategy")]),
    # 2014-15 and 2015-16: "Description" and "s251line", "18. " prefix.
    2015: dict(ext="xlsx", title_rows=0,
               header=["LA", "LA Name", "ReportGroup", "OrderLine", "Description", "s251line", "OwnProvision",
                       "TotalExpenditure", "Income", "NetCurrentExpenditure"],
               lines=[(19, "19. Commissioning and Children's Services Strategy"),
                      (18, "18. Social work (including LA functions in relation to child protection)"),
                      (16, "16 Total Children Looked After")]),
    # 2016-17: "3.3.1" line numbers.
    2017: dict(ext="xlsx", title_rows=0,
               header=["LA", "LA Name", "ReportGroup", "OrderLine", "Description", "s251line", "OwnProvision",
                       "TotalExpenditure", "Income", "NetCurrentExpenditure"],
               lines=[("3.3.1", "3.3.1 Social work (including LA functions in relation to child protection)"),
                      ("3.3.2", "3.3.2 Commissioning and Children's Services Strategy"),
                      ("3.3.4", "3.3.4 Total  Safeguarding Children and Young People's Services")]),
}


def gross_of(la: int, line) -> float:
    """A distinct amount per LA and line, so a wrong pick shows in the numbers."""
    return float(la * 1000 + float(str(line).replace(".", "")))


def write_workbook(path, year, lines=None, las=LAS, header=None, drop_rows=()):
    layout = LAYOUTS[year]
    header = header or layout["header"]
    rows = []
    for la in las:
        for line, text in (lines or layout["lines"]):
            if (la, line) in drop_rows:
                continue
            values = {"LA": la, "LA Name": f"LA {la}", "LineNumber": line, "CYPServiceDescription": text,
                      "Description": text, "s251line": line, "OrderLine": 1, "ReportGroup": "GROUP",
                      "OwnProvision": 0, "TotalExpenditure": gross_of(la, line), "Income": 100.0,
                      "NetCurrentExpenditure": gross_of(la, line) - 100.0}
            rows.append([values.get(h, 0) for h in layout["header"]])
    titles = [[f"S251 Outturn {year - 1}-{year} - Table A1"] + [None] * (len(header) - 1),
              ["Cash terms"] + [None] * (len(header) - 1),
              [None] * len(header)][: layout["title_rows"]]
    frame = pd.DataFrame(titles + [header] + rows)
    engine = "odf" if layout["ext"] == "ods" else "openpyxl"
    frame.to_excel(path, sheet_name="Sheet1", header=False, index=False, engine=engine)
    return path


@pytest.mark.parametrize("year", sorted(LAYOUTS))
def test_each_layout_picks_the_mapped_lines(tmp_path, year):
    path = write_workbook(tmp_path / f"s251ye{year}.{LAYOUTS[year]['ext']}", year)
    table = read_table_a1(path, "Sheet1", year)
    assert table["la_number"].tolist() == LAS
    assert (table["year"] == year).all()
    for component, (line, _) in S251_LINES[year].items():
        expected = [gross_of(la, line) for la in LAS]
        assert table[f"{component}_gross"].tolist() == expected
        assert table[f"{component}_net"].tolist() == [g - 100.0 for g in expected]


def test_2016_uses_the_2015_layout(tmp_path):
    path = write_workbook(tmp_path / "s251ye2016.xlsx", 2015)
    table = read_table_a1(path, "Sheet1", 2016)
    assert table["social_work_gross"].tolist() == [gross_of(la, 18) for la in LAS]


def test_mapping_covers_every_year_of_the_indicator():
    assert set(range(2012, 2017)) <= set(S251_LINES)


@pytest.mark.parametrize("text, expected", [
    ("18. Social work (including LA functions in relation to child protection)",
     "social work (including la functions in relation to child protection)"),
    ("3.3.2 Commissioning and Children's Services Strategy", "commissioning and children's services strategy"),
    ("18 Comissioning and Children\u2019s Services Strategy", "commissioning and children's services strategy"),
    ("19 Local safeguarding childrens board\t", "local safeguarding childrens board"),
])
def test_normalise_description(text, expected):
    assert normalise_description(text) == expected


def test_line_missing_for_one_la_fails(tmp_path):
    path = write_workbook(tmp_path / "s251ye2015.xlsx", 2015, drop_rows={(202, 18)})
    with pytest.raises(DataError, match=r"social_work line 18 .*exactly once per LA.*missing for 1 LA\(s\) \[202\]"):
        read_table_a1(path, "Sheet1", 2015)


def test_line_repeated_fails(tmp_path):
    lines = LAYOUTS[2015]["lines"] + [(19, "19 Commissioning and Children's Services Strategy")]
    path = write_workbook(tmp_path / "s251ye2015.xlsx", 2015, lines=lines)
    with pytest.raises(DataError, match="strategy .*repeated for"):
        read_table_a1(path, "Sheet1", 2015)


def test_wording_on_an_unexpected_line_fails(tmp_path):
    # 2012-13 wording under 2013-14's mapping: the social-work line is numbered 17, not 18.
    path = write_workbook(tmp_path / "s251ye2014.xlsx", 2013)
    with pytest.raises(DataError, match=r"found on line\(s\) \['17'\], expected line 18"):
        read_table_a1(path, "Sheet1", 2014)


def test_new_year_wording_is_not_silently_matched(tmp_path):
    lines = [(18, "18. Social work (children in need teams)"), (19, "19. Commissioning and Children's Services Strategy")]
    path = write_workbook(tmp_path / "s251ye2015.xlsx", 2015, lines=lines)
    with pytest.raises(DataError, match="social_work line 18"):
        read_table_a1(path, "Sheet1", 2015)


def test_renamed_amount_column_fails(tmp_path):
    header = [h.replace("NetCurrentExpenditure", "NetExpenditure") for h in LAYOUTS[2017]["header"]]
    path = write_workbook(tmp_path / "s251ye2017.xlsx", 2017, header=header)
    with pytest.raises(DataError, match="'net' column"):
        read_table_a1(path, "Sheet1", 2017)


def test_missing_file_and_sheet_and_year(tmp_path):
    with pytest.raises(DataError, match="missing"):
        read_table_a1(tmp_path / "absent.xlsx", "Sheet1", 2015)
    path = write_workbook(tmp_path / "s251ye2015.xlsx", 2015)
    with pytest.raises(DataError, match="sheet 'Table_A1' not found"):
        read_table_a1(path, "Table_A1", 2015)
    with pytest.raises(DataError, match="no S251 line mapping"):
        read_table_a1(path, "Sheet1", 2030)


def _edit_cell(path, row, col, value):
    frame = pd.read_excel(path, header=None, engine="openpyxl").astype(object)
    frame.iloc[row, col] = value
    frame.to_excel(path, sheet_name="Sheet1", header=False, index=False, engine="openpyxl")


def test_text_in_an_amount_fails_naming_the_file(tmp_path):
    path = write_workbook(tmp_path / "s251ye2015.xlsx", 2015)
    _edit_cell(path, 1, 7, "see note")
    with pytest.raises(DataError, match="s251ye2015.xlsx.*total expenditure"):
        read_table_a1(path, "Sheet1", 2015)


def test_blank_amount_on_an_indicator_line_fails(tmp_path):
    path = write_workbook(tmp_path / "s251ye2015.xlsx", 2015)
    _edit_cell(path, 1, 9, None)  # net current expenditure of LA 201's strategy line (line 19)
    with pytest.raises(DataError, match="strategy line 19: amount missing for LA.*201"):
        read_table_a1(path, "Sheet1", 2015)
