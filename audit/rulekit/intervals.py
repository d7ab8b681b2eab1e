"""Intervals: a number of calendar or working days, and what is due or late by them.

RULES.md, "Timeliness and capacity rules": an interval is written in config as text,
``"42 calendar days"`` or ``"10 working days"``. *Due* is the reference date plus the
interval. Calendar due dates never roll: 42 calendar days after a date may be a Sunday or a
bank holiday, and that is the due date. Working-day due dates follow the shared definition
(:meth:`WorkingDayCalendar.add_working_days`: the N-th working day after the date, the date
itself not counted; a Saturday counts from the Monday). A later date *exceeds* the interval
only when it is after the due date: a gap of exactly the interval is on time.

Lateness is counted in the interval's own unit, after the due date up to and including the
later date: due Friday 25/12/2026 (calendar), seen Monday 28/12/2026 is 3 calendar days
late; the same dates in working days are 0 days late, since Boxing Day's substitute bank
holiday is that Monday.

Rules with one interval per code (a case type, a role) keep an :class:`IntervalsByCode`;
the functions here take either one :class:`Interval` for every row or a Series of them (one
per row, ``None`` where no interval applies), and work over each distinct interval at once,
so the arithmetic stays vectorised however many rows there are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeAlias

from audit.lazy import np, pd
from audit.rulekit.workdays import WorkingDayCalendar


class DayUnit(StrEnum):
    CALENDAR = "calendar"
    WORKING = "working"


_TEXT = re.compile(r"^\s*(\d+)\s+(calendar|working)\s+days?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Interval:
    """``days`` days in ``unit``: ``Interval.parse("10 working days")``."""

    days: int
    unit: DayUnit

    def __post_init__(self) -> None:
        if self.days < 0:
            raise ValueError(f"an interval cannot be negative, got {self.days}")
        object.__setattr__(self, "unit", DayUnit(self.unit))

    @classmethod
    def parse(cls, text: str) -> Interval:
        """``"42 calendar days"``, ``"1 working day"`` (any case); anything else is an error
        naming the expected form."""
        match = _TEXT.match(text) if isinstance(text, str) else None
        if match is None:
            raise ValueError(
                f'expected an interval such as "42 calendar days" or "10 working days", '
                f"got {text!r}"
            )
        return cls(int(match.group(1)), DayUnit(match.group(2).lower()))

    @classmethod
    def from_config(cls, value: Any) -> Interval:
        """What ``audit.toml`` holds (the text) or an interval already made."""
        return value if isinstance(value, Interval) else cls.parse(value)

    def to_config(self) -> str:
        return str(self)

    def __str__(self) -> str:
        return f"{self.days} {self.unit.value} day{'' if self.days == 1 else 's'}"

    def due(self, dates: pd.Series, calendar: WorkingDayCalendar) -> pd.Series:
        """Each date plus this interval; NaT stays NaT."""
        dates = pd.to_datetime(dates)
        if self.unit is DayUnit.WORKING:
            return calendar.add_working_days(dates, self.days)
        return dates + pd.Timedelta(days=self.days)

    def days_after(
        self, due: pd.Series, later: pd.Series, calendar: WorkingDayCalendar
    ) -> pd.Series:
        """Days in this unit after ``due`` up to and including ``later``; 0 when ``later`` is
        on or before ``due``; ``<NA>`` where either is blank (``Int64``)."""
        due, later = pd.to_datetime(due), pd.to_datetime(later)
        if self.unit is DayUnit.WORKING:
            return calendar.working_days_after(due, later)
        return (later - due).dt.days.clip(lower=0).astype("Int64")


@dataclass(frozen=True)
class IntervalsByCode:
    """Code (a case type, a role) -> interval, written in config as a table of text:
    ``{ CLA = "42 calendar days", CP = "10 working days" }``.

    Codes compare trimmed and in any case (RULES.md); the entries keep them as written, for
    the docs and run.json.
    """

    entries: tuple[tuple[str, Interval], ...]

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> IntervalsByCode:
        return cls(tuple((str(k).strip(), Interval.from_config(v)) for k, v in values.items()))

    @classmethod
    def from_config(cls, value: Any) -> IntervalsByCode:
        if isinstance(value, IntervalsByCode):
            return value
        if not isinstance(value, Mapping):
            raise ValueError(f'expected a table of code = "N calendar|working days", got {value!r}')
        return cls.of(value)

    def to_config(self) -> dict[str, str]:
        return {code: str(interval) for code, interval in self.entries}

    def __str__(self) -> str:
        return ", ".join(f'{code} = "{interval}"' for code, interval in self.entries)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.entries)

    def _folded(self) -> dict[str, Interval]:
        return {_fold(code): interval for code, interval in self.entries}

    def get(self, code: str) -> Interval | None:
        return self._folded().get(_fold(code))

    def for_codes(self, codes: pd.Series, default: Interval | None = None) -> pd.Series:
        """Each row's interval, ``default`` for a code not listed (missing where none
        applies): a categorical Series whose categories are the distinct intervals, so the
        per-row arithmetic below works once per interval, not once per row."""
        folded = self._folded()
        intervals = list(dict.fromkeys([*folded.values(), *([default] if default else [])]))
        # Each listed code's interval as its place among the distinct intervals; -1 for none.
        place = np.array([*(intervals.index(i) for i in folded.values()), -1])
        # A column of codes holds a handful of distinct values: each is folded and looked up
        # once, and the answers spread back over the rows (-1, missing, takes the last).
        row_codes, distinct = pd.factorize(codes)
        listed = pd.Index(list(folded)).get_indexer([_fold(code) for code in distinct])
        numbers = np.append(place[listed], -1)[row_codes]  # a code not listed (-1): -1
        if default is not None:
            numbers[numbers < 0] = intervals.index(default)
        categories = pd.Index(intervals, dtype=object)
        return pd.Series(pd.Categorical.from_codes(numbers, categories), index=codes.index)


def _fold(code: str) -> str:
    return str(code).strip().casefold()


# ---------------------------------------------------------------- per-row intervals

# One interval for every row, or one per row (None where no interval applies).
Intervals: TypeAlias = "Interval | pd.Series"


@dataclass(frozen=True)
class _Numbered:
    """Each row's interval as a small integer (-1 for none) and the intervals so numbered,
    so the steps below compare integers and do the date arithmetic once per interval."""

    codes: np.ndarray
    uniques: list[Interval | None]

    @classmethod
    def of(cls, intervals: Intervals, index: pd.Index) -> _Numbered:
        if isinstance(intervals, Interval):
            return cls(np.zeros(len(index), dtype=np.intp), [intervals])
        intervals = intervals.reindex(index)
        if isinstance(intervals.dtype, pd.CategoricalDtype):  # IntervalsByCode.for_codes
            return cls(intervals.cat.codes.to_numpy(), list(intervals.cat.categories))
        codes, uniques = pd.factorize(intervals.astype(object), use_na_sentinel=True)
        return cls(codes, [u if isinstance(u, Interval) else None for u in uniques])

    def take(self, positions: np.ndarray) -> _Numbered:
        """The intervals of the rows at ``positions``."""
        return _Numbered(self.codes[positions], self.uniques)

    def groups(self) -> Iterator[tuple[Interval, np.ndarray]]:
        """Each interval used and a mask of the rows it applies to."""
        for number, interval in enumerate(self.uniques):
            rows = self.codes == number
            if interval is not None and rows.any():
                yield interval, rows


def _days(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values).to_numpy(dtype="datetime64[ns]")


def _due(dates: np.ndarray, numbered: _Numbered, calendar: WorkingDayCalendar) -> np.ndarray:
    out = np.full(len(dates), np.datetime64("NaT"), dtype="datetime64[ns]")
    for interval, rows in numbered.groups():
        out[rows] = _days(interval.due(pd.Series(dates[rows]), calendar))
    return out


def due_dates(dates: pd.Series, intervals: Intervals, calendar: WorkingDayCalendar) -> pd.Series:
    """Each date plus its row's interval: NaT where the date is blank or no interval applies."""
    numbered = _Numbered.of(intervals, dates.index)
    return pd.Series(_due(_days(dates), numbered, calendar), index=dates.index)


def _late(
    due: np.ndarray, later: np.ndarray, numbered: _Numbered, calendar: WorkingDayCalendar
) -> pd.arrays.IntegerArray:
    values = np.zeros(len(due), dtype="int64")
    blank = np.ones(len(due), dtype=bool)
    for interval, rows in numbered.groups():
        counted = interval.days_after(pd.Series(due[rows]), pd.Series(later[rows]), calendar)
        values[rows] = counted.fillna(0).to_numpy(dtype="int64")
        blank[rows] = counted.isna().to_numpy()
    return pd.arrays.IntegerArray(values, blank)


def exceeds(
    earlier: pd.Series, later: pd.Series, intervals: Intervals, calendar: WorkingDayCalendar
) -> pd.Series:
    """True where ``later`` is after ``earlier`` plus the interval (a gap of exactly the
    interval is on time); False where either date is blank or no interval applies."""
    due = due_dates(earlier, intervals, calendar)
    return (pd.to_datetime(later) > due).fillna(False).astype(bool)


def days_late(
    due: pd.Series, later: pd.Series, intervals: Intervals, calendar: WorkingDayCalendar
) -> pd.Series:
    """Days in each row's unit after ``due`` up to and including ``later`` (0 when not late),
    as ``Int64``; ``<NA>`` where a date is blank or no interval applies."""
    numbered = _Numbered.of(intervals, due.index)
    return pd.Series(_late(_days(due), _days(later), numbered, calendar), index=due.index)


def late_text(days: pd.Series, intervals: Intervals) -> pd.Series:
    """``"3 working days"``, ``"1 calendar day"``: a count in each row's unit, as text."""
    numbered = _Numbered.of(intervals, days.index)
    units = [None if i is None else f" {i.unit.value} day" for i in numbered.uniques]
    # The last entry answers the rows with no interval (code -1): no text.
    unit = pd.Series(np.array([*units, None], dtype=object)[numbered.codes], index=days.index)
    count = days.astype("Int64")
    plural = np.where(count.eq(1).fillna(False).to_numpy(dtype=bool), "", "s")
    return (
        count.astype("string") + unit.astype("string") + pd.Series(plural, index=days.index)
    ).astype("string")


# ---------------------------------------------------------------- timeliness of a series


@dataclass(frozen=True)
class Timeliness:
    """Per subject (one row each, on the subjects' index), what VIS01 and SUP02 judge.

    ``last`` — the last dated contact (visit, supervision) on or before the judging date;
    ``last_due`` — when the next one was due; ``overdue`` — that due date is before the
    judging date, by ``overdue_days`` in the interval's unit;
    ``start_due`` — the start reference plus the interval (NaT without a start reference);
    ``start_overdue`` — with no contact, the first was due before the judging date (always
    true without a start reference: nothing shows the subject is new);
    ``late_from`` / ``late_to`` / ``late_due`` / ``late_days`` — the longest gap that ended
    within the period (its later contact dated in the period) and exceeded the interval.
    """

    frame: pd.DataFrame

    def __getitem__(self, column: str) -> pd.Series:
        return self.frame[column]


def _starts_of_runs(subject: np.ndarray) -> np.ndarray:
    """True at each row whose subject differs from the row before (rows sorted by subject)."""
    first = np.ones(len(subject), dtype=bool)
    first[1:] = subject[1:] != subject[:-1]
    return first


def _ends_of_runs(subject: np.ndarray) -> np.ndarray:
    """True at each row whose subject differs from the row after (rows sorted by subject)."""
    last = np.ones(len(subject), dtype=bool)
    last[:-1] = subject[1:] != subject[:-1]
    return last


def timeliness(
    start: pd.Series,
    judged_at: pd.Series,
    intervals: Intervals,
    contacts: pd.DataFrame,
    period_start: pd.Timestamp,
    calendar: WorkingDayCalendar,
) -> Timeliness:
    """Judge each subject's run of contacts against its interval.

    ``start``, ``judged_at`` and ``intervals`` are on the subjects' index (a unique index of
    subject keys). ``contacts`` has ``key`` (a subject key) and ``date``. Contacts after the
    judging date or before the start reference are ignored; several on one day are one.
    """
    index = start.index
    starts, judged = _days(start), _days(judged_at)
    numbered = _Numbered.of(intervals, index)

    # Each contact as its subject's position (-1: not a subject) and date, in plain arrays.
    subject = index.get_indexer(contacts["key"])
    dates = _days(contacts["date"])
    mine = subject >= 0
    subject, dates = subject[mine], dates[mine]
    own_start = starts[subject]
    usable = (
        ~np.isnat(dates) & (dates <= judged[subject]) & (np.isnat(own_start) | (dates >= own_start))
    )
    subject, dates = subject[usable], dates[usable]
    # Sorted by subject then date, one contact per subject and date.
    order = np.lexsort((dates, subject))
    subject, dates = subject[order], dates[order]
    repeated = np.zeros(len(subject), dtype=bool)
    repeated[1:] = (subject[1:] == subject[:-1]) & (dates[1:] == dates[:-1])
    subject, dates = subject[~repeated], dates[~repeated]

    # Each gap: from the contact before (or the start reference) to this contact.
    first = _starts_of_runs(subject)
    previous = np.empty_like(dates)
    previous[1:] = dates[:-1]
    previous[first] = starts[subject[first]]
    due = _due(previous, numbered.take(subject), calendar)
    late = np.flatnonzero((dates > due) & (dates >= period_start.to_datetime64()))
    # The longest late gap of each subject (of equal ones, the later): the last of its run
    # when sorted by subject, span and date.
    span = dates[late] - previous[late]
    late = late[np.lexsort((dates[late], span, subject[late]))]
    longest = late[_ends_of_runs(subject[late])]
    whose = subject[longest]
    late_days = _late(due[longest], dates[longest], numbered.take(whose), calendar)

    def per_subject(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
        out = np.full(len(index), np.datetime64("NaT"), dtype="datetime64[ns]")
        out[subject[rows]] = values[rows]
        return out

    last = per_subject(dates, _ends_of_runs(subject))  # the latest contact of each subject
    last_due = _due(last, numbered, calendar)
    start_due = _due(starts, numbered, calendar)
    days_values = np.zeros(len(index), dtype="int64")
    days_blank = np.ones(len(index), dtype=bool)
    days_values[whose] = late_days.to_numpy(dtype="int64", na_value=0)
    days_blank[whose] = late_days.isna()  # a late gap always has its days; kept honest
    frame = pd.DataFrame(
        {
            "last": last,
            "last_due": last_due,
            "overdue": last_due < judged,
            "overdue_days": _late(last_due, judged, numbered, calendar),
            "start_due": start_due,
            "start_overdue": np.isnat(starts) | (start_due < judged),
            "late_from": per_subject(previous, longest),
            "late_to": per_subject(dates, longest),
            "late_due": per_subject(due, longest),
            "late_days": pd.arrays.IntegerArray(days_values, days_blank),
        },
        index=index,
    )
    return Timeliness(frame)
