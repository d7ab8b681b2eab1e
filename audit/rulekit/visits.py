"""Visits: which are statutory, whether the child was seen, and reg 29 reasons.

Shared definitions (the rule reference, docs/rules.md): a *statutory visit* has
``visit_type`` equal to one of the statutory types (default ``statutory``; any case,
trimmed), or is every visit when the input has no ``visit_type`` column; a blank
``visit_type`` in a present column is not statutory. ``child_seen`` blank counts as seen. A
*reg 29 reason* is a ``not_seen_alone_reason`` equal to one of the codes (default
``refused``, ``age``, ``unable``; any case, trimmed); anything else non-blank is free text,
even if it mentions a refusal.

All functions return a plain ``bool`` Series on the input's index. A rule reading
``visit_type`` or ``child_seen`` through these declares them in ``uses``: called on a
rule's visits without the declaration, they raise ``UndeclaredColumn`` (the rule is an
ERROR naming the column) rather than treat a column the input has as absent.
"""

from __future__ import annotations

from audit.arrow import is_in
from audit.lazy import np, pd
from audit.rulekit.columns import has_column, is_no

# Care Planning Regulations 2010, reg 29: why a child may not be seen alone.
REG29_CODES = ("refused", "age", "unable")
STATUTORY_VISIT_TYPES = ("statutory",)


def is_one_of(text: pd.Series, values: tuple[str, ...]) -> pd.Series:
    """True where the value, trimmed, equals one of ``values`` ignoring case.

    For codes typed by hand: ``" Refused "`` is one of ``("refused",)``. Missing is never
    one of them, nor is a value that merely contains one ("refused at first").
    """
    # lower() rather than casefold(): the same for these codes, and an Arrow kernel.
    wanted = {v.strip().lower() for v in values}
    # A column of codes holds a handful of distinct values: each is folded and looked up
    # once, and the answers spread back over the rows (-1, missing, takes the last: False).
    numbers, distinct = pd.factorize(text)
    folded = pd.Series(distinct, dtype="string[pyarrow]").str.strip().str.lower()
    found = np.append(is_in(folded, wanted).to_numpy(dtype=bool), False)
    return pd.Series(found[numbers], index=text.index, dtype=bool)


def statutory_visits(visits: pd.DataFrame, visit_types: tuple[str, ...]) -> pd.Series:
    """True for statutory visits: ``visit_type`` one of ``visit_types`` (see
    :func:`is_one_of`), or every visit when the frame has no ``visit_type`` column."""
    if not has_column(visits, "visit_type"):
        return pd.Series(True, index=visits.index, dtype=bool)
    return is_one_of(visits["visit_type"], visit_types)


def child_was_seen(visits: pd.DataFrame) -> pd.Series:
    """True unless ``child_seen`` is exactly ``N``: blank, Y, or any other value counts as
    seen (only an explicit N takes a visit out), as does every visit without the column."""
    if not has_column(visits, "child_seen"):
        return pd.Series(True, index=visits.index, dtype=bool)
    return ~is_no(visits["child_seen"])


def reg29_reason(reasons: pd.Series, codes: tuple[str, ...]) -> pd.Series:
    """True where the not-seen-alone reason is one of the reg 29 ``codes`` (see
    :func:`is_one_of`); free text, even one mentioning a refusal, is not."""
    return is_one_of(reasons, codes)
