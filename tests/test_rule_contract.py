"""Every rule is documented, has its cases, and declares columns that exist in the contract."""

from __future__ import annotations

import dataclasses
import re
import sys
from pathlib import Path

import pytest
import yaml

from audit.contract import TABLES, table_spec
from audit.engine.docs import rules_markdown
from audit.engine.registry import discover_rules
from audit.rulekit import AnyOf, Params
from tests.rule_cases import RuleCase, run_case

ROOT = Path(__file__).resolve().parents[1]
RULES = discover_rules()
SECTIONS = ("*Standard*", "*Why it matters*", "*Met when*", "*Not met when*", "*Missing data*")


def _cases_file(rule) -> Path:
    return Path(sys.modules[rule.module].__file__).with_suffix(".cases.yml")


def _refs(rule) -> list[str]:
    refs = list(rule.uses)
    for requirement in rule.requires:
        refs += (
            [r for o in requirement.options for r in o]
            if isinstance(requirement, AnyOf)
            else [requirement]
        )
    return refs


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_is_documented_for_a_practice_lead(rule):
    for section in SECTIONS:
        assert section in rule.doc, f"{rule.code} docstring lacks {section}"
    assert re.fullmatch(r"[A-Z]{3}\d{2}", rule.code)
    assert re.fullmatch(r"[a-z][a-z0-9_]+", rule.name)
    assert Path(sys.modules[rule.module].__file__).stem == f"{rule.code}_{rule.name}"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_declares_only_contract_tables_and_columns(rule):
    for ref in _refs(rule):
        table, _, column = ref.partition(".")
        assert table in TABLES, f"{rule.code}: unknown table {table}"
        if column:
            assert column in table_spec(table).column_names, f"{rule.code}: unknown {ref}"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_parameters_are_frozen_typed_and_described(rule):
    assert issubclass(rule.params, Params)
    assert rule.params.__dataclass_params__.frozen
    for field in dataclasses.fields(rule.params):
        assert field.metadata.get("doc"), f"{rule.code}.{field.name} has no description"


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_has_cases_for_every_reason_code_and_a_skip(rule):
    doc = yaml.safe_load(_cases_file(rule).read_text(encoding="utf-8"))
    assert doc["rule"] == rule.code
    cases = doc["cases"]
    outcomes = [e for c in cases for e in c.get("expect", [])]
    assert any(e["outcome"] == "met" for e in outcomes), "no met case"
    assert any(e["outcome"] == "not_met" for e in outcomes), "no not-met case"
    assert any(c.get("expect_status") == "SKIPPED" for c in cases), "no SKIPPED case"
    not_met_section = rule.doc.split("*Not met when*", 1)[1].split("*Missing data*", 1)[0]
    documented = set(re.findall(r"`([a-z][a-z0-9_]+)`", not_met_section))
    covered = {e.get("reason_code") for e in outcomes}
    assert documented, f"{rule.code}: no reason codes in *Not met when*"
    assert documented <= covered, f"{rule.code}: no case for {sorted(documented - covered)}"


def test_rule_reference_in_docs_is_fresh():
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(RULES), "run: caseaudit rules --markdown"


def test_the_example_cases_in_the_guide_pass():
    """docs/adding-a-rule.md shows a cases file: it must be one that really passes."""
    guide = (ROOT / "docs" / "adding-a-rule.md").read_text(encoding="utf-8")
    example = yaml.safe_load(re.search(r"```yaml\n(.*?)```", guide, re.S).group(1))
    rule = next(r for r in RULES if r.code == example["rule"])
    for body in example["cases"]:
        findings, status = run_case(rule, RuleCase(Path("guide"), rule.code, body["name"], body))
        if "expect_status" in body:
            assert status.status == body["expect_status"]
            assert body["reason_contains"] in status.reason
        else:
            assert findings[["subject_id", "outcome"]].values.tolist() == [
                [e["subject_id"], e["outcome"]] for e in body["expect"]
            ]


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_asks_for_optional_columns_through_rulekit(rule):
    """``"x" in frame.columns`` is False for a column the rule forgot to declare, so the rule
    would treat it as absent; ``has_column``/``tables.has`` raise instead."""
    source = Path(sys.modules[rule.module].__file__).read_text(encoding="utf-8")
    assert not re.search(r"\bin\s+[\w.\[\]\"']+\.columns\b", source), (
        f"{rule.code}: use has_column(frame, column) or tables.has(table, column)"
    )
