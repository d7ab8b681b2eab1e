"""Oversight and capacity: staff in post and their hours, each looked-after child's IRO,
review chairs, and CAMHS referrals, with the defects IRO01, IRO02 and CAM01 judge.

Every draw here comes from streams of its own ("staffing", "iro", "camhs"), so adding these
columns and this table leaves every other table, and every other rule's findings, exactly
as they were. VIS01 and SUP02 judge the statutory rhythm ``visits`` and ``supervisions``
give (see ``rhythm``) plus the workers' start dates here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.sample.children import Kids
from audit.sample.dates import Window, days, uniform_dates
from audit.sample.draws import bands, ids, pick, stream
from audit.sample.rates import DEFECT_RATES
from audit.sample.staff import Staff

_NEW_STARTER_RATE = 0.06  # workers who start during the window
_LEAVER_RATE = 0.03  # workers whose last day falls in the window
# Hours of IROs other than the one seeded part-time with a full caseload.
_IRO_FTE = {1.0: 0.7, 0.8: 0.2, 0.6: 0.1}
_SEEDED_PART_TIME_FTE = 0.4
_SEEDED_SHARE = 1.5  # ... carrying half as much again as a full-time IRO (covering a vacancy)
_BLANK_CHAIR_RATE = 0.03

# CAMHS referrals of children in care (and a few of others, whose referrals CAM01 does not
# judge by default): per child per month.
_REFERRALS_PER_MONTH = {"CIN": 0.01, "CP": 0.01, "CLA": 0.06, "CL": 0.01}
_URGENT_RATE = 0.15


def staffing(seed: int, window: Window, staff: Staff, supervisions: pd.DataFrame) -> pd.DataFrame:
    """Each worker's FTE and dates in post, on the staff's order.

    A new starter starts a few days before their first supervision in the window (so a
    supervision before their start, already generated, is ignored by SUP02, as it must be);
    a leaver leaves in the window. IROs' hours are drawn here; the first IRO works
    part-time (0.4 FTE) while covering a vacancy: IRO02's seeded defect.
    """
    rng = stream(seed, "staffing")
    n = len(staff.ids)
    start = window.start - days(rng.integers(200, 4000, n))
    end = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")

    by_worker = supervisions.groupby("worker_id")["supervision_date"]
    first_supervision = by_worker.min().reindex(staff.ids).to_numpy(dtype="datetime64[D]")
    later_half = first_supervision > window.start + days(window.days // 8)
    life = bands(rng.random(n), _NEW_STARTER_RATE, _LEAVER_RATE)
    starter = (life == 0) & later_half & ~np.isnat(first_supervision)
    start[starter] = first_supervision[starter] - days(rng.integers(3, 15, int(starter.sum())))
    leaver = life == 1
    end[leaver] = window.start + days(rng.integers(10, window.days, int(leaver.sum())))

    fte = np.full(n, np.nan)
    iro = np.flatnonzero(staff.role == "iro")
    if len(iro):
        drawn = rng.choice(list(_IRO_FTE), size=len(iro), p=list(_IRO_FTE.values()))
        fte[iro] = drawn
        fte[iro[0]] = _SEEDED_PART_TIME_FTE
        end[iro] = np.datetime64("NaT")  # IROs stay in post, so IRO01 defects are seeded
    other = staff.role != "iro"
    fte[other] = np.where(rng.random(int(other.sum())) < 0.15, 0.8, 1.0)
    return pd.DataFrame({"worker_id": staff.ids, "fte": fte, "start_date": start, "end_date": end})


def allocate_iros(seed: int, kids: Kids, staff: Staff, details: pd.DataFrame) -> np.ndarray:
    """Each looked-after child's IRO (blank for others), shared by hours; IRO01's defects
    seeded: a blank IRO, or one naming a social worker instead."""
    rng = stream(seed, "iro")
    iro_index = np.flatnonzero(staff.role == "iro")
    out = np.full(kids.n, None, dtype=object)
    cared_for = np.flatnonzero(kids.case_type == "CLA")
    if not len(iro_index) or not len(cared_for):
        return out
    weight = details["fte"].to_numpy()[iro_index].copy()
    weight[0] = _SEEDED_SHARE  # the seeded part-time IRO covers a vacancy too
    chosen = rng.choice(iro_index, size=len(cared_for), p=weight / weight.sum())
    out[cared_for] = staff.ids[chosen]
    band = bands(
        rng.random(len(cared_for)),
        DEFECT_RATES["IRO01.no_iro_allocated"],
        DEFECT_RATES["IRO01.iro_not_found"],
    )
    out[cared_for[band == 0]] = None
    social_workers = staff.ids[staff.role == "sw"]
    out[cared_for[band == 1]] = pick(rng, list(social_workers), int((band == 1).sum()))
    return out


def review_chairs(
    seed: int, reviews: pd.DataFrame, kids: Kids, iro_of_child: np.ndarray, staff: Staff
) -> np.ndarray:
    """The chair of each review: the child's IRO for a looked-after review (or another IRO
    when the child has none), an IRO chairing the conference for a child protection one."""
    rng = stream(seed, "chairs")
    position = pd.Series(np.arange(kids.n), index=kids.ids)
    child = position.reindex(reviews["child_id"].to_numpy()).to_numpy()
    iro_ids = staff.ids[staff.role == "iro"]
    chair = iro_of_child[child].copy()
    is_iro = np.isin(chair, iro_ids)
    chair[~is_iro] = pick(rng, list(iro_ids), int((~is_iro).sum())) if len(iro_ids) else None
    chair[rng.random(len(chair)) < _BLANK_CHAIR_RATE] = None
    return chair


def camhs_referrals(seed: int, window: Window, kids: Kids) -> pd.DataFrame:
    """CAMHS referrals over the window and the month before it, with CAM01's defects seeded
    on those that are not declined or withdrawn: a first contact after the deadline, or
    none yet."""
    rng = stream(seed, "camhs")
    first_day = window.start - days(35)
    rate = kids.per_case_type(_REFERRALS_PER_MONTH) * (window.days + 35) / 30.4
    lo = np.maximum(kids.start, first_day)
    hi = np.minimum(np.where(np.isnat(kids.end), window.end, kids.end), window.end)
    count = np.where(hi >= lo, rng.poisson(rate), 0)
    child = np.repeat(np.arange(kids.n), count)
    referral = uniform_dates(rng, lo[child], hi[child])
    order = np.lexsort((referral, child))
    child, referral = child[order], referral[order]
    n = len(child)

    urgent = rng.random(n) < _URGENT_RATE
    allowed = np.where(urgent, 7, 28)
    deadline = referral + days(allowed)
    outcome = pick(rng, ("accepted", "accepted", "accepted", "pending"), n)
    band = bands(
        rng.random(n),
        DEFECT_RATES["CAM01.referral_declined"],
        DEFECT_RATES["CAM01.referral_withdrawn"],
        DEFECT_RATES["CAM01.first_contact_late"],
        DEFECT_RATES["CAM01.no_first_contact"],
    )
    outcome[band == 0] = "declined"
    outcome[band == 1] = "withdrawn"
    on_time = referral + days((rng.random(n) * (allowed + 1)).astype(np.int64))
    late = deadline + days(rng.integers(1, 30, n))
    contact = np.where(band == 2, late, on_time)
    contact[band <= 1] = np.datetime64("NaT")
    contact[band == 3] = np.datetime64("NaT")
    # A first contact not yet made by the window's end is not recorded yet.
    contact[contact > window.end] = np.datetime64("NaT")
    decided = np.isin(outcome, ("accepted", "declined", "withdrawn"))
    outcome_date = np.where(
        decided, referral + days(rng.integers(1, 10, n)), np.datetime64("NaT")
    ).astype("datetime64[D]")
    outcome_date[outcome_date > window.end] = np.datetime64("NaT")
    return pd.DataFrame(
        {
            "referral_id": ids("M", n, 6),
            "child_id": kids.ids[child],
            "referral_date": referral,
            "priority": np.where(urgent, "urgent", "routine"),
            "outcome": outcome,
            "outcome_date": outcome_date,
            "first_contact_date": contact,
        }
    )
