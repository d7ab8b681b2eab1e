"""Plan versions: the latest version at the as-at date, whether a plan is active, labels.

Shared definitions (the rule reference, docs/rules.md): the latest version of a plan at the
as-at date is the row of that ``plan_id`` with the greatest ``plan_date`` on or before
``period_end``. A plan is active when its start is on/before ``period_end`` and its
``end_date`` is blank or on/after ``period_start``. Where the versions of a plan disagree on
``start_date`` or ``end_date``, the latest version's values stand. ``start_date`` defaults
to the earliest ``plan_date`` of the ``plan_id`` (the ``Plans`` model in
``audit/contract.py``); ``start_date`` and ``end_date`` are optional columns.
"""

from __future__ import annotations

from datetime import date

from audit.codes import PLAN_TYPE
from audit.lazy import np, pd
from audit.period import AuditPeriod
from audit.rulekit import AuditContext
from audit.rulekit.columns import has_column
from audit.rulekit.wording import uk_date

# The optional plan columns :func:`latest_versions` reads: spread them into a rule's ``uses``.
PLAN_DATES_USED = ("plans.start_date", "plans.end_date")

EFFECTIVE_START = "effective_start"
EFFECTIVE_END = "effective_end"


def latest_versions(plans: pd.DataFrame, as_at: pd.Timestamp | date) -> pd.DataFrame:
    """One row per ``plan_id``: its latest version dated on/before ``as_at``.

    * Versions dated after ``as_at`` are ignored, so a re-run of an old period gives the
      same answer. A plan with no version on/before ``as_at`` is left out.
    * Ties on ``plan_date``: the later row in the input wins (with the loader's ascending
      index, the row with the highest index), i.e. the version entered last.
    * The original index is kept (rules report source rows from it), and rows come back in
      input order. Rows with a blank ``plan_id`` or ``plan_date`` are ignored (the loader
      rejects them anyway).

    Adds ``effective_start`` (the latest version's ``start_date`` if given, else the earliest
    ``plan_date`` of the plan_id) and ``effective_end`` (the latest version's ``end_date``;
    NaT = open). Both are the latest version's values even when earlier versions disagree.
    """
    as_at_ts = pd.Timestamp(as_at)
    # Work on a positional index so alignment is safe whatever the caller's index is; the
    # caller's labels are put back on the way out.
    work = plans.reset_index(drop=True)
    plan_dates = pd.to_datetime(work["plan_date"])

    # Plans as integer codes: grouping and sorting on them is far cheaper than on text.
    codes = pd.factorize(work["plan_id"])[0]

    # Earliest plan_date per plan over all versions. Any version on/before as_at is no
    # earlier than it, so this equals the earliest among the counted versions too.
    earliest = plan_dates.groupby(codes).transform("min")

    eligible = work["plan_id"].notna() & plan_dates.notna() & (plan_dates <= as_at_ts)
    rows = np.flatnonzero(eligible.to_numpy(dtype=bool))
    # Sorted by plan, then date, then input position: the last row of each plan is the
    # latest version and, among equal dates, the one entered last.
    ordered = rows[
        np.lexsort((rows, plan_dates.to_numpy(dtype="datetime64[ns]")[rows], codes[rows]))
    ]
    plan_of = codes[ordered]
    last_of_plan = np.r_[plan_of[1:] != plan_of[:-1], True] if len(ordered) else ordered
    positions = np.sort(ordered[last_of_plan.astype(bool)]) if len(ordered) else ordered

    result = work.loc[positions]
    start = _column_or_blank(result, "start_date")
    result = result.assign(
        **{
            EFFECTIVE_START: start.fillna(earliest.loc[positions]),
            EFFECTIVE_END: _column_or_blank(result, "end_date"),
        }
    )
    result.index = plans.index[positions]
    return result


def active_at(latest: pd.DataFrame, period: AuditPeriod) -> pd.Series:
    """True for plans active during the period; a ``bool`` Series on ``latest``'s index.

    ``latest`` is the output of :func:`latest_versions`: ``effective_start`` on/before the
    period end, and ``effective_end`` blank or on/after the period start.
    """
    start = pd.to_datetime(latest[EFFECTIVE_START])
    end = pd.to_datetime(latest[EFFECTIVE_END])
    started = start < period.end_ts + pd.Timedelta(days=1)  # NaT → False
    not_ended = end.isna() | (end >= period.start_ts)
    return (started & not_ended).astype(bool)


def active_latest_plans(plans: pd.DataFrame, ctx: AuditContext) -> pd.DataFrame:
    """The latest version (at the period end) of each plan active in the period whose child
    is an open child: the subjects of the plan rules.

    Rows as :func:`latest_versions` gives them (original index, input order, with
    ``effective_start`` and ``effective_end``), cut to active plans of open children.

    Reads ``plans.plan_id``, ``plans.child_id``, ``plans.plan_date`` and, when present,
    ``plans.start_date`` and ``plans.end_date``: a rule calling this declares
    ``plans.plan_date`` in ``requires`` and the optional ``PLAN_DATES_USED`` in ``uses``
    (an undeclared date the input has raises ``UndeclaredColumn``). Open children come from
    the run's shared scope on ``ctx``.
    """
    latest = latest_versions(plans, ctx.period.end_ts)
    return latest[active_at(latest, ctx.period) & ctx.is_open_child(latest["child_id"])]


def plan_label(plans: pd.DataFrame) -> pd.Series:
    """How a detail names a plan version, e.g. "Child protection plan dated 03/09/2026".

    The type's description comes from ``audit.codes.PLAN_TYPE``; a code not in it reads
    "<code> plan". Reads ``plan_type`` and ``plan_date`` (datetimes), which a rule must
    declare. A ``string`` Series on ``plans``' index; missing where either column is blank.
    """
    kind = plans["plan_type"].map(PLAN_TYPE).astype("string").fillna(plans["plan_type"] + " plan")
    return kind + " dated " + uk_date(plans["plan_date"]).astype("string")


def _column_or_blank(frame: pd.DataFrame, column: str) -> pd.Series:
    """The column as datetimes, or all NaT when the input has no such column."""
    if has_column(frame, column):
        return pd.to_datetime(frame[column])
    return pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
