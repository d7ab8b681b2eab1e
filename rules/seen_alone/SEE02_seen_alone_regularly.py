"""Each child seen on a statutory visit this month was seen alone at least once.

*Standard*: Ofsted recommendation xi — children are seen alone during social worker
visits, and the record says so. Care Planning, Placement and Case Review (England)
Regulations 2010, reg 29: the social worker speaks to a looked-after child in private on
each visit unless the child refuses, it is inappropriate for the child's age and
understanding, or the worker is unable to. For children on child protection plans the
plan says when the child will be seen alone (Working Together to Safeguard Children 2023).

*Why it matters*: one visit without private time can be justified; a whole month of
visits where the child was never seen alone, without a reg 29 reason, means the child had
no safe chance to say what is happening to them.

*Met when*: at least one statutory visit in the audit month where the child was seen has
`seen_alone` Y.

*Not applicable*: `justified_not_alone` — every such visit has `seen_alone` N with a reg 29
reason code (`refused`, `age`, `unable`; any case, trimmed). Free text, even one that
mentions a refusal, does not justify it here (SEE01 judges free-text reasons per visit).

*Not met when*:
- `not_seen_alone_in_period` — none of the month's visits recorded the child seen alone
  (N without a reg 29 code, blank or unknown); the detail gives the number of visits and
  the latest visit date.

*Missing data*: subjects are the open children with at least one statutory visit dated
within the audit month where the child was seen. A visit is statutory when `visit_type` is
`statutory` (any case, trimmed; parameter `statutory_visit_types`), or every visit when
the input has no `visit_type` column; a blank `visit_type` in a present column is not
statutory. A blank `child_seen` counts as seen; visits with `child_seen` N are left out.
A blank or unknown `seen_alone` counts as not seen alone. A child with no such visit is
not a subject here (visiting frequency is a separate check). Without a `seen_alone`
column the rule is skipped. The evidence date is the latest such visit.

Bad: two visits this month, `seen_alone` N (no reason) and blank.
Good: two visits, one with `seen_alone` Y; or every visit N with reason `refused`.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.lazy import pd
from audit.rulekit import (
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    AuditContext,
    Case,
    Params,
    Rule,
    Tables,
    always,
    codes,
    column_or_blank,
    has_column,
    is_no,
    is_yes,
    judge,
    words,
)
from audit.rulekit.scope import in_period, is_in
from audit.rulekit.visits import (
    REG29_CODES,
    STATUTORY_VISIT_TYPES,
    child_was_seen,
    reg29_reason,
    statutory_visits,
)
from audit.rulekit.wording import plural, uk_date


@dataclass(frozen=True)
class SeenAloneRegularlyParams(Params):
    reg29_reasons: tuple[str, ...] = codes(
        "visits.not_seen_alone_reason",
        REG29_CODES,
        "not_seen_alone_reason codes that justify not seeing the child alone (reg 29)",
    )
    statutory_visit_types: tuple[str, ...] = codes(
        "visits.visit_type",
        STATUTORY_VISIT_TYPES,
        "visit_type values (any case) that mark a statutory visit",
    )


def evaluate(tables: Tables, params: SeenAloneRegularlyParams, ctx: AuditContext) -> pd.DataFrame:
    visits = tables["visits"]
    children = tables["children"]
    open_kids = children[ctx.is_open_child(children["child_id"])]

    in_scope = (
        in_period(visits["visit_date"], ctx.period)
        & ctx.is_open_child(visits["child_id"])
        & statutory_visits(visits, params.statutory_visit_types)
        & child_was_seen(visits)
    )
    # Only the columns judged here are carried along.
    judged = ["child_id", "visit_date", "seen_alone"]
    if has_column(visits, "not_seen_alone_reason"):
        judged.append("not_seen_alone_reason")
    seen = visits.loc[in_scope, judged]

    per_visit = pd.DataFrame(
        {
            "child_id": seen["child_id"],
            "visit_date": seen["visit_date"],
            "alone": is_yes(seen["seen_alone"]),
            "justified": is_no(seen["seen_alone"])
            & reg29_reason(column_or_blank(seen, "not_seen_alone_reason"), params.reg29_reasons),
        }
    )
    per_child = per_visit.groupby("child_id").agg(
        visits=("visit_date", "size"),
        alone=("alone", "sum"),
        all_justified=("justified", "all"),
        latest=("visit_date", "max"),
    )

    subjects = open_kids[is_in(open_kids["child_id"], per_child.index.to_series())]
    stats = per_child.reindex(subjects["child_id"]).set_axis(subjects.index)
    count = stats["visits"].astype(int)
    month = ctx.period.start.strftime("%B %Y")
    counted = words(count.astype(str), " statutory ", plural(count, "visit"), " in ", month)
    latest = uk_date(stats["latest"])

    return judge(
        subjects,
        source_table="children",
        subject_id=subjects["child_id"],
        child_id=subjects["child_id"],
        evidence_date=stats["latest"],
        cases=[
            Case(
                stats["alone"].eq(0) & stats["all_justified"],
                NOT_APPLICABLE,
                "justified_not_alone",
                counted + " (latest " + latest + "): not seen alone, each with a reg 29 reason",
            ),
            Case(
                stats["alone"].eq(0),
                NOT_MET,
                "not_seen_alone_in_period",
                counted
                + " where the child was seen (latest "
                + latest
                + "): none recorded the child seen alone",
            ),
        ],
        otherwise=always(
            MET,
            None,
            words("Seen alone on ", stats["alone"].astype(int).astype(str), " of ") + counted,
        ),
    )


RULE = Rule(
    code="SEE02",
    name="seen_alone_regularly",
    recommendation="xi",
    subject_type="child",
    requires=("children", "visits.seen_alone", "visits.visit_date"),
    uses=(
        "visits.visit_type",
        "visits.child_seen",
        "visits.not_seen_alone_reason",
    ),
    params=SeenAloneRegularlyParams,
    evaluate=evaluate,
)
