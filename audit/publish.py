"""Putting a finished month in place in one step, and clearing what killed runs left behind.

The month is written into a hidden staging folder beside it (``OUT/.2026-09.staging-x1y2``)
and becomes ``OUT/2026-09`` by a single rename: over nothing when the month is new, or by
exchanging the two folders (Linux ``renameat2`` with ``RENAME_EXCHANGE``) when it replaces an
earlier run of the month, so a kill at any moment leaves one whole month in place, old or
new. After the exchange the staging name holds the old month, which is then removed.

A kill can still leave a staging folder, full of children's records. Every run removes those
(``clear_leftovers``) while it holds the run lock, which tells it no other run is writing
them. Where the exchange is not available (another kernel or file system) the old month is
moved aside first; a month left only in its moved-aside copy is put back by the next run.
"""

from __future__ import annotations

import ctypes
import errno
import functools
import gc
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ParamSpec, TypeVar

from audit.history import History
from audit.memory import collector_paused
from audit.output import DIR_MODE, cannot_write, private_dir, write_csv, writing
from audit.progress import Progress, no_progress
from audit.reports import write_report_files
from audit.reports.build import build_overview
from audit.reports.model import Overview, action_records
from audit.results import AuditRun, run_record
from audit.run import timed, write_findings, write_json

_STAGING = ".staging-"
_ASIDE = ".old-"
# Hidden month folders: this version's staging and moved-aside copies, and those of earlier
# versions (".2026-09-k3j9x0qa" staging, ".2026-09-old-4242" moved aside).
_LEFTOVER = re.compile(r"\.(?P<month>\d{4}-\d{2})(?:\.staging-|\.old-|-old-(?P<pid>\d+)$|-)")
_RENAME_EXCHANGE = 2  # from <linux/fs.h>
_AT_FDCWD = -100


P = ParamSpec("P")
R = TypeVar("R")


def collectable_again_after(function: Callable[P, R]) -> Callable[P, R]:
    """``function`` may set what it keeps aside from Python's full garbage collections
    (``gc.freeze``) while it runs; once it returns or raises, all of it is collectable
    again, so a process that runs twice does not keep the first run's garbage for good."""

    @functools.wraps(function)
    def unfreezing(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        finally:
            gc.unfreeze()

    return unfreezing


@collectable_again_after
def write_run(
    run: AuditRun,
    out_root: Path,
    history: History | None = None,
    progress: Progress = no_progress,
) -> Path:
    """Write the month's files atomically, then record the month in the history.

    Trends in the reports come from the history's earlier months plus this run. The month
    is recorded only once every file is in place, so a failed run leaves the history as it
    was. Returns the month's folder.
    """
    final = out_root / run.period.label
    with writing("the month", final):
        private_dir(out_root)
        staging = Path(tempfile.mkdtemp(prefix=f".{run.period.label}{_STAGING}", dir=out_root))
    try:
        with timed(run.timings, "reports"):
            # The run, and then its overview, are kept until the month is written, so full
            # collections need not walk them again and again: at 402 teams each walked up
            # to 460,000 objects, 0.1-0.5 s apiece, while the overview, overview.json and
            # the history's actions were made.
            gc.freeze()
            overview = _overview_beside_tables(run, staging, history)
            gc.freeze()
            write_report_files(overview, staging, progress)  # overview.json too
        write_json(run_record(run), staging / "run.json")
        os.chmod(staging, DIR_MODE)
        publish(staging, final)
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if isinstance(exc, OSError):  # a full or read-only disk, no permission
            raise cannot_write("the month", final, exc) from exc
        raise
    if history is not None:
        history.record(run, action_records(overview))
    return final


def _overview_beside_tables(run: AuditRun, staging: Path, history: History | None) -> Overview:
    """The reports' content, built while another thread writes findings.csv and
    data_quality.csv: the build is serial Python and the writing mostly Arrow and the disk,
    so the two share the cores the build alone left idle (at 100,000 children, 4.1 s -> 3.2 s).
    The thread has ended by the return, before the reports fork their workers."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="caseaudit-tables") as writer:
        tables = writer.submit(_write_tables, run, staging)
        # The build makes an object per action (136,000 at 100,000 children) and no cycles:
        # the collector, walking them as they grew, took a quarter of the build's time.
        with collector_paused():
            overview = build_overview(run, history)
        tables.result()  # the writer's error, if any, is this run's
    return overview


def _write_tables(run: AuditRun, staging: Path) -> None:
    with timed(run.timings, "write"):
        write_findings(run.findings, staging / "findings.csv")
        write_csv(run.loaded.issues(), staging / "data_quality.csv")


def publish(staging: Path, final: Path) -> None:
    """Make the finished ``staging`` folder the month ``final`` in one step; an earlier
    ``final`` is removed only once the new one is in place."""
    if not final.exists():
        staging.rename(final)
        return
    if _exchange(staging, final):
        shutil.rmtree(staging)  # now the old month
        return
    aside = Path(tempfile.mkdtemp(prefix=f".{final.name}{_ASIDE}", dir=final.parent))
    aside.rmdir()
    final.rename(aside)  # a kill here leaves the month only in ``aside``: put back next run
    staging.rename(final)
    shutil.rmtree(aside)


def clear_leftovers(out_root: Path) -> list[Path]:
    """Remove the hidden month folders killed runs left in ``out_root``; a month that only
    survives in a moved-aside copy is put back instead. Call only while holding the run
    lock. Returns what was removed or put back."""
    if not out_root.is_dir():
        return []
    touched: list[Path] = []
    for entry in sorted(out_root.iterdir()):
        found = _LEFTOVER.match(entry.name)
        if found is None or entry.is_symlink() or not entry.is_dir():
            continue
        month = out_root / found["month"]
        moved_aside = _ASIDE in entry.name or found["pid"] is not None
        if moved_aside and not month.exists():
            entry.rename(month)
        else:
            shutil.rmtree(entry)
        touched.append(entry)
    return touched


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically; False where the system cannot (the caller falls back)."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if done == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))
