"""A command run in its own process and measured: wall seconds, CPU seconds (its own worker
processes included) and peak resident memory.

The command is started by a small launcher process, which times it and reports its
figures. Linux counts in a process's peak memory the peak of the process it was started
from (the high-water mark is carried across ``exec``), so a command started by the
benchmark itself, which holds the county's visits it has just loaded, was reported as
using at least as much memory as the benchmark: every county command read 470 MB.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

_LAUNCHER = """
import os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - start
code = os.waitstatus_to_exitcode(status)
print(code, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


@dataclass(frozen=True)
class Measured:
    wall: float  # seconds
    cpu: float  # seconds, user and system, its waited-for workers included
    peak_mb: float  # the largest resident memory of the command or one of its workers


def measured(command: Sequence[str]) -> Measured:
    """Run ``command`` (its output discarded); its figures. Exits if the command failed."""
    return finish(start(command))


def start(command: Sequence[str]) -> subprocess.Popen[str]:
    """Start ``command`` under the launcher, for a caller that samples it while it runs
    (the launcher's process tree is the command's, plus the launcher's own 10 MB)."""
    return subprocess.Popen(
        [sys.executable, "-c", _LAUNCHER, *command], stdout=subprocess.PIPE, text=True
    )


def finish(launcher: subprocess.Popen[str]) -> Measured:
    """Wait for a command :func:`start` started; its figures. Exits if it failed."""
    out, _ = launcher.communicate()
    if launcher.returncode != 0:
        raise SystemExit(f"the launcher failed (exit {launcher.returncode})")
    code, wall, cpu, max_rss_kb = out.split()
    if int(code) != 0:
        raise SystemExit(f"{' '.join(map(str, launcher.args[3:]))} failed (exit {code})")
    return Measured(float(wall), float(cpu), int(max_rss_kb) / 1024)
