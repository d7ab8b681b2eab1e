"""How the child's views shaped the plan, recorded in every active plan.

*Standard*: Ofsted recommendation ii — records show how the child's views are taken
forward in planning and acted upon; Children Act 1989 s.22(5) and s.17(4A) (give the
child's wishes and feelings due consideration); the Lundy model's "influence": the record
says what the child said and how the plan changed, or why it did not.

*Why it matters*: writing down what a child said is not listening. Unless the plan says
what was done with the child's views, nobody can tell whether they changed anything.

*Met when*: the latest version of the plan (at the end of the audit month) records the
child's views and has meaningful `views_influence` text.

*Not met when*:
- `influence_not_recorded` — the views are recorded but the views influence text is blank
  or not meaningful text (a placeholder such as `see above`, or too few words; the detail shows
  it).

*Not applicable*: `views_not_recorded` — the version has no meaningful child's views, so
there is nothing whose influence could be shown (VOC01 reports the missing views). Views
copied forward from an older version are still views: their influence is judged.

*Missing data*: subjects are the latest version, on or before the end of the audit month,
of each plan of any type active in the month (started by the month end, not ended before
the month start), for children open in the month — the same subjects as VOC01. Without a
`child_views` or a `views_influence` column the rule is skipped.

Bad: views "Wants to see dad more", influence "Noted". Good: influence "Contact with dad
moved to Saturdays so it no longer clashes with football, as Sam asked."
"""

from __future__ import annotations

from audit.lazy import pd
from audit.rulekit import (
    NOT_APPLICABLE,
    NOT_MET,
    AuditContext,
    Case,
    NoParams,
    Rule,
    Tables,
    judge,
)
from audit.rulekit.plans import PLAN_DATES_USED, active_latest_plans, plan_label
from audit.rulekit.text import one_line
from audit.rulekit.wording import words


def evaluate(tables: Tables, params: NoParams, ctx: AuditContext) -> pd.DataFrame:
    plans = active_latest_plans(tables["plans"], ctx)
    # Each case's detail is put together for its own subjects only.
    label = words(plan_label(plans))
    influence = plans["views_influence"]
    return judge(
        plans,
        source_table="plans",
        subject_id=plans["plan_id"],
        child_id=plans["child_id"],
        evidence_date=plans["plan_date"],
        cases=[
            Case(
                ~ctx.meaningful(plans["child_views"]),
                NOT_APPLICABLE,
                "views_not_recorded",
                label + ": no child's views recorded, so their influence cannot be judged",
            ),
            Case(
                influence.isna(),
                NOT_MET,
                "influence_not_recorded",
                label + ": how the child's views shaped the plan is not recorded",
            ),
            Case(
                ~ctx.meaningful(influence),
                NOT_MET,
                "influence_not_recorded",
                label
                + ": how the child's views shaped the plan says only '"
                + one_line(influence)
                + "'",
            ),
        ],
    )


RULE = Rule(
    code="VOC02",
    name="views_influence_recorded",
    recommendation="ii",
    subject_type="plan",
    requires=("plans.child_views", "plans.views_influence", "plans.plan_type", "plans.plan_date"),
    uses=(*PLAN_DATES_USED,),
    evaluate=evaluate,
)
