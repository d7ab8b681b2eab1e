"""Assessments: the ones any caseload has, plus those written after significant changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.sample.children import Kids
from audit.sample.dates import NAT, Window, days, uniform_dates
from audit.sample.draws import ids, stream, weighted_by_group
from audit.sample.events import Changes, without_blocked

_ASSESSMENT_TYPES = {
    "CIN": {"single": 0.9, "pre_birth": 0.1},
    "CP": {"single": 0.4, "core": 0.4, "risk": 0.2},
    "CLA": {"single": 0.5, "core": 0.4, "special_guardianship": 0.1},
    "CL": {"pathway_needs": 1.0},
}


def assessments_table(seed: int, window: Window, kids: Kids, changes: Changes) -> pd.DataFrame:
    """Background assessments (kept clear of seeded CHG01 defects) and the updates and risk
    assessments that followed events, in child and start-date order."""
    background = _background_assessments(seed, window, kids, changes.return_home_children)
    background = without_blocked(background, "completed_date", changes.blocked)
    assessments = pd.concat([background, changes.assessments], ignore_index=True)
    assessments = assessments.sort_values(["child", "start_date"], kind="stable", ignore_index=True)
    return assessments.assign(
        assessment_id=ids("A", len(assessments), 6),
        child_id=kids.ids[assessments["child"].to_numpy()],
        worker_id=kids.worker[assessments["child"].to_numpy()],
    )


def _background_assessments(
    seed: int, window: Window, kids: Kids, no_risk: np.ndarray
) -> pd.DataFrame:
    rng = stream(seed, "assessments")
    lo = np.maximum(kids.start, window.start - days(365))
    hi = kids.open_until(window)
    count = np.where(hi >= lo, rng.poisson(0.9, kids.n), 0)
    child = np.repeat(np.arange(kids.n), count)
    start = uniform_dates(rng, lo[child], hi[child])
    kind = weighted_by_group(rng, kids.case_type[child], _ASSESSMENT_TYPES)
    # Risk assessments for children who go home are seeded by CHG02 alone.
    kind[(kind == "risk") & np.isin(child, no_risk)] = "core"
    completed = start + days(rng.integers(5, 61, len(child)))
    completed[(completed > window.end) | (rng.random(len(child)) < 0.06)] = NAT
    return pd.DataFrame(
        {"child": child, "assessment_type": kind, "start_date": start, "completed_date": completed}
    )
