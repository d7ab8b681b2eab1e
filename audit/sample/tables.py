"""The contract's tables and columns (DATA_CONTRACT.md), and the last step that gives every
generated frame exactly that shape."""

from __future__ import annotations

import numpy as np
import pandas as pd

# In contract order: the workbook's sheets and columns follow it.
CONTRACT_COLUMNS: dict[str, tuple[str, ...]] = {
    "children": (
        "child_id",
        "date_of_birth",
        "sex",
        "ethnicity",
        "first_language",
        "religion",
        "case_type",
        "allocated_team",
        "allocated_worker",
        "case_start_date",
        "case_end_date",
    ),
    "visits": (
        "visit_id",
        "child_id",
        "visit_date",
        "worker_id",
        "visit_type",
        "child_seen",
        "seen_alone",
        "not_seen_alone_reason",
        "seen_alone_commentary",
    ),
    "plans": (
        "plan_id",
        "child_id",
        "plan_type",
        "plan_date",
        "start_date",
        "end_date",
        "identity_considered",
        "identity_notes",
        "child_views",
        "views_influence",
    ),
    "assessments": (
        "assessment_id",
        "child_id",
        "assessment_type",
        "start_date",
        "completed_date",
        "worker_id",
    ),
    "events": ("event_id", "child_id", "event_date", "event_type", "description"),
    "supervisions": (
        "supervision_id",
        "supervision_date",
        "worker_id",
        "supervisor_id",
        "child_id",
        "case_discussion",
        "case_reflection",
        "worker_reflection",
        "actions",
        "notes",
    ),
    "workers": ("worker_id", "team", "worker_name", "role"),
    "reviews": (
        "review_id",
        "child_id",
        "review_type",
        "review_date",
        "participation_code",
        "child_views",
    ),
    "missing_episodes": (
        "episode_id",
        "child_id",
        "start_date",
        "end_date",
        "rhi_offered",
        "rhi_offered_date",
        "rhi_accepted",
        "rhi_date",
    ),
}

DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "children": ("date_of_birth", "case_start_date", "case_end_date"),
    "visits": ("visit_date",),
    "plans": ("plan_date", "start_date", "end_date"),
    "assessments": ("start_date", "completed_date"),
    "events": ("event_date",),
    "supervisions": ("supervision_date",),
    "workers": (),
    "reviews": ("review_date",),
    "missing_episodes": ("start_date", "end_date", "rhi_offered_date", "rhi_date"),
}


def to_contract(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Exactly the contract's columns: dates as datetime64[ns], everything else as strings."""
    out = {}
    for column in CONTRACT_COLUMNS[table]:
        values = frame[column]
        if column in DATE_COLUMNS[table]:
            out[column] = pd.Series(np.asarray(values, dtype="datetime64[ns]"))
        else:
            cells = pd.Series(np.asarray(values, dtype=object)).astype("str")
            out[column] = cells.mask(cells == "")
    return pd.DataFrame(out)
