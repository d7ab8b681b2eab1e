"""Supervision records: general and case supervision, with the missing components SUP01
looks for."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.sample.children import Kids
from audit.sample.dates import ONE_DAY, Window
from audit.sample.draws import concat, ids, pick, stream
from audit.sample.phrases import (
    ACTIONS,
    CASE_DISCUSSION,
    CASE_REFLECTION,
    COMPONENT_MISSING,
    WORKER_REFLECTION,
)
from audit.sample.rates import DEFECT_RATES
from audit.sample.rhythm import rhythm
from audit.sample.staff import Staff

_COMPONENTS = ("case_discussion", "case_reflection", "worker_reflection", "actions")
_COMPONENT_POOLS = (CASE_DISCUSSION, CASE_REFLECTION, WORKER_REFLECTION, ACTIONS)
_LEAD_IN_DAYS = 31  # the rhythm starts before the window; only the window's records are kept
_COMPONENT_HEADINGS = ("Case discussion", "Case reflection", "Worker reflection", "Actions")


def make_supervisions(seed: int, window: Window, kids: Kids, staff: Staff) -> pd.DataFrame:
    """Every case-holder's and reviewing officer's supervisions over the window."""
    rng = stream(seed, "supervisions")
    supervisee = np.flatnonzero(np.isin(staff.role, ("sw", "asye", "pa", "iro")))
    # Each worker's supervisions keep to their role's interval (SUP02's defaults: monthly,
    # fortnightly for newly qualified workers), with SUP02's defects seeded per social
    # worker-month; personal advisers and reviewing officers keep to a monthly rhythm.
    newly_qualified = staff.role[supervisee] == "asye"
    judged = np.isin(staff.role[supervisee], ("sw", "asye"))
    lead = window.start - np.timedelta64(_LEAD_IN_DAYS, "D")
    periods = [(lead, window.start - ONE_DAY)]
    periods += list(zip(window.month_starts, window.month_ends, strict=True))
    always = np.full(len(supervisee), window.end)

    def in_post(first: np.datetime64, last: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
        return np.maximum(np.full(len(supervisee), lead), first), np.minimum(always, last)

    contacts = rhythm(
        rng,
        periods,
        in_post,
        np.full(len(supervisee), lead),
        np.where(newly_qualified, 9, 20).astype(np.int64),
        np.where(newly_qualified, 14, 31).astype(np.int64),
        judged,
        (
            DEFECT_RATES["SUP02.supervision_overdue"],
            DEFECT_RATES["SUP02.supervision_late_in_period"],
        ),
    )
    dates = contacts["day"].to_numpy()
    inside = dates >= window.start
    general = pd.DataFrame(
        {
            "worker": supervisee[contacts["subject"].to_numpy()[inside]],
            "supervision_date": dates[inside],
            "child": -1,
        }
    )

    # Case supervision of one child: about one child in seven each month, discussed in one
    # of the worker's supervision sessions that month (so the case records do not fill the
    # gaps SUP02 judges; a month without a session has no case supervision either).
    worker_index = {w: i for i, w in enumerate(staff.ids)}
    sessions = general.assign(month=general["supervision_date"].to_numpy().astype("datetime64[M]"))
    parts = [general]
    for first_day, last_day in zip(window.month_starts, window.month_ends, strict=True):
        lo, hi = kids.open_between(first_day, last_day)
        chosen = np.flatnonzero((hi >= lo) & ~pd.isna(kids.worker) & (rng.random(kids.n) < 0.15))
        wanted = pd.DataFrame(
            {
                "worker": np.array([worker_index[w] for w in kids.worker[chosen]], dtype=int),
                "child": chosen,
                "pick": rng.random(len(chosen)),
                "month": first_day.astype("datetime64[M]"),
            }
        )
        offered = wanted.merge(sessions.drop(columns="child"), on=["worker", "month"])
        # One session per chosen child: the pick-th of the worker's sessions that month.
        count = offered.groupby("child")["supervision_date"].transform("size")
        rank = offered.groupby("child").cumcount()
        one = offered[rank == (offered["pick"] * count).astype(int)]
        child = one["child"].to_numpy()
        day = one["supervision_date"].to_numpy()
        inside = (day >= lo[child]) & (day <= hi[child])
        parts.append(one.loc[inside, ["worker", "supervision_date", "child"]])
    sup = pd.concat(parts, ignore_index=True).sort_values(
        ["supervision_date", "worker", "child"], ignore_index=True
    )
    n = len(sup)
    worker = sup["worker"].to_numpy()
    text = {
        name: pick(rng, pool, n) for name, pool in zip(_COMPONENTS, _COMPONENT_POOLS, strict=True)
    }

    # SUP01: a record misses one or two components (blank, a placeholder or a few words).
    faulty = rng.random(n) < DEFECT_RATES["SUP01.missing_components"]
    first_gap = rng.integers(0, 4, n)
    second_gap = np.where(rng.random(n) < 0.3, (first_gap + rng.integers(1, 4, n)) % 4, first_gap)
    present = {}
    for i, name in enumerate(_COMPONENTS):
        gone = faulty & ((first_gap == i) | (second_gap == i))
        text[name][gone] = pick(rng, COMPONENT_MISSING, int(gone.sum()))
        present[name] = ~gone
    notes = np.full(n, "", dtype=object)
    for name, heading in zip(_COMPONENTS, _COMPONENT_HEADINGS, strict=True):
        section = concat(heading, ": ", np.where(present[name], text[name], "").astype(object))
        notes = np.where(present[name], concat(notes, section, "\n"), notes).astype(object)
    notes = pd.Series(notes, dtype=object).str.rstrip("\n").to_numpy(dtype=object)

    team = staff.team[worker]
    child = sup["child"].to_numpy()
    return pd.DataFrame(
        {
            "supervision_id": ids("S", n, 6),
            "supervision_date": sup["supervision_date"].to_numpy(),
            "worker_id": staff.ids[worker],
            "supervisor_id": np.array([staff.manager_of_team[t] for t in team], dtype=object),
            "child_id": np.where(child >= 0, kids.ids[np.maximum(child, 0)], None),
            "case_discussion": text["case_discussion"],
            "case_reflection": text["case_reflection"],
            "worker_reflection": text["worker_reflection"],
            "actions": text["actions"],
            "notes": notes,
        }
    )
