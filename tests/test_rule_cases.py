"""Every rule's YAML cases, run by one generic runner: ``pytest -k SEE01`` runs one rule."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from audit.engine.registry import discover_rules
from tests.rule_cases import collect_cases, run_case

ROOT = Path(__file__).resolve().parents[1]
RULES = {rule.code: rule for rule in discover_rules()}
CASES = collect_cases(ROOT / "rules")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case(case):
    rule = RULES[case.rule_code]
    findings, status = run_case(rule, case)
    body = case.body

    if "expect_status" in body:
        assert status.status == body["expect_status"], status.reason
        if "reason_contains" in body:
            assert body["reason_contains"] in (status.reason or "")
        return
    assert status.status == "RAN", status.reason
    if "note_contains" in body:  # what the rule's report line says it could not judge
        assert body["note_contains"] in (status.reason or "")

    got = {row.subject_id: row for row in findings.itertuples()}
    expected = {str(e["subject_id"]): e for e in body["expect"]}
    assert sorted(got) == sorted(expected), "subjects differ from the expected ones"
    for subject_id, want in expected.items():
        row = got[subject_id]
        assert row.outcome == want["outcome"], f"{subject_id}: {row.detail}"
        reason = None if pd.isna(row.reason_code) else row.reason_code
        assert reason == want.get("reason_code"), f"{subject_id}: {row.detail}"
        if "detail_contains" in want:
            assert want["detail_contains"] in str(row.detail)
        if "evidence_date" in want:
            assert str(row.evidence_date)[:10] == str(want["evidence_date"])
        for column in ("team", "worker_id", "source_row"):
            if column in want:
                assert str(getattr(row, column)) == str(want[column]), column
