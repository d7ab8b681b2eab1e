"""What a reader sees of the timeliness and capacity checks, over the real sample.

The sample authority is audited by the real rules and its reports written; the pages are
read back as text. The expected figures come from the run's own findings, so the tests pin
that the reports show what the checks found (and, for an Annex A export, which lacks IRO
and supervision data, that they say "not checked" rather than showing an all-clear).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from audit.period import AuditPeriod
from audit.reports import write_reports
from audit.reports.fix_first import fix_first
from audit.reports.model import Overview
from audit.results import AuditRun
from audit.rulekit import NOT_MET
from audit.run import audit
from rules.recommendations import RECOMMENDATIONS
from tests.test_isolation import PERIOD, SAMPLE
from tests.test_profile_annex_a import annex_a_workbook

URGENT_REASONS = {"visit_overdue", "no_visit_recorded"}


def text_of(page: str) -> str:
    """The page as a reader sees it: tags gone, entities undone, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def section(page: str, anchor: str) -> str:
    """The text from the heading with ``id=anchor`` to the next h2."""
    start = page.index(f'id="{anchor}"')
    end = page.find("<h2", start)
    return text_of(page[start : end if end > 0 else None])


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[AuditRun, Overview, Path]:
    folder = tmp_path_factory.mktemp("sections")
    run = audit(SAMPLE, AuditPeriod.parse(PERIOD), None)
    return run, write_reports(run, folder), folder


def test_the_overview_names_recommendations_vii_and_x_in_the_catalogues_words(sample):
    run, _overview, folder = sample
    table = section((folder / "index.html").read_text(encoding="utf-8"), "recommendations")
    titles = {r.code: r.title for r in RECOMMENDATIONS}
    for code in ("vii", "x"):
        checks = ", ".join(sorted(r.code for r in run.rules if r.recommendation == code))
        assert checks, code
        # The row: "(vii) <the catalogue's title> IRO01, IRO02 <figures>".
        assert f"({code}) {text_of(titles[code])} {checks} " in table


def test_each_iros_caseload_is_on_the_overview_and_only_their_own_teams_page(sample):
    run, overview, folder = sample
    found = run.findings[run.findings["rule_code"] == "IRO02"]
    assert len(found) >= 2 and (found["outcome"] == NOT_MET).any()
    index = section((folder / "index.html").read_text(encoding="utf-8"), "iro")
    for iro, team, outcome, detail in zip(
        found["worker_id"], found["team"], found["outcome"], found["detail"], strict=True
    ):
        children, fte, per_fte, limit = re.findall(r"\d+(?:\.\d+)?", detail)[:4]
        verdict = "No: above the limit" if outcome == NOT_MET else "Yes"
        assert f"{iro} {team} {children} {fte} {per_fte} {limit} {verdict}" in index
        for t in overview.teams:
            page = (folder / t.page).read_text(encoding="utf-8")
            shown = 'id="iro"' in page and f"{iro} {children} {fte}" in section(page, "iro")
            assert shown == (t.team == team), (t.team, iro)


def test_looked_after_children_without_an_iro_are_counted_on_the_overview_and_named_at_home(
    sample,
):
    run, overview, folder = sample
    f = run.findings[run.findings["rule_code"] == "IRO01"]
    missing = f[f["outcome"] == NOT_MET]
    assert len(missing) >= 1
    index = section((folder / "index.html").read_text(encoding="utf-8"), "iro")
    for team, judged in f.groupby("team").size().items():
        without = missing[missing["team"] == team]
        assert f"{team} {judged} {len(without)}" in index
        page = (folder / next(t for t in overview.teams if t.team == team).page).read_text(
            encoding="utf-8"
        )
        words = section(page, "iro")
        assert f"{len(without)} looked-after child" in words and f"(of {judged} checked)" in words
        for child in without["child_id"]:
            assert child in words
    # The children are named only on their own team's page: the overview gives counts.
    assert not any(child in index for child in missing["child_id"])


def test_the_worker_table_shows_each_of_the_teams_own_workers_supervision(sample):
    run, overview, folder = sample
    sup = run.findings[run.findings["rule_code"] == "SUP02"]
    words = {"supervision_late_in_period": "Late this month", "supervision_overdue": "Overdue"}
    words |= {"no_supervision_recorded": "None recorded"}
    assert (sup["outcome"] == NOT_MET).any() and (sup["outcome"] != NOT_MET).any()
    for team, rows in sup.groupby("team"):
        page = (folder / next(t for t in overview.teams if t.team == team).page).read_text(
            encoding="utf-8"
        )
        table = page[
            page.index('id="cap-workers"') : page.index("</table>", page.index("cap-workers"))
        ]
        for row in table.split("<tr>")[2:]:
            worker = text_of(row.split("</th>")[0]).strip()
            mine = rows[rows["worker_id"] == worker]
            expected = (
                "Not judged"
                if mine.empty
                else words.get(mine["reason_code"].iloc[0], "On time")
                if mine["outcome"].iloc[0] == NOT_MET
                else "On time"
            )
            assert expected in text_of(row), (team, worker)


def test_overdue_and_missing_statutory_visits_head_fix_first_on_the_sample(sample):
    run, overview, folder = sample
    vis = run.findings[
        (run.findings["rule_code"] == "VIS01") & (run.findings["outcome"] == NOT_MET)
    ]
    urgent = vis[vis["reason_code"].isin(URGENT_REASONS)]
    late_only = set(vis["child_id"]) - set(urgent["child_id"])
    assert len(urgent) > 5 and late_only, "the sample should have both kinds"
    for team in overview.teams:
        mine = set(urgent.loc[urgent["team"] == team.team, "child_id"])
        order = [c.child for c in team.actions]
        # Every child with an overdue or missing visit comes before every other child.
        assert set(order[: len(mine)]) == mine, team.team
        items = fix_first(team)
        for item in items:
            assert item.urgent == (item.child in mine)
            if item.urgent:
                assert item.rule_code == "VIS01"
                assert item.flag in {"Statutory visit overdue", "No statutory visit recorded"}
        if mine:
            fix = section((folder / team.page).read_text(encoding="utf-8"), "fix-first")
            first = fix[fix.index("Child ") :][:300]
            assert first.startswith(f"Child {items[0].child} ") and items[0].flag in first
    # A visit that was late but has since happened is not flagged as overdue.
    flagged = {i.child for t in overview.teams for i in fix_first(t, limit=1000) if i.urgent}
    assert not (flagged & late_only)


def test_an_annex_a_export_says_iro_and_supervision_were_not_checked(tmp_path):
    run = audit(annex_a_workbook(tmp_path), AuditPeriod.parse("2026-10"), None)
    status = {s.code: s.status for s in run.statuses}
    assert {status["IRO01"], status["IRO02"], status["SUP02"]} == {"SKIPPED"}
    overview = write_reports(run, tmp_path / "out")
    index = section((tmp_path / "out" / "index.html").read_text(encoding="utf-8"), "iro")
    assert index.count("Not checked (IRO0") == 2
    assert "Within the limit" not in index and "checked Without" not in index
    for team in overview.teams:
        page = (tmp_path / "out" / team.page).read_text(encoding="utf-8")
        assert "Supervision was not checked (SUP02 skipped)" in text_of(page)
        assert 'id="iro"' not in page  # no IRO section that could read as an all-clear


def test_a_managers_pages_say_the_audits_terms_in_words(sample):
    run, overview, folder = sample
    said = run.findings["detail"].fillna("")
    # The checks themselves write "reg 29" (VIS01 and SUP02 now say the date itself rather
    # than "the as-at date"); the sample has it.
    assert said.str.contains("reg 29").any()
    explained = 0
    for team in overview.teams:
        page = (folder / team.page).read_text(encoding="utf-8")
        # Up to the appendix, which is each check's documentation for the QA lead.
        words = text_of(page[: page.index('id="how"')])
        assert "as-at" not in words, team.team
        if "reg 29" in words:
            assert "regulation 29 allows a child not to be seen alone" in words
            explained += 1
        for code in ("PN4", "PN7"):
            if code in words:
                assert f"{code}: " in words or f"{code} (" in words
    assert explained
    # Fix first, which the email repeats, explains regulation 29 next to it.
    reasons = [i.reason for t in overview.teams for i in fix_first(t, limit=1000)]
    assert not any("as-at" in r for r in reasons)
    assert all("regulation 29 allows" in r for r in reasons if "reg 29" in r)
