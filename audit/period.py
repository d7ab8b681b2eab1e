"""The audit period: one calendar month, ``YYYY-MM``, first day to last day inclusive.

RULES.md, "Shared definitions": the period runs from ``period_start`` to ``period_end``
inclusive and the as-at date is ``period_end``. Every rule reads its dates from here, so
"within the period" means the same thing everywhere.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from audit.errors import UsageError
from audit.lazy import pd

# Years a user can ask for. Wide enough for historical re-audits, narrow enough to catch a
# typo such as "0226-09" and to stay inside what pandas Timestamps can hold.
_MIN_YEAR = 1900
_MAX_YEAR = 2199

_PERIOD_RE = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True, order=True)
class AuditPeriod:
    """One calendar month under audit.

    Build it with :meth:`parse` (from ``--period``), :meth:`from_month` or :meth:`relative`
    rather than by hand, so ``start``, ``end`` and ``label`` always agree. Periods order by
    date (``start`` first), so an earlier month is the smaller. Past the CLI and the stored
    files (history, ``overview.json``), a month is always one of these, never its label.
    """

    start: date
    end: date
    label: str

    @classmethod
    def from_month(cls, year: int, month: int) -> AuditPeriod:
        """The period for calendar month ``month`` (1-12) of ``year``."""
        last_day = calendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, last_day), f"{year:04d}-{month:02d}")

    @classmethod
    def parse(cls, value: str) -> AuditPeriod:
        """Parse ``YYYY-MM`` (surrounding white space allowed).

        Raises :class:`~audit.errors.UsageError` with a one-line message for anything else,
        including a month outside 01-12 or a year outside 1900-2199.
        """
        text = value.strip() if isinstance(value, str) else ""
        match = _PERIOD_RE.fullmatch(text)
        if match:
            year, month = int(match.group(1)), int(match.group(2))
            if not 1 <= month <= 12:
                raise UsageError(
                    f"--period {text}: the month must be 01 to 12 (January to December); "
                    f"got {month:02d}"
                )
            if not _MIN_YEAR <= year <= _MAX_YEAR:
                raise UsageError(
                    f"--period {text}: the year must be {_MIN_YEAR} to {_MAX_YEAR}; got {year}"
                )
            return cls.from_month(year, month)
        raise UsageError(f"--period must be YYYY-MM, e.g. 2026-09; got {value!r}")

    @classmethod
    def relative(cls, which: str, today: date) -> AuditPeriod:
        """``"this-month"`` (the month containing ``today``) or ``"last-month"`` (the one before).

        ``today`` is passed in, never read from the clock here, so scheduled runs are testable.
        """
        current = cls.from_month(today.year, today.month)
        key = which.strip().lower() if isinstance(which, str) else ""
        if key == "this-month":
            return current
        if key == "last-month":
            return current.previous()
        raise UsageError(f"relative period must be 'last-month' or 'this-month'; got {which!r}")

    @classmethod
    def from_argument(cls, value: str, today: date) -> AuditPeriod:
        """A ``--period`` value: ``YYYY-MM``, or ``last-month`` / ``this-month`` for schedules."""
        if value.strip().lower() in ("last-month", "this-month"):
            return cls.relative(value, today)
        return cls.parse(value)

    def previous(self) -> AuditPeriod:
        """The calendar month before this one (January → December of the year before)."""
        if self.start.month == 1:
            return AuditPeriod.from_month(self.start.year - 1, 12)
        return AuditPeriod.from_month(self.start.year, self.start.month - 1)

    @property
    def month_name(self) -> str:
        """``September 2026``: the month as the reports and emails name it."""
        return self.start.strftime("%B %Y")

    @property
    def as_at(self) -> date:
        """The as-at date: the last day of the period."""
        return self.end

    @property
    def start_ts(self) -> pd.Timestamp:
        """``start`` as a pandas Timestamp at midnight."""
        return pd.Timestamp(self.start)

    @property
    def end_ts(self) -> pd.Timestamp:
        """``end`` as a pandas Timestamp at midnight (the loader normalises dates to midnight)."""
        return pd.Timestamp(self.end)

    def contains(self, dates: pd.Series) -> pd.Series:
        """True where the date is on/after ``start`` and on/before ``end``; NaT → False.

        Returns a plain ``bool`` Series on the same index. A value with a time of day on the
        last day still counts (compared against the start of the next day), although the
        loader normalises dates to midnight anyway.
        """
        values = pd.to_datetime(dates)
        next_day = self.end_ts + pd.Timedelta(days=1)
        # Comparisons with NaT are False, which is exactly "not in the period".
        inside = (values >= self.start_ts) & (values < next_day)
        return inside.fillna(False).astype(bool)

    def __str__(self) -> str:
        return self.label
