"""Spells of service: when a child was open, from the dated rows a source keeps.

A source with history (the SSD, the SSDA903 return) shows a child's involvement as rows
with a start and an end date (an episode, a plan, an allocation). A child is open on a day
one of those rows covers; a blank end means still open. Rows that overlap, or follow on
the next day, are one spell. The audit reads one spell per child: the latest that started
on or before the as-at date (so a closed case shows when it closed), or, when every spell
starts later, the first (so the child is not open before they were in the service).
"""

from __future__ import annotations

from audit.lazy import pd


def case_dates(
    key: pd.Series, start: pd.Series, end: pd.Series, as_at: pd.Timestamp
) -> pd.DataFrame:
    """Per child key, ``case_start_date`` and ``case_end_date`` (NaT = still open).

    ``key``, ``start`` and ``end`` are aligned rows; a row without a key or a start date
    says nothing about when the child was open and is not used.
    """
    open_end = pd.Timestamp.max.normalize()  # a still-open case reaches past any date
    rows = pd.DataFrame({"_key": key, "_start": start, "_reach": end.fillna(open_end)})
    rows = rows.dropna(subset=["_key", "_start"]).sort_values(["_key", "_start"], kind="stable")
    # The furthest any earlier row of the child reaches; a row starting more than a day
    # after it begins a new spell.
    reach_before = rows.groupby("_key")["_reach"].cummax().groupby(rows["_key"]).shift()
    new_spell = reach_before.isna() | (rows["_start"] - pd.Timedelta(days=1) > reach_before)
    spells = rows.groupby(new_spell.cumsum()).agg(
        _key=("_key", "first"), start=("_start", "min"), end=("_reach", "max")
    )
    spells["end"] = spells["end"].where(spells["end"] < open_end)
    latest = spells[spells["start"] <= as_at].drop_duplicates("_key", keep="last")
    later = spells[~spells["_key"].isin(latest["_key"])].drop_duplicates("_key", keep="first")
    chosen = pd.concat([latest, later], ignore_index=True)
    return pd.DataFrame(
        {
            "_key": chosen["_key"],
            "case_start_date": chosen["start"].astype(object),
            "case_end_date": chosen["end"].astype(object),
        }
    )
