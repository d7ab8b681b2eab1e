"""A child's case type and case dates at the as-at date, for ``children``.

**Case type** is the most intensive open evidence at the as-at date: an open CLA episode
(``ssd_cla_episodes``) -> ``CLA``; else an open child protection plan (``ssd_cp_plans``)
-> ``CP``; else an open child in need plan (``ssd_cin_plans``) -> ``CIN``. "Open" is the
same test as for an involvement. ``case_start_date``/``case_end_date`` are that episode's
or plan's dates (the latest-starting one of that kind). A child open only through a
current involvement (e.g. being assessed) has a blank case type and the involvement's
dates. A child with nothing open gets a blank case type and the dates of their most
recently ended episode, plan or involvement, so the audit sees when the case closed. A
child with no episode, plan or involvement at all keeps blank dates, which the audit reads
as open. Care leavers (``CL``) are not derived: ssd.md lists no care-leaver table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.profiles.ssd import cells
from audit.profiles.ssd.context import Context

# Evidence of a child's status, most intensive first; an involvement gives no case type.
# (table, case type, person, start, end)
_CASE_EVIDENCE = (
    (
        "ssd_cla_episodes",
        "CLA",
        "clae_person_id",
        "clae_cla_episode_start_date",
        "clae_cla_episode_ceased_date",
    ),
    (
        "ssd_cp_plans",
        "CP",
        "cppl_person_id",
        "cppl_cp_plan_start_date",
        "cppl_cp_plan_end_date",
    ),
    (
        "ssd_cin_plans",
        "CIN",
        "cinp_person_id",
        "cinp_cin_plan_start_date",
        "cinp_cin_plan_end_date",
    ),
    (
        "ssd_involvements",
        "",
        "invo_person_id",
        "invo_involvement_start_date",
        "invo_involvement_end_date",
    ),
)
CASE_SOURCES = {source[0] for source in _CASE_EVIDENCE}


def case_status(ctx: Context) -> pd.DataFrame:
    """Per child key: case type and case dates at the as-at date (module docstring)."""
    evidence = _case_evidence(ctx)
    is_open = cells.open_at(evidence["_start"], evidence["_end"], ctx.as_at)
    open_now = (
        evidence[is_open]
        .sort_values(["_rank", "_start", "_seq"])
        .drop_duplicates("_key", keep="last")
    )
    started = evidence["_start"].le(ctx.as_at).fillna(False).astype(bool)
    closed = evidence[started & ~is_open & ~evidence["_key"].isin(open_now["_key"])]
    last_closed = closed.sort_values(["_end", "_rank", "_seq"]).drop_duplicates("_key", keep="last")
    last_closed = last_closed.assign(case_type="")
    status = pd.concat([open_now, last_closed], ignore_index=True)
    return status.loc[:, ["_key", "case_type", "start", "end"]].rename(
        columns={"start": "case_start_date", "end": "case_end_date"}
    )


def _case_evidence(ctx: Context) -> pd.DataFrame:
    """Every episode, plan and involvement as (child key, rank, type, dates)."""
    parts = []
    ctx.fed("children", *(source[0] for source in _CASE_EVIDENCE if source[1]))
    for position, (table, case_type, person, start, end) in enumerate(_CASE_EVIDENCE):
        rank = len(_CASE_EVIDENCE) - position  # CLA highest, an involvement lowest
        if not ctx.has(table):
            continue
        fields = {"child": person, "start": start, "end": end}
        rows = ctx.pick(table, fields, required=["child", "start"])
        if "end" not in rows:
            rows["end"] = ""
        rows["_key"] = cells.key(rows["child"])
        rows["_rank"], rows["case_type"] = rank, case_type
        rows["_start"], rows["_end"] = cells.dates(rows["start"]), cells.dates(rows["end"])
        parts.append(rows)
    evidence = pd.concat(parts, ignore_index=True)
    evidence["_seq"] = np.arange(len(evidence))
    return evidence[evidence["_key"].notna()]
