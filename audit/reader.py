"""Read raw grids of cells from a workbook or a folder of per-table files.

A grid is every cell of one sheet or file, no header assumed, so the loader can find the
header row below any title rows. The grid's index is the 1-based spreadsheet row number
(the line number for a CSV), which is what a manager needs to find a record.

Workbooks are read with python-calamine, several times faster than openpyxl. Calamine
reads an Excel error cell (``#N/A``) as an empty cell, which would hide a data-quality
problem, so a sheet whose XML holds error cells is read with openpyxl instead.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import re
from collections import Counter
from collections.abc import Collection, Hashable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from audit.arrow import join_chunks
from audit.errors import InputError
from audit.lazy import np, pa, pa_csv, pd, python_calamine
from audit.normalise import header_key
from audit.safety import SafetyLimits, check_input_file, printable
from audit.sheet_parse import parse_sheet

K = TypeVar("K", bound=Hashable)

SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".parquet")


@dataclass(frozen=True)
class Grid:
    """The raw cells of one sheet or file, or a table an input profile derived from several.

    ``cells`` has a unique index; by default it is the 1-based spreadsheet row number and
    every row comes from ``sheet``. A derived grid (e.g. children from Annex A Lists 6-9)
    says per row where the row came from in ``row_sheets`` and ``row_numbers``.
    """

    source: str  # what a person would open: "authority.xlsx, sheet visits" or "visits.csv"
    cells: pd.DataFrame  # columns 0..n-1: objects, or typed when read with typed=True
    encoding: str | None = None  # for CSV: the encoding it was read with
    sheet: str = ""  # the short name a finding cites: "visits", "visits.csv", "List 7"
    row_numbers: pd.Series | None = None  # spreadsheet row per cells row, when not the index
    row_sheets: pd.Series | None = None  # sheet per cells row, when rows come from several
    # For a CSV: why a row could not be split into values (by cells row; the loader rejects
    # those rows), and that values stand in the order written, so one past the header's
    # last column is a value shifted by a stray comma rather than a note beside the table.
    unreadable: pd.Series | None = None
    delimited: bool = False
    # Set when the header is known without looking for it (a parquet file's schema): then
    # ``cells`` holds only the data rows, column i under ``header[i]``, in typed columns
    # (Arrow-backed text, datetimes, numbers) rather than objects, and its index is the row
    # number each row would have with the header on row 1.
    header: tuple[str, ...] | None = None

    def provenance(self, index: pd.Index) -> tuple[pd.Series, pd.Series]:
        """(sheet, spreadsheet row) for the given rows of ``cells``."""
        rows = (
            self.row_numbers.reindex(index)
            if self.row_numbers is not None
            else pd.Series(index, index=index)
        )
        # Categories: a sheet's name is stored once, not once per row (a region's visits
        # repeated "visits.parquet" 1.7 million times, 38 MB of one word).
        if self.row_sheets is not None:
            sheets = self.row_sheets.reindex(index).astype("string").astype("category")
        else:
            only = pd.Categorical.from_codes(
                np.zeros(len(index), dtype=np.int8), [self.sheet or self.source]
            )
            sheets = pd.Series(only, index=index)
        return sheets, rows.astype("int64")


@dataclass(frozen=True)
class PendingGrid:
    """A sheet or file not read yet, named as its grid will be: the loader reads it when
    it loads its table, so reading one table overlaps normalising another, and a table's
    raw cells are in memory only while it loads."""

    source: str
    sheet: str
    file: Path
    sheet_name: str | None
    typed: bool = False
    row_sheets: None = None

    def read(self) -> Grid:
        return read_grid(self.file, self.sheet_name, typed=self.typed)


def pending_grid(file: Path, sheet: str | None, *, typed: bool = False) -> PendingGrid:
    """``read_grid(file, sheet, typed=typed)``, to be read later, with the same names."""
    source = f"{file.name}, sheet {sheet}" if sheet is not None else file.name
    return PendingGrid(source, sheet if sheet is not None else file.name, file, sheet, typed)


def table_key(name: str) -> str:
    """Sheet and file names match case-insensitively, ignoring spaces, '-' and '_'."""
    return header_key(name)


# ---------------------------------------------------------------- discovery


def discover(path: Path, limits: SafetyLimits) -> dict[str, tuple[Path, str | None]]:
    """Map each sheet or file key to (file, sheet name or None) for a workbook or folder."""
    if not path.exists():
        raise InputError(f"{path}: not found. Check the path and try again.")
    if path.is_dir():
        return _discover_folder(path, limits)
    kind = check_input_file(path, limits)
    if kind != "xlsx":
        # A single CSV or parquet file is one table, named by its file name.
        return {table_key(path.stem): (path, None)}
    return {table_key(name): (path, name) for name in _sheet_names(path)}


def _discover_folder(folder: Path, limits: SafetyLimits) -> dict[str, tuple[Path, str | None]]:
    found: dict[str, tuple[Path, str | None]] = {}
    for file in sorted(folder.iterdir()):
        if file.name.startswith((".", "~$")) or file.suffix.lower() not in SPREADSHEET_SUFFIXES:
            continue
        key = table_key(file.stem)
        if key in found:
            raise InputError(
                f"{folder}: both {found[key][0].name} and {file.name} hold the same table. "
                "Keep one of them."
            )
        found[key] = (file, None)
    for file, _ in found.values():
        check_input_file(file, limits)
    return found


def _sheet_names(path: Path) -> list[str]:
    try:
        with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
            return list(wb.sheet_names)
    except Exception as exc:  # calamine's errors, and any other it lets through
        raise InputError(
            f"{printable(path.name)}: could not be read as an Excel workbook ({_reason(exc)}). "
            "Export it again from the case-management system."
        ) from exc


# ---------------------------------------------------------------- reading


def read_grids(
    sources: Mapping[K, tuple[Path, str | None]], typed: Collection[K] = ()
) -> dict[K, Grid]:
    """Several sheets or files at once, on every core: the parsers (calamine, pyarrow) do
    their work without the GIL, so threads overlap the bulk of it. The first failing
    source, in the order given, raises its own one-line error as ``read_grid`` would.
    The sources named in ``typed`` are read as ``read_grid(..., typed=True)`` reads them."""

    def read(key: K) -> Grid:
        file, sheet = sources[key]
        return read_grid(file, sheet, typed=key in typed)

    if len(sources) < 2:
        return {key: read(key) for key in sources}
    with ThreadPoolExecutor(max_workers=min(len(sources), os.cpu_count() or 1)) as pool:
        return dict(zip(sources, pool.map(read, sources), strict=True))


def require_whole_rows(grids: dict[K, Grid]) -> dict[K, Grid]:
    """``grids``, for a profile that joins rows across tables (Annex A, the SSD, SSDA903):
    such a profile cannot reject one row of one file, so a CSV row that could not be split
    refuses the file, naming the line, instead of passing on a row of run-together values."""
    for grid in grids.values():
        if grid.unreadable is not None and len(grid.unreadable):
            more = len(grid.unreadable) - 1
            others = f" ({more} more such rows)" if more else ""
            raise InputError(
                f"{grid.source}: {grid.unreadable.iloc[0]}{others}. Correct the quotes there, "
                "or open the file in Excel and save it as 'CSV UTF-8', then run again."
            )
    return grids


def read_grid(file: Path, sheet: str | None, *, typed: bool = False) -> Grid:
    """The cells of one sheet or file. ``typed`` (for the loader, not for profiles that
    pick cells out of the grid) lets a parquet file keep its typed columns under its header,
    a plain CSV come as Arrow-backed text, and a sheet's columns of text cells too."""
    suffix = file.suffix.lower()
    if suffix == ".csv":
        return _read_csv(file, typed)
    if suffix == ".parquet":
        return _read_parquet(file, typed)
    try:
        return _read_sheet(file, sheet, typed)
    except InputError:
        raise
    except MemoryError:
        raise
    except Exception as exc:
        # calamine, zipfile, zlib, openpyxl and the XML parsers each raise their own types
        # (XmlError, BadZipFile, KeyError, IndexError, ...) for damage found while reading
        # a sheet; only the file's bytes are parsed here, so each means a damaged file.
        where = f"{file.name}, sheet {sheet}" if sheet is not None else file.name
        raise InputError(
            f"{printable(where)}: is damaged and could not be read ({_reason(exc)}). "
            "Export it again from the case-management system, or open and save it in Excel."
        ) from exc


def _reason(exc: BaseException) -> str:
    """The exception's first line, short enough for a one-line message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    detail = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return printable(detail[:160])


def _frame(rows: Sequence[Sequence[object]], first_row: int = 1) -> pd.DataFrame:
    width = max((len(r) for r in rows), default=0)
    if any(len(r) != width for r in rows):  # a title row is shorter than the table below it
        rows = [[*r, *[""] * (width - len(r))] for r in rows]
    if not rows:
        frame = pd.DataFrame()
    else:
        # One C pass over the cells into a 2-D array of objects; the DataFrame wraps it as
        # it is (DataFrame(rows) would infer and copy each column on top).
        cells = np.fromiter(
            itertools.chain.from_iterable(rows), dtype=object, count=len(rows) * width
        )
        frame = pd.DataFrame(
            cells.reshape(len(rows), width), columns=range(width), dtype=object, copy=False
        )
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    return frame


def _read_sheet(file: Path, sheet: str | None, typed: bool = False) -> Grid:
    parsed = parse_sheet(file, sheet)
    label = f"{file.name}, sheet {parsed.name}" if sheet is not None else file.name
    # A file per table is cited by its file name; a sheet of a workbook by its name.
    cited = parsed.name if sheet is not None else file.name
    if parsed.has_error_cells:
        # Whatever calamine made of it (it reads an error cell as blank, or fails on it).
        cells = _read_sheet_openpyxl(file, parsed.name)
    elif parsed.failure is not None:
        raise parsed.failure
    else:
        # skip_empty_area=False keeps leading blank rows, so row numbers match Excel's.
        cells = _frame(parsed.cells.to_python(skip_empty_area=False))
    return Grid(label, _text_as_arrow(cells) if typed else cells, sheet=cited)


def _text_as_arrow(cells: pd.DataFrame) -> pd.DataFrame:
    """The grid with each column of text cells only (a blank cell reads as "") as Arrow-backed
    text, as a plain CSV's cells come: the loader then finds filled cells and trims text
    with Arrow kernels instead of a Python comparison per cell. Columns holding any other
    cell (a date, a number, a boolean, an empty cell openpyxl reads as None) stay as they
    were read."""
    columns = {}
    for position in cells.columns:
        values = cells[position].to_numpy()
        try:
            # A sheet's cells are str, numbers, booleans, dates, times or None: only a
            # column of str alone converts (Arrow stops at the first other cell).
            text = pa.array(values, type=pa.large_string(), from_pandas=False)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            text = None
        if text is not None and not text.null_count:
            column = pd.Series(pd.arrays.ArrowStringArray(text), index=cells.index, copy=False)
        else:  # dtype given: pandas would otherwise look for a type in the objects
            column = pd.Series(values, index=cells.index, dtype=object, copy=False)
        columns[position] = column
    return pd.DataFrame(columns, index=cells.index, columns=cells.columns, copy=False)


def _read_sheet_openpyxl(file: Path, sheet: str) -> pd.DataFrame:
    import openpyxl  # only for the rare sheet with error cells

    wb = openpyxl.load_workbook(file, read_only=True, data_only=True)
    try:
        rows = [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()
    return _frame(rows)


def _read_csv(file: Path, typed: bool = False) -> Grid:
    text, encoding = _decode(file.read_bytes())
    if typed and (cells := _plain_csv_cells(text)) is not None:
        nothing = pd.Series(dtype="string")
        return Grid(file.name, cells, encoding, sheet=file.name, unreadable=nothing, delimited=True)
    rows, unreadable = split_csv(text)
    cells = _frame(rows)
    reasons = pd.Series(unreadable, dtype="string")
    reasons.index = reasons.index + 1  # rows are numbered from 1, as Excel shows them
    return Grid(file.name, cells, encoding, sheet=file.name, unreadable=reasons, delimited=True)


_UTF8_BOM = b"\xef\xbb\xbf"


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) when it decodes, else Windows-1252, as Excel saves CSV.

    A file that is not UTF-8 throughout (a UTF-8 marker, then rows saved as Windows-1252 by
    another program) keeps its valid UTF-8 and reads each other byte as Windows-1252: the
    only reading that loses nothing either program wrote.
    """
    bom = data.startswith(_UTF8_BOM)
    body = data[len(_UTF8_BOM) :] if bom else data
    try:
        return body.decode("utf-8"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        return body.decode("utf-8", errors=_CP1252_FALLBACK), "cp1252"


def _cp1252_for_bytes_not_utf8(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return exc.object[exc.start : exc.end].decode("cp1252", errors="replace"), exc.end


_CP1252_FALLBACK = "caseaudit-cp1252-fallback"
codecs.register_error(_CP1252_FALLBACK, _cp1252_for_bytes_not_utf8)

# The csv module's own limit (131,072 characters). Excel holds at most 32,767 in a cell, so
# a longer value is damage, nearly always a quote left open that swallowed the lines after.
FIELD_LIMIT = 131_072

_CSV_PROBLEMS = {
    "unexpected end of data": "a quote opened on this line is never closed",
    "expected after": "a quoted value has more text straight after its closing quote",
    "field larger than field limit": (
        f"a value is longer than {FIELD_LIMIT:,} characters (Excel holds at most 32,767), "
        "usually a quote left open"
    ),
}


# A CSV text both parsers split alike: every value either has no quote or is wholly quoted,
# doubling its inner quotes and closing on the line it opened on; lines end in LF or CRLF.
# Possessive repeats: the match never backtracks, so it runs in one pass over the text.
_PLAIN_VALUE = r'(?:"(?:[^"\r\n]|"")*+"|[^",\r\n]*+)'
_PLAIN_LINE = rf"{_PLAIN_VALUE}(?:,{_PLAIN_VALUE})*+"
_PLAIN_CSV = re.compile(rf"(?:{_PLAIN_LINE}\r?\n)*+(?:{_PLAIN_LINE})?+")
_NEWLINE = ord("\n")


def _plain_csv_cells(text: str) -> pd.DataFrame | None:
    """The cells of a CSV that needs none of split_csv's care, split by pyarrow's parser in
    C as Arrow-backed text; None for any other CSV, which split_csv reads.

    Plain means: every row holds the same number of values, each value is either free of
    quotes or quoted whole on one line (_PLAIN_CSV), no line is longer than the csv
    module's field limit, and there is no NUL or byte-order mark. Both parsers split such a
    text into the same rows and values, so rows, row numbers and values are as split_csv
    gives them; all of its hardening is for the other texts.
    """
    if not text or "\0" in text or text.startswith("\ufeff"):
        return None
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    if '"' in text and _PLAIN_CSV.fullmatch(text) is None:
        return None
    data = text.encode("utf-8")
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == _NEWLINE)
    if np.diff(ends, prepend=-1, append=len(data)).max() > FIELD_LIMIT:
        return None
    first = data[: ends[0]] if len(ends) else data
    width = len(next(csv.reader([first.decode("utf-8").rstrip("\r")]), []))
    if not width:  # a blank first line: split_csv gives it no values at all
        return None
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True),
            parse_options=pa_csv.ParseOptions(ignore_empty_lines=False),
            convert_options=pa_csv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(width)},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:  # rows of different lengths: split_csv pads and judges them
        return None
    cells = table.to_pandas()
    join_chunks(cells)
    cells.columns = range(cells.shape[1])
    cells.index = pd.RangeIndex(1, len(cells) + 1)
    return cells


def split_csv(text: str) -> tuple[list[list[str]], dict[int, str]]:
    """The rows of a CSV text, and why each row that could not be split cleanly was not.

    Quotes decide where a row ends, so one stray quote can fold every line after it into a
    single value. Rows are split strictly; a row that fails (a quote never closed, text after
    a closing quote, a value over FIELD_LIMIT) or that folds rows together (see
    _swallows_rows) is kept as its first line, marked unreadable with the reason, and
    splitting starts again on the next line. So every line that starts a record gives a
    row: none is lost without a reason.
    """
    lines = io.StringIO(text, newline="").readlines()
    width = _usual_width(lines)
    rows: list[list[str]] = []
    unreadable: dict[int, str] = {}
    start = 0
    while start < len(lines):
        first, problem = start, ""
        reader = csv.reader(
            (lines[k] for k in range(start, len(lines))), strict=True, dialect="excel"
        )
        try:
            for row in reader:
                end = start + reader.line_num  # lines[first:end] hold this row
                if end - first > 1 and _swallows_rows(row, lines[first + 1 : end], width):
                    problem = (
                        f"a quote opened on this line runs on to line {end}, over lines that "
                        "look like rows of their own"
                    )
                    break
                rows.append(row)
                first = end
            else:
                break
        except csv.Error as exc:
            message = str(exc)
            problem = next((v for k, v in _CSV_PROBLEMS.items() if k in message), message)
        # The row starting at `first` cannot be split: keep its own line, split loosely.
        unreadable[len(rows)] = f"line {first + 1} could not be split into values: {problem}"
        rows.append(_loose_split(lines[first]))
        start = first + 1
    return rows, unreadable


def _usual_width(lines: list[str]) -> int:
    """How many values most lines without quotes hold: the table's width, from its bytes."""
    counts = Counter(line.count(",") + 1 for line in lines if '"' not in line and line.strip())
    return counts.most_common(1)[0][0] if counts else 0


def _swallows_rows(row: list[str], continuation: list[str], width: int) -> bool:
    """Whether a row over several lines is rows folded together by a stray quote: it holds
    other than the usual number of values (the fold swallowed their commas), and a line
    inside it would on its own be a whole row. A note over several lines keeps the count."""
    return (
        width >= 2
        and len(row) != width
        and any(len(_loose_split(line)) >= width for line in continuation)
    )


def _loose_split(line: str) -> list[str]:
    """One line split into values without the strict rules, to show what it held."""
    try:
        return next(csv.reader([line[: 4 * FIELD_LIMIT]]), [])
    except csv.Error:
        return [line[:200]]


def _read_parquet(file: Path, typed: bool = False) -> Grid:
    try:
        frame = pd.read_parquet(file)
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise InputError(
            f"{file.name}: could not be read as a parquet file ({exc}). Export it again."
        ) from exc
    if typed:
        # The columns as pyarrow typed them; only object columns (dates, decimals) get the
        # grid's blank, None, for their nulls.
        join_chunks(frame)
        header = tuple(str(c) for c in frame.columns)
        frame.columns = range(frame.shape[1])
        for position in frame.columns:
            column = frame[position]
            if column.dtype == object:
                frame[position] = column.where(column.notna(), None)
        frame.index = pd.RangeIndex(2, len(frame) + 2)
        return Grid(file.name, frame, sheet=file.name, header=header)
    # A parquet file has its header in the schema: put it back as the grid's first row.
    # Its nulls come back as pd.NA or NaT in typed columns: the grid's blank is None.
    cells = frame.astype(object).where(frame.notna(), None)
    rows = [list(frame.columns), *cells.itertuples(index=False, name=None)]
    return Grid(file.name, _frame([list(r) for r in rows]), sheet=file.name)
