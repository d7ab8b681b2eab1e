"""The return's CSV files read as frames of raw cells under the published field names.

Each frame keeps where every row came from (``SHEET``, ``ROW``), so each contract row
cites the file and line a data team can open.
"""

from __future__ import annotations

from collections.abc import Mapping

from audit.errors import InputError
from audit.lazy import pd
from audit.normalise import header_key
from audit.profiles.ssda903.fields import FIELDS, file_name
from audit.reader import Grid

SHEET, ROW = "_sheet", "_row"
HEADER_SEARCH_ROWS = 30


def read_files(
    grids: Mapping[str, Grid], extra: Mapping[str, tuple[str, ...]] | None = None
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Each file of the return that a rule can use, by its name, and the sheet it came from.

    ``extra`` names, per file, columns a council added beside the published fields (a team
    column configured in audit.toml); they are kept under the name given.
    """
    frames: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    for name, grid in grids.items():
        table = file_name(name)
        if table in FIELDS:
            labels[table] = grid.sheet or grid.source
            fields = (*FIELDS[table], *(extra or {}).get(table, ()))
            frames[table] = _read(table, fields, grid, labels[table])
    return frames, labels


def _read(table: str, fields: tuple[str, ...], grid: Grid, label: str) -> pd.DataFrame:
    wanted = {header_key(f): f for f in fields}
    cells = grid.cells
    filled = cells.notna() & cells.ne("")
    hits = [
        len({header_key(v) for v in row if isinstance(v, str) and v} & wanted.keys())
        for row in cells.head(HEADER_SEARCH_ROWS).itertuples(index=False, name=None)
    ]
    if not hits or max(hits) == 0:
        raise InputError(
            f"{label}: no header row with the SSDA903 {table} field names (such as "
            f"{', '.join(FIELDS[table][:3])}) in the first {HEADER_SEARCH_ROWS} rows. Export "
            "the file again with its header row."
        )
    at = hits.index(max(hits))
    positions: dict[str, object] = {}
    for position, header in cells.iloc[at].items():
        name = wanted.get(header_key(header))
        if name is not None and name not in positions:
            positions[name] = position
    body = cells.iloc[at + 1 :]
    body = body[filled.iloc[at + 1 :].any(axis=1)]  # an empty row is not a record
    frame = pd.DataFrame({f: body[p] for f, p in positions.items()}, index=body.index)
    frame[SHEET], frame[ROW] = grid.provenance(body.index)
    return frame.reset_index(drop=True)


def require(frame: pd.DataFrame, label: str, *fields: str) -> None:
    """Stop with a clear error when a field the file's rows cannot be used without is missing."""
    for field in fields:
        if field not in frame:
            raise InputError(
                f"{label}: no {field} column, which every row of this SSDA903 file needs. "
                "Export it again with the DfE's published field names."
            )
