"""Shared rule building blocks: period, working days, meaningful text, scope, plans, visits.

Each test pins an outcome a QA lead would notice if it changed.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit.errors import UsageError
from audit.period import AuditPeriod
from audit.rulekit import NOT_APPLICABLE, NOT_MET, AuditContext, Case, always, is_no, is_yes, judge
from audit.rulekit.matching import first_per_subject, pairs_by_child
from audit.rulekit.plans import active_at, active_latest_plans, latest_versions, plan_label
from audit.rulekit.scope import in_period, open_children
from audit.rulekit.text import (
    DEFAULT_PLACEHOLDERS,
    SURROUNDING,
    WHITE_SPACE,
    comparable_numbers,
    comparable_text,
    contains_any_phrase,
    is_meaningful,
    one_line,
)
from audit.rulekit.visits import child_was_seen, is_one_of, reg29_reason, statutory_visits
from audit.rulekit.wording import plural, uk_date, uk_day, words
from audit.rulekit.workdays import WorkingDayCalendar

SEPT_2026 = AuditPeriod.parse("2026-09")


def dates(*values: str | None) -> pd.Series:
    """A date column as the loader gives it: datetime64 at midnight, NaT for blank."""
    return pd.to_datetime(pd.Series(list(values), dtype="object"))


def text(*values: str | None) -> pd.Series:
    """A text column as the loader gives it: default string dtype, missing for blank."""
    return pd.Series(list(values), dtype="str")


# --- AuditPeriod -------------------------------------------------------------------------


def test_period_parse_gives_whole_calendar_month() -> None:
    period = AuditPeriod.parse("2026-09")
    assert (period.start, period.end, period.label) == (
        date(2026, 9, 1),
        date(2026, 9, 30),
        "2026-09",
    )
    assert period.as_at == date(2026, 9, 30)
    assert period.start_ts == pd.Timestamp("2026-09-01")
    assert period.end_ts == pd.Timestamp("2026-09-30")


def test_period_february_leap_year() -> None:
    assert AuditPeriod.parse("2028-02").end == date(2028, 2, 29)


@pytest.mark.parametrize("bad", ["2026-9", "26-09", "2026/09", "", "Sept"])
def test_period_parse_rejects_bad_values_with_one_line_usage_error(bad: str) -> None:
    with pytest.raises(UsageError) as caught:
        AuditPeriod.parse(bad)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("--period must be YYYY-MM, e.g. 2026-09; got ")
    assert repr(bad) in message


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ("2026-13", "--period 2026-13: the month must be 01 to 12 (January to December); got 13"),
        ("2026-00", "--period 2026-00: the month must be 01 to 12 (January to December); got 00"),
        ("0226-09", "--period 0226-09: the year must be 1900 to 2199; got 226"),
    ],
)
def test_period_out_of_range_says_which_part_is_wrong(bad: str, message: str) -> None:
    with pytest.raises(UsageError) as caught:
        AuditPeriod.parse(bad)
    assert str(caught.value) == message


def test_period_previous_crosses_year() -> None:
    assert AuditPeriod.parse("2026-01").previous() == AuditPeriod.parse("2025-12")
    assert SEPT_2026.previous().label == "2026-08"


@pytest.mark.parametrize(
    ("which", "today", "label"),
    [
        ("this-month", date(2026, 10, 5), "2026-10"),
        ("last-month", date(2026, 10, 5), "2026-09"),
        ("last-month", date(2027, 1, 1), "2026-12"),
    ],
)
def test_period_relative(which: str, today: date, label: str) -> None:
    assert AuditPeriod.relative(which, today).label == label


def test_period_relative_rejects_unknown_word() -> None:
    with pytest.raises(UsageError):
        AuditPeriod.relative("next-month", date(2026, 10, 5))


def test_period_contains_is_inclusive_and_nat_is_false() -> None:
    got = SEPT_2026.contains(dates("2026-08-31", "2026-09-01", "2026-09-30", "2026-10-01", None))
    assert got.tolist() == [False, True, True, False, False]
    assert got.dtype == bool


# --- Working days ------------------------------------------------------------------------

CAL = WorkingDayCalendar()


def test_twenty_working_days_after_friday_skips_august_bank_holiday() -> None:
    # RULES.md example: Monday 31 Aug 2026 is a bank holiday.
    got = CAL.add_working_days(dates("2026-08-14"), 20)
    assert got.iloc[0] == pd.Timestamp("2026-09-14")
    assert CAL.add_working_days_to(date(2026, 8, 14), 20) == date(2026, 9, 14)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("2026-08-15", 1, "2026-08-17"),  # Saturday + 1 → Monday
        ("2026-08-16", 1, "2026-08-17"),  # Sunday + 1 → Monday
        ("2026-08-14", 1, "2026-08-17"),  # Friday + 1 → Monday
        ("2026-08-14", 0, "2026-08-14"),  # n = 0 → the date itself
        ("2026-08-15", 0, "2026-08-15"),  # ... even on a weekend
        ("2026-12-24", 1, "2026-12-29"),  # Christmas Fri, Boxing Day Sat, substitute Mon 28
        ("2026-12-23", 2, "2026-12-29"),
        ("2026-12-31", 1, "2027-01-04"),  # crosses the year: Fri 1 Jan 2027 is a bank holiday
        ("2026-08-17", -1, "2026-08-14"),  # counting back from Monday → Friday
    ],
)
def test_add_working_days(start: str, n: int, expected: str) -> None:
    assert CAL.add_working_days(dates(start), n).iloc[0] == pd.Timestamp(expected)


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-12-25", False),  # Christmas Day (Friday)
        ("2026-12-28", False),  # Boxing Day substitute (Monday)
        ("2026-12-29", True),
        ("2026-08-31", False),  # late summer bank holiday
        ("2026-08-29", False),  # Saturday
        ("2022-09-19", False),  # one-off: State Funeral of Queen Elizabeth II
    ],
)
def test_is_working_day(day: str, working: bool) -> None:
    assert bool(CAL.is_working_day(dates(day)).iloc[0]) is working


def test_nat_passes_through_every_calendar_function() -> None:
    column = dates("2026-08-14", None)
    added = CAL.add_working_days(column, 20)
    assert pd.isna(added.iloc[1])
    assert added.dtype == column.dtype
    assert CAL.is_working_day(column).isna().tolist() == [False, True]
    late = CAL.working_days_after(dates(None, "2026-09-14"), dates("2026-09-15", None))
    assert late.isna().all()


def test_all_nat_and_empty_inputs() -> None:
    assert CAL.add_working_days(dates(None, None), 5).isna().all()
    assert CAL.add_working_days(dates(), 5).empty
    assert CAL.working_days_after(dates(), dates()).empty


def test_working_days_after_counts_late_days() -> None:
    due = dates("2026-09-14", "2026-09-14", "2026-09-14", "2026-09-14", "2026-12-24", "2026-08-14")
    update = dates(
        "2026-09-14", "2026-09-10", "2026-09-15", "2026-09-19", "2026-12-29", "2026-09-15"
    )
    got = CAL.working_days_after(due, update)
    # same day → 0; before due → 0; next day → 1; Saturday after Mon → 4 (Tue-Fri);
    # over Christmas → 1; Fri 14 Aug to Tue 15 Sep → 21 (20 working days + 1).
    assert got.tolist() == [0, 0, 1, 4, 1, 21]
    assert str(got.dtype) == "Int64"


def test_working_days_keep_the_index() -> None:
    column = pd.Series(pd.to_datetime(["2026-08-14", "2026-08-15"]), index=[7, 3])
    assert CAL.add_working_days(column, 1).index.tolist() == [7, 3]
    assert CAL.working_days_after(column, column).index.tolist() == [7, 3]


# --- Meaningful text ---------------------------------------------------------------------


@pytest.mark.parametrize("placeholder", DEFAULT_PLACEHOLDERS)
def test_every_placeholder_is_not_meaningful_even_with_min_words_1(placeholder: str) -> None:
    values = text(placeholder, placeholder.upper(), f"  {placeholder.title()}.  ")
    assert not is_meaningful(values, min_words=1).any()


def test_placeholder_list_matches_rules_md() -> None:
    assert DEFAULT_PLACEHOLDERS == (
        "n/a", "na", "none", "nil", "-", ".", "see above", "as above", "see previous",
        "as before", "same as before", "same as previous", "tbc", "to follow", "unknown",
        "not known", "not recorded", "no views", "see case notes",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("value", "meaningful"),
    [
        ("n/a.", False),
        ("N/A", False),
        ("(none)", False),
        ("- see above -", False),
        ("\u201cNot known\u201d", False),  # curly quotes from Word
        ("see   case\nnotes.", False),  # inner white space does not hide a placeholder
        ("...", False),  # punctuation only: same as the "." placeholder
        ("n/a because the child was asleep", True),  # placeholder is whole-value only
        ("none of the above applies here", True),
        ("Unknown father, but mother says he visits", True),
    ],
)
def test_placeholders_ignore_case_and_surrounding_punctuation(value: str, meaningful: bool) -> None:
    assert is_meaningful(text(value), min_words=1).tolist() == [meaningful]


@pytest.mark.parametrize(
    ("value", "meaningful"),
    [
        ("Happy at school", True),  # exactly 3 words
        ("Happy school", False),  # 2 words
        ("Happy\nat\nschool", True),  # newlines separate words
        ("  Happy\t\tat   school  ", True),
        ("Happy\u00a0at\u00a0school", True),  # non-breaking spaces pasted from Word
        ("Happy-at-school", False),  # one run of non-white-space is one word
        ("   ", False),
        ("", False),
    ],
)
def test_min_words_boundary(value: str, meaningful: bool) -> None:
    assert is_meaningful(text(value)).tolist() == [meaningful]


def test_missing_text_is_not_meaningful_and_index_kept() -> None:
    values = pd.Series([None, "She wants to stay with nan"], index=[10, 4], dtype="str")
    got = is_meaningful(values)
    assert got.index.tolist() == [10, 4]
    assert got.tolist() == [False, True]
    assert got.dtype == bool


def test_custom_placeholders_and_min_words() -> None:
    values = text("Discussed in supervision", "n/a")
    assert is_meaningful(values, placeholders=("discussed in supervision",)).tolist() == [
        False,
        False,  # "n/a" is only one word, even though it is no longer a placeholder
    ]
    assert is_meaningful(values, placeholders=(), min_words=1).tolist() == [True, True]


def test_comparable_text_folds_case_and_white_space_keeps_punctuation() -> None:
    got = comparable_text(text("  I  want to\nSTAY home. ", "I want to stay home", None))
    assert got.iloc[0] == "i want to stay home."
    assert got.iloc[1] == "i want to stay home"
    assert got.iloc[0] != got.iloc[1]  # punctuation counts
    assert pd.isna(got.iloc[2])
    assert not (got == got).iloc[2]  # two missing views are never "the same"


def test_one_line_folds_white_space_runs_but_does_not_trim() -> None:
    got = one_line(text("n/a\n\n  see\tabove", " as\u00a0before\u2028", None))
    assert got.tolist()[:2] == ["n/a see above", " as before "]
    assert pd.isna(got.iloc[2])


def test_white_space_is_the_same_29_code_points_for_arrow_python_and_the_text_checks() -> None:
    # The fast paths find text needing its white space folded with a regex written from
    # WHITE_SPACE; Arrow's split (which decides word counts) and Python's str.split must
    # agree with it on every code point, or a pasted character could change a finding.
    points = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    words = pc.list_value_length(
        pc.utf8_split_whitespace(pa.array([f"a{chr(c)}b" for c in points], pa.large_string()))
    ).to_numpy()
    arrow = {chr(c) for c, n in zip(points, words, strict=True) if n == 2}
    assert arrow == {chr(c) for c in points if chr(c).isspace()} == set(WHITE_SPACE)


_MESSY_TEXT = st.lists(
    st.sampled_from([*"abcNA/.-( )é", *WHITE_SPACE, "n/a", "none", "see above"]), max_size=14
).map("".join)


def in_chunks(values: list[str | None], split: int) -> pd.Series:
    """The values as a column stored in two Arrow chunks, as a file read in pieces gives."""
    pieces = [values[:split], values[split:]]
    arrow = pa.chunked_array([pa.array(p, pa.large_string()) for p in pieces])
    return pd.Series(pd.array(arrow, dtype="string[pyarrow]"))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(st.none(), _MESSY_TEXT), max_size=12),
    st.integers(0, 4),
    st.integers(0, 12),
    st.booleans(),
)
def test_text_checks_follow_their_plain_definitions_on_any_white_space(
    values: list[str | None], min_words: int, split: int, chunked: bool
) -> None:
    # The definitions in plain Python (str.split() splits on the same white space): a
    # value's words, its squashed and folded form, and its one-line quote. A column read
    # in pieces is judged as one read whole.
    series = in_chunks(values, split) if chunked else text(*values)
    keys = {" ".join(p.split()).lower().strip(SURROUNDING) for p in DEFAULT_PLACEHOLDERS}
    meaningful = [
        v is not None
        and bool(v.split())
        and len(v.split()) >= min_words
        and " ".join(v.split()).lower().strip(SURROUNDING) not in keys
        for v in values
    ]
    assert is_meaningful(series, min_words=min_words).tolist() == meaningful
    folded = comparable_text(series)
    one = one_line(series)
    for i, v in enumerate(values):
        if v is None:
            assert pd.isna(folded.iloc[i]) and pd.isna(one.iloc[i])
        else:
            assert folded.iloc[i] == " ".join(v.split()).lower()
            assert one.iloc[i] == re.sub(r"\s+", " ", v)
    # Numbered by the folded form: the same number exactly when the forms are equal.
    numbers = comparable_numbers(series)
    forms = [None if v is None else " ".join(v.split()).lower() for v in values]
    for i, form in enumerate(forms):
        assert (numbers[i] == -1) == (form is None)
        for j, other in enumerate(forms):
            if form is not None and other is not None:
                assert (numbers[i] == numbers[j]) == (form == other)


def test_a_run_of_white_space_ending_a_value_is_quoted_as_one_space() -> None:
    # Arrow's whitespace split, which one_line used, gave two spaces for a run of
    # multi-byte spaces at the end ("a b\u202f\u2006"), and for the last value of an array
    # its answer depended on the bytes stored after it.
    values = text("a b\u202f\u2006", "x\t\t", "\u2006\u2006", "\u00e9t\u00e9")
    assert one_line(values).tolist() == ["a b ", "x ", " ", "\u00e9t\u00e9"]
    assert one_line(values[::-1]).tolist() == ["\u00e9t\u00e9", " ", "x ", "a b "]


@pytest.mark.parametrize(
    ("value", "matched"),
    [
        ("We reflect on the case", True),
        ("Time to REFLECT.", True),
        ("Reflection on practice", False),  # word boundary on both ends
        ("Unreflect", False),
        ("Case\nreflection was done", True),  # phrase spaces match any white space
        ("case-reflection", False),
        (None, False),
    ],
)
def test_contains_any_phrase_on_word_boundaries(value: str | None, matched: bool) -> None:
    phrases = ["reflect", "case reflection"]
    assert contains_any_phrase(text(value), phrases).tolist() == [matched]


def test_contains_any_phrase_escapes_regex_characters() -> None:
    values = text("Actions (1:1) agreed", "Actions 1a1 agreed")
    assert contains_any_phrase(values, ["(1:1)"]).tolist() == [True, False]
    assert contains_any_phrase(values, ["1.1", "a+"]).tolist() == [False, False]


def test_contains_any_phrase_with_no_phrases_is_all_false() -> None:
    assert contains_any_phrase(text("anything"), []).tolist() == [False]


# --- Scope -------------------------------------------------------------------------------


def test_open_children_boundaries() -> None:
    children = pd.DataFrame(
        {
            "child_id": text("ends_on_start", "ended_day_before", "starts_on_end",
                             "starts_day_after", "blank_both", "long_running"),
            "case_start_date": dates(None, None, "2026-09-30", "2026-10-01", None, "2020-01-01"),
            "case_end_date": dates("2026-09-01", "2026-08-31", None, None, None, "2027-03-01"),
        }
    )  # fmt: skip
    got = open_children(children, SEPT_2026)
    assert got.tolist() == [True, False, True, False, True, True]
    assert got.dtype == bool


def test_open_children_without_date_columns_are_all_open() -> None:
    children = pd.DataFrame({"child_id": text("a", "b")}, index=[5, 9])
    got = open_children(children, SEPT_2026)
    assert got.tolist() == [True, True]
    assert got.index.tolist() == [5, 9]


def test_open_children_with_only_end_date() -> None:
    children = pd.DataFrame(
        {"child_id": text("a", "b"), "case_end_date": dates("2026-08-31", None)}
    )
    assert open_children(children, SEPT_2026).tolist() == [False, True]


def test_in_period() -> None:
    assert in_period(dates("2026-09-30", "2026-10-01", None), SEPT_2026).tolist() == [
        True,
        False,
        False,
    ]


# --- Plans -------------------------------------------------------------------------------


def plan_versions(**columns: object) -> pd.DataFrame:
    frame = pd.DataFrame(columns)
    for column in ("plan_date", "start_date", "end_date"):
        if column in frame:
            frame[column] = pd.to_datetime(frame[column])
    return frame


def test_latest_version_ignores_future_versions_and_keeps_index() -> None:
    plans = plan_versions(
        plan_id=["P1", "P1", "P1", "P2"],
        plan_date=["2026-06-01", "2026-09-10", "2026-10-02", "2026-10-05"],
        child_views=["old", "current", "future", "future only"],
    )
    plans.index = [100, 101, 102, 103]
    latest = latest_versions(plans, SEPT_2026.end_ts)
    assert latest.index.tolist() == [101]  # P2 has no version by the as-at date
    assert latest["child_views"].tolist() == ["current"]
    assert latest["effective_start"].tolist() == [pd.Timestamp("2026-06-01")]
    assert latest["effective_end"].isna().all()


def test_latest_version_tie_on_plan_date_later_row_wins() -> None:
    plans = plan_versions(
        plan_id=["P1", "P1", "P1"],
        plan_date=["2026-09-10", "2026-09-10", "2026-09-01"],
        child_views=["first entered", "entered last", "earlier date"],
    )
    latest = latest_versions(plans, date(2026, 9, 30))
    assert latest["child_views"].tolist() == ["entered last"]
    assert latest.index.tolist() == [1]


def test_latest_version_values_stand_when_versions_disagree() -> None:
    plans = plan_versions(
        plan_id=["P1", "P1", "P2", "P2"],
        plan_date=["2026-03-01", "2026-09-05", "2026-02-01", "2026-09-20"],
        start_date=["2026-02-20", "2026-03-15", "2026-01-01", None],
        end_date=["2026-08-01", None, None, "2026-08-15"],
    )
    latest = latest_versions(plans, SEPT_2026.end_ts)
    by_plan = latest.set_index("plan_id")
    # P1: the earlier version said it ended in August; the latest reopens it.
    assert by_plan.loc["P1", "effective_start"] == pd.Timestamp("2026-03-15")
    assert pd.isna(by_plan.loc["P1", "effective_end"])
    # P2: the latest version has no start_date → earliest plan_date; its end_date stands.
    assert by_plan.loc["P2", "effective_start"] == pd.Timestamp("2026-02-01")
    assert by_plan.loc["P2", "effective_end"] == pd.Timestamp("2026-08-15")
    assert active_at(latest, SEPT_2026).tolist() == [True, False]


def test_latest_versions_without_start_or_end_columns() -> None:
    plans = plan_versions(plan_id=["P1", "P1"], plan_date=["2026-05-01", "2026-09-01"])
    latest = latest_versions(plans, SEPT_2026.end_ts)
    assert latest["effective_start"].tolist() == [pd.Timestamp("2026-05-01")]
    assert active_at(latest, SEPT_2026).tolist() == [True]


def test_latest_versions_of_empty_table() -> None:
    plans = plan_versions(
        plan_id=pd.Series([], dtype="str"), plan_date=pd.Series([], dtype="object")
    )
    latest = latest_versions(plans, SEPT_2026.end_ts)
    assert latest.empty
    assert {"effective_start", "effective_end"} <= set(latest.columns)
    assert active_at(latest, SEPT_2026).empty


@pytest.mark.parametrize(
    ("start", "end", "active"),
    [
        ("2026-09-30", None, True),  # starts on period end
        ("2026-10-01", None, False),  # starts after the period
        ("2026-01-01", "2026-09-01", True),  # ends on period start
        ("2026-01-01", "2026-08-31", False),  # ended before the period
        ("2026-01-01", "2027-01-01", True),
    ],
)
def test_active_at_boundaries(start: str, end: str | None, active: bool) -> None:
    latest = pd.DataFrame({"effective_start": dates(start), "effective_end": dates(end)})
    assert active_at(latest, SEPT_2026).tolist() == [active]


def test_active_latest_plans_keeps_active_plans_of_open_children_only() -> None:
    plans = plan_versions(
        plan_id=["P1", "P1", "ENDED", "CLOSED", "FUTURE", "NOBODY"],
        child_id=["c1", "c1", "c1", "c2", "c1", "ghost"],
        plan_date=["2026-03-01", "2026-09-05", "2026-02-01", "2026-09-01", "2026-10-01",
                   "2026-09-01"],
        end_date=[None, None, "2026-08-31", None, None, None],
    )  # fmt: skip
    plans.index = [10, 11, 12, 13, 14, 15]
    children = pd.DataFrame(
        {"child_id": text("c1", "c2"), "case_end_date": dates(None, "2026-08-31")}
    )
    got = active_latest_plans(plans, AuditContext(SEPT_2026).scoped({"children": children}))
    # P1's latest version only; ENDED ended before the period; CLOSED's child closed in
    # August; FUTURE has no version by the as-at date; NOBODY's child is not in children.
    assert got.index.tolist() == [11]
    assert got["effective_start"].tolist() == [pd.Timestamp("2026-03-01")]


def test_active_latest_plans_of_empty_tables() -> None:
    plans = plan_versions(
        plan_id=pd.Series([], dtype="str"),
        child_id=pd.Series([], dtype="str"),
        plan_date=pd.Series([], dtype="object"),
    )
    children = pd.DataFrame({"child_id": text()})
    assert active_latest_plans(plans, AuditContext(SEPT_2026).scoped({"children": children})).empty


def test_plan_label_names_the_type_and_date_and_falls_back_to_the_code() -> None:
    plans = plan_versions(
        plan_type=["CP", "CLA", "XYZ"], plan_date=["2026-09-03", "2026-09-30", "2026-01-15"]
    )
    assert plan_label(plans).tolist() == [
        "Child protection plan dated 03/09/2026",
        "Care plan dated 30/09/2026",
        "XYZ plan dated 15/01/2026",
    ]


# --- Visits ------------------------------------------------------------------------------


def test_is_one_of_trims_and_ignores_case_and_missing_is_never_a_member() -> None:
    got = is_one_of(text(" Refused ", "AGE", "refused at first", "", None), ("refused", "age"))
    assert got.tolist() == [True, True, False, False, False]
    assert got.dtype == bool


def test_statutory_visits_blank_type_in_a_present_column_is_not_statutory() -> None:
    visits = pd.DataFrame({"visit_type": text("statutory", " STATUTORY ", "", None, "other")})
    assert statutory_visits(visits, ("statutory",)).tolist() == [True, True, False, False, False]


def test_statutory_visits_without_the_column_are_all_statutory() -> None:
    visits = pd.DataFrame({"visit_id": text("v1", "v2")}, index=[3, 7])
    got = statutory_visits(visits, ("statutory",))
    assert got.tolist() == [True, True]
    assert got.index.tolist() == [3, 7]
    assert got.dtype == bool


def test_child_was_seen_unless_child_seen_is_exactly_n() -> None:
    visits = pd.DataFrame({"child_seen": text("Y", "N", None, "n", "x")})
    # Only an explicit N takes a visit out; blank and unrecognised values count as seen.
    assert child_was_seen(visits).tolist() == [True, False, True, True, True]
    assert child_was_seen(pd.DataFrame({"visit_id": text("v1")})).tolist() == [True]


def test_reg29_reason_codes_only_not_free_text_about_a_refusal() -> None:
    reasons = text("refused", " Unable", "age", "Child refused to speak alone", None)
    codes = ("refused", "age", "unable")
    assert reg29_reason(reasons, codes).tolist() == [True, True, True, False, False]


# ---------------------------------------------------------------- idioms of rule bodies


def test_plural_takes_the_singular_only_for_exactly_one() -> None:
    counts = pd.Series([1, 2, 0, None], dtype="Int64")
    assert plural(counts, "day").tolist() == ["day", "days", "days", "days"]
    assert plural(counts, "child", "children").tolist()[:2] == ["child", "children"]


def test_uk_dates_read_day_first_and_blank_stays_blank() -> None:
    assert uk_date(dates("2026-09-04", None)).tolist()[0] == "04/09/2026"
    assert uk_date(dates("2026-09-04", None)).isna().tolist() == [False, True]
    assert uk_day(date(2026, 9, 30)) == "30/09/2026"


def test_y_and_n_flags_leave_blank_and_other_values_as_neither() -> None:
    flags = pd.Series(["Y", "N", None, "maybe"], dtype="string")
    assert is_yes(flags).tolist() == [True, False, False, False]
    assert is_no(flags).tolist() == [False, True, False, False]


def test_first_per_subject_picks_each_subjects_earliest_or_latest_qualifying_record() -> None:
    subjects = pd.DataFrame({"child_id": ["C1", "C2", "C3"]}, index=[10, 20, 30])
    records = pd.DataFrame(
        {
            "child_id": ["C1", "C1", "C1", "C2"],
            "when": dates("2026-09-05", "2026-09-01", "2026-09-09", "2026-09-02"),
            "ok": [True, True, False, False],
        }
    )
    pairs = pairs_by_child(subjects, records)
    first = first_per_subject(pairs, "when", subjects.index, where=pairs["ok"])
    last = first_per_subject(pairs, "when", subjects.index, where=pairs["ok"], last=True)
    assert uk_date(first["when"]).fillna("none").tolist() == ["01/09/2026", "none", "none"]
    assert uk_date(last["when"]).fillna("none").tolist() == ["05/09/2026", "none", "none"]


def test_always_decides_every_subject_no_earlier_case_did() -> None:
    subjects = pd.DataFrame({"id": ["A", "B"]})
    result = judge(
        subjects,
        source_table=None,
        subject_id=subjects["id"],
        cases=[Case(subjects["id"].eq("A"), NOT_MET, "first", "A's reason")],
        otherwise=always(NOT_APPLICABLE, "rest", "everyone else"),
    )
    assert result[["outcome", "reason_code", "detail"]].values.tolist() == [
        ["not_met", "first", "A's reason"],
        ["not_applicable", "rest", "everyone else"],
    ]


def test_words_in_a_detail_read_exactly_as_the_text_concatenated() -> None:
    subjects = pd.DataFrame(
        {
            "id": ["A", "B", "C", "D"],
            "when": pd.to_datetime(["2026-09-01", None, "2026-09-03", None]),
        },
        index=[10, 11, 12, 13],
    )
    when = uk_date(subjects["when"])
    said = text("yes", "no", None, "no").set_axis(subjects.index)
    as_series = ("Seen on " + when + ", said '" + said + "'").fillna("Not seen: " + subjects["id"])
    as_words = (words("Seen on ", when) + ", said '" + said + "'").fillna(
        words("Not seen: ", subjects["id"])
    )
    late = subjects["id"].isin(["A", "B"])
    results = [
        judge(
            subjects,
            source_table=None,
            subject_id=subjects["id"],
            cases=[Case(late, NOT_MET, "late", detail)],
            otherwise=always(NOT_APPLICABLE, "rest", words("Fine (", subjects["id"], ")")),
        )
        for detail in (as_series, as_words)
    ]
    pd.testing.assert_frame_equal(results[0], results[1])
    assert results[1]["detail"].tolist() == [
        "Seen on 01/09/2026, said 'yes'",
        "Not seen: B",
        "Fine (C)",
        "Fine (D)",
    ]
