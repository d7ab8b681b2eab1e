"""Identity needs considered in every active CIN and CP plan.

*Standard*: Ofsted recommendation i — ethnicity, culture, race and language actively
considered in CIN and CP plans; Children Act 1989 s.22(5)(c) (due consideration to
religious persuasion, racial origin and cultural and linguistic background); Care
Planning Regulations 2010 reg 5(b)(iv) (the plan sets out how identity needs are met).

*Why it matters*: a plan that never says how the child's ethnicity, culture, religion and
language shape the help offered treats every child the same, and inspectors look for the
written evidence, not a tick.

*Met when*: the latest version of the plan (at the end of the audit month) has meaningful
identity notes. When the input has no `identity_notes` column but has the
`identity_considered` tick-box, a Y is met and the detail says "Tick-box only": the
evidence is a tick, not a description.

*Not met when*:
- `identity_not_evidenced` — the input has identity notes, and this plan's are blank or
  not meaningful text (a placeholder such as `n/a`, or too few words; the detail shows it);
- `identity_not_considered` — tick-box only, and it is N, blank, or an unrecognised value.

*Missing data*: subjects are the latest version, on or before the end of the audit month,
of each plan active in the month (started by the month end, not ended before the month
start) whose `plan_type` is one of `plan_types` (default CIN and CP), for children open in
the month. Without both `identity_notes` and `identity_considered` the rule is skipped.

*Interpretation*: when the input has both columns, the notes decide and the tick-box only
adds a hint to the detail ("tick-box says Y") — a tick is not evidence of how identity was
considered. The plan type is the latest version's.

Bad: identity notes `n/a`, or a tick-box Y with nothing written. Good: "Aisha's Somali
heritage and Islamic faith: carers supported to take her to the mosque; Somali interpreter
at every meeting."
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.lazy import pd
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
    codes,
    is_no,
    is_yes,
    judge,
)
from audit.rulekit.plans import PLAN_DATES_USED, active_latest_plans, plan_label
from audit.rulekit.text import one_line
from audit.rulekit.wording import words


@dataclass(frozen=True)
class IdentityPlanParams(Params):
    plan_types: tuple[str, ...] = codes(
        "plans.plan_type", ("CIN", "CP"), "plan types audited (codes: CIN, CP, CLA, PATHWAY)"
    )


def evaluate(tables: Tables, params: IdentityPlanParams, ctx: AuditContext) -> pd.DataFrame:
    plans = active_latest_plans(tables["plans"], ctx)
    plans = plans[plans["plan_type"].isin(params.plan_types).fillna(False)]
    # Each case's detail is put together for its own subjects only.
    label = words(plan_label(plans))
    considered = (
        plans["identity_considered"]
        if tables.has("plans", "identity_considered")
        else pd.Series(pd.NA, index=plans.index, dtype="string")
    )

    if tables.has("plans", "identity_notes"):
        notes = plans["identity_notes"]
        ticked_hint = pd.Series("", index=plans.index, dtype="string").mask(
            is_yes(considered), " (tick-box says Y, but the plan does not say how)"
        )
        cases = [
            Case(
                notes.isna(),
                NOT_MET,
                "identity_not_evidenced",
                label + ": no identity notes recorded" + ticked_hint,
            ),
            Case(
                ~ctx.meaningful(notes),
                NOT_MET,
                "identity_not_evidenced",
                label + ": identity notes say only '" + one_line(notes) + "'" + ticked_hint,
            ),
        ]
    else:
        cases = [
            Case(is_yes(considered), MET, None, "Tick-box only: identity considered = Y"),
            Case(
                considered.isna(),
                NOT_MET,
                "identity_not_considered",
                label + ": identity considered not recorded (tick-box blank)",
            ),
            Case(
                is_no(considered),
                NOT_MET,
                "identity_not_considered",
                label + ": identity considered = N",
            ),
            always(
                NOT_MET,
                "identity_not_considered",
                label + ": identity considered recorded as '" + one_line(considered) + "'",
            ),
        ]

    return judge(
        plans,
        source_table="plans",
        subject_id=plans["plan_id"],
        child_id=plans["child_id"],
        evidence_date=plans["plan_date"],
        cases=cases,
    )


RULE = Rule(
    code="IDN03",
    name="identity_considered_in_plan",
    recommendation="i",
    subject_type="plan",
    requires=(
        AnyOf("plans.identity_notes", "plans.identity_considered"),
        "plans.plan_type",
        "plans.plan_date",
    ),
    uses=(*PLAN_DATES_USED,),
    params=IdentityPlanParams,
    evaluate=evaluate,
)
