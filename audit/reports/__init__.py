"""Reports for people: the organisation overview, team pages and action workbooks."""

from __future__ import annotations

from pathlib import Path

from audit.history import History
from audit.progress import Progress, no_progress
from audit.reports.build import build_overview
from audit.reports.html import write_html
from audit.reports.model import Overview
from audit.reports.workbook import write_workbooks
from audit.results import AuditRun


def write_reports(
    run: AuditRun,
    folder: Path,
    history: History | None = None,
    progress: Progress = no_progress,
) -> Overview:
    """Write index.html, teams/<slug>.html and teams/<slug>.xlsx into ``folder``."""
    overview = build_overview(run, history)
    write_html(overview, folder, progress)
    write_workbooks(overview, folder, progress)
    return overview
