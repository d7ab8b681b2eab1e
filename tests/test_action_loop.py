"""The action loop over two months, with real workbooks and a real history.

September is audited; North's manager fills in the action workbook caseaudit wrote (one
action done, one disputed with a reason, one in progress past its due date) and adds a row
for a South child; ``caseaudit collect`` reads it back. October's fresh export has C2's
ethnicity put right. October's reports and North's email then say what was done (and that
the done record now passes), what was disputed and why, and what is overdue; South, which
returned nothing, is shown as not returned and sees nothing of North's.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from audit.cli import main
from audit.collect import collect
from audit.history import History
from audit.mail import EmailSettings, team_message
from audit.period import AuditPeriod
from audit.publish import write_run
from audit.reports.store import load_overview
from audit.reports.workbook import ACTIONS_SHEET, DATA_QUALITY_SHEET, STATUSES
from audit.run import audit
from tests.test_reports_html import Page

HEADER = ["child_id", "allocated_team", "allocated_worker", "ethnicity"]
SEPTEMBER = [
    ["C1", "North", "W1", "WBRI"],
    ["C2", "North", "W1", None],
    ["C5", "North", "W1", None],
    ["C6", "North", "W1", None],
    ["C3", "South", "W2", None],
    ["C4", "South", "W2", "WBRI"],
]
# October's export: C2's ethnicity has been recorded since.
OCTOBER = [[*row[:3], "WIRI" if row[0] == "C2" else row[3]] for row in SEPTEMBER]
NORTH_CHILDREN = {"C1", "C2", "C5", "C6"}


def _export(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "children"
    for row in [HEADER, *rows]:
        sheet.append(row)
    book.save(path)
    return path


def _fill(written: Path, returned: Path, answers: dict[str, dict[str, object]]) -> Path:
    """North's manager at work: answers typed into the workbook's own columns, plus a row
    copied in for a child of another team."""
    book = openpyxl.load_workbook(written)
    sheet = book[ACTIONS_SHEET]
    header = [c.value for c in sheet[1]]
    col = {name: header.index(name) + 1 for name in header}
    for row in range(2, sheet.max_row + 1):
        child = sheet.cell(row, col["Child"]).value
        for name, value in answers.get(str(child), {}).items():
            sheet.cell(row, col[name]).value = value
    extra = sheet.max_row + 1
    sheet.cell(extra, col["Child"]).value = "C3"
    sheet.cell(extra, col["Status"]).value = "Done"
    sheet.cell(extra, col["Reference (do not change)"]).value = "IDN01 C3"
    book.save(returned)
    return returned


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    root = tmp_path_factory.mktemp("loop")
    config = root / "audit.toml"
    config.write_text(
        '[rag]\nmin_judged = 1\n[email]\nhost = "127.0.0.1"\nsender = "audit@council.example"\n'
        'qa_leads = ["qa@council.example"]\n[email.teams]\nNorth = ["north@council.example"]\n',
        encoding="utf-8",
    )
    out = root / "reports"
    history_path = out / "history.sqlite"  # where caseaudit keeps it by default
    with History.open(history_path) as history:
        september = write_run(
            audit(_export(root / "sep.xlsx", SEPTEMBER), AuditPeriod.parse("2026-09"), config),
            out,
            history,
        )
    returned = _fill(
        september / "teams" / "north.xlsx",
        root / "north-returned.xlsx",
        {
            "C2": {"Status": "Done", "Action owner": "Sam Lead", "Due by": datetime(2026, 10, 10)},
            "C5": {"Status": "Disputed", "Manager comment": "Family declined to say; on file"},
            "C6": {"Status": "In progress", "Due by": datetime(2026, 10, 20)},
        },
    )
    return root, config, out, history_path, september, returned


def test_the_workbook_offers_a_status_list_a_date_check_and_says_where_it_goes(loop):
    *_, september, _returned = loop
    book = openpyxl.load_workbook(september / "teams" / "north.xlsx")
    sheet = book[ACTIONS_SHEET]
    rules = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    kinds = {v.type: v for v in rules.values()}
    assert set(kinds) == {"list", "date"}
    assert kinds["list"].formula1 == '"' + ",".join(STATUSES) + '"'
    header = [c.value for c in sheet[1]]
    assert header[header.index("Outstanding since")] and "Reference (do not change)" in header
    assert [sheet.cell(r, header.index("Status") + 1).value for r in (2, 3, 4)] == ["Open"] * 3
    notes = " ".join(str(c.value) for row in book["Summary"].iter_rows() for c in row if c.value)
    assert "Return this workbook to qa@council.example by 15/11/2026" in notes
    assert DATA_QUALITY_SHEET in book.sheetnames


def test_collect_takes_the_teams_own_answers_rejects_others_and_overwrites_nothing(loop, capsys):
    _root, config, out, history_path, _september, returned = loop
    code = main(
        [
            "collect",
            str(returned),
            "--period",
            "2026-09",
            "--config",
            str(config),
            "--out",
            str(out),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 3  # a row was rejected: the QA lead should look
    assert "Collected for 2026-09: 3 new, 0 replaced, 0 unchanged (teams: North)" in printed
    assert "reference 'IDN01 C3' is not one of North's actions for 2026-09" in printed
    with History.open(history_path) as history:
        again = collect([returned], AuditPeriod.parse("2026-09"), history)
        assert (again.added, again.unchanged, again.replaced) == (0, 3, 0)
        # A changed answer is not taken silently.
        changed = _fill(returned, returned.with_name("changed.xlsx"), {"C2": {"Status": "Open"}})
        clash = collect([changed], AuditPeriod.parse("2026-09"), history)
        assert clash.added == 0 and len(clash.conflicts) == 1
        assert (
            "was already collected from north-returned.xlsx as Done; now Open"
            in (clash.conflicts[0])
        )


def test_october_shows_done_disputed_and_overdue_per_team_only(loop):
    root, config, out, history_path, _september, _returned = loop
    with History.open(history_path) as history:
        run = audit(_export(root / "oct.xlsx", OCTOBER), AuditPeriod.parse("2026-10"), config)
        october = write_run(run, out, history)
    north = Page((october / "teams/north.html").read_text(encoding="utf-8")).text
    assert (
        "From the returned workbook (3 of 3 actions answered): "
        "1 done (1 now pass), 1 disputed, 1 overdue, 0 in hand" in north
    )
    assert (
        "C6 Ethnicity recorded for every open child IDN01 Overdue (in progress) still not met"
        in north
    )
    assert "Sam Lead, due 10/10/2026" in north
    assert "Family declined to say; on file" in north
    assert "C2 Ethnicity recorded for every open child IDN01 Done now passes" in north
    south = Page((october / "teams/south.html").read_text(encoding="utf-8")).text
    assert "The action workbook for September 2026 has not been returned" in south
    assert not NORTH_CHILDREN & set(south.replace(",", " ").split())
    index = Page((october / "index.html").read_text(encoding="utf-8")).text
    assert "North" in index and "1 done (1 now pass), 1 disputed, 1 overdue" in index
    assert "Actions disputed by team managers" in index
    assert "North C5 Ethnicity recorded for every open child IDN01 Family declined" in index

    overview = load_overview(october)  # as ``caseaudit send`` reads the month back
    settings = EmailSettings.from_config(
        {"email": {**_email(config), "outbox": str(root / "outbox")}}
    )
    team = next(t for t in overview.teams if t.team == "North")
    body = team_message(settings, overview, team, october).get_body(("plain",))
    text = body.get_content()
    assert "September 2026's actions: 1 done (1 now pass), 1 disputed, 1 overdue" in text
    assert "Overdue: child C6, Ethnicity recorded for every open child, due 20/10/2026" in text
    assert "C3" not in text


def _email(config: Path) -> dict[str, object]:
    import tomllib

    return dict(tomllib.loads(config.read_text(encoding="utf-8"))["email"])
