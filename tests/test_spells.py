"""Spells of service: the case dates a source with history gives each child."""

from __future__ import annotations

import pandas as pd

from audit.profiles.spells import case_dates

AS_AT = pd.Timestamp("2026-09-30")


def dates_of(rows: list[tuple[str, str | None, str | None]]) -> dict[str, tuple[str, str]]:
    frame = pd.DataFrame(rows, columns=["key", "start", "end"])
    got = case_dates(
        frame["key"], pd.to_datetime(frame["start"]), pd.to_datetime(frame["end"]), AS_AT
    )

    def text(value: object) -> str:
        return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")

    return {
        k: (text(s), text(e))
        for k, s, e in got[["_key", "case_start_date", "case_end_date"]].itertuples(index=False)
    }


def test_overlapping_and_back_to_back_rows_are_one_spell():
    assert dates_of(
        [
            ("A", "2025-01-01", "2025-06-30"),
            ("A", "2025-07-01", "2025-12-31"),  # the next day: the same spell
            ("A", "2025-11-01", "2026-03-31"),  # overlapping
        ]
    ) == {"A": ("2025-01-01", "2026-03-31")}


def test_two_open_ended_rows_leave_the_spell_open():
    assert dates_of([("B", "2026-01-01", None), ("B", "2026-02-01", None)]) == {
        "B": ("2026-01-01", "")
    }


def test_after_a_gap_the_latest_spell_started_by_the_as_at_date_is_read():
    assert dates_of(
        [
            ("C", "2023-01-01", "2023-06-30"),
            ("C", "2026-08-01", None),
            ("D", "2024-01-01", "2024-03-31"),
            ("D", "2025-01-01", "2025-01-31"),
            ("D", "2026-11-01", None),  # after the as-at date: not yet
        ]
    ) == {"C": ("2026-08-01", ""), "D": ("2025-01-01", "2025-01-31")}


def test_a_child_whose_service_starts_later_gets_the_first_spell():
    assert dates_of([("E", "2026-12-01", None), ("E", "2026-10-15", "2026-11-01")]) == {
        "E": ("2026-10-15", "2026-11-01")  # the first of two later spells
    }


def test_rows_without_a_start_date_or_child_say_nothing():
    assert dates_of([("F", None, None), (None, "2026-01-01", None)]) == {}
