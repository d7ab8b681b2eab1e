"""A council's own export carrying the timeliness and capacity columns, mapped in audit.toml
and audited end to end through the CLI (issue 13).

The export is a folder of real files, as a data team would drop them: the caseload and
staff lists as workbooks (with a title row above the header), the visits, supervision log
and CAMHS referrals as CSV, each with the council's own headers and values. The mapping
feeds visit type and dates (VIS01), supervision dates and the newly qualified (ASYE) role
(SUP02), each child's IRO and each IRO's FTE (IRO01, IRO02) and the camhs_referrals table
(CAM01). The expected outcome of every subject is worked out by hand below, for October
2026 (as-at Saturday 31/10/2026; no bank holiday in October). All data is fictional.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from audit.cli import main
from tests.workbooks import workbook

CONFIG = """
[tables]
children = "Caseload Report"
visits = "Visit Notes"
workers = "Staff List"
supervisions = "Supervision Log"
camhs_referrals = "CAMHS Referrals"

[mapping.children]
child_id = "LCS ID"
allocated_team = "Team Name"
allocated_worker = "Worker"
case_type = "Legal Status"
case_start_date = "Episode Start"
iro_id = "Reviewing Officer"

[values.children.case_type]
"Looked After" = "CLA"
"Child Protection Plan" = "CP"
"Child in Need" = "CIN"

[mapping.visits]
visit_id = "Note ID"
child_id = "LCS ID"
visit_date = "Visit Date"
visit_type = "Note Type"
child_seen = "Child Seen?"

[values.visits.visit_type]
"Statutory Visit" = "statutory"

[mapping.workers]
worker_id = "Staff ID"
team = "Team"
role = "Job Title"
fte = "Contracted FTE"
start_date = "Start Date"

[values.workers.role]
"Social Worker" = "sw"
"ASYE Social Worker" = "asye"
"Independent Reviewing Officer" = "iro"
"Team Manager" = "manager"

[mapping.supervisions]
supervision_id = "Session Ref"
worker_id = "Supervisee"
supervision_date = "Session Date"
supervisor_id = "Supervisor"

[mapping.camhs_referrals]
referral_id = "Referral No"
child_id = "LCS ID"
referral_date = "Referred On"
priority = "Priority"
outcome = "Outcome"
first_contact_date = "First Seen"

[values.camhs_referrals.priority]
"P1 - Urgent" = "urgent"
"P2 - Routine" = "routine"

# A low limit, so two children make one of these fictional IROs too busy.
[rules.iro_caseload]
max_per_fte = 1.5
"""

CARE, CP, ASSESSMENT, IROS = "Children in Care", "Child Protection", "Assessment", "IRO Service"


def _csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def export(folder: Path) -> Path:
    folder.mkdir()
    workbook(
        folder / "Caseload Report.xlsx",
        {
            "Report": [
                ["Fictional Borough caseload report (synthetic)"],
                [
                    "LCS ID",
                    "Team Name",
                    "Worker",
                    "Legal Status",
                    "Episode Start",
                    "Reviewing Officer",
                ],
                ["C01", CARE, "W1", "Looked After", "01/01/2026", "I1"],
                ["C02", CARE, "W1", "Looked After", "01/01/2026", "I1"],
                ["C03", CARE, "W2", "Looked After", "01/01/2026", ""],
                ["C04", CARE, "W2", "Looked After", "01/01/2026", "I9"],
                ["C05", CP, "W3", "Child Protection Plan", "01/10/2026", ""],
                ["C06", CP, "W3", "Child Protection Plan", "01/10/2026", ""],
                ["C07", ASSESSMENT, "W4", "Child in Need", "01/06/2026", ""],
                ["C08", CARE, "W1", "Looked After", "15/10/2026", "I2"],
            ]
        },
    )
    _csv(
        folder / "Visit Notes.csv",
        [
            ["Note ID", "LCS ID", "Visit Date", "Note Type", "Child Seen?"],
            ["N1", "C01", "15/09/2026", "Statutory Visit", "Yes"],
            ["N2", "C01", "20/10/2026", "Statutory Visit", "Yes"],
            ["N3", "C02", "01/09/2026", "Statutory Visit", "Yes"],
            ["N4", "C03", "10/08/2026", "Statutory Visit", "Yes"],
            ["N5", "C03", "25/10/2026", "Statutory Visit", "Yes"],
            ["N6", "C04", "20/10/2026", "Phone call", "Yes"],
            ["N7", "C05", "20/10/2026", "Statutory Visit", "No"],
            ["N8", "C06", "08/10/2026", "Statutory Visit", "Yes"],
            ["N9", "C06", "22/10/2026", "Statutory Visit", "Yes"],
            ["N10", "C07", "21/09/2026", "Statutory Visit", "Yes"],
            ["N11", "C07", "12/10/2026", "Statutory Visit", "Yes"],
        ],
    )
    workbook(
        folder / "Staff List.xlsx",
        {
            "Staff": [
                ["Staff ID", "Team", "Job Title", "Contracted FTE", "Start Date"],
                ["W1", CARE, "Social Worker", "1", "01/01/2020"],
                ["W2", CARE, "ASYE Social Worker", "1", "01/09/2026"],
                ["W3", CP, "Social Worker", "1", "01/01/2020"],
                ["W4", ASSESSMENT, "Social Worker", "0.6", "01/01/2020"],
                ["M1", CARE, "Team Manager", "1", "01/01/2020"],
                ["I1", IROS, "Independent Reviewing Officer", "1", "01/01/2020"],
                ["I2", IROS, "Independent Reviewing Officer", "0.8", "01/01/2020"],
                ["I3", IROS, "Independent Reviewing Officer", "", "01/01/2020"],
            ]
        },
    )
    _csv(
        folder / "Supervision Log.csv",
        [
            ["Session Ref", "Supervisee", "Session Date", "Supervisor"],
            ["S1", "W1", "10/09/2026", "M1"],
            ["S2", "W1", "08/10/2026", "M1"],
            ["S3", "W2", "10/09/2026", "M1"],
            ["S4", "W2", "24/09/2026", "M1"],
            ["S5", "W2", "08/10/2026", "M1"],
            ["S6", "W3", "01/09/2026", "M1"],
            ["S7", "W3", "15/10/2026", "M1"],
        ],
    )
    _csv(
        folder / "CAMHS Referrals.csv",
        [
            ["Referral No", "LCS ID", "Referred On", "Priority", "Outcome", "First Seen"],
            ["R1", "C01", "10/09/2026", "P2 - Routine", "Accepted", "01/10/2026"],
            ["R2", "C02", "20/10/2026", "P1 - Urgent", "Accepted", "30/10/2026"],
            ["R3", "C03", "03/10/2026", "P2 - Routine", "Pending", ""],
            ["R4", "C01", "15/09/2026", "P2 - Routine", "Declined", ""],
            ["R5", "C06", "01/10/2026", "P2 - Routine", "Accepted", ""],  # CP: not a subject
            ["R6", "C02", "10/10/2026", "P2 - Routine", "Pending", ""],  # due in November
        ],
    )
    return folder


EXPECTED = {
    # CLA 42 calendar days, CP 10 and CIN 20 working days.
    "VIS01": {
        "C01": ("met", ""),  # seen 15/09 and 20/10: 35 days apart
        "C02": ("not_met", "visit_overdue"),  # last seen 01/09: due 13/10
        "C03": ("not_met", "visit_late_in_period"),  # 10/08 to 25/10: 76 days
        "C04": ("not_met", "no_visit_recorded"),  # a phone call is not a statutory visit
        "C05": ("not_met", "no_visit_recorded"),  # visited but not seen; due 15/10
        "C06": ("met", ""),  # 08/10 to 22/10: exactly 10 working days is on time
        "C07": ("met", ""),  # 21/09 to 12/10: 15 working days
        "C08": ("met", ""),  # in care since 15/10: not yet 42 days
    },
    # Social workers 31 days, newly qualified (ASYE) 14 days; managers and IROs are not
    # supervised roles.
    "SUP02": {
        "W1": ("met", ""),  # 10/09 and 08/10; next due 08/11
        "W2": ("not_met", "supervision_overdue"),  # ASYE: 08/10 + 14 days = 22/10
        "W3": ("not_met", "supervision_late_in_period"),  # 01/09 to 15/10: 44 days
        "W4": ("not_met", "no_supervision_recorded"),
    },
    "IRO01": {
        "C01": ("met", ""),
        "C02": ("met", ""),
        "C03": ("not_met", "no_iro_allocated"),
        "C04": ("not_met", "iro_not_found"),  # I9 is not on the staff list
        "C08": ("met", ""),
    },
    # max_per_fte 1.5 in this audit.toml.
    "IRO02": {
        "I1": ("not_met", "caseload_above_range"),  # 2 children, FTE 1: 2.0 per FTE
        "I2": ("met", ""),  # 1 child, FTE 0.8: 1.25 per FTE
        "I3": ("not_applicable", "no_children_allocated"),
    },
    # Deadlines in October only: routine 28 days, urgent 7.
    "CAM01": {
        "R1": ("met", ""),  # due 08/10, seen 01/10
        "R2": ("not_met", "first_contact_late"),  # urgent, due 27/10, seen 30/10
        "R3": ("not_met", "no_first_contact"),  # due 31/10, the month's last day
        "R4": ("not_applicable", "referral_declined"),
    },
}


@pytest.fixture(scope="module")
def month(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mapped")
    config = root / "audit.toml"
    config.write_text(CONFIG, encoding="utf-8")
    out = root / "reports"
    args = ["run", str(export(root / "export")), "--period", "2026-10"]
    assert main([*args, "--config", str(config), "--out", str(out)]) == 0
    return out / "2026-10"


def test_the_five_timeliness_and_capacity_checks_run_on_a_mapped_export(month):
    record = json.loads((month / "run.json").read_text(encoding="utf-8"))
    status = {r["code"]: r["status"] for r in record["rules"]}
    assert {code: status[code] for code in EXPECTED} == dict.fromkeys(EXPECTED, "RAN")
    assert record["profile"] == "canonical"
    # Every file of the export was read.
    assert len(record["inputs"]) == 5


def test_every_subject_gets_the_outcome_worked_out_by_hand(month):
    with (month / "findings.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for code, expected in EXPECTED.items():
        found = {
            r["subject_id"]: (r["outcome"], r["reason_code"])
            for r in rows
            if r["rule_code"] == code
        }
        assert found == expected, code
