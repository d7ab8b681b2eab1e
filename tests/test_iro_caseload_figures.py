"""The overview's caseload per IRO comes from the figures IRO02 judged on, as numbers.

IRO02 gives its figures with its findings (``rulekit.with_figures``); the reports format
them and never read them back out of the finding's words, so rewording the detail cannot
blank or shift a figure. The expected figures are worked out by hand from the fictional
workbook below.
"""

from __future__ import annotations

from pathlib import Path

from audit.period import AuditPeriod
from audit.reports import write_reports
from audit.reports.model import IroCaseload
from audit.run import audit
from tests.test_reports_sections import section
from tests.workbooks import workbook

TEAM = "Independent Reviewing Service"
JUDGED_AT_ONE = "FTE recorded as 0.0, judged at 1.0"


def _export(tmp_path: Path) -> Path:
    children = [["child_id", "allocated_team", "case_type", "case_start_date", "iro_id"]]
    # 40 looked-after children for a half-time IRO: 80 per FTE, above the limit of 70.
    children += [[f"C{n:03d}", "Children in Care", "CLA", "01/01/2025", "I1"] for n in range(40)]
    # 3 for an IRO whose FTE of 0 is a recording error, judged at 1.0.
    children += [[f"C{n:03d}", "Children in Care", "CLA", "01/01/2025", "I2"] for n in (40, 41, 42)]
    # A child in need names I3, but only looked-after children count: I3 has none.
    children += [["C043", "Assessment", "CIN", "01/01/2025", "I3"]]
    workers = [
        ["worker_id", "team", "role", "fte"],
        ["I1", TEAM, "IRO", "0.5"],
        ["I2", TEAM, "iro", "0"],
        ["I3", TEAM, "iro", ""],
        ["W1", "Children in Care", "social_worker", "1"],
    ]
    return workbook(tmp_path / "export.xlsx", {"children": children, "workers": workers})


def test_the_caseload_table_shows_iro02s_figures_without_reading_its_words(tmp_path):
    run = audit(_export(tmp_path), AuditPeriod.parse("2026-10"), None)
    overview = write_reports(run, tmp_path / "out")
    assert overview.iro_caseloads == [
        IroCaseload("I1", TEAM, "40", "0.5", "80.0", "70", above=True),
        IroCaseload("I2", TEAM, "3", "1", "3.0", "70", above=False, note=JUDGED_AT_ONE),
        IroCaseload(
            "I3", TEAM, "0", "", "", "", above=False, note="No open looked-after child has this IRO"
        ),
    ]
    # The check's own words say the same figures.
    detail = run.findings.set_index("subject_id").loc["I1", "detail"]
    assert detail == "40 looked-after children, FTE 0.5: 80.0 per FTE (limit 70)"
    index = section((tmp_path / "out" / "index.html").read_text(encoding="utf-8"), "iro")
    assert f"I1 {TEAM} 40 0.5 80.0 70 No: above the limit" in index
    assert f"I2 {TEAM} 3 1 3.0 70 Yes FTE recorded as 0.0, judged at 1.0" in index


def test_the_figures_follow_the_configured_limit(tmp_path):
    config = tmp_path / "audit.toml"
    config.write_text("[rules.iro_caseload]\nmax_per_fte = 2.5\n", encoding="utf-8")
    run = audit(_export(tmp_path), AuditPeriod.parse("2026-10"), config)
    overview = write_reports(run, tmp_path / "out")
    second = next(c for c in overview.iro_caseloads if c.iro == "I2")
    assert (second.limit, second.per_fte, second.above) == ("2.5", "3.0", True)
