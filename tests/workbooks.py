"""Real xlsx files for tests, written with openpyxl: a sheet per entry, rows as given."""

from __future__ import annotations

from pathlib import Path

import openpyxl


def workbook(
    path: Path, sheets: dict[str, list[list[object]]], *, formulas_as_text: bool = False
) -> Path:
    """Write ``sheets`` to ``path``. With ``formulas_as_text``, a cell such as ``=1+1`` is
    stored as text, as a case-management export holds it, not as a formula."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        if formulas_as_text:
            for line in ws.iter_rows():
                for cell in line:
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        cell.data_type = "s"
    wb.save(path)
    return path
