"""The HTML reports: ``index.html`` (the organisation) and ``teams/<slug>.html`` (one a team).

Each page is a single self-contained file: CSS inline, the chart as inline SVG, no script
and no external resource, so it works when opened from an email attachment and can leak
nothing to a network. A Content-Security-Policy in the page backs that up. Templates are
autoescaped; the only markup not written by a template is the chart (built from escaped
values in :mod:`audit.reports.svg`) and rule documentation, which :func:`doc_html`
escapes before adding its few tags.

Trends: each team page shows, per check, the last months as a sparkline and as figures in
a table, with the change since the previous audited month; the overview does the same for
the organisation per recommendation. A month with no data is a gap and "–", never 0 %.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from audit.output import open_private, private_dir
from audit.period import AuditPeriod
from audit.progress import Progress, no_progress
from audit.reports.fix_first import fix_first, new_and_outstanding
from audit.reports.headline import compare, overview_headline, team_headline
from audit.reports.model import (
    ALLOCATED_RULE,
    CASELOAD_RULE,
    SUPERVISION_RULE,
    TEAMS_FOLDER,
    IroCaseload,
    Overview,
    Score,
    TeamReport,
    TrendPoint,
)
from audit.reports.parallel import rendered_in_order
from audit.reports.svg import SYMBOLS, compliance_chart, month_name, sparkline
from audit.reports.wording import (
    column_words,
    explained,
    fields_in_words,
    plain,
    reason_for,
    table_words,
)
from audit.results import combined

# Plain-English names for the loader's issue kinds; an unknown kind is shown as written.
KIND_LABELS = {
    "unreadable_row": "The row could not be split into values",
    "ragged_row": "More values than the header has columns",
    "missing_required_value": "A required value is blank",
    "unparseable_required_date": "A required date is not a date",
    "duplicate_key": "Duplicates an earlier row's ID",
    "unknown_child": "No such child in the children table",
    "unparseable_date": "Not a date",
    "unmapped_value": "Not a recognised value",
    "excel_error": "Excel error value",
}


# Sorts the overview's teams by name, overall compliance or change. The page is complete
# without it; the Content-Security-Policy allows this exact text (by its hash) and no other.
SORT_SCRIPT = (
    "(function(){var t=document.getElementById('matrix');if(!t||!t.tBodies.length)return;"
    "var body=t.tBodies[0],heads=t.querySelectorAll('thead th[data-sort]');"
    "heads.forEach(function(th){var key=th.getAttribute('data-sort'),"
    "b=document.createElement('button');b.type='button';b.className='sort-button';"
    "b.textContent=th.textContent;th.textContent='';th.appendChild(b);"
    "th.setAttribute('aria-sort','none');"
    "b.addEventListener('click',function(){var up=th.getAttribute('aria-sort')!=='ascending';"
    "heads.forEach(function(h){h.setAttribute('aria-sort','none');});"
    "th.setAttribute('aria-sort',up?'ascending':'descending');"
    "var rows=Array.prototype.slice.call(body.rows);rows.sort(function(a,c){"
    "var x=a.dataset[key],y=c.dataset[key];if(key==='team'){"
    "return up?x.localeCompare(y):y.localeCompare(x);}"
    "if(x==='')return 1;if(y==='')return -1;return up?x-y:y-x;});"
    "rows.forEach(function(r){body.appendChild(r);});});});})();"
)
SORT_SCRIPT_HASH = (
    "sha256-" + base64.b64encode(hashlib.sha256(SORT_SCRIPT.encode()).digest()).decode()
)


def write_html(overview: Overview, folder: Path, progress: Progress = no_progress) -> None:
    """Write ``folder/index.html``, ``folder/checks.html`` (the checks explained, no case
    data) and ``folder/teams/<slug>.html`` for every team."""
    pages = TeamPages.prepare(overview, folder)
    # The overview and checks pages are written while the workers render the team pages
    # (the strict zip below runs ``rendered`` to its end, so they are written with no teams).
    rendered = rendered_in_order(pages.render, overview.teams, meanwhile=pages.write_overview)
    for done, (team, page) in enumerate(zip(overview.teams, rendered, strict=True), 1):
        progress(f"Writing team page: {team.team}", done, len(overview.teams))
        pages.write(team, page)


@dataclass(frozen=True)
class TeamPages:
    """The month's pages: what every team page shares, made once (the template environment,
    how the checks work), then a page per team rendered and written."""

    overview: Overview
    folder: Path
    env: Environment
    how: Markup

    @classmethod
    def prepare(cls, overview: Overview, folder: Path) -> TeamPages:
        _check_unique_slugs(overview.teams)
        env = environment()
        private_dir(private_dir(folder) / TEAMS_FOLDER)
        # The checks' explanations close every team page and are the same on each.
        return cls(overview, folder, env, checks_explained(env, overview))

    def render(self, team: TeamReport) -> str:
        return render_team(self.env, self.overview, team, how=self.how)

    def write(self, team: TeamReport, page: str) -> None:
        _write(self.folder / team.page, page)

    def write_overview(self) -> None:
        """``index.html`` and ``checks.html``."""
        overview = self.overview
        _write(self.folder / "index.html", render_index(self.env, overview))
        _write(
            self.folder / "checks.html",
            self.env.get_template("checks.html.j2").render(
                ov=overview, inbox=False, month=month_name(overview.period)
            ),
        )


def team_page_for_email(overview: Overview, team: TeamReport) -> str:
    """The team page as attached to its email: every link works from the inbox."""
    return render_team(environment(), overview, team, inbox=True)


def overview_for_email(overview: Overview) -> str:
    """The overview as attached to the QA leads' email: every link works from the inbox."""
    return render_index(environment(), overview, inbox=True)


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("audit.reports", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(doc_html=doc_html, doc_body=doc_body, param_value=param_value)
    env.filters["kind_label"] = kind_label
    env.filters.update(plain=plain, column_words=column_words, fields_in_words=fields_in_words)
    env.globals["reason_for"] = reason_for
    env.filters["table_words"] = table_words
    env.filters["month_name"] = month_name
    env.globals.update(symbols=SYMBOLS, empty=Score(), pct=lambda rate: f"{rate:.0%}")
    return env


def render_index(env: Environment, overview: Overview, inbox: bool = False) -> str:
    """The overview page; ``inbox``: the copy attached to an email, whose links to other
    files of the month (not attached) are plain text saying where those files are."""
    overall = combined(overview.rule_totals.values(), overview.thresholds)
    return env.get_template("index.html.j2").render(
        ov=overview,
        inbox=inbox,
        month=month_name(overview.period),
        overall=overall,
        headline=overview_headline(overview, overall),
        script=Markup(SORT_SCRIPT),
        script_hash=SORT_SCRIPT_HASH,
        team_headlines={t.team: team_headline(overview, t) for t in overview.teams},
        follow=next((t.follow_up.period for t in overview.teams if t.follow_up), None),
        disputed=[(t.team, i) for t in overview.teams if t.follow_up for i in t.follow_up.disputed],
        actions=sum(t.action_count for t in overview.teams),
        trends=org_trend_table(overview),
        iro_codes=(ALLOCATED_RULE, CASELOAD_RULE),
    )


def checks_explained(env: Environment, overview: Overview) -> Markup:
    """How the checks work, with the settings in force: the end of every team page."""
    macros = env.get_template("macros.html.j2").module
    return cast(Markup, macros.how_checks(overview))  # type: ignore[attr-defined]


@lru_cache(maxsize=4)
def score_cell(env: Environment) -> Callable[[Score], Markup]:
    """The macros' ``cell`` for a score without a link, each distinct score made once: a
    big team's worker table has thousands of cells but only some hundreds of scores."""
    return lru_cache(maxsize=4096)(env.get_template("macros.html.j2").module.cell)  # type: ignore[attr-defined]


def render_team(
    env: Environment,
    overview: Overview,
    team: TeamReport,
    inbox: bool = False,
    how: Markup | None = None,
) -> str:
    """A team's page; ``inbox``: the copy attached to the team's email, linking only within
    itself (its workbook is named as attached, the overview as the QA leads'). ``how``: the
    run's :func:`checks_explained`, when the caller has made it once for all the teams."""
    ran = [r.code for r in overview.ran]
    chart = compliance_chart(
        {code: team.scores.get(code, Score()) for code in ran},
        {r.code: r.title for r in overview.ran},
        overview.thresholds,
        label=f"Compliance per check, {team.team}, {month_name(team.period)}",
    )
    trends = team_trend_table(overview, team)
    return env.get_template("team.html.j2").render(
        ov=overview,
        inbox=inbox,
        team=team,
        month=month_name(team.period),
        chart=chart,
        trends=trends,
        # Each check's change since the last audited month, beside its figure.
        changes={row.key: (row.arrow, row.change) for row in trends.rows} if trends else {},
        recommendations=overview.used_recommendations,
        headline=team_headline(overview, team),
        fix=fix_first(team),
        by_check=_by_check(team),
        new_outstanding=new_and_outstanding(team),
        worker_totals=[
            combined(scores.values(), overview.thresholds) for _worker, scores in team.workers
        ],
        supervision=next((r for r in overview.rules if r.code == SUPERVISION_RULE), None),
        supervision_code=SUPERVISION_RULE,
        terms=explained(a.reason for c in team.actions for a in c.actions),
        # A check that judged none of the team's workers' records is a column of "No data".
        worker_rules=[r for r in overview.ran if any(r.code in s for _w, s in team.workers)],
        iro=iro_section(overview, team),
        printed=printed_part(team),
        score_cell=score_cell(env),
        how=checks_explained(env, overview) if how is None else how,
    )


# A printed team page keeps to three landscape pages: Fix first, the figures and the first
# actions in Fix-first order. The rest are in the workbook and on screen, and the print says
# so beside the table, with how many; nothing is left out unannounced.
PRINT_ACTIONS = 6
PRINT_DATA_QUALITY = 5
PRINT_FOLLOW_UP = 6


@dataclass(frozen=True)
class PrintedPart:
    children: int  # the first children whose actions print
    actions: int  # how many actions those are
    data_quality: int  # the first data-quality rows that print
    follow_up: int  # the first rows of last month's actions done, disputed or overdue


def printed_part(team: TeamReport) -> PrintedPart:
    """How much of the action list prints: whole children, as many as keep to
    ``PRINT_ACTIONS`` actions (the first child always, however many they have)."""
    children = actions = 0
    for child in team.actions:
        if children and actions + len(child.actions) > PRINT_ACTIONS:
            break
        children, actions = children + 1, actions + len(child.actions)
    return PrintedPart(children, actions, PRINT_DATA_QUALITY, PRINT_FOLLOW_UP)


@dataclass(frozen=True)
class IroSection:
    """What a team page shows about independent reviewing officers: its own looked-after
    children without one (IRO01), and its own IROs' caseloads (IRO02), nobody else's."""

    without: list[tuple[str, str]] | None  # (child, why); None when IRO01 judged none here
    judged: int
    caseloads: list[IroCaseload]

    @property
    def shown(self) -> bool:
        return self.without is not None or bool(self.caseloads)


def iro_section(overview: Overview, team: TeamReport) -> IroSection:
    ran = {r.code for r in overview.ran}
    score = team.scores.get(ALLOCATED_RULE)
    judged = score.judged if score is not None and ALLOCATED_RULE in ran else 0
    without = (
        [
            (a.child, a.reason)
            for c in team.actions
            for a in c.actions
            if a.rule_code == ALLOCATED_RULE
        ]
        if judged
        else None
    )
    own = [c for c in overview.iro_caseloads if c.team == team.team]
    return IroSection(without, judged, own if CASELOAD_RULE in ran else [])


def _write(path: Path, text: str) -> None:
    with open_private(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def _check_unique_slugs(teams: Iterable[TeamReport]) -> None:
    # Two teams sharing a file name would silently overwrite one team's report.
    clashes = Counter(t.slug for t in teams)
    same = sorted(t.team for t in teams if clashes[t.slug] > 1)
    if same:
        raise ValueError(f"teams {', '.join(same)} would share a report file name")


# ---------------------------------------------------------------- trends


@dataclass(frozen=True)
class TrendRow:
    """One line of a trend table: a check (or recommendation) over the months shown."""

    key: str  # rule code, or recommendation as "(xi)"
    title: str
    chart: Markup | None  # None: no trend for it this month; ``change`` says why
    figures: tuple[str | None, ...]  # per month, "82%" or None for no data
    arrow: str  # "▲", "▼" or "": a shape beside the words, never instead of them
    change: str


@dataclass(frozen=True)
class TrendTable:
    months: tuple[AuditPeriod, ...]  # oldest first, this month last
    rows: tuple[TrendRow, ...]

    @property
    def span(self) -> str:
        return month_span(self.months)

    @property
    def headings(self) -> list[tuple[str, str]]:
        """(short month, year) for each column: ``("Sep", "2026")``."""
        return [(m.month_name[:3], f"{m.start.year}") for m in self.months]


def team_trend_table(overview: Overview, team: TeamReport) -> TrendTable | None:
    """Per check that ran, the team's trend; None when the report was built without history."""
    months = _trend_months([*team.trends.values(), *overview.org_trends.values()])
    if months is None:
        return None
    previous = previous_audited(overview)
    rows = []
    for rule in overview.ran:
        points = team.trends.get(rule.code)
        if points is None:
            rows.append(_no_trend(rule.code, rule.title, "Nothing judged for this team this month"))
            continue
        arrow, words = _point_change(points, previous, overview.min_judged)
        chart = sparkline(
            points, label=f"{rule.code} compliance, {team.team}, {month_span(months)}"
        )
        rows.append(TrendRow(rule.code, rule.title, chart, _figures(points, months), arrow, words))
    return TrendTable(months, tuple(rows))


def org_trend_table(overview: Overview) -> TrendTable | None:
    """Per recommendation, all teams together; None when built without history."""
    months = _trend_months(overview.org_trends.values())
    if months is None:
        return None
    previous = previous_audited(overview)
    rows = []
    for rec in overview.used_recommendations:
        key, title = f"({rec})", overview.recommendations[rec]
        points = overview.org_trends.get(rec)
        if points is None:
            rows.append(_no_trend(key, title, "Nothing judged for this recommendation this month"))
            continue
        arrow, words = _point_change(points, previous, overview.min_judged)
        chart = sparkline(points, label=f"{key} compliance, all teams, {month_span(months)}")
        rows.append(TrendRow(key, title, chart, _figures(points, months), arrow, words))
    return TrendTable(months, tuple(rows))


def month_span(months: Sequence[AuditPeriod]) -> str:
    """``May to October 2026``, or ``November 2025 to April 2026`` across a new year."""
    first, last = month_name(months[0]), month_name(months[-1])
    if first.split()[-1] == last.split()[-1]:
        first = first.rsplit(" ", 1)[0]
    return f"{first} to {last}"


def previous_audited(overview: Overview) -> AuditPeriod | None:
    """The latest audited month before this one, as far as the report can tell; None if none.

    A team's change names the month the history compared with, which is exactly that month.
    Without one (no team had figures in both months), it is the latest earlier month in
    which anything at all was judged.
    """
    if overview.previous_overall is not None:
        return overview.previous_overall.period
    for team in overview.teams:
        for change in team.changes.values():
            if change:
                return change[0]
    earlier = [
        p.period for points in overview.org_trends.values() for p in points[:-1] if _has_data(p)
    ]
    return max(earlier, default=None)


def _point_change(
    points: Sequence[TrendPoint], previous: AuditPeriod | None, min_judged: int
) -> tuple[str, str]:
    """The change from the previous audited month to the last point, as the headline says it."""
    now = points[-1].score or Score()
    if now.compliance is None:
        return "", "no data this month"
    if previous is None:
        return "", "first audited month"
    before = next((p for p in points[:-1] if p.period == previous), None)
    if before is None:
        return "", f"not compared: {month_name(previous)} is before the months shown"
    return compare(now, before, min_judged)


def _trend_months(trends: Iterable[Sequence[TrendPoint]]) -> tuple[AuditPeriod, ...] | None:
    # Every trend in one report covers the same months, ending with the report's month.
    return next((tuple(p.period for p in points) for points in trends if points), None)


def _figures(points: Sequence[TrendPoint], months: Sequence[AuditPeriod]) -> tuple[str | None, ...]:
    by_month: Mapping[AuditPeriod, TrendPoint] = {p.period: p for p in points}
    return tuple(
        None
        if (p := by_month.get(m)) is None or p.score is None or p.score.compliance is None
        else p.score.percent
        for m in months
    )


def _no_trend(key: str, title: str, why: str) -> TrendRow:
    return TrendRow(key, title, None, (), "", why)


def _rate(point: TrendPoint) -> float | None:
    return None if point.score is None else point.score.compliance


def _has_data(point: TrendPoint) -> bool:
    return _rate(point) is not None


# ---------------------------------------------------------------- helpers for templates


def _by_check(team: TeamReport) -> dict[str, list[tuple[str, int, int]]]:
    """Per check, the children with a record not meeting it, in priority order, as
    (child, their place in the action list from 1, how many of their records)."""
    out: dict[str, dict[int, tuple[str, int, int]]] = {}
    for place, child in enumerate(team.actions, 1):
        for action in child.actions:
            listed = out.setdefault(action.rule_code, {})
            _, _, count = listed.get(place, (child.child, place, 0))
            listed[place] = (child.child, place, count + 1)
    return {code: list(children.values()) for code, children in out.items()}


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " "))


def param_value(value: Any) -> str:
    """A parameter as it would be written in audit.toml, without the quoting."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list | set | frozenset):
        return ", ".join(param_value(v) for v in value) or "(none)"
    return str(value)


def doc_body(doc: str) -> str:
    """A rule docstring without its first line, which the page shows as the heading."""
    lines = doc.strip().splitlines()
    return "\n".join(lines[1:]).strip()


_INLINE = re.compile(r"`([^`\n]+)`|\*([^*\s](?:[^*\n]*[^*\s])?)\*")
_ITEM = re.compile(r"^\s*[-•]\s+")


@lru_cache(maxsize=256)  # every team page explains the same checks: convert each doc once
def doc_html(text: str) -> Markup:
    """Rule documentation as HTML: escaped first, then *x* -> <em>, `x` -> <code>.

    Blank lines separate paragraphs; lines starting with "- " are list items, and an
    indented line continues the item above it.
    """
    blocks = re.split(r"\n\s*\n", text.strip())
    return Markup("\n".join(_block(b) for b in blocks if b.strip()))


def _block(block: str) -> str:
    lead: list[str] = []
    items: list[list[str]] = []
    for line in block.splitlines():
        if _ITEM.match(line):
            items.append([_ITEM.sub("", line)])
        elif items:
            items[-1].append(line.strip())
        else:
            lead.append(line.strip())
    out = f"<p>{_inline(' '.join(lead))}</p>" if lead else ""
    if items:
        out += "<ul>" + "".join(f"<li>{_inline(' '.join(i))}</li>" for i in items) + "</ul>"
    return out


def _inline(text: str) -> str:
    escaped = str(escape(text))  # every tag below wraps text that is already escaped
    return _INLINE.sub(
        lambda m: f"<code>{m[1]}</code>" if m[1] is not None else f"<em>{m[2]}</em>", escaped
    )
