"""What became of last month's actions: the loop from report to workbook and back.

For each team, the actions it was given in the previous audited month are set against what
its manager returned (``caseaudit collect``) and against this month's findings: which were
done and whether the record now passes the check, which were disputed and why (for the QA
lead), and which are overdue (open or in progress past their due date at this month's end).
A team that returned nothing is shown as such, never as if all were well. Everything comes
from that team's own rows of the history, so a team sees only its own.
"""

from __future__ import annotations

from audit.history import History
from audit.reports.model import (
    NOT_JUDGED,
    NOW_PASSES,
    STILL_NOT_MET,
    FollowItem,
    FollowUp,
    Overview,
)
from audit.results import AuditRun
from audit.rulekit import MET, NOT_MET


def add_follow_up(overview: Overview, run: AuditRun, history: History) -> None:
    previous = history.previous_period(overview.period)
    if previous is None:
        return
    findings = run.findings
    outcome: dict[tuple[str, str, str], str] = {}
    if not findings.empty:
        judged = findings[findings["outcome"].isin([MET, NOT_MET])]
        # NOT_MET wins when a subject was judged twice: the record is not yet right.
        judged = judged.sort_values("outcome", key=lambda o: o == NOT_MET)
        for team, rule, subject, result in zip(
            judged["team"].astype(str),
            judged["rule_code"].astype(str),
            judged["subject_id"].astype(str),
            judged["outcome"].astype(str),
            strict=True,
        ):
            outcome[(team, rule, subject)] = result
    titles = {r.code: r.title.rstrip(".") for r in overview.rules}
    as_at = run.period.as_at.isoformat()
    for team in overview.teams:
        given = history.action_children(previous, team.team)
        returned = history.returns(previous, team.team)
        follow = FollowUp(previous, len(given), len(returned))
        for row in returned:
            result = outcome.get((team.team, row.rule_code, row.subject_id))
            item = FollowItem(
                child=row.child,
                check=titles.get(row.rule_code, row.rule_code),
                rule_code=row.rule_code,
                status=row.status,
                owner=row.owner,
                due_by=_day_first(row.due_by),
                comment=row.comment,
                now=NOW_PASSES if result == MET else STILL_NOT_MET if result else NOT_JUDGED,
            )
            if row.status == "Done":
                follow.done.append(item)
            elif row.status == "Disputed":
                follow.disputed.append(item)
            elif row.due_by and row.due_by < as_at:
                follow.overdue.append(item)
            else:
                follow.in_hand += 1
        team.follow_up = follow


def _day_first(iso: str | None) -> str:
    return "" if not iso else f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"
