"""What an input profile hands the loader: contract-shaped grids, and what it cannot give.

A profile turns a source (Ofsted's Annex A, the DfE Standard Safeguarding Dataset, a
council's own export) into the data contract's tables. The rules never see source names.
Each grid's first row is the contract header; each data row says which sheet and
spreadsheet row it came from, so every finding still points at the real record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from audit.lazy import pd
from audit.reader import Grid, PendingGrid


@dataclass(frozen=True)
class SourceData:
    profile: str  # "canonical", "annex-a", "ssd"
    # contract table -> grid (header row first, then data), or one the loader reads itself
    grids: Mapping[str, Grid | PendingGrid]
    # "table" or "table.column" -> why this source cannot provide it, for SKIPPED reasons:
    # "Ofsted's Annex A has no first-language field".
    absent: dict[str, str] = field(default_factory=dict)
    # contract table -> what fed it, for the coverage shown in run.json and the overview.
    fed_by: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # what a QA lead should know about how the source was read
    # contract table -> input rows the profile did not pass on (an SSD "away" episode, a
    # person never open), one row each: LEFT_OUT_COLUMNS. The loader counts each as read
    # and lists it with its reason, so no input row disappears unseen.
    left_out: dict[str, pd.DataFrame] = field(default_factory=dict)
    # sheets or files the profile read, even where they gave no row (Annex A lists with
    # headers only), so they are never reported as ignored.
    read: tuple[str, ...] = ()


# sheet and spreadsheet row of the input row, the column that decided it, its value there,
# and why the row was left out.
LEFT_OUT_COLUMNS = ("sheet", "source_row", "column", "value", "detail")


def left_out_rows(
    sheets: pd.Series, rows: pd.Series, column: str, values: pd.Series, detail: str
) -> pd.DataFrame:
    """Rows a profile leaves out, in the shape ``SourceData.left_out`` holds them."""
    return pd.DataFrame(
        {
            "sheet": sheets.astype("string").to_numpy(),
            "source_row": rows.astype("int64").to_numpy(),
            "column": column,
            "value": values.astype("string").to_numpy(),
            "detail": detail,
        }
    )


def grid_from_frame(
    frame: pd.DataFrame,
    source: str,
    sheets: pd.Series | str,
    rows: pd.Series,
    columns: Sequence[str] | None = None,
) -> Grid:
    """A contract-shaped grid from a frame of raw cells with contract column names.

    ``sheets`` and ``rows`` (aligned with ``frame``) name the sheet and spreadsheet row each
    record came from. Cell values stay raw: the loader normalises them as for any export.
    """
    columns = list(columns or frame.columns)
    body = frame.reindex(columns=columns).astype(object).reset_index(drop=True)
    cells = pd.DataFrame([columns, *body.itertuples(index=False, name=None)], dtype=object)
    cells.columns = range(len(columns))
    sheet_series = (
        pd.Series(sheets, index=frame.index) if isinstance(sheets, str) else sheets
    ).reset_index(drop=True)
    row_series = rows.reset_index(drop=True)
    # Row 0 of the grid is the header; data rows follow at positions 1..n.
    header_sheet = sheet_series.iloc[0] if len(sheet_series) else ""
    row_sheets = pd.concat([pd.Series([header_sheet]), sheet_series], ignore_index=True)
    row_numbers = pd.concat([pd.Series([0]), row_series], ignore_index=True)
    return Grid(
        source=source,
        cells=cells,
        sheet=str(header_sheet),
        row_numbers=row_numbers.astype("int64"),
        row_sheets=row_sheets.astype("string"),
    )
