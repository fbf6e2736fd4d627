"""carerates.sources.deprivation: IMD 2015 / IDACI upper-tier summaries."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from carerates.errors import DataError
from carerates.las import build_la_table
from carerates.sources import deprivation as dep

LAS = [("E06000001", 805, "Hartlepool", "North East"), ("E08000037", 390, "Gateshead", "North East"),
       ("E06000053", 420, "Isles Of Scilly", "South West")]
CODE, NAME = dep.CODE_COLUMN, dep.NAME_COLUMN


@pytest.fixture
def las():
    return build_la_table(pd.DataFrame(LAS, columns=["gss", "la_number", "la_name", "region"]))


def write_book(path, imd_rows=None, idaci_rows=None, drop=None):
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    for sheet, columns, rows in (
        ("IMD", dep.SHEETS["IMD"], imd_rows or [("E06000001", "Hartlepool", 33.178, 17, 0.3276),
                                                ("E08000037", "Gateshead", 25.5, 50, 0.12),
                                                ("E06000053", "Isles of Scilly", 12.0, 140, 0.0)]),
        ("IDACI", dep.SHEETS["IDACI"], idaci_rows or [("E06000001", "Hartlepool", 0.307, 14, 0.3448),
                                                      ("E08000037", "Gateshead", 0.25, 40, 0.1),
                                                      ("E06000053", "Isles of Scilly", 0.08, 150, 0.0)]),
    ):
        ws = book.create_sheet(sheet)
        headers = [CODE, NAME] + [("something else" if h == drop else h) + ("  " if i == 0 else "")
                                  for i, (h, _) in enumerate(columns.values())]
        ws.append(headers)
        for row in rows:
            ws.append(list(row))
    book.save(path)
    return path


def test_reads_scores_in_percent(tmp_path, las):
    table = dep.read_imd2015(write_book(tmp_path / "imd.xlsx"), las).set_index("gss")
    assert table.loc["E06000001", "imd_score"] == pytest.approx(33.178)
    assert table.loc["E06000001", "imd_share_10"] == pytest.approx(32.76)
    assert table.loc["E06000001", "idaci_score"] == pytest.approx(30.7)
    assert table.loc["E08000037", "idaci_rank"] == 40


def test_missing_column_names_the_sheet(tmp_path, las):
    header = dep.SHEETS["IDACI"]["idaci_score"][0]
    with pytest.raises(DataError, match="IDACI.*missing column"):
        dep.read_imd2015(write_book(tmp_path / "imd.xlsx", drop=header), las)


def test_unknown_code_is_refused(tmp_path, las):
    rows = [("E06000999", "Nowhere", 30.0, 1, 0.2), ("E08000037", "Gateshead", 25.5, 50, 0.12)]
    with pytest.raises(DataError, match="E06000999"):
        dep.read_imd2015(write_book(tmp_path / "imd.xlsx", imd_rows=rows), las)


def test_la_in_one_sheet_only_is_refused(tmp_path, las):
    idaci = [("E06000001", "Hartlepool", 0.307, 14, 0.3448), ("E06000053", "Isles of Scilly", 0.08, 150, 0.0)]
    with pytest.raises(DataError, match="only one of the sheets"):
        dep.read_imd2015(write_book(tmp_path / "imd.xlsx", idaci_rows=idaci), las)


def test_text_in_a_number_column_is_refused(tmp_path, las):
    rows = [("E06000001", "Hartlepool", "high", 17, 0.3276), ("E08000037", "Gateshead", 25.5, 50, 0.12),
            ("E06000053", "Isles of Scilly", 12.0, 140, 0.0)]
    with pytest.raises(DataError, match="imd.xlsx"):
        dep.read_imd2015(write_book(tmp_path / "imd.xlsx", imd_rows=rows), las)


def test_processed_deprivation_covers_every_la_and_tracks_low_income():
    """On the real data (skipped until 01 has run): all 152 LAs, and IDACI, a measure of children
    in income-deprived families, ranks LAs much as the low-income measure does."""
    from carerates import paths
    from carerates.io import read_parquet

    if not paths.processed("deprivation.parquet").exists() or not paths.processed("low_income.parquet").exists():
        pytest.skip("data/processed not built")
    table = read_parquet(paths.processed("deprivation.parquet"))
    assert len(table) == 152 and table["gss"].is_unique
    low = read_parquet(paths.processed("low_income.parquet"))
    low = low[low["snapshot_year"] == 2015].set_index("gss")["low_income_pct"]
    both = table.set_index("gss")["idaci_score"].to_frame().join(low, how="inner").dropna()
    assert len(both) >= 140
    assert both.corr(method="spearman").iloc[0, 1] > 0.8
