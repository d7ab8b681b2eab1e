"""Each open child visited within the statutory interval for their case type.

*Standard*: Ofsted recommendation xi — children seen alone during social worker visits,
which first needs the visits to happen. Care Planning, Placement and Case Review (England)
Regulations 2010, reg 28: a looked-after child is visited at intervals of at most six weeks
in the first year of a placement (default CLA interval: 42 calendar days). Working Together
to Safeguard Children 2023 leaves the frequency for children on child protection plans and
children in need to the plan; the defaults, CP every 10 working days and CIN every 20
working days, are common local standards (parameters, not national law).

*Why it matters*: a child cannot be seen alone on a visit that did not happen. An overdue
statutory visit is the most urgent gap a team manager can close this week; a month in
which a visit came late shows a child who went unseen for longer than their plan allows.

*Met when*: the child was seen on a statutory visit often enough: no gap ending this month
exceeded the interval for their case type, and the next visit is not yet overdue. A new
case that is not yet one interval old and has no visit yet is met.

*Not met when* (the first that applies):
- `no_visit_recorded` — no statutory visit where the child was seen, and either the case
  has no start date or the start date plus the interval is before the as-at date;
- `visit_overdue` — the last such visit plus the interval is before the as-at date; the
  detail gives the last visit, the due date, the date by which the child was not visited
  and how many days (in the interval's unit) overdue then, left out when none: a
  working-day due date on a Friday is overdue on Saturday by no working day yet;
- `visit_late_in_period` — a gap that ended this month (its later visit dated in the month)
  exceeded the interval: from one visit to the next, or from the case start date to the
  first visit; the detail names the longest such gap and how late it ended.

*Missing data*: subjects are the open children whose `case_type` has an interval (default
CLA, CP, CIN; compared trimmed and in any case): care leavers (CL), blank and unlisted case
types are not subjects. A visit counts when it is statutory (`visit_type` `statutory`, any
case; every visit when the input has no `visit_type` column) and the child was seen
(`child_seen` blank counts as seen; N does not), dated on or before the as-at date. Visits
before the case start date are ignored; without a `case_start_date` no gap before the
first visit is judged. Where the source holds only each child's latest visit (Ofsted's
Annex A Lists 6-8), a late visit earlier in the month cannot be seen: the rule judges
`no_visit_recorded` and `visit_overdue` only, and its report line says so. Such a date is
read as a visit of type `latest_visit` where the child was seen (Annex A's List 6 "Date
Child Was Last Seen" and List 8 "Date of Last Social Work Visit"; List 7's "Date of the
Last Statutory Visit" is a `statutory` visit): VIS01 counts it, while SEE01 and SEE02, which
judge seeing the child alone, do not, since Annex A does not say whether they were.

*Interpretation*: a child whose case ended in the month is judged at the case end date, not
the as-at date. "Exceeds" means later than the due date: a visit exactly 42 calendar days
after the last is on time. Calendar due dates never roll (a due date on a Sunday or a bank
holiday stays there); working-day due dates are the N-th working day after the visit, the
visit day not counted, England and Wales bank holidays excluded. Days overdue or late are
counted in the interval's unit, after the due date up to and including the as-at date (or
the late visit). Several visits on one day are one visit. The evidence date is the last
visit (or the case start date when there is none). The longest late gap is the longest in
calendar days; of equal ones, the later.

Bad: a looked-after child last seen on 01/08/2026, judged at 30/09/2026 (due 12/09/2026,
18 calendar days overdue). Good: the same child seen again on 10/09/2026.
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.contract import EARLIER_VISITS, LATEST_VISIT_TYPE
from audit.lazy import pd
from audit.rulekit import (
    MET,
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
    with_note,
    words,
)
from audit.rulekit.intervals import IntervalsByCode, late_text, timeliness
from audit.rulekit.scope import in_period
from audit.rulekit.visits import STATUTORY_VISIT_TYPES, child_was_seen, statutory_visits
from audit.rulekit.wording import uk_dates

LATEST_ONLY_NOTE = (
    "late within the month cannot be judged: {reason}; only an overdue or missing visit is reported"
)


# Reg 28 for looked-after children; CP and CIN are common local standards.
DEFAULT_INTERVALS = IntervalsByCode.of(
    {"CLA": "42 calendar days", "CP": "10 working days", "CIN": "20 working days"}
)


@dataclass(frozen=True)
class VisitsOnTimeParams(Params):
    intervals: IntervalsByCode = param(
        DEFAULT_INTERVALS,
        "Case type -> longest allowed gap between visits (CLA: reg 28; CP, CIN: local); "
        "a case type not listed is not a subject",
    )
    statutory_visit_types: tuple[str, ...] = codes(
        "visits.visit_type",
        (*STATUTORY_VISIT_TYPES, LATEST_VISIT_TYPE),
        "visit_type values (any case) that mark a statutory visit; latest_visit is a date "
        "known only as a child's latest visit (Annex A Lists 6 and 8)",
    )


def evaluate(tables: Tables, params: VisitsOnTimeParams, ctx: AuditContext) -> pd.DataFrame:
    children = tables["children"]
    intervals_all = params.intervals.for_codes(children["case_type"])
    subjects = children[ctx.is_open_child(children["child_id"]) & intervals_all.notna()]
    subjects = subjects.drop_duplicates("child_id")
    intervals = intervals_all[subjects.index]

    start = pd.to_datetime(column_or_blank(subjects, "case_start_date", "datetime64[ns]"))
    end = pd.to_datetime(column_or_blank(subjects, "case_end_date", "datetime64[ns]"))
    judged_at = end.where(in_period(end, ctx.period), ctx.as_at)

    visits = tables["visits"]
    counted = statutory_visits(visits, params.statutory_visit_types) & child_was_seen(visits)
    seen = visits.loc[counted, ["child_id", "visit_date"]]
    # Each visit's subject (the child's row among the subjects); other children's are dropped.
    place = pd.Index(subjects["child_id"]).get_indexer(seen["child_id"])
    contacts = pd.DataFrame(
        {"key": subjects.index[place[place >= 0]], "date": seen["visit_date"][place >= 0]}
    )
    t = timeliness(start, judged_at, intervals, contacts, ctx.period.start_ts, ctx.calendar)

    reason_latest_only = ctx.source_lacks(EARLIER_VISITS)
    late_in_period = t["late_to"].notna() & (reason_latest_only is None)

    kind = subjects["case_type"].astype("string").str.strip().str.upper()
    rule_text = words(" (", kind, " visits every ", intervals.map(str).astype("string"), ")")
    judged_text = uk_dates(judged_at)
    # "Not visited by <date>" rather than "0 working days overdue": a working-day due date
    # on the Friday before a month ending on a Saturday is overdue by no working day yet.
    by_text = pd.Series(", not visited by ", index=subjects.index, dtype="string").where(
        judged_at.eq(ctx.as_at), ", not visited by the case end date "
    )
    days_overdue = words(
        ": ",
        late_text(t["overdue_days"], intervals).where(t["overdue_days"].gt(0)),
        " overdue",
    ).fillna("")
    last_text = uk_dates(t["last"])
    overdue_detail = words(
        "Last seen on a statutory visit ",
        last_text,
        ", next visit due ",
        uk_dates(t["last_due"]),
        by_text,
        judged_text,
        days_overdue,
        rule_text,
    )
    first_due = words(", first visit due ", uk_dates(t["start_due"]), " (case started ")
    no_visit_detail = words(
        "No statutory visit where the child was seen",
        (first_due + uk_dates(start) + ")").fillna(" and no case start date"),
        rule_text,
    )
    late_detail = words(
        "Longest gap this month: ",
        uk_dates(t["late_from"]),
        " to the visit on ",
        uk_dates(t["late_to"]),
        ", due by ",
        uk_dates(t["late_due"]),
        ", ",
        late_text(t["late_days"], intervals),
        " late",
        rule_text,
    )
    met_detail = (
        words(
            "Last seen on a statutory visit ", last_text, ", next due ", uk_dates(t["last_due"])
        ).fillna(
            words(
                "New case started ", uk_dates(start), ", first visit due ", uk_dates(t["start_due"])
            )
        )
        + rule_text
    )
    no_visit = t["last"].isna()
    result = judge(
        subjects,
        source_table="children",
        subject_id=subjects["child_id"],
        child_id=subjects["child_id"],
        evidence_date=t["last"].fillna(start),
        cases=[
            Case(no_visit & t["start_overdue"], NOT_MET, "no_visit_recorded", no_visit_detail),
            Case(t["overdue"], NOT_MET, "visit_overdue", overdue_detail),
            Case(late_in_period, NOT_MET, "visit_late_in_period", late_detail),
        ],
        otherwise=Case(pd.Series(True, index=subjects.index), MET, None, met_detail),
    )
    return with_note(
        result,
        LATEST_ONLY_NOTE.format(reason=reason_latest_only) if reason_latest_only else None,
    )


RULE = Rule(
    code="VIS01",
    name="visits_on_time",
    recommendation="xi",
    subject_type="child",
    requires=("visits.visit_date", "children.case_type"),
    uses=(
        "visits.visit_type",
        "visits.child_seen",
        "children.case_start_date",
        "children.case_end_date",
    ),
    params=VisitsOnTimeParams,
    evaluate=evaluate,
)
