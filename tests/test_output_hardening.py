"""Output that survives hostile names and a hostile machine: over-long team names, folders
that cannot be written, a damaged history, planted symbolic links, a permissive umask and
control characters in names. Real files and real subprocesses throughout."""

from __future__ import annotations

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
