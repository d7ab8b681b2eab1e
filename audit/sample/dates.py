"""Day arithmetic on ``datetime64[D]`` arrays: the audit window, working days, open cases.

The generator works in whole days throughout; NaT is a blank date (a case still open,
an episode not yet over).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import holidays
import numpy as np
import pandas as pd

from audit.errors import UsageError

AUDIT_MONTHS = 4  # activity is generated for the last four months up to end_month

ONE_DAY = np.timedelta64(1, "D")
NAT = np.datetime64("NaT", "D")


def days(n: np.ndarray | int) -> np.ndarray:
    """n as a number of days, to add to dates."""
    return np.asarray(n, dtype=np.int64) * ONE_DAY


def uniform_dates(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """One date drawn uniformly from each inclusive range [lo, hi] (hi >= lo)."""
    span = (hi - lo) // ONE_DAY + 1
    return lo + days((rng.random(len(lo)) * span).astype(np.int64))


def month_end(dates: np.ndarray) -> np.ndarray:
    """The last day of each date's month."""
    month = dates.astype("datetime64[M]") + np.timedelta64(1, "M")
    return month.astype("datetime64[D]") - ONE_DAY


def or_date(dates: np.ndarray, fallback: np.datetime64) -> np.ndarray:
    """Each date, or the fallback where it is blank."""
    return np.where(np.isnat(dates), fallback, dates)


def open_until(end: np.ndarray, last: np.datetime64) -> np.ndarray:
    """The last open day up to ``last`` of things ending on ``end`` (blank: still open)."""
    return np.minimum(or_date(end, last), last)


def long_dates(dates: np.ndarray) -> np.ndarray:
    """'14 September 2026' for each date, as people write it in case notes."""
    index = pd.DatetimeIndex(dates.astype("datetime64[ns]"))
    text = index.day.astype(str) + " " + index.month_name() + " " + index.year.astype(str)
    return np.asarray(text, dtype=object)


@dataclass(frozen=True)
class Window:
    """The months with activity: the last AUDIT_MONTHS calendar months up to end_month."""

    month_starts: np.ndarray
    month_ends: np.ndarray

    @property
    def start(self) -> np.datetime64:
        return self.month_starts[0]

    @property
    def end(self) -> np.datetime64:
        return self.month_ends[-1]

    @property
    def days(self) -> int:
        return int((self.end - self.start) // ONE_DAY) + 1


def make_window(end_month: str) -> Window:
    """The window ending with ``end_month`` (``YYYY-MM``); a usage error otherwise."""
    if not isinstance(end_month, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", end_month):
        raise UsageError(f"end_month must be YYYY-MM, e.g. 2026-10; got {end_month!r}")
    last = np.datetime64(end_month, "M")
    months = last - np.arange(AUDIT_MONTHS - 1, -1, -1).astype("timedelta64[M]")
    starts = months.astype("datetime64[D]")
    return Window(month_starts=starts, month_ends=month_end(starts))


class WorkingDays:
    """England and Wales working days from the maintained ``holidays`` calendar."""

    def __init__(self, window: Window) -> None:
        first = int(str(window.start)[:4]) - 2
        last = int(str(window.end)[:4]) + 2
        bank = holidays.country_holidays("GB", subdiv="ENG", years=range(first, last + 1))
        dates = np.array(sorted(bank), dtype="datetime64[D]")
        self.calendar = np.busdaycalendar(weekmask="1111100", holidays=dates)

    def after(self, dates: np.ndarray, n: int) -> np.ndarray:
        """The n-th working day after each date, the date itself not counted (RULES.md)."""
        # Rolling a weekend or holiday back first makes Saturday + 1 the Monday.
        return np.busday_offset(dates, n, roll="backward", busdaycal=self.calendar)
