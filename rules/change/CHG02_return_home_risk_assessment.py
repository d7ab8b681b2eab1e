"""Risk assessment completed before a looked-after child returns home.

*Standard*: Ofsted recommendation ix — risk assessments fully documented for looked-after
children returning home; Care Planning, Placement and Case Review (England) Regulations
2010, reg 17 (before placing with a parent, assess the parent, the accommodation and every
adult in the household), reg 19 (an emergency placement allows the assessment within 10
working days) and reg 39 (assess the arrangements before ceasing to look after a child).

*Why it matters*: the return home is the moment the authority stops watching day to day.
Without a completed, recent assessment of the risks at home nobody can show the decision
was safe, or what support the family was promised.

*Met when*: for each return home (an event of type `return_home`) dated in the audit
month, the child has an assessment of a type in `risk_types` (default `risk` and
`return_home`) completed within the window: from `lookback_days` (default 90, a local
standard) calendar days before the return, inclusive, to the `grace_working_days`-th
working day after it (default 0: the day of the return itself). Set `grace_working_days`
to 10 to follow reg 19's emergency-placement allowance.

*Not met when* (the first that applies):
- `risk_assessment_after_return` — the only completed risk assessment in reach was
  completed after the window, on or before the as-at date (the end of the audit month);
- `risk_assessment_not_completed` — a risk assessment was started (a start date from
  the window's start to the as-at date) but not completed by the as-at date;
- `no_risk_assessment` — none of these: no risk assessment at all, or only ones completed
  before the window (the detail names the most recent).

*Missing data*: subjects are the return-home events of open children. An assessment with
a blank `completed_date` is not completed. Without `assessments.start_date` an uncompleted
assessment counts as `no_risk_assessment`. The rule is skipped without the events table or
the assessments table with `assessment_type` and `completed_date`.

*Interpretation*: an assessment completed after both the window and the as-at date is
treated as not completed at the as-at date (`risk_assessment_not_completed` when it was
started in time), so a re-run of an old month gives the same answer. With
`grace_working_days` above 0 the window can run past the as-at date; a completion inside
it still counts, as the window is defined above. The evidence date
is the completion (the latest in the window for met, the first after it for
`risk_assessment_after_return`), the start of the uncompleted assessment, or the return
date. `risk_types` are compared the way the loader reads `assessment_type` (lower case,
spaces and hyphens as underscores).

Bad: child returns home 10/09/2026, risk assessment completed 18/09/2026. Good: risk
assessment completed 04/09/2026, return home 10/09/2026.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.lazy import pd
from audit.rulekit import (
    MET,
    NOT_MET,
    AuditContext,
    Case,
    Params,
    Rule,
    Tables,
    always,
    codes,
    column_or_blank,
    judge,
    param,
)
from audit.rulekit.matching import first_per_subject, pairs_by_child
from audit.rulekit.scope import in_period, is_in
from audit.rulekit.wording import uk_date, uk_day

RETURN_HOME = "return_home"


@dataclass(frozen=True)
class ReturnHomeRiskParams(Params):
    risk_types: tuple[str, ...] = codes(
        "assessments.assessment_type",
        ("risk", "return_home"),
        "Assessment types that count as a risk assessment",
    )
    lookback_days: int = param(
        90, "Calendar days before the return home a completed assessment still counts (local)"
    )
    grace_working_days: int = param(
        0, "Working days after the return home an assessment may still be completed"
    )


def evaluate(tables: Tables, params: ReturnHomeRiskParams, ctx: AuditContext) -> pd.DataFrame:
    events = tables["events"]
    chosen = (
        events["event_type"].eq(RETURN_HOME).fillna(False)
        & ctx.is_open_child(events["child_id"])
        & in_period(events["event_date"], ctx.period)
    )
    subjects = events[chosen]
    event_date = pd.to_datetime(subjects["event_date"])
    window_start = event_date - pd.Timedelta(days=params.lookback_days)
    window_end = pd.to_datetime(
        ctx.calendar.add_working_days(event_date, params.grace_working_days)
    )

    assessments = tables["assessments"]
    risk = assessments[is_in(assessments["assessment_type"], params.risk_types)]
    risk = pd.DataFrame(
        {
            "child_id": risk["child_id"],
            "assessment_type": risk["assessment_type"],
            "started": pd.to_datetime(column_or_blank(risk, "start_date", "datetime64[ns]")),
            "completed": pd.to_datetime(risk["completed_date"]),
        },
        index=risk.index,
    )
    windows = pd.DataFrame(
        {"child_id": subjects["child_id"], "window_start": window_start, "window_end": window_end}
    )
    pairs = pairs_by_child(windows, risk)
    completed = pairs["completed"]
    in_window = (completed >= pairs["window_start"]) & (completed <= pairs["window_end"])
    # Past the window, only what had happened by the as-at date counts: a completion dated
    # later leaves the assessment not completed as at the as-at date.
    completed_by_as_at = completed.where(completed <= ctx.as_at)
    after = completed_by_as_at > pairs["window_end"]
    not_completed = (
        completed_by_as_at.isna()
        & (pairs["started"] >= pairs["window_start"])
        & (pairs["started"] <= ctx.as_at)
    )
    before = completed < pairs["window_start"]

    index = subjects.index
    met = first_per_subject(pairs, "completed", index, where=in_window, last=True)
    late = first_per_subject(pairs, "completed", index, where=after)
    open_ = first_per_subject(pairs, "started", index, where=not_completed)
    stale = first_per_subject(pairs, "completed", index, where=before, last=True)

    def label(found: pd.DataFrame) -> pd.Series:
        return found["assessment_type"].astype("string").str.replace("_", " ") + " assessment"

    what = "Return home on " + uk_date(event_date)
    window = uk_date(window_start) + " to " + uk_date(window_end)
    types = ", ".join(t.replace("_", " ") for t in params.risk_types)
    stale_note = (
        "; latest completed " + uk_date(stale["completed"]) + ", before the window"
    ).fillna("")
    evidence = (
        met["completed"].fillna(late["completed"]).fillna(open_["started"]).fillna(event_date)
    )
    return judge(
        subjects,
        source_table="events",
        subject_id=subjects["event_id"],
        child_id=subjects["child_id"],
        evidence_date=evidence,
        cases=[
            Case(
                met["completed"].notna(),
                MET,
                None,
                what + ": " + label(met) + " completed " + uk_date(met["completed"]),
            ),
            Case(
                late["completed"].notna(),
                NOT_MET,
                "risk_assessment_after_return",
                what
                + ": "
                + label(late)
                + " completed only on "
                + uk_date(late["completed"])
                + ", after the window "
                + window,
            ),
            Case(
                open_["started"].notna(),
                NOT_MET,
                "risk_assessment_not_completed",
                what
                + ": "
                + label(open_)
                + " started "
                + uk_date(open_["started"])
                + " not completed by "
                + uk_day(ctx.as_at),
            ),
        ],
        otherwise=always(
            NOT_MET,
            "no_risk_assessment",
            what + ": no risk assessment (" + types + ") completed from " + window + stale_note,
        ),
    )


RULE = Rule(
    code="CHG02",
    name="return_home_risk_assessment",
    recommendation="ix",
    subject_type="event",
    requires=(
        "events.event_date",
        "events.event_type",
        "assessments.assessment_type",
        "assessments.completed_date",
    ),
    uses=("assessments.start_date",),
    params=ReturnHomeRiskParams,
    evaluate=evaluate,
)
