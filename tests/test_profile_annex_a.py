"""The Annex A input profile: Ofsted's Lists 6–9 read as the contract's children and visits.

Workbooks are built here with openpyxl from the published Annex A headers, including the
quirks real copies have: title rows above the header, ``List_7`` sheet names, curly quotes,
``Age`` for ``Age of Child (Years)``, a header without its ``?`` or ending ``(Y/N))``,
``#N/A`` error cells, formula cells and numeric child IDs. All data is fictional.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from audit.contract import table_spec
from audit.errors import InputError
from audit.loader import TableLoad, load_table
from audit.profiles import annex_a
from audit.profiles.base import SourceData
from audit.reader import discover, read_grid
from audit.safety import SafetyLimits
from tests.workbooks import workbook

SAMPLE = Path("/work/shared/samples/annex_a_liia_sample.xlsx")

D = dt.datetime
NBSP = "\u00a0"

LIST_6_HEADERS = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age",  # some copies: "Age of Child (Years)"
    "Does the Child have a Disability",
    "CIN Start Date",
    "Primary Need Code",
    "Date Child Was Last Seen",
    "CIN Closure Date",
    "Reason for Closure",
    "Case status",
    "Allocated Team",
    "Allocated Worker",
]
LIST_7_HEADERS = [
    f"Child Unique ID{NBSP}",  # a trailing non-breaking space
    "gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Does the Child have a Disability",
    "Child Protection Plan Start Date",
    "Initial Category of Abuse",
    "Latest Category of Abuse",
    "Date of the Last Statutory Visit",
    "Was the Child Seen Alone",  # no trailing "?"
    "Date of latest review conference",
    "Child Protection Plan End Date",
    "Subject to Emergency Protection Order or Protected Under Police Powers in Last Six "
    "Months (Y/N))",
    "Number of Previous Child Protection Plans",
    "ALLOCATED TEAM ",
    "Allocated Worker",
]
LIST_8_HEADERS = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age of Child (Years)",
    "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N))",
    "Date Started to be Looked After",
    "Child’s Legal Status",  # curly apostrophe
    "Date of Latest Statutory Review",
    "Date of Last Social Work Visit",
    "Date Ceased to be Looked After",
    "Number of Episodes the Child has been ‘Missing’ from their Placement in the last 12 months",
    "Was the child offered a Return Interview after their last missing episode (Y/N)?",
    "Did the child accept a Return Interview after their last missing episode (Y/N)?",
    "Allocated Team",
    "Allocated Worker",
]
LIST_9_HEADERS = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age",
    "Allocated Team",
    "Allocated Personal Advisor",
    "Latest Pathway Plan Review Date",
    "Latest Date of Contact",
]


def list_6() -> list[list[object]]:
    def row(cid, sex, eth, start, closed, team, worker):
        return [
            *[cid, sex, eth, D(2012, 5, 1), '=DATEDIF(D4,TODAY(),"y")', "b) No", start],
            *["N1 - Abuse or Neglect", D(2026, 4, 10), closed, None, "Open", team, worker],
        ]

    return [
        ["Annex A – List 6: Children in need (fictional)"],
        [],
        LIST_6_HEADERS,
        row(9212044.0, "a) Male", "a) WBRI", D(2025, 6, 1), None, "CIN North", "Ann Able"),
        # Also on List_7 with an open CP plan: a CP child, read from List_7.
        row("C200", "b) Female", "a) WBRI", D(2025, 9, 1), None, "CIN South", "Ben Bell"),
        # Also on List 8 with a ceased date: returned home, so a child in need again.
        row("C300", "b) Female", "s) NOBT", D(2026, 1, 5), None, "CIN South", "Ben Bell"),
        row("C400", "a) Male", "#N/A", D(2026, 2, 1), None, "CIN North", "Ann Able"),
        [],  # a blank row is no record
        row(None, "a) Male", "a) WBRI", D(2026, 2, 1), None, "CIN North", "Ann Able"),
    ]


def list_7() -> list[list[object]]:
    def row(cid, eth, start, visit, alone, end, team):
        return [
            *[cid, "b) Female", eth, D(2015, 3, 3), 11, "b) No", start, "Neglect", "Neglect"],
            *[visit, alone, None, end, "b) No", 0, team, "Cat Cole"],
        ]

    return [
        ["Ofsted Annex A"],
        ["List 7: children subject to a child protection plan"],
        LIST_7_HEADERS,
        row("C200", "b) WIRI", D(2026, 1, 10), D(2026, 4, 14), "a) Yes", None, "CP East"),
        # Allocated Team is a formula; Excel saved its value, "CP East".
        row("C500", "i) MOTH", D(2026, 1, 10), D(2026, 4, 20), "b) No", None, "=FORMULA"),
        row("C600", "APKN", D(2026, 2, 1), D(2026, 3, 28), "a) Yes", None, "CP East"),
        row("C700", "r) OOTH", D(2026, 2, 1), D(2026, 4, 2), "c) Unknown", None, "CP West"),
        row("C800", "a) WBRI", D(2026, 3, 1), None, None, None, "CP West"),
        row("C900", "a) WBRI", D(2025, 6, 1), D(2026, 1, 20), "b) No", D(2026, 2, 1), "CP West"),
    ]


def list_8() -> list[list[object]]:
    def row(cid, eth, started, ceased, team, worker):
        return [
            *[cid, "a) Male", eth, D(2010, 1, 1), 16, "b) No", started, "C2: FCO"],
            *[D(2026, 3, 1), D(2026, 4, 3), ceased, 0, None, None, team, worker],
        ]

    return [
        LIST_8_HEADERS,
        row("C300", "s) NOBT", D(2024, 1, 1), D(2025, 11, 30), "CiC 2", "Dee Dunn"),
        # Also on List 9: still looked after, so CLA (List 8 wins over List 9).
        row("C1000", "d) WOTH", D(2020, 1, 1), None, "CiC 1", "Eve Ford"),
        row("C1100", "White British", D(2021, 5, 1), None, "CiC 1", "Eve Ford"),
    ]


def list_9() -> list[list[object]]:
    return [
        ["List 9 - Care leavers"],
        LIST_9_HEADERS,
        ["C1000", "a) Male", "d) WOTH", D(2008, 1, 1), 18, "Leaving Care", "Pat Page", None, None],
        [
            "C1200",
            "b) Female",
            "a) WBRI",
            D(2005, 1, 1),
            21,
            "Leaving Care",
            "Pat Page",
            None,
            None,
        ],
    ]


def cache_formula(path: Path, sheet_number: int, cell: str, value: str) -> None:
    """Give a formula cell the text value Excel would have saved with it (openpyxl
    writes formulas without one)."""
    part = f"xl/worksheets/sheet{sheet_number}.xml"
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    xml = members[part].decode()
    xml, hits = re.subn(
        rf'<c r="{cell}"([^>]*)><f>(.*?)</f><v\s*/>',
        rf'<c r="{cell}" t="str"><f>\2</f><v>{value}</v>',
        xml,
    )
    assert hits == 1
    members[part] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def annex_a_workbook(tmp_path: Path) -> Path:
    path = workbook(
        tmp_path / "annex_a.xlsx",
        {
            "Cover": [["Annex A data for inspection (fictional)"]],
            "List 1": [["List 1: contacts"], ["Child Unique ID", "Gender"], ["X1", "a) Male"]],
            "List 6": list_6(),
            "List_7": list_7(),
            "list 8 ": list_8(),
            "List 9": list_9(),
        },
    )
    cache_formula(path, 4, "P5", "CP East")  # List_7, C500's Allocated Team
    return path


def read(path: Path) -> dict[str, object]:
    return {sheet: read_grid(f, sheet) for f, sheet in discover(path, SafetyLimits()).values()}


def build(path: Path) -> SourceData:
    return annex_a.build(read(path), path.name)  # type: ignore[arg-type]


def load(data: SourceData) -> dict[str, TableLoad]:
    loads = {"children": load_table(table_spec("children"), data.grids["children"])}
    child_ids = loads["children"].frame["child_id"]
    for table, grid in data.grids.items():
        if table != "children":
            loads[table] = load_table(table_spec(table), grid, child_ids)
    return loads


@pytest.fixture
def built(tmp_path: Path) -> SourceData:
    return build(annex_a_workbook(tmp_path))


@pytest.fixture
def loaded(built: SourceData) -> dict[str, TableLoad]:
    return load(built)


def by_child(frame: pd.DataFrame, column: str) -> dict[str, object]:
    values = frame[column].astype(object).where(frame[column].notna(), None)
    return dict(zip(frame["child_id"], values, strict=True))


# ---------------------------------------------------------------- recognising


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["List 6", "List_7"], True),
        (["Cover", "list 8 ", "LIST 9"], True),
        (["List 1", "List 10", "List 11"], True),
        (["List 9 - Care leavers", "List 6 (CIN)"], True),
        (["List 6"], False),
        (["children", "visits"], False),
        (["Listing 6", "List 6a"], False),
    ],
)
def test_recognise_needs_two_sheets_named_like_lists(names, expected):
    assert annex_a.recognise(names) is expected


def test_list_numbers_from_sheet_names():
    assert annex_a.list_number("List_7") == 7
    assert annex_a.list_number(" list 8 ") == 8
    assert annex_a.list_number(f"List{NBSP}10") == 10
    assert annex_a.list_number("List 1") == 1
    assert annex_a.list_number("Lists") is None


@pytest.mark.parametrize(
    ("variant", "published"),
    [
        ("Was the Child Seen Alone", "Was the Child Seen Alone?"),
        (f"  child unique id{NBSP}", "Child Unique ID"),
        ("Child’s Legal Status", "Child's Legal Status"),
        (
            "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N))",
            "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months",
        ),
        ("Case status", "Case Status"),
        ("Allocated_Team", "Allocated Team"),
    ],
)
def test_header_variants_match(variant, published):
    assert annex_a.header_match_key(variant) == annex_a.header_match_key(published)


# ---------------------------------------------------------------- children


def test_one_child_row_per_child_across_lists(loaded):
    children = loaded["children"]
    assert children.frame["child_id"].tolist() == [
        "9212044",  # a number cell 9212044.0 reads as written
        "C300",
        "C400",
        "C200",  # on List 6 and List_7: taken from List_7, so it sits with List 7's children
        "C500",
        "C600",
        "C700",
        "C800",
        "C900",
        "C1000",
        "C1100",
        "C1200",
    ]
    assert children.rows_read == 13
    assert children.rows_rejected == 1
    rejected = children.rejected.iloc[0]
    assert (rejected["sheet"], rejected["source_row"], rejected["kind"]) == (
        "List 6",
        9,
        "missing_required_value",
    )


def test_case_type_team_and_worker_come_from_the_chosen_list(loaded):
    frame = loaded["children"].frame
    assert by_child(frame, "case_type") == {
        "9212044": "CIN",
        "C300": "CIN",  # CLA episode ceased; CIN open: a child in need now
        "C400": "CIN",
        "C200": "CP",  # CIN and CP both open: CP is more intensive
        "C500": "CP",
        "C600": "CP",
        "C700": "CP",
        "C800": "CP",
        "C900": "CP",
        "C1000": "CLA",  # looked after and on the care leavers list: CLA
        "C1100": "CLA",
        "C1200": "CL",
    }
    assert by_child(frame, "allocated_team") == {
        "9212044": "CIN North",
        "C300": "CIN South",
        "C400": "CIN North",
        "C200": "CP East",
        "C500": "CP East",  # a formula cell's saved value
        "C600": "CP East",
        "C700": "CP West",
        "C800": "CP West",
        "C900": "CP West",
        "C1000": "CiC 1",
        "C1100": "CiC 1",
        "C1200": "Leaving Care",
    }
    workers = by_child(frame, "allocated_worker")
    assert workers["C200"] == "Cat Cole"
    assert workers["C300"] == "Ben Bell"
    assert workers["C1000"] == "Eve Ford"
    assert workers["C1200"] == "Pat Page"  # List 9's Allocated Personal Advisor


def test_provenance_is_the_row_each_child_was_taken_from(loaded):
    frame = loaded["children"].frame.set_index("child_id")
    assert tuple(frame.loc["9212044", ["source_sheet", "source_row"]]) == ("List 6", 4)
    assert tuple(frame.loc["C200", ["source_sheet", "source_row"]]) == ("List_7", 4)
    assert tuple(frame.loc["C300", ["source_sheet", "source_row"]]) == ("List 6", 6)
    assert tuple(frame.loc["C1000", ["source_sheet", "source_row"]]) == ("list 8 ", 3)
    assert tuple(frame.loc["C1200", ["source_sheet", "source_row"]]) == ("List 9", 4)


def test_dates_and_codes_come_through_the_loader(loaded):
    frame = loaded["children"].frame
    assert by_child(frame, "ethnicity") == {
        "9212044": "WBRI",
        "C300": "NOBT",
        "C400": None,  # an #N/A cell
        "C200": "WIRI",  # List_7's row, not List 6's
        "C500": "MOTH",
        "C600": "APKN",
        "C700": "OOTH",
        "C800": "WBRI",
        "C900": "WBRI",
        "C1000": "WOTH",
        "C1100": "WBRI",  # the description alone maps to the code
        "C1200": "WBRI",
    }
    assert set(frame["sex"]) == {"M", "F"}
    starts = by_child(frame, "case_start_date")
    ends = by_child(frame, "case_end_date")
    assert starts["C200"] == pd.Timestamp("2026-01-10")
    assert starts["C300"] == pd.Timestamp("2026-01-05")  # List 6's CIN Start Date
    assert ends["C300"] is None  # not List 8's Date Ceased
    assert starts["C1000"] == pd.Timestamp("2020-01-01")
    assert ends["C900"] == pd.Timestamp("2026-02-01")
    assert starts["C1200"] is None  # List 9 has no start date
    findings = loaded["children"].findings
    assert findings[["sheet", "source_row", "kind", "column"]].values.tolist() == [
        ["List 6", 7, "excel_error", "ethnicity"]
    ]


def test_children_have_no_first_language_or_religion_column(built, loaded):
    assert "first_language" not in loaded["children"].frame
    assert "religion" not in loaded["children"].frame
    assert built.absent["children.first_language"] == (
        "Ofsted's Annex A has no first-language field"
    )


# ---------------------------------------------------------------- visits


def test_list_7_gives_one_statutory_visit_per_dated_row(loaded):
    visits = loaded["visits"]
    frame = visits.frame[visits.frame["visit_type"] == "statutory"]
    assert frame["visit_id"].tolist() == [
        "L7-C200-2026-04-14",
        "L7-C500-2026-04-20",
        "L7-C600-2026-03-28",
        "L7-C700-2026-04-02",
        "L7-C900-2026-01-20",
    ]
    assert list(by_child(frame, "seen_alone").values()) == [
        "Y",
        "N",
        "Y",
        None,  # c) Unknown
        "N",
    ]
    assert frame["source_sheet"].unique().tolist() == ["List_7"]
    assert frame["source_row"].tolist() == [4, 5, 6, 7, 9]
    assert visits.rows_rejected == 0
    assert "not_seen_alone_reason" not in frame


def test_lists_6_and_8_give_latest_visits_never_judged_for_seeing_alone(loaded):
    """'Date Child Was Last Seen' (List 6) and 'Date of Last Social Work Visit' (List 8)
    are latest visits for VIS01; their type is not statutory, so SEE01 and SEE02 leave
    them alone (Annex A does not say whether the child was seen alone on them)."""
    frame = loaded["visits"].frame
    latest = frame[frame["visit_type"] == "latest_visit"]
    assert set(latest["source_sheet"]) <= {"List 6", "list 8 "}
    assert latest["visit_id"].str.match(r"L[68]-").all()
    assert latest["seen_alone"].isna().all()
    assert set(frame["visit_type"]) == {"statutory", "latest_visit"}
    assert loaded["visits"].rows_rejected == 0


def test_absent_fed_by_and_notes(built):
    assert built.profile == "annex-a"
    assert set(built.grids) == {"children", "visits"}
    assert built.fed_by == {
        "children": "Annex A Lists 6–9",
        "visits": (
            "Annex A Lists 6-8 (each child's latest visit: last seen, last statutory visit, "
            "last social work visit)"
        ),
    }
    assert "only each child's latest visit date" in built.absent["visits.earlier_visits"]
    assert set(built.absent) >= {
        "children.first_language",
        "children.religion",
        "plans",
        "assessments",
        "events",
        "supervisions",
        "workers",
        "reviews",
        "missing_episodes",
        "visits.not_seen_alone_reason",
    }
    assert "without the episode's dates" in built.absent["missing_episodes"]
    assert built.absent["supervisions"] == "Annex A holds no supervision records"
    assert "visits" not in built.absent
    notes = "\n".join(built.notes)
    assert "List 6 ('List 6', CIN): 5 rows" in notes
    assert "List 7 ('List_7', CP): 6 rows" in notes
    assert "3 children appear on more than one of Lists 6–9" in notes
    assert "1 child on List 7 has no 'Date of the Last Statutory Visit'" in notes
    assert "Date Child Was Last Seen" in notes


# ---------------------------------------------------------------- odd workbooks


def test_without_list_7_there_are_latest_visits_but_no_seeing_alone(tmp_path):
    path = workbook(tmp_path / "a.xlsx", {"List 6": list_6(), "List 8": list_8()})
    data = build(path)
    assert set(data.grids) == {"children", "visits"}
    assert "List 7" in data.absent["visits.seen_alone"]
    assert set(load(data)["visits"].frame["visit_type"]) == {"latest_visit"}
    assert data.fed_by["children"] == "Annex A Lists 6 and 8"
    assert "not in the workbook: List 7, List 9" in data.notes[0]


def test_list_7_without_seen_alone_leaves_the_column_out(tmp_path):
    rows = [[c for i, c in enumerate(r) if i != 10] for r in list_7()[2:]]
    data = build(workbook(tmp_path / "a.xlsx", {"List 6": list_6(), "List 7": rows}))
    visits = load(data)["visits"]
    assert "seen_alone" not in visits.frame
    assert (visits.frame["visit_type"] == "statutory").sum() == 5
    assert "Seen Alone" in data.absent["visits.seen_alone"]


def test_a_list_without_a_child_id_header_is_an_error(tmp_path):
    headless = [["Allocated Team", "Gender"], ["North", "a) Male"]]
    path = workbook(tmp_path / "a.xlsx", {"List 6": list_6(), "List 7": headless})
    with pytest.raises(InputError, match=r"List 7.*Child Unique ID"):
        build(path)


def test_an_empty_list_sheet_contributes_nothing(tmp_path):
    data = build(workbook(tmp_path / "a.xlsx", {"List 6": list_6(), "List 9": [[]]}))
    assert "List 9 ('List 9', CL): 0 rows" in data.notes[0]
    assert len(load(data)["children"].frame) == 4


def test_two_sheets_for_one_list_is_an_error(tmp_path):
    path = workbook(tmp_path / "a.xlsx", {"List 6": list_6(), "List 6 (CIN)": list_6()})
    with pytest.raises(InputError, match="List 6"):
        build(path)


def test_no_children_lists_is_an_error(tmp_path):
    path = workbook(tmp_path / "a.xlsx", {"List 1": [["Child Unique ID"]], "List 2": [[]]})
    with pytest.raises(InputError, match="Lists 6–9"):
        build(path)


def test_a_child_twice_on_one_list_takes_the_open_row(tmp_path):
    rows = list_7()
    ended = rows[8]  # C900, ended
    reopened = [*ended[:6], D(2026, 3, 1), *ended[7:12], None, *ended[13:]]
    reopened[15] = "CP North"
    rows.append(reopened)
    data = build(workbook(tmp_path / "a.xlsx", {"List 7": rows, "List 9": list_9()}))
    frame = load(data)["children"].frame.set_index("child_id")
    assert frame.loc["C900", "allocated_team"] == "CP North"
    assert frame.loc["C900", "source_row"] == 10
    assert any("1 child appears more than once on the same list" in n for n in data.notes)


# ---------------------------------------------------------------- the liia-tools sample


@pytest.mark.skipif(not SAMPLE.exists(), reason="shared Annex A sample not present")
def test_liia_sample_workbook():
    grids = read(SAMPLE)
    assert annex_a.recognise(list(grids))
    data = annex_a.build(grids, SAMPLE.name)  # type: ignore[arg-type]
    loads = load(data)
    children, visits = loads["children"].frame, loads["visits"].frame
    # Counted by hand: List 6 has 5 rows, List 7 7, List 8 5, List 9 6; no child is on two.
    assert len(children) == 23
    assert loads["children"].rows_rejected == 0
    assert children["case_type"].value_counts().to_dict() == {
        "CP": 7,
        "CL": 6,
        "CIN": 5,
        "CLA": 5,
    }
    assert "12598894" in set(children["child_id"])  # an int cell
    assert "10721552" in set(children["child_id"])  # a float cell, 10721552.0
    # List 6's Allocated Team and Worker are #N/A: unallocated.
    cin = children[children["case_type"] == "CIN"]
    assert set(cin["allocated_team"]) == {"Unallocated"}
    assert cin["allocated_worker"].isna().all()
    assert by_child(children, "ethnicity")["12598894"] == "MOTH"  # "i) MOTH"
    assert by_child(children, "ethnicity")["14065184"] is None  # blank on List 8
    assert by_child(children, "case_end_date")["3623204"] == pd.Timestamp("2020-09-22")
    # List 7: 7 statutory visits, seen alone a) Yes x3, b) No x4; Lists 6 and 8 give the
    # other children's latest visits.
    assert (visits["visit_type"] == "statutory").sum() == 7
    assert (visits["visit_type"] == "latest_visit").sum() == 10
    assert loads["visits"].rows_rejected == 0
    assert visits["seen_alone"].value_counts().to_dict() == {"N": 4, "Y": 3}
    assert by_child(visits, "visit_date")["10721552"] == pd.Timestamp("2021-01-22")
    assert not any("more than one of Lists" in n for n in data.notes)


# ---------------------------------------------------------------- end to end


@pytest.mark.parametrize("profile", ["auto", "annex-a"])
def test_audit_of_an_annex_a_workbook(tmp_path, profile):
    from audit.period import AuditPeriod
    from audit.run import audit

    run = audit(annex_a_workbook(tmp_path), AuditPeriod.parse("2026-04"), profile=profile)
    assert run.loaded.profile == "annex-a"
    assert set(run.loaded.unrecognised) == {"Cover", "List 1"}
    statuses = {s.code: s for s in run.statuses}
    ran = {code for code, s in statuses.items() if s.status == "RAN"}
    assert ran == {"IDN01", "SEE01", "SEE02", "VIS01"}
    # Only the latest visit is in Annex A: the report line says what cannot be judged.
    assert statuses["VIS01"].reason.startswith("late within the month cannot be judged")
    skipped = {code: s.reason for code, s in statuses.items() if s.status == "SKIPPED"}
    assert skipped["IDN02"] == (
        "needs children.first_language: Ofsted's Annex A has no first-language field"
    )
    assert "Annex A holds no supervision records" in skipped["SUP01"]
    assert "without the episode's dates" in skipped["RHI01"]
    assert all("Annex A" in reason for reason in skipped.values())
    assert {code: s.counts for code, s in statuses.items() if code in ran} == {
        "IDN01": {"met": 9, "not_met": 2, "not_applicable": 0},  # C900's CP plan ended
        # Visits in April only. Annex A never says why a child was not seen alone, so a
        # "no" is not applicable rather than blamed on the record.
        "SEE01": {"met": 1, "not_met": 1, "not_applicable": 1},
        "SEE02": {"met": 1, "not_met": 2, "not_applicable": 0},
        # C200, C600, C700 overdue on List 7's last visit; C800 (CP from 01/03) never seen.
        "VIS01": {"met": 6, "not_met": 4, "not_applicable": 0},
    }
    findings = run.findings
    not_met = findings.loc[findings["outcome"] == "not_met", ["rule_code", "subject_id"]]
    not_met["reason"] = findings["reason_code"]
    assert sorted(not_met.itertuples(index=False, name=None)) == [
        ("IDN01", "C300", "ethnicity_not_obtained"),
        ("IDN01", "C400", "ethnicity_blank"),
        ("SEE01", "L7-C700-2026-04-02", "seen_alone_not_recorded"),
        ("SEE02", "C500", "not_seen_alone_in_period"),
        ("SEE02", "C700", "not_seen_alone_in_period"),
        ("VIS01", "C200", "visit_overdue"),
        ("VIS01", "C600", "visit_overdue"),
        ("VIS01", "C700", "visit_overdue"),
        ("VIS01", "C800", "no_visit_recorded"),
    ]
    unexplained = findings[findings["subject_id"] == "L7-C500-2026-04-20"].iloc[0]
    assert (unexplained["outcome"], unexplained["reason_code"]) == (
        "not_applicable",
        "reason_not_in_source",
    )
    assert "check the case record" in unexplained["detail"]
    seen = findings[(findings["rule_code"] == "SEE01") & (findings["child_id"] == "C200")].iloc[0]
    assert (seen["outcome"], seen["team"], seen["source_row"]) == ("met", "CP East", 4)


def test_lists_with_headers_but_no_rows_stop_the_run_with_one_line_and_exit_3(tmp_path):
    title = ["Annex A (fictional authority)"]
    path = workbook(
        tmp_path / "empty.xlsx",
        {
            "List 1": [["List 1: contacts"], ["Child Unique ID", "Gender"], ["X1", "a) Male"]],
            "List 6": [title, LIST_6_HEADERS],
            "List 7": [title, LIST_7_HEADERS],
            "List 8": [title, LIST_8_HEADERS],
            "List 9": [title, LIST_9_HEADERS],
        },
    )
    done = subprocess.run(
        [sys.executable, "-m", "audit.cli", "run", str(path), "--period", "2026-09",
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 3
    assert done.stderr.strip() == (
        "caseaudit: error: empty.xlsx: no children to audit: Annex A Lists 6–9 hold no rows, "
        "only headers. "
        "Check that the export holds the children open in the period."
    )
    assert not (tmp_path / "out" / "2026-09").exists()
    # check still reports what it read, and does not call the lists it read "ignored".
    check = subprocess.run(
        [sys.executable, "-m", "audit.cli", "check", str(path)],
        capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    ignored = [line for line in check.stdout.splitlines() if line.startswith("Ignored")]
    assert ignored == ["Ignored (not a contract table): List 1"]
