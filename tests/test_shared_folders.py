"""Folders the user hands caseaudit keep their permissions; what caseaudit makes is its own.

Pointing ``--out`` or ``--csv`` at a shared folder (``/tmp``, a team drive) must not lock
everyone else out of it, while the month's folder and files stay owner-only.
"""

from __future__ import annotations

import stat
from pathlib import Path

from audit.cli import main

SAMPLE = Path(__file__).resolve().parents[1] / "sample_cases"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_run_into_a_shared_folder_leaves_it_shared_and_the_month_private(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    args = ["run", str(SAMPLE / "authority.xlsx"), "--period", "2026-10", "--out", str(shared)]
    assert main(args) == 0
    assert _mode(shared) == 0o1777
    assert _mode(shared / "2026-10") == 0o700
    assert _mode(shared / "2026-10" / "findings.csv") == 0o600


def test_check_csv_into_a_shared_folder_leaves_it_shared(tmp_path):
    shared = tmp_path / "drop"
    shared.mkdir()
    shared.chmod(0o755)
    assert main(["check", str(SAMPLE / "messy"), "--csv", str(shared / "dq.csv")]) == 0
    assert _mode(shared) == 0o755
    assert _mode(shared / "dq.csv") == 0o600
