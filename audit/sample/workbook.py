"""``write_workbook``: the canonical tables as one typed, byte-reproducible workbook."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import xlsxwriter

from audit.sample.excel import TEXT_AS_TYPED, WORKBOOK_CREATED, excel_serials
from audit.sample.names import AUTHORITY_NAME
from audit.sample.tables import CONTRACT_COLUMNS, DATE_COLUMNS

# Excel's sheet limit is 1,048,576 rows; one of them is the header.
EXCEL_MAX_DATA_ROWS = 1_048_575


class TooManyRowsForExcel(ValueError):
    """A table is larger than one Excel sheet can hold: write parquet instead."""


def write_parquet_folder(tables: Mapping[str, pd.DataFrame], folder: str | Path) -> Path:
    """One ``<table>.parquet`` per table: the form for authorities past Excel's row limit."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for table, frame in tables.items():
        frame.to_parquet(folder / f"{table}.parquet", index=False)
    return folder


def write_workbook(tables: Mapping[str, pd.DataFrame], path: str | Path) -> None:
    """One sheet per table (named as the table), header in row 1, dates as real Excel dates
    shown dd/mm/yyyy, numbers (FTE) as numbers, everything else as text (so identifiers
    keep their leading zeros), blanks as empty cells. The same tables always give a
    byte-identical file."""
    path = Path(path)
    # Checked before anything is written: xlsxwriter would silently drop the rows past the
    # limit, and a sample missing a fifth of its visits would give believable wrong figures.
    for table, frame in tables.items():
        if len(frame) > EXCEL_MAX_DATA_ROWS:
            raise TooManyRowsForExcel(
                f"the {table} table has {len(frame):,} rows, more than an Excel sheet holds "
                f"({EXCEL_MAX_DATA_ROWS:,}): write parquet instead"
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, **TEXT_AS_TYPED})
    workbook.set_properties(
        {
            "title": f"{AUTHORITY_NAME}: case records",
            "author": "caseaudit sample generator",
            "comments": "Synthetic, fictional data. No real person is described.",
            "created": WORKBOOK_CREATED,
        }
    )
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    ordered = [t for t in CONTRACT_COLUMNS if t in tables] + [
        t for t in tables if t not in CONTRACT_COLUMNS
    ]
    for table in ordered:
        frame = tables[table]
        sheet = workbook.add_worksheet(table)
        columns = list(frame.columns)
        for c, name in enumerate(columns):
            sheet.set_column(c, c, 12 if name in DATE_COLUMNS.get(table, ()) else 18)
            sheet.write_string(0, c, str(name), bold)
        is_date = [pd.api.types.is_datetime64_any_dtype(frame[c]) for c in columns]
        is_number = [pd.api.types.is_float_dtype(frame[c]) for c in columns]
        cells = [
            excel_serials(frame[c]) if d else _numbers(frame[c]) if f else _texts(frame[c])
            for c, d, f in zip(columns, is_date, is_number, strict=True)
        ]
        for r, row in enumerate(zip(*cells, strict=True), start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if is_date[c]:
                    sheet.write_number(r, c, value, date_format)
                elif is_number[c]:
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
        sheet.freeze_panes(1, 0)
    workbook.close()


def _numbers(values: pd.Series) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in values]


def _texts(values: pd.Series) -> list[str | None]:
    return [v if isinstance(v, str) and v != "" else None for v in values.astype(object)]
