"""Writing output files safely: owner-only permissions and no spreadsheet formulas.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can run as a
formula when a manager opens the CSV in Excel (CSV injection). Such cells get a leading
apostrophe, which Excel shows as plain text.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import pandas as pd

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
    """Create ``path`` (and parents) readable by the owner only."""
    make_dirs(path)
    os.chmod(path, DIR_MODE)
    return path


def open_private(path: Path, mode: str = "w", **kwargs: object):  # type: ignore[no-untyped-def]
    """Open a file for writing that only its owner can read, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.chmod(path, FILE_MODE)  # an existing file keeps its old mode otherwise
    return os.fdopen(fd, mode, **kwargs)  # type: ignore[call-overload]


def open_log(path: Path) -> TextIO:
    """The ``--log`` file, opened to append; created owner-only with any missing folders."""
    with writing("the log file", path):
        make_dirs(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
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
    elif exc.errno in (errno.EACCES, errno.EPERM):
        advice = "permission denied; make it writable by this user or choose another place"
    else:
        advice = f"{exc.strerror or exc}; check that folder, then run again"
    return OutputError(f"cannot write {what} at {where}: {advice}")


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as UTF-8 CSV, neutralised and owner-only."""
    private_dir(path.parent)
    with open_private(path, "w", encoding="utf-8", newline="") as fh:
        neutralise(frame).to_csv(fh, index=False)
    return path
