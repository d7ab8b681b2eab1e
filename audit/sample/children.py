"""The children: who they are, their cases, and the identity details IDN01 and IDN02 judge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from audit.sample.dates import NAT, ONE_DAY, Window, days, open_until
from audit.sample.draws import bands, padded, pick, stream, weighted
from audit.sample.population import (
    CASE_MIX,
    CASE_TYPES,
    ETHNICITY_MIX,
    INVALID_ETHNICITY,
    LANGUAGE_MIX,
    LANGUAGE_NOT_OBTAINED,
    RELIGIONS,
)
from audit.sample.rates import DEFECT_RATES


@dataclass
class Kids:
    """One entry per child, as arrays; every other table refers to a child by position."""

    ids: np.ndarray
    dob: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    case_type: np.ndarray
    team_idx: np.ndarray  # -1 = unallocated
    start: np.ndarray
    end: np.ndarray
    ethnicity: np.ndarray
    language: np.ndarray
    religion: np.ndarray
    worker: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))

    @property
    def n(self) -> int:
        return len(self.ids)

    def open_until(self, window: Window) -> np.ndarray:
        """The last day each case is open within the window (its end, or the window end)."""
        return open_until(self.end, window.end)

    def open_between(
        self, first: np.datetime64, last: np.datetime64
    ) -> tuple[np.ndarray, np.ndarray]:
        """(first, last) open day of each case within [first, last]; first > last if none."""
        return np.maximum(self.start, first), open_until(self.end, last)

    def age_on(self, child: np.ndarray, dates: np.ndarray) -> np.ndarray:
        """Each child's age in whole years on the matching date."""
        return ((dates - self.dob[child]) // ONE_DAY) // 365

    def per_case_type(self, values: Mapping[str, float]) -> np.ndarray:
        """The value for each child's case type."""
        return np.array([values[c] for c in self.case_type])


def make_children(n: int, seed: int, window: Window, teams: list[tuple[str, str]]) -> Kids:
    """n children, their cases and identity details, allocated across ``teams``."""
    rng = stream(seed, "children")
    numbers = np.sort(rng.choice(10 * n + 1000, size=n, replace=False)) + 1
    ids = padded("C", numbers, 6)
    case_type = np.asarray(CASE_TYPES, dtype=object)[rng.choice(4, size=n, p=CASE_MIX)]
    age = _ages(rng, case_type)
    sex = weighted(rng, {"F": 0.48, "M": 0.49, "U": 0.03}, n)
    dob = window.end - days(np.round(age * 365.25).astype(np.int64) + rng.integers(0, 365, n))

    # Case history: most cases opened before the window; a few open mid-window, a few
    # closed before it (so never audited) and a few close during it.
    start = np.maximum(window.start - days(rng.integers(14, 1100, n)), dob)
    leaver = case_type == "CL"
    start[leaver] = np.minimum(
        dob[leaver] + days(6575 + rng.integers(0, 21, leaver.sum())), window.end
    )
    life = bands(rng.random(n), 0.05, 0.03, 0.03)
    mid = (life == 0) & ~leaver
    start[mid] = np.maximum(window.start + days(rng.integers(0, window.days, mid.sum())), dob[mid])
    end = np.full(n, NAT)
    closed_before = (life == 1) & (age >= 1)
    end[closed_before] = window.start - days(rng.integers(1, 61, closed_before.sum()))
    start[closed_before] = np.maximum(
        np.minimum(start[closed_before], end[closed_before] - days(30)), dob[closed_before]
    )
    closing = life == 2
    end[closing] = np.maximum(
        window.start + days(rng.integers(0, window.days, closing.sum())), start[closing]
    )

    ethnicity = _seed_ethnicity(rng, n)
    language = _seed_language(rng, n)
    religion = weighted(rng, RELIGIONS, n)
    religion[religion == ""] = None

    team_idx = np.full(n, -1, dtype=np.int64)
    for kind in CASE_TYPES:
        of_kind = np.array([i for i, (_, k) in enumerate(teams) if k == kind])
        mask = case_type == kind
        team_idx[mask] = of_kind[rng.integers(0, len(of_kind), mask.sum())]
    team_idx[rng.random(n) < 0.03] = -1  # awaiting allocation
    return Kids(ids, dob, age, sex, case_type, team_idx, start, end, ethnicity, language, religion)


def children_table(kids: Kids, team_names: list[str]) -> pd.DataFrame:
    """The children table, before its final shaping to the contract."""
    return pd.DataFrame(
        {
            "child_id": kids.ids,
            "date_of_birth": kids.dob,
            "sex": kids.sex,
            "ethnicity": kids.ethnicity,
            "first_language": kids.language,
            "religion": kids.religion,
            "case_type": kids.case_type,
            "allocated_team": np.where(
                kids.team_idx >= 0, np.asarray(team_names, dtype=object)[kids.team_idx], None
            ),
            "allocated_worker": kids.worker,
            "case_start_date": kids.start,
            "case_end_date": kids.end,
        }
    )


def _ages(rng: np.random.Generator, case_type: np.ndarray) -> np.ndarray:
    ages = np.zeros(len(case_type), dtype=np.int64)
    young = np.arange(18)
    profiles = {
        "CIN": (young, np.ones(18)),
        "CP": (young, np.linspace(2.0, 0.6, 18)),  # protection plans skew young
        "CLA": (young, np.linspace(0.6, 1.8, 18)),  # children in care skew teenage
        "CL": (np.arange(18, 21), np.ones(3)),
    }
    for kind, (values, weights) in profiles.items():
        mask = case_type == kind
        ages[mask] = rng.choice(values, size=mask.sum(), p=weights / weights.sum())
    return ages


def _seed_ethnicity(rng: np.random.Generator, n: int) -> np.ndarray:
    values = weighted(rng, ETHNICITY_MIX, n)
    band = bands(
        rng.random(n),
        DEFECT_RATES["IDN01.ethnicity_blank"],
        DEFECT_RATES["IDN01.ethnicity_not_obtained"],
        DEFECT_RATES["IDN01.ethnicity_invalid_code"],
    )
    values[band == 0] = None
    values[band == 1] = "NOBT"
    values[band == 2] = pick(rng, INVALID_ETHNICITY, int((band == 2).sum()))
    return values


def _seed_language(rng: np.random.Generator, n: int) -> np.ndarray:
    values = weighted(rng, LANGUAGE_MIX, n)
    band = bands(
        rng.random(n),
        DEFECT_RATES["IDN02.language_blank"],
        DEFECT_RATES["IDN02.language_not_obtained"],
    )
    values[band == 0] = None
    values[band == 1] = pick(rng, LANGUAGE_NOT_OBTAINED, int((band == 1).sum()))
    return values
