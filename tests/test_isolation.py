"""No team's report shows another team's children or workers, over the whole sample.

A team report that names another team's child is a data breach, so this runs the full
audit on the sample authority, writes every report (HTML and workbook) and reads each team's
files back as text: every text node, attribute, cell and stored XML part. No token in them
may be the ID of a child allocated to another team or of a worker in another team, and no
other team's worker may be named. It also checks that each team's own not-met children are
there, so an empty report cannot pass.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from audit.contract import UNALLOCATED_TEAM
from audit.period import AuditPeriod
from audit.reports import write_reports
from audit.reports.model import OTHER_TEAM_CHILD, OTHER_TEAM_WORKER, Overview
from audit.results import AuditRun
from audit.rulekit import NOT_MET
from audit.run import audit
from audit.sample import generate_authority, write_workbook

SAMPLE = Path(__file__).resolve().parent.parent / "sample_cases" / "authority.xlsx"
PERIOD = "2026-10"

# A token is a run of letters and digits: C00012 never matches inside C000123, and
# "C000123's" or "(C000123)" still yield C000123.
_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> set[str]:
    return set(_TOKEN.findall(text))


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if SAMPLE.exists():
        return SAMPLE
    path = tmp_path_factory.mktemp("sample") / "authority.xlsx"
    write_workbook(generate_authority(200, 2026, end_month=PERIOD), path)
    return path


@dataclass
class Written:
    run: AuditRun
    overview: Overview
    folder: Path
    show_names: bool


@pytest.fixture(scope="module", params=[False, True], ids=["ids", "show_names"])
def written(request, authority: Path, tmp_path_factory: pytest.TempPathFactory) -> Written:
    folder = tmp_path_factory.mktemp("reports")
    config = tmp_path_factory.mktemp("config") / "audit.toml"
    config.write_text(f"show_names = {str(request.param).lower()}\n", encoding="utf-8")
    run = audit(authority, AuditPeriod.parse(PERIOD), config)
    assert run.show_names is request.param
    overview = write_reports(run, folder)
    return Written(run, overview, folder, request.param)


def _crafted(path: Path) -> Path:
    """A tiny authority with every cross-team case the sample does not have.

    - a supervision of a North worker about a South child (team: North);
    - a supervision of a worker missing from ``workers`` about a North child (Unallocated);
    - a supervision of a North worker about an unallocated child;
    - a supervision of a South worker about a North child allocated to a South worker;
    - a visit to a North child by a South worker;
    - a North and a South worker with the same name.
    """
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    day = datetime(2026, 10, 12)
    sheets: dict[str, list[list[object]]] = {
        "children": [
            ["child_id", "allocated_team", "allocated_worker", "ethnicity"],
            ["C900001", "North", "W90001", None],
            ["C900002", "North", "W90002", None],  # allocated to a South worker
            ["C900003", "South", "W90002", None],
            ["C900004", None, None, None],  # awaiting allocation
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
            ["V1", "C900001", day, "W90004", "statutory", "Y", None],
        ],
        "supervisions": [
            [
                "supervision_id",
                "supervision_date",
                "worker_id",
                "child_id",
                "case_discussion",
                "case_reflection",
                "worker_reflection",
                "actions",
            ],
            ["P1", day, "W90001", "C900003", "Discussed the plan.", None, None, None],
            ["P2", day, "W99999", "C900001", "Discussed the plan.", None, None, None],
            ["P3", day, "W90001", "C900004", "Discussed the plan.", None, None, None],
            ["P4", day, "W90004", "C900002", "Discussed the plan.", None, None, None],
        ],
        "workers": [
            ["worker_id", "team", "worker_name"],
            ["W90001", "North", "Ann Able"],
            ["W90002", "South", "Bea Bond"],
            ["W90003", "North", "Bea Bond"],  # the same name in both teams
            ["W90004", "South", "Cal Cole"],
        ],
    }
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


@pytest.fixture(scope="module", params=[False, True], ids=["ids", "show_names"])
def crafted(request, tmp_path_factory: pytest.TempPathFactory) -> Written:
    folder = tmp_path_factory.mktemp("crafted")
    config = folder / "audit.toml"
    config.write_text(f"show_names = {str(request.param).lower()}\n", encoding="utf-8")
    run = audit(_crafted(folder / "export.xlsx"), AuditPeriod.parse(PERIOD), config)
    overview = write_reports(run, folder / "reports")
    return Written(run, overview, folder / "reports", request.param)


# ---------------------------------------------------------------- who belongs where


@dataclass(frozen=True)
class Membership:
    child_team: dict[str, str]
    worker_team: dict[str, str]
    worker_name: dict[str, str]

    def other_children(self, team: str) -> set[str]:
        return {c for c, t in self.child_team.items() if t != team}

    def other_workers(self, team: str) -> set[str]:
        return {w for w, t in self.worker_team.items() if t != team}

    def other_names(self, team: str) -> set[str]:
        own = {self.worker_name[w] for w, t in self.worker_team.items() if t == team}
        # Two workers can share a name; one in this team may be shown by it.
        return {self.worker_name[w] for w in self.other_workers(team)} - own - {""}


def membership(run: AuditRun) -> Membership:
    children = run.loaded.tables["children"]
    workers = run.loaded.tables["workers"]
    team = children["allocated_team"].fillna(UNALLOCATED_TEAM)
    return Membership(
        child_team=dict(zip(children["child_id"], team, strict=True)),
        worker_team=dict(zip(workers["worker_id"], workers["team"], strict=True)),
        worker_name={
            str(w): str(n)
            for w, n in zip(workers["worker_id"], workers["worker_name"], strict=True)
            if pd.notna(n)
        },
    )


def test_the_sample_is_loaded_whole_and_its_ids_are_single_tokens(written):
    # The membership above is the whole input only if nothing was rejected, and the token
    # check can only find an ID that is one token.
    for load in written.run.loaded.loads.values():
        assert load.rows_rejected == 0, load.table
    people = membership(written.run)
    assert len({*people.child_team.values()} - {UNALLOCATED_TEAM}) >= 4
    for identifier in [*people.child_team, *people.worker_team]:
        assert tokens(identifier) == {identifier}, identifier


# ---------------------------------------------------------------- what a report shows


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.pieces += [value for _name, value in attrs if value]

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.pieces.append(data)

    def handle_comment(self, data: str) -> None:
        self.pieces.append(data)


def html_pieces(path: Path) -> list[str]:
    """Every text node, attribute value and comment, plus the raw page (entities undone)."""
    raw = path.read_text(encoding="utf-8")
    parser = _Text()
    parser.feed(raw)
    parser.close()
    return [*parser.pieces, html.unescape(raw)]


def workbook_pieces(path: Path) -> list[str]:
    """Every cell of every sheet, the document properties, and every stored XML part."""
    wb = openpyxl.load_workbook(path)
    pieces = [str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row if v]
    pieces += [ws.title for ws in wb]
    props = wb.properties
    pieces += [str(v) for v in (props.title, props.subject, props.description, props.keywords)]
    with zipfile.ZipFile(path) as zf:
        pieces += [html.unescape(zf.read(n).decode("utf-8")) for n in zf.namelist()]
    return pieces


def _named(pieces: Iterable[str], names: Iterable[str]) -> set[str]:
    """Which of ``names`` occur as whole words (across tags or cells too) in the pieces."""
    names = sorted(names)
    if not names:
        return set()
    # Name parts separated by any non-word run, so "Esme <b>Quillby" is found as well.
    pattern = re.compile(
        r"(?<![^\W_])("
        + "|".join(r"[\W_]+".join(map(re.escape, _TOKEN.findall(n))) for n in names)
        + r")(?![^\W_])",
        re.IGNORECASE,
    )
    text = "\n".join(pieces)
    found = {" ".join(_TOKEN.findall(m.group(1))).casefold() for m in pattern.finditer(text)}
    return {n for n in names if " ".join(_TOKEN.findall(n)).casefold() in found}


def _report_files(written: Written) -> list[tuple[str, Path]]:
    teams_dir = written.folder / "teams"
    files = []
    for team in written.overview.teams:
        for suffix in (".html", ".xlsx"):
            path = teams_dir / f"{team.slug}{suffix}"
            assert path.exists(), f"no report {path.name} for team {team.team!r}"
            files.append((team.team, path))
    return files


def _pieces(path: Path) -> list[str]:
    return html_pieces(path) if path.suffix == ".html" else workbook_pieces(path)


# ---------------------------------------------------------------- the guarantee


def test_every_team_in_the_data_has_its_own_reports(written):
    people = membership(written.run)
    reported = {t.team for t in written.overview.teams}
    assert set(people.child_team.values()) <= reported
    on_disk = sorted(p.name for p in (written.folder / "teams").iterdir())
    assert on_disk == sorted(p.name for _team, p in _report_files(written))


def leaks(written: Written) -> list[str]:
    people = membership(written.run)
    found: list[str] = []
    for team, path in _report_files(written):
        pieces = _pieces(path)
        seen = set().union(*(tokens(p) for p in pieces))
        for child in sorted(seen & people.other_children(team)):
            found.append(f"{path.name}: child {child} of {people.child_team[child]!r}")
        for worker in sorted(seen & people.other_workers(team)):
            found.append(f"{path.name}: worker {worker} of {people.worker_team[worker]!r}")
        for name in sorted(_named(pieces, people.other_names(team))):
            found.append(f"{path.name}: worker name {name!r} from another team")
    return found


def own_children_left_out(written: Written) -> tuple[list[str], int]:
    """Files leaving out their own team's not-met children; how many such children in all."""
    people = membership(written.run)
    findings = written.run.findings
    not_met = findings[(findings["outcome"] == NOT_MET) & findings["child_id"].notna()]
    problems, total = [], 0
    for team, path in _report_files(written):
        own = {
            c
            for c in not_met.loc[not_met["team"] == team, "child_id"]
            if people.child_team.get(c) == team
        }
        seen = set().union(*(tokens(p) for p in _pieces(path)))
        if missing := sorted(own - seen):
            problems.append(f"{path.name} leaves out its own not-met children {missing}")
        total += len(own)
    return problems, total


def test_no_team_report_shows_another_teams_child_worker_or_worker_name(written):
    """ISOLATION over the whole sample: the data-breach check. A failure lists the leaks."""
    found = leaks(written)
    assert not found, "LEAK: another team's people in a team report:\n" + "\n".join(found)


def test_cross_team_records_never_show_the_other_team(crafted):
    """ISOLATION in the cross-team cases the sample lacks (see ``_crafted``)."""
    found = leaks(crafted)
    assert not found, "LEAK: another team's people in a team report:\n" + "\n".join(found)


def test_each_team_report_shows_its_own_not_met_children(written):
    """So the isolation check cannot pass on an empty report."""
    problems, total = own_children_left_out(written)
    assert not problems
    assert total > 0


def test_the_cross_team_reports_still_show_their_own_children(crafted):
    problems, total = own_children_left_out(crafted)
    assert not problems
    assert total >= 3  # C900001 and C900002 (North), C900003 (South)
    files = {p.name for p in (crafted.folder / "teams").iterdir()}
    assert {"north.html", "north.xlsx", "south.xlsx", "unallocated.xlsx"} <= files
    # The cross-team records are in the reports, shown without naming the other team's people.
    for slug, label in (
        ("north", OTHER_TEAM_CHILD),  # P1, P3
        ("north", OTHER_TEAM_WORKER),  # V1; C900002's South worker
        ("south", OTHER_TEAM_CHILD),  # P4
        ("unallocated", OTHER_TEAM_CHILD),  # P2
    ):
        for suffix in (".html", ".xlsx"):
            text = "\n".join(_pieces(crafted.folder / "teams" / f"{slug}{suffix}"))
            assert label in text, f"{slug}{suffix}: {label!r}"


def test_worker_names_appear_only_when_show_names_is_on(written):
    people = membership(written.run)
    findings = written.run.findings
    not_met = findings[(findings["outcome"] == NOT_MET) & findings["worker_id"].notna()]
    named_somewhere = 0
    for team, path in _report_files(written):
        pieces = _pieces(path)
        own_workers = {
            w
            for w in not_met.loc[not_met["team"] == team, "worker_id"]
            if people.worker_team.get(w) == team and w in people.worker_name
        }
        own_names = {people.worker_name[w] for w in own_workers}
        if written.show_names:
            assert _named(pieces, own_names) == own_names, path.name
            named_somewhere += len(own_names)
        else:
            shown = _named(pieces, set(people.worker_name.values()))
            assert not shown, f"{path.name} names workers with show_names off: {sorted(shown)}"
    if written.show_names:
        assert named_somewhere > 0


def test_the_iro_and_supervision_sections_are_in_the_pages_checked_above(written):
    """The IRO section (own children without an IRO, own IROs' caseloads) and the worker
    table's supervision status are per-team content: the leak check reads them, so they
    must be there for it to mean anything."""
    findings = written.run.findings
    shown = 0
    for team in written.overview.teams:
        page = (written.folder / team.page).read_text(encoding="utf-8")
        mine = findings[findings["team"] == team.team]
        has_iro = mine["rule_code"].isin(["IRO01", "IRO02"]).any()
        assert ('id="iro"' in page) == has_iro, team.team
        if (mine["rule_code"] == "SUP02").any():
            assert "under SUP02, each worker’s supervision" in page, team.team
        shown += has_iro
    assert shown >= 2  # the children's team and the IROs' own team
