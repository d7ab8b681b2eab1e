"""Each normalisation case of the data contract, on raw cells as a reader gives them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audit import normalise
from audit.arrow import WHITE_SPACE


def cells(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def as_date(*values: object) -> tuple[list[object], list[bool]]:
    raw = cells(*values)
    parsed, bad = normalise.as_date(raw, normalise.cells_to_text(raw))
    return [None if pd.isna(v) else v.date() for v in parsed], bad.tolist()


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Seen Alone", "seenalone"),
        ("seen_alone", "seenalone"),
        ("  Child ID\u00a0 ", "childid"),
        ("Date\u00a0of\tBirth", "dateofbirth"),
        ("Allocated-Team", "allocatedteam"),
        ("Child\u2019s Legal Status", "child'slegalstatus"),
    ],
)
def test_headers_match_ignoring_case_spacing_dashes_and_curly_quotes(header, key):
    assert normalise.header_key(header) == key


def test_identifiers_stay_text_with_leading_zeros_and_no_point_zero():
    raw = cells("000123", 123.0, 4567, " C9 ", "1234.0", None, "")
    ids, _ = normalise.as_id(normalise.cells_to_text(raw))
    assert ids.tolist()[:5] == ["000123", "123", "4567", "C9", "1234"]
    assert ids.isna().tolist()[5:] == [True, True]


def test_uk_day_first_text_is_never_read_month_first():
    assert as_date("03/04/2026", "3/4/2026")[0] == [dt.date(2026, 4, 3)] * 2


def test_iso_text_date_cells_and_datetime_cells_parse():
    parsed, bad = as_date("2026-04-03", dt.date(2026, 4, 3), dt.datetime(2026, 4, 3, 16, 45))
    assert parsed == [dt.date(2026, 4, 3)] * 3
    assert bad == [False, False, False]


def test_excel_serial_numbers_parse_as_number_cells_and_as_digits():
    # 46115 is Excel's serial for 03/04/2026.
    assert as_date(46115, 46115.0, "46115")[0] == [dt.date(2026, 4, 3)] * 3


def test_a_date_followed_by_a_time_parses_to_its_date():
    assert as_date("30/09/2026 16:45", "2026-09-30T16:45:00")[0] == [dt.date(2026, 9, 30)] * 2


def test_impossible_and_unparseable_dates_are_flagged_not_guessed():
    parsed, bad = as_date("31/02/2026", "next Tuesday", None, "")
    assert parsed == [None, None, None, None]
    assert bad == [True, True, False, False]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Y", "Y"),
        ("Yes", "Y"),
        ("y", "Y"),
        ("TRUE", "Y"),
        (True, "Y"),
        (1, "Y"),
        ("1", "Y"),
        ("a) Yes", "Y"),
        ("N", "N"),
        ("No", "N"),
        ("FALSE", "N"),
        (False, "N"),
        (0.0, "N"),
        ("0", "N"),
        ("b) No", "N"),
    ],
)
def test_yes_no_values_map_to_y_and_n(value, expected):
    values, unmapped = normalise.as_yes_no(normalise.cells_to_text(cells(value)))
    assert values.tolist() == [expected]
    assert not unmapped.any()


@pytest.mark.parametrize("value", [None, "", "Unknown", "c) Unknown", "Not recorded"])
def test_unknown_yes_no_values_become_blank_without_a_finding(value):
    values, unmapped = normalise.as_yes_no(normalise.cells_to_text(cells(value)))
    assert values.isna().all()
    assert not unmapped.any()


def test_an_unmapped_yes_no_value_is_kept_as_written_and_flagged():
    values, unmapped = normalise.as_yes_no(normalise.cells_to_text(cells("Maybe")))
    assert values.tolist() == ["Maybe"]
    assert unmapped.tolist() == [True]


@pytest.mark.parametrize(
    "value",
    ["WBRI", "wbri", "a) WBRI", "WBRI - White British", "White British", " white british "],
)
def test_ethnicity_forms_reduce_to_the_code(value):
    codes, unmapped = normalise.as_code(normalise.cells_to_text(cells(value)), "ethnicity")
    assert codes.tolist() == ["WBRI"]
    assert not unmapped.any()


def test_official_descriptions_map_to_codes():
    raw = cells("Any other White background", "Information not yet obtained", "s) NOBT")
    codes, _ = normalise.as_code(normalise.cells_to_text(raw), "ethnicity")
    assert codes.tolist() == ["WOTH", "NOBT", "NOBT"]


def test_an_unknown_code_is_kept_upper_cased_and_flagged():
    codes, unmapped = normalise.as_code(normalise.cells_to_text(cells("Martian")), "ethnicity")
    assert codes.tolist() == ["MARTIAN"]
    assert unmapped.tolist() == [True]


def test_language_names_count_as_codes_without_a_finding():
    raw = cells("Polish", "a) ENG", "English")
    codes, unmapped = normalise.as_code(normalise.cells_to_text(raw), "first_language")
    assert codes.tolist() == ["POLISH", "ENG", "ENG"]
    assert not unmapped.any()


def test_sex_from_annex_a_form():
    codes, _ = normalise.as_code(normalise.cells_to_text(cells("a) Male", "b) Female")), "sex")
    assert codes.tolist() == ["M", "F"]


def test_lower_case_codes_fold_case_and_spaces():
    codes, _ = normalise.as_lower_code(normalise.cells_to_text(cells("Placement Change")))
    assert codes.tolist() == ["placement_change"]


@pytest.mark.parametrize("value", ["#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#n/a"])
def test_excel_error_values_are_recognised(value):
    assert normalise.excel_errors(normalise.cells_to_text(cells(value))).tolist() == [True]


def test_text_keeps_its_content_and_trims_only_the_ends():
    text, _ = normalise.as_text(normalise.cells_to_text(cells("  Seen  alone;  happy \n")))
    assert text.tolist() == ["Seen  alone;  happy"]


def test_each_kind_of_white_space_at_either_end_of_a_value_is_trimmed():
    # A column is only trimmed when some value needs it, judged first from the bytes at
    # each value's ends: each of the 29 white space characters, before or after an ASCII
    # or a multi-byte character, must be found on its own.
    values = [v for c in WHITE_SPACE for v in (c + "a", "a" + c, c + "é", "é" + c, f"{c}-{c}")]
    for value in values:
        got = normalise.cells_to_text(pd.Series([value, "clean"], dtype="string[pyarrow]"))
        assert got.tolist() == [value.strip(), "clean"], repr(value)


_ENDS = st.sampled_from([*WHITE_SPACE, "a", "é", "\u2019", "\u3042", "\U0001f600", "-"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.lists(_ENDS, max_size=5).map("".join)), max_size=9))
def test_text_is_trimmed_of_every_kind_of_white_space_and_nothing_else(values):
    # Whether a column needs trimming is first judged from the bytes at each value's ends;
    # any white space (a non-breaking space, U+3000 ...) next to any other character at
    # either end must still be found, and a clean column kept as it was read.
    def trimmed(column: list[str | None]) -> list[str | None]:
        got = normalise.cells_to_text(pd.Series(column, dtype="string[pyarrow]"))
        return [None if pd.isna(v) else v for v in got]

    want = [None if v is None or not v.strip() else v.strip() for v in values]
    assert trimmed(values) == want
    # Alone in its column too: one value with white space at an end trims the whole column.
    assert [v for value in values for v in trimmed([value, "clean"])[:1]] == want


@pytest.mark.parametrize("value", ["NULL", "null", " Null ", "NULL\t"])
def test_sql_null_is_blank_text(value):
    assert normalise.cells_to_text(cells(value)).isna().tolist() == [True]


def test_sql_null_is_no_unparseable_date_code_or_y_n_value():
    assert as_date("NULL", "null") == ([None, None], [False, False])
    codes, unmapped = normalise.as_code(normalise.cells_to_text(cells("NULL")), "ethnicity")
    assert codes.isna().tolist() == [True] and unmapped.tolist() == [False]
    yn, unmapped = normalise.as_yes_no(normalise.cells_to_text(cells("NULL")))
    assert yn.isna().tolist() == [True] and unmapped.tolist() == [False]


def test_a_value_merely_containing_null_is_kept():
    assert normalise.cells_to_text(cells("NULLS", "#NULL!", "Null point")).tolist() == [
        "NULLS",
        "#NULL!",
        "Null point",
    ]


def test_not_applicable_is_an_answer_only_where_the_column_allows_it():
    text = normalise.cells_to_text(cells("NA", "n/a", "Not applicable"))
    values, unmapped = normalise.as_yes_no(text, not_applicable=True)
    assert values.tolist() == ["NA"] * 3 and unmapped.tolist() == [False] * 3
    values, unmapped = normalise.as_yes_no(text)
    assert values.tolist() == ["NA", "n/a", "Not applicable"] and unmapped.all()
