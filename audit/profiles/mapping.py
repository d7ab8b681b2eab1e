"""A council's own export, mapped once in ``audit.toml`` and reused every month.

    [tables]                        # contract table = the export's sheet or file name
    visits = "Case Notes - Visits"

    [mapping.visits]                # contract column = the export's header
    visit_date = "Date of Visit"

    [values.visits.seen_alone]      # the export's value = the value to read instead
    "Child seen alone" = "Y"

A column can also be a constant, come from another sheet or file of the export keyed by
child, or (a table's id) be made from named columns: :mod:`audit.profiles.joins`.

Names and values are matched as headers are: case, spaces, '-' and '_' ignored for names;
values trimmed and case-folded. Every table and column is checked against the contract at
start-up, so a typo is an error naming the valid choices, never a silently unmapped column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from audit.contract import TABLES, table_spec
from audit.errors import UsageError
from audit.profiles import joins
from audit.profiles.joins import ColumnSource


@dataclass(frozen=True)
class SourceMapping:
    tables: Mapping[str, str] = field(default_factory=dict)  # contract table -> sheet/file
    columns: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # table -> col -> hdr
    values: Mapping[str, Mapping[str, Mapping[str, str]]] = field(default_factory=dict)
    # profile -> its settings, from [profile.<name>] (the SSDA903 return has no team:
    # [profile.ssda903] team = "Children in Care"). Settings map no export, so they leave
    # recognition alone.
    settings: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # table -> column -> a constant, a column joined from another file, or a made id
    sources: Mapping[str, Mapping[str, ColumnSource]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return not (self.tables or self.columns or self.values or self.sources)

    def columns_in_force(self) -> dict[str, dict[str, Any]]:
        """Per table, each mapped column's header or source, as run.json records them."""
        tables = [*self.columns, *(t for t in self.sources if t not in self.columns)]
        return {
            t: {
                **self.columns.get(t, {}),
                **{c: asdict(s) for c, s in self.sources.get(t, {}).items()},
            }
            for t in tables
        }

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> SourceMapping:
        tables = _strings(raw.get("tables", {}), "[tables]")
        for table in tables:
            _known_table(table, "[tables]")
        columns: dict[str, dict[str, str]] = {}
        sources: dict[str, dict[str, ColumnSource]] = {}
        for table, mapping in _table(raw.get("mapping", {}), "[mapping]").items():
            _known_table(table, f"[mapping.{table}]")
            entries = _table(mapping, f"[mapping.{table}]")
            for column in entries:
                _known_column(table, column, f"[mapping.{table}]")
            plain = {c: v for c, v in entries.items() if not isinstance(v, Mapping)}
            columns[table] = _strings(plain, f"[mapping.{table}]")
            sources[table] = {
                c: joins.parse(table, c, v) for c, v in entries.items() if isinstance(v, Mapping)
            }
        values: dict[str, dict[str, dict[str, str]]] = {}
        for table, by_column in _table(raw.get("values", {}), "[values]").items():
            _known_table(table, f"[values.{table}]")
            values[table] = {}
            for column, mapping in _table(by_column, f"[values.{table}]").items():
                _known_column(table, column, f"[values.{table}.{column}]")
                values[table][column] = _strings(mapping, f"[values.{table}.{column}]")
        return cls(
            tables,
            columns,
            values,
            _profile_settings(raw.get("profile")),
            {t: s for t, s in sources.items() if s},
        )


# Settings each profile accepts under [profile.<name>].
PROFILE_SETTINGS: dict[str, tuple[str, ...]] = {"ssda903": ("team", "team_column")}


def _profile_settings(value: Any) -> dict[str, dict[str, str]]:
    """``[profile.<name>]`` tables: the profile to use and its settings, each checked."""
    if not isinstance(value, Mapping):
        return {}  # profile = "ssd": a name only (checked with the rest of the config)
    if len(value) != 1:
        raise UsageError(
            f"[profile] must name one profile, e.g. [profile.ssda903]; got {', '.join(value)}"
        )
    ((name, settings),) = value.items()
    if name not in PROFILE_SETTINGS:
        raise UsageError(
            f"[profile.{name}]: no settings for this profile. Profiles with settings: "
            f'{", ".join(PROFILE_SETTINGS)}; otherwise write profile = "{name}"'
        )
    table = _strings(settings, f"[profile.{name}]")
    for key in table:
        if key not in PROFILE_SETTINGS[name]:
            raise UsageError(
                f"[profile.{name}]: unknown key '{key}'. Valid keys: "
                f"{', '.join(PROFILE_SETTINGS[name])}"
            )
    return {name: table}


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise UsageError(f"{where} must be a table")
    return dict(value)


def _strings(value: Any, where: str) -> dict[str, str]:
    table = _table(value, where)
    for key, text in table.items():
        if not isinstance(text, str):
            raise UsageError(f"{where}: '{key}' must be text, got {text!r}")
    return table


def _known_table(table: str, where: str) -> None:
    if table not in TABLES:
        raise UsageError(f"{where}: unknown table '{table}'. Valid tables: {', '.join(TABLES)}")


def _known_column(table: str, column: str, where: str) -> None:
    names = table_spec(table).column_names
    if column not in names:
        raise UsageError(f"{where}: unknown column '{column}'. Valid columns: {', '.join(names)}")
