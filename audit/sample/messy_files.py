"""The messy copy's model: files of rows of typed cells, how each file is written, and the
manifest entry saying what a correct loader must reject or report in it."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlsxwriter

from audit.sample.excel import TEXT_AS_TYPED, WORKBOOK_CREATED

# What a correct loader does with each problem row or cell, named as the loader names it
# (audit/loader.py), so a test can compare the manifest with a load result directly.
REJECT_MISSING = "missing_required_value"
REJECT_BAD_DATE = "unparseable_required_date"
REJECT_DUPLICATE = "duplicate_key"
REJECT_UNKNOWN_CHILD = "unknown_child"
REJECT_REASONS = (REJECT_DUPLICATE, REJECT_MISSING, REJECT_BAD_DATE, REJECT_UNKNOWN_CHILD)
FINDING_BAD_DATE = "unparseable_date"  # in an optional date column: kept, date blank
FINDING_UNMAPPED = "unmapped_value"
FINDING_EXCEL_ERROR = "excel_error"
FINDING_UNKNOWN_CHILD = "unknown_child"  # supervisions.child_id only: informational
FINDING_KINDS = (FINDING_BAD_DATE, FINDING_UNMAPPED, FINDING_EXCEL_ERROR, FINDING_UNKNOWN_CHILD)


@dataclass(frozen=True)
class XlDate:
    """A real Excel date cell (a day number shown dd/mm/yyyy)."""

    serial: int


@dataclass(frozen=True)
class XlNumber:
    """A plain number cell: an Excel serial date without a date format, or an id typed
    as a number."""

    value: int


@dataclass(frozen=True)
class XlError:
    """An Excel error cell: a formula whose cached result is the error."""

    formula: str
    value: str


@dataclass(eq=False)
class Row:
    """One data row of a messy file, and what a correct loader must make of it."""

    cells: list[Any]
    reject: tuple[str, str] | None = None  # (reason, detail)
    duplicates: Row | None = None
    findings: list[tuple[str, str, str]] = field(default_factory=list)  # kind, column, value


@dataclass
class MessyFile:
    """One file of the messy copy, and what a correct loader must make of each row."""

    table: str
    file_name: str
    headers: list[str]
    columns: Sequence[str | None]  # the contract column under each header (None: not ours)
    key: str | None
    encoding: str  # "xlsx", "cp1252", "utf-8-sig" or "utf-8"
    exercises: list[str]
    title_rows: tuple[str, ...] = ()
    rows: list[Row] = field(default_factory=list)

    @property
    def header_row(self) -> int:
        return len(self.title_rows) + 1

    def _numbers(self) -> dict[int, int]:
        return {id(row): self.header_row + 1 + i for i, row in enumerate(self.rows)}

    def manifest(self) -> dict[str, Any]:
        numbers = self._numbers()
        key_at = self.columns.index(self.key) if self.key else None
        rejected, findings = [], []
        for row in self.rows:
            if row.reject:
                reason, detail = row.reject
                if row.duplicates is not None:
                    detail = f"duplicates row {numbers[id(row.duplicates)]}"
                key = cell_text(row.cells[key_at]) if key_at is not None else None
                rejected.append(
                    {"row": numbers[id(row)], "reason": reason, "key": key, "detail": detail}
                )
                continue  # a rejected row's other problems are never reported
            findings += [
                {"row": numbers[id(row)], "column": column, "kind": kind, "value": value}
                for kind, column, value in row.findings
            ]
        return {
            "file": self.file_name,
            "format": "xlsx" if self.encoding == "xlsx" else "csv",
            "encoding": None if self.encoding == "xlsx" else self.encoding,
            "sheet": self.table if self.encoding == "xlsx" else None,
            "header_row": self.header_row,
            "first_data_row": self.header_row + 1,
            "rows_written": len(self.rows),
            "rows_rejected": len(rejected),
            "rows_loaded": len(self.rows) - len(rejected),
            "rejected": {r: sum(x["reason"] == r for x in rejected) for r in REJECT_REASONS},
            "findings": {k: sum(x["kind"] == k for x in findings) for k in FINDING_KINDS},
            "rejected_rows": rejected,
            "finding_cells": findings,
            "exercises": self.exercises,
        }

    def write(self, folder: Path) -> None:
        if self.encoding == "xlsx":
            _write_xlsx(self, folder / self.file_name)
            return
        # Excel on Windows saves CSV with CRLF line ends; keep that for the cp1252 file.
        newline = "\r\n" if self.encoding == "cp1252" else "\n"
        with open(folder / self.file_name, "w", encoding=self.encoding, newline="") as fh:
            writer = csv.writer(fh, lineterminator=newline)
            for title in self.title_rows:
                writer.writerow([title])
            writer.writerow(self.headers)
            writer.writerows([cell_text(v) or "" for v in row.cells] for row in self.rows)


def cell_text(value: Any) -> str | None:
    """The cell as CSV text, and as the key a manifest quotes."""
    if value is None:
        return None
    if isinstance(value, XlDate | XlNumber):
        return str(value.serial if isinstance(value, XlDate) else value.value)
    if isinstance(value, XlError):
        return value.value
    return str(value)


def _write_xlsx(messy: MessyFile, path: Path) -> None:
    workbook = xlsxwriter.Workbook(str(path), dict(TEXT_AS_TYPED))
    workbook.set_properties({"created": WORKBOOK_CREATED, "comments": "Synthetic data."})
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    bold = workbook.add_format({"bold": True})
    sheet = workbook.add_worksheet(messy.table)
    for r, title in enumerate(messy.title_rows):
        sheet.write_string(r, 0, title, bold)
    top = len(messy.title_rows)
    for c, header in enumerate(messy.headers):
        sheet.write_string(top, c, header, bold)
        sheet.set_column(c, c, 16)
    for r, row in enumerate(messy.rows, start=top + 1):
        for c, value in enumerate(row.cells):
            if value is None or value == "":
                continue
            if isinstance(value, XlDate):
                sheet.write_number(r, c, value.serial, date_format)
            elif isinstance(value, XlNumber):
                sheet.write_number(r, c, value.value)
            elif isinstance(value, XlError):
                sheet.write_formula(r, c, value.formula, None, value.value)
            else:
                sheet.write_string(r, c, str(value))
    workbook.close()


def duplicate_of(row: Row) -> Row:
    """A later row with the same key: a correct loader keeps the first and rejects this."""
    return Row(list(row.cells), reject=(REJECT_DUPLICATE, ""), duplicates=row)
