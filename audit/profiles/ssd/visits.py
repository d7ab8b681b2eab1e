"""``visits`` <- ``ssd_cin_visits``, ``ssd_cp_visits``, ``ssd_cla_visits``.

Ids are prefixed with the source (``CIN-``, ``CP-``, ``CLA-``) because each table numbers
its own visits. ``visit_type`` is ``statutory`` for every row: all three tables record
statutory visits. ``child_seen``/``seen_alone`` are the tables' ``…_visit_seen``/
``…_visit_seen_alone``. The SSD does not record why a child was not seen alone: ``absent``
says so for ``visits.not_seen_alone_reason``, and SEE01 then treats a "no" as not
applicable (``reason_not_in_source``) rather than blaming the record. There is no visiting
worker either; the child's allocated worker stands in. A CLA visit with no person id is
linked to its child through its CLA id.
"""

from __future__ import annotations

from typing import NamedTuple

from audit.lazy import pd
from audit.profiles.ssd import cells
from audit.profiles.ssd.context import Context


class _Source(NamedTuple):
    table: str
    prefix: str  # of the visit id
    person: str  # the person id field
    stem: str  # of the visit's fields: <stem>_id, <stem>_date, <stem>_seen …
    cla_id: str | None  # the CLA id field, to find a child when the person id is blank


_SOURCES = (
    _Source("ssd_cin_visits", "CIN", "cinv_person_id", "cinv_cin_visit", None),
    _Source("ssd_cp_visits", "CP", "cppv_person_id", "cppv_cp_visit", None),
    _Source("ssd_cla_visits", "CLA", "clav_person_id", "clav_cla_visit", "clav_cla_id"),
)


def build(ctx: Context) -> pd.DataFrame | None:
    parts = [_from(ctx, source) for source in _SOURCES]
    visits = ctx.combine("visits", parts, [source.table for source in _SOURCES])
    if visits is None:
        return None
    for column, suffix in (("child_seen", "seen"), ("seen_alone", "seen_alone")):
        fields = {source.table: f"{source.stem}_{suffix}" for source in _SOURCES}
        ctx.absent_fields("visits", column, fields, visits)
    return visits


def _from(ctx: Context, source: _Source) -> pd.DataFrame | None:
    if not ctx.has(source.table):
        return None
    rows = ctx.pick(
        source.table,
        {
            "visit_id": f"{source.stem}_id",
            "visit_date": f"{source.stem}_date",
            "child_seen": f"{source.stem}_seen",
            "seen_alone": f"{source.stem}_seen_alone",
        },
        required=["visit_id", "visit_date"],
    )
    rows["visit_id"] = cells.prefixed(source.prefix, rows["visit_id"])
    rows["child_id"] = ctx.child_ids(source.table, source.person, source.cla_id)
    rows["visit_type"] = "statutory"
    ctx.fed("visits", source.table)
    return rows
