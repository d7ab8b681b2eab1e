"""Which subjects are in scope for a period: open children, dates within the period.

Shared definitions (the rule reference, docs/rules.md): an open child is a row of
``children`` whose ``case_end_date`` is blank or on/after ``period_start`` and whose
``case_start_date`` (if given) is on/before ``period_end``. Both columns are optional in the
data contract; an absent column is treated as blank throughout, so with neither column every
child is open.

The engine works out the open children once per run, from the whole ``children`` table
(``AuditContext.scoped``); a rule asks ``ctx.is_open_child(frame["child_id"])`` and never
declares the case dates itself.
"""

from __future__ import annotations

from audit.arrow import is_in
from audit.lazy import pd
from audit.period import AuditPeriod
from audit.rulekit.columns import has_column

__all__ = ["in_period", "is_in", "open_children"]


def _dates_or_blank(frame: pd.DataFrame, column: str) -> pd.Series:
    """The column as datetimes, or all NaT when the column is absent."""
    if has_column(frame, column):
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
