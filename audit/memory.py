"""Giving memory back to the system as soon as the tables no longer use it.

Arrow's own allocator (mimalloc) keeps what is freed for later use rather than returning
it. Loading 100,000 children frees about 500 MB of working copies (the files as read, each
column before it was typed), which the process then held to its end and which every forked
report worker counted again as its own. So a command that loads data uses jemalloc, which
Arrow also ships, told to return freed pages at once (measured at 100,000 children: peak
1.70 GB -> 1.44 GB, the same time), and each stage ends by handing back what is left over.
"""

from __future__ import annotations

import ctypes
import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from audit.lazy import pa

# The variable with which Arrow lets whoever runs the program choose the allocator.
CHOSEN_BY_ENVIRONMENT = "ARROW_DEFAULT_MEMORY_POOL"


def use_returning_allocator() -> None:
    """Allocate Arrow memory with jemalloc, which returns freed pages at once. Kept as it
    is where the environment chooses an allocator, or where this build of Arrow has no
    jemalloc (some platforms' wheels): the stages' hand-backs still return most of it."""
    if os.environ.get(CHOSEN_BY_ENVIRONMENT):
        return
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:
        return
    pa.jemalloc_set_decay_ms(0)
    pa.set_memory_pool(pool)


def hand_back_freed_memory() -> None:
    """Return to the system the memory Arrow, and the C library's allocator (numpy's arrays,
    Python's objects), hold but no longer use."""
    pa.default_memory_pool().release_unused()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


# glibc's mallopt parameter for the size from which a block is mapped on its own, and the
# sizes used: 256 KB while tables load, and glibc's largest, 32 MB, afterwards.
_M_MMAP_THRESHOLD = -3
_LARGE_BLOCK = 256 * 1024
_LARGEST_THRESHOLD = 32 * 1024 * 1024


def large_blocks_returned(when_freed: bool) -> None:
    """Whether the C library maps every block of 256 KB or more (numpy's columns, pandas'
    working arrays) on its own, so that freeing it returns it to the system at once.

    Loading makes such blocks once per column and lets them go: glibc's own threshold rises
    to the largest block freed so far (up to 32 MB), after which a table's working arrays
    were carved from a heap that kept them (about 50 MB at 100,000 children). The rules and
    the reports make and drop arrays and buffers by the thousand, which a fresh mapping
    each time slowed by a fifth: for them blocks below 32 MB are reused. Nothing is done on
    other C libraries."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_MMAP_THRESHOLD, _LARGE_BLOCK if when_freed else _LARGEST_THRESHOLD)


@cache
def _glibc() -> ctypes.CDLL | None:
    """The process's C library when it is glibc (it has mallopt and malloc_trim), else None."""
    try:
        libc = ctypes.CDLL(None)
        libc.gnu_get_libc_version  # noqa: B018 - only glibc has it
        libc.mallopt, libc.malloc_trim  # noqa: B018
    except (OSError, AttributeError, TypeError):  # not glibc, or no C library to open
        return None
    return libc


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection for a while: for work that makes many objects and no
    cycles (a workbook's rows as lists, a report's actions), which the collector would
    otherwise walk again and again for no garbage. Collection resumes afterwards, whatever
    happened."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
