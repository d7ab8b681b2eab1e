"""Fix first: the children to put right first, and the action list in that order, with
what is new this month and what is still outstanding from an earlier month."""

from __future__ import annotations

from pathlib import Path

import pytest

from audit.reports.fix_first import fix_first, prioritise
from audit.reports.model import Action, ChildActions, Overview, RuleInfo, Score, TeamReport
from tests.test_reports_html import Page
from tests.test_reports_trends import audit_months, read


@pytest.fixture(scope="module")
def october(tmp_path_factory) -> Path:
    return audit_months(
        tmp_path_factory.mktemp("fix"), ["2026-06", "2026-07", "2026-09", "2026-10"]
    )


def test_a_record_left_wrong_since_june_is_marked_outstanding_and_a_new_one_new(october):
    north = Page(read(october, "2026-10/teams/north.html")).text
    # C2's ethnicity has been missing in every audited month since June.
    assert (
        "Fix first The children whose records most need putting right" in north
        and "Child C2 · W1 Ethnicity recorded for every open child IDN01: Ethnicity is not "
        "recorded Still not met since June 2026."
        in north
    )
    assert "IDN01 Ethnicity is not recorded Outstanding since June 2026" in north
    assert "1 action 0 new this month, 1 outstanding" in north
    south = Page(read(october, "2026-10/teams/south.html")).text
    assert "SEE01: Visit on 20/10/2026: seen alone not recorded New this month." in south
    # The list comes before the figures: it is what the manager reads first.
    assert north.index("Fix first The") < north.index("compliance by Ofsted recommendation")


def _action(child: str, code: str, subject: str, reason: str = "R") -> Action:
    return Action(child, "W1", code, f"{code} title", "why", reason, "", "", subject)


def _rule(code: str, recommendation: str) -> RuleInfo:
    return RuleInfo(code, code.lower(), f"{code} title", recommendation, "RAN", None, "", ())


def _north(actions: list[ChildActions]) -> TeamReport:
    return TeamReport("North", "north", "2026-10", {}, {}, Score(), [], actions, [])


def _overview(team: TeamReport) -> Overview:
    rules = [_rule("IDN01", "i"), _rule("IDN02", "i"), _rule("SEE01", "xi"), _rule("VIS01", "xi")]
    return Overview("2026-10", [team], rules, {}, {}, [], [], 0.9, 0.8, False)


def test_overdue_visits_then_the_most_serious_come_first_not_the_lowest_child_id():
    actions = [
        ChildActions("A1", (_action("A1", "IDN01", "A1"), _action("A1", "IDN02", "A1"))),
        ChildActions("B2", (_action("B2", "SEE01", "V7"),)),
        ChildActions(
            "C3", (_action("C3", "IDN01", "C3"), _action("C3", "VIS01", "C3", "visit_overdue"))
        ),
        ChildActions("D4", (_action("D4", "IDN01", "D4"),)),
    ]
    team = _north(actions)
    prioritise(_overview(team), None)
    # C3's overdue visit first (and first within C3), then B2's seen-alone failure, which
    # outweighs A1's two missing identity codes; D4's one code last.
    assert [c.child for c in team.actions] == ["C3", "B2", "A1", "D4"]
    assert [a.rule_code for a in team.actions[0].actions] == ["VIS01", "IDN01"]
    items = fix_first(team, limit=3)
    assert [(i.child, i.rule_code, i.urgent, i.actions) for i in items] == [
        ("C3", "VIS01", True, 2),
        ("B2", "SEE01", False, 1),
        ("A1", "IDN01", False, 2),
    ]
    assert all(not i.outstanding("2026-10") for i in items)  # no history: all new


def test_a_childs_visits_not_met_for_one_check_are_listed_oldest_first_and_undated_last():
    days = ["02/10/2026", "", "28/09/2026", "15/10/2025"]
    visits = tuple(
        Action("A1", "W1", "SEE01", "SEE01 title", "why", "R", day, "", f"V{n}")
        for n, day in enumerate(days)
    )
    team = _north([ChildActions("A1", visits)])
    prioritise(_overview(team), None)
    # By date, not by the text's first characters (which put 02/10/2026 before 28/09/2026).
    listed = [a.evidence_date for a in team.actions[0].actions]
    assert listed == ["15/10/2025", "28/09/2026", "02/10/2026", ""]
