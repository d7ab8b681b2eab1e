"""The command line end to end, on real files: exit codes, one-line errors, written files."""

from __future__ import annotations

import csv
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from audit.cli import main
from audit.engine.runner import FINDINGS_COLUMNS
from tests.workbooks import workbook


@pytest.fixture
def export(tmp_path) -> Path:
    return workbook(
        tmp_path / "export.xlsx",
        {
            "children": [
                ["child_id", "allocated_team", "allocated_worker", "ethnicity"],
                ["C1", "North", "W1", "WBRI"],
                ["C2", "North", "W1", None],
                ['=HYPERLINK("http://x")', "South", "W2", "NOBT"],
                ["C1", "South", "W2", "WBRI"],
            ],
        },
        formulas_as_text=True,
    )


def test_check_prints_the_accounting_and_writes_an_owner_only_csv(export, tmp_path, capsys):
    out = tmp_path / "dq.csv"
    assert main(["check", str(export), "--csv", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "children  export.xlsx, sheet children     4       3         1         0" in printed
    assert "children: duplicate_key 1" in printed
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["source_row"], r["kind"]) for r in rows] == [("5", "duplicate_key")]


def test_run_writes_the_three_files_with_findings_columns_in_order(export, tmp_path, capsys):
    out = tmp_path / "reports"
    assert main(["run", str(export), "--period", "2026-09", "--out", str(out)]) == 0
    month = out / "2026-09"
    assert sorted(p.name for p in month.iterdir()) == [
        "checks.html",
        "data_quality.csv",
        "findings.csv",
        "index.html",
        "overview.json",
        "run.json",
        "teams",
    ]
    assert stat.S_IMODE(month.stat().st_mode) == 0o700
    with (month / "findings.csv").open(encoding="utf-8") as fh:
        reader = csv.reader(fh)
        assert tuple(next(reader)) == FINDINGS_COLUMNS
        rows = [dict(zip(FINDINGS_COLUMNS, r, strict=True)) for r in reader]
    idn01 = {r["child_id"]: r for r in rows if r["rule_code"] == "IDN01"}
    assert idn01["C1"]["outcome"] == "met" and idn01["C1"]["team"] == "North"
    assert idn01["C2"]["reason_code"] == "ethnicity_blank" and idn01["C2"]["worker_id"] == "W1"
    # A formula-like ID is neutralised so Excel shows it as text.
    assert '\'=HYPERLINK("http://x")' in idn01
    record = json.loads((month / "run.json").read_text())
    status = {r["code"]: r for r in record["rules"]}
    assert status["IDN01"]["met"] == 1 and status["IDN01"]["not_met"] == 2
    assert record["inputs"][0]["sha256"] and record["inputs"][0]["bytes"] > 0
    assert record["teams"]["North"]["IDN01"]["compliance"] == 0.5
    assert record["config"]["rag"] == {"green": 0.9, "amber": 0.8, "min_judged": 5}


def test_a_rule_that_raises_and_a_rule_without_its_table_are_reported(export, tmp_path):
    rules = tmp_path / "local_rules"
    rules.mkdir()
    (rules / "ZZZ01_broken.py").write_text(
        '"""Broken."""\nfrom audit.rulekit import Rule\n'
        "def evaluate(tables, params, ctx):\n    raise KeyError('oops')\n"
        "RULE = Rule('ZZZ01', 'broken', 'i', 'child', ('children',), evaluate)\n"
    )
    (rules / "ZZZ02_needs_visits.py").write_text(
        '"""Needs visits."""\nfrom audit.rulekit import Rule\n'
        "RULE = Rule('ZZZ02', 'needs_visits', 'xi', 'visit', ('visits.seen_alone',),"
        " lambda t, p, c: None)\n"
    )
    config = tmp_path / "audit.toml"
    config.write_text('rule_dirs = ["local_rules"]\nselect = ["ZZZ01", "ZZZ02", "IDN01"]\n')
    out = tmp_path / "reports"
    assert (
        main(
            ["run", str(export), "--period", "2026-09", "--config", str(config), "--out", str(out)]
        )
        == 0
    )
    status = {r["code"]: r for r in json.loads((out / "2026-09" / "run.json").read_text())["rules"]}
    assert (status["ZZZ01"]["status"], status["ZZZ01"]["reason"]) == (
        "ERROR",
        "raised KeyError: 'oops'",
    )
    assert status["ZZZ02"]["status"] == "SKIPPED"
    assert status["ZZZ02"]["reason"] == "needs visits.seen_alone: the input has no visits table"
    assert status["IDN01"]["status"] == "RAN"
    findings = (out / "2026-09" / "findings.csv").read_text()
    assert "ZZZ01" not in findings and "ZZZ02" not in findings


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["check", "no/such/file.xlsx"], 3, "not found"),
        (["run", "{export}", "--period", "2026-13"], 2, "the month must be 01 to 12"),
        (["run", "{export}"], 2, "the following arguments are required: --period"),
        (
            ["run", "{export}", "--period", "2026-09", "--config", "{bad_config}"],
            2,
            "unknown key 'selct'",
        ),
        (["check", "{pdf}"], 3, "is not an Excel workbook"),
    ],
)
def test_errors_are_one_line_with_the_right_exit_code(args, code, message, export, tmp_path):
    bad_config = tmp_path / "bad.toml"
    bad_config.write_text('selct = ["IDN01"]\n')
    pdf = tmp_path / "report.xlsx"
    pdf.write_bytes(b"%PDF-1.7\n" + b"x" * 100)
    argv = [a.format(export=export, bad_config=bad_config, pdf=pdf) for a in args]
    done = subprocess.run(
        [sys.executable, "-m", "audit.cli", *argv], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == code
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_debug_shows_the_traceback(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "audit.cli", "--debug", "check", "nope.xlsx"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode != 0 and "Traceback" in done.stderr


def test_a_second_run_on_the_same_output_is_refused_while_one_holds_the_lock(export, tmp_path):
    from filelock import FileLock

    out = tmp_path / "reports"
    out.mkdir()
    with FileLock(out / ".caseaudit.lock"):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "audit.cli",
                "run",
                str(export),
                "--period",
                "2026-09",
                "--out",
                str(out),
            ],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
    assert done.returncode == 6
    assert "another caseaudit run is using" in done.stderr
    assert not (out / "2026-09").exists()


def test_last_month_period_and_log_file(export, tmp_path):
    from datetime import date

    from audit.period import AuditPeriod

    log = tmp_path / "logs" / "caseaudit.log"
    out = tmp_path / "reports"
    assert (
        main(["--log", str(log), "run", str(export), "--period", "last-month", "--out", str(out)])
        == 0
    )
    expected = AuditPeriod.relative("last-month", date.today()).label
    assert (out / expected / "findings.csv").exists()
    assert f"for {expected} written to" in log.read_text()


@pytest.mark.parametrize(
    ("today", "first"),
    [
        ("2026-09-15", "2026-09-01"),  # Tuesday 1 September
        ("2026-08-03", "2026-08-03"),  # 1-2 August 2026 is a weekend
        ("2027-01-10", "2027-01-04"),  # 1 Jan holiday, then a weekend: Monday 4 January
        ("2026-06-01", "2026-06-01"),
    ],
)
def test_first_working_day_of_the_month_skips_weekends_and_bank_holidays(today, first):
    from datetime import date

    from audit.cli import first_working_day

    assert first_working_day(date.fromisoformat(today)) == date.fromisoformat(first)
