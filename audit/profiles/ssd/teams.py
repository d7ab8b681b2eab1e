"""Team names for the team ids an SSD extract may hold, from ``ssd_department``.

``invo_professional_team`` and ``prof_professional_department`` may hold a team id: it is
looked up in ``ssd_department.dept_team_id`` and replaced by ``dept_team_name``; a value
that is no team id is kept as written (it is already a team name).
"""

from __future__ import annotations

from audit.lazy import pd
from audit.profiles.ssd import cells
from audit.profiles.ssd.context import Context


def resolve_teams(ctx: Context, raw: pd.Series) -> pd.Series:
    """A team id replaced by its name; any other value kept as written."""
    name = cells.key(raw).map(_team_names(ctx))
    return name.astype(object).where(name.notna(), raw)


def professional_teams(ctx: Context) -> pd.Series:
    """Professional id -> team name (their department, resolved)."""
    if not ctx.has("ssd_professionals"):
        return pd.Series(dtype=object)
    prof = ctx.tables["ssd_professionals"]
    if "prof_professional_id" not in prof or "prof_professional_department" not in prof:
        return pd.Series(dtype=object)
    teams = pd.DataFrame(
        {
            "id": cells.key(prof["prof_professional_id"]),
            "team": resolve_teams(ctx, prof["prof_professional_department"]),
        }
    )
    teams = teams[teams["id"].notna()].drop_duplicates("id")
    return teams.set_index("id")["team"]


def _team_names(ctx: Context) -> pd.Series:
    """Team id -> team name from ``ssd_department`` (empty without it)."""
    if not ctx.has("ssd_department"):
        return pd.Series(dtype="string")
    dept = ctx.tables["ssd_department"]
    if "dept_team_id" not in dept or "dept_team_name" not in dept:
        return pd.Series(dtype="string")
    names = pd.DataFrame(
        {"id": cells.key(dept["dept_team_id"]), "name": cells.text(dept["dept_team_name"])}
    )
    names = names.dropna().drop_duplicates("id")
    return names.set_index("id")["name"]
