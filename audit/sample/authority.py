"""``generate_authority``: the whole fictional authority, table by table, in contract shape."""

from __future__ import annotations

import pandas as pd

from audit.errors import UsageError
from audit.sample.assessments import assessments_table
from audit.sample.children import children_table, make_children
from audit.sample.dates import WorkingDays, make_window
from audit.sample.events import events_table, make_events, without_blocked
from audit.sample.missing import make_missing
from audit.sample.oversight import allocate_iros, camhs_referrals, review_chairs, staffing
from audit.sample.plans import plan_spans, plan_versions, plans_table
from audit.sample.reviews import make_reviews
from audit.sample.staff import make_workers, team_plan, workers_table
from audit.sample.supervisions import make_supervisions
from audit.sample.tables import CONTRACT_COLUMNS, to_contract
from audit.sample.visits import make_visits


def generate_authority(
    children: int, seed: int, end_month: str = "2026-10"
) -> dict[str, pd.DataFrame]:
    """A fictional authority's case records, keyed by contract table name.

    ``children`` open and recently closed cases across about one team per 50 children (at
    least four), with visits, plan versions, assessments, events, supervisions, reviews and
    missing episodes over the four months up to ``end_month`` (``YYYY-MM``), defects seeded
    at ``DEFECT_RATES``. The same arguments always give identical frames.
    """
    if int(children) < 1:
        raise UsageError(f"the number of children must be at least 1; got {children}")
    window = make_window(end_month)
    teams = team_plan(children)
    kids = make_children(int(children), seed, window, teams)
    staff = make_workers(seed, teams, kids)  # allocates each child's worker

    # Each table draws from its own seeded stream, so the order below is only the order
    # of dependence: events decide which background plan updates must not exist.
    changes = make_events(seed, window, kids, WorkingDays(window))
    spans = plan_spans(seed, window, kids)
    versions = without_blocked(plan_versions(seed, window, spans), "plan_date", changes.blocked)
    supervisions = make_supervisions(seed, window, kids, staff)
    reviews = make_reviews(seed, window, kids)
    # Oversight and capacity draw from streams of their own: the tables above are
    # unchanged by them (see oversight).
    in_post = staffing(seed, window, staff, supervisions)
    iro_of_child = allocate_iros(seed, kids, staff, in_post)
    raw = {
        "children": children_table(kids, staff.team_names).assign(iro_id=iro_of_child),
        "visits": make_visits(seed, window, kids, staff),
        "plans": plans_table(seed, window, kids, spans, versions, changes.plan_updates),
        "assessments": assessments_table(seed, window, kids, changes),
        "events": events_table(seed, kids, changes),
        "supervisions": supervisions,
        "workers": workers_table(staff).merge(in_post, on="worker_id", how="left"),
        "reviews": reviews.assign(chair_id=review_chairs(seed, reviews, kids, iro_of_child, staff)),
        "missing_episodes": make_missing(seed, window, kids),
        "camhs_referrals": camhs_referrals(seed, window, kids),
    }
    return {table: to_contract(table, raw[table]) for table in CONTRACT_COLUMNS}
