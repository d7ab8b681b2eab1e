"""Publishing a month survives ``kill -9`` at every step, and the next run tidies up.

A real ``caseaudit run`` runs in a subprocess with an audit hook (``sys.addaudithook``) that
freezes it just before its Nth rename, exchange or removal of a folder directly in the
output folder: the moments between which a month could be missing or half there. The test
then kills it with SIGKILL and looks at what a manager would find.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from audit.cli import main
from tests.workbooks import workbook

PERIOD = "2026-09"
MONTH_FILES = {"data_quality.csv", "findings.csv", "index.html", "overview.json", "run.json"}

# Runs caseaudit, freezing before the Nth folder-level change in OUT (N from the environment).
_FROZEN_RUN = """
import os, sys, time
from audit.cli import main

out = os.path.realpath(os.environ["FREEZE_OUT"])
freeze_at = int(os.environ["FREEZE_AT"])
seen = 0
WATCHED = {"os.rename", "os.replace", "shutil.rmtree", "ctypes.call_function"}

def _paths(args):
    for arg in args:
        if isinstance(arg, (tuple, list)):
            yield from _paths(arg)
        elif isinstance(arg, (str, bytes, os.PathLike)):
            yield os.fsdecode(arg)

def hook(event, args):
    global seen
    if event not in WATCHED:
        return
    if not any(os.path.dirname(os.path.abspath(p)) == out for p in _paths(args)):
        return
    seen += 1
    if seen == freeze_at:
        with open(os.environ["FREEZE_MARK"], "w") as fh:
            fh.write(event)
        time.sleep(600)

sys.addaudithook(hook)
sys.exit(main(sys.argv[1:]))
"""


def _export(path: Path, ethnicity: str | None) -> Path:
    return workbook(
        path,
        {
            "children": [
                ["child_id", "allocated_team", "allocated_worker", "ethnicity"],
                ["C1", "North", "W1", ethnicity],
                ["C2", "South", "W2", "WBRI"],
            ]
        },
    )


def _frozen_run(export: Path, out: Path, step: int, tmp_path: Path) -> str | None:
    """Run until just before the ``step``th change and kill it there; the event it froze
    at, or None when the run finished without reaching that step."""
    mark = tmp_path / f"frozen-{step}"
    env = {
        **os.environ,
        "FREEZE_OUT": str(out),
        "FREEZE_AT": str(step),
        "FREEZE_MARK": str(mark),
    }
    argv = ["run", str(export), "--period", PERIOD, "--out", str(out)]
    proc = subprocess.Popen(
        [sys.executable, "-c", _FROZEN_RUN, *argv],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not mark.exists():
        if proc.poll() is not None:
            assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
            return None
        assert time.monotonic() < deadline, "the run neither froze nor finished"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    if proc.stderr:
        proc.stderr.close()
    return mark.read_text()


def _leftovers(out: Path) -> list[str]:
    """Hidden month folders: staging or old copies a killed run left behind."""
    return sorted(p.name for p in out.iterdir() if p.name.startswith(f".{PERIOD}"))


def _assert_whole_month(out: Path) -> str:
    month = out / PERIOD
    assert month.is_dir(), f"no month in place; left: {_leftovers(out)}"
    assert {p.name for p in month.iterdir()} >= MONTH_FILES
    assert len(list((month / "teams").glob("*.html"))) == 2
    return (month / "findings.csv").read_text(encoding="utf-8")


def test_a_run_killed_at_any_step_of_replacing_a_month_leaves_a_whole_month(tmp_path):
    # Replacing is the dangerous case; a new month goes in with one rename.
    out = tmp_path / "reports"
    before = _export(tmp_path / "before.xlsx", ethnicity="WBRI")
    after = _export(tmp_path / "after.xlsx", ethnicity=None)
    assert main(["run", str(before), "--period", PERIOD, "--out", str(out)]) == 0
    old_findings = _assert_whole_month(out)
    frozen_at = []
    for step in range(1, 6):
        event = _frozen_run(after, out, step, tmp_path)
        if event is None:
            break
        frozen_at.append(event)
        findings = _assert_whole_month(out)  # the old month or the new one, whole
        assert findings == old_findings or "ethnicity_blank" in findings
    assert frozen_at, "publishing made no folder-level change to freeze at"
    # The next run (which holds the lock, so nobody else is writing) removes what the killed
    # runs left: hidden folders full of children's records.
    assert main(["run", str(after), "--period", PERIOD, "--out", str(out)]) == 0
    assert "ethnicity_blank" in _assert_whole_month(out)
    assert _leftovers(out) == []


def test_every_run_removes_stale_staging_folders(tmp_path):
    out = tmp_path / "reports"
    export = _export(tmp_path / "export.xlsx", ethnicity=None)
    # What killed runs of earlier versions and of this one leave behind.
    for name in (f".{PERIOD}-k3j9x0qa", f".{PERIOD}.staging-abc123", ".2026-08.staging-x"):
        (out / name / "teams").mkdir(parents=True)
        (out / name / "findings.csv").write_text("child_id\nC1\n")
    assert main(["run", str(export), "--period", PERIOD, "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".20")) == []


def test_a_month_moved_aside_by_a_killed_old_version_is_put_back(tmp_path):
    out = tmp_path / "reports"
    export = _export(tmp_path / "export.xlsx", ethnicity=None)
    assert main(["run", str(export), "--period", PERIOD, "--out", str(out)]) == 0
    # An earlier caseaudit killed between its two renames: the month is only in the old copy.
    (out / PERIOD).rename(out / f".{PERIOD}-old-4242")
    assert main(["run", str(export), "--period", "2026-08", "--out", str(out)]) == 0
    assert "ethnicity_blank" in _assert_whole_month(out)
    assert _leftovers(out) == []
