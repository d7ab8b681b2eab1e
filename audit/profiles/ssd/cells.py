"""SSD cells read the way the loader reads them, where the mapping must decide on a value.

The profile otherwise passes raw cells through. Where it has to decide (which involvement
is current, which placement is the first) it reads cells with the loader's own parsers
(:mod:`audit.normalise`), so the mapping and the loader never disagree about a cell.
"""

from __future__ import annotations

from audit import normalise
from audit.lazy import pd


def text(raw: pd.Series) -> pd.Series:
    return normalise.cells_to_text(raw)


def optional_text(frame: pd.DataFrame, column: str) -> pd.Series:
    """The column as text, or all blank when the extract did not have it."""
    if column in frame:
        return text(frame[column])
    return pd.Series(pd.NA, index=frame.index, dtype="string")


def key(raw: pd.Series) -> pd.Series:
    """An identifier as the loader reads it, for joining tables on it."""
    return normalise.as_id(text(raw))[0]


def dates(raw: pd.Series) -> pd.Series:
    """Cells as dates the way the loader parses them; anything else is NaT."""
    return normalise.as_date(raw, text(raw))[0]


def yes(raw: pd.Series) -> pd.Series:
    return normalise.as_yes_no(text(raw))[0].eq("Y").fillna(False).astype(bool)


def prefixed(prefix: str, raw: pd.Series) -> pd.Series:
    """``CIN-123`` for each id; a blank id stays blank so the loader rejects its row."""
    ids = key(raw)
    return (prefix + "-" + ids).astype(object).where(ids.notna(), "")


def open_at(start: pd.Series, end: pd.Series, as_at: pd.Timestamp) -> pd.Series:
    """Started on/before the as-at date and not ended before it."""
    return ((start <= as_at) & (end.isna() | (end >= as_at))).fillna(False).astype(bool)
