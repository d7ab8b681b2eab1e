"""Quick commands stay quick: ``caseaudit --help`` and ``caseaudit rules`` load none of the
heavy packages that only loading, rendering or emailing needs (issue 14).

Nothing is timed here (the benchmark measures speed); each test runs the command in a fresh
interpreter and checks which packages it imported, which is what the start-up time follows.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Each costs a noticeable share of a second to import, and none is needed to list rules.
HEAVY = ("pandera", "holidays", "jinja2", "xlsxwriter", "openpyxl", "audit.mail", "audit.loader")

_PROBE = """
import contextlib, io, json, sys
from audit.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:  # --help exits through argparse
        code = exc.code
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def _imports_of(args: list[str], cwd: Path) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=cwd,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def _heavy(modules: object) -> list[str]:
    assert isinstance(modules, list)
    return [m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY]


@pytest.mark.parametrize(
    ("args", "shown_text"),
    [
        (["--help"], "usage: caseaudit"),
        (["rules", "--help"], "usage: caseaudit rules"),
        (["rules"], "IDN01  ethnicity_recorded"),  # the listing itself, every rule imported
    ],
)
def test_quick_commands_import_no_heavy_package(
    args: list[str], shown_text: str, tmp_path: Path
) -> None:
    shown = _imports_of(args, tmp_path)  # an empty folder: no audit.toml is picked up
    assert shown["code"] == 0
    assert shown_text in str(shown["out"])
    assert _heavy(shown["modules"]) == []
