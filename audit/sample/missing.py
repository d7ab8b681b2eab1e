"""Missing episodes, and the return home interview offers RHI01 judges."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.sample.children import Kids
from audit.sample.dates import NAT, Window, days, uniform_dates
from audit.sample.draws import bands, ids, stream, weighted
from audit.sample.rates import DEFECT_RATES

_GOES_MISSING = {"CIN": 0.05, "CP": 0.12, "CLA": 0.25, "CL": 0.08}


def make_missing(seed: int, window: Window, kids: Kids) -> pd.DataFrame:
    """Episodes of children aged 10 or over, some still missing at the window's end."""
    rng = stream(seed, "missing")
    lo = np.maximum(kids.start, window.start - days(30))
    hi = kids.open_until(window)
    chance = kids.per_case_type(_GOES_MISSING)
    goes = (kids.age >= 10) & (hi >= lo) & (rng.random(kids.n) < chance)
    child = np.repeat(np.arange(kids.n), np.where(goes, 1 + rng.poisson(1.5, kids.n), 0))
    start = uniform_dates(rng, lo[child], hi[child])
    n = len(child)
    end = start + days(weighted(rng, {"0": 0.6, "1": 0.25, "2": 0.1, "4": 0.05}, n).astype(int))
    end[end > window.end] = NAT  # still missing at the end of the window

    band = bands(
        rng.random(n),
        DEFECT_RATES["RHI01.not_offered"],
        DEFECT_RATES["RHI01.offer_not_recorded"],
        DEFECT_RATES["RHI01.offered_late"],
    )  # 0 not offered, 1 blank, 2 late, 3 within 72 hours
    returned = ~np.isnat(end)
    offered = np.full(n, "Y", dtype=object)
    offered[band == 0] = "N"
    offered[band == 1] = None
    offered_day = end + days(np.where(band == 2, rng.integers(4, 11, n), rng.integers(0, 4, n)))
    offered_day[band <= 1] = NAT
    accepted = np.where(rng.random(n) < 0.55, "Y", "N").astype(object)
    accepted[offered != "Y"] = None
    interview = offered_day + days(rng.integers(0, 6, n))
    interview[accepted != "Y"] = NAT
    offered[~returned] = None
    accepted[~returned] = None
    offered_day[~returned] = NAT
    interview[~returned] = NAT

    order = np.lexsort((start, child))
    return pd.DataFrame(
        {
            "episode_id": ids("M", n, 6),
            "child_id": kids.ids[child[order]],
            "start_date": start[order],
            "end_date": end[order],
            "rhi_offered": offered[order],
            "rhi_offered_date": offered_day[order],
            "rhi_accepted": accepted[order],
            "rhi_date": interview[order],
        }
    )
