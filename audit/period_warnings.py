"""Warnings about the month asked for against the data and the calendar.

A month that is not over gives partial figures; a month far beyond the newest record in
the export (a typo such as 2062-09, or last year's export) gives figures about nothing.
Neither stops the run: the user is told, on stderr, before reading the figures.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from audit.loader import LoadResult
from audit.period import AuditPeriod

# No record dated within this long before the month's start: the month is beyond the data.
BEYOND_DATA = timedelta(days=365)


def newest_record(loaded: LoadResult) -> date | None:
    """The latest date in any date column of any table, or None when there is none."""
    latest = [
        frame.select_dtypes(include="datetime").max().max() for frame in loaded.tables.values()
    ]
    found = [d for d in latest if not pd.isna(d)]
    return max(found).date() if found else None


def period_warnings(loaded: LoadResult, period: AuditPeriod, today: date) -> list[str]:
    """One line per reason to doubt the month's figures; empty when there is none."""
    warnings = []
    if period.start > today:
        warnings.append(
            f"{period.label} has not started (today is {today:%d/%m/%Y}): "
            "there is nothing to audit yet"
        )
    elif period.end >= today:
        warnings.append(
            f"{period.label} is not over (today is {today:%d/%m/%Y}): the figures are "
            "partial; audit the month after it ends for the full picture"
        )
    newest = newest_record(loaded)
    if newest is not None and newest < period.start - BEYOND_DATA:
        warnings.append(
            f"no record in the export is dated within a year before {period.label} "
            f"(the newest is {newest:%d/%m/%Y}): check --period and that the export is current"
        )
    return warnings
