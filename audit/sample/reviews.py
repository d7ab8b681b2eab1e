"""Looked-after reviews and child protection review conferences, with the participation
codes and conveyed views VOC03 judges."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.sample.children import Kids
from audit.sample.dates import ONE_DAY, Window, days
from audit.sample.draws import bands, ids, pick, stream, weighted
from audit.sample.phrases import PRE_VERBAL_REVIEW, REVIEW_VIEWS
from audit.sample.rates import DEFECT_RATES


def make_reviews(seed: int, window: Window, kids: Kids) -> pd.DataFrame:
    """Looked-after reviews and child protection review conferences: the first about four
    weeks in, the second three months later, then six-monthly."""
    rng = stream(seed, "reviews")
    reviewed = np.flatnonzero(np.isin(kids.case_type, ("CLA", "CP")))
    start = kids.start[reviewed]
    span = int((window.end - start.min()) // ONE_DAY) if len(reviewed) else 0
    k = span // 170 + 3
    gaps = np.column_stack(
        [
            rng.integers(20, 36, len(reviewed)),
            rng.integers(85, 96, len(reviewed)),
            rng.integers(170, 191, size=(len(reviewed), max(k - 2, 1))),
        ]
    )
    dates = start[:, None] + days(gaps.cumsum(axis=1))
    last = kids.open_until(window)[reviewed]
    keep = (dates <= last[:, None]) & (dates >= window.start - days(200))
    row, col = np.nonzero(keep)
    child = reviewed[row]
    day = dates[row, col]
    n = len(child)

    age = kids.age_on(child, day)
    code = np.where(
        age < 4,
        "PN0",
        weighted(rng, {"PN1": 0.5, "PN2": 0.1, "PN3": 0.1, "PN5": 0.15, "PN6": 0.15}, n),
    ).astype(object)
    share_4_plus = max(float((age >= 4).mean()), 0.05) if n else 1.0
    band = bands(
        rng.random(n),
        DEFECT_RATES["VOC03.views_not_conveyed"],
        DEFECT_RATES["VOC03.participation_not_recorded"],
        np.where(age >= 4, DEFECT_RATES["VOC03.pn0_aged_4_or_over"] / share_4_plus, 0.0),
    )
    code[band == 0] = pick(rng, ("PN4", "PN7", "PN7"), int((band == 0).sum()))
    code[band == 1] = pick(rng, (None, None, None, "N/K"), int((band == 1).sum()))
    code[band == 2] = "PN0"

    views = pick(rng, REVIEW_VIEWS, n)
    views[code == "PN0"] = PRE_VERBAL_REVIEW
    views[band <= 1] = None
    order = np.lexsort((day, child))
    return pd.DataFrame(
        {
            "review_id": ids("R", n, 6),
            "child_id": kids.ids[child[order]],
            "review_type": np.where(kids.case_type[child[order]] == "CLA", "CLA", "CP"),
            "review_date": day[order],
            "participation_code": code[order],
            "child_views": views[order],
        }
    )
