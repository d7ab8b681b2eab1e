"""A region: a folder of authorities audited as one run, each kept apart from the others.

Two small fictional authorities (``audit.sample.region``) whose child and worker IDs
collide (councils number independently) and whose team names partly overlap ("Child
Protection South" in both). One child ID, C0001, is given to a child in each authority
with different records: the region's findings must judge each on its own authority's data.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import io
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from audit.cli import main
from audit.history import MIGRATIONS, SCHEMA_VERSION, History
from audit.period import AuditPeriod
from audit.reports.store import load_overview
from audit.results import Thresholds
from audit.rulekit import MET, NOT_MET
from audit.run import audit
from audit.sample.region import write_region
from tests.test_isolation import _pieces, tokens

RAG = Thresholds()
SEP, OCT = "2026-09", "2026-10"
SHARED = "C0001"  # one ID, a different child in each authority
SHARED_TEAM = "Child Protection South"  # a team name both authorities use


def _vis01(folder: Path, period: str) -> pd.DataFrame:
    findings = audit(folder, AuditPeriod.parse(period)).findings
    return findings[findings["rule_code"] == "VIS01"]


def _rename_child(folder: Path, old: str, new: str) -> None:
    for path in folder.glob("*.parquet"):
        frame = pd.read_parquet(path)
        if "child_id" in frame:
            frame["child_id"] = frame["child_id"].replace({old: new})
            frame.to_parquet(path, index=False)


@dataclass
class Region:
    folder: Path
    out: Path
    names: list[str]
    codes: dict[str, int]  # month -> exit code
    printed: dict[str, str]


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Region:
    """Larkmere and Quillmere, each with a child C0001 whose October visit was met; then
    Quillmere's C0001 loses every visit, so only Quillmere's is not met. Audited for
    September and October into one reports folder with its history."""
    root = tmp_path_factory.mktemp("region")
    folder = root / "region"
    larkmere, quillmere = write_region(folder, 2, 60, seed=7)
    for authority in (larkmere, quillmere):
        met = _vis01(authority, OCT)
        child = met.loc[met["outcome"] == MET, "child_id"].sort_values().iloc[0]
        _rename_child(authority, child, SHARED)
    for authority in (larkmere, quillmere):  # the IRO contact dates an export may hold
        children = pd.read_parquet(authority / "children.parquet")
        children["last_iro_contact_date"] = children["case_start_date"]
        children.to_parquet(authority / "children.parquet", index=False)
    visits = pd.read_parquet(quillmere / "visits.parquet")
    visits[visits["child_id"] != SHARED].to_parquet(quillmere / "visits.parquet", index=False)
    (root / "audit.toml").write_text("", encoding="utf-8")
    out = root / "reports"
    codes, printed = {}, {}
    for month in (SEP, OCT):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            codes[month] = main(
                [
                    "run",
                    str(folder),
                    "--period",
                    month,
                    "--out",
                    str(out),
                    "--config",
                    str(root / "audit.toml"),
                ]
            )
        printed[month] = buffer.getvalue()
    return Region(folder, out, [larkmere.name, quillmere.name], codes, printed)


def _findings(region: Region) -> pd.DataFrame:
    return pd.read_csv(region.out / OCT / "findings.csv", dtype=str)


def test_the_region_runs_and_says_which_authorities_it_read(region):
    assert region.codes == {SEP: 0, OCT: 0}
    assert "as a region of 2 authorities: Larkmere, Quillmere" in region.printed[OCT]
    assert "Larkmere: 60 children" in region.printed[OCT]


def test_one_child_id_in_two_authorities_is_judged_on_each_authoritys_own_records(region):
    findings = _findings(region)
    shared = findings[(findings["rule_code"] == "VIS01") & (findings["child_id"] == SHARED)]
    outcome = dict(zip(shared["authority"], shared["outcome"], strict=True))
    # Pooled on the bare ID, Quillmere's C0001 would have borrowed Larkmere's visits.
    assert outcome == {"Larkmere": MET, "Quillmere": NOT_MET}


def test_each_authoritys_findings_are_those_of_auditing_it_alone(region):
    findings = _findings(region)
    key = ["rule_code", "subject_id", "child_id", "worker_id", "team", "outcome", "reason_code"]
    for name in region.names:
        alone = audit(region.folder / name, AuditPeriod.parse(OCT)).findings
        expected = alone[key].astype("string").fillna("").sort_values(key).reset_index(drop=True)
        got = findings.loc[findings["authority"] == name, key].fillna("")
        got = got.astype("string").sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(got, expected)


def test_run_json_has_the_authority_above_the_team(region):
    record = json.loads((region.out / OCT / "run.json").read_text(encoding="utf-8"))
    assert "teams" not in record
    assert list(record["authorities"]) == region.names
    for name in region.names:
        authority = record["authorities"][name]
        assert authority["tables"]["children"]["rows_loaded"] == 60
        assert SHARED_TEAM in authority["teams"]  # the authority's own team name
    lark = record["authorities"]["Larkmere"]["teams"][SHARED_TEAM]
    quill = record["authorities"]["Quillmere"]["teams"][SHARED_TEAM]
    assert lark != quill  # two teams with one name, counted apart
    vis01 = next(r for r in record["rules"] if r["code"] == "VIS01")
    per_team = [
        t["VIS01"]["met"] + t["VIS01"]["not_met"]
        for a in record["authorities"].values()
        for t in a["teams"].values()
        if "VIS01" in t
    ]
    assert sum(per_team) == vis01["met"] + vis01["not_met"]


def test_the_overview_shows_each_authority_with_its_own_teams(region):
    overview = load_overview(region.out / OCT)
    assert overview.authorities == region.names
    for name in region.names:
        teams = overview.teams_of(name)
        assert SHARED_TEAM in {t.own_name for t in teams}
        assert all(t.team == f"{name} / {t.own_name}" for t in teams)
    pages = [t.page for t in overview.teams]
    assert len(pages) == len(set(pages))
    assert "teams/larkmere--child-protection-south.html" in pages
    assert "teams/quillmere--child-protection-south.html" in pages
    contacts = {c.team: c.page for c in overview.iro_contacts or []}
    assert contacts, "the IRO contact summary is on the region's overview"
    assert all(contacts[t.team] == t.page for t in overview.teams if t.team in contacts)
    assert set(contacts) <= {t.team for t in overview.teams}
    index = (region.out / OCT / "index.html").read_text(encoding="utf-8")
    assert 'id="authorities"' in index
    assert 'data-authority="Quillmere"' in index
    assert 'href="teams/quillmere--child-protection-south.html">Child Protection South</a>' in index


def _people(folder: Path) -> tuple[dict[str, str], dict[str, str]]:
    children = pd.read_parquet(folder / "children.parquet")
    workers = pd.read_parquet(folder / "workers.parquet")
    child_team = children["allocated_team"].fillna("Unallocated")
    return (
        dict(zip(children["child_id"], child_team, strict=True)),
        dict(zip(workers["worker_id"], workers["team"], strict=True)),
    )


def test_no_team_page_shows_a_child_or_worker_of_another_team_or_authority(region):
    """The leak check of tests/test_isolation.py across authorities: a page may hold only
    its own team's children's and workers' IDs. IDs two authorities share are allowed only
    where they are the team's own (which C0001 is meant is pinned by the findings above)."""
    overview = load_overview(region.out / OCT)
    people = {name: _people(region.folder / name) for name in region.names}
    every_child = {c for children, _ in people.values() for c in children}
    every_worker = {w for _, workers in people.values() for w in workers}
    leaks, own_seen = [], 0
    for team in overview.teams:
        children, workers = people[team.authority]
        own_children = {c for c, t in children.items() if t == team.own_name}
        own_workers = {w for w, t in workers.items() if t == team.own_name}
        for path in (region.out / OCT / team.page, region.out / OCT / team.workbook):
            seen = set().union(*(tokens(p) for p in _pieces(path)))
            leaks += [f"{path.name}: {c}" for c in sorted(seen & (every_child - own_children))]
            leaks += [f"{path.name}: {w}" for w in sorted(seen & (every_worker - own_workers))]
            own_seen += len(seen & own_children)
    assert not leaks, "LEAK across teams or authorities:\n" + "\n".join(leaks)
    assert own_seen  # the pages do show their own children, so the check is not vacuous


def test_the_history_keeps_each_authoritys_teams_and_their_trends(region):
    with History.open(region.out / "history.sqlite") as history:
        teams = history.teams(AuditPeriod.parse(OCT))
        assert ("Larkmere", f"Larkmere / {SHARED_TEAM}") in teams
        assert ("Quillmere", f"Quillmere / {SHARED_TEAM}") in teams
        assert {a for a, _ in teams} == set(region.names)
        october = AuditPeriod.parse(OCT)
        trend = history.team_trend(
            f"Quillmere / {SHARED_TEAM}", "VIS01", october, 2, thresholds=RAG
        )
        assert [p.period.label for p in trend] == [SEP, OCT]
        assert all(p.score is not None and p.score.judged for p in trend)
        lark = history.authority_trend("Larkmere", "VIS01", october, 2, thresholds=RAG)
        quill = history.authority_trend("Quillmere", "VIS01", october, 2, thresholds=RAG)
        assert all(p.score is not None for p in lark + quill)
        assert lark[-1].score != quill[-1].score
    overview = load_overview(region.out / OCT)
    team = next(t for t in overview.teams if t.team == f"Quillmere / {SHARED_TEAM}")
    assert [p.period.label for p in team.trends["VIS01"]][-2:] == [SEP, OCT]
    assert team.trends["VIS01"][-2].score is not None  # September's, from the history


def test_a_table_file_beside_the_authority_folders_stops_the_run(region, tmp_path, capsys):
    mixed = tmp_path / "mixed"
    (mixed / "Larkmere").mkdir(parents=True)
    for path in (region.folder / "Larkmere").iterdir():
        (mixed / "Larkmere" / path.name).write_bytes(path.read_bytes())
    (mixed / "children.csv").write_text("child_id\nC1\n", encoding="utf-8")
    code = main(["run", str(mixed), "--period", OCT, "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip()
    assert code == 3
    assert err.count("\n") == 0
    assert "children.csv" in err and "authority's folder" in err
    assert not (tmp_path / "out" / OCT).exists()


def test_another_file_beside_the_authority_folders_is_ignored_and_named(region, tmp_path, capsys):
    mixed = tmp_path / "mixed"
    (mixed / "Larkmere").mkdir(parents=True)
    for path in (region.folder / "Larkmere").iterdir():
        (mixed / "Larkmere" / path.name).write_bytes(path.read_bytes())
    (mixed / "README.txt").write_text("exports of October\n", encoding="utf-8")
    code = main(["run", str(mixed), "--period", OCT, "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert f"Ignored README.txt in {mixed}: not an authority folder" in out
    assert (tmp_path / "out" / OCT / "teams" / "larkmere--child-protection-south.html").exists()


def test_a_history_from_before_regions_is_migrated_and_its_months_read_as_before(tmp_path):
    path = tmp_path / "history.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for version, statements in enumerate(MIGRATIONS[:3], 1):
        for statement in statements:
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version VALUES (?, '2026-10-01', '0')", (version,))
    conn.execute(
        "INSERT INTO runs VALUES ('2026-09', '2026-10-01', '[]', ?, 'complete', '0')", ("0" * 64,)
    )
    conn.execute("INSERT INTO results VALUES ('2026-09', 'North', 'VIS01', 9, 1, 0)")
    conn.close()
    with History.open(path) as history:
        assert history.schema_version == SCHEMA_VERSION == 4
        september = AuditPeriod.parse(SEP)
        assert history.teams(september) == [("", "North")]
        (point,) = history.team_trend("North", "VIS01", september, 1, thresholds=RAG)
        assert (point.score.met, point.score.not_met) == (9, 1)


def test_each_authoritys_team_is_emailed_its_own_report(region, tmp_path):
    """Recipients are configured per authority and team; a team's message carries only its
    own files, so Larkmere's and Quillmere's "Child Protection South" get their own."""
    config = tmp_path / "audit.toml"
    config.write_text(
        f"""[email]
host = "smtp.example.org"
sender = "case-audit@region.example.org"
qa_leads = ["qa@region.example.org"]
outbox = "{tmp_path / "outbox"}"

[email.teams]
"Larkmere / {SHARED_TEAM}" = ["cp-larkmere@region.example.org"]
"Quillmere / {SHARED_TEAM}" = ["cp-quillmere@region.example.org"]
""",
        encoding="utf-8",
    )
    code = main(
        ["send", "--period", OCT, "--out", str(region.out), "--config", str(config), "--dry-run"]
    )
    assert code == 0
    sent = {}
    for path in sorted((tmp_path / "outbox").rglob("team-*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        files = sorted(p.get_filename() for p in message.iter_attachments())
        sent[str(message["To"])] = files
    assert set(sent) == {"cp-larkmere@region.example.org", "cp-quillmere@region.example.org"}
    for recipient, files in sent.items():
        own = recipient.removeprefix("cp-").split("@")[0] + "--child-protection-south"
        assert {f"{own}.html", f"{own}.xlsx"} <= set(files)
        assert all(name.startswith(f"{own}.") for name in files), files


def test_a_region_of_many_authorities_is_audited_on_every_core_and_joined_in_order(tmp_path):
    """Eight authorities or more go to forked workers, one authority each at a time; the
    region's findings.csv is their rows joined in the region's order under one header, and
    every row is counted in run.json under its own authority."""
    from audit.reports.parallel import _workers

    names = sorted(p.name for p in write_region(tmp_path / "region", 8, 30, seed=11))
    if _workers(len(names)) < 2:
        pytest.skip("one core here: the authorities are audited one after another")
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "region"), "--period", OCT, "--out", str(out)]) == 0
    findings = pd.read_csv(out / OCT / "findings.csv", dtype=str)
    assert list(dict.fromkeys(findings["authority"])) == names  # each once, folder order
    record = json.loads((out / OCT / "run.json").read_text(encoding="utf-8"))
    for name in names:
        counted = sum(
            sum(score[k] for k in ("met", "not_met", "not_applicable"))
            for team in record["authorities"][name]["teams"].values()
            for score in team.values()
        )
        assert counted == (findings["authority"] == name).sum() > 0
    quality = pd.read_csv(out / OCT / "data_quality.csv", dtype=str)
    assert list(quality.columns[:2]) == ["authority", "table"]


def test_what_a_region_run_set_aside_from_the_collector_is_collectable_again(region, tmp_path):
    """Each authority's report content is frozen out of full collections as it arrives
    (gc.freeze); once the month is written it must be collectable again, or a process
    that runs twice keeps every earlier region's garbage cycles for good."""
    import gc

    out = tmp_path / "out"
    assert main(["run", str(region.folder), "--period", OCT, "--out", str(out)]) == 0
    assert (out / OCT / "overview.json").exists()
    assert gc.get_freeze_count() == 0


def test_a_warning_every_authority_shares_is_given_once_for_the_region(region, tmp_path, capsys):
    """A month long after every authority's newest record: the run warns once, not once per
    authority, as one authority's run would."""
    out = tmp_path / "out"
    assert main(["run", str(region.folder), "--period", "2028-06", "--out", str(out)]) == 0
    err = capsys.readouterr().err
    stale = [line for line in err.splitlines() if "dated within a year before 2028-06" in line]
    assert len(stale) == 1, err
    assert stale[0].startswith("caseaudit: warning: no record in the export")


def test_check_on_a_region_says_to_check_one_authority_at_a_time(region, capsys):
    code = main(["check", str(region.folder), "--csv", str(region.out / "dq.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert "is a region of 2 authorities: check one authority's folder at a time" in err
    assert f"caseaudit check {region.folder / 'Larkmere'}" in err


def _key_frame(frame: pd.DataFrame) -> pd.DataFrame:
    key = ["rule_code", "subject_id", "child_id", "worker_id", "team", "outcome", "reason_code"]
    frame = frame[key].astype("string").fillna("")
    return frame.sort_values(key).reset_index(drop=True)


def test_an_authority_folder_holding_one_annex_a_workbook_is_audited_as_that_workbook(tmp_path):
    """Councils share their Annex A workbooks: an authority's folder holding one is audited
    exactly as ``caseaudit run`` audits the workbook alone, beside a canonical authority."""
    from tests.test_profile_annex_a import annex_a_workbook

    folder = tmp_path / "region"
    (larkmere,) = write_region(folder, 1, 30, seed=5)
    annexton = folder / "Annexton"
    annexton.mkdir()
    workbook = annex_a_workbook(annexton)
    out = tmp_path / "out"
    assert main(["run", str(folder), "--period", OCT, "--out", str(out)]) == 0
    findings = pd.read_csv(out / OCT / "findings.csv", dtype=str)
    for name, alone in (("Annexton", workbook), (larkmere.name, larkmere)):
        expected = _key_frame(audit(alone, AuditPeriod.parse(OCT)).findings)
        assert len(expected) > 0
        got = _key_frame(findings[findings["authority"] == name])
        got["team"] = got["team"].str.removeprefix(f"{name} / ")
        pd.testing.assert_frame_equal(got, expected)
    overview = load_overview(out / OCT)
    assert overview.authorities == sorted(["Annexton", larkmere.name])
    assert {t.own_name for t in overview.teams_of("Annexton")} >= {"CP East"}
    record = json.loads((out / OCT / "run.json").read_text(encoding="utf-8"))
    assert record["authorities"]["Annexton"]["profile"] == "annex-a"


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ("other.xlsx", "holds 2 workbooks (annex_a.xlsx, other.xlsx)"),
        ("notes.csv", "holds the workbook annex_a.xlsx beside the table file notes.csv"),
    ],
)
def test_an_authority_folder_with_two_workbooks_or_a_workbook_and_tables_stops_the_run(
    tmp_path, capsys, extra, said
):
    from tests.test_profile_annex_a import annex_a_workbook

    annexton = tmp_path / "region" / "Annexton"
    annexton.mkdir(parents=True)
    workbook = annex_a_workbook(annexton)
    (annexton / extra).write_bytes(workbook.read_bytes() if extra.endswith(".xlsx") else b"a\n1\n")
    code = main(["run", str(tmp_path / "region"), "--period", OCT, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err.strip()
    assert code == 3
    assert err.count("\n") == 0
    assert f"{annexton} {said}" in err, err
    assert not (tmp_path / "o" / OCT).exists()
