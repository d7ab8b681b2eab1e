"""Contract columns a mapped export does not hold in the table's own sheet or file.

Declared in ``audit.toml`` beside the plain header mappings, and checked at start-up:

    [mapping.children]
    child_id = "Person ID"
    allocated_team = { constant = "Leaving Care" }          # the same value in every row
    case_start_date = { file = "Episodes", column = "Start", child = "Person ID", pick = "first" }
    case_end_date = { file = "Episodes", column = "End", child = "Person ID", pick = "last" }

    [mapping.children.allocated_worker]                      # a long one as its own table
    file = "Allocations"
    column = "Worker"
    child = "Person ID"
    pick = "as_at"
    from = "From"
    to = "To"

    [mapping.reviews]
    review_id = { made_from = ["Child", "Review Date", "Code"] }   # a table with no id

A joined column comes from another sheet or file of the same export, matched on the child
(the table's own ``child_id``, or ``child_id`` itself for ``children``): ``pick = "first"``
takes the earliest value (for a date column, the earliest date), ``"last"`` the latest (for
a date column, the latest date, and blank when any of the child's rows is blank, as an
open episode has no end), ``"as_at"`` the value of the row whose ``from``..``to`` dates
cover the audit's as-at date (the latest-starting one; a blank ``to`` = still current). A
made id joins the named columns' text with ``-``, so it is the same every month for the
same record; two rows alike in all of them are duplicates.

The values are added to the table's grid as raw cells under the contract column's name,
so the loader reads, normalises and accounts for them exactly as for any other column.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from audit import normalise
from audit.contract import table_spec
from audit.errors import InputError, UsageError
from audit.lazy import pd
from audit.reader import Grid

PICKS = ("first", "last", "as_at")
HEADER_SEARCH_ROWS = 30


@dataclass(frozen=True)
class Constant:
    value: str


@dataclass(frozen=True)
class Joined:
    file: str  # the other sheet or file of the export
    column: str  # its header holding the value
    child: str  # its header holding the child's id
    pick: str  # first, last or as_at
    start: str | None = None  # as_at: the header of the row's first day
    end: str | None = None  # as_at: the header of the row's last day


@dataclass(frozen=True)
class MadeId:
    columns: tuple[str, ...]  # headers of the table's own columns


ColumnSource = Constant | Joined | MadeId


def parse(table: str, column: str, value: Mapping[str, Any]) -> ColumnSource:
    """One ``[mapping.<table>]`` entry written as a table, checked; errors name the key."""
    where = f"[mapping.{table}] {column}"
    keys = set(value)
    if keys == {"constant"}:
        return Constant(_text(value["constant"], f"{where}.constant"))
    if keys == {"made_from"}:
        if column != table_spec(table).key:
            raise UsageError(
                f"{where}: made_from makes the table's id; use it for "
                f"{table_spec(table).key or 'a table with an id'}"
            )
        parts = value["made_from"]
        if not isinstance(parts, list) or not parts:
            raise UsageError(f"{where}.made_from must be a list of headers, got {parts!r}")
        return MadeId(tuple(_text(p, f"{where}.made_from[]") for p in parts))
    if "file" in keys:
        allowed = {"file", "column", "child", "pick", "from", "to"}
        if unknown := keys - allowed:
            raise UsageError(
                f"{where}: unknown key '{sorted(unknown)[0]}'. Valid keys: "
                "file, column, child, pick, from, to"
            )
        for needed in ("column", "child", "pick"):
            if needed not in value:
                raise UsageError(f"{where}: a joined column needs '{needed}'")
        pick = _text(value["pick"], f"{where}.pick")
        if pick not in PICKS:
            raise UsageError(f"{where}.pick must be one of {', '.join(PICKS)}; got '{pick}'")
        start = _text(value["from"], f"{where}.from") if "from" in value else None
        end = _text(value["to"], f"{where}.to") if "to" in value else None
        if pick == "as_at" and (start is None or end is None):
            raise UsageError(f"{where}: pick = \"as_at\" needs 'from' and 'to' (date headers)")
        return Joined(
            _text(value["file"], f"{where}.file"),
            _text(value["column"], f"{where}.column"),
            _text(value["child"], f"{where}.child"),
            pick,
            start,
            end,
        )
    raise UsageError(
        f"{where}: expected a header (text), {{ constant = ... }}, {{ made_from = [...] }} "
        f"or {{ file = ..., column = ..., child = ..., pick = ... }}; got keys {sorted(keys)}"
    )


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{where} must be text, got {value!r}")
    return value


# ---------------------------------------------------------------- applying


def apply(
    table: str,
    grid: Grid,
    sources: Mapping[str, ColumnSource],
    aliases: Mapping[str, str],
    other_grid: Any,
    as_at: date | None,
) -> Grid:
    """The table's grid with each configured column added under its contract name.

    ``other_grid(name)`` gives the export's sheet or file of that name (or raises).
    """
    cells = grid.cells.copy()
    header_at = _header_row(cells, [aliases.get(c, c) for c in table_spec(table).column_names])
    headers = {normalise.header_key(h): p for p, h in cells.loc[header_at].items() if _filled(h)}
    body = cells.index[cells.index > header_at]
    child_header = aliases.get("child_id", "child_id")
    for column, source in sources.items():
        clash = headers.pop(normalise.header_key(column), None)
        if clash is not None:  # the configured source wins over a same-named column
            cells.loc[header_at, clash] = f"{cells.loc[header_at, clash]} (replaced in audit.toml)"
        if isinstance(source, Constant):
            values = pd.Series(source.value, index=body, dtype=object)
        elif isinstance(source, MadeId):
            values = _made_id(cells.loc[body], headers, source, grid.source, table, column)
        else:
            own = _position(headers, child_header, grid.source, f"[mapping.{table}] child_id")
            values = _joined(
                cells.loc[body, own], source, other_grid(source.file), table, column, as_at
            )
        position = max(cells.columns, default=-1) + 1
        cells[position] = None
        cells.loc[header_at, position] = column
        cells.loc[body, position] = values.to_numpy(dtype=object)
    # The same grid with the joined columns: what the reader found (rows it could not
    # split, where rows came from) still holds for every row.
    return dataclasses.replace(grid, cells=cells)


def _filled(value: object) -> bool:
    return not (value is None or value == "" or (isinstance(value, float) and value != value))


def _header_row(cells: pd.DataFrame, names: list[str]) -> int:
    wanted = {normalise.header_key(n) for n in names}
    hits = {
        row: len({normalise.header_key(v) for v in values if _filled(v)} & wanted)
        for row, values in cells.head(HEADER_SEARCH_ROWS).iterrows()
    }
    best = max(hits, key=lambda r: (hits[r], -r), default=None)
    return int(best) if best is not None and hits[best] else int(cells.index[0])


def _position(headers: Mapping[str, object], header: str, source: str, key: str) -> object:
    found = headers.get(normalise.header_key(header))
    if found is None:
        raise InputError(f"{source}: no column '{header}' (named in audit.toml {key}).")
    return found


def _made_id(
    rows: pd.DataFrame,
    headers: Mapping[str, object],
    source: MadeId,
    label: str,
    table: str,
    column: str,
) -> pd.Series:
    where = f"[mapping.{table}] {column}.made_from"
    parts = [
        normalise.cells_to_text(rows[_position(headers, h, label, where)]).fillna("")
        for h in source.columns
    ]
    made = parts[0]
    for part in parts[1:]:
        made = made + "-" + part
    # A row with none of the columns filled has no id: the loader rejects it as blank.
    empty = pd.concat(parts, axis=1).eq("").all(axis=1)
    return made.astype(object).where(~empty, "")


def _joined(
    own_child: pd.Series, source: Joined, other: Grid, table: str, column: str, as_at: date | None
) -> pd.Series:
    where = f"[mapping.{table}] {column}"
    names = [source.child, source.column, *(h for h in (source.start, source.end) if h)]
    header_at = _header_row(other.cells, names)
    headers = {
        normalise.header_key(h): p for p, h in other.cells.loc[header_at].items() if _filled(h)
    }
    rows = other.cells.loc[other.cells.index > header_at]
    key = normalise.as_id(
        normalise.cells_to_text(
            rows[_position(headers, source.child, other.source, f"{where}.child")]
        )
    )[0]
    raw = rows[_position(headers, source.column, other.source, f"{where}.column")]
    is_date = table_spec(table).column(column).kind == "date"
    frame = pd.DataFrame({"key": key, "raw": raw.astype(object)})
    frame["value"] = _dates(raw) if is_date else normalise.cells_to_text(raw)
    frame = frame[frame["key"].notna()]
    if source.pick == "as_at":
        day = pd.Timestamp(as_at or date.today())
        start = _dates(rows[_position(headers, source.start or "", other.source, f"{where}.from")])
        end = _dates(rows[_position(headers, source.end or "", other.source, f"{where}.to")])
        current = (start <= day) & (end.isna() | (end >= day))
        chosen = frame.assign(_start=start)[current.reindex(frame.index, fill_value=False)]
        picked = chosen.sort_values("_start", kind="stable").groupby("key")["raw"].last()
    elif is_date:
        dates = frame.dropna(subset=["value"])
        if source.pick == "first":
            picked = dates.groupby("key")["value"].min()
        else:
            latest = dates.groupby("key")["value"].max()
            still_open = frame.loc[frame["value"].isna(), "key"].unique()
            picked = latest.where(~latest.index.isin(still_open))
        picked = picked.astype(object)
    else:
        kept = frame.dropna(subset=["value"])
        picked = kept.groupby("key")["raw"].agg("first" if source.pick == "first" else "last")
    own = normalise.as_id(normalise.cells_to_text(own_child))[0]
    return own.map(picked).astype(object).where(lambda v: v.notna(), None)


def _dates(raw: pd.Series) -> pd.Series:
    return normalise.as_date(raw.astype(object), normalise.cells_to_text(raw.astype(object)))[0]
