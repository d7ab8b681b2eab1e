"""``workers`` <- ``ssd_professionals`` (+ ``ssd_department``).

``worker_id`` is ``prof_professional_id`` (the id involvements, plans and assessments use),
``team`` the department name (an id resolved as for involvements, :mod:`.teams`),
``worker_name`` the name. ``role`` comes from the job title: ASYE/newly qualified ->
``asye``, any manager -> ``manager``, Independent Reviewing Officer/IRO -> ``iro``,
Personal Adviser -> ``pa``, social worker -> ``sw``, checked in that order; any other title
is kept as written.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

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
        },
        required=["worker_id", "team"],
    )
    rows["team"] = resolve_teams(ctx, rows["team"])
    if "role" in rows:
        rows["role"] = _roles(rows["role"])
    ctx.fed("workers", table, "ssd_department")
    return rows


def _roles(titles: pd.Series) -> pd.Series:
    """A job title as a contract role code where one fits, else the title as written."""
    text = cells.text(titles)
    conditions = [
        text.str.contains(pattern, case=False, regex=True).fillna(False).astype(bool)
        for _, pattern in _ROLES
    ]
    coded = np.select(conditions, [code for code, _ in _ROLES], default="")
    return pd.Series(coded, index=titles.index, dtype=object).where(coded != "", titles)
