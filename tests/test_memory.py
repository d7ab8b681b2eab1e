"""Loading gives memory back: a command that loads data allocates with jemalloc, which
returns freed pages at once, unless whoever runs it chose Arrow's allocator (issue 14).

The memory itself is measured by the benchmark (``make bench``: the peak at 100,000
children); here each command runs in a fresh interpreter, since the allocator is the
process's, and reports the allocator it ended with.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from audit.memory import CHOSEN_BY_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_cases" / "authority.xlsx"

_PROBE = """
import contextlib, io, sys
import pyarrow as pa
from audit.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(code, pa.default_memory_pool().backend_name)
"""


def _allocator_after(args: list[str], chosen: str | None) -> tuple[str, str]:
    env = {k: v for k, v in os.environ.items() if k != CHOSEN_BY_ENVIRONMENT}
    if chosen is not None:
        env[CHOSEN_BY_ENVIRONMENT] = chosen
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=env,
    )
    code, backend = done.stdout.split()[-2:]
    return code, backend


def _has_jemalloc() -> bool:
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        return False
    return True


@pytest.mark.skipif(not _has_jemalloc(), reason="this build of Arrow has no jemalloc")
def test_check_loads_with_the_allocator_that_returns_memory() -> None:
    assert _allocator_after(["check", str(SAMPLE)], chosen=None) == ("0", "jemalloc")


def test_an_allocator_chosen_in_the_environment_is_kept() -> None:
    assert _allocator_after(["check", str(SAMPLE)], chosen="system") == ("0", "system")
