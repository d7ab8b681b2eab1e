"""What the reports show, computed once from an audit run: plain data, no markup.

The organisation overview and each team's report and workbook are rendered from these
objects. Everything a team sees is cut to that team here, in one place, so isolation does
not depend on each template remembering to filter: a team report holds only its own
children, and a worker from another team is shown as such, never by ID or name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from audit import __version__
from audit.contract import UNALLOCATED_TEAM
from audit.engine.runner import RAN, compliance
from audit.rulekit import MET, NOT_APPLICABLE, NOT_MET

PROFILE_NAMES = {
    "canonical": "caseaudit tables",
    "annex-a": "Ofsted Annex A",
    "ssd": "the DfE Standard Safeguarding Dataset",
}

if TYPE_CHECKING:
    from audit.history import History
    from audit.run import AuditRun

TREND_MONTHS = 6

# The Ofsted recommendations the rules implement (2011 inspection, "Areas for improvement").
RECOMMENDATIONS: dict[str, str] = {
    "i": "Ethnicity, culture, race and language considered",
    "ii": "The child's views taken forward and acted upon",
    "iii": "Supervision with case and worker reflection",
    "v": "Return interviews after missing episodes",
    "ix": "Assessments and plans updated after significant change",
    "xi": "Children seen alone, and the record says so",
}
OTHER_TEAM_WORKER = "worker in another team"
OTHER_TEAM_CHILD = "child in another team"
RAG_LABELS = {"green": "Green", "amber": "Amber", "red": "Red", None: "No data"}


def slug(team: str) -> str:
    """A file name for a team: ``Assessment North`` -> ``assessment-north``."""
    ascii_name = unicodedata.normalize("NFKD", team).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "team"


def rag(rate: float | None, green: float, amber: float) -> str | None:
    if rate is None:
        return None
    return "green" if rate >= green else "amber" if rate >= amber else "red"


@dataclass(frozen=True)
class Score:
    """Counts and compliance for one rule, team, worker or recommendation."""

    met: int = 0
    not_met: int = 0
    not_applicable: int = 0
    compliance: float | None = None
    rag: str | None = None

    @property
    def rag_label(self) -> str:
        return RAG_LABELS[self.rag]

    @property
    def percent(self) -> str:
        return "–" if self.compliance is None else f"{self.compliance:.0%}"


@dataclass(frozen=True)
class TrendPoint:
    """One audited month of a trend; ``score`` None means no data that month (a gap)."""

    period: str
    score: Score | None


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


@dataclass
class TeamReport:
    team: str
    slug: str
    period: str
    scores: dict[str, Score]  # by rule code
    recommendation_scores: dict[str, Score]
    overall: Score
    workers: list[tuple[str, dict[str, Score]]]
    actions: list[ChildActions]
    data_quality: list[DataQualityRow]
    # Per rule: the last audited months ending with this one, oldest first, gaps as None.
    trends: dict[str, list[TrendPoint]] = field(default_factory=dict)
    # Per rule: (the month compared with, compliance change in percentage points) or None.
    changes: dict[str, tuple[str, float] | None] = field(default_factory=dict)

    @property
    def action_count(self) -> int:
        return sum(len(c.actions) for c in self.actions)


@dataclass
class Overview:
    period: str
    teams: list[TeamReport]
    rules: list[RuleInfo]
    rule_totals: dict[str, Score]
    recommendation_totals: dict[str, Score]
    load_summary: list[dict[str, Any]]
    rejection_reasons: list[tuple[str, str, int]]  # (table, reason, rows)
    green: float
    amber: float
    show_names: bool
    version: str = __version__
    generated: str = ""
    source: str = ""  # how the input was read: "Ofsted Annex A", "caseaudit tables", ...
    # Per recommendation, the whole organisation, oldest first, gaps as None.
    org_trends: dict[str, list[TrendPoint]] = field(default_factory=dict)
    recommendations: dict[str, str] = field(default_factory=lambda: dict(RECOMMENDATIONS))

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
        return [k for k in RECOMMENDATIONS if any(r.recommendation == k for r in self.rules)]


# ---------------------------------------------------------------- building


def build_overview(run: AuditRun, history: History | None = None) -> Overview:
    """The reports' content; with a history, each team's and the organisation's trends."""
    overview = _build_overview(run)
    if history is not None:
        add_trends(overview, history)
    return overview


def add_trends(overview: Overview, history: History) -> None:
    """Earlier months from the history, this month from the run in hand."""
    from audit.period import AuditPeriod

    previous = AuditPeriod.parse(overview.period).previous()
    thresholds = {"green": overview.green, "amber": overview.amber}
    for team in overview.teams:
        for code, score in team.scores.items():
            earlier = history.team_trend(team.team, code, previous, TREND_MONTHS - 1, **thresholds)
            team.trends[code] = [TrendPoint(p.period, p.score) for p in earlier] + [
                TrendPoint(overview.period, score)
            ]
            before = history.previous_score(team.team, code, overview.period, **thresholds)
            if before is not None and before.score is not None and score.compliance is not None:
                change = score.compliance - (before.score.compliance or 0.0)
                if before.score.compliance is not None:
                    team.changes[code] = (before.period, round(change * 100, 1))
    rec_of = {r.code: r.recommendation for r in overview.rules}
    earlier_org = history.org_trend(rec_of, previous, TREND_MONTHS - 1, **thresholds)
    for rec, score in overview.recommendation_totals.items():
        overview.org_trends[rec] = [*earlier_org.get(rec, []), TrendPoint(overview.period, score)]


def _build_overview(run: AuditRun) -> Overview:
    green, amber = run.config.green, run.config.amber
    findings = run.findings
    rules = [_rule_info(run, status) for status in run.statuses]
    rec_of = {r.code: r.recommendation for r in rules}
    names = _worker_names(run) if run.config.show_names else {}
    worker_team = _worker_teams(run)
    children = run.loaded.tables["children"]
    child_team = dict(zip(children["child_id"], children["allocated_team"], strict=True))
    row_team = _row_teams(run)

    teams_present = set(findings["team"].dropna()) if len(findings) else set()
    teams_present |= set(run.loaded.tables["children"]["allocated_team"].dropna())
    teams = []
    slugs: set[str] = set()
    for team in sorted(teams_present, key=lambda t: (t == UNALLOCATED_TEAM, t)):
        part = findings[findings["team"] == team]
        # Two teams must never share a file: "Team A" and "team-a" get distinct names.
        name = slug(team)
        name = (
            next(f"{name}-{n}" for n in range(1, 10_000) if f"{name}-{n}" not in slugs)
            if (name in slugs)
            else name
        )
        slugs.add(name)
        teams.append(
            TeamReport(
                team=team,
                slug=name,
                period=run.period.label,
                scores=_scores(part, "rule_code", green, amber),
                recommendation_scores=_scores(
                    part.assign(rec=part["rule_code"].map(rec_of)), "rec", green, amber
                ),
                overall=_score(part, green, amber),
                workers=_workers(part, team, worker_team, names, green, amber),
                actions=_actions(part, team, worker_team, child_team, names, rules),
                data_quality=_team_data_quality(run, team, row_team),
            )
        )
    issues = run.loaded.issues()
    rejected = issues[issues["action"] == "rejected"]
    reasons = (
        [
            (str(t), str(k), int(n))
            for (t, k), n in rejected.groupby(["table", "kind"]).size().items()
        ]
        if len(rejected)
        else []
    )
    return Overview(
        period=run.period.label,
        teams=teams,
        rules=rules,
        rule_totals=_scores(findings, "rule_code", green, amber),
        recommendation_totals=_scores(
            findings.assign(rec=findings["rule_code"].map(rec_of)), "rec", green, amber
        ),
        load_summary=[
            {
                "table": name,
                "source": t.source,
                "read": t.rows_read,
                "loaded": t.rows_loaded,
                "rejected": t.rows_rejected,
                "findings": len(t.findings),
            }
            for name, t in run.loaded.loads.items()
        ],
        rejection_reasons=reasons,
        green=green,
        amber=amber,
        show_names=run.config.show_names,
        generated=run.started.strftime("%d/%m/%Y %H:%M UTC"),
        source=PROFILE_NAMES.get(run.loaded.profile, run.loaded.profile),
    )


def _rule_info(run: AuditRun, status: Any) -> RuleInfo:
    from audit.run import fed_by

    rule = next(r for r in run.rules if r.code == status.code)
    params = run.config.params_for(rule)
    return RuleInfo(
        code=rule.code,
        name=rule.name,
        title=rule.title,
        recommendation=rule.recommendation,
        status=status.status,
        reason=status.reason,
        doc=rule.doc,
        params=tuple((n, getattr(params, n), d) for n, _t, _default, d in rule.param_docs()),
        fed_by=tuple(fed_by(status, run.loaded)),
    )


def _score(part: pd.DataFrame, green: float, amber: float) -> Score:
    counts = part["outcome"].value_counts() if len(part) else pd.Series(dtype=int)
    met, not_met = int(counts.get(MET, 0)), int(counts.get(NOT_MET, 0))
    rate = compliance(met, not_met)
    return Score(met, not_met, int(counts.get(NOT_APPLICABLE, 0)), rate, rag(rate, green, amber))


def _scores(part: pd.DataFrame, by: str, green: float, amber: float) -> dict[str, Score]:
    if part.empty:
        return {}
    return {str(key): _score(group, green, amber) for key, group in part.groupby(by, sort=True)}


def _worker_label(
    worker: Any, team: str, worker_team: dict[str, str], names: dict[str, str]
) -> str:
    if pd.isna(worker) or worker == "":
        return "Unallocated"
    home = worker_team.get(str(worker))
    if home is not None and home != team:
        return OTHER_TEAM_WORKER
    return names.get(str(worker), str(worker))


def _workers(
    part: pd.DataFrame,
    team: str,
    worker_team: dict[str, str],
    names: dict[str, str],
    green: float,
    amber: float,
) -> list[tuple[str, dict[str, Score]]]:
    if part.empty:
        return []
    labelled = part.assign(
        worker_label=part["worker_id"].map(lambda w: _worker_label(w, team, worker_team, names))
    )
    return [
        (str(label), _scores(group, "rule_code", green, amber))
        for label, group in labelled.groupby("worker_label", sort=True)
    ]


def _actions(
    part: pd.DataFrame,
    team: str,
    worker_team: dict[str, str],
    child_team: dict[str, str],
    names: dict[str, str],
    rules: Sequence[RuleInfo],
) -> list[ChildActions]:
    not_met = part[part["outcome"] == NOT_MET]
    if not_met.empty:
        return []
    titles = {r.code: r.title for r in rules}
    # A supervision record takes its worker's team but may name another team's child.
    home = not_met["child_id"].map(child_team)
    foreign = home.notna() & (home != team)
    not_met = not_met.assign(child_id=not_met["child_id"].mask(foreign, OTHER_TEAM_CHILD))
    not_met = not_met.sort_values(["child_id", "rule_code", "evidence_date"], na_position="last")
    grouped: list[ChildActions] = []
    for child, group in not_met.groupby(not_met["child_id"].fillna(""), sort=True):
        actions = tuple(
            Action(
                child=str(child) or "(no child)",
                worker=_worker_label(row.worker_id, team, worker_team, names),
                rule_code=str(row.rule_code),
                rule_title=titles.get(str(row.rule_code), str(row.rule_code)),
                reason=str(row.detail) if pd.notna(row.detail) else str(row.reason_code),
                reason_code=str(row.reason_code),
                evidence_date=(
                    pd.Timestamp(row.evidence_date).strftime("%d/%m/%Y")
                    if pd.notna(row.evidence_date)
                    else ""
                ),
                where=_where(row.source_table, row.source_row),
            )
            for row in group.itertuples()
        )
        grouped.append(ChildActions(str(child) or "(no child)", actions))
    return grouped


def _where(table: Any, row: Any) -> str:
    if pd.isna(table):
        return ""
    return f"{table}, row {int(row)}" if pd.notna(row) else str(table)


def _worker_teams(run: AuditRun) -> dict[str, str]:
    workers = run.loaded.tables.get("workers")
    if workers is None:
        return {}
    return dict(zip(workers["worker_id"], workers["team"], strict=True))


def _worker_names(run: AuditRun) -> dict[str, str]:
    workers = run.loaded.tables.get("workers")
    if workers is None or "worker_name" not in workers:
        return {}
    named = workers.dropna(subset=["worker_name"])
    return dict(zip(named["worker_id"], named["worker_name"], strict=True))


def _row_teams(run: AuditRun) -> dict[tuple[str, str, int], str]:
    """(table, sheet, spreadsheet row) -> the team of the row's child, for kept rows."""
    tables = run.loaded.tables
    child_team = tables["children"].set_index("child_id")["allocated_team"]
    out: dict[tuple[str, str, int], str] = {}
    for name, frame in tables.items():
        if "child_id" not in frame:
            continue
        teams = frame["child_id"].map(child_team)
        keys = zip(frame["source_sheet"], frame["source_row"], teams, strict=True)
        for sheet, row, team in keys:
            if pd.notna(team):
                out[(name, str(sheet), int(row))] = str(team)
    return out


def _team_data_quality(
    run: AuditRun, team: str, row_team: dict[tuple[str, str, int], str]
) -> list[DataQualityRow]:
    """Kept-row findings on this team's children; rejected rows go to the overview only."""
    rows = []
    for load in run.loaded.loads.values():
        for finding in load.findings.itertuples():
            key = (load.table, str(finding.sheet), int(finding.source_row))
            if row_team.get(key) == team:
                rows.append(
                    DataQualityRow(
                        load.table,
                        load.source,
                        int(finding.source_row),
                        str(finding.kind),
                        str(finding.column),
                        str(finding.detail),
                        "" if pd.isna(finding.value) else str(finding.value),
                    )
                )
    return rows
