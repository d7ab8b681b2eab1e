"""Reports for people: the organisation overview, team pages and action workbooks."""

from __future__ import annotations

from pathlib import Path

from audit.history import History
from audit.progress import Progress, no_progress
from audit.reports.build import build_overview
from audit.reports.html import TeamPages
from audit.reports.model import Overview, TeamReport
from audit.reports.parallel import rendered_in_order
from audit.reports.store import save_overview
from audit.reports.workbook import TeamWorkbooks
from audit.results import AuditRun


def write_reports(
    run: AuditRun,
    folder: Path,
    history: History | None = None,
    progress: Progress = no_progress,
) -> Overview:
    """Write index.html, checks.html, teams/<slug>.html, teams/<slug>.xlsx and
    overview.json into ``folder``."""
    overview = build_overview(run, history)
    write_report_files(overview, folder, progress)
    return overview


def write_report_files(overview: Overview, folder: Path, progress: Progress = no_progress) -> None:
    """The month's report files for ``overview``: every team's page and workbook, made
    together by one set of workers, while this process writes the overview's own pages
    and overview.json (which the teams' files do not need)."""
    pages = TeamPages.prepare(overview, folder)
    books = TeamWorkbooks.prepare(overview, folder)

    def team_files(team: TeamReport) -> tuple[str, bytes]:
        return pages.render(team), books.render(team)

    def overview_files() -> None:
        pages.write_overview()
        save_overview(overview, folder)

    # The strict zip runs ``made`` to its end, so the overview's files are written with no
    # teams too.
    made = rendered_in_order(team_files, overview.teams, meanwhile=overview_files)
    for done, (team, (page, book)) in enumerate(zip(overview.teams, made, strict=True), 1):
        progress(f"Writing team report: {team.team}", done, len(overview.teams))
        pages.write(team, page)
        books.write(team, book)
