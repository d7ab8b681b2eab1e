"""Contacts that keep to a statutory rhythm (visits to a child, supervisions of a worker),
with the month-by-month defects VIS01 and SUP02 judge seeded at known rates.

Each subject's contacts follow one another at most ``longest`` calendar days apart, from
the start date (or from before the window), where ``longest`` is the longest gap that is
within the interval whatever day it starts on (10 working days never span fewer than 12
calendar days). In a month chosen for a defect:

- overdue: the contacts that would have come in the month's last ``longest`` + a few days
  are not made, so at the month's end the last one is past its due date; the next comes
  early the following month, which is therefore a late month (that counts towards the
  late rate);
- late: the month's first contact comes a few days after its due date.

The months are drawn per subject among those where the defect can happen (a looked-after
child visited a week before the month began cannot be late within it), as many as
bring each defect to its rate of the judged subject-months.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from audit.sample.dates import NAT, days

# Days past the longest on-time gap: past the due date whichever weekday it started on
# (a working-day due date can fall up to two days and a bank holiday after it).
_PAST_DUE = (4, 17)
_LATE_RETURN = 10  # after an overdue month, the next contact within the next month's first days

_NEVER_BEFORE = np.datetime64("1000-01-01", "D")
_NEVER_AFTER = np.datetime64("9999-12-31", "D")

OpenBetween = Callable[[np.datetime64, np.datetime64], tuple[np.ndarray, np.ndarray]]


def rhythm(
    rng: np.random.Generator,
    periods: list[tuple[np.datetime64, np.datetime64]],
    open_between: OpenBetween,
    start: np.ndarray,
    shortest: np.ndarray,
    longest: np.ndarray,
    judged: np.ndarray,
    rates: tuple[float, float],
) -> pd.DataFrame:
    """The contacts (``subject``, ``day``, ``period``) over consecutive ``periods`` (the
    first is a lead-in with no defects); ``rates`` = (overdue, late) per judged
    subject-month."""
    n = len(start)
    overdue_rate, late_rate = rates
    anchor = np.maximum(start, periods[0][0])  # an old case's rhythm picks up in the lead-in
    nxt = anchor + days(_gaps(rng, np.zeros(n, dtype=np.int64), longest))
    last = np.full(n, NAT)
    forced = np.zeros(n, dtype=bool)  # overdue last month, so this month starts late
    width = int(31 // max(int(shortest.min()), 1)) + 3
    parts = []
    for k, (first_day, last_day) in enumerate(periods):
        lo, hi = open_between(first_day, last_day)
        subject = judged & (lo <= hi) & (k > 0)
        past_due = days(rng.integers(*_PAST_DUE, n))
        # Late: the month's first contact after its due date, still inside the month.
        late_day = np.maximum(nxt, last + days(longest) + past_due)
        can_be_late = ~np.isnat(last) & (late_day <= np.minimum(hi, last_day))
        # Overdue: nothing after the cutoff, and a contact on or before it to be overdue from.
        cutoff = last_day - days(longest) - past_due
        offsets = days(
            np.cumsum(
                np.column_stack(
                    [np.zeros(n, dtype=np.int64), _gap_matrix(rng, shortest, longest, width - 1)]
                ),
                axis=1,
            )
        )
        normal = nxt[:, None] + offsets
        made_by_cutoff = _latest(normal, normal <= cutoff[:, None])
        overdue_from = np.where(np.isnat(made_by_cutoff) & (last <= cutoff), last, made_by_cutoff)
        can_be_overdue = ~np.isnat(overdue_from) & (hi == last_day)

        u = rng.random((2, n))
        n_subjects = int(subject.sum())
        free = subject & ~forced
        pool_overdue = free & can_be_overdue
        overdue = _chosen(u[0], pool_overdue, overdue_rate * n_subjects)
        pool_late = free & can_be_late & ~overdue
        wanted = late_rate * n_subjects - int((subject & forced).sum())
        late = _chosen(u[1], pool_late, wanted)

        chain = np.where(late[:, None], late_day[:, None] + offsets, normal)
        made = chain <= last_day
        made[overdue] &= chain[overdue] <= cutoff[overdue, None]
        row, col = np.nonzero(made)
        parts.append(pd.DataFrame({"subject": row, "day": chain[row, col], "period": k - 1}))

        done = _latest(chain, made)
        last = np.where(np.isnat(done), last, done)
        upcoming = np.where(chain > last_day, chain, _NEVER_AFTER).min(axis=1)
        nxt = np.where(
            overdue, last_day + days(1 + rng.integers(0, _LATE_RETURN, n)), upcoming
        ).astype("datetime64[D]")
        forced = overdue
    contacts = pd.concat(parts, ignore_index=True)
    lo_all, hi_all = open_between(periods[0][0], periods[-1][1])
    subject = contacts["subject"].to_numpy()
    day = contacts["day"].to_numpy()
    return contacts[(day >= lo_all[subject]) & (day <= hi_all[subject])].reset_index(drop=True)


def _latest(dates: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Each row's latest date where mask holds; blank where it holds nowhere (a max over
    NaT would be NaT)."""
    latest = np.where(mask, dates, _NEVER_BEFORE).max(axis=1)
    return np.where(latest == _NEVER_BEFORE, NAT, latest)


def _chosen(u: np.ndarray, pool: np.ndarray, wanted: float) -> np.ndarray:
    """As many of the pool as wanted (rounded; all of it if it is smaller), at random: an
    exact count rather than a coin per subject, so a few dozen workers still show the rate."""
    count = int(np.clip(round(wanted), 0, int(pool.sum())))
    order = np.argsort(np.where(pool, u, 2.0), kind="stable")
    chosen = np.zeros(len(u), dtype=bool)
    chosen[order[:count]] = True
    return chosen


def _gaps(rng: np.random.Generator, shortest: np.ndarray, longest: np.ndarray) -> np.ndarray:
    return shortest + (rng.random(len(shortest)) * (longest - shortest + 1)).astype(np.int64)


def _gap_matrix(
    rng: np.random.Generator, shortest: np.ndarray, longest: np.ndarray, width: int
) -> np.ndarray:
    u = rng.random((len(shortest), width))
    return shortest[:, None] + (u * (longest - shortest + 1)[:, None]).astype(np.int64)
