"""Column operations done with Arrow kernels where pandas' own would loop in Python."""

from __future__ import annotations

from collections.abc import Iterable

from audit.lazy import pa, pc, pd


def is_in(values: pd.Series, allowed: pd.Series | Iterable[str]) -> pd.Series:
    """True where the value is one of ``allowed``; missing -> False. A ``bool`` Series.

    pandas' ``isin`` on Arrow strings walks the allowed values one by one in Python, which
    dominates loading and rules on a county's records; Arrow's hash lookup does not.
    """
    allowed_series = allowed if isinstance(allowed, pd.Series) else pd.Series(list(allowed))
    wanted = pa.array(
        allowed_series.dropna().astype(str).astype("string[pyarrow]"), type=pa.large_string()
    )
    found = pc.is_in(
        pa.array(values.astype("string[pyarrow]"), type=pa.large_string()), value_set=wanted
    )
    return pd.Series(
        pc.fill_null(found, False).to_numpy(zero_copy_only=False), index=values.index, dtype=bool
    )


def text_looked_up(values: pd.Series, table: pd.Series) -> pd.Series:
    """Each value's entry in ``table`` (text keyed by its index, each key once), as text;
    missing where the value is missing or not a key. ``values.map(table)`` with Arrow's hash
    lookup: pandas' map hashes every text value as a Python object, which at a region's
    millions of findings is most of the engine's own work per rule."""
    keys = pa.array(pd.Series(table.index).astype("string[pyarrow]"), type=pa.large_string())
    entries = pa.array(table.astype("string[pyarrow]"), type=pa.large_string())
    found = pc.index_in(
        pa.array(values.astype("string[pyarrow]"), type=pa.large_string()),
        value_set=keys,
        skip_nulls=True,
    )
    return pd.Series(
        pd.arrays.ArrowStringArray(entries.take(found)), index=values.index, dtype="string"
    )
