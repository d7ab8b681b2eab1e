"""Team action workbooks, on real files read back as a manager's Excel would read them."""

from __future__ import annotations

import dataclasses
import stat
import zipfile
from collections import Counter
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from audit.errors import InputError
from audit.period import AuditPeriod
from audit.reports.build import build_overview
from audit.reports.model import Action, ChildActions, Overview
from audit.reports.workbook import write_workbooks
from audit.results import AuditRun
from audit.rulekit import NOT_MET
from audit.run import audit

HEADERS = [
    "Child",
    "Worker",
    "Check",
    "Rule",
    "Reason",
    "Outstanding since",
    "Evidence date",
    "Where to find it",
    "Status",
    "Manager comment",
    "Action owner",
    "Due by",
    "Reference (do not change)",
]


def _input(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        for line in ws.iter_rows():
            for cell in line:  # text that merely looks like a formula, as exports hold it
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    cell.data_type = "s"
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    folder = tmp_path_factory.mktemp("input")
    day = datetime(2026, 9, 10)
    path = _input(
        folder / "export.xlsx",
        {
            "children": [
                ["child_id", "allocated_team", "allocated_worker", "ethnicity"],
                ["N1", "North", "W1", "WBRI"],
                ["=C9", "North", "@W9", None],  # an ID that looks like a formula
                ["S1", "South", "W2", None],
                ["S2", "South", "W2", "WBRI"],
                ["E1", "East", "W3", "WBRI"],  # a team with nothing to act on
            ],
            "visits": [
                [
                    "visit_id",
                    "child_id",
                    "visit_date",
                    "worker_id",
                    "visit_type",
                    "child_seen",
                    "seen_alone",
                ],
                ["V1", "N1", day, "W1", "statutory", "Y", None],
                ["V2", "S1", datetime(2026, 9, 12), "W2", "statutory", "Y", "Y"],
                ["V3", "=C9", datetime(2026, 9, 14), "W2", "statutory", "Y", None],  # South's W2
                ["V4", "S2", datetime(2026, 9, 15), "W2", "statutory", "Y", None],
            ],
            "workers": [
                ["worker_id", "team", "worker_name"],
                ["W1", "North", "Ann Able"],
                ["@W9", "North", "Cal Cole"],
                ["W2", "South", "Bea Bond"],
                ["W3", "East", "Dee Dunn"],
            ],
        },
    )
    config = folder / "audit.toml"  # a tiny export: rate every figure, however few
    config.write_text("[rag]\nmin_judged = 1\n", encoding="utf-8")
    return audit(path, AuditPeriod.parse("2026-09"), config)


@pytest.fixture(scope="module")
def overview(run: AuditRun) -> Overview:
    return build_overview(run)


@pytest.fixture(scope="module")
def written(overview: Overview, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reports")
    write_workbooks(overview, folder)
    return folder


def _open(written: Path, slug: str) -> openpyxl.Workbook:
    return openpyxl.load_workbook(written / "teams" / f"{slug}.xlsx")


def _action_rows(wb: openpyxl.Workbook) -> list[tuple[object, ...]]:
    ws = wb["Actions"]
    (table,) = ws.tables.values()
    rows = list(ws[table.ref])
    return [tuple(c.value for c in row) for row in rows[1:] if any(c.value for c in row)]


def test_every_team_gets_a_workbook_with_an_actions_and_a_summary_sheet(written):
    files = sorted(p.name for p in (written / "teams").iterdir())
    assert files == ["east.xlsx", "north.xlsx", "south.xlsx"]
    for name in files:
        wb = openpyxl.load_workbook(written / "teams" / name)
        assert wb.sheetnames == ["Actions", "Summary", "Data quality"]


def test_the_actions_sheet_is_a_filterable_table_with_a_frozen_header(written):
    ws = _open(written, "north")["Actions"]
    (table,) = ws.tables.values()
    rows = _action_rows(_open(written, "north"))
    assert table.ref == f"A1:M{len(rows) + 1}"
    assert [c.name for c in table.tableColumns] == HEADERS
    assert [c.value for c in ws[1]] == HEADERS
    assert table.autoFilter is not None and table.autoFilter.ref == table.ref
    assert table.tableStyleInfo.name
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["E"].width > ws.column_dimensions["C"].width  # Reason is wide
    assert ws["E2"].alignment.wrap_text


def test_each_not_met_finding_of_the_team_appears_exactly_once(run, written):
    findings = run.findings
    for team, slug in (("North", "north"), ("South", "south")):
        expected = Counter(
            (
                "'=C9" if f.child_id == "=C9" else f.child_id,
                f.rule_code,
                f"{f.source_table}, row {int(f.source_row)}",
            )
            for f in findings[
                (findings["team"] == team) & (findings["outcome"] == NOT_MET)
            ].itertuples()
        )
        got = Counter((r[0], r[3], r[7]) for r in _action_rows(_open(written, slug)))
        assert got == expected
        assert expected  # the small audit gives each of these teams something to act on


def test_a_value_that_looks_like_a_formula_is_stored_as_text_with_an_apostrophe(written):
    wb = _open(written, "north")
    rows = _action_rows(wb)
    idn01 = next(r for r in rows if r[3] == "IDN01")
    assert idn01[:2] == ("'=C9", "'@W9")
    ws = wb["Actions"]
    assert all(c.data_type == "s" for row in ws.iter_rows() for c in row if c.value == "'=C9")
    assert not _has_formulas(written / "teams" / "north.xlsx")


def test_a_worker_from_another_team_is_shown_as_such_never_by_id(written):
    rows = _action_rows(_open(written, "north"))
    see01 = next(
        r for r in rows if (r[0], r[1], r[3]) == ("'=C9", "worker in another team", "SEE01")
    )
    assert see01[7] == "visits, row 4"
    cells = [str(c) for r in rows for c in r]
    assert not any("W2" in c or "Bea Bond" in c for c in cells)


def test_evidence_dates_are_date_cells_shown_day_first(written):
    ws = _open(written, "north")["Actions"]
    see01 = next(
        row for row in ws.iter_rows(min_row=2) if (row[0].value, row[3].value) == ("N1", "SEE01")
    )
    evidence = see01[6]
    assert evidence.is_date and evidence.value == datetime(2026, 9, 10)
    assert evidence.number_format == "dd/mm/yyyy"
    idn01 = next(row for row in ws.iter_rows(min_row=2) if row[3].value == "IDN01")
    assert idn01[6].value is None  # a child-level check has no evidence date


def test_the_managers_columns_take_a_typed_date_day_first_and_wrap_a_long_comment(written):
    # No cell is written for what the manager fills in: the columns carry the formats, so
    # a due date typed into any row of the table shows 31/12/2026, a comment wraps.
    ws = _open(written, "north")["Actions"]
    columns = {c.value: c.column_letter for c in ws[1]}
    for header in ("Evidence date", "Due by"):
        assert ws.column_dimensions[columns[header]].number_format == "dd/mm/yyyy", header
    for header in ("Manager comment", "Action owner"):
        assert ws.column_dimensions[columns[header]].alignment.wrap_text, header


def test_the_summary_gives_the_team_period_and_compliance_per_rule(written, overview):
    ws = _open(written, "north")["Summary"]
    cells = {row[0].value: row for row in ws.iter_rows() if row[0].value}
    assert cells["Team"][1].value == "North"
    assert cells["Period"][1].value == "2026-09"
    north = next(t for t in overview.teams if t.team == "North")
    overall = cells["Overall compliance"]
    assert overall[1].value == pytest.approx(north.overall.compliance)
    assert overall[1].number_format == "0%"
    assert overall[2].value == north.overall.rag_label
    idn01 = cells["IDN01"]
    assert [c.value for c in idn01[1:7]] == [
        "Ethnicity recorded for every open child.",
        1,  # N1
        1,  # =C9, ethnicity blank
        0,
        0.5,
        "Red",
    ]
    assert idn01[5].number_format == "0%"
    texts = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value)
    assert "met ÷ (met + not met)" in texts and "never count" in texts
    assert f"version {overview.version}" in texts


def test_a_team_with_nothing_to_act_on_still_has_the_table_and_says_so(written):
    wb = _open(written, "east")
    ws = wb["Actions"]
    (table,) = ws.tables.values()
    assert table.ref == "A1:M2"
    assert [c.value for c in ws[1]] == HEADERS
    assert _action_rows(wb) == []
    summary = [c.value for row in wb["Summary"].iter_rows() for c in row]
    assert "No actions this month" in summary


def test_files_are_owner_only_and_the_same_run_gives_the_same_bytes(overview, written, tmp_path):
    assert stat.S_IMODE((written / "teams").stat().st_mode) == 0o700
    for path in (written / "teams").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = tmp_path / "again"
    write_workbooks(overview, again)
    for path in (written / "teams").iterdir():
        assert (again / "teams" / path.name).read_bytes() == path.read_bytes()
    assert _open(written, "north").properties.created == datetime(2026, 9, 30)


def test_an_existing_file_is_made_owner_only(overview, tmp_path):
    teams = tmp_path / "teams"
    teams.mkdir()
    old = teams / "north.xlsx"
    old.write_bytes(b"old")
    old.chmod(0o644)
    write_workbooks(overview, tmp_path)
    assert stat.S_IMODE(old.stat().st_mode) == 0o600
    assert old.read_bytes()[:2] == b"PK"


def test_text_in_any_column_that_could_run_as_a_formula_is_neutralised(overview, tmp_path):
    risky = Action(
        child="+C1",
        worker="-W1",
        rule_code="IDN01",
        rule_title="@SUM(A1)",
        reason='=HYPERLINK("http://example.invalid","click")',
        reason_code="x",
        evidence_date="",
        where="\tchildren, row 2",
    )
    east = next(t for t in overview.teams if t.team == "East")
    tampered = dataclasses.replace(
        overview,
        teams=[dataclasses.replace(east, actions=[ChildActions("+C1", (risky,))])],
    )
    write_workbooks(tampered, tmp_path)
    path = tmp_path / "teams" / "east.xlsx"
    (row,) = _action_rows(openpyxl.load_workbook(path))
    assert row[:8] == (
        "'+C1",
        "'-W1",
        "'@SUM(A1)",
        "IDN01",
        '\'=HYPERLINK("http://example.invalid","click")',
        "New this month",
        None,
        "'\tchildren, row 2",
    )
    assert not _has_formulas(path)


def test_two_teams_that_would_share_a_file_are_refused(overview, tmp_path):
    north, south = (t for t in overview.teams if t.team in ("North", "South"))
    clash = dataclasses.replace(overview, teams=[north, dataclasses.replace(south, slug="north")])
    with pytest.raises(InputError, match=r"share the report file teams/north\.xlsx"):
        write_workbooks(clash, tmp_path)
    assert not (tmp_path / "teams" / "north.xlsx").exists()


def _has_formulas(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        return any(
            b"<f>" in zf.read(n) or b"<f " in zf.read(n)
            for n in zf.namelist()
            if n.startswith("xl/worksheets/")
        )


def test_the_input_really_holds_the_formula_like_id(run):
    # Guards the neutralisation tests: the loader kept the ID as written.
    assert "=C9" in set(pd.Series(run.loaded.tables["children"]["child_id"]))
