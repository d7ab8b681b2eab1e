"""A child's case type at the as-at date and the case dates that say when they were open.

**Case dates** come from every involvement (``ssd_involvements``), CLA episode
(``ssd_cla_episodes``), child protection plan (``ssd_cp_plans``) and child in need plan
(``ssd_cin_plans``) of the child: a child is open on a day one of them covers (a blank
end = still open). :mod:`audit.profiles.spells` joins them into spells of service and
picks the one the audit reads: the latest that started on or before the as-at date (blank
end while any part is still open), or the first when all start later, so the audit does
not see a child open before they were in the service. A row whose start date
cannot be read says nothing about when the child was open and is not used. A person with
none of these rows is not open in any month: ``children`` leaves them out, each listed with
that reason (:func:`never_open`).

**Case type** is the most intensive open evidence at the as-at date: an open CLA episode
-> ``CLA``; else an open child protection plan -> ``CP``; else an open child in need plan
-> ``CIN``. "Open" is the same test as for an involvement. A child open only through a
current involvement (e.g. being assessed), or not open at the as-at date, has a blank case
type. Care leavers (``CL``) are not derived: ssd.md lists no care-leaver table.
"""

from __future__ import annotations

from audit.lazy import np, pd
from audit.profiles.spells import case_dates
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
_INVOLVEMENT_RANK = 1  # the last of _CASE_EVIDENCE: open, but no case type


def case_status(ctx: Context) -> pd.DataFrame:
    """Per child key: case type at the as-at date and case dates (module docstring)."""
    evidence = _case_evidence(ctx)
    is_open = cells.open_at(evidence["_start"], evidence["_end"], ctx.as_at)
    open_now = (
        evidence[is_open & evidence["_rank"].gt(_INVOLVEMENT_RANK)]
        .sort_values(["_rank", "_start", "_seq"])
        .drop_duplicates("_key", keep="last")
        .loc[:, ["_key", "case_type"]]
    )
    status = case_dates(evidence["_key"], evidence["_start"], evidence["_end"], ctx.as_at)
    return status.merge(open_now, on="_key", how="left").fillna({"case_type": ""})


NEVER_OPEN = (
    "no involvement, CLA episode, child protection or child in need plan in the extract: "
    "not open in any month"
)


def _case_evidence(ctx: Context) -> pd.DataFrame:
    """Every episode, plan and involvement as (child key, rank, type, dates)."""
    parts = []
    ctx.fed("children", *(source[0] for source in _CASE_EVIDENCE))
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
    if not parts:
        return pd.DataFrame(
            {
                "_key": pd.Series(dtype="string"),
                "_rank": pd.Series(dtype="int64"),
                "case_type": pd.Series(dtype=object),
                "_start": pd.Series(dtype="datetime64[ns]"),
                "_end": pd.Series(dtype="datetime64[ns]"),
                "_seq": pd.Series(dtype="int64"),
            }
        )
    evidence = pd.concat(parts, ignore_index=True)
    evidence["_seq"] = np.arange(len(evidence))
    return evidence[evidence["_key"].notna()]
