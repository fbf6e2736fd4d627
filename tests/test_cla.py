"""carerates.sources.cla: sheet LAA1 of the CLA releases, and the published-rate panel."""
from __future__ import annotations

import re

import numpy as np
import openpyxl
import pandas as pd
import pytest

from carerates.errors import DataError
from carerates.las import build_la_table
from carerates.sources import cla

# Blocks of sheet LAA1 as DfE lays them out: a header row (no code) per England,
# region, "London", "Inner London", "Outer London", then the LA rows.
# LA rows: (code, number, name, numbers by year, rates by year).
BLOCKS = [
    ("North East", [
        ("E06000005", 841, "Darlington", [210, 190, 200, 205, 220], [91, 83, 88, 91, 97]),
        ("E08000037", 390, "Gateshead", [390, 355, 335, 345, 380], [96, 89, 84, 86, 95]),
    ]),
    ("North West", [
        ("E08000013", 342, "St Helens", [440, 430, 410, 410, 425], [121, 119, 113, 113, 117]),
    ]),
    ("London", []),
    ("Inner London", [
        ("E09000001", 201, "City Of London", [5, 5, 10, 10, 10], ["x", "x", "x", 101, 103]),
        ("E09000007", 202, "Camden", [235, 230, 225, 230, 240], [62, 60, 58, 59, 61]),
    ]),
    ("Outer London", [
        ("E09000003", 302, "Barnet", [285, 280, 270, 275, 260], [33, 32, 31, 31, 29]),
    ]),
    ("South West", [
        ("E06000053", 420, "Isles Of Scilly", [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]),
        ("E06000026", 879, "Plymouth", [370, 395, 390, 405, 390], [73, 77, 76, 78, 75]),
    ]),
]


def area_row(name, years, seed, gap=(None,)):
    return [None, None, name] + [1000 + seed + i for i in range(len(years))] + list(gap) \
        + [50 + seed + i for i in range(len(years))]


def write_laa1(path, years=range(2013, 2018), blocks=BLOCKS, header_label="LA Code",
               extra_rows=(), sheet_title="LAA1", gap=(None,)):
    """A workbook in the LAA1 layout of the 2016 and 2017 releases.

    ``gap`` is the empty column(s) between the numbers and the rates.
    """
    years = list(years)
    gap = list(gap)
    width = 3 + 2 * len(years) + len(gap)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheet_title
    contents = book.create_sheet("Contents", 0)
    contents.append(["Contents"])
    rows = [
        ["Back to Contents"],
        ["Table LAA1:  Children looked after at 31 March by local authority"],
        [f"Years ending 31 March {years[0]} to {years[-1]}"],
        ["Coverage: England"],
        [None],
        [None] * (width - 1) + ["numbers and rates per 10,000 children aged under 18 years"],
        [header_label, None, None, "numbers3"] + [None] * (len(years) - 1) + gap + ["rates4"],
        [None, None, None] + years + gap + years,
        [None],
        area_row("England", years, 0, gap),
        [None],
    ]
    for seed, (region, las) in enumerate(blocks, start=1):
        rows.append(area_row(region, years, seed, gap))
        for code, number, name, numbers, rates in las:
            rows.append([code, number, name] + list(numbers[: len(years)]) + gap + list(rates[: len(years)]))
        rows.append([None])
    rows += list(extra_rows)
    rows += [
        [None] * (width - 1) + ["Source: SSDA 903"],
        ["1.  Figures exclude children looked after under a series of short-term placements."],
        ["2.  Historical data may differ from older publications which is mainly due to the"],
        ["materials."],
        ["3.  England and Regional totals have been rounded to the nearest 10."],
    ]
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def laa1_file(tmp_path):
    return write_laa1(tmp_path / "SFR50_2017_LA_tables.xlsx")


def test_read_laa1_rows_and_columns(laa1_file):
    table, _ = cla.read_laa1(laa1_file, 2013, 2017)
    expected = ["gss", "la_number", "la_name", "region"] + [f"number_{y}" for y in range(2013, 2018)] \
        + [f"rate_{y}" for y in range(2013, 2018)]
    assert list(table.columns) == expected
    assert len(table) == sum(len(las) for _, las in BLOCKS)
    assert table["gss"].is_unique
    darlington = table.set_index("gss").loc["E06000005"]
    assert darlington["la_number"] == 841
    assert darlington["la_name"] == "Darlington"
    assert darlington["number_2013"] == 210
    assert darlington["rate_2013"] == 91
    assert darlington["rate_2017"] == 97


def test_read_laa1_regions_from_header_rows(laa1_file):
    table, _ = cla.read_laa1(laa1_file, 2013, 2017)
    region = dict(zip(table["gss"], table["region"]))
    assert region["E06000005"] == "North East"
    assert region["E08000013"] == "North West"
    # "London" is followed by "Inner London" and "Outer London": those are the regions.
    assert region["E09000001"] == "Inner London"
    assert region["E09000007"] == "Inner London"
    assert region["E09000003"] == "Outer London"
    assert region["E06000053"] == "South West"
    assert "London" not in set(table["region"])


def test_read_laa1_suppressed_values_are_missing(laa1_file):
    table, _ = cla.read_laa1(laa1_file, 2013, 2017)
    city = table.set_index("gss").loc["E09000001"]
    assert np.isnan(city["rate_2013"]) and np.isnan(city["rate_2015"])
    assert city["rate_2016"] == 101
    for col in table.columns[4:]:
        assert table[col].dtype == float


def test_read_laa1_aggregates(laa1_file):
    _, areas = cla.read_laa1(laa1_file, 2013, 2017)
    assert list(areas.columns) == ["area"] + [f"rate_{y}" for y in range(2013, 2018)]
    assert areas["area"].tolist() == ["England", "North East", "North West", "London", "Inner London",
                                      "Outer London", "South West"]
    # Rates, not numbers: the columns after the gap.
    assert areas.set_index("area").loc["England"].tolist() == [50, 51, 52, 53, 54]
    assert areas.set_index("area").loc["London"].tolist() == [53, 54, 55, 56, 57]


def test_read_laa1_with_the_las_table(laa1_file):
    table, _ = cla.read_laa1(laa1_file, 2013, 2017)
    las = build_la_table(table)
    assert las.loc[las["excluded"], "gss"].tolist() == ["E06000053"]
    assert set(las["region"].astype(str)) == {"North East", "North West", "Inner London",
                                             "Outer London", "South West"}


def test_read_laa1_wrong_years(tmp_path):
    path = write_laa1(tmp_path / "SFR41_2016_LA_Tables.xlsx", years=range(2012, 2017))
    with pytest.raises(DataError) as err:
        cla.read_laa1(path, 2013, 2017)
    assert str(path) in str(err.value)
    assert "year" in str(err.value)


def test_read_laa1_without_a_gap_column_raises(tmp_path):
    """A release whose rate columns moved next to the numbers must fail loudly."""
    path = write_laa1(tmp_path / "moved.xlsx", gap=())
    with pytest.raises(DataError) as err:
        cla.read_laa1(path, 2013, 2017)
    assert str(path) in str(err.value)


def test_read_laa1_reads_rates_where_their_years_are(tmp_path):
    """With two blank columns before the rates, positions come from the year row, not fixed offsets."""
    path = write_laa1(tmp_path / "wide.xlsx", gap=(None, None))
    table, _ = cla.read_laa1(path, 2013, 2017)
    darlington = table.set_index("gss").loc["E06000005"]
    assert [darlington[f"rate_{y}"] for y in range(2013, 2018)] == [91, 83, 88, 91, 97]
    assert [darlington[f"number_{y}"] for y in range(2013, 2018)] == [210, 190, 200, 205, 220]


def test_read_laa1_duplicated_code(tmp_path):
    blocks = BLOCKS + [("South East", [("E06000005", 841, "Darlington", [1] * 5, [2] * 5)])]
    path = write_laa1(tmp_path / "dup.xlsx", blocks=blocks)
    with pytest.raises(DataError) as err:
        cla.read_laa1(path, 2013, 2017)
    assert str(path) in str(err.value)
    assert "E06000005" in str(err.value)


def test_read_laa1_missing_header(tmp_path):
    path = write_laa1(tmp_path / "renamed.xlsx", header_label="Local authority code")
    with pytest.raises(DataError) as err:
        cla.read_laa1(path, 2013, 2017)
    assert str(path) in str(err.value)
    assert "LA Code" in str(err.value)


def test_read_laa1_missing_sheet(tmp_path):
    path = write_laa1(tmp_path / "other.xlsx", sheet_title="LAA2")
    with pytest.raises(DataError) as err:
        cla.read_laa1(path, 2013, 2017)
    assert str(path) in str(err.value)


def test_read_laa1_unknown_text_in_a_rate(tmp_path):
    blocks = [("North East", [("E06000005", 841, "Darlington", [210] * 5, [91, 83, "n.k.", 91, 97])])]
    path = write_laa1(tmp_path / "text.xlsx", blocks=blocks)
    with pytest.raises(DataError) as err:
        cla.read_laa1(path, 2013, 2017)
    assert str(path) in str(err.value)
    assert "rate_2015" in str(err.value)


def test_read_laa1_la_before_any_region(tmp_path):
    path = tmp_path / "noregion.xlsx"
    write_laa1(path, blocks=[])
    book = openpyxl.load_workbook(path)
    sheet = book["LAA1"]
    sheet.insert_rows(11)
    for col, value in enumerate(["E06000005", 841, "Darlington"] + [1] * 5 + [None] + [2] * 5, start=1):
        sheet.cell(row=11, column=col, value=value)
    book.save(path)
    # The LA row follows the England row directly: no region header above it.
    with pytest.raises(DataError) as err:
        cla.read_laa1(path, 2013, 2017)
    assert str(path) in str(err.value)


# --- laa1_long and published_rates ---------------------------------------------------------------

def releases(tmp_path):
    """Two releases; the 2016 one uses the pre-2013 Gateshead code and differs on two LA-years."""
    new_blocks = BLOCKS
    old_blocks = []
    for region, las in BLOCKS:
        old = []
        for code, number, name, numbers, rates in las:
            # SFR41 covers 2012-2016: shift by one year, invent a 2012 value.
            numbers = [numbers[0] - 5] + numbers[:4]
            rates = [rates[0] if rates[0] != "x" else "x"] + rates[:4]
            if code == "E08000037":
                code = "E08000020"
            if code == "E06000005":
                rates = rates[:2] + [rates[2] + 1] + rates[3:]  # 2014 revised in the 2017 release
            old.append((code, number, name, numbers, rates))
        old_blocks.append((region, old))
    old_path = write_laa1(tmp_path / "SFR41_2016.xlsx", years=range(2012, 2017), blocks=old_blocks)
    new_path = write_laa1(tmp_path / "SFR50_2017.xlsx", years=range(2013, 2018), blocks=new_blocks)
    old_table, _ = cla.read_laa1(old_path, 2012, 2016)
    new_table, _ = cla.read_laa1(new_path, 2013, 2017)
    return old_table, new_table


def test_laa1_long(tmp_path):
    _, new = releases(tmp_path)
    long = cla.laa1_long(new, "SFR50_2017")
    assert list(long.columns) == ["gss", "year", "number_rounded", "rate_per_10k", "release"]
    assert len(long) == len(new) * 5
    assert not long.duplicated(["gss", "year"]).any()
    row = long[(long["gss"] == "E06000005") & (long["year"] == 2017)].iloc[0]
    assert row["rate_per_10k"] == 97 and row["number_rounded"] == 220


def test_published_rates_takes_the_later_release(tmp_path):
    old, new = releases(tmp_path)
    las = build_la_table(new)
    # Given newest first: the order must come from the year suffix, not the dict.
    panel, revisions = cla.published_rates(
        {"SFR50_2017": cla.laa1_long(new, "SFR50_2017"), "SFR41_2016": cla.laa1_long(old, "SFR41_2016")}, las)
    assert list(panel.columns[:2]) == ["gss", "year"]
    assert {"rate_per_10k", "number_rounded", "release"} <= set(panel.columns)
    assert not panel.duplicated(["gss", "year"]).any()
    assert sorted(panel["year"].unique()) == list(range(2012, 2018))
    assert len(panel) == len(new) * 6
    by = panel.set_index(["gss", "year"])
    # 2012 only in SFR41; 2013-2017 from SFR50.
    assert (panel.loc[panel["year"] == 2012, "release"] == "SFR41_2016").all()
    assert (panel.loc[panel["year"] > 2012, "release"] == "SFR50_2017").all()
    assert by.loc[("E06000005", 2014), "rate_per_10k"] == 83  # SFR50's value, not SFR41's 84
    # The old Gateshead code is mapped, so Gateshead has one series 2012-2017.
    assert "E08000020" not in set(panel["gss"])
    assert len(panel[panel["gss"] == "E08000037"]) == 6
    assert by.loc[("E08000037", 2012), "release"] == "SFR41_2016"


def test_published_rates_reports_revisions(tmp_path):
    old, new = releases(tmp_path)
    las = build_la_table(new)
    _, revisions = cla.published_rates(
        {"SFR41_2016": cla.laa1_long(old, "SFR41_2016"), "SFR50_2017": cla.laa1_long(new, "SFR50_2017")}, las)
    assert {"gss", "year", "SFR41_2016", "SFR50_2017"} <= set(revisions.columns)
    # Every LA-year both publish: 2013-2016.
    assert sorted(revisions["year"].unique()) == [2013, 2014, 2015, 2016]
    changed = revisions[revisions["SFR41_2016"] != revisions["SFR50_2017"]].dropna(
        subset=["SFR41_2016", "SFR50_2017"])
    assert changed[["gss", "year"]].values.tolist() == [["E06000005", 2014]]
    row = changed.iloc[0]
    assert row["SFR41_2016"] == 84 and row["SFR50_2017"] == 83


def test_published_rates_unknown_code(tmp_path):
    old, new = releases(tmp_path)
    las = build_la_table(new[new["gss"] != "E09000003"])  # Barnet unknown to this LA table
    with pytest.raises(DataError) as err:
        cla.published_rates({"SFR50_2017": cla.laa1_long(new, "SFR50_2017")}, las)
    assert "E09000003" in str(err.value)
    assert "SFR50_2017" in str(err.value)


# --- coverage: a truncated release cannot pass as a smaller one ---------------------------

from carerates import paths  # noqa: E402

needs_raw = pytest.mark.skipif(not paths.raw("cla", "underlying", "2015_SFR34_CLA2015.csv").exists()
                               or not paths.raw(cla.LAA1_RELEASES["SFR50_2017"][0]).exists(),
                               reason="raw files absent (run `make data`)")


@pytest.fixture(scope="module")
def real_las():
    file, first, last = cla.LAA1_RELEASES["SFR50_2017"]
    return build_la_table(cla.read_laa1(paths.raw(file), first, last)[0])


@needs_raw
def test_underlying_file_truncated_mid_row_stops_naming_file_year_and_las(tmp_path, real_las):
    """The issue's probe: the 2015 file cut inside a row, leaving 67 of its 151 LAs."""
    import shutil
    folder = tmp_path / "underlying"
    shutil.copytree(paths.raw("cla", "underlying"), folder)
    target = folder / "2015_SFR34_CLA2015.csv"
    target.chmod(0o644)
    lines = target.read_bytes().split(b"\n")
    la_rows = [i for i, line in enumerate(lines) if b",LA," in line]
    keep = la_rows[66]  # the 67th LA row, cut in the middle
    target.write_bytes(b"\n".join(lines[:keep]) + b"\n" + lines[keep][: len(lines[keep]) // 2])
    cla.read_underlying_counts(paths.raw("cla", "underlying"), real_las)  # the real files pass
    with pytest.raises(DataError) as err:
        cla.read_underlying_counts(folder, real_las)
    text = str(err.value)
    assert "2015_SFR34_CLA2015.csv" in text
    assert "2015: 84 of 152 LAs missing" in text  # 151 in the file; Scilly a declared gap
    assert re.search(r"[A-Z][\w ,]+ \(E\d{8}\)", text)  # names and codes


@needs_raw
def test_later_edition_missing_a_year_or_an_la_stops(tmp_path, real_las):
    path = paths.raw(cla.LATER_EDITIONS["2020_2024"])
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    cla.read_later_rates(path, "2020_2024", real_las)
    no_2024 = tmp_path / "no_2024.csv"
    raw[raw["time_period"] != "2024"].to_csv(no_2024, index=False)
    with pytest.raises(DataError, match=r"no_2024.csv: year\(s\) \[2024\] missing"):
        cla.read_later_rates(no_2024, "2020_2024", real_las)
    no_leeds = tmp_path / "no_leeds.csv"
    raw[~((raw["time_period"] == "2022") & (raw["new_la_code"] == "E08000035"))].to_csv(no_leeds, index=False)
    with pytest.raises(DataError, match=r"no_leeds.csv: .*2022: 1 of 152 LAs missing: Leeds \(E08000035\)"):
        cla.read_later_rates(no_leeds, "2020_2024", real_las)
    with pytest.raises(DataError, match=r"no_leeds.csv: .*2022: 1 of 152 LAs missing: Leeds \(E08000035\)"):
        cla.read_later_rates(no_leeds, "2020_2024", real_las, successors=True)


@needs_raw
def test_later_editions_with_successor_codes_pass_the_2017_coverage_check(real_las):
    # Buckinghamshire reports under its 2020 code: judged on the 2017 geography it is present
    for edition, path in cla.LATER_EDITIONS.items():
        kept = cla.read_later_rates(paths.raw(path), edition, real_las, successors=True)
        assert "E06000060" in set(kept["gss"]) and "E10000002" not in set(kept["gss"])


@needs_raw
def test_population_missing_values_beyond_the_declared_gaps_stop(tmp_path, real_las):
    path = paths.raw("population", "ons_mid-year_population_estimates_2012_to_2024.csv")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    cla.read_population(path, real_las)  # Bournemouth, Poole, Dorset suppressed: declared
    hit = (raw["time_period"] == "2015") & (raw["new_la_code"] == "E06000001")
    raw.loc[hit, "population_estimate"] = "x"
    bad = tmp_path / "pop.csv"
    raw.to_csv(bad, index=False)
    with pytest.raises(DataError, match=r"pop.csv: .*2015: 1 of 152 LAs missing with a value .*Hartlepool"):
        cla.read_population(bad, real_las)


@needs_raw
def test_england_series_with_a_missing_year_stops(tmp_path):
    path = paths.raw("cla", "ees", "cla_time_series_1994_2024.csv")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    cla.read_england_numbers(path)
    bad = tmp_path / "series.csv"
    raw[raw["time_period"] != "2003"].to_csv(bad, index=False)
    with pytest.raises(DataError, match=r"series.csv: expected every year 1994-2024.*without \[2003\]"):
        cla.read_england_numbers(bad)


@needs_raw
def test_underlying_file_whose_last_row_is_cut_stops_with_its_line(tmp_path, real_las):
    import shutil
    folder = tmp_path / "underlying"
    shutil.copytree(paths.raw("cla", "underlying"), folder)
    target = folder / "2015_SFR34_CLA2015.csv"
    target.chmod(0o644)
    data = target.read_bytes().rstrip(b"\r\n")
    last = data.rsplit(b"\n", 1)[1]
    target.write_bytes(data[: len(data) - len(last) + len(last) // 3])  # every LA still there
    n_lines = target.read_bytes().count(b"\n") + 1
    with pytest.raises(DataError, match=rf"2015_SFR34_CLA2015.csv: line {n_lines} \(LA E\d{{8}}.*truncated"):
        cla.read_underlying_counts(folder, real_las)


@needs_raw
def test_laa1_release_missing_las_or_rates_stops_naming_it(monkeypatch):
    real = cla.read_laa1

    def partial(path, first, last):
        rows, areas = real(path, first, last)
        if "SFR41" in str(path):
            rows = rows[rows["la_name"] != "Leeds"]
        return rows, areas

    monkeypatch.setattr(cla, "read_laa1", partial)
    with pytest.raises(DataError, match=r"SFR41_2016_LA_Tables.xlsx: .*2012: 1 of 152 LAs missing with a value "
                                        r"in 'rate_per_10k': Leeds \(E08000035\)"):
        cla.build_tables()

    def short(path, first, last):
        rows, areas = real(path, first, last)
        return rows.iloc[:-5], areas

    monkeypatch.setattr(cla, "read_laa1", short)
    with pytest.raises(DataError, match=r"SFR50_2017_LA_tables.xlsx: sheet LAA1 lists 147 LAs, expected 152"):
        cla.build_tables()
