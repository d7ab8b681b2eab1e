"""Work several rules need, done once per run: answers derived from the engine's own columns.

Three plan rules (VOC01, VOC02, IDN03) judge the same subjects, the active latest version of
each plan, and most rules ask which rows belong to open children. A rulekit helper asks
``ctx.shared.get(...)`` for such an answer instead of working it out again.

An answer is keyed on the very columns it is derived from: the same Arrow array or numpy
buffer of the engine's input tables, not merely equal values. A column a rule filtered,
sorted or rewrote is not one of them, so its answer is worked out afresh and nothing is
shared. Answers are positional (arrays with one value per row of those columns, or row
positions); each rule puts them on its own rows, so a rule still reads only the columns it
declared: the helper asks ``has_column`` on the rule's own view before it passes an optional
column, and an undeclared one raises ``UndeclaredColumn`` as before, cached or not.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

from audit.lazy import np, pd

T = TypeVar("T")


def _token(column: pd.Series) -> Hashable:
    """What identifies a column's data: its Arrow array, or its numpy buffer and layout.

    Any other column (a category, a nullable integer) has no such identity: converting it
    would make a new array each time, whose address could be taken by the next one and
    match a different column; it gets a token of its own, and nothing is shared on it.
    """
    array = column.array
    if isinstance(array, pd.arrays.ArrowExtensionArray):
        # Arrow arrays are immutable; a write through pandas makes a new one.
        return ("arrow", id(array.__arrow_array__()))
    arrays = pd.arrays
    if isinstance(array, (arrays.NumpyExtensionArray, arrays.DatetimeArray, arrays.TimedeltaArray)):
        values = column.to_numpy()  # the column's own buffer, not a copy
        interface = values.__array_interface__
        return ("numpy", interface["data"][0], values.shape, values.strides, values.dtype.str)
    return ("unshared", object())


class SharedWork:
    """Answers worked out once per run; holds the tokens of the engine's columns.

    Without tables (a context made by hand, never scoped) nothing is shared: every answer is
    worked out when asked.
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame] | None = None) -> None:
        # The engine's tables are never written to (a rule's writes go to copy-on-write
        # views), and their columns live as long as the run, or until the engine forgets
        # them: a token cannot be reused while it is here.
        self._tables = tables
        self._engine: set[Hashable] = set()
        for frame in (tables or {}).values():
            self._engine.update(_token(frame[name]) for name in frame.columns)
        # Keyed (name, key, tokens of the columns).
        self._answers: dict[tuple[str, Hashable, tuple[Hashable, ...]], Any] = {}

    def get(
        self,
        name: str,
        derive: Callable[[], T],
        columns: Sequence[pd.Series | None],
        key: Hashable = (),
    ) -> T:
        """``derive()``, worked out once per run for these columns of the engine's tables.

        ``derive`` may read only ``columns`` (None for an optional column the input does not
        have), ``key`` and the run's context: ``name`` and ``key`` must tell apart every
        other thing its answer depends on. Its answer must be positional and never changed
        by the caller.
        """
        tokens = tuple(None if c is None else _token(c) for c in columns)
        if not all(t is None or t in self._engine for t in tokens):
            return derive()
        found = (name, key, tokens)
        if found not in self._answers:
            self._answers[found] = derive()
        answer: T = self._answers[found]
        return answer

    def forget(self, columns: Sequence[pd.Series]) -> None:
        """These engine columns are being let go of: nothing is shared on them any more, and
        their answers go with them. Their tokens could otherwise be taken, once freed, by a
        column a later rule makes, which would be given an answer that is not its own."""
        gone = {_token(column) for column in columns}
        self._engine -= gone
        self._answers = {
            found: answer for found, answer in self._answers.items() if gone.isdisjoint(found[2])
        }


def bools(values: np.ndarray, index: pd.Index) -> pd.Series:
    """A positional answer of flags on a rule's own rows (a copy: the answer is shared)."""
    return pd.Series(values, index=index, dtype=bool, copy=True)
