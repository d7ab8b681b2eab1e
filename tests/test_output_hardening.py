"""Output that survives hostile names and a hostile machine: over-long team names, folders
that cannot be written, a damaged history, planted symbolic links, a permissive umask and
control characters in names. Real files and real subprocesses throughout."""

from __future__ import annotations

import csv
import os
import re
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path

import pytest

from audit.cli import main
from tests.workbooks import workbook

LONG = "Referral and Assessment Service for Children in Need North East Locality " * 5


def _export(path: Path, teams: list[str]) -> Path:
    rows: list[list[object]] = [["child_id", "allocated_team", "allocated_worker", "ethnicity"]]
    # No ethnicity recorded: each child is an action on its own team's page.
    rows += [[f"C{i}", team, f"W{i}", None] for i, team in enumerate(teams, start=1)]
    return workbook(path, {"children": rows})


def test_a_team_name_longer_than_a_file_name_can_be_still_gets_its_report(tmp_path, capsys):
    # 365 characters: more than the 255 bytes a file name may have on ext4, xfs and tmpfs.
    # Two such names differ only past the point where a file name would be cut.
    teams = ["North", LONG + "One", LONG + "Two"]
    export = _export(tmp_path / "export.xlsx", teams)
    out = tmp_path / "reports"
    assert main(["run", str(export), "--period", "2026-09", "--out", str(out)]) == 0
    pages = sorted((out / "2026-09" / "teams").glob("*.html"))
    workbooks = sorted((out / "2026-09" / "teams").glob("*.xlsx"))
    assert len(pages) == len(workbooks) == 3
    assert all(len(p.name.encode()) <= 100 for p in pages + workbooks)
    one = [p for p in pages if (LONG.strip() + " One") in p.read_text(encoding="utf-8")]
    two = [p for p in pages if (LONG.strip() + " Two") in p.read_text(encoding="utf-8")]
    assert len(one) == 1 and len(two) == 1 and one != two
    assert "C2" in one[0].read_text(encoding="utf-8")
    assert "C3" not in one[0].read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["North", LONG, "É" * 300, "-" * 300])
def test_slugs_are_short_and_plain(name):
    from audit.reports.model import slug

    made = slug(name)
    assert 1 <= len(made) <= 80 and made.isascii() and "/" not in made


# ------------------------------------------------------------ a machine that will not write


@contextmanager
def _read_only(folder: Path) -> Iterator[None]:
    """``folder`` read-only for this process: by its mode for a normal user; for root, whom
    modes do not stop, by a read-only bind mount (as a read-only share would be)."""
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [folder, *folder.rglob("*")]}
        for path in modes:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield
        finally:
            for path, mode in modes.items():
                path.chmod(mode)
        return
    bound = subprocess.run(["mount", "--bind", str(folder), str(folder)], capture_output=True)
    if bound.returncode != 0:
        pytest.skip(f"root, and cannot bind-mount here: {bound.stderr!r}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], check=True)
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@contextmanager
def _full_disk(folder: Path) -> Iterator[None]:
    """``folder`` on a real 1 MiB file system, filled to the last block."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "caseaudit-test", str(folder)],
        capture_output=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr!r}")
    try:
        with suppress(OSError), (folder / "filler").open("wb") as fh:
            while True:
                fh.write(b"\0" * 4096)
                fh.flush()
        yield
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


def _cli(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "audit.cli", *argv], capture_output=True, text=True, cwd=cwd
    )


def _one_line(done: subprocess.CompletedProcess[str]) -> str:
    # Warnings of their own come first (no Chromium to print the PDF, on a machine without
    # one); the failure itself is one line.
    lines = done.stderr.strip().splitlines()
    assert len([line for line in lines if not line.startswith("caseaudit: warning:")]) == 1, (
        done.stderr
    )
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    return done.stderr


def test_a_read_only_output_folder_is_one_line_and_exit_5(tmp_path):
    export = _export(tmp_path / "export.xlsx", ["North"])
    out = tmp_path / "reports"
    out.mkdir()
    with _read_only(out):
        done = _cli("run", str(export), "--period", "2026-09", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 5
    said = _one_line(done)
    assert str(out) in said and "writable" in said


def test_a_full_output_folder_is_one_line_and_exit_5(tmp_path):
    export = _export(tmp_path / "export.xlsx", ["North"])
    out = tmp_path / "reports"
    config = tmp_path / "audit.toml"  # the history elsewhere: the month's files meet the full disk
    config.write_text(f'[history]\npath = "{tmp_path / "history.sqlite"}"\n')
    with _full_disk(out):
        done = _cli(
            "run", str(export), "--period", "2026-09", "--out", str(out), "--config", str(config),
            cwd=tmp_path,
        )  # fmt: skip
        left = sorted(p.name for p in out.iterdir())
    assert done.returncode == 5
    said = _one_line(done)
    assert str(out) in said and "space" in said
    assert left == [".caseaudit.lock", "filler"]  # no half-written month, no staging


def test_a_read_only_log_file_is_one_line_and_exit_5(tmp_path):
    export = _export(tmp_path / "export.xlsx", ["North"])
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "caseaudit.log").write_text("earlier runs\n")
    with _read_only(logs):
        done = _cli(
            "--log", str(logs / "caseaudit.log"), "check", str(export),
            "--csv", str(tmp_path / "dq.csv"), cwd=tmp_path,
        )  # fmt: skip
    assert done.returncode == 5
    said = _one_line(done)
    assert str(logs / "caseaudit.log") in said and "writable" in said


def test_a_history_with_its_tables_missing_is_one_line_and_exit_5(tmp_path):
    export = _export(tmp_path / "export.xlsx", ["North"])
    out = tmp_path / "reports"
    assert main(["run", str(export), "--period", "2026-08", "--out", str(out)]) == 0
    with closing(sqlite3.connect(out / "history.sqlite")) as db:
        db.execute("DROP TABLE results")
        db.commit()
    done = _cli("run", str(export), "--period", "2026-09", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 5
    said = _one_line(done)
    assert str(out / "history.sqlite") in said and "results" in said and "backup" in said


# ------------------------------------------------------------ owner-only, whatever the umask


def test_everything_caseaudit_creates_is_owner_only_even_under_umask_000(tmp_path):
    export = _export(tmp_path / "export.xlsx", ["North", "South"])
    config = tmp_path / "audit.toml"
    config.write_text(
        '[email]\nhost = "localhost"\nport = 2525\nsecurity = "none"\n'
        'sender = "caseaudit@example.gov.uk"\nqa_leads = ["qa@example.gov.uk"]\n'
        f'outbox = "{tmp_path / "mail" / "outbox"}"\n'
        '[email.teams]\nNorth = ["north@example.gov.uk"]\n'
    )
    made = [tmp_path / "new", tmp_path / "logs", tmp_path / "mail"]  # none exists yet
    done = subprocess.run(
        [
            sys.executable, "-m", "audit.cli", "--log", str(tmp_path / "logs" / "a" / "run.log"),
            "run", str(export), "--period", "2026-09", "--config", str(config),
            "--out", str(tmp_path / "new" / "nested" / "reports"), "--email", "--dry-run",
        ],
        capture_output=True, text=True, cwd=tmp_path, umask=0,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    created = [p for top in made for p in [top, *top.rglob("*")]]
    assert any(p.suffix == ".eml" for p in created) and any(p.suffix == ".log" for p in created)
    assert any(p.name == "history.sqlite" for p in created)
    wide = {
        str(p.relative_to(tmp_path)): oct(stat.S_IMODE(p.lstat().st_mode))
        for p in created
        if stat.S_IMODE(p.lstat().st_mode) != (0o700 if p.is_dir() else 0o600)
    }
    assert wide == {}


# ------------------------------------------------------------ links planted where caseaudit writes


UNTOUCHED = "the contents of someone else's file\n"


def _email_config(tmp_path: Path) -> Path:
    config = tmp_path / "audit.toml"
    config.write_text(
        '[email]\nhost = "localhost"\nport = 2525\nsecurity = "none"\n'
        'sender = "caseaudit@example.gov.uk"\nqa_leads = ["qa@example.gov.uk"]\n'
        f'outbox = "{tmp_path / "outbox"}"\n'
        '[email.teams]\nNorth = ["north@example.gov.uk"]\n'
    )
    return config


def _victim(path: Path) -> Path:
    path.write_text(UNTOUCHED)
    return path


def test_links_planted_in_the_outbox_are_replaced_never_written_through(tmp_path):
    export = _export(tmp_path / "export.xlsx", ["North", "South"])
    config, out = _email_config(tmp_path), tmp_path / "reports"
    run = ["run", str(export), "--period", "2026-09", "--config", str(config), "--out", str(out)]
    assert main([*run, "--email", "--dry-run"]) == 0
    outbox = tmp_path / "outbox" / "2026-09"
    written = sorted(outbox.glob("*.eml"))
    assert len(written) == 2
    symlinked, hardlinked = _victim(tmp_path / "victim-1"), _victim(tmp_path / "victim-2")
    written[0].unlink()
    written[0].symlink_to(symlinked)
    written[1].unlink()
    os.link(hardlinked, written[1])
    send = ["send", "--period", "2026-09", "--config", str(config), "--out", str(out)]
    assert main([*send, "--dry-run"]) == 0
    assert symlinked.read_text() == hardlinked.read_text() == UNTOUCHED
    assert all(not p.is_symlink() and p.stat().st_nlink == 1 for p in written)
    assert all("Subject:" in p.read_text() for p in written)


def test_a_linked_outbox_month_folder_is_refused(tmp_path, capsys):
    export = _export(tmp_path / "export.xlsx", ["North"])
    config, out = _email_config(tmp_path), tmp_path / "reports"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "outbox").mkdir()
    (tmp_path / "outbox" / "2026-09").symlink_to(elsewhere)
    run = ["run", str(export), "--period", "2026-09", "--config", str(config), "--out", str(out)]
    assert main([*run, "--email", "--dry-run"]) == 5
    assert list(elsewhere.iterdir()) == []
    assert "symbolic link" in capsys.readouterr().err


def test_a_linked_lock_history_or_log_file_is_never_written_through(tmp_path):
    export = _export(tmp_path / "export.xlsx", ["North"])
    out = tmp_path / "reports"
    out.mkdir()
    victims = [_victim(tmp_path / f"victim-{n}") for n in range(3)]
    (out / ".caseaudit.lock").symlink_to(victims[0])
    (out / "history.sqlite").symlink_to(victims[1])
    (tmp_path / "run.log").symlink_to(victims[2])
    run = ["run", str(export), "--period", "2026-09", "--out", str(out)]
    assert main(["--log", str(tmp_path / "run.log"), *run]) == 5
    assert main(run) == 5
    (out / ".caseaudit.lock").unlink()
    assert main(run) == 5
    assert [v.read_text() for v in victims] == [UNTOUCHED] * 3


# ------------------------------------------------------------ control characters from the data

NASTY_TEAM = "East\r\n2026-09-01 ERROR forged line \x1b[2J\x1b]0;owned\x07\x9b31m"
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def test_names_with_line_breaks_and_escapes_reach_the_console_and_log_as_plain_text(
    tmp_path, capsys
):
    export = tmp_path / "export"  # a folder of CSV files: a workbook cannot hold the escapes
    export.mkdir()
    with (export / "children.csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [
                ["child_id", "allocated_team", "allocated_worker", "ethnicity"],
                ["C1", "North", "W1", ""],
                ["C2", NASTY_TEAM, "W2\x1b[1A\r", ""],
            ]
        )
    config, out, log = _email_config(tmp_path), tmp_path / "reports", tmp_path / "run.log"
    argv = ["--log", str(log), "run", str(export), "--period", "2026-09"]
    argv += ["--config", str(config), "--out", str(out), "--email", "--dry-run"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "East" in printed  # the team with nobody to send to is still named
    assert not CONTROLS.search(printed), printed
    assert not any(line.startswith("2026-09-01 ERROR forged") for line in printed.splitlines())


def test_an_error_naming_a_hostile_file_name_is_one_plain_line_on_screen_and_in_the_log(
    tmp_path,
):
    hostile = tmp_path / "cases\x1b[2J\r\n2026-09-01 ERROR forged.xlsx"
    log = tmp_path / "run.log"
    done = _cli("--log", str(log), "check", str(hostile), cwd=tmp_path)
    assert done.returncode == 3
    assert "not found" in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr
    assert not CONTROLS.search(done.stderr)
    logged = log.read_text(encoding="utf-8")
    assert "not found" in logged and not CONTROLS.search(logged)
    assert not any(line.startswith("2026-09-01 ERROR forged") for line in logged.splitlines())


def test_a_full_outbox_is_one_line_and_exit_5(tmp_path):
    export = _export(tmp_path / "export.xlsx", ["North"])
    config, out = _email_config(tmp_path), tmp_path / "reports"
    run = ["run", str(export), "--period", "2026-09", "--config", str(config), "--out", str(out)]
    with _full_disk(tmp_path / "outbox"):
        done = _cli(*run, "--email", "--dry-run", cwd=tmp_path)
    assert done.returncode == 5
    said = _one_line(done)
    assert str(tmp_path / "outbox") in said and "space" in said
