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

import numpy as np
import pandas as pd

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
        """Each row's interval (an object Series), ``default`` for a code not listed."""
        folded = codes.astype("string").str.strip().str.casefold()
        chosen = folded.map(self._folded()).astype(object)
        if default is not None:
            chosen = chosen.where(chosen.notna(), default)
        return chosen.where(chosen.notna(), None)


def _fold(code: str) -> str:
    return str(code).strip().casefold()


# ---------------------------------------------------------------- per-row intervals

# One interval for every row, or one per row (None where no interval applies).
Intervals: TypeAlias = Interval | pd.Series


def _groups(intervals: Intervals, index: pd.Index) -> Iterator[tuple[Interval, np.ndarray]]:
    """Each distinct interval and the positions of the rows it applies to."""
    if isinstance(intervals, Interval):
        yield intervals, np.ones(len(index), dtype=bool)
        return
    yield from _coded(*_encode(intervals.reindex(index)))


def _encode(intervals: pd.Series) -> tuple[np.ndarray, list[Interval | None]]:
    """Each row's interval as a small integer (-1 for none) and the intervals numbered: one
    hash-table pass, so later steps compare integers rather than intervals."""
    codes, uniques = pd.factorize(intervals.astype(object), use_na_sentinel=True)
    return codes, [u if isinstance(u, Interval) else None for u in uniques]


def _coded(
    codes: np.ndarray, uniques: list[Interval | None]
) -> Iterator[tuple[Interval, np.ndarray]]:
    for number, interval in enumerate(uniques):
        if interval is not None:
            yield interval, codes == number


def due_dates(dates: pd.Series, intervals: Intervals, calendar: WorkingDayCalendar) -> pd.Series:
    """Each date plus its row's interval: NaT where the date is blank or no interval applies."""
    out = pd.Series(pd.NaT, index=dates.index, dtype="datetime64[ns]")
    for interval, rows in _groups(intervals, dates.index):
        if rows.any():
            out[rows] = interval.due(dates[rows], calendar).astype("datetime64[ns]")
    return out


def _due_by_code(
    dates: pd.Series,
    codes: np.ndarray,
    uniques: list[Interval | None],
    calendar: WorkingDayCalendar,
) -> pd.Series:
    """:func:`due_dates` for rows whose intervals are already numbered (see _encode)."""
    out = pd.Series(pd.NaT, index=dates.index, dtype="datetime64[ns]")
    for interval, rows in _coded(codes, uniques):
        if rows.any():
            out[rows] = interval.due(dates[rows], calendar).astype("datetime64[ns]")
    return out


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
    out = pd.Series(pd.NA, index=due.index, dtype="Int64")
    later = pd.Series(pd.to_datetime(later).to_numpy(), index=due.index)
    for interval, rows in _groups(intervals, due.index):
        if rows.any():
            out[rows] = interval.days_after(due[rows], later[rows], calendar).to_numpy()
    return out


def late_text(days: pd.Series, intervals: Intervals) -> pd.Series:
    """``"3 working days"``, ``"1 calendar day"``: a count in each row's unit, as text."""
    out = pd.Series(pd.NA, index=days.index, dtype="string")
    for interval, rows in _groups(intervals, days.index):
        count = days[rows].astype("Int64")
        plural = np.where(count.eq(1).fillna(False), "", "s")
        out[rows] = (
            count.astype("string")
            + f" {interval.unit.value} day"
            + pd.Series(plural, index=count.index)
        ).to_numpy()
    return out


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


def _lookup(values: pd.Series, keys: pd.Series) -> pd.Series:
    """``values`` (indexed by subject key) for each key, on the keys' own index."""
    return pd.Series(
        values.reindex(keys.to_numpy()).to_numpy(), index=keys.index, dtype=values.dtype
    )


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
    start = pd.to_datetime(start).astype("datetime64[ns]")
    judged_at = pd.to_datetime(judged_at).astype("datetime64[ns]")
    per_row = intervals if isinstance(intervals, pd.Series) else pd.Series(intervals, index=index)
    # Intervals numbered once per subject; contacts carry the number, not the interval.
    subject_codes, uniques = _encode(per_row.reindex(index))
    code_of = pd.Series(subject_codes, index=index)

    keys = contacts["key"]
    dates = pd.to_datetime(contacts["date"]).astype("datetime64[ns]")
    mine = keys.isin(index).to_numpy(dtype=bool)
    keys, dates = keys[mine], dates[mine]
    own_start = _lookup(start, keys)
    own_judged = _lookup(judged_at, keys)
    usable = dates.notna() & (dates <= own_judged) & (own_start.isna() | (dates >= own_start))
    seen = (
        pd.DataFrame({"key": keys[usable], "date": dates[usable]})
        .drop_duplicates()
        .sort_values(["key", "date"], kind="stable")
        .reset_index(drop=True)
    )
    seen["previous"] = seen.groupby("key", sort=False)["date"].shift(1)
    seen["previous"] = seen["previous"].fillna(_lookup(start, seen["key"]))
    seen_codes = _lookup(code_of, seen["key"]).to_numpy()
    seen["due"] = _due_by_code(seen["previous"], seen_codes, uniques, calendar)
    late = (seen["date"] > seen["due"]) & (seen["date"] >= period_start)
    gaps = seen[late.fillna(False).astype(bool)].copy()
    gaps["span"] = gaps["date"] - gaps["previous"]
    longest = (
        gaps.sort_values(["key", "span", "date"], kind="stable")
        .drop_duplicates("key", keep="last")
        .set_index("key")
    )
    longest_codes = _lookup(code_of, longest.index.to_series()).to_numpy()
    longest_late = pd.Series(pd.NA, index=longest.index, dtype="Int64")
    for interval, rows in _coded(longest_codes, uniques):
        if rows.any():
            longest_late[rows] = interval.days_after(
                longest["due"][rows], longest["date"][rows], calendar
            ).to_numpy()

    last = seen.groupby("key", sort=False)["date"].max().reindex(index)
    last_due = due_dates(last, per_row, calendar)
    start_due = due_dates(start, per_row, calendar)
    frame = pd.DataFrame(
        {
            "last": last,
            "last_due": last_due,
            "overdue": (last_due < judged_at).fillna(False).astype(bool),
            "overdue_days": days_late(last_due, judged_at, per_row, calendar),
            "start_due": start_due,
            "start_overdue": (start.isna() | (start_due < judged_at)).fillna(False).astype(bool),
            "late_from": longest["previous"].reindex(index),
            "late_to": longest["date"].reindex(index),
            "late_due": longest["due"].reindex(index),
            "late_days": longest_late.reindex(index),
        },
        index=index,
    )
    return Timeliness(frame)
