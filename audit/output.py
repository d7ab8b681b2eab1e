"""Writing output files safely: owner-only permissions and no spreadsheet formulas.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can run as a
formula when a manager opens the CSV in Excel (CSV injection). Such cells get a leading
apostrophe, which Excel shows as plain text.

The findings and data-quality CSVs are written by Arrow kernels, column by column, in the
very bytes ``pandas.DataFrame.to_csv`` writes (a test holds the two equal): a county's
findings in a fifth of the time, a region's hundreds of megabytes in seconds.
"""

from __future__ import annotations

import errno
import io
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, TextIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from audit.errors import OutputError

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FILE_MODE = 0o600
DIR_MODE = 0o700


def neutralise_text(value: str) -> str:
    """``value`` as text that cannot be read as a formula (a leading apostrophe if risky)."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot be read as formulas."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            text = column.astype("string")
            risky = text.str.startswith(_FORMULA_STARTS).fillna(False).astype(bool)
            if risky.any():
                out[name] = text.mask(risky, "'" + text)
    return out


def make_dirs(folder: Path) -> Path:
    """Create ``folder`` and its missing parents owner-only, whatever the umask; folders
    that already exist (``/var/log``, say) are left as they are."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for path in reversed(missing):
        path.mkdir(mode=DIR_MODE)
        os.chmod(path, DIR_MODE)  # mkdir's mode is filtered by the umask
    return folder


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the owner only. A folder that already
    exists is the user's (``--out /tmp``, the folder of ``--csv``): its permissions are
    left alone, or a run would lock everyone else out of a shared folder."""
    return make_dirs(path)


def own_dir(path: Path) -> Path:
    """A folder caseaudit makes inside one it was given (a month, ``teams``, the outbox's
    month): owner-only, and never a symbolic link, which would send the files elsewhere."""
    if path.is_symlink():
        raise OutputError(
            f"{path} is a symbolic link; caseaudit does not write through links: "
            "remove it, then run again"
        )
    make_dirs(path)
    os.chmod(path, DIR_MODE)  # caseaudit's own folder: owner-only even if it existed
    return path


@contextmanager
def open_private(path: Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Write ``path`` owner-only whatever the umask, never through a link.

    The file is written under a new temporary name beside it (created exclusively, 0600) and
    renamed over ``path`` once complete: a symbolic or hard link planted at ``path`` is
    replaced, never written through, and nobody reads half a file.
    """
    fd, temp = tempfile.mkstemp(prefix=".caseaudit-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
        os.replace(temp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temp)
        raise


def open_log(path: Path) -> TextIO:
    """The ``--log`` file, opened to append; created owner-only with any missing folders."""
    with writing("the log file", path):
        make_dirs(path.parent)
        flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW
        fd = os.open(path, flags, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)  # the values it logs are the children's data
        except BaseException:
            os.close(fd)
            raise
        return os.fdopen(fd, "a", encoding="utf-8")


@contextmanager
def writing(what: str, path: Path) -> Iterator[None]:
    """Turn a write the machine refuses into one line: what, where, and what to do."""
    try:
        yield
    except OSError as exc:
        raise cannot_write(what, path, exc) from exc


def cannot_write(what: str, path: Path, exc: OSError) -> OutputError:
    where = str(exc.filename) if exc.filename is not None else str(path)
    if where != str(path):
        where = f"{where} ({path})"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        advice = "the disk is full; free some space there, then run again"
    elif exc.errno == errno.EROFS:
        advice = "the file system is read-only; make it writable or choose another place"
    elif exc.errno == errno.ELOOP:
        advice = "it is a symbolic link, which caseaudit does not follow; give the real path"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        advice = "permission denied; make it writable by this user or choose another place"
    else:
        advice = f"{exc.strerror or exc}; check that folder, then run again"
    return OutputError(f"cannot write {what} at {where}: {advice}")


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as UTF-8 CSV, neutralised and owner-only."""
    private_dir(path.parent)
    with open_private(path, "wb") as fh:
        write_csv_rows(frame, fh)
    return path


# ---------------------------------------------------------------- CSV text, as pandas writes it

# pandas writes CSV through Python's csv module: rows end with the system's line end, and a
# field is quoted (its quotes doubled) only when it holds a comma, a quote or a character
# of the line end; a missing value is an empty field.
_LINE_END = os.linesep
_BATCH_ROWS = 100_000  # rows rendered at a time: bounded memory for any size of file


def _one_of(chars: str) -> str:
    """A regular expression (RE2) character class matching any of ``chars``."""
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in chars) + "]"


_BLANK_FOR_MISSING = {"null_handling": "replace", "null_replacement": ""}
_NEEDS_QUOTES = _one_of(',"' + _LINE_END)
_FORMULA = "^" + _one_of("".join(_FORMULA_STARTS))


def csv_header(columns: Sequence[str]) -> bytes:
    """The header line ``to_csv`` writes for these column names."""
    names = _text_fields(pa.array(list(columns), pa.large_string()), neutralised=False)
    return (",".join(names.to_pylist()) + _LINE_END).encode("utf-8")


def write_csv_rows(frame: pd.DataFrame, fh: IO[bytes], *, header: bool = True) -> None:
    """Write ``frame`` to ``fh`` as UTF-8 CSV, text neutralised: the bytes
    ``neutralise(frame).to_csv(fh, index=False, header=header)`` writes.

    Text and integer columns (every column of the findings and the data-quality rows) are
    rendered by Arrow kernels, a whole column at a time; a frame with any other column, or
    with one column (whose blank rows the csv module writes as ``""``), by pandas itself.
    """
    columns = _renderable(frame)
    if columns is None:
        text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
        neutralise(frame).to_csv(text, index=False, header=header)
        text.flush()
        text.detach()  # leaves ``fh`` open for the caller
        return
    if header:
        fh.write(csv_header(list(frame.columns)))
    for start in range(0, len(frame), _BATCH_ROWS):
        # Each batch's columns go to Arrow on their own: a region's 800,000 findings are
        # never copied whole (which added a third of a gigabyte to the run's peak).
        batch = frame.iloc[start : start + _BATCH_ROWS]
        fields = [
            fields_of(_arrow(batch.iloc[:, position], type))
            for position, (type, fields_of) in enumerate(columns)
        ]
        # A missing value is an empty field: the joins below write nothing in its place.
        ended = pc.binary_join_element_wise(
            fields[-1], _scalar(""), _scalar(_LINE_END), **_BLANK_FOR_MISSING
        )
        lines = pc.binary_join_element_wise(*fields[:-1], ended, _scalar(","), **_BLANK_FOR_MISSING)
        # The lines lie end to end in the array's data buffer: written as they are, with
        # no Python string made of them.
        _, offsets, data = lines.buffers()
        ends = memoryview(offsets).cast("q")
        fh.write(memoryview(data)[ends[lines.offset] : ends[lines.offset + len(lines)]])


_FieldsOf = Callable[[pa.Array], pa.Array]


def _renderable(frame: pd.DataFrame) -> list[tuple[pa.DataType | None, _FieldsOf]] | None:
    """Each column's Arrow type (None: Arrow's own choice) and how to make its values CSV
    fields; None where pandas must write the frame."""
    if frame.shape[1] < 2 or not all(isinstance(c, str) for c in frame.columns):
        return None
    found: list[tuple[pa.DataType | None, _FieldsOf]] = []
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        if _is_text(column):
            found.append((pa.large_string(), _cell_fields))
        elif pd.api.types.is_integer_dtype(column.dtype):
            found.append((None, _integer_fields))
        else:
            return None
    return found


def _arrow(column: pd.Series, type: pa.DataType | None = None) -> pa.Array:
    """The column as one Arrow array (a column concatenated from parts comes in chunks)."""
    values = pa.array(column, type=type, from_pandas=True)
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _is_text(column: pd.Series) -> bool:
    """Text as :func:`neutralise` sees it: ``string`` or ``str``, or objects that are all
    strings (or missing)."""
    if isinstance(column.dtype, pd.StringDtype):
        return True
    return column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) in (
        "string",
        "empty",
    )


def _cell_fields(values: pa.Array) -> pa.Array:
    """A text column's values as CSV fields, neutralised. A column that repeats its values
    (codes, teams, the same detail for many children) is rendered once per distinct value."""
    encoded = pc.dictionary_encode(values)
    if len(encoded.dictionary) > len(values) // 4:
        return _text_fields(values, neutralised=True)
    distinct = _text_fields(encoded.dictionary, neutralised=True)
    return pc.take(distinct, encoded.indices)


def _text_fields(values: pa.Array, *, neutralised: bool) -> pa.Array:
    """Text as CSV fields: neutralised (if asked), quoted where needed; missing stays missing.
    Most values need neither, so a column is searched once before anything is built."""
    pattern = f"{_FORMULA}|{_NEEDS_QUOTES}" if neutralised else _NEEDS_QUOTES
    if pc.any(pc.match_substring_regex(values, pattern)).as_py():
        if neutralised:
            risky = pc.match_substring_regex(values, _FORMULA)
            values = pc.if_else(risky, _joined("'", values, ""), values)
        quoted = _joined('"', pc.replace_substring(values, '"', '""'), '"')
        values = pc.if_else(pc.match_substring_regex(values, _NEEDS_QUOTES), quoted, values)
    return values


def _integer_fields(values: pa.Array) -> pa.Array:
    return pc.cast(values, pa.large_string())


def _joined(before: str, values: pa.Array, after: str) -> pa.Array:
    """``before + value + after`` for each value (missing stays missing)."""
    return pc.binary_join_element_wise(_scalar(before), values, _scalar(after), _scalar(""))


def _scalar(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())
