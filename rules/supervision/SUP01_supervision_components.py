"""Supervision records show all four components of effective supervision.

*Standard*: Ofsted recommendation iii — supervision records include all the components of
effective supervision, including case and worker reflection. The components follow
Morrison's 4×4×4 cycle (experience → reflection → analysis → action planning) and the
employer standards for social workers (LGA Standard 5): **case discussion** (what is
happening for the child or the caseload), **case reflection** (reflection and analysis of
the case: hypotheses, risk, the impact on the child), **worker reflection** (the worker's
own practice, its emotional impact, wellbeing, workload and learning) and **actions**
(decisions and actions with owners and timescales).

*Why it matters*: a record that only lists updates and tasks shows management oversight
but not the thinking behind decisions, nor whether the worker is supported. Reflection is
what lets drift and over-optimism be spotted before they harm a child.

*Met when*: every component is present in a supervision record dated within the audit
month.
- When the input has all four component columns (`case_discussion`, `case_reflection`,
  `worker_reflection`, `actions`), a component is present when its column holds
  meaningful text (trimmed, not a placeholder such as `n/a` or `see above`, at least
  3 words).
- Otherwise, when the record is one narrative (`notes`), a component is present when the
  notes contain one of that component's phrases, matched case-insensitively as whole words
  (`action` does not match `actions`, so both are listed). The default phrase lists
  (parameters `case_discussion_phrases`, `case_reflection_phrases`,
  `worker_reflection_phrases`, `actions_phrases`) are a local starting point, not a
  national standard; a council replaces them in `audit.toml` with the headings and
  wording its own supervision template uses:
  - case discussion: "case discussion", "discussed", "discussion", "update on",
    "case update", "progress", "caseload", "current situation";
  - case reflection: "case reflection", "reflection on the case", "reflected on the case",
    "analysis", "risk analysis", "hypothesis", "hypotheses", "what is the impact on the
    child", "impact on the child", "lived experience", "what are we worried about",
    "what is working well";
  - worker reflection: "worker reflection", "wellbeing", "well-being", "reflected on my
    practice", "reflected on her practice", "reflected on his practice", "reflected on
    their practice", "own practice", "emotional impact", "workload", "support needs",
    "learning needs", "learning and development", "professional development", "training
    needs" (not bare "learning" or "training", which would match "learning disability" or
    "toilet training" in the case discussion);
  - actions: "action", "actions", "actions agreed", "action plan", "by date",
    "timescale", "timescales", "responsible", "deadline", "to be completed by",
    "management decision".
  A met record in notes mode says in its detail that the evidence is a phrase match.

*Not met when*:
- `missing_components` — one or more components are absent; the detail names them in the
  order case discussion, case reflection, worker reflection, actions, e.g.
  `missing: case reflection, worker reflection`.

*Missing data*: subjects are the supervision records dated within the audit month. A
blank component column, or blank notes, means the component is missing. The team is the
supervisee's team from `workers` (a worker not listed there is reported as
`Unallocated`); without a `workers` table, or without either the four component columns
or `notes`, the rule is skipped, never reported as compliant. `child_id` is shown when
the record is case supervision for one child; it does not limit which records count.

*Interpretation*: when all four component columns and `notes` are present, the component
columns decide and `notes` is not read (the system has structured fields, so each is
judged on its own). With only some of the component columns, the record is judged from
`notes`.

Bad: `Discussed C1's progress. Actions agreed.` (no case or worker reflection).
Good: `Discussed C1's progress; hypothesis about the impact on the child of dad's return;
worker reflected on my practice and workload; actions agreed with timescales.`
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.lazy import np, pd
from audit.rulekit import (
    MET,
    NOT_MET,
    AnyOf,
    AuditContext,
    Case,
    Params,
    Rule,
    Tables,
    always,
    column_or_blank,
    judge,
    param,
)
from audit.rulekit.scope import in_period
from audit.rulekit.text import contains_any_phrase

COMPONENT_COLUMNS = ("case_discussion", "case_reflection", "worker_reflection", "actions")
COMPONENT_LABELS = ("case discussion", "case reflection", "worker reflection", "actions")


@dataclass(frozen=True)
class SupervisionComponentsParams(Params):
    case_discussion_phrases: tuple[str, ...] = param(
        (
            "case discussion",
            "discussed",
            "discussion",
            "update on",
            "case update",
            "progress",
            "caseload",
            "current situation",
        ),
        "Phrases in notes that evidence case discussion (local default; notes mode only)",
    )
    case_reflection_phrases: tuple[str, ...] = param(
        (
            "case reflection",
            "reflection on the case",
            "reflected on the case",
            "analysis",
            "risk analysis",
            "hypothesis",
            "hypotheses",
            "what is the impact on the child",
            "impact on the child",
            "lived experience",
            "what are we worried about",
            "what is working well",
        ),
        "Phrases in notes that evidence reflection and analysis of the case (local default)",
    )
    worker_reflection_phrases: tuple[str, ...] = param(
        (
            "worker reflection",
            "wellbeing",
            "well-being",
            "reflected on my practice",
            "reflected on her practice",
            "reflected on his practice",
            "reflected on their practice",
            "own practice",
            "emotional impact",
            "workload",
            "support needs",
            "learning needs",
            "learning and development",
            "professional development",
            "training needs",
        ),
        "Phrases in notes that evidence the worker's own reflection and support (local default)",
    )
    actions_phrases: tuple[str, ...] = param(
        (
            "action",
            "actions",
            "actions agreed",
            "action plan",
            "by date",
            "timescale",
            "timescales",
            "responsible",
            "deadline",
            "to be completed by",
            "management decision",
        ),
        "Phrases in notes that evidence actions or decisions with timescales (local default)",
    )


def _components_present(
    tables: Tables,
    supervisions: pd.DataFrame,
    params: SupervisionComponentsParams,
    ctx: AuditContext,
) -> tuple[list[pd.Series], bool]:
    """One bool Series per component (in COMPONENT_COLUMNS order), and whether from notes."""
    if all(tables.has("supervisions", c) for c in COMPONENT_COLUMNS):
        return [ctx.meaningful(supervisions[c]) for c in COMPONENT_COLUMNS], False
    notes = supervisions["notes"]
    lexicon = (
        params.case_discussion_phrases,
        params.case_reflection_phrases,
        params.worker_reflection_phrases,
        params.actions_phrases,
    )
    return [contains_any_phrase(notes, phrases) for phrases in lexicon], True


def evaluate(
    tables: Tables, params: SupervisionComponentsParams, ctx: AuditContext
) -> pd.DataFrame:
    supervisions = tables["supervisions"]
    subjects = supervisions[in_period(supervisions["supervision_date"], ctx.period)]
    present, from_notes = _components_present(tables, subjects, params, ctx)

    # Built per component (four columns), never per record: ", case reflection, actions".
    missing_list = pd.Series("", index=subjects.index, dtype=object)
    for label, has_it in zip(COMPONENT_LABELS, present, strict=True):
        missing_list = missing_list + np.where(has_it, "", ", " + label)
    any_missing = missing_list.ne("")
    detail = "missing: " + missing_list.str[2:]

    met_detail = "All four components found in the notes (phrase match)" if from_notes else None
    return judge(
        subjects,
        source_table="supervisions",
        subject_id=subjects["supervision_id"],
        child_id=column_or_blank(subjects, "child_id"),
        worker_id=subjects["worker_id"],
        evidence_date=subjects["supervision_date"],
        cases=[Case(any_missing, NOT_MET, "missing_components", detail)],
        otherwise=always(MET, None, met_detail),
    )


RULE = Rule(
    code="SUP01",
    name="supervision_components",
    recommendation="iii",
    subject_type="supervision",
    requires=(
        AnyOf(
            tuple(f"supervisions.{c}" for c in COMPONENT_COLUMNS),
            "supervisions.notes",
        ),
        "supervisions.supervision_date",
        "supervisions.worker_id",
        "workers.team",
        "workers.worker_id",
    ),
    uses=("supervisions.child_id",),
    params=SupervisionComponentsParams,
    evaluate=evaluate,
)
