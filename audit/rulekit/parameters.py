"""Code parameters: lists of codes a rule compares a column with, normalised once.

A council writes codes in ``audit.toml`` the way people write them ("Placement Change",
" pn1 ", "CLA"); the loader has already normalised the column they are compared with. A
parameter declared with :func:`codes` names that column, and the parameters class puts its
values in the column's form when it is made (from the defaults or from the config), with
the loader's own functions, so a rule compares ready tuples and never normalises by hand.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any

from audit.contract import ColumnKind, table_spec
from audit.lazy import pd
from audit.normalise import as_code, as_lower_code

CODES_OF = "codes_of"  # field metadata: the "table.column" a code parameter is compared with


def codes(column: str, default: tuple[str, ...], doc: str) -> Any:
    """A parameter of codes compared with ``column`` ("events.event_type"): its values are
    normalised as the loader normalises that column (see :func:`normalised_codes`)."""
    table, _, name = column.partition(".")
    table_spec(table).column(name)  # an unknown column fails here, where the rule is written
    if not isinstance(default, tuple):
        raise TypeError("parameter defaults must be immutable: use a tuple")
    return dataclasses.field(default=default, metadata={"doc": doc, CODES_OF: column})


# Normalising builds pandas Series (about 2 ms a list); the same defaults are made again
# for each authority of a region, so each list is normalised once per process. Safe to
# share: the answer depends only on the values and the column, and is a tuple of text.
@lru_cache(maxsize=1024)
def normalised_codes(values: tuple[str, ...], column: str) -> tuple[str, ...]:
    """``values`` in the form the loader gives ``column``'s cells, blanks dropped.

    ``lcode`` columns: lower case, spaces and hyphens as underscores ("Placement Change" ->
    ``placement_change``); ``code`` columns: upper case, official descriptions read as their
    code; free-text columns (``visit_type``, ``not_seen_alone_reason``): trimmed, lower case,
    as :func:`audit.rulekit.visits.is_one_of` compares them.
    """
    table, _, name = column.partition(".")
    kind = table_spec(table).column(name).kind
    text = pd.Series(list(values), dtype="string")
    if kind == ColumnKind.LCODE:
        normal = as_lower_code(text)[0]
    elif kind == ColumnKind.CODE:
        normal = as_code(text, name)[0]
    else:
        normal = text.str.strip().str.lower()
    return tuple(str(v) for v in normal.dropna() if str(v))


def normalise_code_fields(params: object) -> None:
    """Put every code parameter of a (frozen) parameters object in its column's form."""
    for field in dataclasses.fields(params):  # type: ignore[arg-type]
        column = field.metadata.get(CODES_OF)
        if column is not None:
            value = getattr(params, field.name)
            object.__setattr__(params, field.name, normalised_codes(tuple(value), column))
