"""Quick commands stay quick: ``caseaudit --help`` and ``caseaudit rules`` load none of the
heavy packages that only loading, evaluating, rendering or emailing needs (issue 14).

Nothing is timed here (the benchmark measures speed); each test runs the command in a fresh
interpreter and checks which packages it imported, which is what the start-up time follows.
Listing the rules imports every rule module, rulekit and the config's modules: they take
pandas, numpy and pyarrow from ``audit.lazy``, and a failure names the line that imported
one of them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Each costs a noticeable share of a second to import, and none is needed to list rules:
# pandas alone (with numpy and pyarrow) took 0.35 s of the 0.64 s `caseaudit rules` took.
HEAVY = (
    "pandas",
    "numpy",
    "pyarrow",
    "python_calamine",
    "msoffcrypto",
    "pandera",
    "holidays",
    "jinja2",
    "xlsxwriter",
    "openpyxl",
    "audit.mail",
    "audit.loader",
)

# Runs the command and reports the modules it imported and, for each package imported, the
# line of caseaudit's own code (audit/, rules/) that imported it.
_PROBE = """
import contextlib, io, json, sys, traceback
from pathlib import Path
import audit
ROOT = Path(audit.__file__).parent.parent
OURS = (str(ROOT / "audit"), str(ROOT / "rules"))
importers = {}
class Witness:
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top not in importers:
            ours = [f for f in traceback.extract_stack() if f.filename.startswith(OURS)]
            if ours:
                importers[top] = f"{ours[-1].filename}:{ours[-1].lineno}: {ours[-1].line}"
        return None  # the usual finders import it
sys.meta_path.insert(0, Witness())
from audit.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        code = main(sys.argv[1:])
    except SystemExit as exc:  # --help exits through argparse
        code = exc.code
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules),
                  "importers": importers}))
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


def _heavy(shown: dict[str, object]) -> list[str]:
    """Each heavy package imported, with the line that imported it."""
    modules, importers = shown["modules"], shown["importers"]
    assert isinstance(modules, list) and isinstance(importers, dict)
    heavy = sorted({m if m in HEAVY else m.split(".")[0] for m in modules} & set(HEAVY))
    return [f"{m} (imported at {importers.get(m.split('.')[0], '?')})" for m in heavy]


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
    heavy = _heavy(shown)
    assert not heavy, "take these from audit.lazy, or import them where used:\n" + "\n".join(heavy)
