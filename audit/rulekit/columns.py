"""A rule's view of a table: its declared columns, and a clear error for an undeclared one.

The engine hands each rule its tables cut to the columns the rule declared in ``requires``
and ``uses`` (plus identifiers and source rows) and records, in the frame's ``attrs``, which
columns the input has that the rule did not declare. Everything in rulekit that treats a
missing column as blank asks :func:`has_column`, which raises for a withheld column: so a
rule that forgets to declare ``visits.visit_type`` is an ERROR naming the column, never a
rule that quietly counts every visit as statutory.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.lazy import pd


class UndeclaredColumn(LookupError):
    """A rule read a column (or table) the input has but the rule did not declare."""

    def __init__(self, rule: str, ref: str) -> None:
        super().__init__(
            f"{rule} reads {ref}, which it does not declare: "
            f"declare it in the rule's uses (or requires)"
        )
        self.rule, self.ref = rule, ref


# Key in ``DataFrame.attrs`` of a rule's table view, holding a :class:`Withheld`. pandas
# carries ``attrs`` through selections (``frame[mask]``, ``.loc``, ``reset_index``), so
# rulekit helpers can tell "the input has no such column" from "the rule did not declare
# it" on the rows a rule passes them.
WITHHELD = "caseaudit.withheld"


@dataclass(frozen=True)
class Withheld:
    """The columns of ``table`` the input has and ``rule`` did not declare."""

    rule: str
    table: str
    columns: frozenset[str]

    def __deepcopy__(self, memo: dict[int, object]) -> Withheld:
        # pandas deep-copies attrs on every operation; this never changes, so share it.
        return self


def has_column(frame: pd.DataFrame, column: str) -> bool:
    """Whether ``frame`` has ``column``: for optional columns a rule declared in ``uses``.

    Raises :class:`UndeclaredColumn` when the input has the column but the rule did not
    declare it, so a forgotten declaration is a rule ERROR, never a column read as blank.
    """
    if column in frame.columns:
        return True
    withheld = frame.attrs.get(WITHHELD)
    if isinstance(withheld, Withheld) and column in withheld.columns:
        raise UndeclaredColumn(withheld.rule, f"{withheld.table}.{column}")
    return False


def column_or_blank(frame: pd.DataFrame, column: str, dtype: str = "string") -> pd.Series:
    """An optional column, or all-blank when the input does not have it (never when the
    rule merely forgot to declare it: see :func:`has_column`)."""
    if has_column(frame, column):
        return frame[column]
    return pd.Series(pd.NA if dtype != "datetime64[ns]" else pd.NaT, index=frame.index, dtype=dtype)


def is_yes(flags: pd.Series) -> pd.Series:
    """True where a Y/N column (normalised by the loader) says ``Y``; blank is neither."""
    return flags.eq("Y").fillna(False).astype(bool)


def is_no(flags: pd.Series) -> pd.Series:
    """True where a Y/N column says ``N``; blank is neither."""
    return flags.eq("N").fillna(False).astype(bool)
