"""SSD grids read as frames of raw cells under the published field names.

Each frame keeps, beside the SSD fields it found, where every row came from (``SHEET``,
``ROW``) and its order in the file (``ORDER``), so each contract row can cite its record
and ties can fall to file order. A database (:class:`~audit.table_source.TableSource`)
gives the same frames: its columns are already the field names, ``SHEET`` is the table
name, ``ROW`` the table's key and ``ORDER`` the key order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from audit.errors import InputError
from audit.lazy import np, pd
from audit.normalise import header_key
from audit.profiles.ssd.fields import SSD_FIELDS, table_name
from audit.reader import Grid
from audit.table_source import TableSource

HEADER_SEARCH_ROWS = 30  # as the loader: the header may sit below title rows

# Provenance columns carried through every frame until the grid is made.
SHEET, ROW, ORDER = "_sheet", "_row", "_order"


def read_tables(
    grids: Mapping[str, Grid] | TableSource,
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Each SSD table among the grids, by its table name, and the file or sheet it came from."""
    if isinstance(grids, TableSource):
        return _read_source(grids)
    tables: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    for name, grid in grids.items():
        table = table_name(name)
        if table is not None:
            labels[table] = grid.sheet or grid.source
            tables[table] = _read_table(table, grid, labels[table])
    return tables, labels


def _read_source(source: TableSource) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Every SSD table from a database: one query each, for the fields this profile reads."""
    tables: dict[str, pd.DataFrame] = {}
    for table, read in source.read(SSD_FIELDS).items():
        frame = read.cells.reset_index(drop=True)
        frame[SHEET] = pd.Series(read.sheet, index=frame.index, dtype="string")
        frame[ROW] = read.rows.to_numpy(dtype="int64")
        frame[ORDER] = np.arange(len(frame))
        tables[table] = frame
    return tables, {table: table for table in tables}


def _read_table(table: str, grid: Grid, label: str) -> pd.DataFrame:
    """The grid's data rows under the SSD field names found in its header row."""
    fields = SSD_FIELDS[table]
    cells = grid.cells
    filled = cells.notna() & cells.ne("")
    if not filled.any().any():  # an empty file: the table with no rows
        return _empty_table(fields)
    wanted = {header_key(f): f for f in fields}
    header_at = _header_position(cells.head(HEADER_SEARCH_ROWS), wanted)
    if header_at is None:
        raise InputError(
            f"{label}: no header row with {table} field names (such as {fields[0]}) in the "
            f"first {HEADER_SEARCH_ROWS} rows. Export the table again with its header row."
        )
    positions: dict[str, object] = {}
    for position, header in cells.iloc[header_at].items():
        name = wanted.get(header_key(header))
        if name is not None and name not in positions:  # the first of two same-named wins
            positions[name] = position
    body = cells.iloc[header_at + 1 :]
    body = body[filled.iloc[header_at + 1 :].any(axis=1)]  # an empty row is not a record
    frame = pd.DataFrame({f: body[p] for f, p in positions.items()}, index=body.index)
    sheets, rows = grid.provenance(body.index)
    frame[SHEET], frame[ROW] = sheets, rows
    frame[ORDER] = np.arange(len(frame))
    return frame.reset_index(drop=True)


def _empty_table(fields: Iterable[str]) -> pd.DataFrame:
    frame = pd.DataFrame({f: pd.Series(dtype=object) for f in fields})
    frame[SHEET] = pd.Series(dtype="string")
    frame[ROW] = pd.Series(dtype="int64")
    frame[ORDER] = pd.Series(dtype="int64")
    return frame


def _header_position(top: pd.DataFrame, wanted: Mapping[str, str]) -> int | None:
    """Position of the first top row naming the most of the table's fields, or None."""
    hits = [
        len({header_key(v) for v in row if isinstance(v, str) and v} & wanted.keys())
        for row in top.itertuples(index=False, name=None)
    ]
    best = max(hits, default=0)
    return hits.index(best) if best else None
