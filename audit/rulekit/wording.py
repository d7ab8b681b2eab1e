"""How details say things: UK dates, plurals. One place, so every rule words them alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Union

from audit.lazy import np, pa, pc, pd

UK_DATE = "%d/%m/%Y"  # 14/09/2026: how a manager in England reads a date


def uk_date(dates: pd.Series) -> pd.Series:
    """Each date as ``dd/mm/yyyy`` for a detail; missing stays missing (the ``str`` dtype
    ``Series.dt.strftime`` gives, with the same text)."""
    return pd.Series(pd.array(_uk_date_text(dates), dtype="str"), index=dates.index)


def _uk_date_text(dates: pd.Series) -> pa.Array:
    # Formatting is per value in Python; a county's details repeat a few hundred days
    # thousands of times, so each distinct day is formatted once and the text repeated.
    days = pd.to_datetime(dates).to_numpy(dtype="datetime64[D]")
    numbers, distinct = pd.factorize(days)
    texts = pa.array(pd.DatetimeIndex(distinct).strftime(UK_DATE), type=pa.large_string())
    return texts.take(pa.array(numbers, mask=numbers < 0))


@dataclass(frozen=True)
class UkDates:
    """Dates shown as ``dd/mm/yyyy`` in :class:`Words`, formatted only for the subjects
    that get the words (see :func:`uk_dates`)."""

    dates: pd.Series


def uk_dates(dates: pd.Series) -> UkDates:
    """:func:`uk_date` as a part of :func:`words`: the same text, but only the subjects a
    detail is put together for have their dates formatted (a county's VIS01 formats seven
    dates per child, most of them for details only a few children get)."""
    return UkDates(dates)


def uk_day(day: date) -> str:
    """One date (the as-at date, say) as ``dd/mm/yyyy``."""
    return day.strftime(UK_DATE)


def plural(count: pd.Series, singular: str, plural_form: str | None = None) -> pd.Series:
    """``singular`` where the count is exactly 1, else the plural (``singular`` + "s" unless
    given): ``"1 " + "day"``, ``"3 " + "days"``. A missing count takes the plural."""
    one = count.eq(1).fillna(False).to_numpy(dtype=bool)
    return pd.Series(
        np.where(one, singular, plural_form or singular + "s"), index=count.index, dtype=object
    )


Part = Union[str, "pd.Series", "Words", UkDates]  # quoted: no pandas to import rulekit


@dataclass(frozen=True)
class Words:
    """A detail put together only for the subjects that get it: ``words("Visit on ",
    date_text, ": child not seen")``, grown with ``+`` like text and ``fillna`` like a
    Series. Most subjects of a county meet a standard, so building every not-met detail for
    every subject would be most of a rule's work; :func:`audit.rulekit.judge` builds each
    case's words on that case's subjects alone.

    As with text Series, a missing part makes the whole missing (then ``fillna`` applies).
    Series parts are on the subjects' index.
    """

    parts: tuple[Part, ...]
    otherwise: Part | None = None

    def __add__(self, other: Part) -> Words:
        if self.otherwise is None:  # one flat list of parts, joined in one kernel call
            return Words((*self.parts, other))
        return Words((self, other))

    def __radd__(self, other: Part) -> Words:
        if self.otherwise is None:
            return Words((other, *self.parts))
        return Words((other, self))

    def fillna(self, other: Part) -> Words:
        return Words((self,), other)

    def on(self, rows: np.ndarray, index: pd.Index) -> pa.Array:
        """The text of the subjects at positions ``rows`` of ``index``."""
        pieces = [_piece(part, rows, index) for part in self.parts]
        text = pc.binary_join_element_wise(*pieces, pa.scalar("", pa.large_string()))
        if isinstance(text, pa.Scalar):
            text = (
                pa.repeat(text, len(rows))
                if text.is_valid
                else pa.nulls(len(rows), pa.large_string())
            )
        if self.otherwise is not None:
            fallback = _piece(self.otherwise, rows, index)
            text = pc.coalesce(text, fallback)
        return text


def words(*parts: Part) -> Words:
    """The parts (text, text Series, other words) one after another; see :class:`Words`."""
    return Words(parts)


def _piece(part: Part, rows: np.ndarray, index: pd.Index) -> pa.Array | pa.Scalar:
    if isinstance(part, Words):
        return part.on(rows, index)
    if isinstance(part, UkDates):
        dates = part.dates if part.dates.index.equals(index) else part.dates.reindex(index)
        return _uk_date_text(dates.iloc[rows])
    if isinstance(part, pd.Series):
        if not part.index.equals(index):
            part = part.reindex(index)
        return pa.array(part.iloc[rows].astype("string"), type=pa.large_string())
    return pa.scalar(part, pa.large_string())
