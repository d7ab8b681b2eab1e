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
    columns = _version_columns(plans)
    return _rows(plans, *_latest(*columns, pd.Timestamp(as_at)))


def _version_columns(
    plans: pd.DataFrame,
) -> tuple[pd.Series, pd.Series, pd.Series | None, pd.Series | None]:
    """The columns the latest version is worked out from; None for an absent optional one
    (asking for one the rule did not declare raises ``UndeclaredColumn``)."""
    return (
        plans["plan_id"],
        plans["plan_date"],
        plans["start_date"] if has_column(plans, "start_date") else None,
        plans["end_date"] if has_column(plans, "end_date") else None,
    )


def _latest(
    plan_id: pd.Series,
    plan_date: pd.Series,
    start_date: pd.Series | None,
    end_date: pd.Series | None,
    as_at: pd.Timestamp,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row positions of the latest versions (in input order), with their effective start
    and end (``datetime64[ns]``): positional, so one answer serves every rule's view."""
    plan_dates = _datetimes(plan_date)
    # Plans as integer codes: grouping and sorting on them is far cheaper than on text.
    codes = pd.factorize(plan_id)[0]

    eligible = (codes >= 0) & ~np.isnat(plan_dates) & (plan_dates <= as_at.to_datetime64())
    rows = np.flatnonzero(eligible)
    # Sorted by plan, then date, then input position: the last row of each plan is the
    # latest version and, among equal dates, the one entered last.
    ordered = rows[np.lexsort((rows, plan_dates[rows], codes[rows]))]
    plan_of = codes[ordered]
    new_plan = plan_of[1:] != plan_of[:-1]
    last = ordered[np.r_[new_plan, True]] if len(ordered) else ordered
    # Each plan's earliest plan_date: its first version in that order. A plan with any
    # version on/before as_at has its earliest version there too, so versions after as_at
    # (left out) never hold an earlier date.
    first = ordered[np.r_[True, new_plan]] if len(ordered) else ordered
    in_input_order = np.argsort(last, kind="stable")
    positions = last[in_input_order].astype(np.intp)
    earliest = plan_dates[first[in_input_order]]

    start = _datetimes(start_date)[positions] if start_date is not None else None
    effective_start = earliest
    if start is not None:
        effective_start = np.where(np.isnat(start), effective_start, start)
    effective_end = (
        _datetimes(end_date)[positions]
        if end_date is not None
        else np.full(len(positions), np.datetime64("NaT"), dtype="M8[ns]")
    )
    return positions, effective_start, effective_end


def _rows(
    plans: pd.DataFrame, positions: np.ndarray, start: np.ndarray, end: np.ndarray
) -> pd.DataFrame:
    """The plans at ``positions`` (their own index labels) with the effective dates."""
    result = plans.take(positions)
    return result.assign(
        **{
            EFFECTIVE_START: pd.Series(start, index=result.index, copy=True),
            EFFECTIVE_END: pd.Series(end, index=result.index, copy=True),
        }
    )


def _datetimes(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values).to_numpy(dtype="M8[ns]")


def active_at(latest: pd.DataFrame, period: AuditPeriod) -> pd.Series:
    """True for plans active during the period; a ``bool`` Series on ``latest``'s index.

    ``latest`` is the output of :func:`latest_versions`: ``effective_start`` on/before the
    period end, and ``effective_end`` blank or on/after the period start.
    """
    start = pd.to_datetime(latest[EFFECTIVE_START])
    end = pd.to_datetime(latest[EFFECTIVE_END])
    return pd.Series(_active(start.to_numpy(), end.to_numpy(), period), index=latest.index)


def _active(start: np.ndarray, end: np.ndarray, period: AuditPeriod) -> np.ndarray:
    # Compared with the start of the next day so a stray time of day cannot exclude a plan
    # that starts on the last day; NaT compares False.
    started = start < (period.end_ts + pd.Timedelta(days=1)).to_datetime64()
    not_ended = np.isnat(end) | (end >= period.start_ts.to_datetime64())
    return started & not_ended


def active_latest_plans(plans: pd.DataFrame, ctx: AuditContext) -> pd.DataFrame:
    """The latest version (at the period end) of each plan active in the period whose child
    is an open child: the subjects of the plan rules.

    Rows as :func:`latest_versions` gives them (original index, input order, with
    ``effective_start`` and ``effective_end``), cut to active plans of open children.

    Reads ``plans.plan_id``, ``plans.child_id``, ``plans.plan_date`` and, when present,
    ``plans.start_date`` and ``plans.end_date``: a rule calling this declares
    ``plans.plan_date`` in ``requires`` and the optional ``PLAN_DATES_USED`` in ``uses``
    (an undeclared date the input has raises ``UndeclaredColumn``). Open children come from
    the run's shared scope on ``ctx``; the rows are worked out once per run for every plan
    rule that asks (``ctx.shared``), each rule getting them from its own view.
    """
    columns = _version_columns(plans)
    child_id = plans["child_id"]

    def derive() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        positions, start, end = _latest(*columns, ctx.period.end_ts)
        open_child = ctx.is_open_child(child_id.iloc[positions]).to_numpy()
        keep = _active(start, end, ctx.period) & open_child
        return positions[keep], start[keep], end[keep]

    return _rows(plans, *ctx.shared.get("active latest plans", derive, [*columns, child_id]))


def plan_label(plans: pd.DataFrame) -> pd.Series:
    """How a detail names a plan version, e.g. "Child protection plan dated 03/09/2026".

    The type's description comes from ``audit.codes.PLAN_TYPE``; a code not in it reads
    "<code> plan". Reads ``plan_type`` and ``plan_date`` (datetimes), which a rule must
    declare. A ``string`` Series on ``plans``' index; missing where either column is blank.
    """
    # A handful of plan types: each is described once and the text spread over the rows.
    numbers, types = pd.factorize(plans["plan_type"])
    described = [PLAN_TYPE.get(code, f"{code} plan") for code in types]
    kind = pd.Series(pd.array([*described, None], dtype="string")[numbers], index=plans.index)
    return kind + " dated " + uk_date(plans["plan_date"]).astype("string")
