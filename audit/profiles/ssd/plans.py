"""``plans`` <- ``ssd_cin_plans`` (CIN), ``ssd_cp_plans`` (CP), ``ssd_cla_care_plan`` (CLA).

One row per plan, ids prefixed with the plan type as for visits. The SSD keeps plan dates
only, no versions: ``plan_date`` and ``start_date`` are the plan's start, ``end_date`` its
end. Plan text (identity, views) is absent, so IDN03, VOC01 and VOC02 are skipped with an
SSD reason; CHG01 can still use the start of a new plan as evidence of an update.
"""

from __future__ import annotations

from typing import NamedTuple

from audit.lazy import pd
from audit.profiles.ssd import cells
from audit.profiles.ssd.context import Context


class _Source(NamedTuple):
    table: str
    plan_type: str  # also the prefix of the plan id
    plan_id: str  # the plan id field
    person: str  # the person id field
    stem: str  # of the plan's date fields: <stem>_start_date, <stem>_end_date


_SOURCES = (
    _Source("ssd_cin_plans", "CIN", "cinp_cin_plan_id", "cinp_person_id", "cinp_cin_plan"),
    _Source("ssd_cp_plans", "CP", "cppl_cp_plan_id", "cppl_person_id", "cppl_cp_plan"),
    _Source("ssd_cla_care_plan", "CLA", "lacp_table_id", "lacp_person_id", "lacp_cla_care_plan"),
)


def build(ctx: Context) -> pd.DataFrame | None:
    parts = [_from(ctx, source) for source in _SOURCES]
    plans = ctx.combine("plans", parts, [source.table for source in _SOURCES])
    if plans is None:
        return None
    fields = {source.table: f"{source.stem}_end_date" for source in _SOURCES}
    ctx.absent_fields("plans", "end_date", fields, plans)
    return plans


def _from(ctx: Context, source: _Source) -> pd.DataFrame | None:
    if not ctx.has(source.table):
        return None
    rows = ctx.pick(
        source.table,
        {
            "plan_id": source.plan_id,
            "start_date": f"{source.stem}_start_date",
            "end_date": f"{source.stem}_end_date",
        },
        required=["plan_id", "start_date"],
    )
    rows["plan_id"] = cells.prefixed(source.plan_type, rows["plan_id"])
    rows["child_id"] = ctx.child_ids(source.table, source.person)
    rows["plan_type"] = source.plan_type
    rows["plan_date"] = rows["start_date"]  # no versions: the plan as it started
    ctx.fed("plans", source.table)
    return rows
