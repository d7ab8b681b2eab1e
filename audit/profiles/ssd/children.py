"""``children`` <- ``ssd_person``, the child's current involvement, CLA episodes and plans.

``ssd_person`` gives pers_person_id, pers_dob, pers_sex and pers_ethnicity. The case type
and case dates come from the child's involvements, CLA episodes and CIN/CP plans
(:mod:`.case_status`). A person with none of these is never open, so is left out of
``children`` (counted as read and listed with that reason); their other records are then
rejected as belonging to no child.

**Team and worker** come from ``ssd_involvements``. An involvement is *current* when it
started on/before the as-at date and its end is blank or on/after it. With several current
involvements the one with the latest start stands (the later row on a tie); with none the
child is unallocated (blank team, which the loader reads as ``Unallocated``). A team id in
``invo_professional_team`` is replaced by its team name (:mod:`.teams`). A current
involvement with a blank team takes its worker's department from ``ssd_professionals``.
``allocated_worker`` is ``invo_professional_id``. Involvements are not filtered by
``invo_professional_role_id``: ssd.md documents no role codes. An involvement whose
professional is an independent reviewing officer (by their job title in
``ssd_professionals``, as for ``workers.role``) is not the child's allocation: the current
one gives ``iro_id`` instead. Without ``ssd_professionals`` job titles no involvement can be
told to be an IRO's, and ``iro_id`` is absent with that reason.

**Last IRO contact**: ``clae_cla_last_iro_contact_date`` of the child's CLA episodes (the
latest readable one) is ``last_iro_contact_date``, a display column the reports show in
their IRO part for information; no rule judges it.
"""

from __future__ import annotations

from audit.contract import LAST_IRO_CONTACT
from audit.lazy import pd
from audit.profiles.ssd import cells
from audit.profiles.ssd.case_status import CASE_SOURCES, NEVER_OPEN, case_status
from audit.profiles.ssd.context import Context
from audit.profiles.ssd.reading import ORDER
from audit.profiles.ssd.teams import professional_teams, resolve_teams
from audit.profiles.ssd.workers import professional_roles

IRO_ROLE = "iro"
LAST_IRO_CONTACT_FIELD = "clae_cla_last_iro_contact_date"


def build(ctx: Context) -> pd.DataFrame:
    people = ctx.pick(
        "ssd_person",
        {
            "child_id": "pers_person_id",
            "date_of_birth": "pers_dob",
            "sex": "pers_sex",
            "ethnicity": "pers_ethnicity",
        },
        required=["child_id"],
    )
    ctx.fed("children", "ssd_person", "ssd_involvements", "ssd_department")
    for column, ssd_field in (
        ("date_of_birth", "pers_dob"),
        ("sex", "pers_sex"),
        ("ethnicity", "pers_ethnicity"),
    ):
        ctx.absent_fields("children", column, {"ssd_person": ssd_field}, people)
    people["_key"] = cells.key(people["child_id"])
    people = people.merge(_allocations(ctx), on="_key", how="left")
    if not CASE_SOURCES & ctx.tables.keys():
        ctx.absent["children.case_type"] = (
            "the SSD extract has no ssd_cla_episodes, ssd_cp_plans, ssd_cin_plans or "
            "ssd_involvements table to tell the child's status"
        )
    status = case_status(ctx)
    never_open = ~people["_key"].isin(status["_key"])
    ctx.leave_out(
        "children",
        people[never_open],
        "pers_person_id",
        people.loc[never_open, "child_id"].astype("string"),
        NEVER_OPEN,
    )
    if never_open.any():
        ctx.notes.append(
            f"children: people never open left out: {int(never_open.sum())} ({NEVER_OPEN})."
        )
    people = people[~never_open].merge(status, on="_key", how="left")
    contacts = _last_iro_contacts(ctx)
    if contacts is not None:
        people = people.merge(contacts, on="_key", how="left")
    if not ctx.has("ssd_involvements"):
        ctx.notes.append("The extract has no ssd_involvements table: every child is Unallocated.")
    return people.drop(columns="_key")


def _last_iro_contacts(ctx: Context) -> pd.DataFrame | None:
    """Per child key: the latest last-IRO-contact date of their CLA episodes, as the raw cell
    (the loader reads it like any date); None when the extract has no such field."""
    table = "ssd_cla_episodes"
    if not ctx.has(table) or LAST_IRO_CONTACT_FIELD not in ctx.tables[table]:
        return None
    episodes = ctx.pick(table, {"contact": LAST_IRO_CONTACT_FIELD})
    episodes["_key"] = cells.key(ctx.child_ids(table, "clae_person_id"))
    episodes["_date"] = cells.dates(episodes["contact"])
    latest = (
        episodes[episodes["_key"].notna() & episodes["_date"].notna()]
        .sort_values(["_date", ORDER])
        .drop_duplicates("_key", keep="last")
    )
    return pd.DataFrame({"_key": latest["_key"], LAST_IRO_CONTACT: latest["contact"]})


def _allocations(ctx: Context) -> pd.DataFrame:
    """Per child key: team and worker of the involvement current at the as-at date."""
    if not ctx.has("ssd_involvements"):
        return pd.DataFrame({"_key": pd.Series(dtype="string"), "allocated_team": ""})
    inv = ctx.pick(
        "ssd_involvements",
        {
            "team": "invo_professional_team",
            "worker": "invo_professional_id",
            "start": "invo_involvement_start_date",
            "end": "invo_involvement_end_date",
        },
        required=["start"],
    )
    inv["_key"] = cells.key(ctx.child_ids("ssd_involvements", "invo_person_id"))
    end = cells.dates(inv["end"]) if "end" in inv else pd.Series(pd.NaT, index=inv.index)
    inv["_start"] = cells.dates(inv["start"])
    current = inv[cells.open_at(inv["_start"], end, ctx.as_at) & inv["_key"].notna()]
    roles = professional_roles(ctx)
    if "worker" in current and len(roles):
        is_iro = cells.key(current["worker"]).map(roles).eq(IRO_ROLE).fillna(False)
        is_iro = is_iro.astype(bool)
    else:
        is_iro = pd.Series(False, index=current.index)
        ctx.absent["children.iro_id"] = (
            "the SSD extract names no professional's job title (ssd_professionals), so no "
            "involvement can be told to be an independent reviewing officer's"
        )
    iro = (
        current[is_iro]
        .sort_values(["_start", ORDER])
        .drop_duplicates("_key", keep="last")
        .set_index("_key")["worker"]
        if is_iro.any()
        else pd.Series(dtype=object)
    )
    current = current[~is_iro]
    latest = current.sort_values(["_start", ORDER]).drop_duplicates("_key", keep="last")
    out = pd.DataFrame({"_key": latest["_key"]})
    if "children.iro_id" not in ctx.absent:
        everyone = pd.Index(inv["_key"].dropna().unique())
        out = out.set_index("_key").reindex(everyone.union(pd.Index(out["_key"])))
        out = out.rename_axis("_key").reset_index()
        out["iro_id"] = out["_key"].map(iro)
        latest = latest.set_index("_key").reindex(out["_key"]).reset_index()
    team = latest["team"] if "team" in latest else pd.Series("", index=latest.index)
    out["allocated_team"] = resolve_teams(ctx, team)
    if "worker" in latest:
        out["allocated_worker"] = latest["worker"]
        worker_team = cells.key(latest["worker"]).map(professional_teams(ctx))
        blank = cells.text(out["allocated_team"]).isna()
        out["allocated_team"] = out["allocated_team"].where(~blank, worker_team)
    return out
