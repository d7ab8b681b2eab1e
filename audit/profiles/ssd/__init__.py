"""The DfE Standard Safeguarding Dataset (SSD) as an input profile.

The SSD arrives as one CSV file (or sheet) per table, named after the table
(``ssd_person.csv``, ``ssd_cp_visits.csv`` …), with the published field names
(``shared/formats/ssd.md``). This package turns those tables into the data contract's
tables. It passes raw cells through: the loader normalises dates, Y/N values and codes
exactly as for any other export. Values are read here only where the mapping has to make
a decision (which involvement is current, which placement is the first, which CLA
episode ended in a return home), and then with the loader's own parsers
(:mod:`audit.normalise`, through :mod:`.cells`) so both read a cell the same way.

Each output row cites the SSD table and spreadsheet/CSV row it came from (its sheet is
the SSD file or sheet name), so a finding still points a manager at the real record.

Mapping (contract table <- SSD tables); each module documents the decisions it takes
------------------------------------------------------------------------------------
* ``children`` <- ``ssd_person``, the child's involvement current at the as-at date
  (:mod:`.children`), and their CLA episodes and plans (:mod:`.case_status`).
* ``workers`` <- ``ssd_professionals`` (+ ``ssd_department``): :mod:`.workers`. Team ids,
  here and in involvements, become team names through ``ssd_department`` (:mod:`.teams`).
* ``visits`` <- ``ssd_cin_visits``, ``ssd_cp_visits``, ``ssd_cla_visits``: :mod:`.visits`.
* ``plans`` <- ``ssd_cin_plans``, ``ssd_cp_plans``, ``ssd_cla_care_plan``: :mod:`.plans`.
* ``assessments`` <- ``ssd_cin_assessments``: :mod:`.assessments`.
* ``events`` <- ``ssd_cla_placement`` and ``ssd_cla_episodes``: :mod:`.events`.
* ``reviews`` <- ``ssd_cla_reviews`` and ``ssd_cp_reviews``: :mod:`.reviews`.
* ``missing_episodes`` <- ``ssd_missing``: :mod:`.missing_episodes`.
* ``supervisions``: not in the SSD.

Teams, workers and case types are as at the audit's as-at date or, without one, a date
read from the extract (:mod:`.as_at_date`).

``absent`` names, for each contract table or column the SSD cannot provide, a
plain-English reason (what the SSD never holds is in :mod:`.fields`); ``fed_by`` names
the SSD tables behind each contract table; ``notes`` records what a QA lead should know
about this extract (rows left out and why, the as-at date used, limits of the source).

A missing SSD table leaves its contract tables absent (with a reason). An SSD table
lacking a field its rows cannot be used without (an id, a person, a date) stops the load
with an :class:`~audit.errors.InputError` naming the field. A missing optional field
leaves that contract column absent, so a rule needing it is skipped.

Reading the extract: :mod:`.fields` (the SSD's tables and field names), :mod:`.reading`
(grids to frames of raw cells with provenance), :mod:`.context` (what every table's module
reads from and reports to).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from audit.contract import table_spec
from audit.errors import InputError
from audit.lazy import pd
from audit.profiles.base import SourceData, grid_from_frame
from audit.profiles.ssd import (
    assessments,
    children,
    events,
    missing_episodes,
    plans,
    reviews,
    visits,
    workers,
)
from audit.profiles.ssd.as_at_date import choose_as_at
from audit.profiles.ssd.context import Context
from audit.profiles.ssd.fields import ALWAYS_ABSENT, recognise, table_name
from audit.profiles.ssd.reading import ROW, SHEET, read_tables
from audit.reader import Grid
from audit.table_source import TableSource

__all__ = ["build", "recognise", "table_name"]

PROFILE = "ssd"


def build(
    grids: Mapping[str, Grid] | TableSource, source_label: str, as_at: date | None = None
) -> SourceData:
    """The contract's tables from raw SSD grids keyed by table (file stem or sheet) name,
    or from a database's SSD tables."""
    tables, labels = read_tables(grids)
    if "ssd_person" not in tables:
        raise InputError(
            f"{source_label}: no ssd_person table, so this is not a Standard Safeguarding "
            "Dataset extract (or its person file is missing)."
        )
    ctx = Context(tables, labels, choose_as_at(tables, as_at, _today))
    if as_at is None:
        ctx.notes.append(
            f"No as-at date was given: teams, workers and case types are taken as at "
            f"{ctx.as_at:%d/%m/%Y}, the latest visit or review date in the extract not after "
            "today."
        )
    frames: dict[str, pd.DataFrame | None] = {
        "children": children.build(ctx),
        "workers": workers.build(ctx),
        "visits": visits.build(ctx),
        "plans": plans.build(ctx),
        "assessments": assessments.build(ctx),
        "events": events.build(ctx),
        "reviews": reviews.build(ctx),
        "missing_episodes": missing_episodes.build(ctx),
    }
    built = {t: f for t, f in frames.items() if f is not None}
    _general_notes(ctx, built)
    return SourceData(
        profile=PROFILE,
        grids={t: _grid(t, f, source_label) for t, f in built.items()},
        absent={**ALWAYS_ABSENT, **ctx.absent},
        fed_by={t: ", ".join(ctx.fed_by[t]) for t in built},
        notes=tuple(ctx.notes),
        left_out={t: pd.concat(parts, ignore_index=True) for t, parts in ctx.left_out.items()},
    )


def _today() -> date:
    # Looked up here at each build (not bound in as_at_date) so a test can pin today.
    return date.today()


def _general_notes(ctx: Context, built: Mapping[str, pd.DataFrame]) -> None:
    ctx.notes.append(
        f"Teams, workers and case types are as at {ctx.as_at:%d/%m/%Y}, from the "
        "involvement and the CLA episode or plan open on that date."
    )
    if "visits" in built:
        ctx.notes.append(
            "visits: every SSD visit counts as a statutory visit; the SSD records whether a "
            "child was seen alone, but not why they were not."
        )
    if "plans" in built:
        ctx.notes.append(
            "plans: the SSD keeps each plan's start and end dates only, so a plan update "
            "is seen only when a new plan starts."
        )
    if "assessments" in built and "events" in built:
        ctx.notes.append(
            "assessments: the SSD's CIN assessments carry no type, so all are 'single'; "
            "none counts as a risk assessment before a return home (CHG02)."
        )


def _grid(table: str, frame: pd.DataFrame, source_label: str) -> Grid:
    """The frame as a contract grid: contract columns in contract order, blanks as ''."""
    columns = [c for c in table_spec(table).column_names if c in frame]
    body = frame.loc[:, columns].astype(object)
    body = body.where(body.notna(), "")
    return grid_from_frame(body, source_label, frame[SHEET], frame[ROW], columns)
