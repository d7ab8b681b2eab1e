"""Giving memory back to the system as soon as the tables no longer use it.

Arrow's own allocator (mimalloc) keeps what is freed for later use rather than returning
it. Loading 100,000 children frees about 500 MB of working copies (the files as read, each
column before it was typed), which the process then held to its end and which every forked
report worker counted again as its own. So a command that loads data uses jemalloc, which
Arrow also ships, told to return freed pages at once (measured at 100,000 children: peak
1.70 GB -> 1.44 GB, the same time), and each stage ends by handing back what is left over.
"""

from __future__ import annotations

import os

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
    """Return to the system the memory Arrow holds but no table uses."""
    pa.default_memory_pool().release_unused()
