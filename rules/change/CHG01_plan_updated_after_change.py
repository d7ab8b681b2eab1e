"""Assessment or plan updated within 20 working days of a significant change.

*Standard*: Ofsted recommendation ix — core assessments and care plans updated after
significant changes in a child's circumstances; Care Planning, Placement and Case Review
(England) Regulations 2010, reg 6 (the care plan is kept under review) and reg 32(2) (no
significant change to the care plan unless first considered, where practicable).

*Why it matters*: after a move, a return home, a new adult in the household or a change of
legal status, the plan on file describes a life the child no longer has. Until the
assessment or plan is updated, nobody can show that the child's needs in the new
circumstances have been thought about.

*Met when*: for a significant change (an event whose type is in `change_types`: by default
every type but `other`), an assessment of the same child was completed, or a plan of the
same child was written or updated (a `plan_date`), on or after the event date and no later
than the due date. The due date is the event date plus `update_within_working_days`
(default 20, a local standard) working days: Monday to Friday, England and Wales bank
holidays excluded, the event date itself not counted. Any assessment type and any plan of
the child (any type, active or not) counts.

An event is judged in the month its due date falls in, so consecutive monthly runs judge
each event exactly once: an event on Friday 14/08/2026 is due on Monday 14/09/2026 (Monday
31/08/2026 is a bank holiday) and is judged in the September 2026 audit, not in August.

*Not met when*:
- `updated_late` — the first update on or after the event date came after the due date
  but on or before the as-at date (the end of the audit month); the detail gives the
  working days late, counted after the due date up to and including the update;
- `not_updated` — no assessment completed and no plan dated from the event date to the
  as-at date.

*Missing data*: subjects are the events of open children. An assessment with a blank
`completed_date` is not an update. Updates dated after the as-at date are ignored, so a
re-run of an old month gives the same answer. The rule runs with whichever of
`assessments.completed_date` and `plans.plan_date` the input has, and is skipped when it
has neither, or has no events.

*Interpretation*: the evidence date is the date of the first update (met and
`updated_late`) or the event date (`not_updated`). `change_types` are compared the way the
loader reads `event_type` (lower case, spaces and hyphens as underscores).

Bad: placement change on 14/08/2026, care plan next updated 15/09/2026 (1 working day
late). Good: placement change on 14/08/2026, care plan updated 10/09/2026.
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
    judge,
    param,
)
from audit.rulekit.matching import first_per_subject, pairs_by_child
from audit.rulekit.scope import in_period, is_in
from audit.rulekit.wording import plural, uk_date


@dataclass(frozen=True)
class ChangeUpdateParams(Params):
    change_types: tuple[str, ...] = codes(
        "events.event_type",
        (
            "placement_change",
            "return_home",
            "household_change",
            "legal_status_change",
            "plan_type_change",
        ),
        "Event types that count as a significant change (default: every type but 'other')",
    )
    update_within_working_days: int = param(
        20, "Working days after the event by which an assessment or plan must be updated (local)"
    )


def _updates(tables: Tables, children: pd.Series) -> pd.DataFrame:
    """Every dated update of these children: completed assessments and plan versions. Only
    theirs: a county's plan versions are hundreds of thousands, the changes' children a
    few thousand."""
    parts = []
    for table, date_column, kind in (
        ("assessments", "completed_date", "assessment completed"),
        ("plans", "plan_date", "plan updated"),
    ):
        if not tables.has(table, date_column):
            continue
        rows = tables[table]
        rows = rows[is_in(rows["child_id"], children)]
        update = {"child_id": rows["child_id"], "update_date": rows[date_column]}
        parts.append(pd.DataFrame({**update, "update_kind": kind}))
    updates = pd.concat(parts, ignore_index=True)
    updates["update_date"] = pd.to_datetime(updates["update_date"])
    return updates[updates["update_date"].notna()]


def evaluate(tables: Tables, params: ChangeUpdateParams, ctx: AuditContext) -> pd.DataFrame:
    events = tables["events"]
    due_all = ctx.calendar.add_working_days(events["event_date"], params.update_within_working_days)
    chosen = (
        is_in(events["event_type"], params.change_types)
        & ctx.is_open_child(events["child_id"])
        & in_period(due_all, ctx.period)
    )
    subjects = events[chosen]
    event_date = subjects["event_date"]
    due = due_all[chosen]

    # The first update of the child on/after each event date and on/before the as-at date.
    updates = _updates(tables, subjects["child_id"])
    pairs = pairs_by_child(subjects[["child_id", "event_date"]], updates)
    in_reach = (pairs["update_date"] >= pairs["event_date"]) & (pairs["update_date"] <= ctx.as_at)
    first = first_per_subject(pairs, ["update_date", "update_kind"], subjects.index, where=in_reach)
    update_date = pd.to_datetime(first["update_date"])
    update_kind = first["update_kind"].astype("string")

    late_by = ctx.calendar.working_days_after(due, update_date)
    change = subjects["event_type"].str.replace("_", " ").str.capitalize()
    what = change + " on " + uk_date(event_date)
    due_text = uk_date(due)
    update_text = update_kind + " " + uk_date(update_date)
    late_text = late_by.astype("string") + " " + plural(late_by, "working day")
    return judge(
        subjects,
        source_table="events",
        subject_id=subjects["event_id"],
        child_id=subjects["child_id"],
        evidence_date=update_date.fillna(event_date),
        cases=[
            Case(
                update_date.isna(),
                NOT_MET,
                "not_updated",
                what + ": no assessment completed or plan updated since (due by " + due_text + ")",
            ),
            Case(
                update_date > due,
                NOT_MET,
                "updated_late",
                what + ": " + update_text + ", " + late_text + " after the due date " + due_text,
            ),
        ],
        otherwise=always(MET, None, what + ": " + update_text + " (due by " + due_text + ")"),
    )


RULE = Rule(
    code="CHG01",
    name="plan_updated_after_change",
    recommendation="ix",
    subject_type="event",
    requires=(
        "events.event_date",
        "events.event_type",
        AnyOf("assessments.completed_date", "plans.plan_date"),
    ),
    params=ChangeUpdateParams,
    evaluate=evaluate,
)
