"""Run rules over loaded tables and shape their results into the findings table.

For each rule: check ``requires`` (SKIPPED with the reason when unmet), hand it read-only
tables cut to what it declared, run it (ERROR with the reason if it raises or returns
something malformed, while the others carry on), check its outcomes, and attach the team
and worker a manager needs.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from audit.arrow import join_chunks, text_looked_up
from audit.contract import SOURCE_ROW, SOURCE_SHEET, UNALLOCATED_TEAM, table_spec
from audit.lazy import pd
from audit.progress import Progress, no_progress
from audit.rulekit import (
    FIGURES,
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    NOTE,
    OUTCOMES,
    RESULT_COLUMNS,
    WORKERS_AS_GIVEN,
    AnyOf,
    AuditContext,
    Params,
    Rule,
    Tables,
)
from audit.rulekit.columns import WITHHELD, UndeclaredColumn, Withheld

FINDINGS_COLUMNS = (
    "rule_code",
    "rule_name",
    "recommendation",
    "subject_type",
    "subject_id",
    "child_id",
    "worker_id",
    "team",
    "outcome",
    "reason_code",
    "detail",
    "evidence_date",
    "source_table",
    "source_row",
)


class RuleState(StrEnum):
    """Whether a rule ran: SKIPPED (its data is missing) and ERROR (it failed) never count
    as compliant, and every report names them with the reason."""

    RAN = "RAN"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"


RAN, SKIPPED, ERROR = RuleState.RAN, RuleState.SKIPPED, RuleState.ERROR
# Subjects whose team is their worker's (RULES.md: a supervision record takes its worker's
# team; a worker judged by SUP02 or IRO02 is in their own team), not a child's.
WORKER_SUBJECTS = ("supervision", "worker")


@dataclass
class RuleStatus:
    code: str
    name: str
    status: RuleState
    reason: str | None = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    seconds: float = 0.0
    subject_rows: int = 0  # rows of the rule's input tables, for throughput figures
    tables: list[str] = field(default_factory=list)  # the input tables the rule read
    # The numbers behind each subject's outcome, when the rule gives them (with_figures).
    figures: pd.DataFrame | None = None


# ---------------------------------------------------------------- requirements


def _has(tables: Mapping[str, pd.DataFrame], ref: str, absent: Mapping[str, str]) -> bool:
    """Whether the input holds ``ref``; a column the profile had to fill with a placeholder
    (listed in ``absent``) does not count, so rules needing it are skipped."""
    table, _, column = ref.partition(".")
    if ref in absent or table in absent:
        return False
    return table in tables and (not column or column in tables[table].columns)


def _missing_reason(ref: str, tables: Mapping[str, pd.DataFrame], absent: Mapping[str, str]) -> str:
    table, _, column = ref.partition(".")
    # The input profile knows why its source lacks something ("Annex A has no …").
    if ref in absent or table in absent:
        return absent.get(ref) or absent[table]
    if table not in tables:
        return f"the input has no {table} table"
    return f"the {table} table has no {column} column"


def unmet_requirement(
    rule: Rule, tables: Mapping[str, pd.DataFrame], absent: Mapping[str, str] | None = None
) -> str | None:
    """Why the rule cannot run on these tables, or None when it can."""
    absent = absent or {}
    for requirement in rule.requires:
        if isinstance(requirement, AnyOf):
            if not any(
                all(_has(tables, r, absent) for r in option) for option in requirement.options
            ):
                refs = [r for o in requirement.options for r in o]
                reasons = [absent.get(r) or absent.get(r.partition(".")[0]) for r in refs]
                if all(reasons):
                    return f"needs {requirement}: " + "; ".join(dict.fromkeys(reasons))  # type: ignore[arg-type]
                named = {r.partition(".")[0] for r in refs}
                missing = sorted(t for t in named if t not in tables)
                if len(missing) == len(named):
                    return f"needs {requirement}: the input has no {' or '.join(missing)} table"
                return f"needs {requirement}: the input has none of these"
        elif not _has(tables, requirement, absent):
            return f"needs {requirement}: {_missing_reason(requirement, tables, absent)}"
    return None


def _declared(rule: Rule) -> dict[str, set[str]]:
    refs: list[str] = list(rule.uses)
    for requirement in rule.requires:
        refs += (
            [r for option in requirement.options for r in option]
            if isinstance(requirement, AnyOf)
            else [requirement]
        )
    declared: dict[str, set[str]] = {}
    for ref in refs:
        table, _, column = ref.partition(".")
        declared.setdefault(table, set())
        if column:
            declared[table].add(column)
    return declared


def _always_given(table: str) -> set[str]:
    """The columns every rule reading ``table`` gets: what identifies a row and its source."""
    key = table_spec(table).key
    given = {"child_id", "plan_id", SOURCE_ROW, SOURCE_SHEET}
    return given | {key} if key else given


def rule_tables(
    rule: Rule,
    tables: Mapping[str, pd.DataFrame],
    let_go: Mapping[str, frozenset[str]] | None = None,
) -> Tables:
    """The declared tables, cut to declared columns plus identifiers and source rows.

    Each view remembers the columns it withholds (the input has them, the rule did not
    declare them, or the engine has let them go: see :func:`run_rules`), so reading one
    raises ``UndeclaredColumn`` rather than reading as blank.
    """
    views: dict[str, pd.DataFrame] = {}
    declared = _declared(rule)
    for table, columns in declared.items():
        if table not in tables:
            continue
        always = _always_given(table)
        frame = tables[table]
        keep = [c for c in frame.columns if c in columns or c in always]
        view = frame[keep]
        withheld = frozenset(frame.columns.difference(keep)) | (let_go or {}).get(
            table, frozenset()
        )
        view.attrs = {WITHHELD: Withheld(rule.code, table, withheld)}
        views[table] = view
    return Tables(views, rule=rule.code, undeclared_tables=frozenset(set(tables) - set(declared)))


def _undeclared_read(exc: Exception, view: Tables, rule: Rule) -> str | None:
    """The reason for an ERROR when ``exc`` comes from reading an undeclared column."""
    if isinstance(exc, UndeclaredColumn):
        return str(exc)
    if isinstance(exc, KeyError) and exc.args:
        key = exc.args[0]
        withheld = view.withheld()
        names = (
            [key]
            if isinstance(key, str)
            else [str(k) for k in key]
            if isinstance(key, list)
            else []
        )
        names += [c for c in withheld if f"'{c}'" in str(key)]
        refs = [withheld[n] for n in dict.fromkeys(names) if n in withheld]
        if refs:
            return str(UndeclaredColumn(rule.code, " and ".join(refs)))
    return None


# ---------------------------------------------------------------- running


def run_rule(
    rule: Rule,
    params: Params,
    tables: Mapping[str, pd.DataFrame],
    context: AuditContext,
    absent: Mapping[str, str] | None = None,
    let_go: Mapping[str, frozenset[str]] | None = None,
) -> tuple[pd.DataFrame | None, RuleStatus]:
    status = RuleStatus(rule.code, rule.name, RAN)
    reason = unmet_requirement(rule, tables, absent)
    if reason:
        status.status, status.reason = SKIPPED, reason
        return None, status
    view = rule_tables(rule, tables, let_go)
    # Every rule reads the children table through the shared scope (open children) and
    # the engine reads it for each subject's team.
    status.tables = sorted(set(view) | ({"children"} & set(tables)))
    status.subject_rows = sum(len(tables[t]) for t in status.tables)
    context = context.scoped(tables)
    started = time.perf_counter()
    try:
        result = rule.evaluate(view, params, context)
        problem = _malformed(result)
    except Exception as exc:  # a broken rule must not stop the others
        result = None
        problem = _undeclared_read(exc, view, rule) or f"raised {type(exc).__name__}: {exc}"
    status.seconds = time.perf_counter() - started
    if problem:
        status.status, status.reason = ERROR, problem
        return None, status
    assert result is not None
    # Taken off the result before it is cut and concatenated: pandas copies attrs along.
    status.figures = result.attrs.pop(FIGURES, None)
    findings = attach_context(rule, result, tables, Directory.shared(tables, context))
    status.reason = result.attrs.get(NOTE)  # what the rule could not judge on this input
    status.counts = {o: int((findings["outcome"] == o).sum()) for o in OUTCOMES}
    return findings, status


def run_rules(
    rules: Sequence[Rule],
    params: Mapping[str, Params],
    tables: Mapping[str, pd.DataFrame],
    context: AuditContext,
    absent: Mapping[str, str] | None = None,
    progress: Progress = no_progress,
    hand_over: bool = False,
) -> tuple[pd.DataFrame, list[RuleStatus]]:
    """Run every rule; findings of those that ran, and a status for each.

    ``absent`` gives the input profile's reasons for what its source cannot provide, so a
    skipped rule says "Annex A has no first-language field" rather than a column name.

    ``hand_over``: the caller gives up ``tables`` (a dict, changed in place), and each
    column is let go of once no rule still to run declares it. At 100,000 children the
    identity notes (140 MB) go after IDN03, the visits' commentary after SEE01,
    rather than every table being held whole until the last rule. What identifies a row,
    and the children and workers tables, stay to the end: the engine reads them for every
    rule.
    """
    parts: list[pd.DataFrame] = []
    statuses: list[RuleStatus] = []
    context = context.scoped(tables)  # shared scope, once for every rule
    owned: dict[str, pd.DataFrame] | None = None
    if hand_over:
        if not isinstance(tables, dict):
            raise TypeError("hand_over needs the tables as a dict: it is changed in place")
        owned = tables
    schedule = _let_go_schedule(rules, tables) if owned is not None else []
    let_go: dict[str, frozenset[str]] = {}
    for done, rule in enumerate(rules, 1):
        if owned is not None:
            _let_go_of(schedule[done - 1], owned, let_go, context)
        progress(f"Running check {rule.code}", done, len(rules))
        rule_params = params.get(rule.code) or rule.params()
        findings, status = run_rule(rule, rule_params, tables, context, absent, let_go)
        statuses.append(status)
        if findings is not None and len(findings):
            parts.append(findings)
    if not parts:
        return empty_findings(), statuses
    findings = pd.concat(parts, ignore_index=True)
    # A chunk per rule would be joined again by every row filter the reports make.
    join_chunks(findings)
    return findings, statuses


# Read by the engine after every rule: each subject's team and worker (and, through the
# shared scope, which children are open).
_READ_BY_THE_ENGINE = frozenset({"children", "workers"})


def _let_go_schedule(
    rules: Sequence[Rule], tables: Mapping[str, pd.DataFrame]
) -> list[dict[str, list[str]]]:
    """For each rule, the columns to let go of before it runs: those the rules before it
    were the last to declare (before the first rule, those no rule declares)."""
    last: dict[tuple[str, str], int] = {}
    for place, rule in enumerate(rules, 1):
        for table, columns in _declared(rule).items():
            for column in columns:
                last[table, column] = place
    schedule: list[dict[str, list[str]]] = [{} for _ in range(len(rules) + 1)]  # last: unused
    for table, frame in tables.items():
        if table in _READ_BY_THE_ENGINE:
            continue
        given = _always_given(table)
        for column in frame.columns:
            if column not in given:
                schedule[last.get((table, column), 0)].setdefault(table, []).append(column)
    return schedule


def _let_go_of(
    columns: Mapping[str, list[str]],
    tables: dict[str, pd.DataFrame],
    let_go: dict[str, frozenset[str]],
    context: AuditContext,
) -> None:
    for table, names in columns.items():
        frame = tables[table]
        context.shared.forget([frame[name] for name in names])
        tables[table] = frame.drop(columns=names)
        let_go[table] = let_go.get(table, frozenset()) | frozenset(names)


def empty_findings() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string") for c in FINDINGS_COLUMNS})


def _malformed(result: object) -> str | None:
    """What is wrong with a rule's result, or None: malformed results are rule errors."""
    if not isinstance(result, pd.DataFrame):
        return f"returned {type(result).__name__}, not a table of outcomes"
    missing = [c for c in RESULT_COLUMNS if c not in result.columns]
    if missing:
        return f"returned a table without {', '.join(missing)}"
    outcome, reason = result["outcome"], result["reason_code"]
    if (~outcome.isin(OUTCOMES).fillna(False)).any():
        bad = sorted(set(outcome[~outcome.isin(OUTCOMES).fillna(False)].astype(str)))
        return f"returned unknown outcomes: {', '.join(bad)}"
    if (outcome.eq(MET) & reason.notna()).any():
        return "returned a met outcome with a reason code"
    if (outcome.isin([NOT_MET, NOT_APPLICABLE]) & reason.isna()).any():
        return "returned a not met or not applicable outcome without a reason code"
    if result["subject_id"].isna().any():
        return "returned an outcome without a subject_id"
    return None


@dataclass(frozen=True)
class Directory:
    """Each child's allocated worker and team, and each worker's team, by ID: what
    attach_context looks up for every rule, worked out once per run."""

    child_worker: pd.Series | None
    child_team: pd.Series
    worker_team: pd.Series | None

    @classmethod
    def of(cls, tables: Mapping[str, pd.DataFrame]) -> Directory:
        children = tables["children"].drop_duplicates("child_id").set_index("child_id")
        workers = tables.get("workers")
        return cls(
            children.get("allocated_worker"),
            children["allocated_team"],
            None
            if workers is None
            else workers.drop_duplicates("worker_id").set_index("worker_id")["team"],
        )

    @classmethod
    def shared(cls, tables: Mapping[str, pd.DataFrame], context: AuditContext) -> Directory:
        """The run's directory, once for every rule (keyed on the tables' own columns)."""
        children, workers = tables["children"], tables.get("workers")
        columns = [children[c] for c in children.columns if c in _DIRECTORY_COLUMNS]
        if workers is not None:
            columns += [workers[c] for c in ("worker_id", "team") if c in workers.columns]
        return context.shared.get("engine directory", lambda: cls.of(tables), columns)


_DIRECTORY_COLUMNS = ("child_id", "allocated_worker", "allocated_team")


def attach_context(
    rule: Rule,
    result: pd.DataFrame,
    tables: Mapping[str, pd.DataFrame],
    directory: Directory | None = None,
) -> pd.DataFrame:
    """Add the rule's identity, the subject's team and, where blank, the child's worker."""
    out = result.loc[:, list(RESULT_COLUMNS)].reset_index(drop=True)
    directory = directory or Directory.of(tables)
    if not result.attrs.get(WORKERS_AS_GIVEN) and directory.child_worker is not None:
        child_worker = text_looked_up(out["child_id"], directory.child_worker)
        out["worker_id"] = out["worker_id"].astype("string").fillna(child_worker)
    if rule.subject_type in WORKER_SUBJECTS and directory.worker_team is not None:
        team = text_looked_up(out["worker_id"], directory.worker_team)
    else:
        team = text_looked_up(out["child_id"], directory.child_team)
    out["team"] = team.fillna(UNALLOCATED_TEAM)
    out["rule_code"] = rule.code
    out["rule_name"] = rule.name
    out["recommendation"] = rule.recommendation
    out["subject_type"] = rule.subject_type
    return out.loc[:, list(FINDINGS_COLUMNS)]
