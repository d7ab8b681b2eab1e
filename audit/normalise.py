"""Cell normalisation, done once by the loader so rules never see raw export quirks.

Every function takes a column of raw cells (object dtype: str, int, float, date, datetime,
bool or missing, as the spreadsheet reader gives them) and returns the normalised column
plus a boolean mask of cells that could not be normalised. The loader turns that mask into
data-quality findings or rejections; nothing here decides what happens to a row.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from audit.arrow import WHITE_SPACE, is_in
from audit.codes import CODE_LISTS, OPEN_CODE_LISTS, description_lookup
from audit.lazy import np, pa, pc, pd

EXCEL_ERRORS = frozenset(
    {
        "#N/A",
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)


def _excel_error_values() -> pa.Array:
    return pa.array(sorted(EXCEL_ERRORS), type=pa.large_string())


# What a database export writes for an empty field; blank in every column.
SQL_NULL = "NULL"

# Excel's day zero for serial dates (1900 date system, allowing for its 1900 leap-year bug).
_EXCEL_EPOCH = "1899-12-30"  # day 0 of Excel's date serials
_MAX_SERIAL = 2958465  # 31 December 9999
# Patterns for whole columns are text, not compiled, and spell out their white space
# (no \s), so pandas runs them as Arrow kernels instead of calling Python per cell; the
# values are trimmed afterwards anyway.
_BLANKS = " \t\r\n\u00a0"
_ANNEX_A_PREFIX = f"^[A-Za-z]{{1,2}}\\)[{_BLANKS}]*"
_TRAILING_POINT_ZERO = re.compile(r"^(\d+)\.0+$")
# Tried in order on the date part of a text cell. Day-first always: this is England.
_DATE_FORMATS = (
    "%d/%m/%Y",
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d %B %Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d/%m/%y",
)

_YES = frozenset({"y", "yes", "true", "1"})
_NO = frozenset({"n", "no", "false", "0"})
_YN_BLANK = frozenset({"unknown", "not recorded"})
# Where a source may answer "not applicable" (the SSD's miss_missing_rhi_offered is
# Y/N/NA), that answer is kept as ``NA`` rather than flagged: it is neither Y nor N, and
# the rule reading the column decides what it means (RHI01: the episode is not applicable).
NOT_APPLICABLE = "NA"
NOT_APPLICABLE_COLUMNS = frozenset({"rhi_offered", "rhi_accepted"})
_YN_NOT_APPLICABLE = frozenset({"na", "n/a", "not applicable"})


# ---------------------------------------------------------------- headers

_HEADER_SPACE = re.compile(r"[\s\u00a0]+")
_HEADER_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def clean_header(header: object) -> str:
    """A header as a person would read it: spaces folded, quotes straight, trimmed."""
    text = "" if header is None or (isinstance(header, float) and np.isnan(header)) else str(header)
    return _HEADER_SPACE.sub(" ", text.translate(_HEADER_QUOTES)).strip()


def header_key(header: object) -> str:
    """The key two headers are matched on: case folded, spaces, '-' and '_' ignored."""
    return re.sub(r"[\s_\-]+", "", clean_header(header)).casefold()


# ---------------------------------------------------------------- cells to text


def _cell_text(value: Any) -> Any:
    if value is None:
        return pd.NA
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if np.isnan(value):
            return pd.NA
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def cells_to_text(raw: pd.Series) -> pd.Series:
    """Raw cells as trimmed text; blank, white-space-only and SQL ``NULL`` cells are missing.

    Whole numbers lose Excel's ``.0`` so an identifier typed as a number reads as written.
    ``NULL`` (any case) is how SQL Server and other database exports write an empty field
    (the SSD's own example files hold it), so it is blank in every column: never text, a
    code or a date that does not parse, and a required value holding it is missing.
    """
    text = _trimmed(_arrow_text(raw))
    # Only a value four characters long can read NULL (upper-casing keeps the length), so
    # the upper-casing pass is skipped for columns of longer identifiers and notes.
    null_sized = pc.equal(pc.utf8_length(text), 4)
    blank = pc.equal(text, "")
    if pc.any(null_sized).as_py():
        blank = pc.or_(blank, pc.and_(null_sized, pc.equal(pc.utf8_upper(text), SQL_NULL)))
    if pc.any(blank).as_py():  # else kept as it is: if_else would copy every value
        text = pc.if_else(blank, pa.scalar(None, pa.large_string()), text)
    return pd.Series(pd.arrays.ArrowStringArray(text), index=raw.index, name=raw.name)


def _arrow_text(raw: pd.Series) -> pa.Array | pa.ChunkedArray:
    """The cells as Arrow text, missing cells null (not yet trimmed)."""
    if raw.dtype != object:
        return pa.array(_typed_to_text(raw).array)
    # Most columns hold only text cells (blanks read as ""): straight into Arrow, with no
    # Python call per cell. A column with anything else (numbers, dates, missing cells)
    # is converted cell by cell.
    if pd.api.types.infer_dtype(raw, skipna=True) in ("string", "empty"):
        try:
            return pa.array(raw.to_numpy(), type=pa.large_string(), from_pandas=False)
        except (pa.ArrowTypeError, pa.ArrowInvalid):  # a missing cell (None, NaN, NA)
            pass
    return pa.array(raw.map(_cell_text).astype("string").array)


def _trimmed(text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """White space trimmed from both ends, as ``Series.str.strip`` trims it.

    A column with nothing to trim (most of a clean export) is kept as it is, not a trimmed
    copy: the table then shares the values of the file as read instead of holding a second
    copy of them. Whether there is anything to trim is told without copying the column
    (140 MB of identity notes at 100,000 children): only the values whose first or last
    byte could belong to white space are looked at as text.
    """
    chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
    white = pa.array(list(WHITE_SPACE), text.type)
    for chunk in chunks:
        maybe = pc.filter(chunk, _may_have_white_ends(chunk))
        ends = (pc.utf8_slice_codeunits(maybe, 0, 1), pc.utf8_slice_codeunits(maybe, -1))
        if any(pc.any(pc.is_in(end, value_set=white)).as_py() for end in ends):
            return pc.utf8_trim_whitespace(text)
    return text


@cache
def _white_end_bytes() -> tuple[np.ndarray, np.ndarray]:
    """The UTF-8 bytes a value can start with when it starts with white space: the ASCII
    white space and the lead bytes of the rest (U+0085, U+00A0: C2; U+1680: E1;
    U+2000-U+205F: E2; U+3000: E3). And those it can end with when it ends with white
    space: the ASCII white space and any continuation byte. A value with neither is clean."""
    ascii_white = [ord(c) for c in WHITE_SPACE if c.isascii()]
    first, last = np.zeros(256, dtype=bool), np.zeros(256, dtype=bool)
    first[[*ascii_white, 0xC2, 0xE1, 0xE2, 0xE3]] = True
    last[[*ascii_white, *range(0x80, 0xC0)]] = True
    return first, last


def _may_have_white_ends(text: pa.Array) -> np.ndarray:
    """True for values whose first or last byte could be part of white space (a superset of
    those to trim, found from the values' bytes where they lie)."""
    if pa.types.is_large_string(text.type):
        offset_type: type = np.int64
    elif pa.types.is_string(text.type):
        offset_type = np.int32
    else:  # another layout: every value is looked at
        return np.ones(len(text), dtype=bool)
    _, offsets_buffer, data_buffer = text.buffers()
    if data_buffer is None or not len(text):
        return np.zeros(len(text), dtype=bool)
    offsets: np.ndarray = np.frombuffer(offsets_buffer, dtype=offset_type)
    offsets = offsets[text.offset : text.offset + len(text) + 1]  # a slice starts part way
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    starts, stops = offsets[:-1], offsets[1:]
    filled = np.flatnonzero(stops > starts)
    first, last = _white_end_bytes()
    maybe = np.zeros(len(text), dtype=bool)
    maybe[filled] = first[data[starts[filled]]] | last[data[stops[filled] - 1]]
    return maybe


def _typed_to_text(raw: pd.Series) -> pd.Series:
    """A typed column (parquet's, Arrow's) as the text ``_cell_text`` gives its cells, one
    vectorised step per type instead of a Python call per cell."""
    dtype = raw.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return raw.map({True: "TRUE", False: "FALSE"}).astype("string")
    if pd.api.types.is_float_dtype(dtype):
        values = raw.to_numpy(dtype="float64", na_value=np.nan)
        text = pd.Series(pd.NA, index=raw.index, dtype="string")
        whole = np.isfinite(values) & (np.floor(values) == values) & (np.abs(values) < 2**63)
        text[whole] = values[whole].astype("int64").astype(str)
        rest = ~np.isnan(values) & ~whole  # fractions, infinities, whole numbers past 2**63
        if rest.any():
            text[rest] = raw[rest].map(lambda v: _cell_text(float(v))).astype("string")
        return text
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return raw.dt.strftime("%Y-%m-%dT%H:%M:%S").astype("string")
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        return raw.astype("string")
    return raw.astype(object).map(_cell_text).astype("string")


def excel_errors(text: pd.Series) -> pd.Series:
    """Cells holding an Excel error (``#N/A`` …), as an error cell or typed as text."""
    values = pa.array(text.astype("string").array)
    # Every error starts with '#', which no other character upper-cases to: a column with
    # no such value (nearly every column) is done without upper-casing it.
    hashed = pc.starts_with(values, "#")
    if not pc.any(hashed).as_py():
        return pd.Series(False, index=text.index, dtype=bool)
    found = pc.is_in(pc.utf8_upper(values), value_set=_excel_error_values())
    return pd.Series(
        pc.fill_null(found, False).to_numpy(zero_copy_only=False), index=text.index, dtype=bool
    )


# ---------------------------------------------------------------- kinds


def as_text(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    return text, pd.Series(False, index=text.index)


def as_id(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Identifiers stay text; ``1234.0`` (a number written out by another tool) is ``1234``."""
    ids = text.copy()
    point_zero = text.str.endswith(".0").fillna(False).astype(bool)
    if point_zero.any():
        ids[point_zero] = text[point_zero].str.replace(_TRAILING_POINT_ZERO, r"\1", regex=True)
    return ids, pd.Series(False, index=text.index)


def as_number(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Decimal numbers (``0.5``, `` 1 ``, ``0,5`` with a decimal comma); anything else is
    blank, flagged so the loader reports it (a full-time equivalence of "half" is no number).
    """
    numbers = pd.to_numeric(text.str.replace(",", ".", regex=False), errors="coerce")
    numbers = numbers.astype("float64")
    bad = text.notna() & numbers.isna()
    return numbers, bad.astype(bool)


def _per_distinct(
    text: pd.Series, normalise: Callable[[pd.Series], tuple[pd.Series, pd.Series]]
) -> tuple[pd.Series, pd.Series]:
    """``normalise(text)``, worked out once per distinct value and spread back to the rows:
    a Y/N or code column of a county holds a handful of values over 150,000 rows."""
    codes, uniques = pd.factorize(text, use_na_sentinel=True)
    if 2 * len(uniques) > len(text):
        return normalise(text)
    values, flagged = normalise(pd.Series(uniques, dtype=text.dtype))
    out = pd.Series(values.array.take(codes, allow_fill=True), index=text.index)
    # A blank (code -1) is never flagged: it picks the False appended at the end.
    bad = np.append(flagged.to_numpy(dtype=bool), False)[codes]
    return out, pd.Series(bad, index=text.index)


def as_yes_no(text: pd.Series, *, not_applicable: bool = False) -> tuple[pd.Series, pd.Series]:
    """Y/N fields: ``Yes``, ``a) Yes``, ``TRUE``, ``1`` -> Y; unknowns -> blank.

    A value that is neither is kept as written and flagged, so a rule treats it as
    neither Y nor N and the data-quality report shows it. With ``not_applicable``,
    ``NA``, ``N/A`` and ``Not applicable`` are read as ``NA`` and not flagged.
    """
    return _per_distinct(text, lambda distinct: _yes_no(distinct, not_applicable))


def _yes_no(text: pd.Series, not_applicable: bool) -> tuple[pd.Series, pd.Series]:
    folded = text.str.replace(_ANNEX_A_PREFIX, "", regex=True).str.strip().str.casefold()
    out = text.copy()
    out[is_in(folded, _YES)] = "Y"
    out[is_in(folded, _NO)] = "N"
    answers = ["Y", "N"]
    if not_applicable:
        out[is_in(folded, _YN_NOT_APPLICABLE)] = NOT_APPLICABLE
        answers.append(NOT_APPLICABLE)
    blank = is_in(folded, _YN_BLANK)
    out[blank] = pd.NA
    unmapped = text.notna() & ~is_in(out, answers) & ~blank
    return out, unmapped.astype(bool)


def as_code(text: pd.Series, column: str) -> tuple[pd.Series, pd.Series]:
    """Upper-case codes; ``a) WBRI``, ``WBRI - White British`` and ``White British`` -> WBRI."""
    return _per_distinct(text, lambda distinct: _code(distinct, column))


def _code(text: pd.Series, column: str) -> tuple[pd.Series, pd.Series]:
    codes = CODE_LISTS.get(column, {})
    bare = text.str.replace(_ANNEX_A_PREFIX, "", regex=True).str.strip()
    upper = bare.str.upper()
    head = upper.str.replace(f"[{_BLANKS}]+-[{_BLANKS}]+.*$", "", regex=True).str.strip()
    descriptions = description_lookup(column)
    by_description = bare.str.casefold().map(descriptions)
    tail = bare.str.replace(f"^.*?[{_BLANKS}]+-[{_BLANKS}]+", "", regex=True).str.strip()
    by_tail = tail.str.casefold().map(descriptions)

    out = upper.copy()
    if codes:
        head_is_code = is_in(head, codes.keys())
        out = out.mask(head_is_code, head)
        out = out.mask(~head_is_code & by_description.notna(), by_description)
        out = out.mask(~head_is_code & by_description.isna() & by_tail.notna(), by_tail)
    if not codes or column in OPEN_CODE_LISTS:
        unmapped = pd.Series(False, index=text.index)
    else:
        unmapped = (out.notna() & ~is_in(out, codes.keys())).fillna(False).astype(bool)
    return out.astype("string"), unmapped


def as_lower_code(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Lower-case codes such as ``placement_change``: ``Placement Change`` matches too."""
    return _per_distinct(text, _lower_code)


def _lower_code(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    bare = text.str.replace(_ANNEX_A_PREFIX, "", regex=True).str.strip().str.casefold()
    return bare.str.replace(f"[{_BLANKS}-]+", "_", regex=True), pd.Series(False, index=text.index)


def dates_if_all_cells(raw: pd.Series) -> pd.Series | None:
    """The column as dates when every filled cell is a date cell, else None.

    The common case for a workbook, done in one vectorised step without text conversion.
    """
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):  # a typed column (parquet's)
        typed = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) else raw
        dates = typed.dt.normalize()
        if not _in_ns_range(dates).eq(dates.notna()).all():
            return None
        return dates.astype("datetime64[ns]")
    if raw.dtype != object:
        return None
    values = raw.to_numpy()
    blank = pd.isna(values)
    blank[~blank] = values[~blank] == ""
    filled = values[~blank]
    kind = pd.api.types.infer_dtype(filled, skipna=False)
    if kind not in ("date", "datetime", "empty"):
        return None
    if kind == "date" and (days := _day_cells(filled)) is not None:
        # Date cells without a time (a workbook's usual): Arrow reads them as days in C.
        if not _in_ns_range(pd.Series(days)).all():
            return None
        out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
        out[~blank] = days.astype("datetime64[ns]")
        return pd.Series(out, index=raw.index, name=raw.name)
    dates = pd.to_datetime(raw.where(~blank)).dt.normalize()
    if not _in_ns_range(dates).eq(dates.notna()).all():
        return None  # a date past 2262: as_date reports it as not a date
    return dates.astype("datetime64[ns]")


def _day_cells(cells: np.ndarray) -> np.ndarray | None:
    """``datetime.date`` cells as datetime64[D], or None if Arrow cannot read them so."""
    try:
        days = pa.array(cells, type=pa.date32(), from_pandas=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    return np.asarray(days.to_numpy(zero_copy_only=False), dtype="datetime64[D]")


def _in_ns_range(dates: pd.Series) -> pd.Series:
    """Which dates nanosecond datetimes can hold (1677 to 2262): a year such as 3026 is a
    slip of the keyboard, not a date of a child's record."""
    return dates.between(pd.Timestamp.min.ceil("D"), pd.Timestamp.max.floor("D"))


def as_date(raw: pd.Series, text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates from date cells, Excel serials (numbers or digits) and day-first text.

    A date followed by a time parses to its date. Returns datetime64 at midnight; a
    non-blank cell that is not a real date is NaT and flagged.
    """
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[s]")
    is_cell_date = (
        raw.map(lambda v: isinstance(v, dt.date)).astype(bool)
        if raw.dtype == object
        else pd.Series(False, index=raw.index)
    )
    if is_cell_date.any():
        out[is_cell_date] = pd.to_datetime(raw[is_cell_date]).dt.normalize()

    todo = text.notna() & ~is_cell_date
    serial = pd.to_numeric(text.where(todo), errors="coerce")
    is_serial = serial.notna() & (serial >= 1) & (serial <= _MAX_SERIAL)
    if is_serial.any():
        days = np.floor(serial[is_serial].to_numpy(dtype=float)).astype("int64")
        out[is_serial] = pd.Timestamp(_EXCEL_EPOCH) + pd.to_timedelta(days, unit="D")
    todo &= ~is_serial & serial.isna()

    # The date part: before a space and a time ("30/09/2026 16:45") or an ISO "T".
    date_part = (
        text.where(todo)
        .str.replace(r"(?:[T ]\d{1,2}:\d{2}(?::\d{2})?.*)$", "", regex=True)
        .str.strip()
    )
    for fmt in _DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(date_part.where(todo), format=fmt, errors="coerce")
        hit = parsed.notna() & todo
        out[hit] = parsed[hit]
        todo &= ~hit
    out = out.where(_in_ns_range(out))
    unparseable = (text.notna() & out.isna()).astype(bool)
    return out.astype("datetime64[ns]"), unparseable
