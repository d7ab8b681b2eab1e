"""Whether a folder is a region: one folder per authority, each holding its export.

Kept apart from :mod:`audit.region` (which audits a region and brings the reports with it)
so ``caseaudit check`` can tell a region from one authority's folder cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from audit.errors import InputError
from audit.reader import SPREADSHEET_SUFFIXES


@dataclass(frozen=True)
class Authority:
    """One authority of a region: its name (its folder's), its folder, and the part of its
    teams' file names (set by :mod:`audit.region`, which names the files)."""

    name: str
    path: Path
    slug: str = ""


@dataclass(frozen=True)
class RegionFolder:
    authorities: list[Authority]
    ignored: list[str]  # files beside the authority folders that were not read, by name


def _visible(path: Path) -> bool:
    return not path.name.startswith((".", "~$"))


def _holds_tables(folder: Path) -> bool:
    return any(
        p.is_file() and _visible(p) and p.suffix.lower() in SPREADSHEET_SUFFIXES
        for p in folder.iterdir()
    )


def find_region(path: Path | str) -> RegionFolder | None:
    """The authorities of a region folder; None when ``path`` is not one (a workbook, a
    database, or a folder of one authority's table files). A region folder is a folder
    with at least one sub-folder holding table files (.xlsx, .csv, .parquet)."""
    if not isinstance(path, Path) or not path.is_dir():
        return None
    entries = sorted(p for p in path.iterdir() if _visible(p))
    folders = [p for p in entries if p.is_dir()]
    if not any(_holds_tables(p) for p in folders):
        return None
    files = [p for p in entries if not p.is_dir()]
    stray = [p.name for p in files if p.suffix.lower() in SPREADSHEET_SUFFIXES]
    if stray:  # a region with a stray table, or an authority with folders of tables in it
        first = next(p.name for p in folders if _holds_tables(p))
        raise InputError(
            f"{path} holds both the table file {stray[0]} and folders of table files "
            f"({first}/): a region holds only one folder per authority, an authority's folder "
            f"only its tables; move {stray[0]} into its authority's folder, or the folders out"
        )
    empty = [p.name for p in folders if not _holds_tables(p)]
    if empty:
        raise InputError(
            f"{path / empty[0]} holds no table files (.xlsx, .csv, .parquet): every folder of "
            "a region is an authority; add its export or move the folder out"
        )
    authorities = [Authority(folder.name, folder) for folder in folders]
    return RegionFolder(authorities, [p.name for p in files])
