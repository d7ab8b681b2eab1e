"""What the reports show: plain data, no markup.

The organisation overview and each team's report and workbook are rendered from these
objects, which :mod:`audit.reports.build` makes from an audit run (and ``overview.json``
keeps for ``caseaudit send``). The scores in them are the run's results
(:mod:`audit.results`), re-exported here for the report writers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from audit import __version__
from audit.engine.runner import RAN
from audit.history import ActionRecord
from audit.period import AuditPeriod
from audit.results import (
    RAG_LABELS,
    TOO_FEW_LABEL,
    Score,
    Thresholds,
    TrendPoint,
    combined,
    whole_percent,
)

# The run's results the report writers use, re-exported beside the reports' own types.
__all__ = [
    "RAG_LABELS",
    "TOO_FEW_LABEL",
    "Score",
    "Thresholds",
    "TrendPoint",
    "whole_percent",
]

TREND_MONTHS = 6

OTHER_TEAM_WORKER = "worker in another team"
OTHER_TEAM_CHILD = "child in another team"


# A team's name across a region (audit.region): "Larkmere / Children in Care North".
REGION_TEAM_SEPARATOR = " / "


def region_team(authority: str, team: str) -> str:
    """A team's name across the region: ``Larkmere / Children in Care North``."""
    return f"{authority}{REGION_TEAM_SEPARATOR}{team}"


# The month's folder holds index.html and, per team, teams/<slug>.html and teams/<slug>.xlsx.
TEAMS_FOLDER = "teams"


def team_path(slug: str, suffix: str) -> str:
    """A team's file inside the month's folder, as a relative path and link: ``teams/x.html``."""
    return f"{TEAMS_FOLDER}/{slug}{suffix}"


SLUG_MAX = 60  # far below the 255 bytes a file name may have, leaving room for "-2.xlsx"


def slug(team: str) -> str:
    """A file name for a team: ``Assessment North`` -> ``assessment-north``, at most
    ``SLUG_MAX`` characters (``_team_slugs`` keeps two cut names apart)."""
    ascii_name = unicodedata.normalize("NFKD", team).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return plain[:SLUG_MAX].rstrip("-") or "team"


@dataclass(frozen=True)
class RuleInfo:
    code: str
    name: str
    title: str
    recommendation: str
    status: str  # RAN / SKIPPED / ERROR
    reason: str | None
    doc: str
    params: tuple[tuple[str, Any, str], ...]  # (name, value in force, description)
    fed_by: tuple[str, ...] = ()  # where the data the rule read came from


@dataclass(frozen=True)
class Action:
    """One not-met finding, as a manager acts on it."""

    child: str
    worker: str
    rule_code: str
    rule_title: str
    reason: str
    reason_code: str
    evidence_date: str
    where: str
    subject_id: str = ""  # what the check judged (visit, child, ...): stable month to month
    since: AuditPeriod | None = None  # the first audited month it was not met, to this one

    @property
    def key(self) -> tuple[str, str]:
        """Identifies the same action in another month's report and in a returned workbook."""
        return (self.rule_code, self.subject_id)


@dataclass(frozen=True)
class ChildActions:
    child: str
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class DataQualityRow:
    table: str
    source: str
    row: int
    kind: str
    column: str
    detail: str
    value: str = ""  # the cell as written, so a manager can see what was wrong
    child: str = ""  # the child the row is about (always one of the team's own)


# What a returned action's record shows this month (audit.reports.follow_up).
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
    period: AuditPeriod  # the month the actions were given
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


# The checks whose findings the reports show in their own sections as well.
SUPERVISION_RULE, ALLOCATED_RULE, CASELOAD_RULE = "SUP02", "IRO01", "IRO02"
# What a worker's supervision record shows this month (from SUP02's findings), in words.
SUPERVISION_WORDS = {
    "met": "On time",
    "supervision_overdue": "Overdue",
    "no_supervision_recorded": "None recorded",
    "supervision_late_in_period": "Late this month",
}


@dataclass(frozen=True)
class IroCaseload:
    """One independent reviewing officer's caseload, as IRO02 judged it."""

    iro: str  # as the reports may name them (name or ID)
    team: str
    children: str  # figures as the check wrote them; "" when its wording was not recognised
    fte: str
    per_fte: str
    limit: str
    above: bool  # more children per full-time equivalent than the limit
    note: str = ""  # e.g. an implausible FTE judged at 1.0, or the check's words as written


@dataclass(frozen=True)
class IroContact:
    """A looked-after child's last visit or contact from their IRO, as the input records it
    (Annex A List 8). Shown for information: no check judges it."""

    child: str
    last_contact: str  # dd/mm/yyyy, or "" when none is recorded
    days: int | None  # days before the month's last day; None when none recorded or after it


@dataclass(frozen=True)
class IroContactSummary:
    """One team's looked-after children's last IRO contact, for the overview (no child named)."""

    team: str
    children: int  # open looked-after children
    not_recorded: int  # of them, without a last IRO contact date
    longest: str  # the earliest last-contact date (dd/mm/yyyy), "" when none is recorded
    longest_days: int | None  # its days before the month's last day
    page: str = ""  # the team's report, where its children are listed


@dataclass
class TeamReport:
    team: str
    slug: str
    period: AuditPeriod
    scores: dict[str, Score]  # by rule code
    recommendation_scores: dict[str, Score]
    overall: Score
    workers: list[tuple[str, dict[str, Score]]]
    actions: list[ChildActions]
    data_quality: list[DataQualityRow]
    # Per rule: the last audited months ending with this one, oldest first, gaps as None.
    trends: dict[str, list[TrendPoint]] = field(default_factory=dict)
    # Per rule: (the month compared with, compliance change in percentage points) or None.
    changes: dict[str, tuple[AuditPeriod, float] | None] = field(default_factory=dict)
    # The team's overall figure in the last audited month before this one, if any.
    previous_overall: TrendPoint | None = None
    # What became of the previous audited month's actions (audit.reports.follow_up).
    follow_up: FollowUp | None = None
    # Worker (as the team sees them) -> supervision status in words (SUPERVISION_WORDS).
    supervision: dict[str, str] = field(default_factory=dict)
    # Its looked-after children's last IRO contact, no date first then the longest ago;
    # None when the input records no such date (only Annex A List 8 does).
    iro_contacts: list[IroContact] | None = None
    # In a region (audit.region): the team's authority; ``team`` is then "authority / team".
    authority: str = ""

    @property
    def own_name(self) -> str:
        """The team's name in its own authority (``team`` without the region's prefix)."""
        return (
            self.team.removeprefix(region_team(self.authority, "")) if self.authority else self.team
        )

    @property
    def page(self) -> str:
        """The team's report: ``teams/<slug>.html`` in the month's folder."""
        return team_path(self.slug, ".html")

    @property
    def workbook(self) -> str:
        """The team's action workbook: ``teams/<slug>.xlsx`` in the month's folder."""
        return team_path(self.slug, ".xlsx")

    @property
    def action_count(self) -> int:
        return sum(len(c.actions) for c in self.actions)


@dataclass
class Overview:
    period: AuditPeriod
    teams: list[TeamReport]
    rules: list[RuleInfo]
    rule_totals: dict[str, Score]
    recommendation_totals: dict[str, Score]
    load_summary: list[dict[str, Any]]
    rejection_reasons: list[tuple[str, str, int]]  # (table, reason, rows)
    thresholds: Thresholds
    show_names: bool
    version: str = __version__
    generated: str = ""
    source: str = ""  # how the input was read: "Ofsted Annex A", "caseaudit tables", ...
    # Per recommendation, the whole organisation, oldest first, gaps as None.
    org_trends: dict[str, list[TrendPoint]] = field(default_factory=dict)
    # Code -> title of the recommendations the rules check, from the rules' catalogue.
    recommendations: dict[str, str] = field(default_factory=dict)
    # All teams' overall figure in the last audited month before this one, if any.
    previous_overall: TrendPoint | None = None
    return_to: str = ""  # to whom the action workbooks go back (the QA leads' addresses)
    iro_caseloads: list[IroCaseload] = field(default_factory=list)  # from IRO02
    # Per team, the looked-after children's last IRO contact; None when the input has none.
    iro_contacts: list[IroContactSummary] | None = None
    # In a region (audit.region): its authorities, in order; empty for one authority.
    authorities: list[str] = field(default_factory=list)

    def teams_of(self, authority: str) -> list[TeamReport]:
        """One authority's teams, in the overview's order."""
        return [t for t in self.teams if t.authority == authority]

    def authority_overall(self, authority: str) -> Score:
        """One authority's overall figure: every check over all its teams."""
        return combined((t.overall for t in self.teams_of(authority)), self.thresholds)

    @property
    def green(self) -> float:
        return self.thresholds.green

    @property
    def amber(self) -> float:
        return self.thresholds.amber

    @property
    def min_judged(self) -> int:
        return self.thresholds.min_judged

    def rule(self, code: str) -> RuleInfo:
        return next(r for r in self.rules if r.code == code)

    @property
    def ran(self) -> list[RuleInfo]:
        return [r for r in self.rules if r.status == RAN]

    @property
    def not_ran(self) -> list[RuleInfo]:
        return [r for r in self.rules if r.status != RAN]

    @property
    def used_recommendations(self) -> list[str]:
        return [k for k in self.recommendations if any(r.recommendation == k for r in self.rules)]


def action_records(overview: Overview) -> list[ActionRecord]:
    """Every action the teams were given this month, as the history keeps them."""
    return [
        (team.team, a.rule_code, a.subject_id, a.child, a.since)
        for team in overview.teams
        for child in team.actions
        for a in child.actions
    ]


def points_change(now: Score | None, then: Score | None, min_judged: int) -> float | None:
    """The change in percentage points between two printed figures (so it agrees with them);
    None when either month has no figure or too few judged records to compare fairly."""
    if now is None or then is None or now.whole is None or then.whole is None:
        return None
    if min(now.judged, then.judged) < min_judged:
        return None
    return float(now.whole - then.whole)
