"""The findings over the committed sample, pinned: a change that moves any finding shows
up here as a diff. After an intended change, refresh with
``UPDATE_SNAPSHOTS=1 pytest tests/test_sample_snapshot.py`` and review the diff."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from audit.period import AuditPeriod
from audit.run import audit

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_cases" / "authority.xlsx"
SNAPSHOT = ROOT / "tests" / "snapshots" / "sample_findings_2026-10.csv"
SNAPSHOT_COLUMNS = ["rule_code", "subject_id", "team", "outcome", "reason_code", "source_row"]


@pytest.fixture(scope="module")
def sample_run():
    return audit(SAMPLE, AuditPeriod.parse("2026-10"))


def test_findings_over_the_sample_match_the_snapshot(sample_run):
    current = (
        sample_run.findings[SNAPSHOT_COLUMNS]
        .astype("string")
        .fillna("")
        .sort_values(SNAPSHOT_COLUMNS)
        .reset_index(drop=True)
    )
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        current.to_csv(SNAPSHOT, index=False)
    expected = pd.read_csv(SNAPSHOT, dtype="string", keep_default_na=False)
    moved = current.merge(expected, how="outer", indicator=True)
    moved = moved[moved["_merge"] != "both"]
    assert moved.empty, f"{len(moved)} findings moved:\n{moved.head(30).to_string()}"


def test_every_rule_runs_on_the_sample(sample_run):
    assert {s.code: s.status for s in sample_run.statuses} == dict.fromkeys(
        [s.code for s in sample_run.statuses], "RAN"
    )
