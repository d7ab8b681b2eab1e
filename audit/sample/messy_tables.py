"""How each table is made messy: the odd headers, encodings, date and Y/N forms, error
cells and bad rows councils' exports really have, each recorded on the row it affects."""

from __future__ import annotations

from typing import Any, NoReturn

import numpy as np
import pandas as pd

from audit.codes import ETHNICITY, PARTICIPATION
from audit.errors import UsageError
from audit.sample.excel import excel_serial
from audit.sample.messy_files import (
    FINDING_BAD_DATE,
    FINDING_EXCEL_ERROR,
    FINDING_UNMAPPED,
    REJECT_BAD_DATE,
    REJECT_MISSING,
    REJECT_UNKNOWN_CHILD,
    MessyFile,
    Row,
    XlDate,
    XlError,
    XlNumber,
    duplicate_of,
)
from audit.sample.names import AUTHORITY_NAME
from audit.sample.tables import CONTRACT_COLUMNS, DATE_COLUMNS

_YES_FORMS = ("Y", "Yes", "a) Yes", "TRUE", "1", "y")
_NO_FORMS = ("N", "No", "b) No", "FALSE", "0")
_BLANK_FORMS = ("", "c) Unknown", "Unknown", "Not recorded")
# Drop-down lists letter their options in code-list order: "a) WBRI", "b) WIRI", ...
_ANNEX_A_LETTERS = "abcdefghijklmnopqrst"
_REG29_CODES = ("refused", "age", "unable")  # the regulation 29 reason codes a visit records


def _spots(n: int, k: int) -> list[int] | None:
    """k distinct row positions spread through n rows (never the first), in order; None
    when there are too few rows to hold them apart."""
    if n < k + 1:
        return None
    return [int(x) for x in np.floor(np.linspace(1, n - 1, k) + 0.5)]


def _too_few(table: str, least: int) -> NoReturn:
    """Refuse clearly when a table has too few rows for its messy cases."""
    raise UsageError(f"a messy copy needs at least {least} rows in {table}; generate more children")


def _date_cell(value: Any) -> XlDate | None:
    """A real date cell; no cell for a blank date."""
    serial = excel_serial(value)
    return None if serial is None else XlDate(serial)


def _serial_number_cell(value: Any) -> XlNumber | None:
    """A date typed as its bare Excel day number, with no date format."""
    serial = excel_serial(value)
    return None if serial is None else XlNumber(serial)


def _dmy(value: Any) -> str | None:
    """A date day-first, as UK exports write it: 03/04/2026."""
    return None if pd.isna(value) else pd.Timestamp(value).strftime("%d/%m/%Y")


def _iso(value: Any) -> str | None:
    """A date as ISO 8601: 2026-04-03."""
    return None if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def _yes_no(value: Any, i: int) -> str:
    """Y, N or blank written the many ways exports write them (all mean the same)."""
    if value == "Y":
        return _YES_FORMS[i % len(_YES_FORMS)]
    if value == "N":
        return _NO_FORMS[i % len(_NO_FORMS)]
    return _BLANK_FORMS[i % len(_BLANK_FORMS)]


def _text(value: Any) -> str | None:
    """The value as text; None for a blank."""
    return None if pd.isna(value) else str(value)


def unused_id(taken: set[str], preferred: str) -> str:
    """A numeric id no child has: ``preferred``, or the nearest free one below it."""
    candidate = preferred
    while candidate in taken:
        candidate = str(int(candidate) - 1).zfill(len(preferred))
    return candidate


def numeric_id_row(n: int) -> int:
    """The row of n children whose id children.xlsx types as a number cell."""
    return _children_spots(n)[6]


def _children_spots(n: int) -> list[int]:
    return _spots(n, 8) or _too_few("children", 9)


def messy_children(children: pd.DataFrame, ids: dict[str, str], numeric_id: str) -> MessyFile:
    """children.xlsx: title rows, odd headers, codes written five ways, error cells."""
    messy = MessyFile(
        table="children",
        file_name="children.xlsx",
        title_rows=(
            AUTHORITY_NAME,
            "Children's social care case list - fictional records for testing the loader",
        ),
        headers=[
            "Child ID ",
            "Date\u00a0of Birth",
            "Sex",
            "ETHNICITY",
            "First Language",
            "Religion",
            "Case Type",
            "Allocated-Team",
            "Allocated Worker",
            "Case Start Date",
            "case_end_date",
            "Locality",
        ],
        columns=[*CONTRACT_COLUMNS["children"], None],
        key="child_id",
        encoding="xlsx",
        exercises=[
            "two title rows above the header (the header is row 3)",
            "headers 'Child ID ' (trailing space), 'Date<NBSP>of Birth', 'ETHNICITY', "
            "'Allocated-Team', and a 'Locality' column outside the contract",
            "ethnicity as WBRI, 'a) WBRI', 'WBRI - White British', 'White British', lower case",
            "ids as text with leading zeros, and one id typed as a number cell",
            "dates as date cells, one as day-first text, one as a serial number cell",
            "#N/A as a real error cell (religion) and as text (first_language)",
            "an unparseable date of birth, an unmappable ethnicity, a blank id, a duplicate id",
        ],
    )
    n = len(children)
    text_dob, bad_dob, bad_code, error_cell, error_text, serial_start, numeric, twin = (
        _children_spots(n)
    )
    for i, kid in enumerate(children.itertuples(index=False)):
        ethnicity = (
            kid.ethnicity if pd.isna(kid.ethnicity) or kid.ethnicity in ETHNICITY else "WBRI"
        )
        row = Row(
            [
                ids[kid.child_id],
                _date_cell(kid.date_of_birth),
                _text(kid.sex),
                _ethnicity_form(ethnicity, i),
                _text(kid.first_language),
                _text(kid.religion),
                kid.case_type.lower() if i % 4 == 3 else kid.case_type,
                _text(kid.allocated_team),
                _text(kid.allocated_worker),
                _date_cell(kid.case_start_date),
                _date_cell(kid.case_end_date),
                ("North", "South", "East", "West")[i % 4],
            ]
        )
        if i == text_dob:
            row.cells[1] = _dmy(kid.date_of_birth)
        if i == bad_dob:
            row.cells[1] = "30/02/2015"
            row.findings.append((FINDING_BAD_DATE, "date_of_birth", "30/02/2015"))
        if i == bad_code:
            row.cells[3] = "Whte Britsh"
            row.findings.append((FINDING_UNMAPPED, "ethnicity", "Whte Britsh"))
        if i == error_cell:
            row.cells[5] = XlError("=NA()", "#N/A")
            row.findings.append((FINDING_EXCEL_ERROR, "religion", "#N/A"))
        if i == error_text:
            row.cells[4] = "#N/A"
            row.findings.append((FINDING_EXCEL_ERROR, "first_language", "#N/A"))
        if i == serial_start:
            row.cells[9] = _serial_number_cell(kid.case_start_date)
        if i == numeric:
            row.cells[0] = XlNumber(int(numeric_id))
        messy.rows.append(row)

    original = messy.rows[twin]
    # The same child exported twice (a later change of religion): the first row stands.
    again = duplicate_of(original)
    again.cells[5] = "Declined to say"
    messy.rows.append(again)
    nameless = Row(list(original.cells), reject=(REJECT_MISSING, "child_id is blank"))
    nameless.cells[0] = None
    messy.rows.insert(n // 2, nameless)
    return messy


def _ethnicity_form(code: Any, i: int) -> str | None:
    """The same DfE code written five ways (all map back to the code)."""
    if pd.isna(code):
        return None
    letter = _ANNEX_A_LETTERS[list(ETHNICITY).index(code)]
    forms = (
        code,
        f"{letter}) {code}",
        f"{code} - {ETHNICITY[code]}",
        ETHNICITY[code],
        code.lower(),
    )
    return forms[i % len(forms)]


def messy_visits(visits: pd.DataFrame, ids: dict[str, str], taken: set[str]) -> MessyFile:
    """visits.csv: Windows-1252 with CRLF, dates and Y/N every which way, bad rows."""
    messy = MessyFile(
        table="visits",
        file_name="visits.csv",
        headers=[
            "Visit ID",
            "Child ID",
            "Visit Date",
            "Worker ID",
            "Visit Type",
            "Child Seen",
            "Seen Alone",
            "Not-Seen-Alone Reason",
            "Seen_Alone_Commentary",
        ],
        columns=list(CONTRACT_COLUMNS["visits"]),
        key="visit_id",
        encoding="cp1252",
        exercises=[
            "Windows-1252 bytes with CRLF line ends; a curly apostrophe and an e-acute in text",
            "visit dates day-first (03/04/2026), ISO, an Excel serial number, one with a time",
            "Y/N as Y, Yes, a) Yes, TRUE, 1, y / N, No, b) No, FALSE, 0 / blank, c) Unknown, "
            "Unknown, Not recorded",
            "visit_type statutory in three cases; reg 29 reasons in mixed case",
            "#N/A typed as text in worker_id; a child id with a trailing space",
            "a duplicate visit id, a blank visit date, the impossible date 31/02/2026, "
            "and a visit of a child who is not in children",
        ],
    )
    n = len(visits)
    serial_day, timed, error_worker, padded, twin = _spots(n, 5) or _too_few("visits", 6)
    alone = [i for i, v in enumerate(visits["seen_alone"]) if v == "Y"]
    accented = alone[1:3] if len(alone) >= 3 else alone[:2]
    accents = (
        "Saw the child alone in the bedroom; she didn\u2019t want to talk about contact.",
        "Spoke alone at the caf\u00e9 near school about friendships and the new club.",
    )
    for i, visit in enumerate(visits.itertuples(index=False)):
        reason = _text(visit.not_seen_alone_reason)
        if reason in _REG29_CODES and i % 2:
            reason = reason.capitalize()
        statutory = visit.visit_type == "statutory"
        row = Row(
            [
                visit.visit_id,
                ids[visit.child_id],
                _iso(visit.visit_date) if i % 5 == 1 else _dmy(visit.visit_date),
                _text(visit.worker_id),
                ("statutory", "Statutory", "STATUTORY")[i % 3]
                if statutory
                else _text(visit.visit_type),
                _yes_no(visit.child_seen, i),
                _yes_no(visit.seen_alone, i + 1),
                reason,
                _text(visit.seen_alone_commentary),
            ]
        )
        if i == serial_day:
            row.cells[2] = str(excel_serial(visit.visit_date))
        if i == timed:
            row.cells[2] = f"{_dmy(visit.visit_date)} 16:45"
        if i == error_worker:
            row.cells[3] = "#N/A"
            row.findings.append((FINDING_EXCEL_ERROR, "worker_id", "#N/A"))
        if i == padded:
            row.cells[1] = f"{row.cells[1]} "
        if i in accented:
            row.cells[8] = accents[accented.index(i)]
        messy.rows.append(row)

    first = messy.rows[0].cells
    stray = unused_id(taken, "099999")
    extra = [
        (n // 3, ["V9000001", first[1], None], (REJECT_MISSING, "visit_date is blank")),
        (
            n // 2,
            ["V9000002", first[1], "31/02/2026"],
            (REJECT_BAD_DATE, "31/02/2026 is not a date"),
        ),
        (2 * n // 3, ["V9000003", stray, first[2]], (REJECT_UNKNOWN_CHILD, f"no child {stray}")),
    ]
    messy.rows.append(duplicate_of(messy.rows[twin]))
    for at, head, reject in sorted(extra, key=lambda e: -e[0]):
        cells = [
            *head,
            "",
            "statutory",
            "Y",
            "Y",
            None,
            "Seen alone in the bedroom; chatty and settled.",
        ]
        messy.rows.insert(at, Row(cells, reject=reject))
    return messy


def messy_plans(plans: pd.DataFrame, ids: dict[str, str]) -> MessyFile:
    """plans.csv: UTF-8 with a byte-order mark, accents, a version with no plan type."""
    messy = MessyFile(
        table="plans",
        file_name="plans.csv",
        headers=[
            "plan_id",
            "child_id",
            "Plan Type",
            "Plan Date",
            "start_date",
            "end_date",
            "Identity Considered",
            "identity_notes",
            "Child Views",
            "views_influence",
        ],
        columns=list(CONTRACT_COLUMNS["plans"]),
        key=None,
        encoding="utf-8-sig",
        exercises=[
            "UTF-8 with a byte-order mark; curly apostrophes and accents in free text",
            "plan dates day-first and ISO; plan_type in lower case for some rows",
            "identity_considered as Y, Yes, a) Yes / N, No, b) No",
            "an impossible optional end date (31/11/2026), #REF! as text in views_influence",
            "a version with a blank plan_type",
        ],
    )
    n = len(plans)
    bad_end, error_text, accent_a, accent_b = _spots(n, 4) or _too_few("plans", 5)
    for i, plan in enumerate(plans.itertuples(index=False)):
        notes = _text(plan.identity_notes)
        if i in (accent_a, accent_b) and notes and len(notes.split()) > 5:
            notes += (
                " The family\u2019s caf\u00e9 outings with Grandma Zo\u00eb are part of the plan."
            )
        row = Row(
            [
                plan.plan_id,
                ids[plan.child_id],
                plan.plan_type.lower() if i % 7 == 3 else plan.plan_type,
                _iso(plan.plan_date) if i % 3 == 0 else _dmy(plan.plan_date),
                _iso(plan.start_date),
                _dmy(plan.end_date),
                _yes_no(plan.identity_considered, i)
                if not pd.isna(plan.identity_considered)
                else None,
                notes,
                _text(plan.child_views),
                _text(plan.views_influence),
            ]
        )
        if i == bad_end:
            row.cells[5] = "31/11/2026"
            row.findings.append((FINDING_BAD_DATE, "end_date", "31/11/2026"))
        if i == error_text:
            row.cells[9] = "#REF!"
            row.findings.append((FINDING_EXCEL_ERROR, "views_influence", "#REF!"))
        messy.rows.append(row)
    typeless = Row(list(messy.rows[0].cells), reject=(REJECT_MISSING, "plan_type is blank"))
    typeless.cells[0] = "P900001"
    typeless.cells[2] = None
    messy.rows.insert(n // 2, typeless)
    return messy


def messy_assessments(assessments: pd.DataFrame, ids: dict[str, str]) -> MessyFile:
    """assessments.xlsx: date cells and bare serial numbers, an error cell, a duplicate."""
    messy = MessyFile(
        table="assessments",
        file_name="assessments.xlsx",
        headers=list(CONTRACT_COLUMNS["assessments"]),
        columns=list(CONTRACT_COLUMNS["assessments"]),
        key="assessment_id",
        encoding="xlsx",
        exercises=[
            "start dates as date cells; every third completed date as a plain serial number",
            "a #VALUE! error cell in worker_id",
            "a duplicate assessment id",
        ],
    )
    n = len(assessments)
    error_cell, twin = _spots(n, 2) or (-1, -1)  # too few assessments: written plainly
    for i, item in enumerate(assessments.itertuples(index=False)):
        row = Row(
            [
                item.assessment_id,
                ids[item.child_id],
                item.assessment_type,
                _date_cell(item.start_date),
                (
                    _serial_number_cell(item.completed_date)
                    if i % 3 == 0
                    else _date_cell(item.completed_date)
                ),
                _text(item.worker_id),
            ]
        )
        if i == error_cell:
            row.cells[5] = XlError('="a"+1', "#VALUE!")
            row.findings.append((FINDING_EXCEL_ERROR, "worker_id", "#VALUE!"))
        messy.rows.append(row)
    if twin >= 0:
        messy.rows.append(duplicate_of(messy.rows[twin]))
    return messy


def messy_plain(
    table: str, frame: pd.DataFrame, ids: dict[str, str], exercises: list[str]
) -> MessyFile:
    """A plain UTF-8 CSV: snake_case headers, day-first dates, Y/N written loosely."""
    columns = list(CONTRACT_COLUMNS[table])
    messy = MessyFile(
        table=table,
        file_name=f"{table}.csv",
        headers=columns,
        columns=columns,
        key=columns[0],
        encoding="utf-8",
        exercises=exercises,
    )
    dates = set(DATE_COLUMNS[table])
    yes_no = {"rhi_offered", "rhi_accepted"}
    for i, record in enumerate(frame[columns].itertuples(index=False)):
        cells = []
        for column, value in zip(columns, record, strict=True):
            if column in dates:
                cells.append(_dmy(value) if i % 4 else _iso(value))
            elif column in yes_no:
                cells.append(_yes_no(value, i) if not pd.isna(value) else None)
            elif column == "child_id" and not pd.isna(value):
                cells.append(ids.get(value, value))
            elif column == "participation_code" and value not in PARTICIPATION:
                cells.append(None)  # keep "not a PN code" out: it would be a second finding
            elif column == "event_type" and i % 5 == 2:
                cells.append(str(value).replace("_", " ").title())
            elif column == "role" and i % 4 == 1:
                cells.append(str(value).upper())
            else:
                cells.append(_text(value))
        messy.rows.append(Row(cells))
    return messy
