"""The child's views recorded, freshly, in every active plan.

*Standard*: Ofsted recommendation ii — records show how the child's views are taken
forward in planning; Children Act 1989 s.22(4)-(5) and s.17(4A) (ascertain the child's
wishes and feelings and give them due consideration); Care Planning Regulations 2010
reg 5(e) (the care plan records the child's wishes and feelings).

*Why it matters*: a plan written without the child's views, or with last year's views
pasted in, plans for a child nobody has listened to lately.

*Met when*: the latest version of the plan (at the end of the audit month) has meaningful
`child_views` text and, when `flag_copied_views` is on (default), those views are not
word-for-word the same as the views in an earlier version of the same plan dated at least
`copied_after_days` (default 90, a local standard) calendar days before it. "The same"
ignores case, surrounding white space and the number of spaces between words;
punctuation counts.

*Not met when*:
- `views_not_recorded` — the views are blank or not meaningful text (a placeholder such
  as `no views` or `as before`, or too few words; the detail shows it);
- `views_copied_forward` — the views repeat an older version's word for word (the detail
  names the earliest such version's date).

*Missing data*: subjects are the latest version, on or before the end of the audit month,
of each plan of any type active in the month (started by the month end, not ended before
the month start), for children open in the month. Without a `child_views` column the rule
is skipped.

*Interpretation*: every earlier version of the plan dated on or before (latest version's
date − `copied_after_days`) is compared, not only the one just before; versions dated
closer than that may repeat the views (a plan reviewed twice in a month need not be
rewritten). The version being judged is never compared with itself, even when
`copied_after_days` is 0.

Bad: "No views" or a September plan whose views are the March plan's, word for word.
Good: "Jay (9) told me on 02/09 he wants to see his nan every weekend and hates the
new bus to school."
"""

from __future__ import annotations

from dataclasses import dataclass

from audit.lazy import np, pd
from audit.rulekit import NOT_MET, AuditContext, Case, Params, Rule, Tables, judge, param
from audit.rulekit.plans import PLAN_DATES_USED, active_latest_plans, plan_label
from audit.rulekit.text import comparable_numbers, one_line
from audit.rulekit.wording import uk_date, words


@dataclass(frozen=True)
class ChildViewsParams(Params):
    flag_copied_views: bool = param(
        True, "treat views copied word for word from an older version as not met"
    )
    copied_after_days: int = param(
        90, "an earlier version at least this many calendar days older counts as a copy source"
    )


def _copied_from(plans: pd.DataFrame, versions: pd.DataFrame, days: int) -> pd.Series:
    """For each subject plan, the date of the earliest older version with the same views.

    NaT where there is none. Older = dated at least ``days`` calendar days before the
    subject version; the subject version itself is never its own source.
    """
    # Subjects are versions too (same index), so the texts are compared in one form. Each
    # version is numbered by its plan and its views: word-for-word copies share a number.
    view_number = comparable_numbers(versions["child_views"])
    plan_number = pd.factorize(versions["plan_id"])[0]
    same_views = plan_number * (view_number.max(initial=0) + 2) + view_number
    dates = pd.to_datetime(versions["plan_date"]).to_numpy(dtype="datetime64[ns]")
    usable = np.flatnonzero((plan_number >= 0) & (view_number >= 0) & ~np.isnat(dates))
    # Versions with the same views in date order (then input order): a run per number.
    order = usable[np.lexsort((usable, dates[usable], same_views[usable]))]
    run = same_views[order]
    run_start = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])
    start_of = np.repeat(run_start, np.diff(np.r_[run_start, len(order)]))
    place = np.empty(len(versions), dtype=np.intp)
    place[order] = np.arange(len(order))

    # A subject's earliest source is the first of its run, or the second when the first
    # is the subject itself; it counts when dated at least `days` before the subject.
    subject = versions.index.get_indexer(plans.index)
    copied = np.full(len(plans), np.datetime64("NaT"), dtype="datetime64[ns]")
    judged = np.flatnonzero(np.isin(subject, order))
    first = start_of[place[subject[judged]]]
    source = np.where(order[first] == subject[judged], first + 1, first)
    has_source = source < len(order)
    has_source[has_source] = run[source[has_source]] == run[first[has_source]]
    judged, source = judged[has_source], order[source[has_source]]
    older = dates[source] <= dates[subject[judged]] - np.timedelta64(days, "D")
    copied[judged[older]] = dates[source[older]]
    return pd.Series(copied, index=plans.index)


def evaluate(tables: Tables, params: ChildViewsParams, ctx: AuditContext) -> pd.DataFrame:
    plans = active_latest_plans(tables["plans"], ctx)
    # Each case's detail is put together for its own subjects only.
    label = words(plan_label(plans))
    views = plans["child_views"]
    if params.flag_copied_views:
        source_date = _copied_from(plans, tables["plans"], params.copied_after_days)
    else:
        source_date = pd.Series(pd.NaT, index=plans.index, dtype="datetime64[ns]")
    return judge(
        plans,
        source_table="plans",
        subject_id=plans["plan_id"],
        child_id=plans["child_id"],
        evidence_date=plans["plan_date"],
        cases=[
            Case(
                views.isna(),
                NOT_MET,
                "views_not_recorded",
                label + ": the child's views are not recorded",
            ),
            Case(
                ~ctx.meaningful(views),
                NOT_MET,
                "views_not_recorded",
                label + ": the child's views say only '" + one_line(views) + "'",
            ),
            Case(
                source_date.notna(),
                NOT_MET,
                "views_copied_forward",
                label
                + ": the child's views are word for word those of the version dated "
                + uk_date(source_date).astype("string"),
            ),
        ],
    )


RULE = Rule(
    code="VOC01",
    name="child_views_recorded",
    recommendation="ii",
    subject_type="plan",
    requires=("plans.child_views", "plans.plan_type", "plans.plan_date"),
    uses=(*PLAN_DATES_USED,),
    params=ChildViewsParams,
    evaluate=evaluate,
)
