"""Writing output files safely: owner-only permissions and no spreadsheet formulas.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can run as a
formula when a manager opens the CSV in Excel (CSV injection). Such cells get a leading
apostrophe, which Excel shows as plain text.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

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


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable by the owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    os.chmod(path, DIR_MODE)
    return path


def open_private(path: Path, mode: str = "w", **kwargs: object):  # type: ignore[no-untyped-def]
    """Open a file for writing that only its owner can read, whatever the umask."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    os.chmod(path, FILE_MODE)  # an existing file keeps its old mode otherwise
    return os.fdopen(fd, mode, **kwargs)  # type: ignore[call-overload]


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write ``frame`` as UTF-8 CSV, neutralised and owner-only."""
    private_dir(path.parent)
    with open_private(path, "w", encoding="utf-8", newline="") as fh:
        neutralise(frame).to_csv(fh, index=False)
    return path
