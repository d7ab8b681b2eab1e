"""A rule cannot silently read less than it uses.

The engine hands a rule only the columns it declared. A column the input has but the rule
did not declare must never read as blank (every child open, every visit statutory): the
rule is an ERROR naming the column and saying where to declare it.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from types import MappingProxyType

import pandas as pd
import pytest

from audit.engine.registry import discover_rules
from audit.engine.runner import rule_tables, run_rule, run_rules
from audit.loader import load
from audit.period import AuditPeriod
from audit.rulekit import NOT_MET, AnyOf, AuditContext, Case, Rule, judge
from audit.rulekit.plans import PLAN_DATES_USED, active_latest_plans
from audit.rulekit.visits import statutory_visits
from audit.run import audit
from tests.rule_cases import load_case_tables

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "sample_cases" / "authority.xlsx"
PERIOD = AuditPeriod.parse("2026-10")
RULES = discover_rules()
CONTEXT = AuditContext(AuditPeriod.parse("2026-09"))


@pytest.fixture(scope="module")
def sample_run():
    return audit(SAMPLE, PERIOD)


@pytest.fixture(scope="module")
def sample_tables():
    """The sample's tables whole, as the rules read them (a run keeps only what the
    month's files read after the rules)."""
    return load(SAMPLE).tables


def _without(rule: Rule, ref: str) -> Rule:
    """The rule with ``ref`` taken out of its declaration (from requires or uses)."""
    requires = []
    for requirement in rule.requires:
        if isinstance(requirement, AnyOf):
            options = [o for o in requirement.options if ref not in o]
            if options:
                requires.append(AnyOf(*options))
        elif requirement != ref:
            requires.append(requirement)
    uses = tuple(u for u in rule.uses if u != ref)
    return dataclasses.replace(rule, requires=tuple(requires), uses=uses)


def _declared_columns(rule: Rule) -> list[str]:
    """Each ``table.column`` the rule declares, in requires (AnyOf options too) or uses."""
    refs = list(rule.uses)
    for requirement in rule.requires:
        if isinstance(requirement, AnyOf):
            refs += [r for option in requirement.options for r in option]
        else:
            refs.append(requirement)
    return [ref for ref in refs if "." in ref]


CASES = [
    pytest.param(rule, ref, id=f"{rule.code}-{ref}")
    for rule in RULES
    for ref in _declared_columns(rule)
]


@pytest.mark.parametrize(("rule", "ref"), CASES)
def test_forgetting_a_declared_column_fails_loudly_never_with_other_findings(
    sample_run, sample_tables, rule, ref
):
    """Remove one column from a rule's declaration and run it over the sample: where the
    sample has the column the rule is an ERROR naming it (or SKIPPED); it never RAN with
    different findings."""
    tables = sample_tables
    context = AuditContext(PERIOD, absent=sample_run.loaded.absent)
    findings, status = run_rule(
        _without(rule, ref), rule.params(), tables, context, sample_run.loaded.absent
    )
    table = ref.partition(".")[0]
    if status.status == "RAN":
        # A column the sample lacks, the other option of an AnyOf, or one only the engine
        # reads (workers.team for SUP01's teams): the findings are exactly the declared rule's.
        before = sample_run.findings[sample_run.findings["rule_code"] == rule.code]
        assert len(findings) == len(before)
        pd.testing.assert_frame_equal(
            findings.reset_index(drop=True), before.reset_index(drop=True), check_dtype=False
        )
    elif status.status == "ERROR":
        # Naming the column (or, for an AnyOf option, the first of its columns the rule
        # reads), or its table when it was the rule's only column of that table.
        said = "which it does not declare: declare it in the rule's uses (or requires)"
        assert re.fullmatch(
            rf"{rule.code} reads ({table}\.\w+|the {table} table), {re.escape(said)}",
            status.reason,
        ), status.reason
    else:
        assert status.status == "SKIPPED" and status.reason


def _statutory(tables, params, ctx):
    visits = tables["visits"]
    subjects = visits[statutory_visits(visits, ("statutory",))]
    return judge(
        subjects,
        source_table="visits",
        subject_id=subjects["visit_id"],
        child_id=subjects["child_id"],
        cases=[Case(subjects["seen_alone"].eq("N"), NOT_MET, "not_alone")],
    )


VISITS = {
    "children": [{"child_id": "C1"}],
    "visits": [
        {"visit_id": "V1", "child_id": "C1", "visit_date": "01/09/2026", "seen_alone": "N"},
        {
            "visit_id": "V2",
            "child_id": "C1",
            "visit_date": "02/09/2026",
            "seen_alone": "N",
            "visit_type": "other",
        },
    ],
}


def test_a_helper_reading_an_undeclared_column_is_an_error_naming_it():
    """``statutory_visits`` reads ``visit_type``: without the declaration the visit of type
    "other" would have been judged as a statutory visit."""
    forgetful = Rule("TST01", "forgetful", "xi", "visit", ("visits.seen_alone",), _statutory)
    findings, status = run_rule(forgetful, forgetful.params(), load_case_tables(VISITS), CONTEXT)
    assert findings is None
    assert (status.status, status.reason) == (
        "ERROR",
        "TST01 reads visits.visit_type, which it does not declare: "
        "declare it in the rule's uses (or requires)",
    )

    declared = dataclasses.replace(forgetful, uses=("visits.visit_type",))
    findings, status = run_rule(declared, declared.params(), load_case_tables(VISITS), CONTEXT)
    assert status.status == "RAN"
    assert findings["subject_id"].tolist() == []  # V2 is "other", V1 has a blank type


def test_a_declared_column_the_input_lacks_reads_as_absent():
    """Declared in ``uses`` and absent from the input: every visit is statutory (RULES.md)."""
    declared = Rule(
        "TST01", "declared", "xi", "visit", ("visits.seen_alone",), _statutory,
        uses=("visits.visit_type",),
    )  # fmt: skip
    visits = {"children": VISITS["children"], "visits": VISITS["visits"][:1]}
    findings, status = run_rule(declared, declared.params(), load_case_tables(visits), CONTEXT)
    assert status.status == "RAN"
    assert findings["subject_id"].tolist() == ["V1"]


def test_reading_an_undeclared_column_directly_is_an_error_naming_it():
    def religion(tables, params, ctx):
        children = tables["children"]
        return judge(
            children,
            source_table="children",
            subject_id=children["child_id"],
            cases=[Case(children["religion"].isna(), NOT_MET, "blank")],
        )

    rule = Rule("TST01", "religion", "i", "child", ("children.ethnicity",), religion)
    tables = load_case_tables(
        {"children": [{"child_id": "C1", "ethnicity": "WBRI", "religion": "none"}]}
    )
    _, status = run_rule(rule, rule.params(), tables, CONTEXT)
    assert (status.status, status.reason) == (
        "ERROR",
        "TST01 reads children.religion, which it does not declare: "
        "declare it in the rule's uses (or requires)",
    )


def test_reading_an_undeclared_table_is_an_error_naming_it():
    def plans_too(tables, params, ctx):
        tables.has("plans")
        raise AssertionError("unreachable")

    rule = Rule("TST01", "plans_too", "i", "child", ("children",), plans_too)
    tables = load_case_tables(
        {
            "children": [{"child_id": "C1"}],
            "plans": [
                {"plan_id": "P1", "child_id": "C1", "plan_type": "CP", "plan_date": "01/09/2026"}
            ],
        }
    )
    _, status = run_rule(rule, rule.params(), tables, CONTEXT)
    assert status.reason == (
        "TST01 reads the plans table, which it does not declare: "
        "declare it in the rule's uses (or requires)"
    )


def test_open_children_are_worked_out_once_from_the_whole_children_table():
    """No rule declares the case dates, yet a closed child is out of every rule's scope."""
    tables = load_case_tables(
        {
            "children": [
                {"child_id": "C1", "ethnicity": None},
                {"child_id": "C2", "ethnicity": None, "case_end_date": "31/08/2026"},
            ]
        }
    )
    scoped = CONTEXT.scoped(tables)
    assert scoped.open_child_ids is not None and list(scoped.open_child_ids) == ["C1"]
    assert scoped.scoped(tables) is scoped
    idn01 = next(r for r in RULES if r.code == "IDN01")
    assert not any("case_" in ref for ref in idn01.uses)
    findings, _ = run_rule(idn01, idn01.params(), tables, CONTEXT)
    assert findings["subject_id"].tolist() == ["C1"]


def _latest_plans(tables, params, ctx):
    plans = active_latest_plans(tables["plans"], ctx)
    return judge(plans, source_table="plans", subject_id=plans["plan_id"], cases=[])


# P1's latest version says it ended in August: with its end date it is not a subject.
ENDED_PLAN = {
    "children": [{"child_id": "C1"}],
    "plans": [
        {"plan_id": "P1", "child_id": "C1", "plan_type": "CP", "plan_date": "01/07/2026"},
        {
            "plan_id": "P1",
            "child_id": "C1",
            "plan_type": "CP",
            "plan_date": "01/08/2026",
            "end_date": "20/08/2026",
        },
    ],
}


def test_plan_rules_share_their_subjects_yet_each_must_declare_the_plan_dates():
    """The active latest plans are worked out once per run for every plan rule, and a rule
    that forgot the end date is still an ERROR naming it, after a rule that declared it."""
    declared = Rule(
        "TST01", "declared", "ii", "plan", ("plans.plan_date",), _latest_plans,
        uses=PLAN_DATES_USED,
    )  # fmt: skip
    forgetful = dataclasses.replace(declared, code="TST02", uses=("plans.start_date",))
    findings, statuses = run_rules(
        [declared, forgetful, declared], {}, load_case_tables(ENDED_PLAN), CONTEXT
    )
    assert [(s.code, s.status) for s in statuses] == [
        ("TST01", "RAN"),
        ("TST02", "ERROR"),
        ("TST01", "RAN"),
    ]
    assert statuses[1].reason == (
        "TST02 reads plans.end_date, which it does not declare: "
        "declare it in the rule's uses (or requires)"
    )
    assert findings.empty  # the plan ended before the month, with or without sharing


def test_a_rule_that_rewrote_a_plan_date_gets_its_own_subjects_not_the_shared_ones():
    tables = load_case_tables(ENDED_PLAN)
    scoped = CONTEXT.scoped(tables)
    plan_rule = Rule(
        "TST01", "declared", "ii", "plan", ("plans.plan_date",), _latest_plans,
        uses=PLAN_DATES_USED,
    )  # fmt: skip
    view = rule_tables(plan_rule, tables)
    assert active_latest_plans(view["plans"], scoped).empty
    reopened = view["plans"].assign(end_date=pd.NaT)
    assert active_latest_plans(reopened, scoped)["plan_id"].tolist() == ["P1"]
    assert active_latest_plans(view["plans"], scoped).empty


# ---------------------------------------------------------------- tables handed over


def test_a_run_that_lets_each_column_go_after_its_last_reader_finds_exactly_the_same(
    sample_tables,
):
    """A run hands the rules its tables and lets each column go once the last rule that
    reads it has run: the findings and statuses are those of the tables held whole."""
    whole, whole_statuses = run_rules(RULES, {}, dict(sample_tables), CONTEXT)
    handed = dict(sample_tables)
    findings, statuses = run_rules(RULES, {}, handed, CONTEXT, hand_over=True)
    pd.testing.assert_frame_equal(findings, whole)
    assert [(s.code, s.status, s.counts) for s in statuses] == [
        (s.code, s.status, s.counts) for s in whole_statuses
    ]
    # The identity notes went with IDN03, the last rule to read them; what says which row
    # is which stays, and so do the children and workers the engine reads for every rule.
    assert "identity_notes" not in handed["plans"].columns
    assert {"plan_id", "child_id", "source_row"} <= set(handed["plans"].columns)
    assert list(handed["children"].columns) == list(sample_tables["children"].columns)


def test_a_rule_that_reads_a_column_already_let_go_is_an_error_naming_it(sample_tables):
    """A later rule that reads the identity notes without declaring them is told so, as
    when the column is merely withheld, not left to fail on a missing column."""
    idn03 = next(rule for rule in RULES if rule.code == "IDN03")
    forgetful = dataclasses.replace(_without(idn03, "plans.identity_notes"), code="TST03")
    _, statuses = run_rules([idn03, forgetful], {}, dict(sample_tables), CONTEXT, hand_over=True)
    assert statuses[1].status == "ERROR"
    assert statuses[1].reason == (
        "TST03 reads plans.identity_notes, which it does not declare: "
        "declare it in the rule's uses (or requires)"
    )


def test_tables_that_cannot_be_changed_are_not_handed_over():
    """The engine lets columns go by changing the tables it is given: a read-only mapping
    is refused before any rule runs, never half changed."""
    tables = MappingProxyType(load_case_tables(ENDED_PLAN))
    with pytest.raises(TypeError, match="dict"):
        run_rules(RULES, {}, tables, CONTEXT, hand_over=True)
    assert list(tables["plans"].columns) == list(load_case_tables(ENDED_PLAN)["plans"].columns)


def test_a_column_without_a_stable_identity_never_shares_an_answer():
    """A category or nullable-integer column has no buffer of its own to be known by:
    converting it makes a new array each time, whose address the next one may take. Such a
    column is worked out afresh every time, never handed another column's answer."""
    from audit.rulekit.shared import SharedWork

    tables = {
        "events": pd.DataFrame(
            {
                "kind": pd.Series(["a", "b"], dtype="category"),
                "count": pd.Series([1, None], dtype="Int64"),
            }
        )
    }
    shared = SharedWork(tables)
    derived: list[str] = []
    for name in ("kind", "count", "kind", "count"):
        shared.get("answer", lambda n=name: derived.append(n) or n, [tables["events"][name]])
    assert derived == ["kind", "count", "kind", "count"]
