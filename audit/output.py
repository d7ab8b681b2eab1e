"""Writing output files safely: owner-only permissions and no spreadsheet formulas.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can run as a
formula when a manager opens the CSV in Excel (CSV injection). Such cells get a leading
apostrophe, which Excel shows as plain text.
"""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO, Any, TextIO

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
    with open_private(path, "w", encoding="utf-8", newline="") as fh:
        neutralise(frame).to_csv(fh, index=False)
    return path
