"""Pairing each subject with the records that may evidence it, and picking one per subject.

The idiom of the rules that look for evidence elsewhere (an update after an event, a risk
assessment around a return home): pair every subject with every record of the same child
in one merge, keep the pairs that qualify, and take each subject's earliest (or latest).
"""

from __future__ import annotations

from audit.lazy import pd

SUBJECT = "__subject"  # column of a pair holding the subject's index label


def pairs_by_child(subjects: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """Every (subject, record) of the same ``child_id``: ``subjects``' columns, ``records``'
    columns and :data:`SUBJECT`, the subject's index label. Subjects' order is kept."""
    left = subjects.assign(**{SUBJECT: subjects.index}).reset_index(drop=True)
    return left.merge(records, on="child_id", how="inner")


def first_per_subject(
    pairs: pd.DataFrame,
    by: str | list[str],
    index: pd.Index,
    *,
    where: pd.Series | None = None,
    last: bool = False,
) -> pd.DataFrame:
    """For each subject, the pair (where ``where`` holds) with the smallest ``by`` (the
    largest with ``last``); one row per label of ``index``, all-missing where none.

    ``by`` may list tie-breaks after the main column; equal rows keep their pair order.
    """
    chosen = pairs if where is None else pairs[where.fillna(False).astype(bool)]
    order = [SUBJECT, *([by] if isinstance(by, str) else by)]
    chosen = chosen.sort_values(order, kind="stable")
    chosen = chosen.drop_duplicates(SUBJECT, keep="last" if last else "first")
    return chosen.set_index(SUBJECT).reindex(index)
