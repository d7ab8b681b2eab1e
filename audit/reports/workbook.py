"""Each team's action workbook: ``teams/<slug>.xlsx``, the month's not-met findings to work on.

A team manager filters the Actions sheet, writes a comment, an owner and a due date against
each finding, and keeps the Summary sheet for the figures. Everything written comes from the
team's :class:`~audit.reports.model.TeamReport`, which is already cut to that team, so the
workbook cannot show another team's children or workers unless the model does.

Every text cell is written as text (never a formula) and neutralised like the CSV files, so
a record that starts with ``=`` cannot run when the workbook is opened. The file is built in
memory (case data never lands in a temporary file) and written owner-only. Its created date
is the last day of the audit month, so the same run always gives the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import xlsxwriter

from audit.engine.runner import ERROR, RAN
from audit.errors import InputError
from audit.output import neutralise_text, open_private, private_dir
from audit.period import AuditPeriod
from audit.reports.model import TEAMS_FOLDER, Action, Overview, RuleInfo, Score, TeamReport

ACTIONS_SHEET = "Actions"
SUMMARY_SHEET = "Summary"
ACTIONS_TABLE = "TeamActions"
NO_ACTIONS = "No actions this month"
DATE_FORMAT = "dd/mm/yyyy"
_MAX_CELL_TEXT = 32_767  # Excel's limit on the characters in one cell


@dataclass(frozen=True)
class _Column:
    header: str
    width: float
    wrap: bool = False


# The HTML actions list's columns, then three for the manager to fill in.
ACTION_COLUMNS: tuple[_Column, ...] = (
    _Column("Child", 16, wrap=True),
    _Column("Worker", 22, wrap=True),
    _Column("Rule", 8),
    _Column("Check", 36, wrap=True),
    _Column("Reason", 60, wrap=True),
    _Column("Evidence date", 13),
    _Column("Where to find it", 22, wrap=True),
    _Column("Manager comment", 40, wrap=True),
    _Column("Action owner", 20, wrap=True),
    _Column("Due by", 12),
)
ACTION_HEADERS = tuple(c.header for c in ACTION_COLUMNS)
_EVIDENCE_DATE = ACTION_HEADERS.index("Evidence date")
_DUE_BY = ACTION_HEADERS.index("Due by")

# Excel's own Good / Neutral / Bad cell colours; the words are always written too, so the
# RAG never depends on seeing colour.
_RAG_COLOURS = {
    "green": ("#C6EFCE", "#006100"),
    "amber": ("#FFEB9C", "#9C5700"),
    "red": ("#FFC7CE", "#9C0006"),
}


def write_workbooks(overview: Overview, folder: Path) -> None:
    """Write ``folder/teams/<slug>.xlsx`` for every team in the overview (owner-only)."""
    _refuse_shared_files(overview.teams)
    private_dir(folder)
    private_dir(folder / TEAMS_FOLDER)
    created = created_date(overview.period)
    for team in overview.teams:
        content = workbook_bytes(overview, team, created)
        with open_private(folder / team.workbook, "wb") as fh:
            fh.write(content)


def created_date(period_label: str) -> datetime:
    """The workbook's created date: midnight on the last day of the audit month."""
    return datetime.combine(AuditPeriod.parse(period_label).end, time())


def _refuse_shared_files(teams: list[TeamReport]) -> None:
    # Two team names with one slug would write one file twice: the second team's children
    # would land in the first team's workbook.
    seen: dict[str, str] = {}
    for team in teams:
        other = seen.setdefault(team.slug, team.team)
        if other != team.team:
            raise InputError(
                f"teams {other!r} and {team.team!r} would share the report file "
                f"{team.workbook}; rename one of them in the input"
            )


def workbook_bytes(overview: Overview, team: TeamReport, created: datetime) -> bytes:
    """One team's workbook, as the bytes of an .xlsx file."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    workbook.set_properties(
        {
            "title": f"{team.team}: actions for {team.period}",
            "subject": "Case-record audit: checks not met",
            "author": "caseaudit",
            "comments": f"caseaudit {overview.version}",
            "created": created,
        }
    )
    formats = _Formats(workbook)
    _actions_sheet(workbook.add_worksheet(ACTIONS_SHEET), team, formats)
    _summary_sheet(workbook.add_worksheet(SUMMARY_SHEET), overview, team, formats)
    workbook.close()
    return buffer.getvalue()


class _Formats:
    def __init__(self, workbook: Any) -> None:
        self.plain = workbook.add_format({"valign": "top"})
        self.wrap = workbook.add_format({"valign": "top", "text_wrap": True})
        self.date = workbook.add_format({"valign": "top", "num_format": DATE_FORMAT})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.label = workbook.add_format({"bold": True, "valign": "top"})
        self.header = workbook.add_format({"bold": True, "bottom": 1, "text_wrap": True})
        self.count = workbook.add_format({"valign": "top", "num_format": "0"})
        self.percent = workbook.add_format({"valign": "top", "num_format": "0%"})
        self.note = workbook.add_format({"italic": True, "text_wrap": True, "valign": "top"})
        self.rag = {
            key: workbook.add_format({"bg_color": bg, "font_color": fg, "valign": "top"})
            for key, (bg, fg) in _RAG_COLOURS.items()
        }


def _text(sheet: Any, row: int, col: int, value: str, fmt: Any = None) -> None:
    """Write ``value`` as a text cell that cannot run as a formula."""
    text = neutralise_text(value)
    if len(text) > _MAX_CELL_TEXT:
        text = text[: _MAX_CELL_TEXT - 1] + "…"
    sheet.write_string(row, col, text, fmt)


# ---------------------------------------------------------------- actions


def _actions_sheet(sheet: Any, team: TeamReport, formats: _Formats) -> None:
    actions = [action for child in team.actions for action in child.actions]
    for col, column in enumerate(ACTION_COLUMNS):
        sheet.set_column(col, col, column.width, formats.wrap if column.wrap else formats.plain)
    # An Excel table needs a data row: with nothing to act on it keeps one empty row.
    last_row = max(len(actions), 1)
    sheet.add_table(
        0,
        0,
        last_row,
        len(ACTION_COLUMNS) - 1,
        {
            "name": ACTIONS_TABLE,
            "style": "Table Style Medium 2",
            "autofilter": True,
            "header_row": True,
            "columns": [{"header": header} for header in ACTION_HEADERS],
        },
    )
    for row, action in enumerate(actions, start=1):
        _action_row(sheet, row, action, formats)
    if not actions:
        for col, column in enumerate(ACTION_COLUMNS):
            sheet.write_blank(1, col, None, formats.wrap if column.wrap else formats.plain)
        _text(sheet, last_row + 2, 0, f"{NO_ACTIONS}.", formats.note)
    sheet.freeze_panes(1, 0)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)


def _action_row(sheet: Any, row: int, action: Action, formats: _Formats) -> None:
    texts = (
        action.child,
        action.worker,
        action.rule_code,
        action.rule_title,
        action.reason,
    )
    for col, value in enumerate(texts):
        _text(sheet, row, col, value, formats.wrap if ACTION_COLUMNS[col].wrap else formats.plain)
    evidence = _parse_date(action.evidence_date)
    if evidence is not None:
        sheet.write_datetime(row, _EVIDENCE_DATE, datetime.combine(evidence, time()), formats.date)
    elif action.evidence_date:
        _text(sheet, row, _EVIDENCE_DATE, action.evidence_date, formats.plain)
    else:
        sheet.write_blank(row, _EVIDENCE_DATE, None, formats.date)
    _text(sheet, row, _EVIDENCE_DATE + 1, action.where, formats.wrap)
    for col in range(_EVIDENCE_DATE + 2, len(ACTION_COLUMNS)):
        sheet.write_blank(row, col, None, formats.date if col == _DUE_BY else formats.wrap)


def _parse_date(text: str) -> date | None:
    """The model's ``dd/mm/yyyy`` evidence date as a date; None when blank or not a date."""
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None


# ---------------------------------------------------------------- summary

_SUMMARY_WIDTHS = (18, 48, 9, 9, 9, 12, 30)
_RULE_HEADERS = ("Rule", "Check", "Met", "Not met", "N/a", "Compliance", "RAG")


def _summary_sheet(sheet: Any, overview: Overview, team: TeamReport, formats: _Formats) -> None:
    for col, width in enumerate(_SUMMARY_WIDTHS):
        sheet.set_column(col, col, width)
    _text(sheet, 0, 0, f"{team.team}: case-record audit", formats.title)
    _text(sheet, 2, 0, "Team", formats.label)
    _text(sheet, 2, 1, team.team, formats.plain)
    _text(sheet, 3, 0, "Period", formats.label)
    _text(sheet, 3, 1, team.period, formats.plain)
    _text(sheet, 4, 0, "Overall compliance", formats.label)
    _compliance(sheet, 4, 1, team.overall, formats)
    _rag(sheet, 4, 2, team.overall, formats)
    _text(sheet, 5, 0, "Actions", formats.label)
    if team.action_count:
        sheet.write_number(5, 1, team.action_count, formats.count)
        _text(sheet, 5, 2, "checks not met: see the Actions sheet", formats.plain)
    else:
        _text(sheet, 5, 1, NO_ACTIONS, formats.plain)

    row = 7
    for col, header in enumerate(_RULE_HEADERS):
        _text(sheet, row, col, header, formats.header)
    for rule in overview.rules:
        row += 1
        _rule_row(sheet, row, rule, team.scores.get(rule.code, Score()), formats)

    row += 2
    for note in _notes(overview):
        sheet.merge_range(row, 0, row, len(_RULE_HEADERS) - 1, "", formats.note)
        _text(sheet, row, 0, note, formats.note)
        sheet.set_row(row, 30)
        row += 1
    sheet.freeze_panes(8, 0)
    sheet.set_portrait()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)


def _rule_row(sheet: Any, row: int, rule: RuleInfo, score: Score, formats: _Formats) -> None:
    _text(sheet, row, 0, rule.code, formats.plain)
    _text(sheet, row, 1, rule.title, formats.wrap)
    if rule.status != RAN:
        # The reason (which may quote an exception) is on the overview, not in team files.
        why = "failed" if rule.status == ERROR else "skipped"
        _text(sheet, row, 6, f"Not run ({why}): see the overview", formats.plain)
        return
    for col, value in enumerate((score.met, score.not_met, score.not_applicable), start=2):
        sheet.write_number(row, col, value, formats.count)
    _compliance(sheet, row, 5, score, formats)
    _rag(sheet, row, 6, score, formats)


def _compliance(sheet: Any, row: int, col: int, score: Score, formats: _Formats) -> None:
    if score.compliance is None:
        _text(sheet, row, col, "–", formats.plain)
    else:
        sheet.write_number(row, col, score.compliance, formats.percent)


def _rag(sheet: Any, row: int, col: int, score: Score, formats: _Formats) -> None:
    _text(sheet, row, col, score.rag_label, formats.rag.get(score.rag or "", formats.plain))


def _notes(overview: Overview) -> list[str]:
    return [
        "How compliance is worked out: met ÷ (met + not met). Not applicable outcomes never "
        "count, so a check with nothing to judge shows – and 'No data', never 100%.",
        f"RAG: Green at {overview.green:.0%} or above; Amber at {overview.amber:.0%} or above; "
        f"Red below {overview.amber:.0%}.",
        "The Actions sheet has one row per check not met. Use its last three columns for your "
        "comment, who will act and by when.",
        f"Produced by caseaudit engine version {overview.version}.",
    ]
