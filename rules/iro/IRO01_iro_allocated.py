"""Every looked-after child has an independent reviewing officer in post.

*Standard*: Ofsted recommendation vii — IRO workloads allow them to involve children and
families; Children Act 1989 s.25A and the IRO Handbook (2010): the authority appoints an
IRO for every looked-after child, who chairs their reviews and monitors the care plan.

*Why it matters*: the IRO is the looked-after child's independent check that their plan
is working and that their voice is heard. A child without one, or whose IRO has left or is
not an IRO, has nobody independent watching their plan.

*Met when*: the child's `iro_id` names a worker whose `role` is `iro` and who is active in
the audit month (`start_date` blank or on/before its last day, `end_date` blank or on/after
its first day).

*Not met when*:
- `no_iro_allocated` — the child's IRO field is blank;
- `iro_not_found` — it names nobody in the workers table, a worker who is not an IRO, or
  an IRO not in post in the month (the detail says which).

*Missing data*: subjects are the open children whose `case_type` is CLA (trimmed, any
case). The rule is skipped without `children.iro_id`, `children.case_type` or
`workers.role`. A worker's blank role is not `iro`.

*Interpretation*: the detail does not name the recorded IRO: they may be another team's
worker, and a team's report never names another team's people (the child's row in the
children sheet has the IRO field). An IRO who left during the month (an `end_date` in the
month) was in post in the month, so still counts; the child is judged on their new IRO next
month.
The evidence date is blank: the allocation is judged at the as-at date.

Bad: a looked-after child with no IRO recorded, or with an IRO who left in June.
Good: a looked-after child whose IRO is an `iro` in post.
"""

from __future__ import annotations

from audit.lazy import pd
from audit.rulekit import MET, NOT_MET, AuditContext, Case, Rule, Tables, column_or_blank, judge
from audit.rulekit.scope import is_in
from audit.rulekit.wording import uk_date

LOOKED_AFTER = "CLA"
IRO_ROLE = "iro"


def evaluate(tables: Tables, params: object, ctx: AuditContext) -> pd.DataFrame:
    children = tables["children"]
    looked_after = children["case_type"].astype("string").str.strip().str.upper().eq(LOOKED_AFTER)
    subjects = children[ctx.is_open_child(children["child_id"]) & looked_after.fillna(False)]
    iro_id = subjects["iro_id"].astype("string").str.strip().replace("", pd.NA)

    workers = tables["workers"].drop_duplicates("worker_id").set_index("worker_id")
    role = workers["role"].astype("string").str.strip().str.casefold()
    start = pd.to_datetime(column_or_blank(workers, "start_date", "datetime64[ns]"))
    end = pd.to_datetime(column_or_blank(workers, "end_date", "datetime64[ns]"))
    in_post = (start.isna() | (start <= ctx.as_at)) & (end.isna() | (end >= ctx.period.start_ts))

    def theirs(values: pd.Series) -> pd.Series:
        """The named worker's value for each child (missing when nobody is named)."""
        return pd.Series(values.reindex(iro_id.to_numpy()).to_numpy(), index=iro_id.index)

    known = is_in(iro_id, workers.index.to_series())
    their_role = theirs(role).astype("string")
    is_iro = their_role.eq(IRO_ROLE).fillna(False).astype(bool)
    their_in_post = theirs(in_post).astype("boolean").fillna(False).astype(bool)
    their_end = pd.to_datetime(theirs(end))
    their_start = pd.to_datetime(theirs(start))
    why_not = (
        pd.Series("is not in the workers table", index=subjects.index, dtype="string")
        .mask(known & ~is_iro, "has the role '" + their_role.fillna("(blank)") + "', not iro")
        .mask(
            known & is_iro & (their_end < ctx.period.start_ts).fillna(False),
            "left on " + uk_date(their_end),
        )
        .mask(
            known & is_iro & (their_start > ctx.as_at).fillna(False),
            "starts on " + uk_date(their_start),
        )
    )
    return judge(
        subjects,
        source_table="children",
        subject_id=subjects["child_id"],
        child_id=subjects["child_id"],
        cases=[
            Case(
                iro_id.isna(),
                NOT_MET,
                "no_iro_allocated",
                "Looked-after child with no IRO recorded",
            ),
            Case(
                ~(is_iro & their_in_post),
                NOT_MET,
                "iro_not_found",
                "The recorded IRO " + why_not,
            ),
        ],
        otherwise=Case(
            pd.Series(True, index=subjects.index), MET, None, "IRO allocated and in post"
        ),
    )


RULE = Rule(
    code="IRO01",
    name="iro_allocated",
    recommendation="vii",
    subject_type="child",
    requires=("children.iro_id", "children.case_type", "workers.role"),
    uses=(
        "workers.start_date",
        "workers.end_date",
    ),
    evaluate=evaluate,
)
