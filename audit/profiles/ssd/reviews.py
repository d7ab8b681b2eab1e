"""``reviews`` <- ``ssd_cla_reviews`` (``CLA``) and ``ssd_cp_reviews`` (``CP``), ids prefixed.

A CLA review names no child, only ``clar_cla_id``, the period of care; it is linked to the
child through ``ssd_cla_episodes.clae_cla_id`` (the SSD scripts' own join), and through
``ssd_cla_visits``/``ssd_cla_placement`` rows that carry both a CLA id and a person id.
A CLA id linked to two different children is not used. A review whose child cannot be
found keeps a blank child and is rejected by the loader, so it is counted, not lost.
Cancelled CLA reviews (``clar_cla_review_cancelled`` Y) did not happen and are left out.
"""

from __future__ import annotations

from audit.lazy import pd
from audit.profiles.ssd import cells
from audit.profiles.ssd.context import Context

_PARTICIPATION = {
    "ssd_cla_reviews": "clar_cla_review_participation",
    "ssd_cp_reviews": "cppr_cp_review_participation",
}


def build(ctx: Context) -> pd.DataFrame | None:
    reviews = ctx.combine(
        "reviews", (_cla_reviews(ctx), _cp_reviews(ctx)), ["ssd_cla_reviews", "ssd_cp_reviews"]
    )
    if reviews is None:
        return None
    ctx.absent_fields("reviews", "participation_code", _PARTICIPATION, reviews)
    return reviews


def _cla_reviews(ctx: Context) -> pd.DataFrame | None:
    table = "ssd_cla_reviews"
    if not ctx.has(table):
        return None
    rows = ctx.pick(
        table,
        {
            "review_id": "clar_cla_review_id",
            "review_date": "clar_cla_review_date",
            "participation_code": _PARTICIPATION[table],
            "cancelled": "clar_cla_review_cancelled",
        },
        required=["review_id", "review_date"],
    )
    rows["child_id"] = ctx.child_ids(table, None, "clar_cla_id")
    cancelled = (
        cells.yes(rows["cancelled"]) if "cancelled" in rows else pd.Series(False, rows.index)
    )
    rows = rows[~cancelled].drop(columns="cancelled", errors="ignore")
    rows["review_id"] = cells.prefixed("CLA", rows["review_id"])
    rows["review_type"] = "CLA"
    unlinked = int(cells.text(rows["child_id"]).isna().sum())
    ctx.notes.append(
        f"reviews: cancelled CLA reviews left out: {int(cancelled.sum())}; CLA reviews whose "
        f"clar_cla_id links to no child (rejected): {unlinked}."
    )
    ctx.fed("reviews", table, "ssd_cla_episodes")
    return rows


def _cp_reviews(ctx: Context) -> pd.DataFrame | None:
    table = "ssd_cp_reviews"
    if not ctx.has(table):
        return None
    rows = ctx.pick(
        table,
        {
            "review_id": "cppr_cp_review_id",
            "review_date": "cppr_cp_review_date",
            "participation_code": _PARTICIPATION[table],
        },
        required=["review_id", "review_date"],
    )
    rows["child_id"] = ctx.child_ids(table, "cppr_person_id")
    rows["review_id"] = cells.prefixed("CP", rows["review_id"])
    rows["review_type"] = "CP"
    ctx.fed("reviews", table)
    return rows
