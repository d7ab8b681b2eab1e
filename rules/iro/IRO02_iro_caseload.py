"""Each IRO's caseload per full-time equivalent within the IRO Handbook's range.

*Standard*: Ofsted recommendation vii — IRO workloads give them capacity to involve
children and families. The IRO Handbook (2010) recommends 50–70 looked-after children per
full-time IRO; the default limit, 70 per full-time equivalent, is its upper end (parameter
`max_per_fte`).

*Why it matters*: an IRO holding far more children than the Handbook's range cannot meet
each child before their review, read their file or follow up the plan between reviews:
the child's independent check becomes a meeting chaired by a stranger.

*Met when*: the IRO's caseload divided by their FTE is at most `max_per_fte`. The caseload
is the number of distinct open looked-after (CLA) children whose `iro_id` is the IRO.

*Not met when*:
- `caseload_above_range` — more children per full-time equivalent than the limit (the
  detail gives the children, the FTE, the children per FTE and the limit).

*Not applicable*: `no_children_allocated` — no open looked-after child names the IRO.

*Missing data*: subjects are the workers whose `role` is `iro` (trimmed, any case) and who
are in post in the month (`start_date` blank or on/before its last day, `end_date` blank or
on/after its first day). A blank `fte`, or no `fte` column, counts as 1.0. An FTE of zero,
below zero or above 1.5 (the loader reports it as a data-quality finding, as it does an FTE
that is not a number) is judged at 1.0, and the detail says so. The rule is skipped without
`children.iro_id` or `workers.role`; without a `case_type` column every open child with an
`iro_id` counts (the contract records an IRO for looked-after children).

*Interpretation*: children count whatever their own case dates say within the month (an
open child is one open at some point in it), so a child who left care during the month
still counts on their IRO's caseload this month. Per-FTE figures are shown to one decimal
place; the comparison uses the exact figure. The team is the IRO's own team.

Bad: 40 children on a 0.5 FTE IRO (80 per FTE). Good: 60 children on a full-time IRO.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.lazy import np, pd
from audit.rulekit import (
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    AuditContext,
    Case,
    Params,
    Rule,
    Tables,
    column_or_blank,
    has_column,
    judge,
    param,
    with_figures,
)

LOOKED_AFTER = "CLA"
IRO_ROLE = "iro"
# Plausible FTE: above 0, at most 1.5 (RULES.md); anything else is judged at 1.0.
FTE_ABOVE, FTE_AT_MOST = 0.0, 1.5


@dataclass(frozen=True)
class IroCaseloadParams(Params):
    max_per_fte: float = param(
        70.0, "Most looked-after children per full-time IRO (IRO Handbook range: 50-70)"
    )


def evaluate(tables: Tables, params: IroCaseloadParams, ctx: AuditContext) -> pd.DataFrame:
    workers = tables["workers"].drop_duplicates("worker_id")
    role = workers["role"].astype("string").str.strip().str.casefold()
    start = pd.to_datetime(column_or_blank(workers, "start_date", "datetime64[ns]"))
    end = pd.to_datetime(column_or_blank(workers, "end_date", "datetime64[ns]"))
    in_post = (start.isna() | (start <= ctx.as_at)) & (end.isna() | (end >= ctx.period.start_ts))
    subjects = workers[role.eq(IRO_ROLE).fillna(False).astype(bool) & in_post]

    children = tables["children"]
    kind = column_or_blank(children, "case_type").astype("string").str.strip().str.upper()
    # Without a case_type column, iro_id (recorded for looked-after children) says it.
    looked_after = kind.eq(LOOKED_AFTER) if has_column(children, "case_type") else kind.isna()
    cared_for = children[ctx.is_open_child(children["child_id"]) & looked_after.fillna(False)]
    iro_id = cared_for["iro_id"].astype("string").str.strip()
    caseload_by_iro = cared_for.assign(_iro=iro_id).groupby("_iro")["child_id"].nunique()
    caseload = subjects["worker_id"].map(caseload_by_iro).fillna(0).astype(int)

    recorded = pd.to_numeric(column_or_blank(subjects, "fte", "Float64"), errors="coerce")
    plausible = (recorded > FTE_ABOVE) & (recorded <= FTE_AT_MOST)
    fte = recorded.where(plausible.fillna(False).astype(bool), 1.0).astype(float)
    per_fte = caseload / fte

    fte_text = fte.map("{:g}".format).astype("string")
    fte_note = pd.Series(
        np.where(
            recorded.isna() | plausible.fillna(False).astype(bool),
            "",
            " (FTE recorded as " + recorded.astype("string").fillna("") + ", judged at 1.0)",
        ),
        index=subjects.index,
        dtype="string",
    )
    limit = f"{params.max_per_fte:g}"
    figures = (
        caseload.astype("string")
        + " looked-after children, FTE "
        + fte_text
        + fte_note
        + ": "
        + per_fte.map("{:.1f}".format).astype("string")
        + " per FTE (limit "
        + limit
        + ")"
    )
    result = judge(
        subjects,
        source_table="workers",
        subject_id=subjects["worker_id"],
        worker_id=subjects["worker_id"],
        cases=[
            Case(
                caseload.eq(0),
                NOT_APPLICABLE,
                "no_children_allocated",
                "No open looked-after child has this IRO",
            ),
            Case(per_fte > params.max_per_fte, NOT_MET, "caseload_above_range", figures),
        ],
        otherwise=Case(pd.Series(True, index=subjects.index), MET, None, figures),
    )
    # The same figures as numbers, for the reports' caseload table.
    return with_figures(
        result,
        children=caseload,
        fte=fte,
        fte_recorded=recorded.astype(float),
        per_fte=per_fte,
        limit=pd.Series(params.max_per_fte, index=subjects.index, dtype=float),
    )


RULE = Rule(
    code="IRO02",
    name="iro_caseload",
    recommendation="vii",
    subject_type="worker",
    requires=("children.iro_id", "workers.role"),
    uses=(
        "children.case_type",
        "workers.fte",
        "workers.start_date",
        "workers.end_date",
    ),
    params=IroCaseloadParams,
    evaluate=evaluate,
)
