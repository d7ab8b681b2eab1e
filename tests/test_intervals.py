"""Intervals (audit.rulekit.intervals): parsing config text, due dates, lateness, gaps.

Each test pins a date or a count a team manager would read in a VIS01 or SUP02 finding.
"""

from __future__ import annotations

import pandas as pd
import pytest

from audit.engine.config import make_params
from audit.engine.registry import discover_rules
from audit.errors import UsageError
from audit.rulekit.intervals import (
    DayUnit,
    Interval,
    IntervalsByCode,
    days_late,
    due_dates,
    exceeds,
    late_text,
    timeliness,
)
from audit.rulekit.workdays import WorkingDayCalendar

CAL = WorkingDayCalendar()
CALENDAR_42 = Interval(42, DayUnit.CALENDAR)
WORKING_10 = Interval(10, DayUnit.WORKING)


def dates(*values: str | None) -> pd.Series:
    return pd.to_datetime(pd.Series(list(values), dtype="object"))


@pytest.mark.parametrize(
    ("text", "interval"),
    [
        ("42 calendar days", CALENDAR_42),
        ("10 working days", WORKING_10),
        ("  1 Working Day ", Interval(1, DayUnit.WORKING)),
        ("0 calendar days", Interval(0, DayUnit.CALENDAR)),
    ],
)
def test_interval_parses_config_text_and_writes_it_back(text: str, interval: Interval) -> None:
    assert Interval.parse(text) == interval
    assert Interval.parse(str(interval)) == interval


@pytest.mark.parametrize(
    "bad", ["42", "six weeks", "42 days", "-3 calendar days", "4.5 working days", ""]
)
def test_interval_text_that_is_not_an_interval_names_the_expected_form(bad: str) -> None:
    with pytest.raises(ValueError, match='"42 calendar days" or "10 working days"'):
        Interval.parse(bad)


def test_a_bad_interval_in_config_is_a_usage_error_naming_rule_and_key() -> None:
    vis01 = next(r for r in discover_rules() if r.code == "VIS01")
    with pytest.raises(UsageError, match=r"visits_on_time.intervals: .*got '6 weeks'"):
        make_params(vis01, {"intervals": {"CLA": "6 weeks"}})
    params = make_params(vis01, {"intervals": {" cla ": "28 calendar days"}})
    assert params.intervals.get("CLA") == Interval(28, DayUnit.CALENDAR)


def test_calendar_due_date_on_a_bank_holiday_or_sunday_never_rolls() -> None:
    # 20/07/2026 + 42 = Monday 31/08/2026 (bank holiday); 19/07/2026 + 42 = Sunday 30/08.
    due = CALENDAR_42.due(dates("2026-07-20", "2026-07-19", None), CAL)
    assert due.tolist()[:2] == [pd.Timestamp("2026-08-31"), pd.Timestamp("2026-08-30")]
    assert pd.isna(due.iloc[2])


def test_working_day_due_dates_across_christmas_and_from_a_saturday() -> None:
    # Christmas Day, the substitute Boxing Day (Mon 28/12/2026) and New Year's Day are not
    # working days; a Saturday counts from the Monday.
    due = WORKING_10.due(dates("2026-12-21", "2026-12-19"), CAL)
    assert due.tolist() == [pd.Timestamp("2027-01-07"), pd.Timestamp("2027-01-06")]


def test_exceeds_only_after_the_due_date() -> None:
    earlier = dates("2026-08-01", "2026-08-01", "2026-08-01", None)
    later = dates("2026-09-12", "2026-09-13", None, "2026-09-13")
    assert exceeds(earlier, later, CALENDAR_42, CAL).tolist() == [False, True, False, False]


def test_days_late_are_counted_in_the_intervals_unit() -> None:
    # Due Friday 25/12/2026, seen Tuesday 29/12/2026: 4 calendar days, but only 1 working
    # day (Monday 28/12 is the Boxing Day substitute bank holiday).
    due = dates("2026-12-25", "2026-12-25", "2026-12-25")
    later = dates("2026-12-29", "2026-12-29", "2026-12-20")
    per_row = pd.Series([CALENDAR_42, WORKING_10, WORKING_10], dtype=object)
    late = days_late(due, later, per_row, CAL)
    assert late.tolist() == [4, 1, 0]
    assert late_text(late, per_row).tolist() == [
        "4 calendar days",
        "1 working day",
        "0 working days",
    ]


def test_per_row_intervals_with_none_give_no_due_date() -> None:
    by_code = IntervalsByCode.of({"CLA": "42 calendar days", "CP": "10 working days"})
    per_row = by_code.for_codes(pd.Series([" cla", "CP", "CL", None], dtype="string"))
    due = due_dates(dates("2026-07-20", "2026-12-21", "2026-07-20", "2026-07-20"), per_row, CAL)
    assert due.tolist()[:2] == [pd.Timestamp("2026-08-31"), pd.Timestamp("2027-01-07")]
    assert due.iloc[2:].isna().all()
    assert by_code.for_codes(pd.Series(["pa"]), default=WORKING_10).tolist() == [WORKING_10]
    assert str(by_code) == 'CLA = "42 calendar days", CP = "10 working days"'


def test_timeliness_finds_overdue_and_the_longest_late_gap_in_the_period() -> None:
    subjects = pd.Index(["A", "B", "C"])
    start = pd.Series(pd.to_datetime(["2026-08-01", None, None]), index=subjects)
    judged = pd.Series(pd.Timestamp("2026-09-30"), index=subjects)
    contacts = pd.DataFrame(
        {
            "key": ["A", "A", "A", "B", "B", "B"],
            "date": pd.to_datetime(
                [
                    # A: before its start (ignored), then 15/09 (3 days after 12/09), twice.
                    *("2026-07-01", "2026-09-15", "2026-09-15"),
                    # B: 01/08 -> 20/09 (8 days late); the 30/09 visit is on the judging date.
                    *("2026-08-01", "2026-09-20", "2026-09-30"),
                ]
            ),
        }
    )
    t = timeliness(start, judged, CALENDAR_42, contacts, pd.Timestamp("2026-09-01"), CAL)
    assert t["late_from"].tolist()[:2] == [pd.Timestamp("2026-08-01"), pd.Timestamp("2026-08-01")]
    assert t["late_days"].tolist()[:2] == [3, 8]
    assert t["last"].tolist()[:2] == [pd.Timestamp("2026-09-15"), pd.Timestamp("2026-09-30")]
    assert t["overdue"].tolist() == [False, False, False]
    # Without a contact A (started 01/08, due 12/09) would be overdue; so would B and C:
    # without a start date nothing shows they are new.
    assert t["start_overdue"].tolist() == [True, True, True]
