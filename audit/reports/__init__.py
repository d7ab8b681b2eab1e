"""Reports for people: the organisation overview, team pages and action workbooks."""

from __future__ import annotations

from pathlib import Path

from audit.history import History
from audit.progress import Progress, no_progress
from audit.reports.build import build_overview
from audit.reports.html import write_html
from audit.reports.model import Overview
from audit.reports.store import save_overview
from audit.reports.workbook import write_workbooks
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
    write_html(overview, folder, progress)
    # overview.json is written while the workers make the workbooks, which do not need it.
    write_workbooks(overview, folder, progress, meanwhile=lambda: save_overview(overview, folder))
    return overview
