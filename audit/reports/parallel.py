"""Rendering one file per team on every core: a county has dozens of teams, a region hundreds.

Jinja and xlsxwriter are pure Python, so threads would take turns on one core; instead the
teams are shared out between forked worker processes. A forked worker starts as a copy of
this process, the overview already in its memory, so only a team's place in the list goes
to it and only the rendered text or bytes come back, in the teams' order. The caller
writes every file itself, with its usual owner-only helpers, so permissions and the
month's publishing are exactly as with one process, and so is every byte written.

It falls back to rendering in this process, one team after another, when that is as
quick or forking is not safe: a handful of teams (starting workers costs more than it
saves), one core, no ``fork`` on this platform, other threads running in this process (a
fork copies only the calling thread, so a lock another thread held would never be freed
in the copy), or this process being a daemonic worker itself (which may not have children).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar, cast

from audit.memory import hand_back_freed_memory

T = TypeVar("T")
R = TypeVar("R")

# Below this many teams one process is as quick: starting a worker costs about as much
# as rendering a team or two.
MIN_PARALLEL_ITEMS = 8

# The job of the pool being used: set just before the workers are forked, so each worker
# inherits it (a closure over the overview is never pickled).
_job: Callable[[int], object] | None = None


def rendered_in_order(
    render: Callable[[T], R],
    items: Sequence[T],
    meanwhile: Callable[[], object] | None = None,
) -> Iterator[R]:
    """``render(item)`` for each item, in the items' order, on every core when it pays.

    ``meanwhile``: the caller's own work that the items do not need (the overview page, the
    overview.json), done by this process once iteration starts. With workers it runs after
    they are forked and while they render, instead of before or after them on a core they
    leave idle: this process's own serial work was about half the 402-team reports stage.
    It must not change what ``render`` reads, since the workers no longer see it.
    """
    workers = _workers(len(items))
    if workers < 2:
        if meanwhile is not None:
            meanwhile()
        yield from (render(item) for item in items)
        return

    def job(index: int) -> R:
        return render(items[index])

    global _job
    _job = job
    # What this process has freed is not copied into the workers' count of their memory.
    hand_back_freed_memory()
    try:
        context = multiprocessing.get_context("fork")
        # gc.freeze: each worker's collector leaves alone what it inherited (the run, the
        # overview: a region's millions of objects), which it would otherwise scan whole at
        # every full collection (about 30 ms each at 402 teams, dozens a run) and copy page
        # by page out of the memory it shares with this process.
        with context.Pool(workers, initializer=gc.freeze) as pool:
            # Small chunks keep both workers busy to the end; the order is kept by imap.
            chunk = max(1, len(items) // (workers * 8))
            results = pool.imap(_run_job, range(len(items)), chunksize=chunk)
            # After the fork, never before it: only the pool's own threads run meanwhile,
            # and nothing forks again until they are gone (the pool closes them on exit).
            if meanwhile is not None:
                meanwhile()
            for result in results:
                yield cast(R, result)
    finally:
        _job = None


def _run_job(index: int) -> object:
    assert _job is not None, "a worker forked without a job"
    return _job(index)


def _workers(count: int) -> int:
    """How many worker processes to use for ``count`` items; below 2 means none."""
    if count < MIN_PARALLEL_ITEMS:
        return 1
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    if threading.active_count() > 1 or multiprocessing.current_process().daemon:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(cores or 1, count)
