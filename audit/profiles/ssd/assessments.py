"""``assessments`` <- ``ssd_cin_assessments``.

``assessment_type`` is ``single`` (the CIN single assessment), ``start_date`` the start,
``completed_date`` the authorisation date (``cina_assessment_auth_date``), ``worker_id``
``cina_assessment_worker_id``. The SSD has no risk or return-home assessment type, so
CHG02 finds no risk assessment for any return home; ``notes`` says so.
"""

from __future__ import annotations

from audit.lazy import pd
from audit.profiles.ssd.context import Context


def build(ctx: Context) -> pd.DataFrame | None:
    table = "ssd_cin_assessments"
    if not ctx.has(table):
        ctx.absent_table("assessments", table)
        return None
    rows = ctx.pick(
        table,
        {
            "assessment_id": "cina_assessment_id",
            "start_date": "cina_assessment_start_date",
            "completed_date": "cina_assessment_auth_date",
            "worker_id": "cina_assessment_worker_id",
        },
        required=["assessment_id"],
    )
    rows["child_id"] = ctx.child_ids(table, "cina_person_id")
    rows["assessment_type"] = "single"
    # Every SSD assessment reads as "single", so the type says nothing: a rule that needs
    # to find a risk or return-home assessment must be skipped, not told there is none.
    ctx.absent["assessments.assessment_type"] = (
        "the SSD's ssd_cin_assessments does not say what kind each assessment is, so a "
        "risk or return-home assessment cannot be told apart"
    )
    ctx.fed("assessments", table)
    ctx.absent_fields("assessments", "completed_date", {table: "cina_assessment_auth_date"}, rows)
    return rows
