"""The data contract: the single source of table and column names.

Each entry of :data:`TABLES` is one table of ``shared/DATA_CONTRACT.md``, one line a column:

* ``_r`` (required): the column must be present when the table is given, and a row with a
  blank value is rejected;
* ``_f`` (optional): the column may be absent; a rule that needs it is skipped;
* a ``display`` column (``last_iro_contact_date``) is optional and outside the shared
  contract: the reports show it for information and no rule may require it;
* the kind tells the loader how to normalise the raw cells: ``id`` (text, trimmed, never a
  number), ``date``, ``yn`` (Y/N), ``code`` (upper-cased, Annex A prefixes and official
  descriptions reduced to the code), ``lcode`` (a lower-case code such as
  ``placement_change``), ``number`` (a decimal; a value that is not a number is a
  data-quality finding and reads as blank; one outside the column's plausible range is a
  finding too, and kept) or ``text`` (kept as written, trimmed).

A table's key is its ``unique`` column (later duplicates are rejected). A table with a
required ``child_id`` (other than ``children``) is child-linked: rows whose child is not a
loaded child are rejected. Plans have no key: several rows share a plan_id, one per version.

The loader checks every loaded table against these lines directly (types, blanks, keys:
``audit.loader``), without pandera, whose import and first validation cost about a second
per command. The same contract as a pandera schema (:func:`schema`, built on first use) is
for tools outside the run and for the tests, which hold every loaded sample table to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandera.pandas as pa

UNALLOCATED_TEAM = "Unallocated"

# Columns every loaded table carries besides the contract's, so a finding can point back to
# the spreadsheet row a manager can open.
SOURCE_ROW = "source_row"
SOURCE_SHEET = "source_sheet"  # the sheet or file the row came from ("visits", "List 7")
# A key of an input profile's ``absent`` reasons: the source holds only each child's latest
# visit (Annex A Lists 6-8), so the visits before it, and the gaps between them, are unknown.
EARLIER_VISITS = "visits.earlier_visits"
# The case_type of a looked-after child.
LOOKED_AFTER = "CLA"
# The date of a looked-after child's last visit or contact from their IRO (Annex A List 8).
# A display column: the reports show it for information, no rule requires or judges it.
LAST_IRO_CONTACT = "last_iro_contact_date"
# The visit_type of such a latest visit: known to have happened, with nothing recorded about
# seeing the child alone, so VIS01 counts it and SEE01/SEE02 (not a statutory type) do not.
LATEST_VISIT_TYPE = "latest_visit"


class ColumnKind(StrEnum):
    """How the loader normalises a column's raw cells (see the module docstring)."""

    ID = "id"
    DATE = "date"
    YN = "yn"
    CODE = "code"
    LCODE = "lcode"
    TEXT = "text"
    NUMBER = "number"


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    kind: ColumnKind
    required: bool  # present, and never blank in a loaded row
    unique: bool = False
    # For numbers: (above, at_most), the plausible values; outside it is a finding.
    plausible: tuple[float, float] | None = None
    # Shown in the reports for information only: outside DATA_CONTRACT.md's tables, read
    # when the input has it, required by no rule, and not part of the generated sample.
    display: bool = False


def _f(name: str, kind: str, *, unique: bool = False) -> ColumnSpec:
    """An optional column of ``kind`` (a :class:`ColumnKind` value; a typo fails here)."""
    return ColumnSpec(name, ColumnKind(kind), required=False, unique=unique)


def _number(name: str, above: float, at_most: float) -> ColumnSpec:
    """An optional number whose plausible values are above ``above`` and at most ``at_most``;
    the loader keeps a value outside that range and reports it as a data-quality finding."""
    return ColumnSpec(name, ColumnKind.NUMBER, required=False, plausible=(above, at_most))


def _r(name: str, kind: str, *, unique: bool = False) -> ColumnSpec:
    """A required column: present, and never blank in a loaded row."""
    return ColumnSpec(name, ColumnKind(kind), required=True, unique=unique)


TABLES: dict[str, tuple[ColumnSpec, ...]] = {
    "children": (
        _r("child_id", "id", unique=True),
        _f("date_of_birth", "date"),
        _f("sex", "code"),
        _f("ethnicity", "code"),
        _f("first_language", "code"),
        _f("religion", "text"),
        _f("case_type", "code"),
        # Required as a column, but a blank cell means the child is unallocated, not a bad row.
        _r("allocated_team", "text"),
        _f("allocated_worker", "id"),
        _f("case_start_date", "date"),
        _f("case_end_date", "date"),
        # The child's independent reviewing officer (a worker_id), for looked-after children.
        _f("iro_id", "id"),
        ColumnSpec(LAST_IRO_CONTACT, ColumnKind.DATE, required=False, display=True),
    ),
    "visits": (
        _r("visit_id", "id", unique=True),
        _r("child_id", "id"),
        _r("visit_date", "date"),
        _f("worker_id", "id"),
        _f("visit_type", "text"),
        _f("child_seen", "yn"),
        _f("seen_alone", "yn"),
        _f("not_seen_alone_reason", "text"),
        _f("seen_alone_commentary", "text"),
    ),
    "plans": (
        _r("plan_id", "id"),
        _r("child_id", "id"),
        _r("plan_type", "code"),
        _r("plan_date", "date"),
        _f("start_date", "date"),
        _f("end_date", "date"),
        _f("identity_considered", "yn"),
        _f("identity_notes", "text"),
        _f("child_views", "text"),
        _f("views_influence", "text"),
    ),
    "assessments": (
        _r("assessment_id", "id", unique=True),
        _r("child_id", "id"),
        _r("assessment_type", "lcode"),
        _f("start_date", "date"),
        _f("completed_date", "date"),
        _f("worker_id", "id"),
    ),
    "events": (
        _r("event_id", "id", unique=True),
        _r("child_id", "id"),
        _r("event_date", "date"),
        _r("event_type", "lcode"),
        _f("description", "text"),
    ),
    "supervisions": (
        _r("supervision_id", "id", unique=True),
        _r("supervision_date", "date"),
        _r("worker_id", "id"),
        _f("supervisor_id", "id"),
        # Informational: an unknown child here is a data-quality finding, not a rejection.
        _f("child_id", "id"),
        _f("case_discussion", "text"),
        _f("case_reflection", "text"),
        _f("worker_reflection", "text"),
        _f("actions", "text"),
        _f("notes", "text"),
    ),
    "workers": (
        _r("worker_id", "id", unique=True),
        _r("team", "text"),
        _f("worker_name", "text"),
        _f("role", "lcode"),
        # Zero, negative or above 1.5 full-time equivalents is a recording error (IRO02).
        _number("fte", above=0.0, at_most=1.5),
        _f("start_date", "date"),
        _f("end_date", "date"),
    ),
    "missing_episodes": (
        _r("episode_id", "id", unique=True),
        _r("child_id", "id"),
        _r("start_date", "date"),
        _f("end_date", "date"),
        _f("rhi_offered", "yn"),
        _f("rhi_offered_date", "date"),
        _f("rhi_accepted", "yn"),
        _f("rhi_date", "date"),
    ),
    "reviews": (
        _r("review_id", "id", unique=True),
        _r("child_id", "id"),
        _r("review_type", "code"),
        _r("review_date", "date"),
        _f("participation_code", "code"),
        _f("child_views", "text"),
        _f("chair_id", "id"),  # the IRO or conference chair
    ),
    "camhs_referrals": (
        _r("referral_id", "id", unique=True),
        _r("child_id", "id"),
        _r("referral_date", "date"),
        _f("priority", "lcode"),  # urgent / routine; blank = routine
        _f("outcome", "lcode"),  # accepted, declined, withdrawn, pending
        _f("outcome_date", "date"),
        _f("first_contact_date", "date"),
    ),
}
REQUIRED_TABLES = ("children",)


@dataclass(frozen=True)
class TableSpec:
    """A loader-friendly view of one table; derived, never written by hand."""

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
def table_spec(table: str) -> TableSpec:
    columns = TABLES[table]
    key = next((c.name for c in columns if c.unique), None)
    child_linked = table != "children" and any(c.name == "child_id" and c.required for c in columns)
    return TableSpec(name=table, columns=columns, key=key, child_linked=child_linked)


@cache
def schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema a loaded ``table`` must satisfy: its columns' presence, type
    (text, or a timestamp for dates), blanks and uniqueness. Extra columns are allowed."""
    # Deferred for start-up time: pandera takes longer to import than anything else here,
    # and only loading an export validates.
    import pandas as pd
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            c.name: pa.Column(
                pd.Timestamp
                if c.kind is ColumnKind.DATE
                else float
                if c.kind is ColumnKind.NUMBER
                else str,
                required=c.required,
                nullable=not c.required,
                unique=c.unique,
                metadata={"kind": c.kind},
            )
            for c in TABLES[table]
        },
        strict=False,  # extra columns in an export are ignored, not an error
        coerce=False,
        name=table,
    )
