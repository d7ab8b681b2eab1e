"""Supervision records: general and case supervision, with the missing components SUP01
looks for."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.sample.children import Kids
from audit.sample.dates import Window, days, uniform_dates
from audit.sample.draws import concat, ids, pick, stream
from audit.sample.phrases import (
    ACTIONS,
    CASE_DISCUSSION,
    CASE_REFLECTION,
    COMPONENT_MISSING,
    WORKER_REFLECTION,
)
from audit.sample.rates import DEFECT_RATES
from audit.sample.staff import Staff

_COMPONENTS = ("case_discussion", "case_reflection", "worker_reflection", "actions")
_COMPONENT_POOLS = (CASE_DISCUSSION, CASE_REFLECTION, WORKER_REFLECTION, ACTIONS)
_COMPONENT_HEADINGS = ("Case discussion", "Case reflection", "Worker reflection", "Actions")


def make_supervisions(seed: int, window: Window, kids: Kids, staff: Staff) -> pd.DataFrame:
    """Every case-holder's and reviewing officer's supervisions over the window."""
    rng = stream(seed, "supervisions")
    supervisee = np.flatnonzero(np.isin(staff.role, ("sw", "asye", "pa", "iro")))
    # Roughly monthly (fortnightly for newly qualified workers), from a random first date.
    newly_qualified = staff.role[supervisee] == "asye"
    low = np.where(newly_qualified, 10, 24)
    high = np.where(newly_qualified, 17, 35)
    k = window.days // 10 + 2
    gaps = low[:, None] + (rng.random((len(supervisee), k)) * (high - low)[:, None]).astype(int)
    first = window.start - days(rng.integers(0, 28, len(supervisee)))
    dates = first[:, None] + days(np.cumsum(gaps, axis=1) - gaps[:, :1])
    row, col = np.nonzero((dates >= window.start) & (dates <= window.end))
    general = pd.DataFrame(
        {"worker": supervisee[row], "supervision_date": dates[row, col], "child": -1}
    )

    # Case supervision of one child: about one child in seven each month.
    worker_index = {w: i for i, w in enumerate(staff.ids)}
    parts = [general]
    for first_day, last_day in zip(window.month_starts, window.month_ends, strict=True):
        lo, hi = kids.open_between(first_day, last_day)
        chosen = np.flatnonzero((hi >= lo) & ~pd.isna(kids.worker) & (rng.random(kids.n) < 0.15))
        parts.append(
            pd.DataFrame(
                {
                    "worker": np.array([worker_index[w] for w in kids.worker[chosen]], dtype=int),
                    "supervision_date": uniform_dates(rng, lo[chosen], hi[chosen]),
                    "child": chosen,
                }
            )
        )
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
