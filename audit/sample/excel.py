"""What every workbook the generator writes shares: fixed metadata, text kept as typed,
and dates as Excel day numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from audit.sample.dates import ONE_DAY

# Fixed so that the same tables always give a byte-identical workbook.
WORKBOOK_CREATED = datetime(2026, 1, 1, 9, 0, 0)

# Text is written as typed: "000123" stays an id, "=NA()" and "http://" stay text.
TEXT_AS_TYPED = {
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}

_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")  # day 0 of Excel's 1900 date system


def excel_serials(values: pd.Series) -> list[int | None]:
    """Excel's day numbers (1900 system) for each date; None for a blank."""
    dates = values.to_numpy(dtype="datetime64[D]")
    blank = np.isnat(dates)
    serial = _day_number(np.where(blank, _EXCEL_EPOCH, dates))
    return [None if b else int(v) for b, v in zip(blank, serial, strict=True)]


def excel_serial(value: Any) -> int | None:
    """Excel's day number for one date; None for a blank."""
    if pd.isna(value):
        return None
    return int(_day_number(np.datetime64(pd.Timestamp(value).date(), "D")))


def _day_number(dates: Any) -> Any:
    return (dates - _EXCEL_EPOCH) // ONE_DAY
