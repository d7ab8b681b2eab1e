"""Visits: statutory visits with the seen-alone recording SEE01 and SEE02 judge, and the
other contacts around them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.sample.children import Kids
from audit.sample.dates import AUDIT_MONTHS, ONE_DAY, Window, days, uniform_dates
from audit.sample.draws import bands, ids, pick, stream
from audit.sample.phrases import (
    FREE_TEXT_REASONS,
    NOT_SEEN_COMMENTARY,
    OTHER_VISIT_TYPES,
    REASON_MISSING,
    SEEN_ALONE_COMMENTARY,
    UNCLEAR_COMMENTARY,
)
from audit.sample.rates import DEFECT_RATES
from audit.sample.rhythm import rhythm
from audit.sample.staff import Staff

# Statutory visits keep to each case type's interval (VIS01's defaults: CLA 42 calendar
# days, CP 10 and CIN 20 working days, which never span fewer than 12 and 26 calendar
# days): the gap between visits is drawn between these many calendar days.
_SHORTEST_GAP = {"CIN": 14, "CP": 6, "CLA": 21, "CL": 0}
_LONGEST_GAP = {"CIN": 26, "CP": 12, "CLA": 42, "CL": 0}
_LEAD_IN_DAYS = 60
_OTHER_PER_MONTH = {"CIN": 2.5, "CP": 3.5, "CLA": 3.0, "CL": 3.0}

# Seen-alone outcome of one statutory visit, drawn once per visit.
_NOT_SEEN, _NOT_RECORDED, _NO_REASON, _REG29, _FREE_TEXT, _SEEN_ALONE = range(6)
_CHILD_NOT_SEEN_RATE = 0.03
_REG29_RATE = 0.05
_FREE_TEXT_RATE = 0.03


def make_visits(seed: int, window: Window, kids: Kids, staff: Staff) -> pd.DataFrame:
    """Every child's visits over the window, in the contract's columns."""
    rng = stream(seed, "visits")
    parts = [_statutory_visits(rng, window, kids)]
    other_rate = kids.per_case_type(_OTHER_PER_MONTH)
    for m, (first, last) in enumerate(zip(window.month_starts, window.month_ends, strict=True)):
        lo, hi = kids.open_between(first, last)
        open_days = np.clip((hi - lo) // ONE_DAY + 1, 0, None)
        share = open_days / ((last - first) // ONE_DAY + 1)
        child = np.repeat(np.arange(kids.n), rng.poisson(other_rate * share))
        dates = uniform_dates(rng, lo[child], hi[child])
        parts.append(pd.DataFrame({"child": child, "month": m, "day": dates, "stat": False}))
    visits = pd.concat(parts, ignore_index=True)
    visits = visits.sort_values(["child", "day", "stat"], kind="stable", ignore_index=True)

    # The child is seen on every visit of the rhythm; an attempt where they were not seen
    # comes a day or two before one of them (so SEE01 has its not-seen visits and VIS01
    # its rhythm).
    outcome = np.full(len(visits), -1)
    stat = visits["stat"].to_numpy()
    outcome[stat] = bands(
        rng.random(int(stat.sum())),
        0.0,
        DEFECT_RATES["SEE01.seen_alone_not_recorded"],
        DEFECT_RATES["SEE01.no_reason_not_seen_alone"],
        _REG29_RATE,
        _FREE_TEXT_RATE,
    )
    visits["outcome"] = outcome
    attempts = visits[stat & (rng.random(len(visits)) < _CHILD_NOT_SEEN_RATE)].copy()
    attempts["day"] -= days(rng.integers(1, 4, len(attempts)))
    attempts["outcome"] = _NOT_SEEN
    visits = pd.concat([visits, attempts], ignore_index=True)
    visits = visits.sort_values(["child", "day", "stat"], kind="stable", ignore_index=True)
    _seed_not_alone_months(rng, visits)
    return _visit_columns(rng, visits, kids, staff)


def _statutory_visits(rng: np.random.Generator, window: Window, kids: Kids) -> pd.DataFrame:
    """Each child's statutory visits in the rhythm of their case type from their case start
    (or from a lead-in month before the window, so the first audited month has a last
    visit), with VIS01's defects seeded per child-month; the children seeded with no
    visit recorded have theirs recorded as other contacts."""
    kind = kids.case_type
    shortest = kids.per_case_type(_SHORTEST_GAP).astype(np.int64)
    longest = kids.per_case_type(_LONGEST_GAP).astype(np.int64)
    visited = longest > 0
    unrecorded = visited & (rng.random(kids.n) < DEFECT_RATES["VIS01.no_visit_recorded"])
    lead = window.start - np.timedelta64(_LEAD_IN_DAYS, "D")
    periods = [(lead, window.start - ONE_DAY)]
    periods += list(zip(window.month_starts, window.month_ends, strict=True))
    contacts = rhythm(
        rng,
        periods,
        kids.open_between,
        kids.start,
        np.maximum(shortest, 1),
        np.maximum(longest, 1),
        visited & ~unrecorded,
        (DEFECT_RATES["VIS01.visit_overdue"], DEFECT_RATES["VIS01.visit_late_in_period"]),
    )
    # Of the lead-in only each child's last visit is kept: the one the first month judges from.
    lead_in = (contacts["period"] < 0).to_numpy()
    earlier = contacts["subject"].where(lead_in).duplicated(keep="last").to_numpy() & lead_in
    child = contacts["subject"].to_numpy()
    keep = visited[child] & (kind[child] != "CL") & ~earlier
    return pd.DataFrame(
        {
            "child": child[keep],
            "month": contacts["period"].to_numpy()[keep],
            "day": contacts["day"].to_numpy()[keep],
            "stat": ~unrecorded[child[keep]],
        }
    )


def _seed_not_alone_months(rng: np.random.Generator, visits: pd.DataFrame) -> None:
    """Shape SEE02: per child-month with a seen statutory visit, about the seeded share of
    months with no visit where the child was seen alone (changes only visits whose SEE01
    outcome is met, so SEE01's rates are untouched)."""
    seen = (visits["outcome"] > _NOT_SEEN).to_numpy()
    if not seen.any():
        return
    group = (visits["child"] * (AUDIT_MONTHS + 1) + visits["month"] + 1).to_numpy()
    sub = pd.DataFrame({"g": group[seen], "o": visits["outcome"].to_numpy()[seen]})
    sub.index = np.flatnonzero(seen)

    # A month with no Y but a free-text "not alone" is usually a recording slip, not the
    # practice we want to show; make the first such visit a Y so natural failures stay few.
    has_yes = (sub["o"] == _SEEN_ALONE).groupby(sub["g"]).transform("any")
    free = sub["o"] == _FREE_TEXT
    first_free = free & (free.astype(int).groupby(sub["g"]).cumsum() == 1)
    sub.loc[first_free & ~has_yes, "o"] = _SEEN_ALONE

    any_yes = (sub["o"] == _SEEN_ALONE).groupby(sub["g"]).any()
    all_reg29 = (sub["o"] == _REG29).groupby(sub["g"]).all()
    natural_fail = int((~any_yes & ~all_reg29).sum())
    target = DEFECT_RATES["SEE02.not_seen_alone_in_period"] * len(any_yes)
    share = float(np.clip((target - natural_fail) / max(int(any_yes.sum()), 1), 0, 1))
    chosen = any_yes[any_yes].index[rng.random(int(any_yes.sum())) < share]
    # In a chosen month every Y becomes "not alone, with a real reason": met for SEE01,
    # not met for SEE02.
    sub.loc[sub["g"].isin(chosen) & (sub["o"] == _SEEN_ALONE), "o"] = _FREE_TEXT
    visits.loc[sub.index, "outcome"] = sub["o"].to_numpy()


def _visit_columns(
    rng: np.random.Generator, visits: pd.DataFrame, kids: Kids, staff: Staff
) -> pd.DataFrame:
    n = len(visits)
    child = visits["child"].to_numpy()
    o = visits["outcome"].to_numpy()
    stat = visits["stat"].to_numpy()

    child_seen = np.full(n, "Y", dtype=object)
    child_seen[rng.random(n) < 0.12] = None
    child_seen[o == _NOT_SEEN] = "N"

    seen_alone = np.full(n, None, dtype=object)
    seen_alone[np.isin(o, (_NO_REASON, _REG29, _FREE_TEXT))] = "N"
    seen_alone[o == _SEEN_ALONE] = "Y"

    reason = np.full(n, None, dtype=object)
    reason[o == _NO_REASON] = pick(rng, REASON_MISSING, int((o == _NO_REASON).sum()))
    reg29 = o == _REG29
    young = kids.age[child] < 5
    reason[reg29] = np.where(
        young[reg29], "age", pick(rng, ("refused", "unable", "refused"), int(reg29.sum()))
    )
    reason[o == _FREE_TEXT] = pick(rng, FREE_TEXT_REASONS, int((o == _FREE_TEXT).sum()))

    commentary = np.full(n, None, dtype=object)
    alone = (o == _SEEN_ALONE) & (rng.random(n) < 0.9)
    commentary[alone] = pick(rng, SEEN_ALONE_COMMENTARY, int(alone.sum()))
    commentary[o == _NOT_SEEN] = pick(rng, NOT_SEEN_COMMENTARY, int((o == _NOT_SEEN).sum()))
    unclear = o == _NOT_RECORDED
    commentary[unclear] = pick(rng, UNCLEAR_COMMENTARY, int(unclear.sum()))

    # Non-statutory contacts: seen-alone recorded loosely, as it is in real systems.
    other = ~stat
    seen_alone[other] = pick(rng, ("Y", "Y", "N", None, None), int(other.sum()))
    visit_type = np.full(n, None, dtype=object)
    visit_type[stat] = "statutory"
    visit_type[other] = pick(rng, OTHER_VISIT_TYPES, int(other.sum()))

    worker = kids.worker[child].copy()
    missing = pd.isna(worker)
    holders = staff.ids[np.isin(staff.role, ("sw", "asye"))]
    worker[missing] = pick(rng, list(holders), int(missing.sum()))  # duty workers

    return pd.DataFrame(
        {
            "visit_id": ids("V", n, 7),
            "child_id": kids.ids[child],
            "visit_date": visits["day"].to_numpy(),
            "worker_id": worker,
            "visit_type": visit_type,
            "child_seen": child_seen,
            "seen_alone": seen_alone,
            "not_seen_alone_reason": reason,
            "seen_alone_commentary": commentary,
        }
    )
