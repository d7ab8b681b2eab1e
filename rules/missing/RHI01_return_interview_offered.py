"""Each child returning from a missing episode is offered a return interview in time.

*Standard*: Ofsted recommendation v (children missing from care); DfE statutory guidance
on children who run away or go missing from home or care (2014): an independent return
interview is offered each time a child returns, within 72 hours.

*Why it matters*: the return interview is the chance to learn why the child went missing,
where they were and who with — the first sign of exploitation is often found here. An
offer made a week later, or never recorded, is a missed chance to protect the child.

*Met when*: for a missing episode that ended within the audit month, `rhi_offered` is Y
and, when the input has `rhi_offered_date`, that date is no more than
`offer_within_days` (default 3 calendar days, the guidance's 72 hours) after `end_date`.
Without an `rhi_offered_date` column a Y is met and the detail says timeliness could not
be checked.

*Not applicable when*: `offer_not_applicable` — the offer is recorded as not applicable
(`NA`, `N/A`, `Not applicable`: the SSD's `miss_missing_rhi_offered` is Y/N/NA). The
source says no interview was owed for this episode (for example an episode that was not a
missing episode), so it is not counted for or against the standard; the detail shows the
episode so a manager can check that answer. A blank or any other value is still
`offer_not_recorded`.

*Not met when*:
- `not_offered` — the offer is recorded as N;
- `offer_not_recorded` — the offer is blank, unknown, or a value that is neither Y nor N
  (the detail shows it);
- `offered_late` — offered more than the allowed calendar days (default 3) after the
  episode ended (the detail gives the dates and the number of days).

*Missing data*: subjects are the missing episodes of open children whose `end_date` falls
within the audit month; an episode with no `end_date` (the child has not returned) is not
a subject yet. Without `rhi_offered` or `end_date` the rule is skipped. An episode that
ended in the last days of the month is judged on what the record holds when the audit
runs.

*Interpretation*: a Y whose `rhi_offered_date` is blank (in an input that has the column)
is met, with the detail "offer date not recorded; timeliness not checked": the offer is on
file, and an input without the offer date column is treated the same way; the detail lets a
manager find and complete the date. An offer dated before the episode's `end_date` is
within the limit (it is not more than 3 days after) and so met, with a detail asking for
the dates to be checked. Days are calendar days between the two dates (the input holds
dates, not times): an episode ending 03/09 with an offer on 06/09 is on time, 07/09 late.

Bad: `rhi_offered` blank; or N; or Y with the offer 5 days after the child came back.
Good: `rhi_offered` Y, `rhi_offered_date` the day after `end_date`.
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
    column_or_blank,
    is_no,
    is_yes,
    judge,
    param,
)
from audit.rulekit.scope import in_period
from audit.rulekit.wording import plural, uk_date

# How the loader gives a "not applicable" answer in rhi_offered (SSD: Y/N/NA).
NOT_APPLICABLE_ANSWER = "NA"


@dataclass(frozen=True)
class ReturnInterviewOfferedParams(Params):
    offer_within_days: int = param(
        3, "Calendar days after the episode's end_date by which the offer is due (72 hours)"
    )


def evaluate(
    tables: Tables, params: ReturnInterviewOfferedParams, ctx: AuditContext
) -> pd.DataFrame:
    episodes = tables["missing_episodes"]
    in_scope = in_period(episodes["end_date"], ctx.period) & ctx.is_open_child(episodes["child_id"])
    subjects = episodes[in_scope]

    offered = subjects["rhi_offered"]
    said_yes = is_yes(offered)
    said_no = is_no(offered)
    not_applicable = offered.eq(NOT_APPLICABLE_ANSWER).fillna(False).astype(bool)

    has_date_column = tables.has("missing_episodes", "rhi_offered_date")
    offer_date = column_or_blank(subjects, "rhi_offered_date", dtype="datetime64[ns]")
    days_after = (offer_date - subjects["end_date"]).dt.days
    late = days_after.gt(params.offer_within_days).fillna(False).astype(bool)

    ended = "Missing episode ended " + uk_date(subjects["end_date"])
    offered_on = uk_date(offer_date)
    days_text = days_after.astype("Int64").astype("string")
    as_recorded = (" (recorded as '" + offered.astype("string") + "')").fillna("")
    if has_date_column:
        met_detail = (
            (
                "Return interview offered "
                + offered_on
                + ", before the episode ended on "
                + uk_date(subjects["end_date"])
                + ": check the dates"
            )
            .where(days_after.lt(0))
            .fillna(
                "Return interview offered "
                + offered_on
                + ", "
                + days_text
                + " "
                + plural(days_after, "day")
                + " after the episode ended"
            )
            .fillna("Return interview offered; offer date not recorded; timeliness not checked")
        )
    else:
        met_detail = pd.Series(
            "Return interview offered; the input has no offer date, "
            "so timeliness could not be checked",
            index=subjects.index,
        )

    return judge(
        subjects,
        source_table="missing_episodes",
        subject_id=subjects["episode_id"],
        child_id=subjects["child_id"],
        evidence_date=subjects["end_date"],
        cases=[
            Case(
                not_applicable,
                NOT_APPLICABLE,
                "offer_not_applicable",
                ended + ": return interview recorded as not applicable (NA)",
            ),
            Case(said_no, NOT_MET, "not_offered", ended + ": return interview not offered"),
            Case(
                ~said_yes,
                NOT_MET,
                "offer_not_recorded",
                ended + ": return interview offer not recorded" + as_recorded,
            ),
            Case(
                late,
                NOT_MET,
                "offered_late",
                ended
                + ": return interview offered "
                + offered_on
                + ", "
                + days_text
                + f" days later (standard: within {params.offer_within_days} days)",
            ),
        ],
        otherwise=always(MET, None, met_detail),
    )


RULE = Rule(
    code="RHI01",
    name="return_interview_offered",
    recommendation="v",
    subject_type="missing_episode",
    requires=("missing_episodes.rhi_offered", "missing_episodes.end_date"),
    uses=("missing_episodes.rhi_offered_date",),
    params=ReturnInterviewOfferedParams,
    evaluate=evaluate,
)
