"""A council's own export ("LCS-style"), mapped once in audit.toml: sheet names, headers and
values of its own, read as the contract's tables and audited unchanged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from audit.engine.config import build_config
from audit.engine.registry import discover_rules
from audit.errors import UsageError
from audit.period import AuditPeriod
from audit.run import audit

CONFIG = """
[tables]
children = "Caseload Report"
visits = "Case Notes - Visits"

[mapping.children]
child_id = "LCS ID"
allocated_team = "Team Name"
allocated_worker = "Worker"
ethnicity = "Ethnic Origin"
first_language = "Main Language"

[mapping.visits]
visit_id = "Note ID"
child_id = "LCS ID"
visit_date = "Date of Visit"
visit_type = "Note Type"
seen_alone = "Seen Alone?"
not_seen_alone_reason = "Reason Not Seen Alone"

[values.visits.visit_type]
"Statutory Visit" = "statutory"
"Home Visit (statutory)" = "statutory"

[values.visits.seen_alone]
"Child seen alone" = "Y"
"Seen with carer" = "N"
"Not asked" = ""
"""


def lcs_export(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Caseload Report"
    ws.append(["Fictional Borough LCS caseload report (synthetic)"])
    ws.append(["LCS ID", "Team Name", "Worker", "Ethnic Origin", "Main Language", "Extra"])
    ws.append(["000101", "Assessment East", "W1", "White British", "English", "x"])
    ws.append(["000102", "Assessment East", "W1", "Any other ethnic group", "Not obtained", ""])
    ws.append(["000103", "Assessment West", "W2", None, "Polish", ""])
    visits = wb.create_sheet("Case Notes - Visits")
    visits.append(
        ["Note ID", "LCS ID", "Date of Visit", "Note Type", "Seen Alone?", "Reason Not Seen Alone"]
    )
    visits.append(["N1", "000101", dt.date(2026, 9, 3), "Statutory Visit", "Child seen alone", ""])
    visits.append(
        ["N2", "000102", "10/09/2026", "Home Visit (statutory)", "Seen with carer", "refused"]
    )
    visits.append(["N3", "000103", "11/09/2026", "Statutory Visit", "Not asked", ""])
    visits.append(["N4", "000103", "12/09/2026", "Phone call", "Child seen alone", ""])
    wb.save(path)
    return path


@pytest.fixture
def mapped(tmp_path) -> tuple[Path, Path]:
    config = tmp_path / "audit.toml"
    config.write_text(CONFIG, encoding="utf-8")
    return lcs_export(tmp_path / "lcs_export.xlsx"), config


def outcomes(run, code):
    part = run.findings[run.findings["rule_code"] == code]
    return {
        row.subject_id: (
            row.outcome,
            None if pd.isna(row.reason_code) else row.reason_code,
        )
        for row in part.itertuples()
    }


def test_a_mapped_export_is_audited_with_its_own_names_and_values(mapped):
    export, config = mapped
    run = audit(export, AuditPeriod.parse("2026-09"), config)
    assert run.loaded.profile == "canonical"
    assert outcomes(run, "IDN01") == {
        "000101": ("met", None),
        "000102": ("met", None),
        "000103": ("not_met", "ethnicity_blank"),
    }
    assert outcomes(run, "IDN02")["000102"] == ("not_met", "language_not_obtained")
    # "Phone call" is not statutory; "Not asked" maps to blank, i.e. not recorded.
    assert outcomes(run, "SEE01") == {
        "N1": ("met", None),
        "N2": ("met", None),
        "N3": ("not_met", "seen_alone_not_recorded"),
    }
    visits = run.findings[run.findings["rule_code"] == "SEE01"]
    # Findings cite the export's own sheet and row, so a manager can find the record.
    assert set(visits["source_table"]) == {"Case Notes - Visits"}
    assert sorted(visits["source_row"].astype(int)) == [2, 3, 4]


def test_a_typo_in_the_mapping_is_an_error_naming_the_valid_choices():
    rules = discover_rules()
    with pytest.raises(UsageError, match=r"unknown column 'visit_dat'\. Valid columns: visit_id"):
        build_config({"mapping": {"visits": {"visit_dat": "Date"}}}, None, rules)
    with pytest.raises(UsageError, match=r"unknown table 'visit'\. Valid tables: children"):
        build_config({"tables": {"visit": "Visits"}}, None, rules)


def test_an_unmapped_required_column_names_the_mapping_section(mapped, tmp_path):
    export, _ = mapped
    config = tmp_path / "partial.toml"
    config.write_text('[tables]\nchildren = "Caseload Report"\n', encoding="utf-8")
    from audit.errors import InputError

    with pytest.raises(
        InputError, match=r"sheet Caseload Report: no header row .* \[mapping\.children\]"
    ):
        audit(export, AuditPeriod.parse("2026-09"), config)


def test_run_json_and_overview_say_which_source_fed_each_rule(mapped):
    from audit.reports.model import build_overview
    from audit.run import run_record

    export, config = mapped
    run = audit(export, AuditPeriod.parse("2026-09"), config)
    rules = {r["code"]: r for r in run_record(run)["rules"]}
    assert rules["SEE01"]["fed_by"] == [
        "lcs_export.xlsx, sheet Caseload Report",
        "lcs_export.xlsx, sheet Case Notes - Visits",
    ]
    assert rules["SUP01"]["fed_by"] == [] and rules["SUP01"]["status"] == "SKIPPED"
    overview = build_overview(run)
    assert overview.rule("SEE01").fed_by == tuple(rules["SEE01"]["fed_by"])
    assert overview.source == "caseaudit tables"
