"""The SSD input profile: DfE Standard Safeguarding Dataset tables read as the contract's.

Each test writes a folder of SSD CSV files with the published field names
(``shared/formats/ssd.md``) for six fictional children, audited as at 30/09/2026:

* 1001 child in need; moved from North (W1) to South (W2) on 01/07/2026;
* 1002 child protection plan after a CIN plan; a future involvement must not count, and
  the current one ends on the as-at date itself;
* 1003 looked after: a placement change, reviews (one cancelled), missing and away
  episodes, two current involvements (the later stands; its team is a name, not an id);
* 1004 returned home (E4A) on 10/09/2026, then a CIN plan;
* 1005 closed in January 2025;
* 0106 (leading zero) allocated to a personal adviser whose involvement names no team.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from audit.contract import table_spec
from audit.errors import InputError
from audit.loader import TableLoad, load, load_table
from audit.period import AuditPeriod
from audit.profiles import ssd
from audit.profiles.base import SourceData
from audit.profiles.ssd.case_status import NEVER_OPEN
from audit.reader import discover, read_grid
from audit.run import audit
from audit.safety import SafetyLimits

AS_AT = dt.date(2026, 9, 30)

TABLES: dict[str, list[list[str]]] = {
    "ssd_department": [
        ["dept_team_id", "dept_team_name", "dept_team_parent_id", "dept_team_parent_name"],
        ["T10", "North Safeguarding", "P1", "Safeguarding"],
        ["T20", "South Safeguarding", "P1", "Safeguarding"],
        ["T30", "Children in Care", "P2", "Corporate Parenting"],
        ["T40", "IRO Service", "P3", "Quality Assurance"],
    ],
    "ssd_professionals": [
        [
            "prof_professional_id",
            "prof_staff_id",
            "prof_professional_name",
            "prof_professional_job_title",
            "prof_professional_caseload",
            "prof_professional_department",
            "prof_full_time_equivalency",
        ],
        ["W1", "S001", "Alex Fictional", "Social Worker", "15", "T10", "1"],
        ["W2", "S002", "Bea Example", "Senior Social Worker", "12", "T20", "1"],
        ["W3", "S003", "Cal Sample", "Social Worker (ASYE)", "9", "T30", "1"],
        ["W4", "S004", "Dee Placeholder", "Independent Reviewing Officer", "55", "T40", "1"],
        ["W5", "S005", "Eli Test", "Personal Adviser", "20", "Leaving Care", "1"],
        ["W6", "S006", "Fay Demo", "Team Manager", "0", "T30", "1"],
        ["W7", "S007", "Gus Trial", "Advanced Practitioner", "10", "T20", "0.5"],
    ],
    "ssd_person": [
        [
            "pers_person_id",
            "pers_sex",
            "pers_gender",
            "pers_ethnicity",
            "pers_dob",
            "pers_expected_dob",
            "pers_death_date",
            "pers_nationality",
        ],
        ["1001", "M", "", "WBRI", "2015-03-04", "", "", "British"],
        ["1002", "F", "", "BAFR", "2020-06-10", "", "", "British"],
        ["1003", "F", "", "MWBC", "2011-11-21", "", "", "British"],
        ["1004", "M", "", "NOBT", "15/01/2016", "", "", ""],
        ["1005", "M", "", "WBRI", "2009-07-30", "", "", ""],
        ["0106", "F", "", "AIND", "2023-12-01", "", "", ""],
    ],
    "ssd_involvements": [
        [
            "invo_involvements_id",
            "invo_professional_id",
            "invo_professional_role_id",
            "invo_professional_team",
            "invo_involvement_start_date",
            "invo_involvement_end_date",
            "invo_person_id",
        ],
        ["I1", "W1", "SW", "T10", "2026-01-05", "2026-06-30", "1001"],
        ["I2", "W2", "SW", "T20", "2026-07-01", "", "1001"],
        ["I3", "W2", "SW", "T20", "2026-10-05", "", "1002"],
        ["I4", "W1", "SW", "T10", "2025-11-01", "30/09/2026", "1002"],
        ["I5", "W3", "SW", "T30", "2025-06-01", "", "1003"],
        ["I6", "W6", "SW", "Children in Care", "2026-08-01", "", "1003"],
        ["I7", "W3", "SW", "T30", "2025-02-01", "2026-09-10", "1004"],
        ["I8", "W1", "SW", "T10", "2026-09-10", "", "1004"],
        ["I9", "W2", "SW", "T20", "2024-01-01", "2025-01-31", "1005"],
        ["I10", "W5", "PA", "", "2026-09-01", "", "0106"],
    ],
    "ssd_cla_episodes": [
        [
            "clae_cla_episode_id",
            "clae_person_id",
            "clae_cla_episode_start_date",
            "clae_cla_episode_start_reason",
            "clae_cla_episode_ceased_date",
            "clae_cla_episode_ceased_reason",
            "clae_cla_placement_id",
            "clae_cla_last_iro_contact_date",
            "clae_cla_id",
        ],
        ["E1", "1003", "2025-06-01", "L", "", "", "P1", "2026-09-20", "CLA1"],
        ["E2", "1004", "2025-02-01", "S", "2026-09-10", "E4A", "P3", "2026-08-15", "CLA2"],
        ["E3", "1005", "2023-01-01", "S", "2023-06-30", "E3", "", "", "CLA3"],
    ],
    "ssd_cp_plans": [
        [
            "cppl_cp_plan_id",
            "cppl_person_id",
            "cppl_cp_plan_start_date",
            "cppl_cp_plan_end_date",
            "cppl_cp_plan_initial_category",
            "cppl_cp_plan_latest_category",
        ],
        ["1", "1002", "2026-03-15", "", "NEG", "NEG"],
        ["2", "1003", "2025-01-01", "2025-05-31", "EMO", "EMO"],
    ],
    "ssd_cin_plans": [
        [
            "cinp_cin_plan_id",
            "cinp_person_id",
            "cinp_cin_plan_start_date",
            "cinp_cin_plan_end_date",
            "cinp_cin_plan_team",
            "cinp_cin_plan_worker_id",
        ],
        ["1", "1001", "2026-02-01", "", "T20", "W2"],
        ["2", "1005", "2024-02-01", "2025-01-31", "T20", "W2"],
        ["3", "1004", "10/09/2026", "", "T10", "W1"],
        ["4", "1002", "2025-10-01", "2026-03-14", "T10", "W1"],
    ],
    "ssd_cla_care_plan": [
        [
            "lacp_table_id",
            "lacp_person_id",
            "lacp_cla_care_plan_start_date",
            "lacp_cla_care_plan_end_date",
            "lacp_cla_care_plan_json",
        ],
        ["1", "1003", "2025-06-20", "2026-09-14", "{}"],
        ["2", "1003", "2026-09-15", "", "{}"],
    ],
    "ssd_cla_placement": [
        [
            "clap_cla_placement_id",
            "clap_person_id",
            "clap_cla_placement_start_date",
            "clap_cla_placement_end_date",
            "clap_cla_placement_type",
            "clap_cla_placement_change_reason",
        ],
        # The later placement comes first in the file: order is by start date.
        ["P2", "1003", "2026-09-01", "", "U3", "CARPL"],
        ["P1", "1003", "2025-06-01", "2026-08-31", "U1", ""],
        ["P3", "1004", "2025-02-01", "2026-09-10", "U1", ""],
    ],
    "ssd_cla_reviews": [
        [
            "clar_cla_review_id",
            "clar_cla_id",
            "clar_cla_review_due_date",
            "clar_cla_review_date",
            "clar_cla_review_cancelled",
            "clar_cla_review_participation",
        ],
        ["1", "CLA1", "2026-09-20", "2026-09-20", "N", "PN1"],
        ["2", "CLA1", "2026-09-21", "2026-09-21", "Y", ""],
        ["3", "CLA2", "2026-08-15", "2026-08-15", "N", "PN7"],
        ["4", "CLA9", "2026-09-02", "2026-09-02", "N", "PN3"],  # no such period of care
    ],
    "ssd_cp_reviews": [
        [
            "cppr_cp_review_id",
            "cppr_person_id",
            "cppr_cp_plan_id",
            "cppr_cp_review_due",
            "cppr_cp_review_date",
            "cppr_cp_review_participation",
        ],
        ["1", "1002", "1", "2026-09-10", "2026-09-10", "PN0"],
    ],
    "ssd_missing": [
        [
            "miss_table_id",
            "miss_person_id",
            "miss_missing_episode_start_date",
            "miss_missing_episode_type",
            "miss_missing_episode_end_date",
            "miss_missing_rhi_offered",
            "miss_missing_rhi_accepted",
        ],
        ["1", "1003", "2026-09-05", "M", "2026-09-06", "Y", "Y"],
        ["2", "1003", "2026-09-12", "A", "2026-09-12", "NA", "NA"],
        ["3", "1003", "2026-09-20", "M", "2026-09-21", "NA", ""],
        ["4", "1001", "2026-09-25", "M", "2026-09-26", "N", ""],
    ],
    "ssd_cin_visits": [
        [
            "cinv_cin_visit_id",
            "cinv_person_id",
            "cinv_cin_visit_date",
            "cinv_cin_visit_seen",
            "cinv_cin_visit_seen_alone",
            "cinv_cin_visit_bedroom",
        ],
        ["11", "1001", "03/09/2026", "Y", "Y", "Y"],
        ["12", "1004", "2026-09-20", "Y", "N", "N"],
    ],
    "ssd_cp_visits": [
        ["Fictional Borough Council - SSD extract (synthetic data)"],
        [],
        [
            "cppv_cp_visit_id",
            "cppv_person_id",
            "cppv_cp_plan_id",
            "cppv_cp_visit_date",
            "cppv_cp_visit_seen",
            "cppv_cp_visit_seen_alone",
            "cppv_cp_visit_bedroom",
        ],
        ["11", "1002", "1", "2026-09-08", "Y", "Y", "Y"],
        ["13", "1002", "1", "2026-09-22", "N", "", "N"],
    ],
    "ssd_cla_visits": [
        [
            "clav_cla_visit_id",
            "clav_cla_id",
            "clav_person_id",
            "clav_cla_visit_date",
            "clav_cla_visit_seen",
            "clav_cla_visit_seen_alone",
        ],
        ["11", "CLA1", "1003", "2026-09-02", "Y", "Y"],
        ["14", "CLA1", "", "2026-09-29", "Y", "N"],  # no person id: found through CLA1
    ],
    "ssd_cin_assessments": [
        [
            "cina_assessment_id",
            "cina_person_id",
            "cina_assessment_start_date",
            "cina_assessment_child_seen",
            "cina_assessment_auth_date",
            "cina_assessment_team",
            "cina_assessment_worker_id",
        ],
        ["A1", "0106", "2026-09-02", "Y", "", "T10", "W5"],
        ["A2", "1004", "2026-08-20", "Y", "2026-09-05", "T30", "W3"],
    ],
}


def write_folder(folder: Path, tables: dict[str, list[list[str]]] = TABLES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    return folder


def build_from(folder: Path, as_at: dt.date | None = AS_AT) -> SourceData:
    """As the loader does: every file's grid, keyed by its lower-cased stem or sheet name."""
    found = discover(folder, SafetyLimits())
    grids = {(sheet or file.stem).lower(): read_grid(file, sheet) for file, sheet in found.values()}
    return ssd.build(grids, folder.name, as_at)


def load_all(source: SourceData) -> dict[str, TableLoad]:
    loads = {"children": load_table(table_spec("children"), source.grids["children"])}
    child_ids = loads["children"].frame["child_id"]
    for table, grid in source.grids.items():
        if table != "children":
            loads[table] = load_table(table_spec(table), grid, child_ids)
    return loads


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> SourceData:
    return build_from(write_folder(tmp_path_factory.mktemp("ssd") / "extract"))


@pytest.fixture(scope="module")
def loads(source: SourceData) -> dict[str, TableLoad]:
    return load_all(source)


def records(load: TableLoad, columns: list[str], by: str) -> list[dict[str, object]]:
    """The loaded rows' columns as plain values (dates as ISO text, blanks as None)."""
    frame = load.frame.sort_values(by).loc[:, columns].astype(object)
    for column in columns:
        if pd.api.types.is_datetime64_any_dtype(load.frame[column]):
            frame[column] = load.frame[column].dt.strftime("%Y-%m-%d")
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.to_dict("records")


# ---------------------------------------------------------------- recognising


def test_recognises_an_extract_by_its_person_table():
    assert ssd.recognise(["ssd_cin_visits", "SSD_Person.csv"])
    assert ssd.recognise(["ssd person"])  # a sheet name with a space
    assert ssd.recognise(["ssdperson"])  # the reader's table key
    assert not ssd.recognise(["ssd_cin_visits", "children", "List 6"])
    assert ssd.table_name("ssd_cla_care_plan.xlsx") == "ssd_cla_care_plan"
    assert ssd.table_name("ssd_legal_status") is None


# ---------------------------------------------------------------- children


def test_children_take_team_worker_and_case_type_at_the_as_at_date(loads):
    children = loads["children"]
    assert children.rows_rejected == 0
    got = records(
        children,
        [
            "child_id",
            "allocated_team",
            "allocated_worker",
            "case_type",
            "case_start_date",
            "case_end_date",
        ],
        by="child_id",
    )
    assert got == [
        # Leading zero kept; the involvement has no team: the worker's department stands.
        {
            "child_id": "0106",
            "allocated_team": "Leaving Care",
            "allocated_worker": "W5",
            "case_type": None,  # open through an involvement only
            "case_start_date": "2026-09-01",
            "case_end_date": None,
        },
        # Moved from North to South on 01/07/2026.
        {
            "child_id": "1001",
            "allocated_team": "South Safeguarding",
            "allocated_worker": "W2",
            "case_type": "CIN",
            "case_start_date": "2026-01-05",  # the first involvement, before the plan
            "case_end_date": None,
        },
        # The involvement ending on the as-at date is current; the one from October is not.
        # In the service since the CIN plan of 01/10/2025, which the CP plan followed.
        {
            "child_id": "1002",
            "allocated_team": "North Safeguarding",
            "allocated_worker": "W1",
            "case_type": "CP",
            "case_start_date": "2025-10-01",
            "case_end_date": None,
        },
        # Two current involvements: the later start stands, its team given as a name. The
        # CP plan ended the day before care began: one spell since 01/01/2025.
        {
            "child_id": "1003",
            "allocated_team": "Children in Care",
            "allocated_worker": "W6",
            "case_type": "CLA",
            "case_start_date": "2025-01-01",
            "case_end_date": None,
        },
        # Returned home on 10/09: no longer looked after, now on a CIN plan; in the service
        # since care began.
        {
            "child_id": "1004",
            "allocated_team": "North Safeguarding",
            "allocated_worker": "W1",
            "case_type": "CIN",
            "case_start_date": "2025-02-01",
            "case_end_date": None,
        },
        # Closed: unallocated, no case type, the dates of the last spell (involvement and
        # CIN plan of 2024-25; the episode of 2023 was an earlier spell).
        {
            "child_id": "1005",
            "allocated_team": "Unallocated",
            "allocated_worker": None,
            "case_type": None,
            "case_start_date": "2024-01-01",
            "case_end_date": "2025-01-31",
        },
    ]
    person = records(children, ["child_id", "sex", "ethnicity", "date_of_birth"], by="child_id")
    assert person[4] == {
        "child_id": "1004",
        "sex": "M",
        "ethnicity": "NOBT",
        "date_of_birth": "2016-01-15",
    }
    assert set(children.frame["source_sheet"]) == {"ssd_person.csv"}
    assert children.frame.set_index("child_id").loc["1001", "source_row"] == 2
    assert "first_language" in children.absent_columns
    assert "religion" in children.absent_columns


def test_an_earlier_as_at_date_gives_the_team_and_status_of_that_date(tmp_path):
    loads = load_all(build_from(write_folder(tmp_path / "x"), as_at=dt.date(2026, 5, 31)))
    got = loads["children"].frame.set_index("child_id")
    assert got.loc["1001", "allocated_team"] == "North Safeguarding"
    assert got.loc["1001", "allocated_worker"] == "W1"
    assert got.loc["1003", "allocated_worker"] == "W3"  # W6 starts in August
    assert got.loc["1004", "case_type"] == "CLA"  # not yet home
    assert got.loc["1004", "allocated_team"] == "Children in Care"
    assert got.loc["0106", "allocated_team"] == "Unallocated"  # not yet allocated
    # Not yet in the service: the case starts in September, so May does not see it open.
    assert got.loc["0106", "case_start_date"] == pd.Timestamp("2026-09-01")


# ---------------------------------------------------------------- visits


def test_visits_from_all_three_tables_have_unique_prefixed_ids(loads):
    visits = loads["visits"]
    assert visits.rows_read == 6
    assert visits.rows_rejected == 0
    got = records(
        visits,
        [
            "visit_id",
            "child_id",
            "visit_date",
            "child_seen",
            "seen_alone",
            "visit_type",
            "source_sheet",
            "source_row",
        ],
        by="visit_id",
    )
    assert got == [
        {
            "visit_id": "CIN-11",
            "child_id": "1001",
            "visit_date": "2026-09-03",
            "child_seen": "Y",
            "seen_alone": "Y",
            "visit_type": "statutory",
            "source_sheet": "ssd_cin_visits.csv",
            "source_row": 2,
        },
        {
            "visit_id": "CIN-12",
            "child_id": "1004",
            "visit_date": "2026-09-20",
            "child_seen": "Y",
            "seen_alone": "N",
            "visit_type": "statutory",
            "source_sheet": "ssd_cin_visits.csv",
            "source_row": 3,
        },
        {
            "visit_id": "CLA-11",
            "child_id": "1003",
            "visit_date": "2026-09-02",
            "child_seen": "Y",
            "seen_alone": "Y",
            "visit_type": "statutory",
            "source_sheet": "ssd_cla_visits.csv",
            "source_row": 2,
        },
        {
            "visit_id": "CLA-14",  # no person id: the child of period of care CLA1
            "child_id": "1003",
            "visit_date": "2026-09-29",
            "child_seen": "Y",
            "seen_alone": "N",
            "visit_type": "statutory",
            "source_sheet": "ssd_cla_visits.csv",
            "source_row": 3,
        },
        {
            "visit_id": "CP-11",  # the header sits below a title row and a blank line
            "child_id": "1002",
            "visit_date": "2026-09-08",
            "child_seen": "Y",
            "seen_alone": "Y",
            "visit_type": "statutory",
            "source_sheet": "ssd_cp_visits.csv",
            "source_row": 4,
        },
        {
            "visit_id": "CP-13",
            "child_id": "1002",
            "visit_date": "2026-09-22",
            "child_seen": "N",
            "seen_alone": None,
            "visit_type": "statutory",
            "source_sheet": "ssd_cp_visits.csv",
            "source_row": 5,
        },
    ]
    assert {"worker_id", "not_seen_alone_reason", "seen_alone_commentary"} <= set(
        visits.absent_columns
    )


# ---------------------------------------------------------------- plans, assessments


def test_plans_carry_dates_only(loads):
    plans = loads["plans"]
    assert plans.rows_rejected == 0
    got = records(
        plans,
        ["plan_id", "child_id", "plan_type", "plan_date", "start_date", "end_date"],
        "plan_id",
    )
    assert got == [
        {"plan_id": "CIN-1", "child_id": "1001", "plan_type": "CIN", "plan_date": "2026-02-01",
         "start_date": "2026-02-01", "end_date": None},
        {"plan_id": "CIN-2", "child_id": "1005", "plan_type": "CIN", "plan_date": "2024-02-01",
         "start_date": "2024-02-01", "end_date": "2025-01-31"},
        {"plan_id": "CIN-3", "child_id": "1004", "plan_type": "CIN", "plan_date": "2026-09-10",
         "start_date": "2026-09-10", "end_date": None},
        {"plan_id": "CIN-4", "child_id": "1002", "plan_type": "CIN", "plan_date": "2025-10-01",
         "start_date": "2025-10-01", "end_date": "2026-03-14"},
        {"plan_id": "CLA-1", "child_id": "1003", "plan_type": "CLA", "plan_date": "2025-06-20",
         "start_date": "2025-06-20", "end_date": "2026-09-14"},
        {"plan_id": "CLA-2", "child_id": "1003", "plan_type": "CLA", "plan_date": "2026-09-15",
         "start_date": "2026-09-15", "end_date": None},
        {"plan_id": "CP-1", "child_id": "1002", "plan_type": "CP", "plan_date": "2026-03-15",
         "start_date": "2026-03-15", "end_date": None},
        {"plan_id": "CP-2", "child_id": "1003", "plan_type": "CP", "plan_date": "2025-01-01",
         "start_date": "2025-01-01", "end_date": "2025-05-31"},
    ]  # fmt: skip
    assert set(plans.absent_columns) == {
        "identity_considered",
        "identity_notes",
        "child_views",
        "views_influence",
    }


def test_assessments_are_single_assessments_completed_when_authorised(loads):
    got = records(
        loads["assessments"],
        ["assessment_id", "child_id", "assessment_type", "start_date", "completed_date",
         "worker_id"],
        by="assessment_id",
    )  # fmt: skip
    assert got == [
        {"assessment_id": "A1", "child_id": "0106", "assessment_type": "single",
         "start_date": "2026-09-02", "completed_date": None, "worker_id": "W5"},
        {"assessment_id": "A2", "child_id": "1004", "assessment_type": "single",
         "start_date": "2026-08-20", "completed_date": "2026-09-05", "worker_id": "W3"},
    ]  # fmt: skip


# ---------------------------------------------------------------- events


def test_events_are_placement_changes_and_returns_home(loads, source):
    events = loads["events"]
    assert events.rows_rejected == 0
    got = records(
        events,
        ["event_id", "child_id", "event_date", "event_type", "description", "source_sheet",
         "source_row"],
        by="event_id",
    )  # fmt: skip
    assert got == [
        # P1 (1003's first placement, later in the file) and P3 (1004's only) are no change.
        {
            "event_id": "PLACEMENT-P2",
            "child_id": "1003",
            "event_date": "2026-09-01",
            "event_type": "placement_change",
            "description": "New placement (type U3); reason for change CARPL",
            "source_sheet": "ssd_cla_placement.csv",
            "source_row": 2,
        },
        # E3 ceased with E3 (not a return home) is no event.
        {
            "event_id": "RETURN-E2",
            "child_id": "1004",
            "event_date": "2026-09-10",
            "event_type": "return_home",
            "description": "Ceased to be looked after: returned home (E4A)",
            "source_sheet": "ssd_cla_episodes.csv",
            "source_row": 3,
        },
    ]
    assert (
        "events: first placements of a child, not counted as changes: 2; placement changes: 1."
        in (source.notes)
    )


def test_a_return_home_coded_e4b_counts_and_an_undated_placement_is_rejected(tmp_path):
    tables = dict(TABLES)
    tables["ssd_cla_episodes"] = [*TABLES["ssd_cla_episodes"][:3], ["E9", "1005", "2023-01-01",
                                   "S", "2023-06-30", "e4b", "", "", "CLA3"]]  # fmt: skip
    tables["ssd_cla_placement"] = [*TABLES["ssd_cla_placement"], ["P9", "1003", "", "", "U1", ""]]
    events = load_all(build_from(write_folder(tmp_path / "x", tables)))["events"]
    assert sorted(events.frame["event_id"]) == ["PLACEMENT-P2", "RETURN-E2", "RETURN-E9"]
    assert events.rejected[["sheet", "source_row", "kind"]].to_dict("records") == [
        {"sheet": "ssd_cla_placement.csv", "source_row": 5, "kind": "missing_required_value"}
    ]


# ---------------------------------------------------------------- reviews, missing


def test_reviews_skip_cancelled_and_link_cla_reviews_through_the_episode(loads, source):
    reviews = loads["reviews"]
    got = records(
        reviews,
        ["review_id", "child_id", "review_type", "review_date", "participation_code"],
        by="review_id",
    )
    assert got == [
        {"review_id": "CLA-1", "child_id": "1003", "review_type": "CLA",
         "review_date": "2026-09-20", "participation_code": "PN1"},
        {"review_id": "CLA-3", "child_id": "1004", "review_type": "CLA",
         "review_date": "2026-08-15", "participation_code": "PN7"},
        {"review_id": "CP-1", "child_id": "1002", "review_type": "CP",
         "review_date": "2026-09-10", "participation_code": "PN0"},
    ]  # fmt: skip
    # Review 2 was cancelled: left out. Review 4's period of care CLA9 has no child: rejected.
    assert reviews.rows_read == 4
    rejected = reviews.rejected[["sheet", "source_row", "column", "kind"]].to_dict("records")
    assert rejected == [
        {
            "sheet": "ssd_cla_reviews.csv",
            "source_row": 5,
            "column": "child_id",
            "kind": "missing_required_value",
        }
    ]
    assert (
        "reviews: cancelled CLA reviews left out: 1; CLA reviews whose clar_cla_id links to "
        "no child (rejected): 1." in source.notes
    )


def test_missing_episodes_keep_missing_not_away_and_read_na_as_not_applicable(loads):
    missing = loads["missing_episodes"]
    got = records(
        missing,
        ["episode_id", "child_id", "start_date", "end_date", "rhi_offered", "rhi_accepted"],
        by="episode_id",
    )
    assert got == [
        {"episode_id": "1", "child_id": "1003", "start_date": "2026-09-05",
         "end_date": "2026-09-06", "rhi_offered": "Y", "rhi_accepted": "Y"},
        {"episode_id": "3", "child_id": "1003", "start_date": "2026-09-20",
         "end_date": "2026-09-21", "rhi_offered": "NA", "rhi_accepted": None},
        {"episode_id": "4", "child_id": "1001", "start_date": "2026-09-25",
         "end_date": "2026-09-26", "rhi_offered": "N", "rhi_accepted": None},
    ]  # fmt: skip
    assert missing.findings.empty  # NA is the SSD's own answer, not a data-quality flaw


def test_every_missing_row_is_counted_and_the_away_one_listed_with_its_reason(tmp_path):
    result = load(write_folder(tmp_path / "extract"), as_at=AS_AT)
    missing = result.loads["missing_episodes"]
    assert (missing.rows_read, missing.rows_loaded, missing.rows_rejected) == (4, 3, 1)
    away = missing.rejected.iloc[0]
    assert (away["sheet"], away["source_row"], away["kind"], away["value"]) == (
        "ssd_missing.csv",
        3,
        "left_out",
        "A",
    )
    assert away["detail"].startswith("an 'away' episode (type A)")


# ---------------------------------------------------------------- workers


def test_workers_have_team_names_and_roles_from_job_titles(loads):
    got = records(loads["workers"], ["worker_id", "team", "worker_name", "role"], "worker_id")
    assert got == [
        {"worker_id": "W1", "team": "North Safeguarding", "worker_name": "Alex Fictional",
         "role": "sw"},
        {"worker_id": "W2", "team": "South Safeguarding", "worker_name": "Bea Example",
         "role": "sw"},
        {"worker_id": "W3", "team": "Children in Care", "worker_name": "Cal Sample",
         "role": "asye"},
        {"worker_id": "W4", "team": "IRO Service", "worker_name": "Dee Placeholder",
         "role": "iro"},
        {"worker_id": "W5", "team": "Leaving Care", "worker_name": "Eli Test", "role": "pa"},
        {"worker_id": "W6", "team": "Children in Care", "worker_name": "Fay Demo",
         "role": "manager"},
        {"worker_id": "W7", "team": "South Safeguarding", "worker_name": "Gus Trial",
         "role": "advanced_practitioner"},
    ]  # fmt: skip


# ---------------------------------------------------------------- what the SSD cannot give


def test_absent_reasons_name_the_ssd_and_fed_by_names_its_tables(source):
    assert source.profile == "ssd"
    assert set(source.grids) == {
        "children",
        "visits",
        "plans",
        "assessments",
        "events",
        "reviews",
        "missing_episodes",
        "workers",
    }
    absent = source.absent
    assert absent["children.first_language"] == (
        "the Standard Safeguarding Dataset has no first-language field"
    )
    assert absent["children.religion"] == "the Standard Safeguarding Dataset has no religion field"
    assert "holds no plan text" in absent["plans.child_views"]
    assert "holds no plan text" in absent["plans.identity_notes"]
    assert "holds no plan text" in absent["plans.identity_considered"]
    assert "holds no plan text" in absent["plans.views_influence"]
    assert (
        absent["supervisions"] == "the Standard Safeguarding Dataset holds no supervision records"
    )
    assert source.fed_by["visits"] == "ssd_cin_visits, ssd_cp_visits, ssd_cla_visits"
    assert source.fed_by["children"] == (
        "ssd_person, ssd_involvements, ssd_department, ssd_cla_episodes, ssd_cp_plans, "
        "ssd_cin_plans"
    )
    assert source.fed_by["events"] == "ssd_cla_placement, ssd_cla_episodes"
    assert source.fed_by["reviews"] == "ssd_cla_reviews, ssd_cla_episodes, ssd_cp_reviews"
    assert source.fed_by["workers"] == "ssd_professionals, ssd_department"
    assert any("as at 30/09/2026" in n for n in source.notes)


def test_a_person_table_alone_gives_children_and_says_what_is_missing(tmp_path):
    source = build_from(write_folder(tmp_path / "x", {"ssd_person": TABLES["ssd_person"]}))
    assert set(source.grids) == {"children"}
    assert source.absent["visits"] == (
        "the SSD extract has no ssd_cin_visits, ssd_cp_visits or ssd_cla_visits table"
    )
    assert source.absent["missing_episodes"] == "the SSD extract has no ssd_missing table"
    # Nothing in the extract says when anyone was open: no child is audited in any month,
    # and each person is listed as left out with that reason.
    assert load_all(source)["children"].frame.empty
    left_out = source.left_out["children"]
    assert left_out["source_row"].tolist() == [2, 3, 4, 5, 6, 7]
    assert set(left_out["detail"]) == {NEVER_OPEN}
    assert "to tell the child's status" in source.absent["children.case_type"]
    assert any("no ssd_involvements" in n for n in source.notes)


def test_a_person_with_no_involvement_episode_or_plan_is_never_open(tmp_path):
    tables = dict(TABLES)
    tables["ssd_person"] = [*TABLES["ssd_person"], ["1007", "F", "", "WBRI", "2019-01-01"]]
    tables["ssd_cin_visits"] = [*TABLES["ssd_cin_visits"], ["15", "1007", "2026-09-04", "Y"]]
    result = load(write_folder(tmp_path / "extract", tables), as_at=AS_AT)
    children = result.loads["children"]
    assert "1007" not in set(children.frame["child_id"])
    assert children.rows_read == 7 and children.rows_loaded == 6
    never = children.rejected.set_index("value").loc["1007"]
    assert (never["kind"], never["source_row"], never["detail"]) == ("left_out", 8, NEVER_OPEN)
    # Their visit is still counted: rejected as belonging to no child.
    visits = result.loads["visits"]
    assert visits.rejected.set_index("value").loc["1007", "kind"] == "unknown_child"


def test_a_child_whose_service_starts_later_is_not_open_in_an_earlier_month(tmp_path):
    folder = write_folder(tmp_path / "extract")
    run = audit(folder, AuditPeriod.parse("2025-12"))
    idn01 = run.findings[run.findings["rule_code"] == "IDN01"]
    # In December 2025 only 1002 (CIN plan from 01/10/2025), 1003 (CP plan, then care, since
    # 01/01/2025) and 1004 (care since 02/2025) were in the service; 1001 (from January
    # 2026), 0106 (from September 2026) and 1005 (closed January 2025) were not.
    assert sorted(idn01["subject_id"]) == ["1002", "1003", "1004"]


def test_a_missing_optional_field_leaves_the_column_absent_with_the_reason(tmp_path):
    tables = {
        "ssd_person": TABLES["ssd_person"],
        "ssd_cin_visits": [row[:4] for row in TABLES["ssd_cin_visits"]],  # no seen alone
    }
    source = build_from(write_folder(tmp_path / "x", tables))
    assert source.absent["visits.seen_alone"] == (
        "the SSD extract: ssd_cin_visits.csv has no cinv_cin_visit_seen_alone column"
    )
    assert "seen_alone" in load_all(source)["visits"].absent_columns


def test_a_table_without_a_field_its_rows_need_is_a_clear_error(tmp_path):
    tables = {
        "ssd_person": TABLES["ssd_person"],
        "ssd_cin_visits": [
            [c for i, c in enumerate(r) if i != 2] for r in TABLES["ssd_cin_visits"]
        ],
    }
    with pytest.raises(InputError, match=r"ssd_cin_visits\.csv: .* no cinv_cin_visit_date column"):
        build_from(write_folder(tmp_path / "x", tables))


def test_without_an_as_at_date_the_latest_visit_or_review_is_used_and_said(tmp_path, monkeypatch):
    monkeypatch.setattr(ssd, "_today", lambda: dt.date(2026, 10, 15))
    source = build_from(write_folder(tmp_path / "x"), as_at=None)
    assert any("No as-at date was given" in n and "29/09/2026" in n for n in source.notes)
    children = load_all(source)["children"].frame.set_index("child_id")
    assert children.loc["1001", "allocated_team"] == "South Safeguarding"


def test_sheets_of_a_workbook_are_read_and_cited_by_sheet_name(tmp_path):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name in ("ssd_person", "ssd_involvements", "ssd_department"):
        ws = wb.create_sheet(name)
        for row in TABLES[name]:
            ws.append([dt.datetime.fromisoformat(c) if c[:2] == "20" and len(c) == 10 else c
                       for c in row])  # fmt: skip
    path = tmp_path / "ssd.xlsx"
    wb.save(path)
    found = discover(path, SafetyLimits())
    grids = {sheet.lower(): read_grid(file, sheet) for file, sheet in found.values() if sheet}
    assert ssd.recognise(list(grids))
    children = load_all(ssd.build(grids, path.name, AS_AT))["children"].frame
    row = children.set_index("child_id").loc["1001"]
    assert (row["allocated_team"], row["source_sheet"], row["source_row"]) == (
        "South Safeguarding",
        "ssd_person",
        2,
    )


# ---------------------------------------------------------------- end to end


def test_an_ssd_folder_is_recognised_and_audited_end_to_end(tmp_path):
    run = audit(write_folder(tmp_path / "extract"), AuditPeriod.parse("2026-09"))
    assert run.loaded.profile == "ssd"
    status = {s.code: s for s in run.statuses}
    skipped = {code: s.reason for code, s in status.items() if s.status == "SKIPPED"}
    assert set(skipped) == {
        "IDN02",
        "IDN03",
        "VOC01",
        "VOC02",
        "SUP01",
        "SUP02",
        "CHG02",
        "CAM01",
    }
    # SSD assessments are untyped: a return home is skipped, never "no risk assessment".
    assert "does not say what kind each assessment is" in skipped["CHG02"]
    assert skipped["IDN02"].endswith(
        "the Standard Safeguarding Dataset has no first-language field"
    )
    assert "the Standard Safeguarding Dataset holds no plan text" in skipped["IDN03"]
    assert "the Standard Safeguarding Dataset holds no plan text" in skipped["VOC01"]
    assert skipped["SUP01"].endswith(
        "the Standard Safeguarding Dataset holds no supervision records"
    )
    counts = {code: s.counts for code, s in status.items() if s.status == "RAN"}
    assert counts == {
        # PLACEMENT-P2 (01/09, due 29/09): the care plan started 15/09 is the update.
        "CHG01": {"met": 1, "not_met": 0, "not_applicable": 0},
        # Open children: all but 1005 (closed 2025); 1004's ethnicity is NOBT.
        "IDN01": {"met": 4, "not_met": 1, "not_applicable": 0},
        # Episode 1 offered; 3 recorded NA (not applicable); 4 not offered. The away episode
        # is left out (and listed).
        "RHI01": {"met": 1, "not_met": 1, "not_applicable": 1},
        # CP-13 child not seen; CIN-12 and CLA-14 not seen alone, and the SSD has no reason.
        "SEE01": {"met": 3, "not_met": 0, "not_applicable": 3},
        "SEE02": {"met": 3, "not_met": 1, "not_applicable": 0},
        # CLA-1 PN1; CP-1 PN0 for a child of six. CLA-3 is in August.
        "VOC03": {"met": 1, "not_met": 1, "not_applicable": 0},
        # The extract's visits are September's: 1001, 1003 and 1004 were first seen this
        # month, long after their cases started; 1002's CP visit of 08/09 was due 22/09.
        "VIS01": {"met": 0, "not_met": 4, "not_applicable": 0},
        # No involvement is an IRO's: looked-after 1003 has none; IRO W4 holds no child.
        "IRO01": {"met": 0, "not_met": 1, "not_applicable": 0},
        "IRO02": {"met": 0, "not_met": 0, "not_applicable": 1},
    }
    findings = run.findings
    see01 = findings[findings["rule_code"] == "SEE01"].set_index("subject_id")
    assert see01["reason_code"].dropna().to_dict() == {
        "CIN-12": "reason_not_in_source",
        "CP-13": "child_not_seen",
        "CLA-14": "reason_not_in_source",
    }
    # Findings cite the SSD file and row, and the child's team at the as-at date.
    assert see01.loc["CP-11", ["source_table", "source_row", "team"]].tolist() == [
        "ssd_cp_visits.csv",
        4,
        "North Safeguarding",
    ]
    chg01 = findings[findings["rule_code"] == "CHG01"].iloc[0]
    assert (chg01["subject_id"], chg01["source_table"]) == ("PLACEMENT-P2", "ssd_cla_placement.csv")
    assert run.loaded.unrecognised == ()  # lookups (departments, involvements) count as used
    rhi01 = findings[findings["rule_code"] == "RHI01"].set_index("subject_id")["reason_code"]
    assert rhi01.dropna().to_dict() == {"3": "offer_not_applicable", "4": "not_offered"}


def test_an_iro_involvement_names_the_childs_iro_not_their_allocated_worker(tmp_path):
    """W4 is an Independent Reviewing Officer (ssd_professionals): a current involvement of
    theirs gives the looked-after child's iro_id; the team and worker stay the case
    holder's. FTE comes from prof_full_time_equivalency."""
    tables = {name: [list(row) for row in rows] for name, rows in TABLES.items()}
    tables["ssd_involvements"].append(["I99", "W4", "IRO", "T40", "2026-09-01", "", "1003"])
    loads = load_all(build_from(write_folder(tmp_path / "extract", tables)))
    children = loads["children"].frame.set_index("child_id")
    assert children.loc["1003", "iro_id"] == "W4"
    assert children.loc["1003", "allocated_worker"] == "W6"
    assert pd.isna(children.loc["1001", "iro_id"])
    workers = loads["workers"].frame.set_index("worker_id")
    assert workers.loc["W7", "fte"] == 0.5 and workers.loc["W4", "role"] == "iro"
