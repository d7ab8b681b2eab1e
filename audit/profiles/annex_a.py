"""Ofsted's Annex A workbook read as the data contract's ``children`` and ``visits``.

Every English local authority keeps an Annex A workbook for inspections: sheets ``List 1``
… ``List 11`` (``List_7`` in some copies), each a table below one or more title rows.
Only four lists describe children whose records this audit judges:

=========  ====================  ===========================================================
List       children              start date / end date
=========  ====================  ===========================================================
List 6     children in need      ``CIN Start Date`` / ``CIN Closure Date``
List 7     child protection      ``Child Protection Plan Start Date`` / ``… Plan End Date``
List 8     children in care      ``Date Started to be Looked After`` / ``Date Ceased …``
List 9     care leavers          none / none
=========  ====================  ===========================================================

**children**: one row per ``Child Unique ID`` across Lists 6–9. A child on several lists
(or twice on one) takes everything — case type, team, worker, start and end dates, date of
birth, gender, ethnicity — from one row, chosen in this order:

1. an *open* row (no closure, end or ceased date; List 9 rows are always open) before an
   ended one, so a child whose plan has ended keeps the status they have now (a child who
   left care and is on List 9 is a care leaver; one whose CP plan ended but whose CIN
   episode is open is a child in need) and stays in the audit's scope;
2. then the most intensive list: looked after (List 8, ``CLA``) > child protection
   (List 7, ``CP``) > care leaver (List 9, ``CL``) > child in need (List 6, ``CIN``). A care
   leaver still looked after is ``CLA``; a care leaver on a CP plan is ``CP``;
3. then the earlier row of the sheet.

The chosen row is the child's provenance (sheet and spreadsheet row), so every finding
about the child points at the row its team and worker were read from. List 9's ``Allocated
Personal Advisor`` (or ``Adviser``) is the care leaver's allocated worker when filled.
List 8's ``Date of Last IRO Visit / Contact to the Child`` is read as the child's
``last_iro_contact_date``, a display column: the reports show it in their IRO section for
information, and no rule judges it (Annex A does not say who the IRO is).

**visits**: List 7 gives one statutory visit per row: ``Date of the Last Statutory Visit``
and ``Was the Child Seen Alone?``, with ``visit_id`` ``L7-<child id>-<date>``. Lists 6 and 8
give a last-seen or last-visit date (``Date Child Was Last Seen``, ``Date of Last Social Work
Visit``) *without* whether the child was seen alone: each is read as a visit of type
``latest_visit`` (``L6-…``, ``L8-…``), which VIS01 counts as the child's latest visit and
which SEE01 and SEE02 leave alone (as statutory visits they would all be reported "seen
alone not recorded", blaming the record for a field Annex A does not have). Every list
gives only the *latest* visit, so the profile declares the earlier visits absent and VIS01
says it cannot judge a late visit within the month.

Everything else the contract asks for is absent, each with a plain-English reason
(``ABSENT``) that a skipped rule shows instead of a column name.

Cells are passed through raw (``a) Yes``, ``i) MOTH``, ``#N/A``, ``9212044.0``, date cells):
the loader normalises them exactly as for any export. Child IDs and end dates are read
here only to group a child's rows and to tell open rows from ended ones.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from audit import normalise
from audit.contract import EARLIER_VISITS, LAST_IRO_CONTACT, LATEST_VISIT_TYPE
from audit.errors import InputError
from audit.lazy import pd
from audit.profiles.base import SourceData, grid_from_frame
from audit.reader import Grid

PROFILE = "annex-a"

# "List 6", "List_7", "list 8 ", "List 9 - Care leavers". The group is the list number.
SHEET_PATTERN = re.compile(r"^\s*list[\s_\-]*0?(\d{1,2})(?:[\s_\-–:(]+\D.*)?\s*$", re.IGNORECASE)

HEADER_SEARCH_ROWS = 30

CHILD_COLUMNS = (
    "child_id",
    "date_of_birth",
    "sex",
    "ethnicity",
    "case_type",
    "allocated_team",
    "allocated_worker",
    "case_start_date",
    "case_end_date",
    LAST_IRO_CONTACT,
)
REQUIRED_CHILD_COLUMNS = ("child_id", "allocated_team")  # kept even when no list has them
VISIT_COLUMNS = ("visit_id", "child_id", "visit_date", "visit_type", "seen_alone")

ABSENT: dict[str, str] = {
    "children.first_language": "Ofsted's Annex A has no first-language field",
    "children.religion": "Ofsted's Annex A has no religion field",
    "plans": (
        "Annex A lists the children on plans but holds none of a plan's contents "
        "(identity, the child's views, its versions)"
    ),
    "assessments": (
        "Annex A's assessment lists give only single assessments' dates, with no risk or "
        "return-home assessments, so no assessments are read from it"
    ),
    "events": (
        "Annex A records no changes in a child's circumstances (placement moves, returns "
        "home) as events with their dates"
    ),
    "supervisions": "Annex A holds no supervision records",
    "workers": (
        "Annex A names each child's allocated worker and team but holds no records of the "
        "workers themselves"
    ),
    "reviews": (
        "Annex A gives only the date of a child's latest review, without the child's "
        "participation code"
    ),
    "missing_episodes": (
        "Annex A gives only whether a return interview was offered after the last missing "
        "episode, without the episode's dates, so return interviews cannot be checked for "
        "the audit month"
    ),
    "visits.not_seen_alone_reason": (
        "Annex A records whether the child was seen alone at the last statutory visit, "
        "but not why not"
    ),
    "visits.seen_alone_commentary": ("Annex A has no commentary on seeing the child alone"),
    "children.iro_id": (
        "Annex A List 8 gives the date of the IRO's last contact with each child, but not "
        "who the IRO is"
    ),
    "camhs_referrals": "Annex A holds no CAMHS referrals",
}
NO_LIST_7 = (
    "the workbook has no List 7, the only Annex A list that records whether a child was "
    "seen alone at a visit"
)
NO_SEEN_ALONE = "this workbook's List 7 has no 'Was the Child Seen Alone?' column"

FED_BY_CHILDREN = "Annex A Lists 6–9"
FED_BY_VISITS = "Annex A List 7 (last statutory visit of each child on a child protection plan)"
FED_BY_LATEST_VISITS = (
    "Annex A Lists 6-8 (each child's latest visit: last seen, last statutory visit, last "
    "social work visit)"
)
ONLY_LATEST_VISIT = (
    "Annex A gives only each child's latest visit date (Lists 6-8), not the visits before it"
)
# Lists whose latest-visit date is read as a ``latest_visit``: the field and the ID prefix.
LATEST_VISIT_LISTS = {6: "L6", 8: "L8"}


def header_match_key(header: object) -> str:
    """Two Annex A headers match when this key is equal.

    :func:`audit.normalise.header_key` (case, spaces, non-breaking spaces, ``-``, ``_``,
    curly quotes) and then ``(Y/N)`` and every other punctuation mark (``?``, ``'``, a stray
    ``)``) dropped: ``Was the Child Seen Alone`` matches ``Was the Child Seen Alone?``.
    """
    key = normalise.header_key(header).replace("(y/n)", "")
    return re.sub(r"[\W_]+", "", key)


def _keys(*headers: str) -> tuple[str, ...]:
    return tuple(header_match_key(h) for h in headers)


# Field (a contract column, or a source field this module reads) -> the headers it is under.
COMMON_FIELDS: dict[str, tuple[str, ...]] = {
    "child_id": _keys("Child Unique ID", "Child ID", "Unique Child ID", "Child Unique Identifier"),
    "date_of_birth": _keys("Date of Birth", "DOB"),
    "sex": _keys("Gender", "Sex"),
    "ethnicity": _keys("Ethnicity"),
    "allocated_team": _keys("Allocated Team"),
    "allocated_worker": _keys("Allocated Worker", "Allocated Social Worker"),
}


@dataclass(frozen=True)
class ListSpec:
    number: int
    case_type: str
    rank: int  # 0 is the most intensive: chosen first among a child's open (or ended) rows
    fields: Mapping[str, tuple[str, ...]]  # list-specific fields -> header keys


LISTS: dict[int, ListSpec] = {
    6: ListSpec(
        6,
        "CIN",
        3,
        {
            "case_start_date": _keys("CIN Start Date"),
            "case_end_date": _keys("CIN Closure Date"),
            "visit_date": _keys("Date Child Was Last Seen"),
        },
    ),
    7: ListSpec(
        7,
        "CP",
        1,
        {
            "case_start_date": _keys("Child Protection Plan Start Date", "CP Plan Start Date"),
            "case_end_date": _keys("Child Protection Plan End Date", "CP Plan End Date"),
            "visit_date": _keys("Date of the Last Statutory Visit", "Date of Last Statutory Visit"),
            "seen_alone": _keys("Was the Child Seen Alone?"),
        },
    ),
    8: ListSpec(
        8,
        "CLA",
        0,
        {
            "case_start_date": _keys("Date Started to be Looked After"),
            "case_end_date": _keys("Date Ceased to be Looked After"),
            "visit_date": _keys("Date of Last Social Work Visit"),
            # Shown in the reports' IRO section for information; no rule judges it.
            LAST_IRO_CONTACT: _keys("Date of Last IRO Visit / Contact to the Child"),
        },
    ),
    9: ListSpec(
        9,
        "CL",
        2,
        {"personal_adviser": _keys("Allocated Personal Advisor", "Allocated Personal Adviser")},
    ),
}

# Other published Annex A headers: they only help find the header row below title rows.
OTHER_HEADERS = _keys(
    "Age",
    "Age of Child (Years)",
    "Does the Child have a Disability",
    "Primary Need Code",
    "Date Child Was Last Seen",
    "Reason for Closure",
    "Case Status",
    "Initial Category of Abuse",
    "Latest Category of Abuse",
    "Date of latest review conference",
    "Number of Previous Child Protection Plans",
    "Child's Legal Status",
    "Date of Latest Statutory Review",
    "Date of Last Social Work Visit",
    "Date of Last IRO Visit / Contact to the Child",
    "Number of Placements in the Last 12 months",
    "Reason Ceased to be Looked After",
    "Start Date of Most Recent Placement",
    "Latest Pathway Plan Review Date",
    "Latest Date of Contact",
    "Eligibility Category",
    "LA in Touch",
    "Type of Accommodation",
    "Suitability of Accommodation",
    "Activity Status",
)

# Columns of the frame a list is read into, besides its fields.
_SHEET, _ROW, _LIST, _KEY, _ENDED, _ORDER = "_sheet", "_row", "_list", "_key", "_ended", "_order"


# ---------------------------------------------------------------- recognising


def list_number(sheet_name: str) -> int | None:
    """The Annex A list a sheet holds (``List_7`` -> 7), or None."""
    match = SHEET_PATTERN.match(sheet_name)
    return int(match.group(1)) if match else None


def recognise(sheet_names: Sequence[str]) -> bool:
    """True when at least two sheets are named like Annex A lists."""
    return sum(list_number(name) is not None for name in sheet_names) >= 2


# ---------------------------------------------------------------- building


def build(grids: Mapping[str, Grid], source_label: str) -> SourceData:
    """The contract's children and visits from an Annex A workbook's Lists 6–9."""
    sheets = _list_sheets(grids, source_label)
    lists = {n: _read_list(grids[name], LISTS[n], source_label) for n, name in sheets.items()}
    frames = [frame for frame in lists.values() if frame is not None]
    if not frames:
        found = ", ".join(grids) or "no sheets"
        raise InputError(
            f"{source_label}: no children found in Annex A Lists 6–9 (found {found}). "
            "The audit needs at least one of List 6 (children in need), List 7 (child "
            "protection), List 8 (children in care) or List 9 (care leavers)."
        )
    rows = pd.concat(frames, ignore_index=True)
    rows[_ORDER] = range(len(rows))
    # A column no list has stays out, so a rule that needs it is skipped, not failed.
    child_columns = [c for c in CHILD_COLUMNS if c in rows or c in REQUIRED_CHILD_COLUMNS]
    out = {"children": _grid(_choose_rows(rows), child_columns, source_label)}
    absent = dict(ABSENT)
    fed_by = {"children": _fed_by_children(sheets)}
    list_7 = lists.get(7)
    parts = [] if list_7 is None else [_visits(list_7)]
    for number, prefix in LATEST_VISIT_LISTS.items():
        frame = lists.get(number)
        if frame is not None and "visit_date" in frame:
            parts.append(_visits(frame, prefix, LATEST_VISIT_TYPE))
    if not parts:
        absent["visits"] = NO_LIST_7
    else:
        visits = pd.concat(parts, ignore_index=True)
        visit_columns = [c for c in VISIT_COLUMNS if c in visits]
        out["visits"] = _grid(visits, visit_columns, source_label)
        fed_by["visits"] = (
            FED_BY_VISITS if len(parts) == 1 and list_7 is not None else (FED_BY_LATEST_VISITS)
        )
        absent[EARLIER_VISITS] = ONLY_LATEST_VISIT
        if list_7 is None:
            absent["visits.seen_alone"] = NO_LIST_7
        elif "seen_alone" not in visits:
            absent["visits.seen_alone"] = NO_SEEN_ALONE
    notes = (
        _read_note(sheets, lists),
        *_gap_notes(lists, child_columns),
        *_several_lists_note(rows),
        *_visit_notes(list_7),
    )
    return SourceData(
        profile=PROFILE,
        grids=out,
        absent=absent,
        fed_by=fed_by,
        notes=tuple(notes),
        read=tuple(sheets.values()),
    )


def _list_sheets(grids: Mapping[str, Grid], source_label: str) -> dict[int, str]:
    """List number -> sheet name, for Lists 6–9; two sheets for one list is an error."""
    sheets: dict[int, str] = {}
    for name in grids:
        number = list_number(name)
        if number not in LISTS:
            continue
        if number in sheets:
            raise InputError(
                f"{source_label}: both '{sheets[number]}' and '{name}' look like Annex A "
                f"List {number}. "
                "Keep one of them."
            )
        sheets[number] = name
    return dict(sorted(sheets.items()))


def _fed_by_children(sheets: Mapping[int, str]) -> str:
    if list(sheets) == list(LISTS):
        return FED_BY_CHILDREN
    numbers = [str(n) for n in sheets]
    named = numbers[0] if len(numbers) == 1 else f"{', '.join(numbers[:-1])} and {numbers[-1]}"
    return f"Annex A List{'s' if len(numbers) > 1 else ''} {named}"


# ---------------------------------------------------------------- reading one list


def _filled(raw: pd.Series) -> pd.Series:
    """True where a raw cell holds something other than blank or white space."""
    text = raw.astype("string").str.strip()
    return (raw.notna() & text.ne("")).fillna(False).astype(bool)


def _header_row(cells: pd.DataFrame, known: set[str]) -> int | None:
    """The first of the top rows naming the most known Annex A headers, if any names one."""
    best_row, best = None, 0
    for row_number, row in cells.head(HEADER_SEARCH_ROWS).iterrows():
        hits = len({header_match_key(v) for v in row[_filled(row)]} & known)
        if hits > best:
            best_row, best = int(row_number), hits
    return best_row


def _columns(headers: pd.Series, spec: ListSpec) -> dict[str, object]:
    """Field -> grid column position, the first column under one of its headers."""
    by_key: dict[str, object] = {}
    for position, header in headers[_filled(headers)].items():
        by_key.setdefault(header_match_key(header), position)
    fields = {**COMMON_FIELDS, **spec.fields}
    found = {}
    for field, keys in fields.items():
        position = next((by_key[k] for k in keys if k in by_key), None)
        if position is not None:
            found[field] = position
    return found


def _read_list(grid: Grid, spec: ListSpec, source_label: str) -> pd.DataFrame | None:
    """One list's rows as raw cells under field names, with their sheet and row; None when
    the sheet is empty. A sheet with rows but no ``Child Unique ID`` header is an error."""
    cells = grid.cells
    if cells.empty or not cells.apply(_filled).any(axis=None):
        return None
    known = {k for keys in (*COMMON_FIELDS.values(), *spec.fields.values()) for k in keys}
    header_row = _header_row(cells, known | set(OTHER_HEADERS))
    positions = _columns(cells.loc[header_row], spec) if header_row is not None else {}
    if "child_id" not in positions:
        raise InputError(
            f"{source_label}, sheet {grid.sheet}: no 'Child Unique ID' header found in the "
            f"first {HEADER_SEARCH_ROWS} rows of Annex A List {spec.number}. Check that its "
            "header row is present."
        )
    assert header_row is not None
    body = cells.loc[header_row + 1 :]
    body = body[body.apply(_filled).any(axis=1)]  # an empty row is not a record
    frame = pd.DataFrame({f: body[p] for f, p in positions.items()}, index=body.index)
    frame = frame.astype(object)
    frame[_SHEET], frame[_ROW] = grid.provenance(body.index)
    frame[_LIST] = spec.number
    frame["case_type"] = spec.case_type
    frame[_KEY] = _child_key(frame["child_id"])
    frame[_ENDED] = _has_date(frame["case_end_date"]) if "case_end_date" in frame else False
    if "personal_adviser" in frame:
        adviser = frame.pop("personal_adviser")
        worker = frame.get("allocated_worker", pd.Series(None, index=frame.index, dtype=object))
        frame["allocated_worker"] = adviser.where(_filled(adviser), worker)
    return frame


def _usable_text(raw: pd.Series) -> pd.Series:
    text = normalise.cells_to_text(raw.astype(object))
    return text.mask(normalise.excel_errors(text))


def _child_key(raw: pd.Series) -> pd.Series:
    """The child ID as the loader will read it (``9212044.0`` -> ``9212044``), to group a
    child's rows across lists; missing for a blank or ``#N/A`` ID."""
    return normalise.as_id(_usable_text(raw))[0]


def _has_date(raw: pd.Series) -> pd.Series:
    """True where the cell is a date the loader will read (blank, ``#N/A`` and text that is
    no date all count as no date, as the loader treats them)."""
    text = _usable_text(raw)
    dates, _ = normalise.as_date(raw.astype(object).where(text.notna()), text)
    return dates.notna().astype(bool)


# ---------------------------------------------------------------- children


def _choose_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per child: open before ended, then the most intensive list, then the first.

    Rows without a usable child ID stay, one each, so the loader rejects them citing their
    own sheet and row.
    """
    rank = rows[_LIST].map({n: spec.rank for n, spec in LISTS.items()})
    ordered = rows.assign(_rank=rank).sort_values([_ENDED, "_rank", _ORDER], kind="stable")
    keep = ordered[_KEY].isna() | ~ordered[_KEY].duplicated(keep="first")
    return ordered[keep].sort_values(_ORDER, kind="stable")


def _grid(frame: pd.DataFrame, columns: Sequence[str], source_label: str) -> Grid:
    return grid_from_frame(
        frame.reindex(columns=list(columns)), source_label, frame[_SHEET], frame[_ROW]
    )


# ---------------------------------------------------------------- visits


def _visits(
    rows_of_list: pd.DataFrame, prefix: str = "L7", visit_type: str = "statutory"
) -> pd.DataFrame:
    """One visit per row of a list with a child ID and a visit-date cell: List 7's are
    statutory visits; Lists 6 and 8 give each child's latest visit (``latest_visit``)."""
    if "visit_date" not in rows_of_list:
        return rows_of_list.iloc[0:0].assign(visit_id=None, visit_date=None, visit_type=None)
    rows = rows_of_list[rows_of_list[_KEY].notna() & _filled(rows_of_list["visit_date"])]
    date_text = _usable_text(rows["visit_date"])
    dates, _ = normalise.as_date(rows["visit_date"].where(date_text.notna()), date_text)
    # Dated visits are named by their date; an undated one (the loader rejects it, citing
    # the row) by its row, so the ID is unique and stable either way.
    when = dates.dt.strftime("%Y-%m-%d").fillna("row" + rows[_ROW].astype("string"))
    return rows.assign(visit_id=f"{prefix}-" + rows[_KEY] + "-" + when, visit_type=visit_type)


# ---------------------------------------------------------------- notes


def _read_note(sheets: Mapping[int, str], lists: Mapping[int, pd.DataFrame | None]) -> str:
    counts = {n: len(frame) if frame is not None else 0 for n, frame in lists.items()}
    parts = [f"List {n} ('{sheets[n]}', {LISTS[n].case_type}): {counts[n]} rows" for n in sheets]
    missing = [f"List {n}" for n in LISTS if n not in sheets]
    gone = f"; not in the workbook: {', '.join(missing)}" if missing else ""
    return "Read as Ofsted's Annex A. " + "; ".join(parts) + gone + "."


def _several_lists_note(rows: pd.DataFrame) -> list[str]:
    with_key = rows[rows[_KEY].notna()]
    lists_per_child = with_key.groupby(_KEY)[_LIST].nunique()
    rows_per_child = with_key.groupby(_KEY).size()
    notes = []
    several = int((lists_per_child > 1).sum())
    if several:
        notes.append(
            f"{several} {'child appears' if several == 1 else 'children appear'} on more "
            "than one of Lists 6–9. Each child is audited once, with the case type, team, "
            "worker and case dates of one list: an open one (no closure, end or ceased date) "
            "before an ended one, then the most intensive: in care (List 8) > child "
            "protection (List 7) > care leaver (List 9) > child in need (List 6)."
        )
    repeated = int(((rows_per_child > 1) & (lists_per_child == 1)).sum())
    if repeated:
        notes.append(
            f"{repeated} {'child appears' if repeated == 1 else 'children appear'} more than "
            "once on the same list; the open row (else the first) is used."
        )
    return notes


# The published header of each child column, for notes.
_SHOWN = {
    "date_of_birth": "Date of Birth",
    "sex": "Gender",
    "ethnicity": "Ethnicity",
    "allocated_team": "Allocated Team",
    "allocated_worker": "Allocated Worker",
}


def _gap_notes(lists: Mapping[int, pd.DataFrame | None], child_columns: Sequence[str]) -> list[str]:
    """A list without a column the children table has leaves its children blank there."""
    notes = []
    for number, frame in lists.items():
        if frame is None:
            continue
        lacking = [_SHOWN[c] for c in _SHOWN if c in child_columns and c not in frame]
        if lacking:
            named = ", ".join(f"'{h}'" for h in lacking)
            notes.append(
                f"List {number} has no {named} column: its children are read with "
                f"{'it' if len(lacking) == 1 else 'them'} blank"
                + (" (reported under Unallocated)." if "Allocated Team" in lacking else ".")
            )
    return notes


def _visit_notes(list_7: pd.DataFrame | None) -> list[str]:
    notes = [
        "Seeing the child alone is judged on List 7 only: the last statutory visit of each "
        "child on a child protection plan and whether the child was seen alone then. Earlier "
        "visits in the month are not in Annex A, so regular seeing alone is judged on that "
        "last visit.",
        "List 6 ('Date Child Was Last Seen') and List 8 ('Date of Last Social Work Visit') "
        "give a date but not whether the child was seen alone: they are read as each "
        "child's latest visit for visit timeliness (VIS01) only, never judged for seeing "
        "the child alone, which would report every one as 'seen alone not recorded' for a "
        "field Annex A does not have.",
        "Every list gives only each child's latest visit, so a visit that came late earlier "
        "in the month cannot be seen: visit timeliness reports overdue and missing visits "
        "only.",
        "Annex A does not record why a child was not seen alone, so a visit where the child "
        "was not seen alone cannot show a reason.",
    ]
    if list_7 is not None and "visit_date" in list_7:
        undated = int((list_7[_KEY].notna() & ~_filled(list_7["visit_date"])).sum())
        if undated:
            notes.append(
                f"{undated} {'child' if undated == 1 else 'children'} on List 7 "
                f"{'has' if undated == 1 else 'have'} no 'Date of the Last Statutory Visit'; "
                "no visit is read for them."
            )
    elif list_7 is not None:
        notes.append("List 7 has no 'Date of the Last Statutory Visit' column: no visits read.")
    return notes
