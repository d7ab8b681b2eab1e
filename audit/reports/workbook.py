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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any

import xlsxwriter

from audit.engine.runner import ERROR, RAN
from audit.errors import InputError
from audit.output import neutralise_text, open_private, private_dir
from audit.period import AuditPeriod
from audit.progress import Progress, no_progress
from audit.reports.html import kind_label
from audit.reports.model import TEAMS_FOLDER, Action, Overview, RuleInfo, Score, TeamReport
from audit.reports.parallel import rendered_in_order
from audit.reports.wording import column_words, fields_in_words, plain

ACTIONS_SHEET = "Actions"
SUMMARY_SHEET = "Summary"
DATA_QUALITY_SHEET = "Data quality"
STATUSES = ("Open", "In progress", "Done", "Disputed")
# The Summary cells that say whose workbook this is; ``caseaudit collect`` reads them back.
TEAM_CELL, PERIOD_CELL = "B3", "B4"
ACTIONS_TABLE = "TeamActions"
NO_ACTIONS = "No actions this month"
DATE_FORMAT = "dd/mm/yyyy"
_MAX_CELL_TEXT = 32_767  # Excel's limit on the characters in one cell


@dataclass(frozen=True)
class _Column:
    header: str
    width: float
    wrap: bool = False


# The HTML actions list's columns (in its priority order), then four for the manager to fill
# in, then the reference ``caseaudit collect`` matches the returned row by.
ACTION_COLUMNS: tuple[_Column, ...] = (
    _Column("Child", 16, wrap=True),
    _Column("Worker", 22, wrap=True),
    _Column("Check", 36, wrap=True),
    _Column("Rule", 8),
    _Column("Reason", 60, wrap=True),
    _Column("Outstanding since", 16),
    _Column("Evidence date", 13),
    _Column("Where to find it", 22, wrap=True),
    _Column("Status", 13),
    _Column("Manager comment", 40, wrap=True),
    _Column("Action owner", 20, wrap=True),
    _Column("Due by", 12),
    _Column("Reference (do not change)", 24),
)
ACTION_HEADERS = tuple(c.header for c in ACTION_COLUMNS)
_SINCE = ACTION_HEADERS.index("Outstanding since")
_EVIDENCE_DATE = ACTION_HEADERS.index("Evidence date")
_STATUS = ACTION_HEADERS.index("Status")
_DUE_BY = ACTION_HEADERS.index("Due by")
_REFERENCE = ACTION_HEADERS.index("Reference (do not change)")


def reference(action: Action) -> str:
    """The returned row's key: the check and what it judged, e.g. ``SEE01 V1234``."""
    return f"{action.rule_code} {action.subject_id}"


def return_by(period: AuditPeriod) -> date:
    """When the filled-in workbook goes back: the 15th of the month after the next, so a
    report sent on the first working day of the next month leaves about six weeks."""
    end = period.end
    year, month = (end.year, end.month + 2) if end.month <= 10 else (end.year + 1, end.month - 10)
    return date(year, month, 15)


# Excel's own Good / Neutral / Bad cell colours; the words are always written too, so the
# RAG never depends on seeing colour.
_RAG_COLOURS = {
    "green": ("#C6EFCE", "#006100"),
    "amber": ("#FFEB9C", "#9C5700"),
    "red": ("#FFC7CE", "#9C0006"),
}


def write_workbooks(
    overview: Overview,
    folder: Path,
    progress: Progress = no_progress,
    meanwhile: Callable[[], object] | None = None,
) -> None:
    """Write ``folder/teams/<slug>.xlsx`` for every team in the overview (owner-only).
    ``meanwhile``: other work of the caller's, done while the workbooks are made (see
    :func:`~audit.reports.parallel.rendered_in_order`)."""
    books = TeamWorkbooks.prepare(overview, folder)
    contents = rendered_in_order(books.render, overview.teams, meanwhile)
    for done, (team, content) in enumerate(zip(overview.teams, contents, strict=True), 1):
        progress(f"Writing action workbook: {team.team}", done, len(overview.teams))
        books.write(team, content)


@dataclass(frozen=True)
class TeamWorkbooks:
    """The month's action workbooks: a workbook per team, made and written."""

    overview: Overview
    folder: Path
    created: datetime

    @classmethod
    def prepare(cls, overview: Overview, folder: Path) -> TeamWorkbooks:
        _refuse_shared_files(overview.teams)
        private_dir(folder)
        private_dir(folder / TEAMS_FOLDER)
        return cls(overview, folder, created_date(overview.period))

    def render(self, team: TeamReport) -> bytes:
        return workbook_bytes(self.overview, team, self.created)

    def write(self, team: TeamReport, content: bytes) -> None:
        with open_private(self.folder / team.workbook, "wb") as fh:
            fh.write(content)


def created_date(period: AuditPeriod) -> datetime:
    """The workbook's created date: midnight on the last day of the audit month."""
    return datetime.combine(period.end, time())


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
            "title": f"{team.team}: actions for {team.period.label}",
            "subject": "Case-record audit: checks not met",
            "author": "caseaudit",
            "comments": f"caseaudit {overview.version}",
            "created": created,
        }
    )
    formats = _Formats(workbook)
    _actions_sheet(workbook.add_worksheet(ACTIONS_SHEET), team, formats)
    _summary_sheet(workbook.add_worksheet(SUMMARY_SHEET), overview, team, formats)
    _data_quality_sheet(workbook.add_worksheet(DATA_QUALITY_SHEET), team, formats)
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
    # Each column's format is the column's own, so an empty cell a manager types into (a
    # comment, an owner, a due date) takes it without a blank cell written for every row.
    for col, column in enumerate(ACTION_COLUMNS):
        sheet.set_column(col, col, column.width, _column_format(col, column, formats))
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
        _action_row(sheet, row, action, team.period, formats)
    # The manager's columns: a status from the list and a real date, checked as typed.
    sheet.data_validation(
        1,
        _STATUS,
        last_row,
        _STATUS,
        {
            "validate": "list",
            "source": list(STATUSES),
            "error_title": "Status",
            "error_message": "Choose Open, In progress, Done or Disputed.",
        },
    )
    sheet.data_validation(
        1,
        _DUE_BY,
        last_row,
        _DUE_BY,
        {
            "validate": "date",
            "criteria": "between",
            "minimum": date(2000, 1, 1),
            "maximum": date(2100, 12, 31),
            "input_title": "Due by",
            "input_message": "A date, day first: 31/12/2026.",
            "error_title": "Due by",
            "error_message": "Type a date, day first, such as 31/12/2026.",
        },
    )
    if not actions:
        _text(sheet, last_row + 2, 0, f"{NO_ACTIONS}.", formats.note)
    sheet.freeze_panes(1, 0)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)


def _column_format(col: int, column: _Column, formats: _Formats) -> Any:
    if col in (_EVIDENCE_DATE, _DUE_BY):
        return formats.date
    return formats.wrap if column.wrap else formats.plain


def _action_row(
    sheet: Any, row: int, action: Action, period: AuditPeriod, formats: _Formats
) -> None:
    texts = (
        action.child,
        action.worker,
        action.rule_title.rstrip("."),
        action.rule_code,
        plain(action.reason),
        action.since.month_name if action.since and action.since < period else "New this month",
    )
    for col, value in enumerate(texts):
        _text(sheet, row, col, value, formats.wrap if ACTION_COLUMNS[col].wrap else formats.plain)
    evidence = _parse_date(action.evidence_date)
    if evidence is not None:
        sheet.write_datetime(row, _EVIDENCE_DATE, datetime.combine(evidence, time()), formats.date)
    elif action.evidence_date:
        _text(sheet, row, _EVIDENCE_DATE, action.evidence_date, formats.plain)
    _text(sheet, row, _EVIDENCE_DATE + 1, action.where, formats.wrap)
    _text(sheet, row, _STATUS, "Open", formats.plain)
    _text(sheet, row, _REFERENCE, reference(action), formats.plain)


@lru_cache(maxsize=8192)  # a team's actions share a few hundred dates; strptime is slow
def _parse_date(text: str) -> date | None:
    """The model's ``dd/mm/yyyy`` evidence date as a date; None when blank or not a date."""
    try:
        return datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None


# ---------------------------------------------------------------- summary

_SUMMARY_WIDTHS = (18, 48, 9, 9, 9, 12, 30, 60)
_RULE_HEADERS = ("Rule", "Check", "Met", "Not met", "N/a", "Compliance", "RAG", "Note")


def _summary_sheet(sheet: Any, overview: Overview, team: TeamReport, formats: _Formats) -> None:
    for col, width in enumerate(_SUMMARY_WIDTHS):
        sheet.set_column(col, col, width)
    _text(sheet, 0, 0, f"{team.team}: case-record audit", formats.title)
    _text(sheet, 2, 0, "Team", formats.label)
    _text(sheet, 2, 1, team.team, formats.plain)
    _text(sheet, 3, 0, "Period", formats.label)
    _text(sheet, 3, 1, team.period.label, formats.plain)
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
    if rule.status == ERROR:
        # The reason (which may quote an exception) is on the overview, not in team files.
        _text(sheet, row, 6, "Not run (failed): see the overview", formats.plain)
        return
    if rule.status != RAN:
        # Skipped: the input's own reason (what the source does not hold), as every report.
        why = fields_in_words(rule.reason) if rule.reason else "see the overview"
        _text(sheet, row, 6, f"Not run (skipped): {why}", formats.wrap)
        return
    for col, value in enumerate((score.met, score.not_met, score.not_applicable), start=2):
        sheet.write_number(row, col, value, formats.count)
    _compliance(sheet, row, 5, score, formats)
    _rag(sheet, row, 6, score, formats)
    if rule.reason:  # ran, but judged only part of its standard on this input (VIS01, Annex A)
        _text(sheet, row, 7, f"Checked in part: {fields_in_words(rule.reason)}", formats.wrap)


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
        "The Actions sheet has one row per check not met, the most urgent first. Set its Status "
        "(Open, In progress, Done, or Disputed with your reason in Manager comment), who will "
        "act and by when. Leave the Reference column as it is: it matches your answer to the "
        "record.",
        f"Return this workbook to {overview.return_to or 'your QA lead'} by "
        f"{return_by(overview.period):%d/%m/%Y}. Next month's report shows what was done, "
        "disputed and overdue.",
        f"Produced by caseaudit engine version {overview.version}.",
    ]


# ---------------------------------------------------------------- data quality

_DQ_COLUMNS = (
    _Column("Child", 16),
    _Column("Where to find it", 30, wrap=True),
    _Column("Column", 22),
    _Column("Value as written", 24, wrap=True),
    _Column("Problem", 34, wrap=True),
    _Column("What the audit did", 50, wrap=True),
)


def _data_quality_sheet(sheet: Any, team: TeamReport, formats: _Formats) -> None:
    """Problems in the rows about this team's children, each with its sheet and row."""
    for col, column in enumerate(_DQ_COLUMNS):
        sheet.set_column(col, col, column.width, formats.wrap if column.wrap else formats.plain)
        _text(sheet, 0, col, column.header, formats.header)
    for row, d in enumerate(team.data_quality, start=1):
        values = (
            d.child,
            f"{d.source}, row {d.row}",
            column_words(d.column),
            d.value,
            kind_label(d.kind),
            d.detail,
        )
        for col, value in enumerate(values):
            _text(sheet, row, col, value, formats.wrap)
    if not team.data_quality:
        _text(sheet, 1, 0, "No data-quality problems in this team's rows.", formats.note)
    sheet.freeze_panes(1, 0)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
