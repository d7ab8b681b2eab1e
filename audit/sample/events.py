"""Significant changes in a child's life and what followed them: the plan or assessment
update CHG01 looks for, and the risk assessment behind each return home (CHG02)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from audit.sample.children import Kids
from audit.sample.dates import (
    NAT,
    ONE_DAY,
    Window,
    WorkingDays,
    days,
    month_end,
    or_date,
    uniform_dates,
)
from audit.sample.draws import bands, ids, pick, stream, weighted_by_group
from audit.sample.phrases import EVENT_DESCRIPTIONS
from audit.sample.rates import DEFECT_RATES

_CHANGE_CHANCE = {"CIN": 0.20, "CP": 0.25, "CLA": 0.40, "CL": 0.15}
_CHANGE_TYPES = {
    "CIN": {"household_change": 0.6, "plan_type_change": 0.4},
    "CP": {
        "household_change": 0.5,
        "plan_type_change": 0.3,
        "legal_status_change": 0.1,
        "placement_change": 0.1,
    },
    "CLA": {
        "placement_change": 0.35,
        "return_home": 0.30,
        "legal_status_change": 0.15,
        "plan_type_change": 0.10,
        "household_change": 0.10,
    },
    "CL": {"placement_change": 0.7, "household_change": 0.3},
}
_UPDATE_WITHIN_WORKING_DAYS = 20
_EVENT_LEAD_DAYS = 35  # events this long before the window still fall due inside it


@dataclass
class Changes:
    events: pd.DataFrame  # child, event_date, event_type
    plan_updates: pd.DataFrame  # child, plan_date
    assessments: pd.DataFrame  # child, assessment_type, start_date, completed_date
    blocked: pd.DataFrame  # child, lo, hi: no background update may fall in [lo, hi]
    return_home_children: np.ndarray


def make_events(seed: int, window: Window, kids: Kids, workdays: WorkingDays) -> Changes:
    """Significant changes (at most one per child) and the updates that followed them."""
    rng = stream(seed, "events")
    lo = np.maximum(window.start - days(_EVENT_LEAD_DAYS), kids.start)
    hi = kids.open_until(window)
    chance = kids.per_case_type(_CHANGE_CHANCE)
    child = np.flatnonzero((hi >= lo) & (rng.random(kids.n) < chance))
    day = uniform_dates(rng, lo[child], hi[child])
    kind = weighted_by_group(rng, kids.case_type[child], _CHANGE_TYPES)

    not_updated, late = DEFECT_RATES["CHG01.not_updated"], DEFECT_RATES["CHG01.updated_late"]
    outcome = bands(rng.random(len(child)), not_updated, late)  # 0 never, 1 late, 2 on time
    due = workdays.after(day, _UPDATE_WITHIN_WORKING_DAYS)
    # A late update must land after the due date but by the end of its month (the as-at
    # date); when the due date is the month's last day, move the event a little earlier.
    for _ in range(10):
        stuck = (outcome == 1) & (due == month_end(due))
        if not stuck.any():
            break
        day[stuck] -= days(3)
        due[stuck] = workdays.after(day[stuck], _UPDATE_WITHIN_WORKING_DAYS)
    due_month_end = month_end(due)

    on_time = day + days((rng.random(len(child)) * ((due - day) // ONE_DAY + 1)).astype(int))
    late_day = due + days(
        1 + (rng.random(len(child)) * ((due_month_end - due) // ONE_DAY)).astype(int)
    )
    afterwards = due_month_end + days(rng.integers(1, 31, len(child)))
    update = np.select([outcome == 2, outcome == 1], [on_time, late_day], afterwards)
    case_end = or_date(kids.end[child], np.datetime64("2262-01-01"))
    has_update = (outcome != 0) | (rng.random(len(child)) < 0.5)
    update = np.where(outcome == 2, np.minimum(update, case_end), update)
    has_update &= (update <= window.end) & (update <= case_end)

    blocked_hi = np.where(outcome == 0, due_month_end, late_day - ONE_DAY)
    blocked = pd.DataFrame({"child": child, "lo": day, "hi": blocked_hi})[outcome != 2]

    by_plan = rng.random(len(child)) < 0.6
    plan_updates = pd.DataFrame({"child": child, "plan_date": update})[has_update & by_plan]
    assess = has_update & ~by_plan
    update_assessments = pd.DataFrame(
        {
            "child": child[assess],
            "assessment_type": np.where(kids.case_type[child[assess]] == "CP", "core", "single"),
            "start_date": update[assess] - days(rng.integers(5, 30, int(assess.sum()))),
            "completed_date": update[assess],
        }
    )

    # A small authority can, by chance, have no return home in a month, leaving CHG02 with
    # nothing to judge in a demo: make one looked-after child's change that month a return.
    month = day.astype("datetime64[M]")
    looked_after = kids.case_type[child] == "CLA"
    for first_day in window.month_starts:
        this_month = month == first_day.astype("datetime64[M]")
        candidates = np.flatnonzero(this_month & looked_after)
        if len(candidates) and not (kind[this_month] == "return_home").any():
            kind[candidates[0]] = "return_home"

    home = kind == "return_home"
    risk = _risk_assessments(rng, child[home], day[home], outcome[home])
    events = pd.DataFrame({"child": child, "event_date": day, "event_type": kind})
    others = _other_events(rng, lo, hi)
    return Changes(
        events=pd.concat([events, others], ignore_index=True),
        plan_updates=plan_updates,
        assessments=pd.concat([update_assessments, risk], ignore_index=True),
        blocked=blocked,
        return_home_children=np.unique(child[home]),
    )


def events_table(seed: int, kids: Kids, changes: Changes) -> pd.DataFrame:
    """The events table: every change in child and date order, each with a description."""
    events = changes.events.sort_values(["child", "event_date"], kind="stable", ignore_index=True)
    rng = stream(seed, "event-text")
    descriptions = np.empty(len(events), dtype=object)
    for kind, pool in EVENT_DESCRIPTIONS.items():
        mask = (events["event_type"] == kind).to_numpy()
        descriptions[mask] = pick(rng, pool, int(mask.sum()))
    return events.assign(
        event_id=ids("E", len(events), 6),
        child_id=kids.ids[events["child"].to_numpy()],
        description=descriptions,
    )


def without_blocked(frame: pd.DataFrame, column: str, blocked: pd.DataFrame) -> pd.DataFrame:
    """Drop background rows whose date falls where a seeded CHG01 defect needs silence."""
    merged = frame[["child", column]].merge(blocked, on="child", how="left")
    inside = (merged[column] >= merged["lo"]) & (merged[column] <= merged["hi"])
    return frame[~inside.to_numpy()]


def _risk_assessments(
    rng: np.random.Generator,
    child: np.ndarray,
    day: np.ndarray,
    chg01_outcome: np.ndarray,
) -> pd.DataFrame:
    """CHG02: the risk assessment (or its absence) behind each return home."""
    n = len(child)
    after_share = DEFECT_RATES["CHG02.risk_assessment_after_return"] / (
        1 - DEFECT_RATES["CHG01.not_updated"] - DEFECT_RATES["CHG01.updated_late"]
    )
    band = bands(
        rng.random(n),
        DEFECT_RATES["CHG02.no_risk_assessment"],
        after_share,
        DEFECT_RATES["CHG02.risk_assessment_not_completed"],
    )  # 0 none, 1 after the return, 2 started not finished, 3 done beforehand
    room = (month_end(day) - day) // ONE_DAY
    # A completion after the return counts as an update for CHG01, so it cannot go with a
    # CHG01 defect; and it must fall by the month end to be "after the return".
    band[(band == 1) & ((chg01_outcome != 2) | (room < 1))] = 3

    done_before = day - days(rng.integers(1, 61, n))
    stale = day - days(rng.integers(120, 301, n))  # too old to count: still "none"
    after = day + days(1 + (rng.random(n) * np.minimum(room, 15)).astype(int))
    completed = np.select([band == 3, band == 1, band == 0], [done_before, after, stale], NAT)
    started = np.where(
        band == 2, day - days(rng.integers(0, 21, n)), completed - days(rng.integers(5, 31, n))
    )
    keep = (band != 0) | (rng.random(n) < 0.4)  # most children with no assessment have none
    return pd.DataFrame(
        {
            "child": child,
            "assessment_type": pick(rng, ("risk", "return_home"), n),
            "start_date": started,
            "completed_date": completed,
        }
    )[keep]


def _other_events(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> pd.DataFrame:
    """Minor events (type "other"): in the data, never a subject of CHG01 by default."""
    child = np.flatnonzero((hi >= lo) & (rng.random(len(lo)) < 0.08))
    return pd.DataFrame(
        {
            "child": child,
            "event_date": uniform_dates(rng, lo[child], hi[child]),
            "event_type": "other",
        }
    )
