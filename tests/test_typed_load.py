"""The typed load path (parquet's own columns, CSV split by pyarrow) gives a QA lead the same
tables, rejections and data-quality findings, row for row, as reading every cell."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from audit.contract import table_spec
from audit.loader import load_table
from audit.reader import read_grid
from tests.workbooks import workbook

MESSY = Path(__file__).resolve().parents[1] / "sample_cases" / "messy"


def _both_ways(file: Path, table: str, children: pd.Series | None = None):  # type: ignore[no-untyped-def]
    spec = table_spec(table)
    typed = load_table(spec, read_grid(file, None, typed=True), children)
    cells = load_table(spec, read_grid(file, None), children)
    return typed, cells


def _same(typed, cells) -> None:  # type: ignore[no-untyped-def]
    pd.testing.assert_frame_equal(typed.frame, cells.frame)
    pd.testing.assert_frame_equal(typed.rejected, cells.rejected)
    pd.testing.assert_frame_equal(typed.findings, cells.findings)
    assert (typed.rows_read, typed.header_row, typed.absent_columns, typed.ignored_headers) == (
        cells.rows_read,
        cells.header_row,
        cells.absent_columns,
        cells.ignored_headers,
    )


@pytest.mark.parametrize("name", sorted(p.name for p in MESSY.glob("*.csv")))
def test_each_messy_csv_loads_the_same_typed_as_cell_by_cell(name):
    children = load_table(table_spec("children"), read_grid(MESSY / "children.xlsx", None))
    typed, cells = _both_ways(MESSY / name, Path(name).stem, children.frame["child_id"])
    _same(typed, cells)
    assert typed.rows_read > 0


def test_a_csv_with_quoted_commas_and_a_blank_line_splits_as_the_csv_module_does(tmp_path):
    file = tmp_path / "visits.csv"
    file.write_bytes(
        b"visit_id,child_id,visit_date,seen_alone_commentary\r\n"
        b'V1,C1,03/04/2026,"Seen at school, then home"\r\n'
        b"\r\n"
        b'V2,C1,#N/A,"She said ""fine"""\r\n'
        b"V3,,NULL,\r\n"
    )
    typed, cells = _both_ways(file, "visits")
    _same(typed, cells)
    assert typed.frame["seen_alone_commentary"].tolist() == ["Seen at school, then home"]
    assert typed.rejected["source_row"].tolist() == [4, 5]


def test_a_csv_with_a_stray_quote_keeps_its_unreadable_row_and_the_rows_after(tmp_path):
    file = tmp_path / "visits.csv"
    file.write_text(
        'visit_id,child_id,visit_date\nV1,C1,03/04/2026\nV2,"C1,03/04/2026\nV3,C1,04/04/2026\n'
    )
    typed, cells = _both_ways(file, "visits")
    _same(typed, cells)
    assert typed.rejected["kind"].tolist() == ["unreadable_row"]
    assert typed.frame["visit_id"].tolist() == ["V1", "V3"]


def test_parquet_columns_of_each_type_load_as_their_cells_would(tmp_path):
    pd.DataFrame(
        {
            "child_id": pd.array(["C1", " C2 ", "C3", "C1", None, "C6"], dtype="string"),
            "allocated_team": ["North", "NULL", "#N/A", "South", "North", ""],
            "date_of_birth": pd.to_datetime(
                ["2015-02-01 10:30", None, "2016-03-04 00:00", "2014-01-01 00:00", None, None]
            ),
            "case_start_date": [45000.0, None, 45001.5, None, 1.0, None],
            "ethnicity": pd.array(["a) WBRI", "White British", "Whte", None, "WBRI", None]),
            "iro_id": pd.array([1234, None, 7, 8, 9, None], dtype="Int64"),
            "religion": [True, False, None, True, False, None],
        }
    ).to_parquet(tmp_path / "children.parquet")
    typed, cells = _both_ways(tmp_path / "children.parquet", "children")
    _same(typed, cells)
    assert typed.frame["iro_id"].tolist()[:2] == ["1234", pd.NA]
    assert typed.rejected[["source_row", "kind"]].values.tolist() == [
        [5, "duplicate_key"],
        [6, "missing_required_value"],
    ]


def test_a_whole_county_folder_of_csv_loads_the_same_either_way(tmp_path):
    folder = tmp_path / "messy"
    shutil.copytree(MESSY, folder)
    children = load_table(table_spec("children"), read_grid(folder / "children.xlsx", None))
    for file in sorted(folder.glob("*.csv")):
        _same(*_both_ways(file, file.stem, children.frame["child_id"]))


SAMPLE = MESSY.parent / "authority.xlsx"


def _both_ways_sheet(file: Path, sheet: str, table: str, children: pd.Series | None = None):  # type: ignore[no-untyped-def]
    spec = table_spec(table)
    typed = load_table(spec, read_grid(file, sheet, typed=True), children)
    cells = load_table(spec, read_grid(file, sheet), children)
    return typed, cells


@pytest.mark.parametrize("sheet", ["children", "visits", "plans", "assessments", "reviews"])
def test_each_sheet_of_the_sample_workbook_loads_the_same_typed_as_cell_by_cell(sheet):
    children = load_table(table_spec("children"), read_grid(SAMPLE, "children"))
    typed, cells = _both_ways_sheet(SAMPLE, sheet, sheet, children.frame["child_id"])
    _same(typed, cells)
    assert typed.rows_read > 0


def test_a_messy_sheet_with_title_rows_error_cells_and_mixed_cells_loads_the_same_either_way(
    tmp_path,
):
    file = workbook(
        tmp_path / "children.xlsx",
        {
            "children": [
                ["Fictional Borough (synthetic)"],
                [],
                ["child_id", "allocated_team", "date_of_birth", "ethnicity", "iro_id"],
                ["C1", " North ", dt.date(2015, 2, 1), "a) WBRI", 1234],
                ["C2", "NULL", "03/04/2016", " White British ", "I7"],
                ["C2", "#N/A", None, "Whte", None],
                [" ", "", dt.datetime(2014, 1, 1, 9, 30), None, 12.0],
                ["C4", "South", "", "null", "=1+1"],
            ]
        },
        formulas_as_text=True,
    )
    typed, cells = _both_ways_sheet(file, "children", "children")
    _same(typed, cells)
    assert typed.frame["child_id"].tolist() == ["C1", "C2", "C4"]
    assert typed.frame["allocated_team"].tolist() == ["North", "Unallocated", "South"]
    assert typed.rejected["kind"].tolist() == ["duplicate_key", "missing_required_value"]


def test_a_sheet_with_excel_error_cells_reports_them_either_way(tmp_path):
    file = workbook(
        tmp_path / "children.xlsx",
        {"children": [["child_id", "allocated_team"], ["C1", "North"], ["C2", "#N/A"]]},
    )
    # Make C3's team a real error cell, as Excel writes one (not text reading "#N/A").
    import openpyxl

    book = openpyxl.load_workbook(file)
    book["children"].append(["C3", "#DIV/0!"])
    book["children"]["B4"].data_type = "e"
    book.save(file)
    typed, cells = _both_ways_sheet(file, "children", "children")
    _same(typed, cells)
    assert typed.findings[["source_row", "kind"]].values.tolist() == [
        [3, "excel_error"],
        [4, "excel_error"],
    ]
