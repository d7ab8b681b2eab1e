"""The contract's tables and columns, and the last step that gives every generated frame
exactly that shape."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.contract import table_spec

# The workbook's sheets, in this order; each table's columns come from the contract's
# tables (audit/contract.py), the single source of column names and kinds. Display columns
# (shown for information, outside the shared contract) are not generated.
SHEET_ORDER = (
    "children",
    "visits",
    "plans",
    "assessments",
    "events",
    "supervisions",
    "workers",
    "reviews",
    "missing_episodes",
    "camhs_referrals",
)
CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    table: tuple(c.name for c in table_spec(table).columns if not c.display)
    for table in SHEET_ORDER
}
DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    table: tuple(c.name for c in table_spec(table).columns if c.kind == "date")
    for table in SHEET_ORDER
}


NUMBER_COLUMNS: dict[str, tuple[str, ...]] = {
    table: tuple(c.name for c in table_spec(table).columns if c.kind == "number")
    for table in SHEET_ORDER
}


def to_contract(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Exactly the contract's columns: dates as datetime64[ns], numbers as floats (blank:
    NaN), everything else as strings."""
    out = {}
    for column in CONTRACT_COLUMNS[table]:
        values = frame[column]
        if column in DATE_COLUMNS[table]:
            out[column] = pd.Series(np.asarray(values, dtype="datetime64[ns]"))
        elif column in NUMBER_COLUMNS[table]:
            out[column] = pd.Series(np.asarray(values, dtype="float64"))
        else:
            cells = pd.Series(np.asarray(values, dtype=object)).astype("str")
            out[column] = cells.mask(cells == "")
    return pd.DataFrame(out)
