"""Each statutory visit records whether the child was seen alone, and why not.

*Standard*: Ofsted recommendation xi — regular commentary on children being seen alone
during social worker visits. Care Planning, Placement and Case Review (England)
Regulations 2010, reg 29: on each visit to a looked-after child the social worker speaks
to the child in private unless the child refuses, it is inappropriate for the child's age
and understanding, or the worker is unable to. Ofsted's Annex A asks whether the child was
seen alone at the last visit.

*Why it matters*: a child who is only ever seen with the adults around them may never be
able to say what is happening to them. If the record does not say whether the child was
seen alone, and why not, nobody can tell whether the child had that chance.

*Met when*: on a statutory visit dated within the audit month where the child was seen,
`seen_alone` is Y, or `seen_alone` is N with a `not_seen_alone_reason` that is a reg 29
code (`refused`, `age`, `unable`; any case, surrounding spaces ignored) or meaningful free
text (at least 3 words, not a placeholder such as `n/a`). When `require_commentary` is on
(default off), a Y also needs meaningful `seen_alone_commentary`.

*Not applicable*: `child_not_seen` — the visit records the child as not seen (child seen
N): the visit took place but the child was not seen at all, which is a visiting question,
not a seen-alone one.

*Not met when*:
- `seen_alone_not_recorded` — the seen-alone field is blank, unknown or a value that is
  neither Y nor N (the detail shows it);
- `no_reason_not_seen_alone` — not seen alone and no reg 29 code or meaningful reason;
- `no_commentary` — seen alone, the require-commentary parameter is on, and there is no
  meaningful commentary.

*Missing data*: subjects are the statutory visits dated within the audit month to open
children. A visit is statutory when `visit_type` is `statutory` (any case, trimmed; the
list is the parameter `statutory_visit_types`), or every visit when the input has no
`visit_type` column; a blank `visit_type` in a present column is not statutory. A blank
`child_seen` counts as seen. Without a `seen_alone` column the rule is skipped.

*Interpretation*: a `child_seen` value that is neither Y nor N counts as seen (only an
explicit N takes the visit out). With `require_commentary` on and no
`seen_alone_commentary` column in the input, every Y visit is `no_commentary` and the
detail says the column is missing, so the gap is visible rather than passed. When the
input's source cannot record why a child was not seen alone at all (Ofsted's Annex A asks
only "Was the child seen alone?"), a "no" is not applicable with reason
`reason_not_in_source` and the detail asks for the case record to be checked: the record
is not blamed for a field its source does not have. An export that simply lacks the column
is still judged (`no_reason_not_seen_alone`).

Bad: `seen_alone` blank; or N with reason `n/a`.
Good: Y; N with reason `refused`; N with "Child was asleep when I arrived".
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
    is_no,
    is_yes,
    judge,
    param,
    words,
)
from audit.rulekit.scope import in_period
from audit.rulekit.visits import (
    REG29_CODES,
    STATUTORY_VISIT_TYPES,
    child_was_seen,
    reg29_reason,
    statutory_visits,
)
from audit.rulekit.wording import uk_date


@dataclass(frozen=True)
class SeenAloneRecordedParams(Params):
    require_commentary: bool = param(
        False, "A child seen alone also needs meaningful seen_alone_commentary (local)"
    )
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


def evaluate(tables: Tables, params: SeenAloneRecordedParams, ctx: AuditContext) -> pd.DataFrame:
    visits = tables["visits"]
    in_scope = (
        in_period(visits["visit_date"], ctx.period)
        & ctx.is_open_child(visits["child_id"])
        & statutory_visits(visits, params.statutory_visit_types)
    )
    subjects = visits[in_scope]

    seen_alone = subjects["seen_alone"]
    said_yes = is_yes(seen_alone)
    said_no = is_no(seen_alone)
    not_seen = ~child_was_seen(subjects)

    reason = column_or_blank(subjects, "not_seen_alone_reason")
    # Some sources (Annex A) hold whether the child was seen alone but never why not: the
    # record cannot be blamed for a field its source does not have.
    source_has_no_reasons = (
        None
        if tables.has("visits", "not_seen_alone_reason")
        else ctx.source_lacks("visits.not_seen_alone_reason")
    )
    reg29 = reg29_reason(reason, params.reg29_reasons)
    free_text_reason = ctx.meaningful(reason)

    has_commentary_column = tables.has("visits", "seen_alone_commentary")
    commentary = column_or_blank(subjects, "seen_alone_commentary")
    commentary_missing = pd.Series(params.require_commentary, index=subjects.index) & ~(
        ctx.meaningful(commentary)
    )

    visit = words("Visit on ", uk_date(subjects["visit_date"]))
    recorded_as = words(" (recorded as '", seen_alone.astype("string"), "')").fillna("")
    reg29_list = ", ".join(params.reg29_reasons)
    given_reason = words(
        "; reason '",
        reason.astype("string"),
        f"' is neither a reg 29 code ({reg29_list}) nor a meaningful explanation",
    ).fillna(" and no reason recorded")
    commentary_gap = (
        ": seen alone, but there is no commentary on seeing the child alone"
        if has_commentary_column
        else ": seen alone, but the input has no seen_alone_commentary column"
    )

    return judge(
        subjects,
        source_table="visits",
        subject_id=subjects["visit_id"],
        child_id=subjects["child_id"],
        worker_id=column_or_blank(subjects, "worker_id"),
        evidence_date=subjects["visit_date"],
        cases=[
            Case(not_seen, NOT_APPLICABLE, "child_not_seen", visit + ": child not seen"),
            Case(
                ~said_yes & ~said_no,
                NOT_MET,
                "seen_alone_not_recorded",
                visit + ": seen alone not recorded" + recorded_as,
            ),
            Case(
                said_no & pd.Series(source_has_no_reasons is not None, index=subjects.index),
                NOT_APPLICABLE,
                "reason_not_in_source",
                visit + f": not seen alone; {source_has_no_reasons}, so check the case record",
            ),
            Case(
                said_no & ~reg29 & ~free_text_reason,
                NOT_MET,
                "no_reason_not_seen_alone",
                visit + ": not seen alone" + given_reason,
            ),
            Case(said_yes & commentary_missing, NOT_MET, "no_commentary", visit + commentary_gap),
            # Met, and why: a reg 29 code, a reason in words, or seen alone.
            Case(
                said_no & reg29,
                MET,
                None,
                visit + ": not seen alone, reg 29 reason '" + reason.astype("string") + "'",
            ),
            Case(said_no, MET, None, visit + ": not seen alone, reason recorded"),
        ],
        otherwise=always(MET, None, visit + ": seen alone"),
    )


RULE = Rule(
    code="SEE01",
    name="seen_alone_recorded",
    recommendation="xi",
    subject_type="visit",
    requires=("visits.seen_alone", "visits.visit_date"),
    uses=(
        "visits.visit_type",
        "visits.child_seen",
        "visits.not_seen_alone_reason",
        "visits.seen_alone_commentary",
        "visits.worker_id",
    ),
    params=SeenAloneRecordedParams,
    evaluate=evaluate,
)
