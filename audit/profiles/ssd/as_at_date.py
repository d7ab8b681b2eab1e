"""The date an SSD extract's teams, workers and case types are read as at.

The caller passes the audit's as-at date (``period_end``). Without one the profile uses
the latest visit or review date in the extract (work done, so close to when it was
extracted) that is not after today, and says so in ``notes``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date

from audit.lazy import pd
from audit.profiles.ssd import cells

# Dates of work done (not planned), for the as-at date when none is given.
_ACTIVITY_DATES = (
    ("ssd_cin_visits", "cinv_cin_visit_date"),
    ("ssd_cp_visits", "cppv_cp_visit_date"),
    ("ssd_cla_visits", "clav_cla_visit_date"),
    ("ssd_cla_reviews", "clar_cla_review_date"),
    ("ssd_cp_reviews", "cppr_cp_review_date"),
)


def choose_as_at(
    tables: Mapping[str, pd.DataFrame], given: date | None, today: Callable[[], date]
) -> pd.Timestamp:
    """The given as-at date, else the latest visit or review in the extract not after today."""
    if given is not None:
        return pd.Timestamp(given)
    now = pd.Timestamp(today())
    found = [
        cells.dates(frame[column])
        for table, column in _ACTIVITY_DATES
        if (frame := tables.get(table)) is not None and column in frame
    ]
    dates = pd.concat(found) if found else pd.Series(dtype="datetime64[ns]")
    dates = dates[dates <= now]
    return pd.Timestamp(dates.max()) if dates.notna().any() else now
