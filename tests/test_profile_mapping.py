"""A council's own export ("LCS-style"), mapped once in audit.toml: sheet names, headers and
values of its own, read as the contract's tables and audited unchanged."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from audit.engine.registry import discover_rules
from audit.errors import InputError, UsageError
from audit.period import AuditPeriod
from audit.run import audit
from audit.settings import build_settings

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
        build_settings({"mapping": {"visits": {"visit_dat": "Date"}}}, None, rules)
    with pytest.raises(UsageError, match=r"unknown table 'visit'\. Valid tables: children"):
        build_settings({"tables": {"visit": "Visits"}}, None, rules)


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
    from audit.reports.build import build_overview
    from audit.results import run_record

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


# ---------------------------------------------------------------- joins, constants, made ids

JOIN_CONFIG = """
[tables]
children = "Leaving Care Caseload"
reviews = "Review Log"

[mapping.children]
child_id = "Person Ref"
allocated_team = { constant = "Leaving Care" }
case_start_date = { file = "Episodes", column = "Start", child = "Person Ref", pick = "first" }
case_end_date = { file = "Episodes", column = "End", child = "Person Ref", pick = "last" }

[mapping.children.allocated_worker]     # a long entry reads better as its own table
file = "Allocations"
column = "Worker"
child = "Person Ref"
pick = "as_at"
from = "From"
to = "To"

[mapping.reviews]
review_id = { made_from = ["Person Ref", "Review Date", "Code"] }
child_id = "Person Ref"
review_type = "Kind"
review_date = "Review Date"
participation_code = "Code"
"""


def join_export(folder: Path) -> Path:
    folder.mkdir()
    files = {
        "Leaving Care Caseload": "Person Ref,Ethnicity\nP1,WBRI\nP2,\nP3,BAFR\nP4,WBRI\n",
        # P1: two episodes, the second still open; P2 closed in June; P4 starts in October.
        "Episodes": (
            "Person Ref,Start,End\nP1,01/03/2025,31/12/2025\nP1,01/01/2026,\n"
            "P2,01/01/2026,30/06/2026\nP3,NULL,\nP4,01/10/2026,\n"
        ),
        "Allocations": (
            "Person Ref,Worker,From,To\nP1,PA1,01/03/2025,31/08/2026\nP1,PA2,01/09/2026,\n"
            "P3,PA3,01/01/2026,\n"
        ),
        "Review Log": (
            "Person Ref,Kind,Review Date,Code\nP1,CLA,10/09/2026,PN1\nP1,CLA,10/09/2026,PN7\n"
            "P1,CLA,10/09/2026,PN1\nP3,CLA,12/09/2026,PN5\n"
        ),
    }
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_columns_joined_from_other_files_constants_and_made_ids(tmp_path):
    config = tmp_path / "audit.toml"
    config.write_text(JOIN_CONFIG, encoding="utf-8")
    run = audit(join_export(tmp_path / "export"), AuditPeriod.parse("2026-09"), config)
    loads = run.loaded.loads
    children = loads["children"].frame.set_index("child_id")
    assert set(children["allocated_team"]) == {"Leaving Care"}
    assert children["case_start_date"].dt.strftime("%Y-%m-%d").fillna("").to_dict() == {
        "P1": "2025-03-01",  # the first start of two episodes
        "P2": "2026-01-01",
        "P3": "",  # its only episode has no start (NULL): not joined
        "P4": "2026-10-01",
    }
    ends = children["case_end_date"].dt.strftime("%Y-%m-%d").fillna("").to_dict()
    assert ends == {"P1": "", "P2": "2026-06-30", "P3": "", "P4": ""}  # P1 still open
    # The allocation current at 30/09/2026; P2 has none.
    assert children["allocated_worker"].fillna("").to_dict() == {
        "P1": "PA2",
        "P2": "",
        "P3": "PA3",
        "P4": "",
    }
    reviews = loads["reviews"]
    assert sorted(reviews.frame["review_id"]) == [
        "P1-10/09/2026-PN1",
        "P1-10/09/2026-PN7",
        "P3-12/09/2026-PN5",
    ]
    assert reviews.rejected["kind"].tolist() == ["duplicate_key"]
    # The joined files are read, not ignored, and named as what fed children.
    assert run.loaded.unrecognised == ()
    assert run.loaded.fed_by["children"] == (
        "Leaving Care Caseload.csv, Episodes.csv, Allocations.csv"
    )
    # run.json records where each column came from.
    in_force = build_settings(tomllib.loads(JOIN_CONFIG), None, []).effective([])["mapping"]
    assert in_force["children"]["allocated_team"] == {"value": "Leaving Care"}
    assert in_force["children"]["case_end_date"]["pick"] == "last"
    assert in_force["reviews"]["review_id"] == {"columns": ("Person Ref", "Review Date", "Code")}
    status = {s.code: s for s in run.statuses}
    # Open in September: P1 and P3 (P2 closed in June, P4 starts in October).
    assert status["IDN01"].counts == {"met": 2, "not_met": 0, "not_applicable": 0}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('allocated_team = { constnt = "x" }', "[mapping.children] allocated_team: expected"),
        (
            'case_end_date = { file = "E", column = "End", child = "C", pick = "latest" }',
            "[mapping.children] case_end_date.pick must be one of first, last, as_at",
        ),
        (
            'allocated_worker = { file = "A", column = "W", child = "C", pick = "as_at" }',
            """[mapping.children] allocated_worker: pick = "as_at" needs 'from' and 'to'""",
        ),
        (
            'case_end_date = { file = "E", column = "End", pick = "last" }',
            "[mapping.children] case_end_date: a joined column needs 'child'",
        ),
        (
            'ethnicity = { made_from = ["A"] }',
            "[mapping.children] ethnicity: made_from makes the table's id",
        ),
        (
            "allocated_team = { constant = 3 }",
            "[mapping.children] allocated_team.constant must be text",
        ),
    ],
)
def test_join_mistakes_are_start_up_errors_naming_the_key(entry, message):
    raw = tomllib.loads(f"[mapping.children]\n{entry}\n")
    with pytest.raises(UsageError) as error:
        build_settings(raw, None, discover_rules())
    assert message in str(error.value)


def test_a_join_naming_a_file_the_export_lacks_is_a_clear_error(tmp_path):
    config = tmp_path / "audit.toml"
    config.write_text(JOIN_CONFIG.replace('file = "Episodes"', 'file = "Episode List"'))
    with pytest.raises(InputError, match="no sheet or file 'Episode List' to join columns from"):
        audit(join_export(tmp_path / "export"), AuditPeriod.parse("2026-09"), config)
