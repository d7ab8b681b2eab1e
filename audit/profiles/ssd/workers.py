"""``workers`` <- ``ssd_professionals`` (+ ``ssd_department``).

``worker_id`` is ``prof_professional_id`` (the id involvements, plans and assessments use),
``team`` the department name (an id resolved as for involvements, :mod:`.teams`),
``worker_name`` the name. ``role`` comes from the job title: ASYE/newly qualified ->
``asye``, any manager -> ``manager``, Independent Reviewing Officer/IRO -> ``iro``,
Personal Adviser -> ``pa``, social worker -> ``sw``, checked in that order; any other title
is kept as written. ``fte`` is ``prof_full_time_equivalency`` (the loader reads it as a
number). :func:`professional_roles` gives the same role per professional id, so the
children's builder can tell an IRO's involvement from a case holder's.
"""

from __future__ import annotations

from audit.lazy import np, pd
from audit.profiles.ssd import cells
from audit.profiles.ssd.context import Context
from audit.profiles.ssd.teams import resolve_teams

# Job title -> contract role, the first pattern that matches (case-insensitive).
_ROLES: tuple[tuple[str, str], ...] = (
    ("asye", r"\basye\b|newly[\s-]+qualified|\bnqsw\b"),
    ("manager", r"\bmanager\b"),
    ("iro", r"\bindependent\s+reviewing\s+officer\b|\biro\b"),
    ("pa", r"\bpersonal\s+advis[eo]r\b"),
    ("sw", r"\bsocial\s+worker\b"),
)


def build(ctx: Context) -> pd.DataFrame | None:
    table = "ssd_professionals"
    if not ctx.has(table):
        ctx.absent_table("workers", table)
        return None
    rows = ctx.pick(
        table,
        {
            "worker_id": "prof_professional_id",
            "team": "prof_professional_department",
            "worker_name": "prof_professional_name",
            "role": "prof_professional_job_title",
            "fte": "prof_full_time_equivalency",
        },
        required=["worker_id", "team"],
    )
    rows["team"] = resolve_teams(ctx, rows["team"])
    if "role" in rows:
        rows["role"] = _roles(rows["role"])
    ctx.fed("workers", table, "ssd_department")
    return rows


def professional_roles(ctx: Context) -> pd.Series:
    """Professional id (as a key) -> contract role; empty without the job titles."""
    if not ctx.has("ssd_professionals"):
        return pd.Series(dtype=object)
    prof = ctx.tables["ssd_professionals"]
    if "prof_professional_id" not in prof or "prof_professional_job_title" not in prof:
        return pd.Series(dtype=object)
    roles = pd.DataFrame(
        {
            "id": cells.key(prof["prof_professional_id"]),
            "role": _roles(prof["prof_professional_job_title"]),
        }
    )
    return roles[roles["id"].notna()].drop_duplicates("id").set_index("id")["role"]


def _roles(titles: pd.Series) -> pd.Series:
    """A job title as a contract role code where one fits, else the title as written."""
    text = cells.text(titles)
    conditions = [
        text.str.contains(pattern, case=False, regex=True).fillna(False).astype(bool)
        for _, pattern in _ROLES
    ]
    coded = np.select(conditions, [code for code, _ in _ROLES], default="")
    return pd.Series(coded, index=titles.index, dtype=object).where(coded != "", titles)
