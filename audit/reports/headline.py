"""The headline a manager reads first: the figure, its band, the change since the last
audited month and how many checks the figure covers.

One wording for the team page, the overview and the email, so the three never disagree.
The change is the difference between the two printed whole percentages, so "88%" after
"92%" is always "down 4 points". A month with too few judged records is not compared:
a swing of 50 points on two records says nothing about the team. The arrows are not the
RAG symbols (the Amber band is a triangle), and they always sit beside the words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from audit.period import AuditPeriod
from audit.reports.model import Overview, RuleInfo, Score, TeamReport, TrendPoint

UP, DOWN = "↑", "↓"


@dataclass(frozen=True)
class Headline:
    score: Score
    arrow: str  # UP, DOWN or ""
    change: str  # "down 4 points since September 2026", or why there is no comparison
    scope: str  # "across the 3 checks your data supports", or "across all 12 checks"
    points: float | None = None  # the change in points, when there is one to report

    @property
    def figure(self) -> str:
        """``88%``; with too few records the count instead; ``no data`` with nothing judged."""
        if self.score.compliance is None:
            return "no data"
        if self.score.too_few:
            return f"{self.score.met} of {self.score.judged} met"
        return self.score.percent

    @property
    def rated(self) -> str:
        """``88% (amber)``, ``3 of 4 met (too few to rate)`` or ``no data``."""
        if self.score.compliance is None:
            return "no data"
        return f"{self.figure} ({self.score.rag_label.lower()})"

    @property
    def change_text(self) -> str:
        """``↓ down 4 points since September 2026``: the arrow only with the words."""
        return f"{self.arrow} {self.change}" if self.arrow else self.change

    @property
    def compared(self) -> bool:
        """Whether there is a change to report (rather than a reason there is none)."""
        return bool(self.arrow) or self.change.startswith("no change")

    @property
    def subject(self) -> str:
        """``88% (amber), down 4 points since September 2026``: words only, since a mail
        client's subject line folds badly around symbols."""
        return f"{self.rated}, {self.change}" if self.compared else self.rated

    @property
    def line(self) -> str:
        """The one line for a subject or a text body: ``88% (amber), ↓ down 4 points …``."""
        return f"{self.rated}, {self.change_text}" if self.change else self.rated


def change_words(points: float, since: AuditPeriod) -> tuple[str, str]:
    """``(arrow, words)`` for a change in percentage points since a month."""
    when = f"since {since.month_name}"
    if points == 0:
        return "", f"no change {when}"
    size = abs(points)
    amount = f"{size:g} point{'' if size == 1 else 's'}"
    return (UP, f"up {amount} {when}") if points > 0 else (DOWN, f"down {amount} {when}")


def compare(now: Score, before: TrendPoint | None, min_judged: int) -> tuple[str, str]:
    """The change from the last audited month's figure to this one, in words."""
    if before is None:
        return "", "no earlier audited month to compare with"
    if now.compliance is None:
        return "", "nothing judged this month"
    then = before.score
    if then is None or then.compliance is None:
        return "", f"nothing judged in {before.period.month_name} to compare with"
    if min(now.judged, then.judged) < min_judged:
        return "", f"not compared with {before.period.month_name}: too few records judged"
    assert now.whole is not None and then.whole is not None
    return change_words(float(now.whole - then.whole), before.period)


def scope_words(ran: Sequence[RuleInfo], rules: Sequence[RuleInfo]) -> str:
    """How many checks the figure covers, said plainly when some could not run."""
    if len(ran) == len(rules):
        return f"across all {len(rules)} check{'s' if len(rules) != 1 else ''}"
    return (
        f"across the {len(ran)} check{'s' if len(ran) != 1 else ''} your data supports "
        f"({len(rules) - len(ran)} of {len(rules)} could not be run)"
    )


def headline(overview: Overview, now: Score, before: TrendPoint | None) -> Headline:
    arrow, change = compare(now, before, overview.min_judged)
    points = None
    if before is not None and before.score is not None and (arrow or change.startswith("no ch")):
        points = float((now.whole or 0) - (before.score.whole or 0))
    return Headline(now, arrow, change, scope_words(overview.ran, overview.rules), points)


def team_headline(overview: Overview, team: TeamReport) -> Headline:
    return headline(overview, team.overall, team.previous_overall)


def overview_headline(overview: Overview, overall: Score) -> Headline:
    return headline(overview, overall, overview.previous_overall)
