"""Visits: statutory visits with the seen-alone recording SEE01 and SEE02 judge, and the
other contacts around them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from audit.sample.children import Kids
from audit.sample.dates import AUDIT_MONTHS, ONE_DAY, Window, uniform_dates
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
from audit.sample.staff import Staff

_STATUTORY_PER_MONTH = {"CIN": 1.2, "CP": 2.0, "CLA": 1.0, "CL": 0.0}
_OTHER_PER_MONTH = {"CIN": 2.5, "CP": 3.5, "CLA": 3.0, "CL": 3.0}

# Seen-alone outcome of one statutory visit, drawn once per visit.
_NOT_SEEN, _NOT_RECORDED, _NO_REASON, _REG29, _FREE_TEXT, _SEEN_ALONE = range(6)
_CHILD_NOT_SEEN_RATE = 0.03
_REG29_RATE = 0.05
_FREE_TEXT_RATE = 0.03


def make_visits(seed: int, window: Window, kids: Kids, staff: Staff) -> pd.DataFrame:
    """Every child's visits over the window, in the contract's columns."""
    rng = stream(seed, "visits")
    parts = []
    stat_rate = kids.per_case_type(_STATUTORY_PER_MONTH)
    other_rate = kids.per_case_type(_OTHER_PER_MONTH)
    for m, (first, last) in enumerate(zip(window.month_starts, window.month_ends, strict=True)):
        lo, hi = kids.open_between(first, last)
        open_days = np.clip((hi - lo) // ONE_DAY + 1, 0, None)
        share = open_days / ((last - first) // ONE_DAY + 1)
        for rate, statutory in ((stat_rate, True), (other_rate, False)):
            child = np.repeat(np.arange(kids.n), rng.poisson(rate * share))
            dates = uniform_dates(rng, lo[child], hi[child])
            parts.append(
                pd.DataFrame({"child": child, "month": m, "day": dates, "stat": statutory})
            )
    visits = pd.concat(parts, ignore_index=True)
    visits = visits.sort_values(["child", "day", "stat"], kind="stable", ignore_index=True)

    outcome = np.full(len(visits), -1)
    stat = visits["stat"].to_numpy()
    outcome[stat] = bands(
        rng.random(int(stat.sum())),
        _CHILD_NOT_SEEN_RATE,
        DEFECT_RATES["SEE01.seen_alone_not_recorded"],
        DEFECT_RATES["SEE01.no_reason_not_seen_alone"],
        _REG29_RATE,
        _FREE_TEXT_RATE,
    )
    visits["outcome"] = outcome
    _seed_not_alone_months(rng, visits)
    return _visit_columns(rng, visits, kids, staff)


def _seed_not_alone_months(rng: np.random.Generator, visits: pd.DataFrame) -> None:
    """Shape SEE02: per child-month with a seen statutory visit, about the seeded share of
    months with no visit where the child was seen alone (changes only visits whose SEE01
    outcome is met, so SEE01's rates are untouched)."""
    seen = (visits["outcome"] > _NOT_SEEN).to_numpy()
    if not seen.any():
        return
    group = (visits["child"] * AUDIT_MONTHS + visits["month"]).to_numpy()
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
