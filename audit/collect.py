"""``caseaudit collect``: read the team managers' returned action workbooks into the history.

Each workbook says on its Summary sheet whose it is and for which month. Every row of its
Actions sheet is matched by its Reference (the check and what it judged) against the actions
that team was given that month, as the history recorded them. So a team can only answer for
its own actions: a row whose reference is not one of them, whose child does not match, whose
status is not one of the four, or whose due date is not a date is rejected with its reason.

Nothing is overwritten silently: a row already collected with a different answer is left as
it was and reported, unless ``--replace`` is given. Collecting the same workbook again
changes nothing (the rows are counted as unchanged), so a re-run is safe.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from audit.errors import InputError
from audit.history import History, Returned
from audit.period import AuditPeriod
from audit.reports.workbook import (
    ACTIONS_SHEET,
    PERIOD_CELL,
    STATUSES,
    SUMMARY_SHEET,
    TEAM_CELL,
)

_NEEDED = ("Child", "Status", "Manager comment", "Action owner", "Due by")
_REFERENCE = "Reference (do not change)"


@dataclass
class Collected:
    """What one collect did, for the console and the exit code."""

    added: int = 0
    unchanged: int = 0
    replaced: int = 0
    conflicts: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # "file, row n: why"
    teams: set[str] = field(default_factory=set)

    @property
    def clean(self) -> bool:
        return not self.conflicts and not self.rejected


def collect(
    paths: Sequence[Path], period: AuditPeriod, history: History, *, replace: bool = False
) -> Collected:
    """Read each returned workbook for ``period`` and store its valid rows, all or nothing."""
    issued: dict[str, dict[tuple[str, str], str]] = {}
    result = Collected()
    rows: list[tuple[Returned, str]] = []
    if period not in history.periods():
        raise InputError(f"{period.label} has not been audited: there are no actions to collect")
    for path in paths:
        team, found = _read(path, period, result)
        if team is None:
            continue
        if team not in issued:
            issued[team] = history.action_children(period, team)
        if not issued[team]:
            result.rejected.append(f"{path}: {team!r} had no actions in {period.label}")
            continue
        for line, row in found:
            why = _invalid(row, issued[team], team, period)
            if why:
                result.rejected.append(f"{path.name}, row {line}: {why}")
            else:
                rows.append((row, path.name))
                result.teams.add(team)
    _store(rows, period, history, result, replace)
    return result


def _read(
    path: Path, period: AuditPeriod, result: Collected
) -> tuple[str | None, list[tuple[int, Returned]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        result.rejected.append(f"{path}: not an action workbook caseaudit can read ({exc})")
        return None, []
    try:
        if ACTIONS_SHEET not in book.sheetnames or SUMMARY_SHEET not in book.sheetnames:
            result.rejected.append(
                f"{path}: no '{ACTIONS_SHEET}' and '{SUMMARY_SHEET}' sheets: "
                "return the workbook caseaudit wrote, filled in"
            )
            return None, []
        summary = book[SUMMARY_SHEET]
        team = _cell_text(summary[TEAM_CELL].value)
        written_for = _cell_text(summary[PERIOD_CELL].value)
        if written_for != period.label:
            result.rejected.append(
                f"{path}: the workbook is for {written_for or 'no month'}, not {period.label}"
            )
            return None, []
        lines = book[ACTIONS_SHEET].iter_rows(values_only=True)
        header = [_cell_text(v) for v in next(lines, ())]
        missing = [h for h in (*_NEEDED, _REFERENCE) if h not in header]
        if missing:
            result.rejected.append(f"{path}: sheet {ACTIONS_SHEET} lacks {', '.join(missing)}")
            return None, []
        at = {h: header.index(h) for h in (*_NEEDED, _REFERENCE)}
        found = []
        for number, values in enumerate(lines, start=2):
            cells = list(values)
            reference = _cell_text(_at(cells, at[_REFERENCE]))
            if not reference and not any(_cell_text(v) for v in cells):
                continue  # an empty row, as Excel tables keep
            rule_code, _, subject_id = reference.partition(" ")
            due = _at(cells, at["Due by"])
            found.append(
                (
                    number,
                    Returned(
                        team=team,
                        rule_code=rule_code,
                        subject_id=subject_id,
                        child=_cell_text(_at(cells, at["Child"])),
                        status=_cell_text(_at(cells, at["Status"])) or "Open",
                        owner=_cell_text(_at(cells, at["Action owner"])),
                        due_by=_due(due),
                        comment=_cell_text(_at(cells, at["Manager comment"])),
                    ),
                )
            )
            if due not in (None, "") and found[-1][1].due_by is None:
                found[-1] = (number, _bad_date(found[-1][1], due))
        return team, found
    finally:
        book.close()


_BAD_DATE = "\0bad date\0"


def _bad_date(row: Returned, value: Any) -> Returned:
    return Returned(**{**row.__dict__, "due_by": _BAD_DATE + str(value)})


def _invalid(
    row: Returned, issued: dict[tuple[str, str], str], team: str, period: AuditPeriod
) -> str | None:
    child = issued.get((row.rule_code, row.subject_id))
    if child is None:
        reference = f"{row.rule_code} {row.subject_id}".strip() or "(blank)"
        return f"reference {reference!r} is not one of {team}'s actions for {period.label}"
    if row.child != child:
        return f"the child was changed to {row.child!r}; the action is about {child}"
    if row.status not in STATUSES:
        return f"status {row.status!r} is not one of {', '.join(STATUSES)}"
    if row.due_by is not None and row.due_by.startswith(_BAD_DATE):
        return f"Due by {row.due_by[len(_BAD_DATE) :]!r} is not a date (type it as 31/12/2026)"
    if row.status == "Disputed" and not row.comment:
        return "Disputed needs the reason in Manager comment, for the QA lead"
    return None


def _store(
    rows: list[tuple[Returned, str]],
    period: AuditPeriod,
    history: History,
    result: Collected,
    replace: bool,
) -> None:
    conn = history.connection
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with history.transaction():
        for row, source in rows:
            key = (period.label, row.team, row.rule_code, row.subject_id)
            before = conn.execute(
                "SELECT status, owner, due_by, comment, source FROM action_returns "
                "WHERE period = ? AND team = ? AND rule_code = ? AND subject_id = ?",
                key,
            ).fetchone()
            answer = (row.status, row.owner, row.due_by, row.comment)
            if before is not None and tuple(before[:4]) == answer:
                result.unchanged += 1
                continue
            if before is not None and not replace:
                result.conflicts.append(
                    f"{source}: {row.rule_code} {row.subject_id} (child {row.child}) was already "
                    f"collected from {before[4]} as {before[0]}; now {row.status}. Kept the "
                    "first; collect with --replace to take the new answer"
                )
                continue
            conn.execute(
                "INSERT OR REPLACE INTO action_returns (period, team, rule_code, subject_id, "
                "child, status, owner, due_by, comment, source, collected_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*key, row.child, *answer, source, now),
            )
            if before is None:
                result.added += 1
            else:
                result.replaced += 1


def _at(cells: list[Any], index: int) -> Any:
    return cells[index] if index < len(cells) else None


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _due(value: Any) -> str | None:
    """A due date from its cell: a date cell, or day-first text; None when blank or not."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = _cell_text(value)
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    return None
