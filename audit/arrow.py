"""Column operations done with Arrow kernels where pandas' own would loop in Python."""

from __future__ import annotations

from collections.abc import Iterable

from audit.lazy import np, pa, pc, pd

# Unicode white space as Arrow's kernels and Python's str.isspace() define it: the same 29
# code points (tests/test_rulekit.py checks every code point against both).
WHITE_SPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


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


def join_chunks(frame: pd.DataFrame) -> None:
    """Each Arrow-backed column of ``frame`` (changed in place) made one chunk, a column at
    a time.

    A file read in pieces (a parquet file's row groups, a CSV's blocks) gives columns in
    many chunks, and Arrow's ``take``, behind every row filter of a DataFrame, first joins a
    column's chunks into a copy of the whole column: at 100,000 children each rule that cut
    the plans held a second copy of 140 MB of identity notes. Joined once here, while the
    file is read, the copy is made once and the pieces are let go of straight away.
    """
    for position in range(frame.shape[1]):
        values = frame.iloc[:, position].array
        if not hasattr(values, "__arrow_array__"):
            continue
        data = values.__arrow_array__()
        if isinstance(data, pa.ChunkedArray) and data.num_chunks > 1:
            frame.isetitem(position, pd.array(data.combine_chunks(), dtype=values.dtype))


def encoded(text: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, list[pa.Array]]:
    """The distinct values in the order they first appear, and for each chunk each row's
    number among them (null when missing). A loaded column may come in several chunks; they
    are encoded where they lie, since joining them first would copy the whole column (140 MB
    of identity notes at 100,000 children), against one dictionary for them all."""
    chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
    if len(chunks) == 1:
        one = pc.dictionary_encode(chunks[0])
        return one.dictionary, [one.indices]
    # Arrow encodes a chunked column against one table of values; unifying makes sure of it.
    pieces = pc.dictionary_encode(text).unify_dictionaries().chunks if chunks else []
    if not pieces:  # no rows at all
        return pa.array([], text.type), [pa.array([], pa.int32())]
    return pieces[0].dictionary, [piece.indices for piece in pieces]


def repeated(values: pd.Series) -> pd.Series:
    """``values.duplicated(keep="first")`` for text: True for every value seen earlier in the
    column (a missing value after the first missing one). A ``bool`` Series.

    Arrow numbers the values in the order they first appear (:func:`encoded`), so a value is
    a repeat exactly where its number is not above every number before it. pandas numbers
    them the same way and then hashes the numbers a second time: for 1.7 million visit IDs,
    0.1 s and about 50 MB more at the loader's busiest moment.
    """
    _, places = encoded(pa.array(values.astype("string[pyarrow]").array))
    numbers = pa.concat_arrays(places)
    missing = np.asarray(numbers.is_null())
    codes = np.asarray(pc.fill_null(numbers, -1))
    highest_before = np.maximum.accumulate(np.r_[np.int64(-1), codes[:-1]])
    seen = (codes <= highest_before) & ~missing
    seen[missing] = np.cumsum(missing)[missing] > 1
    return pd.Series(seen, index=values.index, dtype=bool)
