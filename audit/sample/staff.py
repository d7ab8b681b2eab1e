"""The teams and their staff: managers, social workers, personal advisers and reviewing
officers, and which of them holds each child's case."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from audit.sample.children import Kids
from audit.sample.draws import concat, ids, pick, stream
from audit.sample.names import (
    AREAS,
    FIRST_NAMES,
    IRO_TEAM,
    SINGLE_TEAM_NAME,
    SURNAMES,
    TEAM_PATTERNS,
)
from audit.sample.population import CASE_MIX, CASE_TYPES

CHILDREN_PER_TEAM = 250  # a realistic team caseload; a county of 10,000 has 40 teams
MIN_TEAMS = 4


@dataclass
class Staff:
    """One entry per worker, as arrays, and the lookups other tables need."""

    ids: np.ndarray
    team: np.ndarray
    name: np.ndarray
    role: np.ndarray
    team_names: list[str]
    manager_of_team: dict[str, str]


def team_plan(children: int) -> list[tuple[str, str]]:
    """(team name, case type it serves): about one team per 250 children, at least 4."""
    total = max(MIN_TEAMS, round(children / CHILDREN_PER_TEAM))
    shares = np.array(CASE_MIX) * total
    counts = np.maximum(1, np.floor(shares).astype(int))
    while counts.sum() < total:
        counts[np.argmax(shares - counts)] += 1
    while counts.sum() > total:
        counts[np.argmax(np.where(counts > 1, counts - shares, -np.inf))] -= 1
    teams: list[tuple[str, str]] = []
    for kind, count in zip(CASE_TYPES, counts, strict=True):
        if count == 1:
            teams.append((SINGLE_TEAM_NAME[kind], kind))
            continue
        patterns = TEAM_PATTERNS[kind]
        for i in range(count):
            slot = i // len(patterns)
            area = AREAS[slot % len(AREAS)] + ("" if slot < len(AREAS) else f" {slot // 8 + 1}")
            teams.append((patterns[i % len(patterns)].format(area), kind))
    return teams


def make_workers(seed: int, teams: list[tuple[str, str]], kids: Kids) -> Staff:
    """Staff each team for its caseload, then allocate each child (sets ``kids.worker``)."""
    rng = stream(seed, "workers")
    per_team = np.bincount(kids.team_idx[kids.team_idx >= 0], minlength=len(teams))
    team_col: list[str] = []
    role_col: list[str] = []
    # One loop per team (at most a few hundred), not per child.
    for (name, kind), caseload in zip(teams, per_team, strict=True):
        roles = ["manager"]
        if kind == "CL":
            roles += ["pa"] * max(2, int(np.ceil(caseload / 20))) + ["sw"]
        else:
            roles += ["sw"] * max(2, int(np.ceil(caseload / 14))) + ["asye"]
        team_col += [name] * len(roles)
        role_col += roles
    reviewed = int(np.isin(kids.case_type, ("CLA", "CP")).sum())
    iro_roles = ["manager"] + ["iro"] * max(2, int(np.ceil(reviewed / 60)))
    team_col += [IRO_TEAM] * len(iro_roles)
    role_col += iro_roles

    count = len(team_col)
    worker_ids = ids("W", count, 5)
    names = concat(pick(rng, FIRST_NAMES, count), " ", pick(rng, SURNAMES, count))
    team = np.asarray(team_col, dtype=object)
    role = np.asarray(role_col, dtype=object)
    managers = {
        t: worker_ids[(team == t) & (role == "manager")][0] for t in dict.fromkeys(team_col)
    }

    # Allocate each child to a case-holder (sw, asye or pa) of the child's team.
    holder = np.isin(role, ("sw", "asye", "pa"))
    team_names = [t for t, _ in teams]
    holder_team = np.array([team_names.index(t) for t in team[holder]])
    holder_ids = worker_ids[holder]
    offsets = np.searchsorted(holder_team, np.arange(len(teams)))
    sizes = np.bincount(holder_team, minlength=len(teams))
    worker = np.full(kids.n, None, dtype=object)
    allocated = kids.team_idx >= 0
    t = kids.team_idx[allocated]
    worker[allocated] = holder_ids[offsets[t] + (rng.random(len(t)) * sizes[t]).astype(int)]
    worker[allocated & (rng.random(kids.n) < 0.02)] = None  # allocated to a team, not a worker
    kids.worker = worker
    return Staff(worker_ids, team, names, role, team_names, managers)


def workers_table(staff: Staff) -> pd.DataFrame:
    """The workers table, before its final shaping to the contract."""
    return pd.DataFrame(
        {"worker_id": staff.ids, "team": staff.team, "worker_name": staff.name, "role": staff.role}
    )
