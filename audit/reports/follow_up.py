"""What became of last month's actions: the loop from report to workbook and back.

For each team, the actions it was given in the previous audited month are set against what
its manager returned (``caseaudit collect``) and against this month's findings: which were
done and whether the record now passes the check, which were disputed and why (for the QA
lead), and which are overdue (open or in progress past their due date at this month's end).
A team that returned nothing is shown as such, never as if all were well. Everything comes
from that team's own rows of the history, so a team sees only its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from audit.rulekit import MET, NOT_MET

if TYPE_CHECKING:
    from audit.history import History
    from audit.reports.model import Overview
    from audit.run import AuditRun

NOW_PASSES, STILL_NOT_MET, NOT_JUDGED = "now passes", "still not met", "not judged this month"


@dataclass(frozen=True)
class FollowItem:
    child: str
    check: str  # in words
    rule_code: str
    status: str
    owner: str
    due_by: str  # dd/mm/yyyy or ""
    comment: str
    now: str  # NOW_PASSES, STILL_NOT_MET or NOT_JUDGED


@dataclass
class FollowUp:
    period: str  # the month the actions were given (YYYY-MM)
    given: int  # how many actions the team was given that month
    returned: int  # how many rows of its workbook were collected
    done: list[FollowItem] = field(default_factory=list)
    disputed: list[FollowItem] = field(default_factory=list)
    overdue: list[FollowItem] = field(default_factory=list)
    in_hand: int = 0  # open or in progress, not yet due

    @property
    def done_passing(self) -> int:
        return sum(1 for item in self.done if item.now == NOW_PASSES)

    @property
    def summary(self) -> str:
        """``3 done (2 now pass), 1 disputed, 1 overdue, 2 in hand``, or why there is none."""
        if not self.given:
            return "no actions to return"
        if not self.returned:
            return "not returned"
        return (
            f"{len(self.done)} done ({self.done_passing} now pass), "
            f"{len(self.disputed)} disputed, {len(self.overdue)} overdue, {self.in_hand} in hand"
        )


def add_follow_up(overview: Overview, run: AuditRun, history: History) -> None:
    from audit.collect import returns_of

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
        returned = returns_of(history, previous, team.team)
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
