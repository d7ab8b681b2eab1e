"""Working days: Monday to Friday, excluding England and Wales bank holidays.

The bank holidays come from the maintained ``holidays`` package (``country_holidays("GB",
subdiv="ENG")``), never from a hand-typed list, so substitute days (Boxing Day 2026 falls on
a Saturday, so Monday 28 December is the bank holiday) and one-off days (such as the 2022
State Funeral) are right without anyone editing this file. England and Wales share one set
of bank holidays, so ``ENG`` serves both.

All arithmetic is vectorised with numpy's business-day functions. Holidays are fetched for
the years the inputs actually span (plus a margin), one cached calendar per span, so any
year present in the data is covered and the calendar object itself stays immutable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from audit.lazy import np, pd

_WEEKMASK = "1111100"  # Monday to Friday
# Years any case record is likely to need; data outside them gets a wider calendar.
_USUAL_SPAN = (1990, 2060)


@lru_cache(maxsize=64)
def _busdaycalendar(subdiv: str, first_year: int, last_year: int) -> np.busdaycalendar:
    """A numpy business-day calendar holding the bank holidays of the given years."""
    import holidays  # deferred for start-up time: listing the rules never needs a calendar

    bank_holidays = holidays.country_holidays(
        "GB", subdiv=subdiv, years=range(first_year, last_year + 1)
    )
    days = np.array(sorted(bank_holidays), dtype="datetime64[D]")
    return np.busdaycalendar(weekmask=_WEEKMASK, holidays=days)


def _to_days(dates: pd.Series) -> np.ndarray:
    """The dates as ``datetime64[D]`` (time of day dropped; NaT stays NaT)."""
    return pd.to_datetime(dates).to_numpy(dtype="datetime64[D]")


def _year_span(*arrays: np.ndarray) -> tuple[int, int] | None:
    """First and last calendar year among the non-NaT values, or None when all are NaT."""
    valid = [a[~np.isnat(a)] for a in arrays]
    valid = [a for a in valid if a.size]
    if not valid:
        return None
    years = [a.astype("datetime64[Y]").astype(int) + 1970 for a in valid]
    return int(min(y.min() for y in years)), int(max(y.max() for y in years))


@dataclass(frozen=True)
class WorkingDayCalendar:
    """England and Wales working days (Mon-Fri less bank holidays from ``holidays``).

    ``subdiv`` is the ``holidays`` subdivision of GB; the default ``"ENG"`` gives the
    England and Wales bank holidays. Methods take datetime64 Series and return Series on the
    same index; NaT passes through as NaT (dates) or ``<NA>`` (counts and flags).
    """

    subdiv: str = "ENG"

    def _calendar(self, first_year: int, last_year: int) -> np.busdaycalendar:
        # One spare year either side: rolling back from 1 January, or forward past
        # 31 December, must still see the neighbouring year's bank holidays. Spans are
        # widened to a standard range so one calendar, built once, serves every rule.
        first = min(first_year - 1, _USUAL_SPAN[0])
        last = max(last_year + 1, _USUAL_SPAN[1])
        return _busdaycalendar(self.subdiv, first, last)

    def prepare(self) -> WorkingDayCalendar:
        """Load the bank holidays now (once per run), not inside the first rule that asks."""
        self._calendar(*_USUAL_SPAN)
        return self

    def add_working_days(self, dates: pd.Series, n: int) -> pd.Series:
        """The ``n``-th working day after each date, the date itself not counted.

        Friday 14 Aug 2026 + 20 → Monday 14 Sep 2026 (Monday 31 Aug is a bank holiday);
        Saturday + 1 → the Monday. ``n = 0`` returns the date itself, even on a weekend.
        A negative ``n`` counts back the same way (Monday - 1 → the Friday before).
        """
        days = _to_days(dates)
        result = days.copy()
        span = _year_span(days)
        if n != 0 and span is not None:
            # n working days cover at most ~1.5n calendar days; the margin keeps the result
            # inside the years whose holidays are loaded.
            margin = abs(n) * 2 // 365 + 1
            first, last = span[0] - (margin if n < 0 else 0), span[1] + (margin if n > 0 else 0)
            valid = ~np.isnat(days)
            # A non-working start is first moved to the working day before it (for n > 0),
            # so Saturday + 1 lands on Monday, not Tuesday; mirrored for n < 0.
            result[valid] = np.busday_offset(
                days[valid],
                n,
                roll="backward" if n > 0 else "forward",
                busdaycal=self._calendar(first, last),
            )
        return pd.Series(result, index=dates.index, name=dates.name).astype(_out_dtype(dates))

    def working_days_after(self, start: pd.Series, end: pd.Series) -> pd.Series:
        """Working days after ``start`` up to and including ``end``; 0 when ``end <= start``.

        This is "working days late": due Monday 14 Sep 2026, updated Tuesday 15 Sep → 1.
        Returns ``Int64`` aligned on ``start``'s index; ``<NA>`` where either date is NaT.
        The two Series are matched by position, so pass them from the same frame.
        """
        begin = _to_days(start)
        finish = _to_days(end)
        if begin.shape != finish.shape:
            raise ValueError("working_days_after needs start and end of the same length")
        counts = np.zeros(len(begin), dtype="int64")
        valid = ~np.isnat(begin) & ~np.isnat(finish)
        span = _year_span(begin[valid], finish[valid])
        if span is not None:
            # busday_count counts [begin, end); shifting both by a day gives (start, end].
            raw = np.busday_count(
                begin[valid] + np.timedelta64(1, "D"),
                finish[valid] + np.timedelta64(1, "D"),
                busdaycal=self._calendar(*span),
            )
            counts[valid] = np.maximum(raw, 0)
        return pd.Series(pd.arrays.IntegerArray(counts, ~valid), index=start.index)

    def is_working_day(self, dates: pd.Series) -> pd.Series:
        """Whether each date is a working day, as ``boolean`` with ``<NA>`` for NaT."""
        days = _to_days(dates)
        flags = pd.array([pd.NA] * len(days), dtype="boolean")
        valid = ~np.isnat(days)
        span = _year_span(days)
        if span is not None:
            flags[valid] = np.is_busday(days[valid], busdaycal=self._calendar(*span))
        return pd.Series(flags, index=dates.index, name=dates.name)

    def add_working_days_to(self, d: date, n: int) -> date:
        """Scalar form of :meth:`add_working_days` for one ``datetime.date``."""
        result = self.add_working_days(pd.Series([pd.Timestamp(d)]), n).iloc[0]
        return pd.Timestamp(result).date()


def _out_dtype(dates: pd.Series) -> np.dtype | str:
    """Keep the caller's datetime resolution so results compare cleanly with their columns."""
    dtype = dates.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "M":
        return dtype
    return "datetime64[ns]"
