"""Whether a folder is a region: one folder per authority, each holding its export.

Kept apart from :mod:`audit.region` (which audits a region and brings the reports with it)
so ``caseaudit check`` can tell a region from one authority's folder cheaply.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from audit.errors import InputError
from audit.reader import SPREADSHEET_SUFFIXES, table_key

if TYPE_CHECKING:
    from audit.profiles.mapping import SourceMapping

_WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


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


def _tables_by_name(names: list[str], mapping: SourceMapping | None) -> bool:
    """Whether file names are those of a folder of table files, as the loader knows them:
    the contract's tables (or the names ``audit.toml`` maps them to), Annex A lists, SSD
    tables or the SSDA903 return's files."""
    from audit.contract import TABLES  # the region's run only: find_region stays light
    from audit.profiles import annex_a, ssd, ssda903

    mapped = mapping.tables.values() if mapping is not None else ()
    wanted = {table_key(t) for t in [*TABLES, *mapped]}
    return (
        any(table_key(n) in wanted for n in names)
        or annex_a.recognise(names)
        or ssd.recognise(names)
        or ssda903.recognise(names)
    )


def authority_export(folder: Path, mapping: SourceMapping | None = None) -> Path:
    """What an authority's folder holds to be audited, as ``caseaudit run`` would take it:
    the folder itself when it holds table files, or the one workbook in it (an Annex A
    workbook, the canonical workbook: a sheet per table). Councils share their Annex A
    workbooks, so a folder holding one is audited exactly as that workbook run alone.

    A workbook is an .xlsx/.xlsm not named as a table. Several of them, or one beside table
    files, cannot be told apart safely: that stops the run, naming the folder."""
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and _visible(p) and p.suffix.lower() in SPREADSHEET_SUFFIXES
    )
    if _tables_by_name([p.stem for p in files], mapping):
        return folder
    workbooks = [p for p in files if p.suffix.lower() in _WORKBOOK_SUFFIXES]
    if not workbooks:
        return folder  # the loader says what it found and what it expected
    if len(files) == 1:
        return workbooks[0]
    if len(workbooks) > 1:
        raise InputError(
            f"{folder} holds {len(workbooks)} workbooks ({workbooks[0].name}, "
            f"{workbooks[1].name}): an authority's folder holds its one export; keep the "
            "authority's workbook and move the others out"
        )
    others = [p.name for p in files if p != workbooks[0]]
    raise InputError(
        f"{folder} holds the workbook {workbooks[0].name} beside the table file {others[0]}: "
        "an authority's folder holds either one workbook or its table files; move one out"
    )
