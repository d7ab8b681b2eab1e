"""Parsing a workbook's sheets: calamine's parse and the search for Excel error cells.

Parsing is most of reading a workbook (about a second for a county's visits sheet), and
calamine does it without the GIL. So ``caseaudit run`` and ``check`` start it with
:func:`start_early` on background threads before they import pandas and the rest (about
another second), and the two overlap; the loader then takes each sheet already parsed
(:func:`parse_sheet`). A sheet is taken only if the file is unchanged since the start
(same size and modification time), otherwise it is parsed again, so a file replaced
mid-run is read as it now is. Whatever was started and not taken (a sheet no table
reads, a load that failed first) is dropped by :func:`forget_early`.

Only stdlib and calamine are imported here: this runs before everything else.
"""

from __future__ import annotations

import os
import threading
import zipfile
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.errors import CaseAuditError
from audit.lazy import python_calamine
from audit.safety import check_input_file

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


@dataclass(frozen=True)
class ParsedSheet:
    """One sheet as calamine parsed it, before its cells become Python values."""

    name: str
    cells: Any  # python_calamine.CalamineSheet; None when calamine failed
    failure: Exception | None  # what calamine raised, if it did
    has_error_cells: bool  # the sheet's XML holds an Excel error cell (#N/A, #REF! ...)


def parse_sheet(file: Path, sheet: str | None) -> ParsedSheet:
    """Sheet ``sheet`` of workbook ``file`` (its first sheet when None), parsed: taken from
    the early start when it parsed this file as it now is, otherwise parsed now."""
    early = _take(file, sheet) if sheet is not None else None
    if early is not None:
        return early.result()
    with python_calamine.CalamineWorkbook.from_path(str(file)) as wb:
        name = sheet if sheet is not None else wb.sheet_names[0]
        index = wb.sheet_names.index(name)
    return _parse(file, name, index)


def _parse(file: Path, name: str, index: int) -> ParsedSheet:
    with (
        python_calamine.CalamineWorkbook.from_path(str(file)) as wb,
        ThreadPoolExecutor(max_workers=1) as scanner,
    ):
        # The search for error cells inflates the sheet's XML a second time: it runs beside
        # calamine's parse (both without the GIL for the most part), not before it.
        has_errors = scanner.submit(sheet_has_error_cells, file, index)
        try:
            cells, failure = wb.get_sheet_by_name(name), None
        except Exception as exc:  # calamine's errors; the reader decides what they mean
            cells, failure = None, exc
        return ParsedSheet(name, cells, failure, has_errors.result())


# ---------------------------------------------------------------- error cells

# The error-cell type attribute; nothing else in sheet XML carries it, and a plain byte
# search is many times faster than a pattern over a county-sized sheet.
_ERROR_CELL = b't="e"'


def sheet_has_error_cells(file: Path, index: int) -> bool:
    """Whether the sheet's XML holds an error cell (``t="e"``), found without parsing it."""
    with zipfile.ZipFile(file) as zf:
        parts = sheet_parts(zf)
        part = parts[index] if index < len(parts) else None
        if part is None:
            return False
        with zf.open(part) as fh:
            tail = b""
            while chunk := fh.read(1 << 20):
                if _ERROR_CELL in tail + chunk:
                    return True
                tail = chunk[-8:]
    return False


def sheet_parts(zf: zipfile.ZipFile) -> list[str | None]:
    """The zip member of each sheet in order, following the workbook's relationships."""
    from defusedxml import ElementTree

    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    workbook = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in rels.findall("p:Relationship", ns)}
    parts: list[str | None] = []
    for sheet in workbook.findall("m:sheets/m:sheet", ns):
        target = targets.get(sheet.get(f"{{{ns['r']}}}id"))
        if target is None:
            parts.append(None)
        else:
            parts.append(target.lstrip("/") if target.startswith("/") else f"xl/{target}")
    return parts


# ---------------------------------------------------------------- the early start

_Stamp = tuple[int, int]  # the file's size and modification time, in nanoseconds

_lock = threading.Lock()
_started: dict[tuple[str, str], tuple[_Stamp, Future[ParsedSheet]]] = {}
_pool: ThreadPoolExecutor | None = None


def start_early(input_path: str) -> None:
    """Start parsing every sheet of the workbook at ``input_path``, biggest first, on a
    thread per core. Anything but a workbook that passes the default safety checks is
    left alone: the load then reads it, or says what is wrong with it, as it always does."""
    global _pool
    path = Path(input_path)
    try:
        if path.suffix.lower() not in WORKBOOK_SUFFIXES or not path.is_file():
            return
        check_input_file(path)  # a zip bomb is refused before anything inflates it
        stamp = _stamp(path)
        with zipfile.ZipFile(path) as zf:
            parts = sheet_parts(zf)
            sizes = [zf.getinfo(part).file_size if part else 0 for part in parts]
        with python_calamine.CalamineWorkbook.from_path(str(path)) as wb:
            names = list(wb.sheet_names)
    except (CaseAuditError, Exception):  # refused, damaged, unreadable: any of them
        return  # the loader's own reading gives the answer, with its own message
    if len(names) != len(sizes):
        return
    order = sorted(range(len(names)), key=lambda i: -sizes[i])
    key = os.path.realpath(path)
    with _lock:
        if _pool is not None:  # one early start per command
            return
        _pool = ThreadPoolExecutor(
            max_workers=max(1, min(len(names), os.cpu_count() or 1)),
            thread_name_prefix="caseaudit-sheet-parse",
        )
        for index in order:
            future = _pool.submit(_parse, path, names[index], index)
            _started[(key, names[index])] = (stamp, future)
        # The threads end once the queue is empty, so none outlives the parsing (the
        # reports fork workers only when this process runs no other thread).
        _pool.shutdown(wait=False)


def forget_early() -> None:
    """Drop what was started and not taken, and wait for the threads to end."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
        for _, future in _started.values():
            future.cancel()
        _started.clear()
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def _take(file: Path, sheet: str) -> Future[ParsedSheet] | None:
    with _lock:
        entry = _started.pop((os.path.realpath(file), sheet), None)
    if entry is None:
        return None
    stamp, future = entry
    try:
        unchanged = _stamp(file) == stamp
    except OSError:
        unchanged = False
    if not unchanged:
        future.cancel()
        return None
    return future


def _stamp(path: Path) -> _Stamp:
    status = path.stat()
    return status.st_size, status.st_mtime_ns
