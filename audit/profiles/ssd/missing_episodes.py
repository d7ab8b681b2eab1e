"""``missing_episodes`` <- ``ssd_missing``.

Episodes of type ``A`` (away from placement without authorisation: whereabouts known) are
left out, because the statutory return interview is owed to a child who was missing; every
other type (``M``, blank, anything unexpected) is kept, so nothing is dropped on a guess.
Each left-out row is still counted as read and listed with its reason (the loader's
``left_out`` rejections), so rows read always equals the rows of ``ssd_missing``.
``rhi_offered`` and ``rhi_accepted`` pass through as written; the SSD's ``NA`` (not
applicable) is read by the loader as ``NA``, not as a missing answer, and RHI01 reports
such an episode as not applicable rather than "offer not recorded".
"""

from __future__ import annotations

from audit.lazy import pd
from audit.profiles.ssd import cells
from audit.profiles.ssd.context import Context

# Contract column -> SSD field, for the fields an extract may lack.
_OPTIONAL = {
    "end_date": "miss_missing_episode_end_date",
    "rhi_offered": "miss_missing_rhi_offered",
    "rhi_accepted": "miss_missing_rhi_accepted",
}


def build(ctx: Context) -> pd.DataFrame | None:
    table = "ssd_missing"
    if not ctx.has(table):
        ctx.absent_table("missing_episodes", table)
        return None
    rows = ctx.pick(
        table,
        {
            "episode_id": "miss_table_id",
            "start_date": "miss_missing_episode_start_date",
            **_OPTIONAL,
            "type": "miss_missing_episode_type",
        },
        required=["episode_id", "start_date"],
    )
    rows["child_id"] = ctx.child_ids(table, "miss_person_id")
    away = cells.optional_text(rows, "type").str.upper().eq("A").fillna(False).astype(bool)
    ctx.notes.append(
        f"missing_episodes: 'away' (type A) episodes left out: {int(away.sum())}; return "
        "interviews are audited for missing episodes only."
    )
    ctx.leave_out(
        "missing_episodes",
        rows[away],
        "miss_missing_episode_type",
        cells.text(rows.loc[away, "type"]) if away.any() else rows["episode_id"].iloc[:0],
        "an 'away' episode (type A): return interviews are audited for missing episodes only",
    )
    ctx.fed("missing_episodes", table)
    for column, ssd_field in _OPTIONAL.items():
        ctx.absent_fields("missing_episodes", column, {table: ssd_field}, rows)
    return rows[~away].drop(columns="type", errors="ignore")
