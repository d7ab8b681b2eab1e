"""``write_messy_copy``: a small authority written the way councils really send it, with a
manifest of exactly what a correct loader must reject or report."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from audit.sample.messy_files import FINDING_BAD_DATE, FINDING_UNKNOWN_CHILD
from audit.sample.messy_tables import (
    messy_assessments,
    messy_children,
    messy_plain,
    messy_plans,
    messy_visits,
    numeric_id_row,
    unused_id,
)
from audit.sample.names import AUTHORITY_NAME

MESSY_CHILDREN = 30  # enough for every messy case, few enough to check a file by eye
_MESSY_SEED = 20261031  # fixed: the same tables always give the same messy copy


def write_messy_copy(
    tables: Mapping[str, pd.DataFrame], out_dir: str | Path, children: int | None = MESSY_CHILDREN
) -> dict[str, Any]:
    """Write a small authority as a messy folder of per-table files; return the manifest.

    The first ``children`` children (``None``: all) of ``tables``, chosen to include an
    unallocated, a closed, a missing, a returned-home and a reviewed child, are written the
    way councils send data (see each file's ``exercises`` in the manifest). Every data
    row a correct loader must reject, and every kept cell it must report, is listed with
    its spreadsheet row number; the counts are in ``rejected`` and ``findings`` per table.
    The manifest is also written as ``manifest.json``.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    small = _small_authority(tables, children)
    kids = small["children"]
    ids, numeric_id = _messy_ids(kids["child_id"], numeric_id_row(len(kids)))
    taken = set(ids.values())

    files = [
        messy_children(kids, ids, numeric_id),
        messy_visits(small["visits"], ids, taken),
        messy_plans(small["plans"], ids),
        messy_assessments(small["assessments"], ids),
        messy_plain(
            "events", small["events"], ids, ["event types as codes and as 'Placement Change'"]
        ),
        messy_plain("reviews", small["reviews"], ids, ["dates day-first and ISO"]),
        messy_plain("workers", small["workers"], ids, ["roles in lower and upper case"]),
    ]
    missing = messy_plain(
        "missing_episodes",
        small["missing_episodes"],
        ids,
        ["rhi_offered / rhi_accepted written as Yes, a) Yes, TRUE, b) No ...",
         "an impossible optional date (31/04/2026) in rhi_date"],
    )  # fmt: skip
    if missing.rows:
        spot = missing.rows[len(missing.rows) // 2]
        spot.cells[7] = "31/04/2026"
        spot.findings.append((FINDING_BAD_DATE, "rhi_date", "31/04/2026"))
    supervisions = messy_plain(
        "supervisions",
        small["supervisions"],
        ids,
        ["multi-line notes in quoted CSV fields", "a case supervision naming an unknown child"],
    )
    general = [row for row in supervisions.rows if row.cells[4] is None]
    if general:
        stranger = unused_id(taken, "088888")
        general[len(general) // 2].cells[4] = stranger
        general[len(general) // 2].findings.append((FINDING_UNKNOWN_CHILD, "child_id", stranger))
    files += [missing, supervisions]

    for messy in files:
        messy.write(folder)
    tables_manifest = {messy.table: messy.manifest() for messy in files}
    manifest = {
        "description": (
            f"A messy copy of {len(kids)} fictional children from {AUTHORITY_NAME}, written "
            "to exercise the loader's normalisation. Synthetic data: no real person."
        ),
        "conventions": [
            "row numbers are 1-based spreadsheet rows (CSV line numbers), header included",
            "each rejected row has exactly one reason and no other problem",
            "findings are listed only for rows that load",
            "reason and finding names are the loader's (audit/loader.py)",
        ],
        "children": len(kids),
        "totals": {
            "rows_written": sum(t["rows_written"] for t in tables_manifest.values()),
            "rows_rejected": sum(t["rows_rejected"] for t in tables_manifest.values()),
            "findings": sum(len(t["finding_cells"]) for t in tables_manifest.values()),
        },
        "tables": tables_manifest,
    }
    (folder / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return manifest


def _small_authority(
    tables: Mapping[str, pd.DataFrame], children: int | None
) -> dict[str, pd.DataFrame]:
    """A subset of ``children`` children with all their records, chosen so the few
    children it needs for the messy cases (unallocated, closed, missing, gone home,
    reviewed) are in it."""
    kids = tables["children"]
    if children is None or children >= len(kids):
        return {name: frame.copy() for name, frame in tables.items()}
    rng = np.random.default_rng(_MESSY_SEED)
    order = rng.permutation(len(kids))
    ids = kids["child_id"]

    def with_ids(table: str, mask_column: str | None = None, value: str | None = None) -> pd.Series:
        frame = tables.get(table)
        if frame is None:
            return pd.Series(False, index=kids.index)
        if mask_column is not None:
            frame = frame[frame[mask_column] == value]
        return ids.isin(set(frame["child_id"]))

    wanted = [
        (kids["allocated_team"].isna(), 1),
        (kids["case_end_date"].notna(), 1),
        (with_ids("missing_episodes"), 2),
        (with_ids("events", "event_type", "return_home"), 1),
        (with_ids("reviews"), 2),
        (with_ids("events"), 2),
    ]
    chosen: list[int] = []
    for mask, count in wanted:
        hits = [i for i in order if mask.iloc[i] and i not in chosen][:count]
        chosen += hits
    chosen += [i for i in order if i not in chosen][: max(children - len(chosen), 0)]
    keep_ids = set(ids.iloc[sorted(chosen)])

    small = {"children": kids.iloc[sorted(chosen)].reset_index(drop=True)}
    for name, frame in tables.items():
        if name != "children" and "child_id" in frame and name != "supervisions":
            small[name] = frame[frame["child_id"].isin(keep_ids)].reset_index(drop=True)
    workers = tables.get("workers")
    if workers is not None:
        teams = set(small["children"]["allocated_team"].dropna())
        used = set()
        for name in ("visits", "assessments"):
            if name in small and "worker_id" in small[name]:
                used |= set(small[name]["worker_id"].dropna())
        teams |= set(workers.loc[workers["worker_id"].isin(used), "team"])
        teams |= set(workers.loc[workers["role"] == "iro", "team"])
        small["workers"] = workers[workers["team"].isin(teams)].reset_index(drop=True)
        supervisions = tables.get("supervisions")
        if supervisions is not None:
            mine = supervisions["worker_id"].isin(set(small["workers"]["worker_id"]))
            about = supervisions["child_id"].isna() | supervisions["child_id"].isin(keep_ids)
            small["supervisions"] = supervisions[mine & about].reset_index(drop=True)
    return small


def _messy_ids(child_ids: pd.Series, numeric_at: int) -> tuple[dict[str, str], str]:
    """Child ids as bare digits with leading zeros ("000123"); one child gets an id with
    no leading zero, to be written as a number cell. Returns the map and that id."""
    mapping = {c: re.sub(r"^\D+", "", c) or c for c in child_ids}
    taken = set(mapping.values())
    target = child_ids.iloc[numeric_at]
    for lead in "123456789":
        candidate = lead + mapping[target][1:]
        if candidate not in taken and candidate.isdigit():
            mapping[target] = candidate
            return mapping, candidate
    raise ValueError("cannot find a free numeric child id for the messy copy")
