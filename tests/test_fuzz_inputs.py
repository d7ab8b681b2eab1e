"""Damaged and hostile input files get a one-line answer or an honest load, never a crash.

The named attacks are the ones issue 11 found; a fixed-seed slice of the random mutations in
tests/fuzz_inputs.py runs here too (the long run is `make fuzz`). Every outcome must be exit
0, 2 or 3 with rows read = loaded + rejected for every table; exit 1 fails.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from audit.loader import load
from tests import fuzz_inputs
from tests.fuzz_inputs import (
    MESSY,
    WORKBOOK_ATTACKS,
    check_case,
    make_case,
    problems,
    run_check,
)
from tests.workbooks import workbook

# ---------------------------------------------------------------- damaged workbooks


@pytest.mark.parametrize("attack", sorted(WORKBOOK_ATTACKS))
def test_a_damaged_workbook_is_one_line_naming_the_file_and_sheet_with_exit_3(attack, tmp_path):
    make, sheet = WORKBOOK_ATTACKS[attack]
    path = make(tmp_path / "export.xlsx")
    outcome = run_check(path, tmp_path / "dq.csv")
    assert problems(outcome, "export.xlsx") == []
    assert outcome.code == 3, outcome.stdout
    message = outcome.stderr.strip()
    if sheet:
        assert f"sheet {sheet}" in message
    assert "xport it again" in message  # says what to do


# ---------------------------------------------------------------- CSV that does not split

FIVE_CHILDREN = (
    "child_id,allocated_team,ethnicity\nC1,North,WBRI\n{}\n"
    "C3,North,WBRI\nC4,South,WBRI\nC5,South,BAFR\n"
)


def _children_csv(tmp_path, second_row: str, encoding: str = "utf-8"):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "children.csv").write_bytes(FIVE_CHILDREN.format(second_row).encode(encoding))
    return folder


def test_an_unclosed_quote_rejects_its_own_row_and_keeps_the_rows_after_it(tmp_path):
    folder = _children_csv(tmp_path, 'C2,"South,WBRI')
    children = load(folder).loads["children"]
    assert (children.rows_read, children.rows_loaded, children.rows_rejected) == (5, 4, 1)
    assert children.frame["child_id"].tolist() == ["C1", "C3", "C4", "C5"]
    rejected = children.rejected.iloc[0]
    assert rejected["source_row"] == 3
    assert rejected["kind"] == "unreadable_row"
    assert "line 3" in rejected["detail"] and "quote" in rejected["detail"]


def test_a_quote_closed_rows_later_does_not_fold_those_rows_into_one_value(tmp_path):
    # The stray quote on C2 closes at the end of C5's line: the csv module alone would read
    # one row whose team is four lines long.
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "children.csv").write_text(
        'child_id,allocated_team,ethnicity\nC1,North,WBRI\nC2,"South,WBRI\n'
        'C3,North,WBRI\nC4,South,WBRI\nC5,South,BAFR"\n',
        encoding="utf-8",
    )
    children = load(folder).loads["children"]
    assert (children.rows_read, children.rows_rejected) == (5, 1)
    assert children.frame["child_id"].tolist() == ["C1", "C3", "C4", "C5"]
    assert "line 3" in children.rejected.iloc[0]["detail"]


def test_a_note_over_several_lines_in_quotes_is_still_one_row(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "children.csv").write_text(
        'child_id,allocated_team,ethnicity\nC1,"North\nteam, east side",WBRI\nC2,South,BAFR\n',
        encoding="utf-8",
    )
    children = load(folder).loads["children"]
    assert (children.rows_read, children.rows_loaded) == (2, 2)
    assert children.frame["allocated_team"].tolist()[0] == "North\nteam, east side"


def test_a_row_with_more_values_than_the_header_is_rejected_not_shifted(tmp_path):
    folder = _children_csv(tmp_path, "C2,South, East,WBRI")
    children = load(folder).loads["children"]
    assert (children.rows_read, children.rows_loaded, children.rows_rejected) == (5, 4, 1)
    rejected = children.rejected.iloc[0]
    assert (rejected["source_row"], rejected["kind"]) == (3, "ragged_row")
    assert "4 values" in rejected["detail"] and "3 columns" in rejected["detail"]


def test_a_short_row_is_padded_and_loaded(tmp_path):
    folder = _children_csv(tmp_path, "C2,South")
    children = load(folder).loads["children"]
    assert (children.rows_read, children.rows_loaded) == (5, 5)


def test_a_value_over_the_field_limit_rejects_its_row_with_the_line(tmp_path):
    folder = _children_csv(tmp_path, "C2,South," + "x" * 131_073)
    children = load(folder).loads["children"]
    assert (children.rows_read, children.rows_loaded, children.rows_rejected) == (5, 4, 1)
    assert "line 3" in children.rejected.iloc[0]["detail"]
    assert "131,072" in children.rejected.iloc[0]["detail"]


def test_a_utf8_marker_followed_by_windows_1252_text_is_read_not_a_crash(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "children.csv").write_bytes(
        b"\xef\xbb\xbf" + FIVE_CHILDREN.format("C2,S\xf6uth \x92A\x92,WBRI").encode("latin-1")
    )
    outcome = run_check(folder, tmp_path / "dq.csv")
    assert problems(outcome, "children.csv") == []
    assert outcome.code == 0
    children = load(folder).loads["children"]
    assert children.frame["allocated_team"].tolist()[1] == "Söuth ’A’"
    assert children.encoding == "cp1252"


def test_the_sample_csvs_count_every_record_their_bytes_hold():
    # The independent count: record starts found in the bytes, without the CSV parser.
    result = load(MESSY)
    for path in MESSY.glob("*.csv"):
        starts = len(fuzz_inputs.RECORD_START.findall(path.read_bytes()))
        assert result.loads[path.stem].rows_read == starts, path.name


# ---------------------------------------------------------------- seeded mutation slice

# A fixed slice of the long run (`make fuzz`): about 20 s on a 2-core machine.
SLICE = range(1, 25)


@pytest.mark.parametrize("seed", SLICE)
def test_a_seeded_mutation_of_a_sample_file_keeps_every_promise(seed, tmp_path):
    case = make_case(seed, tmp_path / "case")
    _, found = check_case(case, tmp_path / "dq.csv")
    assert found == [], f"seed {seed} ({case.kind})"


# ---------------------------------------------------------------- hostile values

# Derandomized, so `make test` runs the same examples every time: CI stays deterministic.

_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    max_size=40,
) | st.sampled_from(["=1+1", "+44", "-1", "@SUM(A1)", "\tx", '"', '""', ",", "\r\n", "#N/A"])
_ROW = st.tuples(
    st.text(string.ascii_uppercase + string.digits, min_size=1, max_size=8), _TEXT, _TEXT
)


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(_ROW, min_size=1, max_size=12))
def test_any_values_written_as_proper_csv_are_all_read_and_accounted(rows, tmp_path):
    folder = tmp_path / "values"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(["child_id", "allocated_team", "ethnicity"])
    writer.writerows(rows)
    (folder / "children.csv").write_text(text.getvalue(), encoding="utf-8", newline="")
    outcome = run_check(folder, tmp_path / "dq.csv")
    assert problems(outcome, "children.csv") == []
    if outcome.code == 0:  # exit 3 only when no header is found, e.g. a value is a header
        assert outcome.counts["children"][0] == len(rows)


def test_a_header_that_does_not_split_stops_with_its_row(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "children.csv").write_text(
        'child_id,"allocated_team,ethnicity\nC1,North,WBRI\nC2,South,BAFR\n', encoding="utf-8"
    )
    outcome = run_check(folder, tmp_path / "dq.csv")
    assert outcome.code == 3
    assert problems(outcome, "children.csv") == []
    assert "header row (row 1)" in outcome.stderr and "never closed" in outcome.stderr


def test_a_row_that_does_not_split_in_an_ssd_extract_stops_with_its_line(tmp_path):
    # A profile joins rows across tables, so it cannot reject one row of one file: the file
    # is refused, naming the line, rather than read with a row's values run together.
    from tests.test_profile_ssd import write_folder

    folder = write_folder(tmp_path / "extract")
    person = folder / "ssd_person.csv"
    lines = person.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(2, 'P9,"Unclosed,2015-01-01\n')
    person.write_text("".join(lines), encoding="utf-8")
    outcome = run_check(folder, tmp_path / "dq.csv")
    assert problems(outcome, "ssd_person.csv") == []
    assert outcome.code == 3
    assert "line 3" in outcome.stderr and "never closed" in outcome.stderr


_CELL = (
    _TEXT.filter(lambda v: not ILLEGAL_CHARACTERS_RE.search(v))
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
)


@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(st.tuples(_ROW.map(lambda r: r[0]), _CELL, _CELL), min_size=1, max_size=8))
def test_any_values_in_a_workbook_are_all_read_and_accounted(rows, tmp_path):
    path = workbook(
        tmp_path / "values.xlsx",
        {"children": [["child_id", "allocated_team", "ethnicity"], *map(list, rows)]},
        formulas_as_text=True,
    )
    outcome = run_check(path, tmp_path / "dq.csv")
    assert problems(outcome, "values.xlsx") == []
    if outcome.code == 0:
        assert outcome.counts["children"][0] == len(rows)


def test_with_joined_columns_a_row_that_does_not_split_is_still_rejected(tmp_path, capsys):
    from audit.cli import main
    from tests.test_profile_mapping import JOIN_CONFIG, join_export

    folder = join_export(tmp_path / "export")
    caseload = folder / "Leaving Care Caseload.csv"
    caseload.write_text(caseload.read_text() + 'P5,"WBRI\n', encoding="utf-8")
    config = tmp_path / "audit.toml"
    config.write_text(JOIN_CONFIG, encoding="utf-8")
    check = ["check", str(folder), "--config", str(config), "--csv", str(tmp_path / "dq.csv")]
    assert main(check) == 0
    printed = capsys.readouterr().out
    # read 5, loaded 4, rejected 1
    assert re.search(r"children +Leaving Care Caseload\.csv \(utf-8\) +5 +4 +1 ", printed)
    assert "children: unreadable_row 1" in printed

    # A file joined from is read by key, so a row there that does not split refuses it.
    episodes = folder / "Episodes.csv"
    episodes.write_text(episodes.read_text() + 'P5,"01/01/2026,\n', encoding="utf-8")
    assert main(check) == 3
    error = capsys.readouterr().err
    assert "Episodes.csv: line 7 could not be split" in error and len(error.splitlines()) == 1


def test_a_date_past_the_year_2262_is_not_a_date_rather_than_a_crash(tmp_path):
    # Found by `make fuzz` (seed 980): 05/08/3026, a slip of one digit. pandas holds dates
    # only to 2262, so such a date is reported as not a date, in a CSV and in a date cell.
    import datetime as dt

    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "children.csv").write_text(
        "child_id,allocated_team,case_start_date\nC1,North,05/08/3026\nC2,South,05/08/2026\n",
        encoding="utf-8",
    )
    workbook(
        folder / "visits.xlsx",
        {
            "visits": [
                ["visit_id", "child_id", "visit_date"],
                ["V1", "C1", dt.datetime(9999, 12, 31)],
                ["V2", "C2", dt.datetime(2026, 8, 5)],
            ]
        },
    )
    outcome = run_check(folder, tmp_path / "dq.csv")
    assert problems(outcome, "children.csv") == []
    assert outcome.counts == {"children": (2, 2, 0), "visits": (2, 1, 1)}
    issues = load(folder).issues()
    assert issues[["table", "kind", "value"]].values.tolist() == [
        ["children", "unparseable_date", "05/08/3026"],
        ["visits", "unparseable_required_date", "9999-12-31"],
    ]
