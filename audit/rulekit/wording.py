"""How details say things: UK dates, plurals. One place, so every rule words them alike."""

from __future__ import annotations

from datetime import date

from audit.lazy import np, pa, pd

UK_DATE = "%d/%m/%Y"  # 14/09/2026: how a manager in England reads a date


def uk_date(dates: pd.Series) -> pd.Series:
    """Each date as ``dd/mm/yyyy`` for a detail; missing stays missing (the ``str`` dtype
    ``Series.dt.strftime`` gives, with the same text)."""
    # Formatting is per value in Python; a county's details repeat a few hundred days
    # thousands of times, so each distinct day is formatted once and the text repeated.
    days = pd.to_datetime(dates).to_numpy(dtype="datetime64[D]")
    numbers, distinct = pd.factorize(days)
    texts = pa.array(pd.DatetimeIndex(distinct).strftime(UK_DATE), type=pa.large_string())
    taken = texts.take(pa.array(numbers, mask=numbers < 0))
    return pd.Series(pd.array(taken, dtype="str"), index=dates.index)


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
