"""Input profiles: read what councils already have as the contract's tables.

``canonical`` is the contract's own layout (optionally renamed in config), ``annex-a`` is
Ofsted's Annex A workbook, ``ssd`` the DfE Standard Safeguarding Dataset, ``ssda903`` the
DfE's return on children looked after (its CSV files as submitted). ``auto``
recognises the source by its sheet or file names and says which it chose.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from audit.contract import REQUIRED_TABLES, TABLES
from audit.errors import InputError, UsageError
from audit.profiles import annex_a, joins, ssd, ssda903
from audit.profiles.base import SourceData
from audit.profiles.mapping import SourceMapping
from audit.reader import (
    Grid,
    PendingGrid,
    pending_grid,
    read_grid,
    read_grids,
    require_whole_rows,
    table_key,
)
from audit.table_source import TableSource

PROFILES = ("auto", "canonical", "annex-a", "ssd", "ssda903")
# How the reports and `caseaudit check` name the source each profile reads.
PROFILE_NAMES = {
    "canonical": "caseaudit tables",
    "annex-a": "Ofsted Annex A",
    "ssd": "the DfE Standard Safeguarding Dataset",
    "ssda903": "the DfE SSDA903 return (children looked after)",
}

Found = dict[str, tuple[Path, str | None]]  # sheet or file key -> (file, sheet name or None)


@dataclass(frozen=True)
class Source:
    data: SourceData
    unrecognised: tuple[str, ...]  # sheets or files the profile did not use


def _name(file: Path, sheet: str | None) -> str:
    return sheet if sheet is not None else file.stem


def build_source(
    path: Path, found: Found, profile: str, mapping: SourceMapping, as_at: date | None
) -> Source:
    if profile not in PROFILES:
        raise UsageError(f"--profile must be one of {', '.join(PROFILES)}; got '{profile}'")
    chosen = profile if profile != "auto" else recognise(path, found, mapping)
    if chosen == "annex-a":
        grids = require_whole_rows(read_grids({_name(f, s): (f, s) for f, s in found.values()}))
        data = annex_a.build(grids, path.name)
    elif chosen == "ssd":
        grids = require_whole_rows(
            read_grids({_name(f, s).lower(): (f, s) for f, s in found.values()})
        )
        data = ssd.build(grids, path.name, as_at)
    elif chosen == "ssda903":
        grids = require_whole_rows(read_grids({_name(f, s): (f, s) for f, s in found.values()}))
        data = ssda903.build(grids, path.name, as_at, mapping.settings.get("ssda903", {}))
    else:
        data = _canonical(path, found, mapping, as_at)
    used = (
        {g.sheet for g in data.grids.values()}
        | set(data.read)
        | {str(s) for g in data.grids.values() if g.row_sheets is not None for s in g.row_sheets}
    )
    # Lookup tables (an SSD's departments, say) feed rows without being cited by them.
    described = " ".join(data.fed_by.values()).lower()
    unrecognised = tuple(
        _name(f, s) if s is not None else f.name
        for f, s in found.values()
        if (s if s is not None else f.name) not in used and _name(f, s).lower() not in described
    )
    return Source(data, unrecognised)


def build_table_source(source: TableSource, profile: str, as_at: date | None) -> Source:
    """A database's tables: only the SSD is kept in databases, so ``auto`` means ``ssd``."""
    if profile not in ("auto", "ssd"):
        raise UsageError(
            f"{source.label}: a database is read with --profile ssd (its SSD tables); "
            f"'{profile}' reads files only"
        )
    return Source(ssd.build(source, source.label, as_at), ())


def recognise(path: Path, found: Found, mapping: SourceMapping) -> str:
    """Which profile fits the source; an unknown or ambiguous source is a clear error."""
    names = [_name(f, s) for f, s in found.values()]
    if not mapping.is_empty:
        return "canonical"  # a council mapped its own export: that is what this is
    fits = [
        name
        for name, test in (
            ("annex-a", annex_a.recognise),
            ("ssd", ssd.recognise),
            ("ssda903", ssda903.recognise),
            ("canonical", _has_contract_tables),
        )
        if test(names)
    ]
    if len(fits) == 1:
        return fits[0]
    shown = ", ".join(names) or "nothing"
    if not fits:
        raise InputError(
            f"{path}: not recognised as case records. Found: {shown}. Expected a 'children' "
            "sheet or file (caseaudit's own layout), Annex A lists ('List 6' … 'List 9') or "
            "SSD tables ('ssd_person' …) or the SSDA903 return's files (header, episodes …). "
            "Map your export's names in audit.toml [tables], "
            "or choose with --profile."
        )
    raise InputError(
        f"{path}: looks like more than one kind of source ({', '.join(fits)}). Found: {shown}. "
        "Choose one with --profile."
    )


def _has_contract_tables(names: list[str]) -> bool:
    return any(table_key(n) == table_key(t) for n in names for t in REQUIRED_TABLES)


def _canonical(
    path: Path, found: Found, mapping: SourceMapping, as_at: date | None = None
) -> SourceData:
    """The contract's own tables, each from the sheet or file of its name (or mapped name),
    with the columns the config joins from other sheets or files (:mod:`.joins`)."""
    wanted = {table_key(t): t for t in TABLES}
    wanted.update({table_key(name): t for t, name in mapping.tables.items()})
    chosen: dict[str, tuple[Path, str | None]] = {}
    for key, (file, sheet) in found.items():
        table = wanted.get(key)
        if table is not None and table not in chosen:
            chosen[table] = (file, sheet)
    # A table joined with another is picked out cell by cell (joins): read now, as cells.
    # Every other table is read by the loader as it loads it, typed (reader.PendingGrid).
    grids: dict[str, Grid | PendingGrid] = {
        t: pending_grid(file, sheet, typed=True) for t, (file, sheet) in chosen.items()
    }
    grids.update(read_grids({t: chosen[t] for t in chosen if t in mapping.sources}))
    for required in REQUIRED_TABLES:
        if required not in grids:
            seen = ", ".join(_name(f, s) for f, s in found.values()) or "none"
            hint = mapping.tables.get(required)
            named = f" (mapped to '{hint}')" if hint else f" (a sheet or file named {required})"
            raise InputError(f"{path}: no '{required}' table{named}. Found: {seen}.")
    joined: dict[str, list[str]] = {}

    def other(table: str, name: str) -> Grid:
        if table_key(name) not in found:
            seen = ", ".join(_name(f, s) for f, s in found.values()) or "none"
            raise InputError(
                f"{path}: no sheet or file '{name}' to join columns from (named in audit.toml "
                f"[mapping]). Found: {seen}."
            )
        file, sheet = found[table_key(name)]
        joined.setdefault(table, []).append(sheet if sheet is not None else file.name)
        # Joined values come from its rows by key: a row that did not split cannot join.
        return require_whole_rows({name: read_grid(file, sheet)})[name]

    for table, sources in mapping.sources.items():
        if table in grids:
            read = grids[table]
            assert isinstance(read, Grid)  # read above, as cells
            grids[table] = joins.apply(
                table,
                read,
                sources,
                mapping.columns.get(table, {}),
                lambda name, table=table: other(table, name),
                as_at,
            )
    return SourceData(
        profile="canonical",
        grids=grids,
        fed_by={
            t: ", ".join([g.source, *dict.fromkeys(joined.get(t, []))]) for t, g in grids.items()
        },
        read=tuple(n for names in joined.values() for n in names),
    )
