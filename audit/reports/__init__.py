"""Reports for people: the organisation overview, team pages and action workbooks."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from audit.reports.model import Overview, build_overview

if TYPE_CHECKING:
    from audit.history import History
    from audit.run import AuditRun


def write_reports(run: AuditRun, folder: Path, history: History | None = None) -> Overview:
    """Write index.html, teams/<slug>.html and teams/<slug>.xlsx into ``folder``."""
    from audit.reports.html import write_html
    from audit.reports.workbook import write_workbooks

    overview = build_overview(run, history)
    write_html(overview, folder)
    write_workbooks(overview, folder)
    return overview
