"""Where a profile's tables come from when they are not files: the seam for databases.

A profile that reads named tables (the SSD) takes either grids of spreadsheet cells (a
workbook or a folder of files) or a :class:`TableSource`, which hands over each table's
rows with its columns already named, and says which row of which table each one is.
:class:`audit.database.DatabaseSource` is the one implementation: a table per query.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from audit.lazy import pd


@dataclass(frozen=True)
class SourceTable:
    """One table as read: raw cells under its column names, and where each row is."""

    cells: pd.DataFrame  # object columns named by lower-cased field name; None for NULL
    sheet: str  # what a finding cites as its sheet: the table's name
    rows: pd.Series  # what a finding cites as its row (int64), aligned with ``cells``


@runtime_checkable
class TableSource(Protocol):
    @property
    def label(self) -> str:
        """What a person would recognise the source by, with no secrets in it."""
        ...

    def read(self, wanted: Mapping[str, Sequence[str]]) -> dict[str, SourceTable]:
        """Each wanted table (name -> its fields, key first) with the fields it has."""
        ...
