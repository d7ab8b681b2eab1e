"""Seeded draws and column builders over whole arrays, shared by every table's generator.

Everything random comes from ``stream(seed, part)``, so the same seed always gives the
same data, and a change to one table's draws leaves every other table as it was.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd


def stream(seed: int, part: str) -> np.random.Generator:
    """An independent stream per table, so changing one table's draws leaves the rest be."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(part.encode("ascii"))])


def pick(rng: np.random.Generator, pool: Sequence[Any], n: int) -> np.ndarray:
    """n draws from the pool, each entry equally likely (as an object array)."""
    choices = np.empty(len(pool), dtype=object)
    choices[:] = list(pool)
    return choices[rng.integers(0, len(pool), n)]


def weighted(rng: np.random.Generator, mix: Mapping[str, float], n: int) -> np.ndarray:
    """n draws of the mix's keys, in proportion to its weights."""
    keys = np.empty(len(mix), dtype=object)
    keys[:] = list(mix)
    weights = np.array(list(mix.values()), dtype=float)
    return keys[rng.choice(len(keys), size=n, p=weights / weights.sum())]


def weighted_by_group(
    rng: np.random.Generator, groups: np.ndarray, mixes: Mapping[str, Mapping[str, float]]
) -> np.ndarray:
    """One draw per element from the mix of its group (None where a group has no mix)."""
    out = np.empty(len(groups), dtype=object)
    for group, mix in mixes.items():
        mask = groups == group
        out[mask] = weighted(rng, mix, int(mask.sum()))
    return out


def bands(u: np.ndarray, *widths: float | np.ndarray) -> np.ndarray:
    """Which band each draw falls in: 0 for the first width, 1 for the next, ...; the
    last band (len(widths)) is everything left over."""
    stacked = np.stack([np.broadcast_to(np.asarray(w, dtype=float), u.shape) for w in widths])
    return (u[None, :] >= np.cumsum(stacked, axis=0)).sum(axis=0)


def ids(prefix: str, n: int, width: int) -> np.ndarray:
    """n identifiers numbered from 1: 'V0000001', 'V0000002', ..."""
    return padded(prefix, np.arange(1, n + 1), width)


def padded(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """'C000123'-style identifiers: leading zeros kept, as text."""
    text = pd.Series(numbers, dtype="int64").astype(str).str.zfill(width)
    return (prefix + text).to_numpy(dtype=object)


def concat(*parts: Any) -> np.ndarray:
    """Element-wise string concatenation of arrays and plain strings."""
    out = pd.Series(parts[0] if not isinstance(parts[0], str) else [parts[0]], dtype=object)
    length = max(len(p) for p in parts if not isinstance(p, str))
    if len(out) != length:
        out = pd.Series([parts[0]] * length, dtype=object)
    for part in parts[1:]:
        out = out + (part if isinstance(part, str) else pd.Series(part, dtype=object).values)
    return np.array(out, dtype=object)  # a writable copy (pandas hands out read-only views)
