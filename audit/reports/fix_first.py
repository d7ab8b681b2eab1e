"""Which records a team should put right first, and the order of its action list.

A manager with forty actions needs to know which five matter most. A child comes first
when a statutory visit is overdue or none is recorded (a child not seen is the most urgent
thing a case-record audit can find; a visit that was late but has since happened is not
urgent and weighs as being seen does), then the more and the more serious their failures,
a failure still not met since an earlier month counting twice (it was reported and not
put right).
"Serious" is by the Ofsted recommendation a check answers: being seen, seen alone and
interviewed after going missing outweigh a missing ethnicity code. A check this list does
not know weighs as a middling one.

Each action carries the month it was first not met, found in the history's record of the
previous audited month's actions: the same check on the same subject (visit, child,
worker), for the same team.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from audit.period import AuditPeriod
from audit.reports.model import Action, ChildActions, Overview, TeamReport
from audit.reports.wording import plain

if TYPE_CHECKING:
    from audit.history import History

FIX_FIRST_CHILDREN = 5

# Overdue statutory visits go above everything else: (check, reason) -> the flag's words.
URGENT = {
    ("VIS01", "visit_overdue"): "Statutory visit overdue",
    ("VIS01", "no_visit_recorded"): "No statutory visit recorded",
}
# By recommendation (see audit.reports.model.RECOMMENDATIONS): how much a failure weighs.
SERIOUSNESS = {
    "xi": 5,  # children seen, and seen alone
    "v": 5,  # return interviews after going missing
    "x": 4,  # CAMHS referrals on time
    "ix": 4,  # plans updated after a significant change
    "iii": 3,  # supervision
    "ii": 3,  # the child's views acted on
    "vii": 2,  # IRO caseloads
    "i": 1,  # identity recorded
}
_DEFAULT_SERIOUSNESS = 3
_URGENT_WEIGHT = 100  # above every seriousness


@dataclass(frozen=True)
class FixItem:
    """One child at the top of the list, with the failure that put them there."""

    child: str
    worker: str
    check: str  # the check in words
    rule_code: str
    reason: str
    actions: int  # how many checks this child's records did not meet
    since: AuditPeriod  # the earliest month one of them was first not met
    urgent: bool  # an overdue statutory visit, or none recorded
    flag: str = ""  # which, in words

    def outstanding(self, period: AuditPeriod) -> bool:
        return self.since < period


def prioritise(overview: Overview, history: History | None) -> None:
    """Give every action its first-seen month and order each team's actions by priority."""
    previous = history.previous_period(overview.period) if history is not None else None
    before = history.actions_of(previous) if history is not None and previous else {}
    period = overview.period
    weight = _weights(overview)
    for team in overview.teams:
        ranked = []
        for child in team.actions:
            weighed = []
            for action in child.actions:
                since = before.get((team.team, action.rule_code, action.subject_id), period)
                if action.since is not since and action.since != since:
                    action = _with_since(action, since)
                weighed.append((weight(action), action))
            weighed.sort(
                key=lambda wa: (-wa[0], wa[1].since or period, wa[1].rule_code, _dated(wa[1]))
            )
            # An urgent action outweighs every other, so it is first when the child has one.
            urgent = weighed[0][0] == _URGENT_WEIGHT
            # A failure left from an earlier month counts twice: it was seen and not put right.
            total = sum(w * (2 if _earlier(a.since, period) else 1) for w, a in weighed)
            order = (-int(urgent), -total, -len(weighed), child.child)
            ranked.append((order, ChildActions(child.child, tuple(a for _w, a in weighed))))
        ranked.sort(key=lambda r: r[0])
        team.actions = [child for _order, child in ranked]


def _earlier(since: AuditPeriod | None, period: AuditPeriod) -> bool:
    """Whether an action was first seen before ``period``. Nearly every action was first
    seen this month and holds the very same period, which is told apart without comparing
    dates (at 100,000 children, a third of a second of the reports' serial start)."""
    return since is not None and since is not period and since < period


def _with_since(action: Action, since: AuditPeriod) -> Action:
    """``replace(action, since=since)`` without replace's checks on every call: a region's
    overview has hundreds of thousands of actions."""
    return Action(**{**vars(action), "since": since})


def _dated(action: Action) -> tuple[bool, str]:
    """The evidence date (``dd/mm/yyyy``) in date order, the undated last: an older visit
    before a newer one, not 02/10 before 28/09 as the text sorts."""
    day = action.evidence_date
    return (not day, f"{day[6:]}{day[3:5]}{day[:2]}")


def fix_first(team: TeamReport, limit: int = FIX_FIRST_CHILDREN) -> list[FixItem]:
    """The first children of the (already prioritised) action list, one line each."""
    items = []
    for child in team.actions[:limit]:
        top = child.actions[0]
        flags = [flag for a in child.actions if (flag := urgency(a))]
        items.append(
            FixItem(
                child=child.child,
                worker=top.worker,
                check=top.rule_title.rstrip("."),
                rule_code=top.rule_code,
                reason=plain(top.reason),
                actions=len(child.actions),
                since=min(a.since or team.period for a in child.actions),
                urgent=bool(flags),
                flag=flags[0] if flags else "",
            )
        )
    return items


def new_and_outstanding(team: TeamReport) -> tuple[int, int]:
    """How many of the team's actions are new this month, and how many carried over."""
    actions = [a for child in team.actions for a in child.actions]
    outstanding = sum(1 for a in actions if a.since and a.since < team.period)
    return len(actions) - outstanding, outstanding


def urgency(action: Action) -> str:
    """The words for an overdue statutory visit, or "" when the action is not one."""
    return URGENT.get((action.rule_code, action.reason_code), "")


def _weights(overview: Overview) -> Callable[[Action], int]:
    """How much an action weighs, worked out once per check and reason."""
    recommendation = {r.code: r.recommendation for r in overview.rules}
    known: dict[tuple[str, str], int] = {}

    def weight(action: Action) -> int:
        key = (action.rule_code, action.reason_code)
        if key not in known:
            known[key] = (
                _URGENT_WEIGHT
                if key in URGENT
                else SERIOUSNESS.get(recommendation.get(action.rule_code, ""), _DEFAULT_SERIOUSNESS)
            )
        return known[key]

    return weight
