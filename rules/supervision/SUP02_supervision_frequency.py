"""Each social worker supervised at least as often as the standard asks.

*Standard*: Ofsted recommendation iii — effective supervision, which first needs it to
happen. Employer standards (LGA Standard 5; DfE 2024): supervision at least monthly
(default for `sw`: 31 calendar days), and more often for newly qualified workers in their
assessed first year (default for `asye`: 14 calendar days, fortnightly). Both are
parameters.

*Why it matters*: reflective supervision is where case drift, risk and a worker's own
wellbeing are noticed. A worker who has gone more than a month without it is carrying
their caseload alone; a newly qualified worker without fortnightly supervision is not
getting the support their first year depends on.

*Met when*: the worker's supervisions (records where they are the supervisee) came often
enough: no gap ending this month exceeded the interval for their role, and the next
supervision is not yet overdue. A worker who started less than one interval ago and has
not yet been supervised is met.

*Not met when* (the first that applies):
- `no_supervision_recorded` — no supervision on record, and either the worker has no
  start date or the start date plus the interval is before the as-at date;
- `supervision_overdue` — the last supervision plus the interval is before the as-at
  date; the detail gives the last supervision, the due date, the date by which the
  worker was not supervised and how many days overdue then (left out when none);
- `supervision_late_in_period` — a gap that ended this month (its later supervision dated
  in the month) exceeded the interval: from one supervision to the next, or from the start
  date to the first; the detail names the longest such gap.

*Missing data*: subjects are the workers whose `role` is in `supervised_roles` (default
`sw`, `asye`; compared trimmed and in any case; a blank role counts as `sw`; every worker
when the input has no `role` column) and who are active in the month: `start_date` blank or
on/before the last day, `end_date` blank or on/after the first day. Supervisions after the
as-at date or before the start date are ignored; without a `start_date` no gap before the
first supervision is judged. The rule is skipped without a workers table or a
supervisions table.

*Interpretation*: a worker whose `end_date` is in the month is judged at that date, not the
as-at date. A supervised role with no interval of its own uses the `sw` interval (and the
first listed interval if `sw` itself is not listed). A gap of exactly the interval is on
time; calendar due dates never roll to a working day. Several supervisions on one day are
one. The team is the worker's own team. The evidence date is the last supervision (or the
start date when there is none).

Bad: a social worker last supervised on 10/08/2026, judged at 30/09/2026 (due 10/09/2026,
20 calendar days overdue). Good: supervised on 10/08/2026 and again on 08/09/2026.
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
    codes,
    column_or_blank,
    has_column,
    judge,
    param,
)
from audit.rulekit.intervals import IntervalsByCode, late_text, timeliness
from audit.rulekit.scope import in_period, is_in
from audit.rulekit.wording import uk_date

SOCIAL_WORKER = "sw"
# Monthly, and fortnightly for newly qualified (ASYE) workers: employer standards.
DEFAULT_INTERVALS = IntervalsByCode.of({"sw": "31 calendar days", "asye": "14 calendar days"})


@dataclass(frozen=True)
class SupervisionFrequencyParams(Params):
    supervised_roles: tuple[str, ...] = codes(
        "workers.role",
        ("sw", "asye"),
        "Worker roles that must be supervised (a blank role counts as sw)",
    )
    intervals: IntervalsByCode = param(
        DEFAULT_INTERVALS,
        "Role -> longest allowed gap between supervisions; a role not listed uses sw's",
    )


def evaluate(tables: Tables, params: SupervisionFrequencyParams, ctx: AuditContext) -> pd.DataFrame:
    workers = tables["workers"].drop_duplicates("worker_id")
    if has_column(workers, "role"):
        role = workers["role"].astype("string").str.strip().str.casefold().fillna(SOCIAL_WORKER)
        supervised = is_in(role, params.supervised_roles)
    else:
        role = pd.Series(SOCIAL_WORKER, index=workers.index, dtype="string")
        supervised = pd.Series(True, index=workers.index)
    start_all = pd.to_datetime(column_or_blank(workers, "start_date", "datetime64[ns]"))
    end_all = pd.to_datetime(column_or_blank(workers, "end_date", "datetime64[ns]"))
    active = (start_all.isna() | (start_all <= ctx.as_at)) & (
        end_all.isna() | (end_all >= ctx.period.start_ts)
    )
    subjects = workers[supervised & active]
    role = role[subjects.index]
    start, end = start_all[subjects.index], end_all[subjects.index]
    judged_at = end.where(in_period(end, ctx.period), ctx.as_at)
    fallback = params.intervals.get(SOCIAL_WORKER) or params.intervals.entries[0][1]
    intervals = params.intervals.for_codes(role, default=fallback)

    supervisions = tables["supervisions"]
    key = pd.Series(subjects.index, index=subjects["worker_id"].to_numpy())
    contacts = pd.DataFrame(
        {"key": supervisions["worker_id"].map(key), "date": supervisions["supervision_date"]}
    ).dropna(subset=["key"])
    contacts["key"] = contacts["key"].astype(subjects.index.dtype)
    t = timeliness(start, judged_at, intervals, contacts, ctx.period.start_ts, ctx.calendar)

    standard = " (" + role + ": every " + intervals.map(str).astype("string") + ")"
    # "Not supervised by <date>" rather than "0 working days overdue" (working-day intervals).
    by_text = pd.Series(", not supervised by ", index=subjects.index, dtype="string").where(
        judged_at.eq(ctx.as_at), ", not supervised by the end date "
    ) + uk_date(judged_at)
    days_overdue = (": " + late_text(t["overdue_days"], intervals) + " overdue").where(
        t["overdue_days"].gt(0), ""
    )
    last_text = uk_date(t["last"])
    return judge(
        subjects,
        source_table="workers",
        subject_id=subjects["worker_id"],
        worker_id=subjects["worker_id"],
        evidence_date=t["last"].fillna(start),
        cases=[
            Case(
                t["last"].isna() & t["start_overdue"],
                NOT_MET,
                "no_supervision_recorded",
                "No supervision recorded"
                + (
                    ", first due " + uk_date(t["start_due"]) + " (started " + uk_date(start) + ")"
                ).fillna(" and no start date")
                + standard,
            ),
            Case(
                t["overdue"],
                NOT_MET,
                "supervision_overdue",
                "Last supervised "
                + last_text
                + ", next due "
                + uk_date(t["last_due"])
                + by_text
                + days_overdue
                + standard,
            ),
            Case(
                t["late_to"].notna(),
                NOT_MET,
                "supervision_late_in_period",
                "Longest gap this month: "
                + uk_date(t["late_from"])
                + " to the supervision on "
                + uk_date(t["late_to"])
                + ", due by "
                + uk_date(t["late_due"])
                + ", "
                + late_text(t["late_days"], intervals)
                + " late"
                + standard,
            ),
        ],
        otherwise=Case(
            pd.Series(True, index=subjects.index),
            MET,
            None,
            ("Last supervised " + last_text + ", next due " + uk_date(t["last_due"])).fillna(
                "Started " + uk_date(start) + ", first supervision due " + uk_date(t["start_due"])
            )
            + standard,
        ),
    )


RULE = Rule(
    code="SUP02",
    name="supervision_frequency",
    recommendation="iii",
    subject_type="worker",
    requires=("workers.worker_id", "supervisions.supervision_date", "supervisions.worker_id"),
    uses=("workers.role", "workers.start_date", "workers.end_date"),
    params=SupervisionFrequencyParams,
    evaluate=evaluate,
)
