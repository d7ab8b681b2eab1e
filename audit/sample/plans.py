"""Plans and their versions: when each plan starts, ends and is rewritten, including the
versions written in response to significant changes (CHG01)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.sample.children import Kids
from audit.sample.dates import NAT, ONE_DAY, Window, days, open_until
from audit.sample.draws import ids, stream
from audit.sample.plan_text import plan_text
from audit.sample.population import PLAN_TYPE_OF_CASE

_PLAN_LOOKBACK_DAYS = 400  # older plans are shown from a refresh about 13 months before the window


def plan_spans(seed: int, window: Window, kids: Kids) -> pd.DataFrame:
    """One row per plan: child, type, start and end (NaT = open)."""
    rng = stream(seed, "plan-spans")
    n = kids.n
    last = kids.open_until(window)
    first = kids.start + days(rng.integers(0, 22, n))
    first = np.minimum(np.maximum(first, window.start - days(_PLAN_LOOKBACK_DAYS)), last)
    plan_type = np.array([PLAN_TYPE_OF_CASE[c] for c in kids.case_type], dtype=object)

    # Some children stepped up (CIN to CP, CP to care) part-way: two plans, one after the other.
    room = (last - first) // ONE_DAY - 150
    switch = np.isin(kids.case_type, ("CP", "CLA")) & (room > 0) & (rng.random(n) < 0.2)
    switch_day = first + days(90 + (rng.random(n) * np.maximum(room, 1)).astype(np.int64))
    prior_type = np.where(kids.case_type == "CP", "CIN", "CP").astype(object)

    whole = ~switch
    rows = [
        pd.DataFrame(
            {"child": np.flatnonzero(whole), "plan_type": plan_type[whole],
             "start": first[whole], "end": kids.end[whole]}
        ),
        pd.DataFrame(
            {"child": np.flatnonzero(switch), "plan_type": prior_type[switch],
             "start": first[switch], "end": switch_day[switch] - ONE_DAY}
        ),
        pd.DataFrame(
            {"child": np.flatnonzero(switch), "plan_type": plan_type[switch],
             "start": switch_day[switch], "end": kids.end[switch]}
        ),
    ]  # fmt: skip
    spans = pd.concat(rows, ignore_index=True).sort_values(["child", "start"], ignore_index=True)
    spans["plan_id"] = ids("P", len(spans), 6)
    return spans


def plan_versions(seed: int, window: Window, spans: pd.DataFrame) -> pd.DataFrame:
    """Versions every 4 to 12 weeks from each plan's start, plus a closing version."""
    rng = stream(seed, "plan-versions")
    start = spans["start"].to_numpy(dtype="datetime64[D]")
    end = spans["end"].to_numpy(dtype="datetime64[D]")
    limit = open_until(end, window.end)
    span_days = int(((limit - start) // ONE_DAY).max()) if len(spans) else 0
    k = span_days // 28 + 2
    gaps = rng.integers(28, 85, size=(len(spans), k - 1))
    offsets = np.concatenate([np.zeros((len(spans), 1), dtype=np.int64), gaps.cumsum(axis=1)], 1)
    dates = start[:, None] + days(offsets)
    keep = dates < limit[:, None]
    keep[:, 0] = True  # every plan has its first version
    row, col = np.nonzero(keep)
    versions = pd.DataFrame(
        {"plan": row, "plan_date": dates[row, col], "end_date": np.full(len(row), NAT)}
    )
    closing = ~np.isnat(end) & (end <= window.end)
    closed = pd.DataFrame(
        {"plan": np.flatnonzero(closing), "plan_date": end[closing], "end_date": end[closing]}
    )
    versions = pd.concat([versions, closed], ignore_index=True)
    versions = versions.drop_duplicates(["plan", "plan_date"], keep="last")
    versions["child"] = spans["child"].to_numpy()[versions["plan"].to_numpy()]
    versions["background"] = True
    return versions


def plans_table(
    seed: int,
    window: Window,
    kids: Kids,
    spans: pd.DataFrame,
    versions: pd.DataFrame,
    updates: pd.DataFrame,
) -> pd.DataFrame:
    """Background versions plus the versions written in response to events."""
    versions = versions.join(spans[["plan_id", "plan_type", "start"]], on="plan")
    # An update goes on the plan the child had that day (the latest started by then).
    updates = updates.sort_values("plan_date")
    plan_starts = spans[["child", "start", "plan_id", "plan_type"]].sort_values("start")
    placed = [
        pd.merge_asof(
            updates.astype({"plan_date": "datetime64[s]"}),
            plan_starts.astype({"start": "datetime64[s]"}),
            left_on="plan_date",
            right_on="start",
            by="child",
            direction=direction,
        )
        for direction in ("backward", "forward")
    ]
    # An update written before the first plan was formally started still counts as a plan
    # update (CHG01 looks at any plan of the child): it goes on that first plan.
    placed = placed[0].fillna(placed[1]).dropna(subset=["plan_id"])
    placed["end_date"] = NAT
    placed["background"] = False
    columns = ["child", "plan_id", "plan_type", "start", "plan_date", "end_date", "background"]
    plans = pd.concat([versions[columns], placed[columns]], ignore_index=True)
    plans = plans.drop_duplicates(["plan_id", "plan_date"], keep="first")
    plans = plans.sort_values(["child", "start", "plan_id", "plan_date"], ignore_index=True)
    plans = plan_text(seed, plans, kids, window)
    return pd.DataFrame(
        {
            "plan_id": plans["plan_id"],
            "child_id": kids.ids[plans["child"].to_numpy()],
            "plan_type": plans["plan_type"],
            "plan_date": plans["plan_date"],
            "start_date": plans["start"],
            "end_date": plans["end_date"],
            "identity_considered": plans["identity_considered"],
            "identity_notes": plans["identity_notes"],
            "child_views": plans["child_views"],
            "views_influence": plans["views_influence"],
        }
    )
