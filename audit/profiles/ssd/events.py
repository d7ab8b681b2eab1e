"""``events`` <- ``ssd_cla_placement`` and ``ssd_cla_episodes``.

* each placement of a child after their first (ordered by start date, then file order) is
  a ``placement_change`` on its start date, id ``PLACEMENT-<placement id>``. "First" is per
  child over the whole extract, so a child's first placement on coming back into care is
  also counted as a change in their circumstances. A placement with no start date is
  never taken as the first; it is passed on and the loader rejects it for its blank date.
* a CLA episode ceased with reason ``E4A`` or ``E4B`` (returned home) is a
  ``return_home`` on its ceased date, id ``RETURN-<episode id>``.
"""

from __future__ import annotations

from audit.lazy import pd
from audit.profiles.ssd import cells
from audit.profiles.ssd.context import Context
from audit.profiles.ssd.reading import ORDER

_RETURNED_HOME = r"^E4[AB]\b"  # SSDA903 reasons episode ceased: returned home to parents


def build(ctx: Context) -> pd.DataFrame | None:
    return ctx.combine(
        "events",
        (_placement_changes(ctx), _returns_home(ctx)),
        ["ssd_cla_placement", "ssd_cla_episodes"],
    )


def _placement_changes(ctx: Context) -> pd.DataFrame | None:
    """Every placement of a child after their first (by start date, then file order)."""
    table = "ssd_cla_placement"
    if not ctx.has(table):
        return None
    rows = ctx.pick(
        table,
        {
            "event_id": "clap_cla_placement_id",
            "event_date": "clap_cla_placement_start_date",
            "type": "clap_cla_placement_type",
            "reason": "clap_cla_placement_change_reason",
        },
        required=["event_id", "event_date"],
    )
    rows["child_id"] = ctx.child_ids(table, "clap_person_id", "clap_cla_id")
    start, child = cells.dates(rows["event_date"]), cells.text(rows["child_id"])
    dated = rows[start.notna() & child.notna()].assign(_start=start, _child=child)
    firsts = dated.sort_values(["_start", ORDER]).drop_duplicates("_child", keep="first").index
    changes = rows.drop(index=firsts)
    changes["event_id"] = cells.prefixed("PLACEMENT", changes["event_id"])
    changes["event_type"] = "placement_change"
    changes["description"] = _describe_placement(changes)
    ctx.fed("events", table)
    ctx.notes.append(
        f"events: first placements of a child, not counted as changes: {len(firsts)}; "
        f"placement changes: {len(changes)}."
    )
    return changes.drop(columns=["type", "reason"], errors="ignore")


def _describe_placement(rows: pd.DataFrame) -> pd.Series:
    kind, reason = cells.optional_text(rows, "type"), cells.optional_text(rows, "reason")
    text = "New placement" + (" (type " + kind + ")").fillna("")
    return text + ("; reason for change " + reason).fillna("")


def _returns_home(ctx: Context) -> pd.DataFrame | None:
    """CLA episodes ceased with reason E4A or E4B: the child returned home."""
    table = "ssd_cla_episodes"
    if not ctx.has(table):
        return None
    rows = ctx.pick(
        table,
        {
            "event_id": "clae_cla_episode_id",
            "event_date": "clae_cla_episode_ceased_date",
            "reason": "clae_cla_episode_ceased_reason",
        },
        required=["event_id"],
    )
    if "event_date" not in rows or "reason" not in rows:
        ctx.notes.append(
            f"events: no return-home events: {ctx.labels[table]} needs both "
            "clae_cla_episode_ceased_date and clae_cla_episode_ceased_reason."
        )
        return None
    reason = cells.text(rows["reason"]).str.strip().str.upper()
    home = reason.str.contains(_RETURNED_HOME, regex=True).fillna(False).astype(bool)
    rows = rows[home].copy()
    rows["child_id"] = ctx.child_ids(table, "clae_person_id")[home]
    rows["event_id"] = cells.prefixed("RETURN", rows["event_id"])
    rows["event_type"] = "return_home"
    rows["description"] = "Ceased to be looked after: returned home (" + reason[home] + ")"
    ctx.fed("events", table)
    return rows.drop(columns="reason")
