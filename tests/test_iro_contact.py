"""List 8's last IRO contact date, shown in the reports' IRO part for information.

Annex A List 8 records when each looked-after child last had a visit or contact from their
independent reviewing officer, but not who the IRO is, so no check can judge it. The
overview gives each team's count and the longest ago (no child named); each team's page
lists its own looked-after children, no date first, then the longest ago.
"""

from __future__ import annotations

from pathlib import Path

from audit.period import AuditPeriod
from audit.reports import write_reports
from audit.reports.model import IroContact
from audit.reports.store import load_overview, save_overview
from audit.run import audit
from tests.test_isolation import PERIOD, SAMPLE
from tests.test_profile_annex_a import LIST_8_HEADERS, D, list_6, list_7, list_9
from tests.test_profile_ssd import write_folder
from tests.test_reports_sections import section, text_of
from tests.workbooks import workbook

IRO_CONTACT = "Date of Last IRO Visit / Contact to the Child"
OCTOBER = AuditPeriod.parse("2026-10")


def _list_8() -> list[list[object]]:
    def row(cid, started, ceased, contact, team, worker):
        return [
            *[cid, "a) Male", "a) WBRI", D(2010, 1, 1), 16, "b) No", started, "C2: FCO"],
            *[D(2026, 3, 1), D(2026, 10, 3), ceased, 0, None, None, team, worker, contact],
        ]

    return [
        ["List 8 - Children in care (fictional)"],
        [*LIST_8_HEADERS, IRO_CONTACT],
        # Left care last year: not looked after in October, so not listed.
        row("C300", D(2024, 1, 1), D(2025, 11, 30), D(2025, 6, 1), "CiC 2", "Dee Dunn"),
        row("C1000", D(2020, 1, 1), None, D(2026, 8, 20), "CiC 1", "Eve Ford"),
        row("C1100", D(2021, 5, 1), None, None, "CiC 1", "Eve Ford"),  # none recorded
        row("C1300", D(2022, 2, 1), None, "12/10/2026", "CiC 1", "Eve Ford"),
        row("C1400", D(2023, 3, 1), None, D(2026, 10, 31), "CiC 2", "Dee Dunn"),
    ]


def _annex_a(tmp_path: Path) -> Path:
    return workbook(
        tmp_path / "annex_a.xlsx",
        {"List 6": list_6(), "List_7": list_7(), "List 8": _list_8(), "List 9": list_9()},
    )


def test_an_annex_a_list_8_shows_each_teams_last_iro_contact_on_the_overview(tmp_path):
    run = audit(_annex_a(tmp_path), OCTOBER, None)
    overview = write_reports(run, tmp_path / "out")
    index = section((tmp_path / "out" / "index.html").read_text(encoding="utf-8"), "iro")
    assert "Last contact with the reviewing officer, for information" in index
    assert "No check judges it" in index
    # Team, looked-after children, no date recorded, the longest ago.
    assert "CiC 1 3 1 20/08/2026 (72 days before the month’s end)" in index
    assert "CiC 2 1 0 31/10/2026 (0 days before the month’s end)" in index
    # The overview names no child: each team's page does, for its own children.
    assert not any(child in index for child in ("C1000", "C1100", "C1300", "C1400"))
    # Kept in overview.json, so `caseaudit send` shows the same.
    save_overview(overview, tmp_path)
    again = load_overview(tmp_path)
    assert again.iro_contacts == overview.iro_contacts and overview.iro_contacts
    assert [t.iro_contacts for t in again.teams] == [t.iro_contacts for t in overview.teams]


def test_each_team_page_lists_its_own_children_no_date_first_then_the_longest_ago(tmp_path):
    run = audit(_annex_a(tmp_path), OCTOBER, None)
    overview = write_reports(run, tmp_path / "out")
    teams = {t.team: t for t in overview.teams}
    assert teams["CiC 1"].iro_contacts == [
        IroContact("C1100", "", None),
        IroContact("C1000", "20/08/2026", 72),
        IroContact("C1300", "12/10/2026", 19),
    ]
    page = (tmp_path / "out" / teams["CiC 1"].page).read_text(encoding="utf-8")
    words = section(page, "iro-contact")
    assert "C1100 None recorded – C1000 20/08/2026 72 C1300 12/10/2026 19" in words
    assert "C1400" not in text_of(page) and "C300" not in words
    other = (tmp_path / "out" / teams["CiC 2"].page).read_text(encoding="utf-8")
    assert "C1400 31/10/2026 0" in section(other, "iro-contact")
    assert not any(c in text_of(other) for c in ("C1000", "C1100", "C1300"))
    # A team with no looked-after children has no such section.
    care_leavers = (tmp_path / "out" / teams["Leaving Care"].page).read_text(encoding="utf-8")
    assert 'id="iro-contact"' not in care_leavers


def test_no_rule_requires_or_judges_the_last_iro_contact_date(tmp_path):
    run = audit(_annex_a(tmp_path), OCTOBER, None)
    assert "last_iro_contact_date" in run.loaded.tables["children"]
    for rule in run.rules:
        assert not any("last_iro_contact_date" in str(r) for r in (*rule.requires, *rule.uses))


def test_an_input_without_the_date_shows_no_such_section(tmp_path):
    run = audit(SAMPLE, AuditPeriod.parse(PERIOD), None)
    overview = write_reports(run, tmp_path)
    assert overview.iro_contacts is None
    assert 'id="iro-contact"' not in (tmp_path / "index.html").read_text(encoding="utf-8")


def test_an_ssd_extract_gives_the_date_from_its_cla_episodes(tmp_path):
    # ssd_cla_episodes.clae_cla_last_iro_contact_date: 1003 is in care (last contact
    # 20/09/2026); 1004 went home on 10/09/2026, so is not looked after at the month's end.
    run = audit(write_folder(tmp_path / "ssd"), AuditPeriod.parse("2026-09"), None)
    overview = write_reports(run, tmp_path / "out")
    listed = {c.child: (t.team, c) for t in overview.teams for c in t.iro_contacts or []}
    assert set(listed) == {"1003"}
    team, contact = listed["1003"]
    assert contact == IroContact("1003", "20/09/2026", 10)
    index = section((tmp_path / "out" / "index.html").read_text(encoding="utf-8"), "iro")
    assert f"{team} 1 0 20/09/2026 (10 days before the month’s end)" in index
