"""The DfE's SSDA903 return (children looked after) as an input profile.

Every English authority submits the return each year and its data team keeps the CSV
files: ``header``, ``episodes``, ``reviews``, ``missing``, ``uasc``, ``oc2``, ``oc3`` … with the
DfE's field names (``shared/formats/ssda903.md``). This package turns them into the
contract's tables; cells pass through raw and the loader normalises them as for any export.

* ``children`` <- ``header`` (``CHILD``, ``SEX`` 1/2 -> M/F, ``DOB``, ``ETHNIC``), case type
  ``CLA``, and case dates from ``episodes`` (``DECOM`` to ``DEC``; a blank ``DEC`` = still
  looked after): a child is open in a month an episode overlaps (episodes joined into
  spells as in :mod:`audit.profiles.spells`). A child in ``header`` with no episode was
  not looked after in the year: left out, listed with that reason. The return has no team:
  every child gets the team set in ``audit.toml`` (``[profile.ssda903] team = "…"``), or
  the team in a column the council added to ``header`` (``team_column = "TEAM"``; a blank
  cell there takes ``team``), else ``Unallocated``, and the notes say so.
* ``reviews`` <- ``reviews``: ``REVIEW`` (date) and ``REVIEW_CODE`` (PN0–PN7), type ``CLA``.
  The return has no review id; each review's id is ``REV-<child>-<date>-<code>``, stable
  from year to year, so two reviews on one date with different codes are two reviews and an
  exact duplicate line is rejected as a duplicate.
* ``missing_episodes`` <- ``missing``: ``MIS_START``, ``MIS_END``; id
  ``MIS-<child>-<start>``. ``MISSING`` = ``A`` (away from placement, whereabouts known)
  rows are left out and listed, as for the SSD. The return has no return-interview fields,
  so RHI01 is skipped with that reason.
* ``events`` <- ``episodes`` ceased ``E4A``/``E4B`` (returned home): a ``return_home``
  event on ``DEC``, id ``RETURN-<child>-<date>``.

Everything else (worker, language, religion, visits, plans, assessments, supervision) is
absent with a reason naming the return (:data:`.fields.ABSENT`), so each rule needing it
is SKIPPED, never reported as compliant.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from audit.contract import table_spec
from audit.errors import InputError
from audit.lazy import pd
from audit.profiles.base import SourceData, grid_from_frame, left_out_rows
from audit.profiles.spells import case_dates
from audit.profiles.ssd import cells
from audit.profiles.ssda903.fields import ABSENT, RETURN, file_name, recognise
from audit.profiles.ssda903.reading import ROW, SHEET, read_files, require
from audit.reader import Grid

__all__ = ["build", "file_name", "recognise"]

PROFILE = "ssda903"
_RETURNED_HOME = ("E4A", "E4B")
_SEX = {"1": "M", "2": "F"}
NO_EPISODE = (
    "no episode of care in the return's episodes file: not looked after in the year, so "
    "not open in any month"
)
AWAY = "an 'away' episode (MISSING = A): return interviews are audited for missing episodes"


def build(
    grids: Mapping[str, Grid],
    source_label: str,
    as_at: date | None = None,
    settings: Mapping[str, str] | None = None,
) -> SourceData:
    """The contract's tables from the return's files, keyed by file stem or sheet name."""
    settings = settings or {}
    team_column = settings.get("team_column")
    files, labels = read_files(grids, {"header": (team_column,)} if team_column else None)
    for needed in ("header", "episodes"):
        if needed not in files:
            raise InputError(
                f"{source_label}: no {needed} file, so this is not a complete SSDA903 return. "
                "Put the return's header.csv and episodes.csv in the folder."
            )
    require(files["header"], labels["header"], "CHILD")
    require(files["episodes"], labels["episodes"], "CHILD", "DECOM")
    as_at_ts = pd.Timestamp(as_at or date.today())
    team = settings.get("team", "")
    if team_column and team_column not in files["header"]:
        raise InputError(
            f"{labels['header']}: no column '{team_column}' (named in audit.toml "
            "[profile.ssda903] team_column)."
        )
    left_out: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    absent = dict(ABSENT)
    fed_by = {"children": f"{labels['header']}, {labels['episodes']}"}
    built = {"children": _children(files, team, team_column, as_at_ts, left_out, notes)}
    episodes = files["episodes"]
    if "DEC" in episodes and "REC" in episodes:
        built["events"] = _returns_home(episodes)
        fed_by["events"] = labels["episodes"]
    else:
        absent["events"] = f"{labels['episodes']} has no DEC or REC column"
    if "reviews" in files:
        require(files["reviews"], labels["reviews"], "CHILD", "REVIEW")
        built["reviews"] = _reviews(files["reviews"])
        fed_by["reviews"] = labels["reviews"]
    else:
        absent["reviews"] = f"the folder holds no reviews file of {RETURN}"
    if "missing" in files:
        require(files["missing"], labels["missing"], "CHILD", "MIS_START")
        built["missing_episodes"] = _missing(files["missing"], left_out)
        fed_by["missing_episodes"] = labels["missing"]
    else:
        absent["missing_episodes"] = f"the folder holds no missing file of {RETURN}"
    if not team and not team_column:
        notes.append(
            f"{RETURN} has no team: every child is Unallocated. Set the team in audit.toml: "
            '[profile.ssda903] team = "Children in Care".'
        )
    notes.append(
        f"Read as {RETURN}: case dates from {labels['episodes']} (open in a month an "
        "episode overlaps); reviews and missing episodes have ids made from child and date."
    )
    return SourceData(
        profile=PROFILE,
        grids={t: _grid(t, f, source_label) for t, f in built.items()},
        absent=absent,
        fed_by=fed_by,
        notes=tuple(notes),
        left_out=left_out,
        read=tuple(labels.values()),
    )


def _children(
    files: Mapping[str, pd.DataFrame],
    team: str,
    team_column: str | None,
    as_at: pd.Timestamp,
    left_out: dict[str, pd.DataFrame],
    notes: list[str],
) -> pd.DataFrame:
    header, episodes = files["header"], files["episodes"]
    key = cells.key(episodes["CHILD"])
    start = cells.dates(episodes["DECOM"])
    end = cells.dates(episodes["DEC"]) if "DEC" in episodes else pd.Series(pd.NaT, index=key.index)
    status = case_dates(key, start, end, as_at)
    unusable = int((key.isna() | start.isna()).sum())
    if unusable:
        notes.append(
            f"episodes: {unusable} rows without a child or a readable DECOM date give no case "
            "dates."
        )
    people = _present(
        header,
        {"child_id": "CHILD", "date_of_birth": "DOB", "sex": "SEX", "ethnicity": "ETHNIC"},
    )
    if "sex" in people:
        people["sex"] = _sex(people["sex"])
    people["case_type"], people["allocated_team"] = "CLA", team
    if team_column:
        own = header[team_column].astype(object)
        people["allocated_team"] = own.where(cells.text(own).notna(), team)
    people["_key"] = cells.key(header["CHILD"])
    # A row without a child id stays, so the loader rejects it as missing.
    never = people["_key"].notna() & ~people["_key"].isin(status["_key"])
    if never.any():
        left_out["children"] = left_out_rows(
            people.loc[never, SHEET],
            people.loc[never, ROW],
            "CHILD",
            cells.text(people.loc[never, "child_id"]),
            NO_EPISODE,
        )
        notes.append(f"children: {int(never.sum())} in the header with no episode left out.")
    kept = people[~never].merge(status, on="_key", how="left")
    return kept.drop(columns="_key")


def _sex(raw: pd.Series) -> pd.Series:
    """The return codes sex as 1 (male) and 2 (female); other values pass to the loader."""
    text = cells.text(raw)
    return raw.astype(object).where(~text.isin(list(_SEX)), text.map(_SEX))


def _reviews(rows: pd.DataFrame) -> pd.DataFrame:
    child = cells.key(rows["CHILD"])
    when = _date_part(rows, "REVIEW")
    code = cells.optional_text(rows, "REVIEW_CODE").str.upper().fillna("none")
    out = _present(
        rows, {"child_id": "CHILD", "review_date": "REVIEW", "participation_code": "REVIEW_CODE"}
    )
    out["review_id"], out["review_type"] = _id("REV", child, when + "-" + code), "CLA"
    return out


def _missing(rows: pd.DataFrame, left_out: dict[str, pd.DataFrame]) -> pd.DataFrame:
    child = cells.key(rows["CHILD"])
    away = cells.optional_text(rows, "MISSING").str.upper().eq("A").fillna(False).astype(bool)
    if away.any():
        left_out["missing_episodes"] = left_out_rows(
            rows.loc[away, SHEET],
            rows.loc[away, ROW],
            "MISSING",
            cells.text(rows.loc[away, "MISSING"]),
            AWAY,
        )
    out = _present(rows, {"child_id": "CHILD", "start_date": "MIS_START", "end_date": "MIS_END"})
    out["episode_id"] = _id("MIS", child, _date_part(rows, "MIS_START"))
    return out[~away]


def _returns_home(episodes: pd.DataFrame) -> pd.DataFrame:
    home = cells.optional_text(episodes, "REC").str.upper().isin(_RETURNED_HOME)
    rows = episodes[home.fillna(False).astype(bool)]
    child = cells.key(rows["CHILD"])
    return pd.DataFrame(
        {
            "event_id": _id("RETURN", child, _date_part(rows, "DEC")),
            "child_id": rows["CHILD"],
            "event_date": rows["DEC"],
            "event_type": "return_home",
            "description": "Returned home (REC " + cells.text(rows["REC"]).str.upper() + ")",
            SHEET: rows[SHEET],
            ROW: rows[ROW],
        },
        index=rows.index,
    )


def _present(rows: pd.DataFrame, fields: Mapping[str, str]) -> pd.DataFrame:
    """Contract-named raw columns for the return's fields the file has, with provenance.

    A field the file lacks stays out, so a rule needing it is skipped rather than failed.
    """
    out = pd.DataFrame({c: rows[f] for c, f in fields.items() if f in rows}, index=rows.index)
    out[SHEET], out[ROW] = rows[SHEET], rows[ROW]
    return out


def _date_part(rows: pd.DataFrame, column: str) -> pd.Series:
    """The row's date as ``YYYY-MM-DD`` for an id; ``row<n>`` when it cannot be read, so the
    id stays unique and the loader rejects the row for its date, citing it."""
    dates = cells.dates(rows[column])
    return dates.dt.strftime("%Y-%m-%d").fillna("row" + rows[ROW].astype("string"))


def _id(prefix: str, child: pd.Series, rest: pd.Series) -> pd.Series:
    """``PREFIX-<child>-<rest>``; blank when the child is, so the loader rejects the row."""
    ids = prefix + "-" + child + "-" + rest
    return ids.astype(object).where(child.notna(), "")


def _grid(table: str, frame: pd.DataFrame, source_label: str) -> Grid:
    columns = [c for c in table_spec(table).column_names if c in frame]
    body = frame.loc[:, columns].astype(object)
    body = body.where(body.notna(), "")
    return grid_from_frame(body, source_label, frame[SHEET], frame[ROW], columns)
