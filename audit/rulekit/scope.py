"""Which subjects are in scope for a period: open children, dates within the period.

RULES.md, "Shared definitions": an open child is a row of ``children`` whose
``case_end_date`` is blank or on/after ``period_start`` and whose ``case_start_date`` (if
given) is on/before ``period_end``. Both columns are optional in the data contract; an
absent column is treated as blank throughout, so with neither column every child is open.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from audit.period import AuditPeriod


def _dates_or_blank(frame: pd.DataFrame, column: str) -> pd.Series:
    """The column as datetimes, or all NaT when the column is absent."""
    if column in frame.columns:
        return pd.to_datetime(frame[column])
    return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")


def open_children(children: pd.DataFrame, period: AuditPeriod) -> pd.Series:
    """True for each child open at some point in the period; a ``bool`` Series on its index.

    A case ending on ``period_start`` is open (it was open that day); one starting on
    ``period_end`` is open; one starting the day after ``period_end`` is not.
    """
    end = _dates_or_blank(children, "case_end_date")
    start = _dates_or_blank(children, "case_start_date")
    not_ended_before = end.isna() | (end >= period.start_ts)
    # Compared with the start of the next day so a stray time of day cannot exclude a case
    # that starts on the last day.
    not_started_after = start.isna() | (start < period.end_ts + pd.Timedelta(days=1))
    return (not_ended_before & not_started_after).astype(bool)


def in_period(dates: pd.Series, period: AuditPeriod) -> pd.Series:
    """True where the date is within the period (both ends inclusive); NaT → False."""
    return period.contains(dates)


def is_in(values: pd.Series, allowed: pd.Series | Iterable[str]) -> pd.Series:
    """True where the value is one of ``allowed``; missing -> False. A ``bool`` Series.

    Done with Arrow's hash lookup: pandas' own ``isin`` on Arrow strings walks the allowed
    values one by one in Python, which dominates a rule's time on a county's children.
    """
    wanted = pa.array(
        pd.Series(list(allowed) if not isinstance(allowed, pd.Series) else allowed)
        .dropna()
        .astype("string[pyarrow]"),
        type=pa.large_string(),
    )
    found = pc.is_in(
        pa.array(values.astype("string[pyarrow]"), type=pa.large_string()), value_set=wanted
    )
    return pd.Series(
        pc.fill_null(found, False).to_numpy(zero_copy_only=False), index=values.index, dtype=bool
    )


def of_open_children(frame: pd.DataFrame, children: pd.DataFrame, period: AuditPeriod) -> pd.Series:
    """True for each row of ``frame`` whose ``child_id`` is an open child in the period."""
    return is_in(frame["child_id"], children.loc[open_children(children, period), "child_id"])
