"""Load an export into the contract's tables, accounting for every row.

For each table: find the header row, match headers to contract columns, normalise each
column by its kind, then reject rows the contract says cannot be used (blank required
value, unparseable required date, duplicate key, unknown child). Every input row ends up
either loaded or rejected with a reason; every value kept but flawed is a data-quality
finding. The result is checked against the contract's column types, blanks and keys before
anyone sees it.
"""

from __future__ import annotations

import difflib
import os
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from audit import normalise
from audit.arrow import is_in, repeated
from audit.contract import (
    SOURCE_ROW,
    SOURCE_SHEET,
    UNALLOCATED_TEAM,
    ColumnKind,
    ColumnSpec,
    TableSpec,
    table_spec,
)
from audit.errors import InputError
from audit.memory import collector_paused, large_blocks_returned
from audit.profiles import build_source, build_table_source
from audit.profiles.mapping import SourceMapping
from audit.progress import Progress, no_progress
from audit.reader import Grid, PendingGrid, discover
from audit.safety import SafetyLimits
from audit.table_source import TableSource

HEADER_SEARCH_ROWS = 30

ISSUE_COLUMNS = [
    "table",
    "source",
    "sheet",
    "source_row",
    "action",
    "kind",
    "column",
    "value",
    "detail",
]

# Why a row is rejected, in the order they are checked: a row gets the first that applies.
REJECT_UNREADABLE = "unreadable_row"  # a CSV row that could not be split into values
REJECT_RAGGED = "ragged_row"  # a CSV row with more values than its header has columns
REJECT_MISSING = "missing_required_value"
REJECT_BAD_DATE = "unparseable_required_date"
REJECT_DUPLICATE = "duplicate_key"
REJECT_UNKNOWN_CHILD = "unknown_child"
# An input row the profile did not pass on (an SSD "away" episode, a person never open).
REJECT_LEFT_OUT = "left_out"
# Kept rows with a flawed value.
FINDING_BAD_DATE = "unparseable_date"
FINDING_UNMAPPED = "unmapped_value"
FINDING_EXCEL_ERROR = "excel_error"
FINDING_NOT_A_NUMBER = "not_a_number"
FINDING_IMPLAUSIBLE = "implausible_number"
FINDING_UNKNOWN_CHILD = "unknown_child"


@dataclass
class TableLoad:
    """What happened to one table: where it came from and where every row went."""

    table: str
    source: str
    frame: pd.DataFrame
    rows_read: int
    rejected: pd.DataFrame  # ISSUE_COLUMNS, action "rejected"
    findings: pd.DataFrame  # ISSUE_COLUMNS, action "kept"
    header_row: int
    absent_columns: tuple[str, ...] = ()  # optional contract columns not in the input
    ignored_headers: tuple[str, ...] = ()  # input headers outside the contract
    encoding: str | None = None

    @property
    def rows_loaded(self) -> int:
        return len(self.frame)

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)


@dataclass
class LoadResult:
    input_path: Path | TableSource  # a file or folder, or a database
    loads: dict[str, TableLoad]
    unrecognised: tuple[str, ...] = field(default=())  # sheets or files that are no table
    profile: str = "canonical"  # how the source was read: canonical, annex-a, ssd
    absent: dict[str, str] = field(default_factory=dict)  # "table[.column]" -> why absent
    fed_by: dict[str, str] = field(default_factory=dict)  # table -> what fed it
    notes: tuple[str, ...] = ()

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: load.frame for name, load in self.loads.items()}

    def after_rules(self) -> LoadResult:
        """The same rows with only the columns read once the rules have run: what the
        month's files, the history and the warnings read.

        Children and workers stay whole (the reports take teams, workers' names and IRO
        contacts from them). Every other table keeps which row each is and where it came
        from (its key, child, sheet and row: a data-quality finding goes to the child's
        team) and its dates (the warning that a month lies beyond the data). Its case
        notes, views and commentary go: at 100,000 children, 400 MB that were otherwise
        held through the reports, and counted again in every forked report worker."""
        return replace(
            self,
            loads={
                name: load if name in _READ_WHOLE_AFTER_RULES else _references_only(load)
                for name, load in self.loads.items()
            },
        )

    def issues(self) -> pd.DataFrame:
        """Every rejected row and data-quality finding, table by table."""
        parts = [p for load in self.loads.values() for p in (load.rejected, load.findings)]
        parts = [p for p in parts if len(p)]
        if not parts:
            return pd.DataFrame(columns=ISSUE_COLUMNS)
        return pd.concat(parts, ignore_index=True)


_READ_WHOLE_AFTER_RULES = frozenset({"children", "workers"})
_ROW_REFERENCES = ("child_id", SOURCE_SHEET, SOURCE_ROW)


def _references_only(load: TableLoad) -> TableLoad:
    frame = load.frame
    references = {*_ROW_REFERENCES, table_spec(load.table).key}
    kept = [
        c
        for c in frame.columns
        if c in references or pd.api.types.is_datetime64_any_dtype(frame[c].dtype)
    ]
    return replace(load, frame=frame.loc[:, kept])


def load(
    path: Path | TableSource,
    limits: SafetyLimits | None = None,
    *,
    profile: str = "auto",
    mapping: SourceMapping | None = None,
    as_at: date | None = None,
    progress: Progress = no_progress,
) -> LoadResult:
    """Load a workbook (a sheet per table), a folder (a file per table) or a database.

    ``profile`` says how to read it: ``canonical`` (the contract's own tables, optionally
    renamed by ``mapping``), ``annex-a``, ``ssd``, or ``auto`` to recognise the source.
    ``as_at`` is the audit's as-at date, for sources that hold history (the SSD).
    """
    # A workbook's sheets arrive as a list per row (240,000 rows for a county), which the
    # collector would walk again at each full collection until they are converted: about
    # 0.2 s of the 3 s of CPU a county's check takes, for no garbage.
    # The tables' working arrays are each made once, and returned when freed; the rules and
    # reports, which make and drop arrays by the thousand, reuse them instead.
    large_blocks_returned(when_freed=True)
    try:
        with collector_paused():
            return _load(
                path, limits or SafetyLimits(), profile, mapping or SourceMapping(), as_at, progress
            )
    finally:
        large_blocks_returned(when_freed=False)


def _load(
    path: Path | TableSource,
    limits: SafetyLimits,
    profile: str,
    mapping: SourceMapping,
    as_at: date | None,
    progress: Progress,
) -> LoadResult:
    if isinstance(path, TableSource):  # a database: no files to discover
        source = build_table_source(path, profile, as_at)
    else:
        source = build_source(path, discover(path, limits), profile, mapping, as_at)

    # The grids, let go of by the source: each is dropped as its table loads.
    grids = dict(source.data.grids)
    source = replace(source, data=replace(source.data, grids={}))

    large = {name: size for name, size in _large_tables(grids).items() if name != "children"}
    one_large_at_a_time = threading.Lock()
    large_loads: list[Future[TableLoad]] = []

    def load_in_turn(name: str, children: Future[pd.Series | None]) -> TableLoad:
        if name in large:
            with one_large_at_a_time:
                return load_one(name, children)
        wait(large_loads)
        return load_one(name, children)

    def load_one(name: str, children: Future[pd.Series | None] | None) -> TableLoad:
        grid = grids.pop(name)
        cells = grid.read() if isinstance(grid, PendingGrid) else grid
        loaded = load_table(
            table_spec(name),
            cells,
            children.result() if children is not None else None,
            aliases=mapping.columns.get(name, {}),
            values=mapping.values.get(name, {}),
        )
        if name in source.data.left_out:
            loaded = _with_left_out(loaded, source.data.left_out[name])
        return loaded

    loads: dict[str, TableLoad] = {}
    # Children first: the other tables check their child IDs against the loaded children.
    # Meanwhile they are read, a thread per core (the parsers and much of normalising run
    # without the GIL), and then loaded side by side; the large tables (LARGE_SHARE) first,
    # one at a time, while little else is loaded.
    names = sorted(grids, key=lambda t: t != "children")
    rest = [name for name in names if name != "children"]
    child_ids: Future[pd.Series | None] = Future()
    with ThreadPoolExecutor(max_workers=max(1, min(len(rest), os.cpu_count() or 1))) as pool:
        # The large ones are submitted, and known, before any other can start.
        pending = {
            name: pool.submit(load_in_turn, name, child_ids)
            for name in sorted(large, key=lambda name: -large[name])
        }
        large_loads.extend(pending.values())
        pending |= {
            name: pool.submit(load_in_turn, name, child_ids) for name in rest if name not in large
        }
        try:
            if "children" in grids:
                progress("Loading children", 1, len(names))
                loads["children"] = load_one("children", None)
            child_ids.set_result(loads["children"].frame["child_id"] if loads else None)
        except BaseException as exc:
            child_ids.set_exception(exc)
            pool.shutdown(cancel_futures=True)
            raise
        for done, name in enumerate(rest, len(loads) + 1):
            progress(f"Loading {name}", done, len(names))
            loads[name] = pending[name].result()  # the first failure, in order, stops the load
    return LoadResult(
        path,
        loads,
        source.unrecognised,
        profile=source.data.profile,
        absent=dict(source.data.absent),
        fed_by=dict(source.data.fed_by),
        notes=source.data.notes,
    )


# A table of more than this share of the input's bytes is large. The large tables load one at
# a time and before the others: a table's raw and normalised columns and its keys' working
# memory come on top of every table loaded before it, and at 100,000 children plans and
# visits side by side, or visits after all the rest, reached 100 MB above every other
# moment of the run. On two cores the order costs little time: the tables share the
# cores either way.
LARGE_SHARE = 0.25


def _large_tables(grids: Mapping[str, Grid | PendingGrid]) -> dict[str, int]:
    """The large tables (see LARGE_SHARE) and their bytes, among those read from a file of
    their own (a folder's parquet or CSV files); a workbook's sheets are not told apart."""
    sizes = {
        name: grid.file.stat().st_size
        for name, grid in grids.items()
        if isinstance(grid, PendingGrid) and grid.sheet_name is None and grid.file.is_file()
    }
    total = sum(sizes.values())
    return {name: size for name, size in sizes.items() if size > LARGE_SHARE * total}


def _with_left_out(table: TableLoad, left_out: pd.DataFrame) -> TableLoad:
    """The table's load with the rows its profile left out counted as read and listed."""
    if not len(left_out):
        return table
    rows = pd.DataFrame(
        {
            "table": table.table,
            "source": table.source + ", sheet " + left_out["sheet"],
            "sheet": left_out["sheet"],
            "source_row": left_out["source_row"],
            "action": "rejected",
            "kind": REJECT_LEFT_OUT,
            "column": left_out["column"],
            "value": left_out["value"],
            "detail": left_out["detail"],
        }
    )
    parts = [p for p in (table.rejected, rows) if len(p)]
    rejected = pd.concat(parts, ignore_index=True).loc[:, ISSUE_COLUMNS]
    return replace(table, rejected=rejected, rows_read=table.rows_read + len(rows))


def require_children(result: LoadResult) -> None:
    """An input with no child to audit stops the run with one line saying what was read."""
    children = result.loads.get("children")
    if children is None or children.rows_loaded:
        return
    left_out = children.rejected[children.rejected["kind"] == REJECT_LEFT_OUT]
    fed = result.fed_by.get("children", children.source)
    if children.rows_read == 0:
        why = f"{fed} hold no rows, only headers"
    elif len(left_out) == children.rows_read:
        why = f"all {children.rows_read} rows of {fed} were left out: {left_out['detail'].iloc[0]}"
    else:
        why = (
            f"all {children.rows_read} rows of {fed} were rejected "
            "(caseaudit check lists the reasons)"
        )
    raise InputError(
        f"{_input_name(result.input_path)}: no children to audit: {why}. "
        "Check that the export holds the children open in the period."
    )


def _input_name(path: Path | TableSource) -> str:
    return path.name if isinstance(path, Path) else path.label


def load_table(
    spec: TableSpec,
    grid: Grid,
    child_ids: pd.Series | None = None,
    *,
    aliases: Mapping[str, str] | None = None,
    values: Mapping[str, Mapping[str, str]] | None = None,
) -> TableLoad:
    """Load one table. ``aliases`` maps contract columns to the export's own headers;
    ``values`` maps, per column, the export's own values to the ones to read instead.
    A typed grid (one whose header the reader knew) gives up its columns as they load."""
    aliases = aliases or {}
    if grid.header is not None:  # typed columns under a header the reader already knows
        header_row = _check_known_header(spec, grid, aliases)
        headers = pd.Series(grid.header, dtype=object)
        body = grid.cells
    else:
        header_row = _find_header_row(spec, grid, aliases)
        headers = grid.cells.loc[header_row]
        body = grid.cells.loc[header_row + 1 :]
    unreadable = _unreadable_rows(grid, header_row)
    positions = _match_columns(spec, grid, headers, aliases)
    # An empty row is not a record; a row that could not be split is one, however it looks.
    filled = _filled_cells(body)
    keep = filled.any(axis=1) | unreadable.reindex(body.index).notna().to_numpy()
    if not keep.all():
        body, filled = body[keep], filled[keep]

    columns: dict[str, pd.Series] = {}
    sheets, rows = grid.provenance(body.index)
    issues = _Issues(spec.name, grid, sheets, rows)
    bad_dates: dict[str, pd.Series] = {}  # raw text of required dates that did not parse
    # A typed grid's columns (a parquet file's) are let go of as they are normalised: a
    # code or a date read afresh would otherwise be held twice until the table is loaded,
    # its raw column beside the normalised one (80 MB of the visits at 100,000 children).
    # Its rows are never split by hand, so no damaged row needs the raw cells afterwards.
    consumed = body is grid.cells and grid.header is not None and unreadable.isna().all()
    for column in spec.columns:
        if column.name in positions:
            raw = body[positions[column.name]]
            if values and column.name in values:
                raw = _map_values(raw, values[column.name])
            normalised, unusable = _normalise_column(column, raw, issues)
            columns[column.name] = normalised
            if unusable is not None and unusable.notna().any():
                bad_dates[column.name] = unusable
            if consumed:
                del raw
                body.pop(positions[column.name])
    if "allocated_team" in columns:
        columns["allocated_team"] = columns["allocated_team"].fillna(UNALLOCATED_TEAM)
    # Built once from its columns: adding them one by one re-checks the index each time.
    frame = pd.DataFrame(columns, index=body.index, copy=False)

    damaged = _damaged_rows(grid, body, filled, headers, unreadable, issues)
    rejected = _reject_rows(spec, frame, bad_dates, issues, child_ids, damaged)
    # Positional: the rejection mask, rows and sheets stand in the frame's row order. When
    # no row is rejected the frame is kept as it is, not copied (a county's visits).
    keep = ~rejected.to_numpy(dtype=bool)
    kept = frame if keep.all() else frame[keep]
    if spec.name == "supervisions" and child_ids is not None and "child_id" in kept:
        _flag_unknown_children(kept, child_ids, issues)

    kept_index = kept.index
    kept = kept.reset_index(drop=True)
    kept[SOURCE_ROW] = rows.to_numpy()[keep]
    kept[SOURCE_SHEET] = sheets.array[keep]
    _validate(spec, kept)
    matched_positions = set(positions.values())
    return TableLoad(
        table=spec.name,
        source=grid.source,
        frame=kept,
        rows_read=len(body),
        rejected=issues.frame("rejected"),
        findings=issues.frame("kept", only_rows=kept_index),
        header_row=int(header_row),
        # A display column (shown for information) is never a reason a rule is skipped.
        absent_columns=tuple(
            c.name for c in spec.columns if c.name not in positions and not c.display
        ),
        ignored_headers=tuple(
            normalise.clean_header(h)
            for pos, h in headers.items()
            if pos not in matched_positions and _is_filled(h)
        ),
        encoding=grid.encoding,
    )


# ---------------------------------------------------------------- headers


def _is_filled(value: object) -> bool:
    return not (value is None or value == "" or (isinstance(value, float) and value != value))


def _map_values(raw: pd.Series, mapping: Mapping[str, str]) -> pd.Series:
    """The export's own values replaced by the configured ones (trimmed, any case)."""
    lookup = {key.strip().casefold(): value for key, value in mapping.items()}
    text = normalise.cells_to_text(raw)
    mapped = text.str.casefold().map(lookup)
    return raw.mask(mapped.notna(), mapped).astype(object)


def _header_keys(spec: TableSpec, aliases: Mapping[str, str]) -> dict[str, str]:
    """Header key -> contract column: the column's own name, and its configured header."""
    keys = {normalise.header_key(c): c for c in spec.column_names}
    keys.update({normalise.header_key(header): c for c, header in aliases.items()})
    return keys


def _header_hits(row: Iterable[object], wanted: set[str]) -> int:
    """How many contract columns (header keys in ``wanted``) a row of cells names."""
    return len({normalise.header_key(v) for v in row if _is_filled(v)} & wanted)


def _find_header_row(spec: TableSpec, grid: Grid, aliases: Mapping[str, str]) -> int:
    """The first of the top rows that names the most contract columns."""
    wanted = set(_header_keys(spec, aliases))
    best_row, best = None, 0
    for row_number, row in grid.cells.head(HEADER_SEARCH_ROWS).iterrows():
        hits = _header_hits(row, wanted)
        if hits > best:
            best_row, best = row_number, hits
    if best_row is None:
        raise _no_header(spec, grid)
    return int(best_row)


def _check_known_header(spec: TableSpec, grid: Grid, aliases: Mapping[str, str]) -> int:
    """Row 1, the header a parquet file's schema gives, if it names a contract column."""
    if not _header_hits(grid.header or (), set(_header_keys(spec, aliases))):
        raise _no_header(spec, grid)
    return 1


def _no_header(spec: TableSpec, grid: Grid) -> InputError:
    return InputError(
        f"{grid.source}: no header row found in the first {HEADER_SEARCH_ROWS} rows "
        f"(looked for columns such as {', '.join(spec.required_columns)}). "
        "Check that this is the right sheet, or map its headers in audit.toml "
        f"[mapping.{spec.name}]."
    )


def _filled_cells(body: pd.DataFrame) -> np.ndarray:
    """Which cells hold something (rows x columns): a typed column's blank is its null, a
    cell of text (or object) is also blank when it is the empty string."""
    if body.shape[1] == 0:
        return np.zeros((len(body), 0), dtype=bool)
    masks = []
    for position in body.columns:
        column = body[position]
        if column.dtype == object:
            values = column.to_numpy()
            masks.append(pd.notna(values) & (values != ""))
            continue
        filled = column.notna()
        if pd.api.types.is_string_dtype(column.dtype):
            filled &= column.ne("")
        masks.append(filled.to_numpy(dtype=bool, na_value=False))
    return np.column_stack(masks)


def _match_columns(
    spec: TableSpec, grid: Grid, headers: pd.Series, aliases: Mapping[str, str]
) -> dict[str, int]:
    by_key: dict[str, int] = {}
    for position, header in headers.items():
        key = normalise.header_key(header)
        if key and key not in by_key:  # the first of two same-named columns wins
            by_key[key] = int(position)
    positions: dict[str, int] = {}
    for column in spec.columns:
        # A configured header wins over a column that happens to carry the contract's name.
        for name in (aliases.get(column.name), column.name):
            if name is not None and normalise.header_key(name) in by_key:
                positions[column.name] = by_key[normalise.header_key(name)]
                break
    missing = [name for name in spec.required_columns if name not in positions]
    for name in missing:
        if name not in positions:
            taken = set(positions.values())
            found = [
                normalise.clean_header(h)
                for pos, h in headers.items()
                if _is_filled(h) and pos not in taken
            ]
            close = difflib.get_close_matches(name.replace("_", " "), found, n=1, cutoff=0.4)
            hint = f"the closest header found is '{close[0]}'" if close else "no similar header"
            also = [m for m in missing if m != name]
            more = f" Also missing: {', '.join(also)}." if also else ""
            raise InputError(
                f"{grid.source}: required column '{name}' is missing ({hint}). "
                f"Rename that column to '{name}' or map it in the config under "
                f"[mapping.{spec.name}].{more}"
            )
    return positions


# ---------------------------------------------------------------- cells


class _Issues:
    """Collects rejections and findings for one table, each citing its sheet and row."""

    def __init__(self, table: str, grid: Grid, sheets: pd.Series, rows: pd.Series) -> None:
        self.table, self.grid, self.sheets, self.rows = table, grid, sheets, rows
        self.chunks: list[pd.DataFrame] = []

    def add(
        self,
        action: str,
        kind: str,
        column: str,
        rows: pd.Series,
        values: pd.Series,
        detail: pd.Series | str,
    ) -> None:
        """Record one issue for each row where ``rows`` is true."""
        if not rows.any():
            return
        hit = rows[rows].index
        details = detail[hit] if isinstance(detail, pd.Series) else pd.Series(detail, index=hit)
        sheets = self.sheets[hit].astype("string")
        # A derived table cites each row's own sheet; a plain one its file and sheet.
        source = (
            self.grid.source
            if self.grid.row_sheets is None
            else f"{self.grid.source}, sheet " + sheets
        )
        self.chunks.append(
            pd.DataFrame(
                {
                    "position": hit,
                    "table": self.table,
                    "source": source,
                    "sheet": sheets,
                    "source_row": self.rows[hit],
                    "action": action,
                    "kind": kind,
                    "column": column,
                    "value": values.reindex(hit).astype("string"),
                    "detail": details.astype("string"),
                },
                index=hit,
            )
        )

    def frame(self, action: str, only_rows: pd.Index | None = None) -> pd.DataFrame:
        """Issues of one action; ``only_rows`` keeps those on the given rows of the grid."""
        if not self.chunks:
            return pd.DataFrame(columns=ISSUE_COLUMNS)
        out = pd.concat(self.chunks, ignore_index=True)
        out = out[out["action"] == action]
        if only_rows is not None:
            out = out[out["position"].isin(only_rows)]
        out = out.sort_values(["position", "column"], kind="stable")
        return out.loc[:, ISSUE_COLUMNS].reset_index(drop=True)


def _normalise_column(
    column: ColumnSpec, raw: pd.Series, issues: _Issues
) -> tuple[pd.Series, pd.Series | None]:
    """The column's normalised values, and the raw text of cells the column cannot accept
    (unparseable dates in a required date column: those rows are rejected), or None when
    the column accepts every cell."""
    no_problem = None
    if column.kind == "date" and (dates := normalise.dates_if_all_cells(raw)) is not None:
        return dates, no_problem
    text = normalise.cells_to_text(raw)
    errors = normalise.excel_errors(text)
    # An error in a required column rejects the row; allocated_team is the exception (a
    # blank means Unallocated), so its errors must be reported rather than pass unseen.
    if not column.required or column.name == "allocated_team":
        issues.add(
            "kept",
            FINDING_EXCEL_ERROR,
            column.name,
            errors,
            text,
            "Excel error value; treated as blank",
        )
    text = text.mask(errors)

    if column.kind == "date":
        values, bad = normalise.as_date(raw.mask(errors), text)
        if column.required:
            return values, text.where(bad)
        issues.add(
            "kept",
            FINDING_BAD_DATE,
            column.name,
            bad,
            text,
            "not a date (expected e.g. 03/04/2026); treated as blank",
        )
        return values, no_problem
    if column.kind == "yn":
        values, bad = normalise.as_yes_no(
            text, not_applicable=column.name in normalise.NOT_APPLICABLE_COLUMNS
        )
        issues.add(
            "kept", FINDING_UNMAPPED, column.name, bad, text, "not a Y/N value; kept as written"
        )
        return values, no_problem
    if column.kind == "code":
        values, bad = normalise.as_code(text, column.name)
        issues.add(
            "kept",
            FINDING_UNMAPPED,
            column.name,
            bad,
            text,
            "not a recognised code; kept as written",
        )
        return values, no_problem
    if column.kind == "number":
        values, bad = normalise.as_number(text)
        issues.add(
            "kept", FINDING_NOT_A_NUMBER, column.name, bad, text, "not a number; treated as blank"
        )
        if column.plausible is not None:
            above, at_most = column.plausible
            implausible = values.notna() & ((values <= above) | (values > at_most))
            issues.add(
                "kept",
                FINDING_IMPLAUSIBLE,
                column.name,
                implausible,
                text,
                f"outside the plausible range (above {above:g}, at most {at_most:g}); kept",
            )
        return values, no_problem
    if column.kind == "lcode":
        return normalise.as_lower_code(text)[0], no_problem
    if column.kind == "id":
        return normalise.as_id(text)[0], no_problem
    return normalise.as_text(text)[0], no_problem


# ---------------------------------------------------------------- rows


def _unreadable_rows(grid: Grid, header_row: int) -> pd.Series:
    """Why each row the reader could not split is unreadable (empty: none); a header that
    could not be split stops the load, since no row below it can be read."""
    if grid.unreadable is None:
        return pd.Series(dtype="string")
    if header_row in grid.unreadable.index:
        raise InputError(
            f"{grid.source}: the header row (row {header_row}) "
            f"{grid.unreadable[header_row].split(': ', 1)[-1]}. Correct the quotes in the "
            "header, or open the file in Excel and save it as 'CSV UTF-8'."
        )
    return grid.unreadable


def _damaged_rows(
    grid: Grid,
    body: pd.DataFrame,
    filled: np.ndarray,
    headers: pd.Series,
    unreadable: pd.Series,
    issues: _Issues,
) -> pd.Series:
    """Rows of a CSV whose values cannot be trusted: rejected (with the reason) before any
    other check. A row the reader could not split; and a row with a value past the header's
    last column, where a stray comma has shifted every value after it."""
    unsplit = unreadable.reindex(body.index).notna()
    ragged = pd.Series(False, index=body.index)
    held = pd.Series(0, index=body.index)
    named = [int(pos) for pos, h in headers.items() if _is_filled(h)]
    width = max(named) + 1 if named else 0
    if grid.delimited:
        # Values a row holds, up to its last filled cell (trailing empty cells are padding).
        positions = body.columns.to_numpy(dtype=int) + 1
        held = pd.Series((filled * positions).max(axis=1, initial=0), index=body.index)
        ragged = (held > width) & ~unsplit
    damaged = unsplit | ragged
    if not damaged.any():
        return damaged
    raw = _row_text(body[damaged])  # the row as its line reads, to find it by
    issues.add("rejected", REJECT_UNREADABLE, "", unsplit, raw, unreadable.reindex(body.index))
    issues.add(
        "rejected",
        REJECT_RAGGED,
        "",
        ragged,
        raw,
        "the row has " + held.astype("string") + f" values but the header has {width} columns"
        " (a comma inside a value that is not in quotes?); its values were not loaded",
    )
    return damaged


def _row_text(body: pd.DataFrame) -> pd.Series:
    """Each row's values as the line a person would see in the file, to find the row by."""
    if body.empty:
        return pd.Series(dtype="string", index=body.index)
    text = body.astype("string").fillna("")
    joined = (
        text.iloc[:, 0].str.cat(text.iloc[:, 1:], sep=",") if text.shape[1] > 1 else text.iloc[:, 0]
    )
    return joined.str.rstrip(",").str.slice(0, 200)


def _reject_rows(
    spec: TableSpec,
    frame: pd.DataFrame,
    bad_dates: dict[str, pd.Series],
    issues: _Issues,
    child_ids: pd.Series | None,
    damaged: pd.Series,
) -> pd.Series:
    """Which rows cannot be loaded; each gets one reason, the first that applies."""
    rejected = damaged.reindex(frame.index, fill_value=False).astype(bool)
    for name in spec.required_columns:
        if name == "allocated_team":
            continue  # blank means Unallocated
        if name in bad_dates:
            bad = bad_dates[name].notna() & ~rejected
            issues.add(
                "rejected", REJECT_BAD_DATE, name, bad, bad_dates[name], f"{name} is not a date"
            )
            rejected |= bad
        missing = frame[name].isna() & ~rejected
        issues.add("rejected", REJECT_MISSING, name, missing, frame[name], f"{name} is blank")
        rejected |= missing

    if spec.key:
        key = frame[spec.key].where(~rejected)
        dup = repeated(key) & ~rejected
        if dup.any():
            # Where each duplicated key first stands, for the rows that repeat it.
            repeats = key[is_in(key, key[dup])]
            row_text = "row " + issues.rows[repeats.index].astype("string")
            if issues.grid.row_sheets is not None:
                row_text = issues.sheets[repeats.index].astype("string") + " " + row_text
            first = row_text.groupby(repeats).transform("first")
            issues.add(
                "rejected",
                REJECT_DUPLICATE,
                spec.key,
                dup,
                key,
                f"duplicates the {spec.key} of " + first,
            )
            rejected |= dup

    if spec.child_linked and child_ids is not None:
        unknown = ~is_in(frame["child_id"], child_ids) & ~rejected
        issues.add(
            "rejected",
            REJECT_UNKNOWN_CHILD,
            "child_id",
            unknown,
            frame["child_id"],
            "no child with this child_id in the children table",
        )
        rejected |= unknown
    return rejected


def _flag_unknown_children(kept: pd.DataFrame, child_ids: pd.Series, issues: _Issues) -> None:
    unknown = kept["child_id"].notna() & ~is_in(kept["child_id"], child_ids)
    issues.add(
        "kept",
        FINDING_UNKNOWN_CHILD,
        "child_id",
        unknown.fillna(False).astype(bool),
        kept["child_id"],
        "no child with this child_id; the record still counts",
    )


def _validate(spec: TableSpec, frame: pd.DataFrame) -> None:
    """The loaded table must satisfy its model: each contract column of its kind's type (text,
    datetime64 or float) and no blank in a required column. A failure here is a bug in the
    loader. Checked directly, column by column, rather than by the contract's pandera schema
    (``contract.schema``, which the tests hold every loaded table to): pandera's first
    validation imports about a second of modules into every command.

    A key's uniqueness is not checked again: ``_reject_rows`` has just rejected every row
    that repeats one, and hashing the key a second time cost 0.3 s for 1.7 million visits.
    The tests hold every loaded table to the schema's uniqueness all the same.
    """
    problems = []
    for column in spec.columns:
        if column.name not in frame:
            if column.required:
                problems.append(f"{column.name}: missing")
            continue
        values = frame[column.name]
        if not _KIND_DTYPE.get(column.kind, pd.api.types.is_string_dtype)(values.dtype):
            problems.append(f"{column.name}: dtype {values.dtype} for a {column.kind} column")
        if column.required and values.isna().any():
            problems.append(f"{column.name}: blank in a required column")
    if problems:  # pragma: no cover - guards our own invariants
        raise RuntimeError(f"loaded {spec.name} breaks its contract: {'; '.join(problems)}")


_KIND_DTYPE = {
    ColumnKind.DATE: lambda dtype: pd.api.types.is_datetime64_dtype(dtype),
    ColumnKind.NUMBER: pd.api.types.is_float_dtype,
}
