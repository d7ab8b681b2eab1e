"""What a user sees at the command line: usage, messages, warnings, progress, pipes."""

from __future__ import annotations

import io
import os
import pty
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from audit.cli import build_parser, main
from audit.loader import load
from audit.period import AuditPeriod
from audit.period_warnings import period_warnings
from audit.progress import ProgressLines
from tests.workbooks import workbook

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_cases" / "authority.xlsx"
CLI = [sys.executable, "-m", "audit.cli"]


@pytest.fixture
def export(tmp_path) -> Path:
    return workbook(
        tmp_path / "export.xlsx",
        {
            "children": [
                ["child_id", "allocated_team", "allocated_worker", "ethnicity"],
                ["C1", "North", "W1", "WBRI"],
                ["C2", "South", "W2", None],
            ],
            "visits": [
                ["visit_id", "child_id", "visit_date", "seen_alone"],
                ["V1", "C1", "2026-09-03", "Y"],
                ["V2", "C2", "2026-09-10", "N"],
            ],
        },
    )


def test_no_arguments_shows_the_usage_and_the_commands_once(capsys):
    assert main([]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: caseaudit ")
    assert "caseaudit caseaudit" not in err
    for command in ("check", "run", "send", "rules", "sample"):
        assert f"    {command} " in err


def test_a_subcommand_error_points_to_that_subcommands_help(capsys):
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.endswith("(see 'caseaudit run --help')\n")


def test_a_month_out_of_range_is_named(capsys, export):
    assert main(["run", str(export), "--period", "2026-13"]) == 2
    assert capsys.readouterr().err == (
        "caseaudit: error: --period 2026-13: the month must be 01 to 12 "
        "(January to December); got 13\n"
    )


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_and_log_work_before_or_after_the_subcommand(where, tmp_path, capsys):
    log = tmp_path / "caseaudit.log"
    common = ["--debug", "--log", str(log)]
    command = ["check", str(tmp_path / "missing.xlsx")]
    argv = common + command if where == "before" else command + common
    args = build_parser().parse_args(argv)
    assert (args.debug, args.log) == (True, log)
    # Without --debug the error is one line and lands in the log too.
    argv = [a for a in argv if a != "--debug"]
    assert main(argv) == 3
    assert "missing.xlsx" in capsys.readouterr().err
    assert "missing.xlsx" in log.read_text()


def test_a_closed_pipe_ends_quietly_like_a_unix_tool():
    done = subprocess.Popen([*CLI, "rules"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert done.stdout is not None and done.stderr is not None
    done.stdout.close()  # `caseaudit rules | head -0`: the reader has gone before any output
    err = done.stderr.read().decode()
    assert done.wait(timeout=60) == 141  # 128 + SIGPIPE, what a shell shows for `yes | head`
    assert err == ""


def test_config_errors_name_the_file_and_suggest_the_key(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("audit.toml").write_text('selct = ["IDN01"]\n')
    assert main(["rules", "--config", "audit.toml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "caseaudit: error: audit.toml: top level: unknown key 'selct'. Did you mean 'select'? "
        "Valid keys: select, exclude"
    )


def test_select_errors_list_codes_with_names_and_suggest(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("audit.toml").write_text('select = ["ethnicity_recordd"]\n')
    assert main(["rules", "--config", "audit.toml"]) == 2
    err = capsys.readouterr().err
    assert "unknown rule 'ethnicity_recordd'. Did you mean 'ethnicity_recorded'?" in err
    assert "IDN01 ethnicity_recorded" in err


def test_help_has_no_markup():
    parser = build_parser()
    texts = [parser.format_help()]
    commands = next(a for a in parser._actions if isinstance(a.choices, dict))
    texts += [sub.format_help() for sub in commands.choices.values()]  # type: ignore[union-attr]
    for text in texts:
        assert "``" not in text and "**" not in text and "`" not in text


def test_paths_in_output_are_normalised(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    csv = tmp_path / "dq.csv"
    assert main(["check", "sample_cases/../sample_cases/authority.xlsx", "--csv", str(csv)]) == 0
    out = capsys.readouterr().out
    assert "Loaded sample_cases/authority.xlsx as " in out
    assert "/../" not in out


def test_run_prints_the_profile_and_warns_of_a_month_beyond_the_data(export, tmp_path, capsys):
    old_export = workbook(
        tmp_path / "old.xlsx",
        {
            "children": [["child_id", "allocated_team"], ["C1", "North"]],
            "visits": [["visit_id", "child_id", "visit_date"], ["V1", "C1", "2024-03-05"]],
        },
    )
    out = tmp_path / "reports"
    assert main(["run", str(old_export), "--period", "2026-09", "--out", str(out)]) == 0
    seen = capsys.readouterr()
    assert f"Read {old_export} as caseaudit tables (recognised automatically)" in seen.out
    assert seen.err == (
        "caseaudit: warning: no record in the export is dated within a year before 2026-09 "
        "(the newest is 05/03/2024): check --period and that the export is current\n"
    )
    assert main(["run", str(export), "--period", "2026-09", "--out", str(out)]) == 0
    assert capsys.readouterr().err == ""
    argv = ["run", str(export), "--period", "2026-09", "--profile", "canonical", "--out", str(out)]
    assert main(argv) == 0
    assert f"Read {export} as caseaudit tables (--profile)" in capsys.readouterr().out


def test_an_unfinished_or_future_month_is_flagged(export):
    loaded = load(export)
    today = date(2026, 9, 20)
    assert period_warnings(loaded, AuditPeriod.parse("2026-08"), today) == []
    assert period_warnings(loaded, AuditPeriod.relative("this-month", today), today) == [
        "2026-09 is not over (today is 20/09/2026): the figures are partial; "
        "audit the month after it ends for the full picture"
    ]
    assert period_warnings(loaded, AuditPeriod.parse("2026-10"), today) == [
        "2026-10 has not started (today is 20/09/2026): there is nothing to audit yet"
    ]


def test_progress_is_rewritten_in_place_on_a_terminal_and_plain_otherwise():
    screen = io.StringIO()
    lines = ProgressLines(screen, on_terminal=True)
    lines("Loading children", 1, 2)
    lines("Loading visits", 2, 2)
    lines("Running check IDN01", 1, 3)
    lines.close()
    assert screen.getvalue() == (
        "\r\x1b[KLoading children (1/2)…\r\x1b[KLoading visits (2/2)\n"
        "\r\x1b[KRunning check IDN01 (1/3)…\n"
    )
    plain = io.StringIO()
    lines = ProgressLines(plain, on_terminal=False)
    lines("Loading children", 1, 2)
    lines("Loading visits", 2, 2)
    lines.close()
    assert plain.getvalue() == "Loading children (1/2)\nLoading visits (2/2)\n"


def test_a_run_under_cron_prints_plain_progress_lines(export, tmp_path):
    out = tmp_path / "reports"
    done = subprocess.run(
        [*CLI, "run", str(export), "--period", "2026-09", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert "\r" not in done.stdout and "\x1b" not in done.stdout
    lines = done.stdout.splitlines()
    for line in (
        "Loading children (1/2)",
        "Loading visits (2/2)",
        "Writing team report: North (1/2)",
        "Writing team report: South (2/2)",
    ):
        assert line in lines
    assert any(line.startswith("Running check ") for line in lines)


def test_a_run_on_a_terminal_updates_its_progress_in_place(export, tmp_path):
    out = tmp_path / "reports"
    pid, fd = pty.fork()
    if pid == 0:  # the child: caseaudit on a pseudo-terminal
        os.chdir(ROOT)
        os.execv(
            sys.executable, [*CLI, "run", str(export), "--period", "2026-09", "--out", str(out)]
        )
    screen = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the child has gone: the terminal is closed
            break
        if not chunk:
            break
        screen += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, screen
    text = screen.decode()
    assert "\r\x1b[KLoading children (1/2)…" in text
    assert "\r\x1b[KLoading visits (2/2)\r\n" in text
    assert "Loading children (1/2)\r\n" not in text  # rewritten, not a line of its own


def test_progress_keeps_a_team_name_from_steering_the_terminal():
    from audit.console import one_line

    screen = io.StringIO()
    lines = ProgressLines(screen, on_terminal=True, clean=one_line)
    lines("Writing team page: North\x1b[2J", 1, 1)
    assert screen.getvalue() == "\r\x1b[KWriting team page: North?[2J (1/1)\n"


def test_a_linked_file_given_is_not_resolved_past_its_link(tmp_path, monkeypatch):
    from audit.cli import _path

    monkeypatch.chdir(tmp_path)
    (tmp_path / "real").mkdir()
    (tmp_path / "run.log").symlink_to(tmp_path / "real" / "victim.log")
    # The link itself is kept, for the writer to refuse; the folder around it is folded.
    assert _path("real/../run.log") == Path("run.log")
    assert _path(str(tmp_path / "real" / ".." / "run.log")) == tmp_path / "run.log"
