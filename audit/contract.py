"""The data contract as pandera models: the single source of table and column names.

Each model is one table of ``shared/DATA_CONTRACT.md``. A column's pandera flags say what
the contract says:

* ``required=True`` (a plain ``Series``): the column must be present when the table is
  given, and a row with a blank value is rejected;
* ``Optional[Series]``: the column may be absent; a rule that needs it is skipped;
* ``metadata["kind"]`` tells the loader how to normalise the raw cells:
  ``id`` (text, trimmed, never a number), ``date``, ``yn`` (Y/N), ``code`` (upper-cased,
  Annex A prefixes and official descriptions reduced to the code), ``lcode`` (a lower-case
  code such as ``placement_change``) or ``text`` (kept as written, trimmed).

A table's key is its ``unique`` column (later duplicates are rejected). A table with a
required ``child_id`` (other than ``children``) is child-linked: rows whose child is not a
loaded child are rejected. Plans have no key: several rows share a plan_id, one per version.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

UNALLOCATED_TEAM = "Unallocated"

# Columns every loaded table carries besides the contract's, so a finding can point back to
# the spreadsheet row a manager can open.
SOURCE_ROW = "source_row"
SOURCE_SHEET = "source_sheet"  # the sheet or file the row came from ("visits", "List 7")


class ColumnKind(StrEnum):
    """How the loader normalises a column's raw cells (see the module docstring)."""

    ID = "id"
    DATE = "date"
    YN = "yn"
    CODE = "code"
    LCODE = "lcode"
    TEXT = "text"


def _f(kind: str, *, unique: bool = False, nullable: bool = True) -> Any:
    """An optional column of ``kind`` (a :class:`ColumnKind` value; a typo fails here)."""
    return pa.Field(nullable=nullable, unique=unique, metadata={"kind": ColumnKind(kind)})


def _r(kind: str, *, unique: bool = False) -> Any:
    """A required column: present, and never blank in a loaded row."""
    return pa.Field(nullable=False, unique=unique, metadata={"kind": ColumnKind(kind)})


class _Table(pa.DataFrameModel):
    class Config:
        strict = False  # extra columns in an export are ignored, not an error
        coerce = False


class Children(_Table):
    child_id: Series[str] = _r("id", unique=True)
    date_of_birth: Series[pd.Timestamp] | None = _f("date")
    sex: Series[str] | None = _f("code")
    ethnicity: Series[str] | None = _f("code")
    first_language: Series[str] | None = _f("code")
    religion: Series[str] | None = _f("text")
    case_type: Series[str] | None = _f("code")
    # Required as a column, but a blank cell means the child is unallocated, not a bad row.
    allocated_team: Series[str] = _r("text")
    allocated_worker: Series[str] | None = _f("id")
    case_start_date: Series[pd.Timestamp] | None = _f("date")
    case_end_date: Series[pd.Timestamp] | None = _f("date")


class Visits(_Table):
    visit_id: Series[str] = _r("id", unique=True)
    child_id: Series[str] = _r("id")
    visit_date: Series[pd.Timestamp] = _r("date")
    worker_id: Series[str] | None = _f("id")
    visit_type: Series[str] | None = _f("text")
    child_seen: Series[str] | None = _f("yn")
    seen_alone: Series[str] | None = _f("yn")
    not_seen_alone_reason: Series[str] | None = _f("text")
    seen_alone_commentary: Series[str] | None = _f("text")


class Plans(_Table):
    plan_id: Series[str] = _r("id")
    child_id: Series[str] = _r("id")
    plan_type: Series[str] = _r("code")
    plan_date: Series[pd.Timestamp] = _r("date")
    start_date: Series[pd.Timestamp] | None = _f("date")
    end_date: Series[pd.Timestamp] | None = _f("date")
    identity_considered: Series[str] | None = _f("yn")
    identity_notes: Series[str] | None = _f("text")
    child_views: Series[str] | None = _f("text")
    views_influence: Series[str] | None = _f("text")


class Assessments(_Table):
    assessment_id: Series[str] = _r("id", unique=True)
    child_id: Series[str] = _r("id")
    assessment_type: Series[str] = _r("lcode")
    start_date: Series[pd.Timestamp] | None = _f("date")
    completed_date: Series[pd.Timestamp] | None = _f("date")
    worker_id: Series[str] | None = _f("id")


class Events(_Table):
    event_id: Series[str] = _r("id", unique=True)
    child_id: Series[str] = _r("id")
    event_date: Series[pd.Timestamp] = _r("date")
    event_type: Series[str] = _r("lcode")
    description: Series[str] | None = _f("text")


class Supervisions(_Table):
    supervision_id: Series[str] = _r("id", unique=True)
    supervision_date: Series[pd.Timestamp] = _r("date")
    worker_id: Series[str] = _r("id")
    supervisor_id: Series[str] | None = _f("id")
    # Informational: an unknown child here is a data-quality finding, not a rejection.
    child_id: Series[str] | None = _f("id")
    case_discussion: Series[str] | None = _f("text")
    case_reflection: Series[str] | None = _f("text")
    worker_reflection: Series[str] | None = _f("text")
    actions: Series[str] | None = _f("text")
    notes: Series[str] | None = _f("text")


class Workers(_Table):
    worker_id: Series[str] = _r("id", unique=True)
    team: Series[str] = _r("text")
    worker_name: Series[str] | None = _f("text")
    role: Series[str] | None = _f("lcode")


class MissingEpisodes(_Table):
    episode_id: Series[str] = _r("id", unique=True)
    child_id: Series[str] = _r("id")
    start_date: Series[pd.Timestamp] = _r("date")
    end_date: Series[pd.Timestamp] | None = _f("date")
    rhi_offered: Series[str] | None = _f("yn")
    rhi_offered_date: Series[pd.Timestamp] | None = _f("date")
    rhi_accepted: Series[str] | None = _f("yn")
    rhi_date: Series[pd.Timestamp] | None = _f("date")


class Reviews(_Table):
    review_id: Series[str] = _r("id", unique=True)
    child_id: Series[str] = _r("id")
    review_type: Series[str] = _r("code")
    review_date: Series[pd.Timestamp] = _r("date")
    participation_code: Series[str] | None = _f("code")
    child_views: Series[str] | None = _f("text")


MODELS: dict[str, type[_Table]] = {
    "children": Children,
    "visits": Visits,
    "plans": Plans,
    "assessments": Assessments,
    "events": Events,
    "supervisions": Supervisions,
    "workers": Workers,
    "missing_episodes": MissingEpisodes,
    "reviews": Reviews,
}
REQUIRED_TABLES = ("children",)


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: ColumnKind
    required: bool


@dataclass(frozen=True)
class TableSpec:
    """A loader-friendly view of one model; derived, never written by hand."""

    name: str
    columns: tuple[ColumnSpec, ...]
    key: str | None
    child_linked: bool

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


@cache
def schema(table: str) -> pa.DataFrameSchema:
    return MODELS[table].to_schema()


@cache
def table_spec(table: str) -> TableSpec:
    sch = schema(table)
    columns = tuple(
        ColumnSpec(name=name, kind=ColumnKind(col.metadata["kind"]), required=col.required)
        for name, col in sch.columns.items()
    )
    key = next((name for name, col in sch.columns.items() if col.unique), None)
    child_col = sch.columns.get("child_id")
    child_linked = table != "children" and child_col is not None and child_col.required
    return TableSpec(name=table, columns=columns, key=key, child_linked=child_linked)


def all_specs() -> tuple[TableSpec, ...]:
    return tuple(table_spec(name) for name in MODELS)
