"""Looked-after children referred to CAMHS are seen within the waiting standard.

*Standard*: Ofsted recommendation x — looked-after children referred to child and
adolescent mental health services are prioritised, and services are accessible and timely.
There is no national referral-to-treatment standard for general CAMHS; four weeks is the
proposed waiting-time standard (default `max_days` 28 calendar days), and urgent referrals
follow the eating-disorder standard of one week (default `max_days_urgent` 7). Both are
parameters.

*Why it matters*: a looked-after child's mental health need is often why a placement is
breaking down. Each week waiting for a first appointment is a week the carers and the
child manage alone; a referral declined or withdrawn is a child the service did not reach.

*Met when*: the referral's `first_contact_date` is on or before its deadline: the
`referral_date` plus `max_days_urgent` calendar days when `priority` is `urgent`, otherwise
plus `max_days`.

*Not applicable*: `referral_declined` or `referral_withdrawn` — the `outcome` says the
service declined the referral or it was withdrawn (these are counted per team: access is
half of the recommendation).

*Not met when*:
- `first_contact_late` — the first contact came after the deadline, on or before the as-at
  date (the detail gives the days late);
- `no_first_contact` — no first contact on or before the as-at date (a first contact dated
  after the as-at date, or before the referral, counts as none).

*Missing data*: subjects are the referrals of open children whose `case_type` is in
`case_types` (default CLA; trimmed, any case) whose deadline falls within the audit month,
so each referral is judged exactly once across monthly runs. A blank `priority` is
routine. `outcome` values other than `declined` and `withdrawn` (`accepted`, `pending`,
blank) are judged on the first contact. The rule is skipped without a `camhs_referrals`
table or `children.case_type`.

*Interpretation*: calendar days, and a deadline on a weekend or bank holiday stays there.
A child whose case ended in the month is judged at the case end date: a first contact after
it counts as none. A declined or withdrawn referral is not applicable even if a first contact
is recorded. The evidence date is the first contact (or the deadline when there is none).

Bad: a routine referral on 01/09/2026 (deadline 29/09/2026) first seen 05/10/2026.
Good: the same referral first seen on 29/09/2026.
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
    codes,
    column_or_blank,
    judge,
    param,
)
from audit.rulekit.scope import in_period, is_in
from audit.rulekit.wording import uk_date

URGENT = "urgent"


@dataclass(frozen=True)
class CamhsReferralParams(Params):
    case_types: tuple[str, ...] = codes(
        "children.case_type",
        ("CLA",),
        "Case types whose CAMHS referrals are judged (default: looked-after)",
    )
    max_days: int = param(28, "Calendar days from referral to first contact (routine)")
    max_days_urgent: int = param(7, "Calendar days from referral to first contact (urgent)")


def evaluate(tables: Tables, params: CamhsReferralParams, ctx: AuditContext) -> pd.DataFrame:
    children = tables["children"]
    wanted = is_in(children["case_type"].astype("string").str.strip(), params.case_types)
    in_scope = children[ctx.is_open_child(children["child_id"]) & wanted]
    end = pd.to_datetime(column_or_blank(in_scope, "case_end_date", "datetime64[ns]"))
    judged_by_child = pd.Series(
        end.where(in_period(end, ctx.period), ctx.as_at).to_numpy(),
        index=in_scope["child_id"].to_numpy(),
    )

    referrals = tables["camhs_referrals"]
    referral_date = pd.to_datetime(referrals["referral_date"])
    urgent = (
        (column_or_blank(referrals, "priority").astype("string").str.strip().str.casefold())
        .eq(URGENT)
        .fillna(False)
        .astype(bool)
    )
    allowed = pd.Series(
        np.where(urgent, params.max_days_urgent, params.max_days), index=referrals.index
    )
    deadline_all = referral_date + pd.to_timedelta(allowed, unit="D")
    chosen = is_in(referrals["child_id"], in_scope["child_id"]) & in_period(
        deadline_all, ctx.period
    )
    subjects = referrals[chosen]
    deadline = deadline_all[chosen]
    referred = referral_date[chosen]
    judged_at = pd.to_datetime(subjects["child_id"].map(judged_by_child))
    outcome = column_or_blank(subjects, "outcome").astype("string").str.strip().str.casefold()
    contact = pd.to_datetime(column_or_blank(subjects, "first_contact_date", "datetime64[ns]"))
    contact = contact.where((contact >= referred) & (contact <= judged_at))

    days_late = (contact - deadline).dt.days
    standard = (
        pd.Series(np.where(urgent[chosen], "Urgent", "Routine"), index=subjects.index)
        + " referral on "
        + uk_date(referred)
        + ", first contact due by "
        + uk_date(deadline)
    )
    return judge(
        subjects,
        source_table="camhs_referrals",
        subject_id=subjects["referral_id"],
        child_id=subjects["child_id"],
        evidence_date=contact.fillna(deadline),
        cases=[
            Case(
                outcome.eq("declined"), NOT_APPLICABLE, "referral_declined", standard + ": declined"
            ),
            Case(
                outcome.eq("withdrawn"),
                NOT_APPLICABLE,
                "referral_withdrawn",
                standard + ": withdrawn",
            ),
            Case(
                contact <= deadline,
                MET,
                None,
                standard + ": first contact " + uk_date(contact),
            ),
            Case(
                contact.notna(),
                NOT_MET,
                "first_contact_late",
                standard
                + ": first contact "
                + uk_date(contact)
                + ", "
                + days_late.astype("Int64").astype("string")
                + pd.Series(np.where(days_late.eq(1), " day", " days"), index=subjects.index)
                + " late",
            ),
        ],
        otherwise=Case(
            pd.Series(True, index=subjects.index),
            NOT_MET,
            "no_first_contact",
            standard + ": no first contact recorded by " + uk_date(judged_at),
        ),
    )


RULE = Rule(
    code="CAM01",
    name="camhs_referral_timely",
    recommendation="x",
    subject_type="referral",
    requires=("camhs_referrals.referral_date", "children.case_type"),
    uses=(
        "camhs_referrals.priority",
        "camhs_referrals.outcome",
        "camhs_referrals.first_contact_date",
        "children.case_end_date",
    ),
    params=CamhsReferralParams,
    evaluate=evaluate,
)
