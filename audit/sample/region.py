"""A fictional region: several authorities, one parquet folder each, for region runs.

Real councils number their children and staff independently, so every authority here is
generated on its own (its own seed) and its IDs start again at C000001 and W00001: the
same ID names different children in different authorities, which is exactly what a
region run must keep apart. Team names partly overlap too, as they do between councils:
each authority keeps the sample's generic names ("Children in Care North") for half its
teams and gives the other half its own name ("Larkmere Children in Care South"). The
independent reviewing service keeps its one name everywhere.

Authority names are invented from two short syllable lists chosen not to be real places.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from audit.sample.authority import generate_authority
from audit.sample.names import IRO_TEAM
from audit.sample.workbook import write_parquet_folder

_FIRST = (
    "Lark",
    "Quill",
    "Thorn",
    "Wyver",
    "Fern",
    "Rook",
    "Bramble",
    "Kestle",
    "Orrin",
    "Sallow",
    "Ember",
)
_LAST = ("mere", "holt", "combe")
MAX_AUTHORITIES = len(_FIRST) * len(_LAST)


def authority_names(count: int) -> list[str]:
    """``count`` distinct invented authority names: Larkmere, Quillmere, ..., Emberholt."""
    if not 1 <= count <= MAX_AUTHORITIES:
        raise ValueError(f"a fictional region has 1 to {MAX_AUTHORITIES} authorities, not {count}")
    return [_FIRST[i % len(_FIRST)] + _LAST[i // len(_FIRST)] for i in range(count)]


def own_team_names(name: str, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The authority's tables with every other team (in sorted order) renamed as its own."""
    teams = sorted(set(tables["workers"]["team"].dropna()) - {IRO_TEAM})
    renamed = {team: f"{name} {team}" for team in teams[1::2]}
    out = dict(tables)
    out["workers"] = tables["workers"].assign(team=tables["workers"]["team"].replace(renamed))
    children = tables["children"]
    out["children"] = children.assign(allocated_team=children["allocated_team"].replace(renamed))
    return out


Reshape = Callable[[dict[str, pd.DataFrame], int], dict[str, pd.DataFrame]]


def write_region(
    folder: Path,
    authorities: int,
    children: int,
    seed: int,
    end_month: str = "2026-10",
    reshape: Reshape | None = None,
) -> list[Path]:
    """Write ``authorities`` fictional authorities of ``children`` each under ``folder``,
    one parquet folder per authority (``folder/<name>/<table>.parquet``); returns them.

    Authority ``i`` is generated with seed ``seed + i``, so each differs from the others
    and the same arguments always give the same region. ``reshape(tables, seed)``, if
    given, resizes each authority's tables (``scripts/bench_region.py``: the county's
    shape).
    """
    written = []
    for i, name in enumerate(authority_names(authorities)):
        tables = generate_authority(children, seed + i, end_month=end_month)
        if reshape is not None:
            tables = reshape(tables, seed + i)
        written.append(write_parquet_folder(own_team_names(name, tables), folder / name))
    return written
