"""The workbook parsed early, while the program imports: what the loader gets from it.

``caseaudit run`` and ``check`` start parsing the workbook's sheets before anything else
(audit/sheet_parse.py). Whatever was parsed early must load exactly as a sheet parsed at
load time; a file changed since must be read as it now is; and nothing may be left
running once the load is over (the reports fork their workers only from a process with
no other thread).
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pandas as pd
import pytest

from audit import sheet_parse
from audit.cli import main
from audit.loader import load
from tests.workbooks import workbook

SAMPLE = Path(__file__).resolve().parents[1] / "sample_cases" / "authority.xlsx"
THREAD_PREFIX = "caseaudit-sheet-parse"


@pytest.fixture(autouse=True)
def _nothing_left_started():
    yield
    sheet_parse.forget_early()


def _parse_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX)]


def _same_load(early, late) -> None:
    assert early.loads.keys() == late.loads.keys()
    for name, table in early.loads.items():
        other = late.loads[name]
        pd.testing.assert_frame_equal(table.frame, other.frame)
        pd.testing.assert_frame_equal(table.rejected, other.rejected)
        pd.testing.assert_frame_equal(table.findings, other.findings)
        assert (table.rows_read, table.rows_loaded) == (other.rows_read, other.rows_loaded)


def test_the_sample_parsed_early_loads_exactly_as_parsed_at_load_time(tmp_path):
    path = Path(shutil.copy(SAMPLE, tmp_path / "authority.xlsx"))
    sheet_parse.start_early(str(path))
    assert sheet_parse._started, "the early start parsed nothing"
    early = load(path)
    assert not sheet_parse._started, "a sheet parsed early was not taken by the load"
    _same_load(early, load(path))


def test_excel_error_cells_are_still_found_in_a_sheet_parsed_early(tmp_path):
    path = workbook(
        tmp_path / "a.xlsx",
        {
            "children": [
                ["child_id", "allocated_team", "ethnicity"],
                ["C1", "North", "#N/A"],
                ["C2", "North", "WBRI"],
            ],
        },
    )
    sheet_parse.start_early(str(path))
    loaded = load(path).loads["children"]
    assert loaded.findings[["source_row", "kind"]].values.tolist() == [[2, "excel_error"]]


def test_a_workbook_replaced_after_the_early_start_is_read_as_it_now_is(tmp_path):
    header = ["child_id", "allocated_team"]
    path = workbook(tmp_path / "a.xlsx", {"children": [header, ["C1", "North"], ["C2", "N"]]})
    sheet_parse.start_early(str(path))
    replacement = workbook(tmp_path / "b.xlsx", {"children": [header, ["C7", "South"]]})
    os.replace(replacement, path)
    assert load(path).loads["children"].frame["child_id"].tolist() == ["C7"]


def test_only_a_workbook_that_passes_the_safety_checks_is_parsed_early(tmp_path):
    csv = tmp_path / "children.csv"
    csv.write_text("child_id\nC1\n", encoding="utf-8")
    not_a_zip = tmp_path / "broken.xlsx"
    not_a_zip.write_bytes(b"this is not a workbook")
    for given in (str(csv), str(tmp_path), str(not_a_zip), "postgresql://h/db", "missing.xlsx"):
        sheet_parse.start_early(given)
        assert not sheet_parse._started, given
        assert not _parse_threads(), given


def test_a_damaged_workbook_gets_the_same_one_line_answer_as_before(tmp_path, capsys):
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"PK\x03\x04 damaged beyond reading")
    assert main(["check", str(path), "--csv", str(tmp_path / "dq.csv")]) == 3
    err = capsys.readouterr().err.strip()
    assert err.startswith("caseaudit: error: a.xlsx:") and "\n" not in err
    assert not _parse_threads()


def test_no_parsing_thread_is_left_once_a_run_has_loaded(tmp_path, monkeypatch):
    # The reports check for other threads just before they fork their workers.
    seen: list[list[str]] = []
    from audit.reports import parallel

    real = parallel._workers

    def workers(count: int) -> int:
        seen.append(_parse_threads())
        return real(count)

    monkeypatch.setattr(parallel, "_workers", workers)
    path = Path(shutil.copy(SAMPLE, tmp_path / "authority.xlsx"))
    code = main(["run", str(path), "--period", "2026-10", "--out", str(tmp_path / "out")])
    assert code == 0
    assert seen and all(names == [] for names in seen)
    assert not sheet_parse._started
