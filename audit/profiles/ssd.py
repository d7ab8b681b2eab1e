"""The DfE Standard Safeguarding Dataset (SSD) as an input profile.

The SSD arrives as one CSV file (or sheet) per table, named after the table
(``ssd_person.csv``, ``ssd_cp_visits.csv`` …), with the published field names
(``shared/formats/ssd.md``). This module turns those tables into the data contract's
tables. It passes raw cells through: the loader normalises dates, Y/N values and codes
exactly as for any other export. Values are read here only where the mapping has to make
a decision (which involvement is current, which placement is the first, which CLA
episode ended in a return home), and then with the loader's own parsers
(:mod:`audit.normalise`) so both read a cell the same way.

Each output row cites the SSD table and spreadsheet/CSV row it came from (its sheet is
the SSD file or sheet name), so a finding still points a manager at the real record.

Mapping (contract table <- SSD tables) and the decisions taken
----------------------------------------------------------------
``children`` <- ``ssd_person`` (pers_person_id, pers_dob, pers_sex, pers_ethnicity), the
child's involvement current at the as-at date, and their CLA episodes and plans.

* **As-at date**: the caller passes the audit's as-at date (``period_end``). Without one
  the profile uses the latest visit or review date in the extract (work done, so close
  to when it was extracted) that is not after today, and says so in ``notes``.
* **Team and worker** come from ``ssd_involvements``. An involvement is *current* when it
  started on/before the as-at date and its end is blank or on/after it. With several
  current involvements the one with the latest start stands (the later row on a tie); with
  none the child is unallocated (blank team, which the loader reads as ``Unallocated``).
  ``invo_professional_team`` may hold a team id: it is looked up in
  ``ssd_department.dept_team_id`` and replaced by ``dept_team_name``; a value that is no
  team id is kept as written (it is already a team name). A current involvement with a
  blank team takes its worker's department from ``ssd_professionals``.
  ``allocated_worker`` is ``invo_professional_id``. Involvements are not filtered by
  ``invo_professional_role_id``: ssd.md documents no role codes.
* **Case type** is the most intensive open evidence at the as-at date: an open CLA episode
  (``ssd_cla_episodes``) -> ``CLA``; else an open child protection plan (``ssd_cp_plans``)
  -> ``CP``; else an open child in need plan (``ssd_cin_plans``) -> ``CIN``. "Open" is the
  same test as for an involvement. ``case_start_date``/``case_end_date`` are that
  episode's or plan's dates (the latest-starting one of that kind). A child open only
  through a current involvement (e.g. being assessed) has a blank case type and the
  involvement's dates. A child with nothing open gets a blank case type and the dates of
  their most recently ended episode, plan or involvement, so the audit sees when the case
  closed. A child with no episode, plan or involvement at all keeps blank dates, which the
  audit reads as open. Care leavers (``CL``) are not derived: ssd.md lists no care-leaver
  table.

``visits`` <- ``ssd_cin_visits``, ``ssd_cp_visits``, ``ssd_cla_visits``. Ids are prefixed
with the source (``CIN-``, ``CP-``, ``CLA-``) because each table numbers its own visits.
``visit_type`` is ``statutory`` for every row: all three tables record statutory visits.
``child_seen``/``seen_alone`` are the tables' ``…_visit_seen``/``…_visit_seen_alone``.
The SSD does not record why a child was not seen alone: ``absent`` says so for
``visits.not_seen_alone_reason``, and SEE01 then treats a "no" as not applicable
(``reason_not_in_source``) rather than blaming the record. There is no visiting worker
either; the child's allocated worker stands in.

``plans`` <- ``ssd_cin_plans`` (CIN), ``ssd_cp_plans`` (CP), ``ssd_cla_care_plan`` (CLA),
one row per plan, ids prefixed as for visits. The SSD keeps plan dates only, no versions:
``plan_date`` and ``start_date`` are the plan's start, ``end_date`` its end. Plan text
(identity, views) is absent, so IDN03, VOC01 and VOC02 are skipped with an SSD reason;
CHG01 can still use the start of a new plan as evidence of an update.

``assessments`` <- ``ssd_cin_assessments``: ``assessment_type`` is ``single`` (the CIN
single assessment), ``start_date`` the start, ``completed_date`` the authorisation date
(``cina_assessment_auth_date``), ``worker_id`` ``cina_assessment_worker_id``. The SSD has
no risk or return-home assessment type, so CHG02 finds no risk assessment for any return
home; ``notes`` says so.

``events`` <- ``ssd_cla_placement`` and ``ssd_cla_episodes``:

* each placement of a child after their first (ordered by start date, then file order) is
  a ``placement_change`` on its start date, id ``PLACEMENT-<placement id>``. "First" is per
  child over the whole extract, so a child's first placement on coming back into care is
  also counted as a change in their circumstances. A placement with no start date is
  never taken as the first; it is passed on and the loader rejects it for its blank date.
* a CLA episode ceased with reason ``E4A`` or ``E4B`` (returned home) is a
  ``return_home`` on its ceased date, id ``RETURN-<episode id>``.

``reviews`` <- ``ssd_cla_reviews`` (``CLA``) and ``ssd_cp_reviews`` (``CP``), ids prefixed.
A CLA review names no child, only ``clar_cla_id``, the period of care; it is linked to the
child through ``ssd_cla_episodes.clae_cla_id`` (the SSD scripts' own join), and through
``ssd_cla_visits``/``ssd_cla_placement`` rows that carry both a CLA id and a person id.
A CLA id linked to two different children is not used. A review whose child cannot be
found keeps a blank child and is rejected by the loader, so it is counted, not lost.
Cancelled CLA reviews (``clar_cla_review_cancelled`` Y) did not happen and are left out.

``missing_episodes`` <- ``ssd_missing``. Episodes of type ``A`` (away from placement
without authorisation: whereabouts known) are left out, because the statutory return
interview is owed to a child who was missing; every other type (``M``, blank, anything
unexpected) is kept, so nothing is dropped on a guess. ``rhi_offered`` and
``rhi_accepted`` pass through as written. ``NA`` ("not applicable") is not a Y/N answer:
the loader flags it as a data-quality finding and RHI01 reports the offer as not recorded,
showing the ``NA``, because statutory guidance makes no exception for a missing child.

``workers`` <- ``ssd_professionals`` (+ ``ssd_department``): ``worker_id`` is
``prof_professional_id`` (the id involvements, plans and assessments use), ``team`` the
department name (an id resolved as for involvements), ``worker_name`` the name. ``role``
comes from the job title: ASYE/newly qualified -> ``asye``, any manager -> ``manager``,
Independent Reviewing Officer/IRO -> ``iro``, Personal Adviser -> ``pa``, social worker
-> ``sw``, checked in that order; any other title is kept as written.

``supervisions``: not in the SSD. ``absent`` names, for each contract table or column the
SSD cannot provide, a plain-English reason; ``fed_by`` names the SSD tables behind each
contract table; ``notes`` records what a QA lead should know about this extract (rows
left out and why, the as-at date used, limits of the source).

A missing SSD table leaves its contract tables absent (with a reason). An SSD table
lacking a field its rows cannot be used without (an id, a person, a date) stops the load
with an :class:`~audit.errors.InputError` naming the field. A missing optional field
leaves that contract column absent, so a rule needing it is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath

import numpy as np
import pandas as pd

from audit import normalise
from audit.contract import table_spec
from audit.errors import InputError
from audit.normalise import header_key
from audit.profiles.base import SourceData, grid_from_frame
from audit.reader import Grid

PROFILE = "ssd"
SSD = "the Standard Safeguarding Dataset"
HEADER_SEARCH_ROWS = 30  # as the loader: the header may sit below title rows
_EXTENSIONS = (".csv", ".xlsx", ".xlsm", ".parquet")

# Provenance columns carried through every frame until the grid is made.
SHEET, ROW, ORDER = "_sheet", "_row", "_order"

# The published field names of the tables this profile reads (ssd.md). ``clae_cla_id`` and
# ``clap_cla_id`` are in the SSD scripts, not ssd.md; they are used when present.
SSD_FIELDS: dict[str, tuple[str, ...]] = {
    "ssd_person": (
        "pers_person_id",
        "pers_sex",
        "pers_gender",
        "pers_ethnicity",
        "pers_dob",
        "pers_expected_dob",
        "pers_death_date",
        "pers_nationality",
    ),
    "ssd_cin_visits": (
        "cinv_cin_visit_id",
        "cinv_person_id",
        "cinv_cin_visit_date",
        "cinv_cin_visit_seen",
        "cinv_cin_visit_seen_alone",
        "cinv_cin_visit_bedroom",
    ),
    "ssd_cp_visits": (
        "cppv_cp_visit_id",
        "cppv_person_id",
        "cppv_cp_plan_id",
        "cppv_cp_visit_date",
        "cppv_cp_visit_seen",
        "cppv_cp_visit_seen_alone",
        "cppv_cp_visit_bedroom",
    ),
    "ssd_cla_visits": (
        "clav_cla_visit_id",
        "clav_cla_id",
        "clav_person_id",
        "clav_cla_visit_date",
        "clav_cla_visit_seen",
        "clav_cla_visit_seen_alone",
    ),
    "ssd_cin_plans": (
        "cinp_cin_plan_id",
        "cinp_person_id",
        "cinp_cin_plan_start_date",
        "cinp_cin_plan_end_date",
        "cinp_cin_plan_team",
        "cinp_cin_plan_worker_id",
    ),
    "ssd_cp_plans": (
        "cppl_cp_plan_id",
        "cppl_person_id",
        "cppl_cp_plan_start_date",
        "cppl_cp_plan_end_date",
        "cppl_cp_plan_initial_category",
        "cppl_cp_plan_latest_category",
    ),
    "ssd_cla_care_plan": (
        "lacp_table_id",
        "lacp_person_id",
        "lacp_cla_care_plan_start_date",
        "lacp_cla_care_plan_end_date",
        "lacp_cla_care_plan_json",
    ),
    "ssd_cin_assessments": (
        "cina_assessment_id",
        "cina_person_id",
        "cina_assessment_start_date",
        "cina_assessment_child_seen",
        "cina_assessment_auth_date",
        "cina_assessment_team",
        "cina_assessment_worker_id",
    ),
    "ssd_cla_episodes": (
        "clae_cla_episode_id",
        "clae_person_id",
        "clae_cla_episode_start_date",
        "clae_cla_episode_start_reason",
        "clae_cla_episode_ceased_date",
        "clae_cla_episode_ceased_reason",
        "clae_cla_placement_id",
        "clae_cla_last_iro_contact_date",
        "clae_cla_id",
    ),
    "ssd_cla_placement": (
        "clap_cla_placement_id",
        "clap_person_id",
        "clap_cla_id",
        "clap_cla_placement_start_date",
        "clap_cla_placement_end_date",
        "clap_cla_placement_type",
        "clap_cla_placement_change_reason",
    ),
    "ssd_cla_reviews": (
        "clar_cla_review_id",
        "clar_cla_id",
        "clar_cla_review_due_date",
        "clar_cla_review_date",
        "clar_cla_review_cancelled",
        "clar_cla_review_participation",
    ),
    "ssd_cp_reviews": (
        "cppr_cp_review_id",
        "cppr_person_id",
        "cppr_cp_plan_id",
        "cppr_cp_review_due",
        "cppr_cp_review_date",
        "cppr_cp_review_participation",
    ),
    "ssd_missing": (
        "miss_table_id",
        "miss_person_id",
        "miss_missing_episode_start_date",
        "miss_missing_episode_type",
        "miss_missing_episode_end_date",
        "miss_missing_rhi_offered",
        "miss_missing_rhi_accepted",
    ),
    "ssd_involvements": (
        "invo_involvements_id",
        "invo_professional_id",
        "invo_professional_role_id",
        "invo_professional_team",
        "invo_involvement_start_date",
        "invo_involvement_end_date",
        "invo_person_id",
    ),
    "ssd_professionals": (
        "prof_professional_id",
        "prof_staff_id",
        "prof_professional_name",
        "prof_professional_job_title",
        "prof_professional_caseload",
        "prof_professional_department",
        "prof_full_time_equivalency",
    ),
    "ssd_department": (
        "dept_team_id",
        "dept_team_name",
        "dept_team_parent_id",
        "dept_team_parent_name",
    ),
}
_BY_KEY = {header_key(name): name for name in SSD_FIELDS}

# What the SSD never holds, whatever the extract: "table" or "table.column" -> reason.
ALWAYS_ABSENT: dict[str, str] = {
    "children.first_language": f"{SSD} has no first-language field",
    "children.religion": f"{SSD} has no religion field",
    "plans.identity_notes": f"{SSD} holds no plan text (its plan tables carry dates only)",
    "plans.identity_considered": (
        f"{SSD} holds no plan text or identity tick-box (its plan tables carry dates only)"
    ),
    "plans.child_views": f"{SSD} holds no plan text, so no recorded views of the child",
    "plans.views_influence": f"{SSD} holds no plan text, so no record of how views shaped it",
    "supervisions": f"{SSD} holds no supervision records",
    "visits.worker_id": f"{SSD} visit tables do not name the visiting worker",
    "visits.not_seen_alone_reason": (
        f"{SSD} records whether the child was seen alone, not why they were not"
    ),
    "visits.seen_alone_commentary": f"{SSD} holds no visit commentary",
    "missing_episodes.rhi_offered_date": (
        f"{SSD} records whether a return interview was offered, not when"
    ),
    "missing_episodes.rhi_date": f"{SSD} does not record when a return interview took place",
    "reviews.child_views": f"{SSD} holds no review text",
}

# Job title -> contract role, the first pattern that matches (case-insensitive).
_ROLES: tuple[tuple[str, str], ...] = (
    ("asye", r"\basye\b|newly[\s-]+qualified|\bnqsw\b"),
    ("manager", r"\bmanager\b"),
    ("iro", r"\bindependent\s+reviewing\s+officer\b|\biro\b"),
    ("pa", r"\bpersonal\s+advis[eo]r\b"),
    ("sw", r"\bsocial\s+worker\b"),
)
_RETURNED_HOME = r"^E4[AB]\b"  # SSDA903 reasons episode ceased: returned home to parents


# ---------------------------------------------------------------- public API


def table_name(name: str) -> str | None:
    """The SSD table a sheet or file name holds (``SSD_Person.csv`` -> ``ssd_person``)."""
    text = str(name).strip()
    if text.lower().endswith(_EXTENSIONS):
        text = PurePath(text).stem
    return _BY_KEY.get(header_key(text))


def recognise(names: Sequence[str]) -> bool:
    """True when the sheet or file names include ``ssd_person`` (any case, any extension)."""
    return any(table_name(name) == "ssd_person" for name in names)


def build(grids: Mapping[str, Grid], source_label: str, as_at: date | None = None) -> SourceData:
    """The contract's tables from raw SSD grids keyed by table (file stem or sheet) name."""
    tables, labels = _read_tables(grids)
    if "ssd_person" not in tables:
        raise InputError(
            f"{source_label}: no ssd_person table, so this is not a Standard Safeguarding "
            "Dataset extract (or its person file is missing)."
        )
    ctx = _Context(tables, labels, _as_at(tables, as_at))
    if as_at is None:
        ctx.notes.append(
            f"No as-at date was given: teams, workers and case types are taken as at "
            f"{ctx.as_at:%d/%m/%Y}, the latest visit or review date in the extract not after "
            "today."
        )
    frames: dict[str, pd.DataFrame | None] = {
        "children": _children(ctx),
        "workers": _workers(ctx),
        "visits": _visits(ctx),
        "plans": _plans(ctx),
        "assessments": _assessments(ctx),
        "events": _events(ctx),
        "reviews": _reviews(ctx),
        "missing_episodes": _missing_episodes(ctx),
    }
    built = {t: f for t, f in frames.items() if f is not None}
    _general_notes(ctx, built)
    return SourceData(
        profile=PROFILE,
        grids={t: _grid(t, f, source_label) for t, f in built.items()},
        absent={**ALWAYS_ABSENT, **ctx.absent},
        fed_by={t: ", ".join(ctx.fed_by[t]) for t in built},
        notes=tuple(ctx.notes),
    )


# ---------------------------------------------------------------- reading the tables


@dataclass
class _Context:
    """The SSD tables as frames of raw cells, and what the mapping learns on the way."""

    tables: dict[str, pd.DataFrame]  # SSD table -> field columns + SHEET, ROW, ORDER
    labels: dict[str, str]  # SSD table -> the file or sheet it was read from
    as_at: pd.Timestamp
    absent: dict[str, str] = field(default_factory=dict)
    fed_by: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def has(self, *tables: str) -> bool:
        return all(t in self.tables for t in tables)

    def fed(self, table: str, *sources: str) -> None:
        names = self.fed_by.setdefault(table, [])
        names += [s for s in sources if s in self.tables and s not in names]


def _read_tables(
    grids: Mapping[str, Grid],
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Each SSD table among the grids, by its table name, and the file or sheet it came from."""
    tables: dict[str, pd.DataFrame] = {}
    labels: dict[str, str] = {}
    for name, grid in grids.items():
        table = table_name(name)
        if table is not None:
            labels[table] = grid.sheet or grid.source
            tables[table] = _read_table(table, grid, labels[table])
    return tables, labels


def _read_table(table: str, grid: Grid, label: str) -> pd.DataFrame:
    """The grid's data rows under the SSD field names found in its header row."""
    fields = SSD_FIELDS[table]
    cells = grid.cells
    filled = cells.notna() & cells.ne("")
    if not filled.any().any():  # an empty file: the table with no rows
        return _empty_table(fields)
    wanted = {header_key(f): f for f in fields}
    header_at = _header_position(cells.head(HEADER_SEARCH_ROWS), wanted)
    if header_at is None:
        raise InputError(
            f"{label}: no header row with {table} field names (such as {fields[0]}) in the "
            f"first {HEADER_SEARCH_ROWS} rows. Export the table again with its header row."
        )
    positions: dict[str, object] = {}
    for position, header in cells.iloc[header_at].items():
        name = wanted.get(header_key(header))
        if name is not None and name not in positions:  # the first of two same-named wins
            positions[name] = position
    body = cells.iloc[header_at + 1 :]
    body = body[filled.iloc[header_at + 1 :].any(axis=1)]  # an empty row is not a record
    frame = pd.DataFrame({f: body[p] for f, p in positions.items()}, index=body.index)
    sheets, rows = grid.provenance(body.index)
    frame[SHEET], frame[ROW] = sheets, rows
    frame[ORDER] = np.arange(len(frame))
    return frame.reset_index(drop=True)


def _empty_table(fields: Iterable[str]) -> pd.DataFrame:
    frame = pd.DataFrame({f: pd.Series(dtype=object) for f in fields})
    frame[SHEET] = pd.Series(dtype="string")
    frame[ROW] = pd.Series(dtype="int64")
    frame[ORDER] = pd.Series(dtype="int64")
    return frame


def _header_position(top: pd.DataFrame, wanted: Mapping[str, str]) -> int | None:
    """Position of the first top row naming the most of the table's fields, or None."""
    hits = [
        len({header_key(v) for v in row if isinstance(v, str) and v} & wanted.keys())
        for row in top.itertuples(index=False, name=None)
    ]
    best = max(hits, default=0)
    return hits.index(best) if best else None


# ---------------------------------------------------------------- cell helpers


def _text(raw: pd.Series) -> pd.Series:
    return normalise.cells_to_text(raw)


def _key(raw: pd.Series) -> pd.Series:
    """An identifier as the loader reads it, for joining tables on it."""
    return normalise.as_id(_text(raw))[0]


def _dates(raw: pd.Series) -> pd.Series:
    """Cells as dates the way the loader parses them; anything else is NaT."""
    return normalise.as_date(raw, _text(raw))[0]


def _yes(raw: pd.Series) -> pd.Series:
    return normalise.as_yes_no(_text(raw))[0].eq("Y").fillna(False).astype(bool)


def _prefixed(prefix: str, raw: pd.Series) -> pd.Series:
    """``CIN-123`` for each id; a blank id stays blank so the loader rejects its row."""
    ids = _key(raw)
    return (prefix + "-" + ids).astype(object).where(ids.notna(), "")


def _open_at(start: pd.Series, end: pd.Series, as_at: pd.Timestamp) -> pd.Series:
    """Started on/before the as-at date and not ended before it."""
    return ((start <= as_at) & (end.isna() | (end >= as_at))).fillna(False).astype(bool)


def _pick(
    ctx: _Context,
    table: str,
    fields: Mapping[str, str],
    required: Iterable[str] = (),
) -> pd.DataFrame:
    """Contract-named raw columns of one SSD table (those present), with provenance.

    A contract column in ``required`` whose SSD field is missing stops the load: its rows
    could not be used at all.
    """
    frame = ctx.tables[table]
    for column in required:
        if fields[column] not in frame:
            raise InputError(
                f"{ctx.labels[table]}: the SSD table {table} has no {fields[column]} column, "
                f"needed for {column}. Export it again with the published SSD field names."
            )
    out = pd.DataFrame({c: frame[f] for c, f in fields.items() if f in frame}, index=frame.index)
    for column in (SHEET, ROW, ORDER):
        out[column] = frame[column]
    return out


def _absent_fields(
    ctx: _Context, table: str, column: str, sources: Mapping[str, str], frame: pd.DataFrame
) -> None:
    """Say which SSD tables lacked the field behind a contract column.

    When none of them had it the column is absent (a rule needing it is skipped with this
    reason); when only some lacked it, their rows are blank in it and a note says so.
    """
    gaps = [
        f"{ctx.labels[t]} has no {f} column"
        for t, f in sources.items()
        if t in ctx.tables and f not in ctx.tables[t]
    ]
    if not gaps:
        return
    if column not in frame:
        ctx.absent[f"{table}.{column}"] = f"the SSD extract: {'; '.join(gaps)}"
    else:
        ctx.notes.append(
            f"{table}.{column} is blank for the rows of tables lacking it: {'; '.join(gaps)}."
        )


def _child_ids(
    ctx: _Context, table: str, person: str | None, cla_id: str | None = None
) -> pd.Series:
    """Each row's child: its person id, else the child of its CLA id (see ``_cla_people``)."""
    frame = ctx.tables[table]
    has_person = person is not None and person in frame
    if not has_person and (cla_id is None or cla_id not in frame):
        needed = " or ".join(f for f in (person, cla_id) if f)
        raise InputError(
            f"{ctx.labels[table]}: the SSD table {table} has no {needed} column, so its rows "
            "cannot be linked to a child. Export it again with the published SSD field names."
        )
    given = frame[person] if has_person else pd.Series(None, index=frame.index, dtype=object)
    child = _key(given)
    if cla_id is not None and cla_id in frame:
        child = child.fillna(_key(frame[cla_id]).map(_cla_people(ctx)))
    return child.astype(object).where(child.notna(), "")


def _cla_people(ctx: _Context) -> pd.Series:
    """CLA id (period of care) -> person id, from every table holding both.

    An id linked to two different people is ambiguous and left out.
    """
    links = [
        ("ssd_cla_episodes", "clae_cla_id", "clae_person_id"),
        ("ssd_cla_visits", "clav_cla_id", "clav_person_id"),
        ("ssd_cla_placement", "clap_cla_id", "clap_person_id"),
    ]
    parts = [
        pd.DataFrame({"cla": _key(frame[cla]), "person": _key(frame[person])})
        for table, cla, person in links
        if (frame := ctx.tables.get(table)) is not None and cla in frame and person in frame
    ]
    if not parts:
        return pd.Series(dtype="string")
    pairs = pd.concat(parts, ignore_index=True).dropna().drop_duplicates()
    unique = ~pairs["cla"].duplicated(keep=False)
    return pairs[unique].set_index("cla")["person"]


def _team_names(ctx: _Context) -> pd.Series:
    """Team id -> team name from ``ssd_department`` (empty without it)."""
    if not ctx.has("ssd_department"):
        return pd.Series(dtype="string")
    dept = ctx.tables["ssd_department"]
    if "dept_team_id" not in dept or "dept_team_name" not in dept:
        return pd.Series(dtype="string")
    names = pd.DataFrame({"id": _key(dept["dept_team_id"]), "name": _text(dept["dept_team_name"])})
    names = names.dropna().drop_duplicates("id")
    return names.set_index("id")["name"]


def _resolve_teams(ctx: _Context, raw: pd.Series) -> pd.Series:
    """A team id replaced by its name; any other value kept as written."""
    name = _key(raw).map(_team_names(ctx))
    return name.astype(object).where(name.notna(), raw)


# ---------------------------------------------------------------- as-at date

# Dates of work done (not planned), for the as-at date when none is given.
_ACTIVITY_DATES = (
    ("ssd_cin_visits", "cinv_cin_visit_date"),
    ("ssd_cp_visits", "cppv_cp_visit_date"),
    ("ssd_cla_visits", "clav_cla_visit_date"),
    ("ssd_cla_reviews", "clar_cla_review_date"),
    ("ssd_cp_reviews", "cppr_cp_review_date"),
)


def _today() -> date:
    return date.today()


def _as_at(tables: Mapping[str, pd.DataFrame], as_at: date | None) -> pd.Timestamp:
    """The given as-at date, else the latest visit or review in the extract not after today."""
    if as_at is not None:
        return pd.Timestamp(as_at)
    today = pd.Timestamp(_today())
    found = [
        _dates(frame[column])
        for table, column in _ACTIVITY_DATES
        if (frame := tables.get(table)) is not None and column in frame
    ]
    dates = pd.concat(found) if found else pd.Series(dtype="datetime64[ns]")
    dates = dates[dates <= today]
    return pd.Timestamp(dates.max()) if dates.notna().any() else today


# ---------------------------------------------------------------- children


def _children(ctx: _Context) -> pd.DataFrame:
    people = _pick(
        ctx,
        "ssd_person",
        {
            "child_id": "pers_person_id",
            "date_of_birth": "pers_dob",
            "sex": "pers_sex",
            "ethnicity": "pers_ethnicity",
        },
        required=["child_id"],
    )
    ctx.fed("children", "ssd_person", "ssd_involvements", "ssd_department")
    for column, ssd_field in (
        ("date_of_birth", "pers_dob"),
        ("sex", "pers_sex"),
        ("ethnicity", "pers_ethnicity"),
    ):
        _absent_fields(ctx, "children", column, {"ssd_person": ssd_field}, people)
    people["_key"] = _key(people["child_id"])
    people = people.merge(_allocations(ctx), on="_key", how="left")
    if _CASE_SOURCES & ctx.tables.keys():
        people = people.merge(_case_status(ctx), on="_key", how="left")
    else:
        ctx.absent["children.case_type"] = (
            "the SSD extract has no ssd_cla_episodes, ssd_cp_plans, ssd_cin_plans or "
            "ssd_involvements table to tell the child's status"
        )
    if not ctx.has("ssd_involvements"):
        ctx.notes.append("The extract has no ssd_involvements table: every child is Unallocated.")
    return people.drop(columns="_key")


def _allocations(ctx: _Context) -> pd.DataFrame:
    """Per child key: team and worker of the involvement current at the as-at date."""
    if not ctx.has("ssd_involvements"):
        return pd.DataFrame({"_key": pd.Series(dtype="string"), "allocated_team": ""})
    inv = _pick(
        ctx,
        "ssd_involvements",
        {
            "team": "invo_professional_team",
            "worker": "invo_professional_id",
            "start": "invo_involvement_start_date",
            "end": "invo_involvement_end_date",
        },
        required=["start"],
    )
    inv["_key"] = _key(_child_ids(ctx, "ssd_involvements", "invo_person_id", None))
    end = _dates(inv["end"]) if "end" in inv else pd.Series(pd.NaT, index=inv.index)
    inv["_start"] = _dates(inv["start"])
    current = inv[_open_at(inv["_start"], end, ctx.as_at) & inv["_key"].notna()]
    latest = current.sort_values(["_start", ORDER]).drop_duplicates("_key", keep="last")
    out = pd.DataFrame({"_key": latest["_key"]})
    team = latest["team"] if "team" in latest else pd.Series("", index=latest.index)
    out["allocated_team"] = _resolve_teams(ctx, team)
    if "worker" in latest:
        out["allocated_worker"] = latest["worker"]
        worker_team = _key(latest["worker"]).map(_professional_teams(ctx))
        blank = _text(out["allocated_team"]).isna()
        out["allocated_team"] = out["allocated_team"].where(~blank, worker_team)
    return out


def _professional_teams(ctx: _Context) -> pd.Series:
    """Professional id -> team name (their department, resolved)."""
    if not ctx.has("ssd_professionals"):
        return pd.Series(dtype=object)
    prof = ctx.tables["ssd_professionals"]
    if "prof_professional_id" not in prof or "prof_professional_department" not in prof:
        return pd.Series(dtype=object)
    teams = pd.DataFrame(
        {
            "id": _key(prof["prof_professional_id"]),
            "team": _resolve_teams(ctx, prof["prof_professional_department"]),
        }
    )
    teams = teams[teams["id"].notna()].drop_duplicates("id")
    return teams.set_index("id")["team"]


# Evidence of a child's status, most intensive first; an involvement gives no case type.
# (table, case type, person, start, end)
_CASE_EVIDENCE = (
    (
        "ssd_cla_episodes",
        "CLA",
        "clae_person_id",
        "clae_cla_episode_start_date",
        "clae_cla_episode_ceased_date",
    ),
    (
        "ssd_cp_plans",
        "CP",
        "cppl_person_id",
        "cppl_cp_plan_start_date",
        "cppl_cp_plan_end_date",
    ),
    (
        "ssd_cin_plans",
        "CIN",
        "cinp_person_id",
        "cinp_cin_plan_start_date",
        "cinp_cin_plan_end_date",
    ),
    (
        "ssd_involvements",
        "",
        "invo_person_id",
        "invo_involvement_start_date",
        "invo_involvement_end_date",
    ),
)
_CASE_SOURCES = {source[0] for source in _CASE_EVIDENCE}


def _case_evidence(ctx: _Context) -> pd.DataFrame:
    """Every episode, plan and involvement as (child key, rank, type, dates)."""
    parts = []
    ctx.fed("children", *(source[0] for source in _CASE_EVIDENCE if source[1]))
    for position, (table, case_type, person, start, end) in enumerate(_CASE_EVIDENCE):
        rank = len(_CASE_EVIDENCE) - position  # CLA highest, an involvement lowest
        if not ctx.has(table):
            continue
        fields = {"child": person, "start": start, "end": end}
        rows = _pick(ctx, table, fields, required=["child", "start"])
        if "end" not in rows:
            rows["end"] = ""
        rows["_key"] = _key(rows["child"])
        rows["_rank"], rows["case_type"] = rank, case_type
        rows["_start"], rows["_end"] = _dates(rows["start"]), _dates(rows["end"])
        parts.append(rows)
    evidence = pd.concat(parts, ignore_index=True)
    evidence["_seq"] = np.arange(len(evidence))
    return evidence[evidence["_key"].notna()]


def _case_status(ctx: _Context) -> pd.DataFrame:
    """Per child key: case type and case dates at the as-at date (module docstring)."""
    evidence = _case_evidence(ctx)
    is_open = _open_at(evidence["_start"], evidence["_end"], ctx.as_at)
    open_now = (
        evidence[is_open]
        .sort_values(["_rank", "_start", "_seq"])
        .drop_duplicates("_key", keep="last")
    )
    started = evidence["_start"].le(ctx.as_at).fillna(False).astype(bool)
    closed = evidence[started & ~is_open & ~evidence["_key"].isin(open_now["_key"])]
    last_closed = closed.sort_values(["_end", "_rank", "_seq"]).drop_duplicates("_key", keep="last")
    last_closed = last_closed.assign(case_type="")
    status = pd.concat([open_now, last_closed], ignore_index=True)
    return status.loc[:, ["_key", "case_type", "start", "end"]].rename(
        columns={"start": "case_start_date", "end": "case_end_date"}
    )


# ---------------------------------------------------------------- visits

_VISIT_SOURCES = (
    ("ssd_cin_visits", "CIN", "cinv", "cinv_cin_visit", None),
    ("ssd_cp_visits", "CP", "cppv", "cppv_cp_visit", None),
    ("ssd_cla_visits", "CLA", "clav", "clav_cla_visit", "clav_cla_id"),
)


def _visits(ctx: _Context) -> pd.DataFrame | None:
    parts = []
    for table, prefix, short, stem, cla_id in _VISIT_SOURCES:
        if not ctx.has(table):
            continue
        rows = _pick(
            ctx,
            table,
            {
                "visit_id": f"{stem}_id",
                "visit_date": f"{stem}_date",
                "child_seen": f"{stem}_seen",
                "seen_alone": f"{stem}_seen_alone",
            },
            required=["visit_id", "visit_date"],
        )
        rows["visit_id"] = _prefixed(prefix, rows["visit_id"])
        rows["child_id"] = _child_ids(ctx, table, f"{short}_person_id", cla_id)
        rows["visit_type"] = "statutory"
        parts.append(rows)
        ctx.fed("visits", table)
    if not parts:
        ctx.absent["visits"] = _no_tables("ssd_cin_visits", "ssd_cp_visits", "ssd_cla_visits")
        return None
    visits = pd.concat(parts, ignore_index=True)
    for column, suffix in (("child_seen", "seen"), ("seen_alone", "seen_alone")):
        sources = {source[0]: f"{source[3]}_{suffix}" for source in _VISIT_SOURCES}
        _absent_fields(ctx, "visits", column, sources, visits)
    return visits


def _no_tables(*tables: str) -> str:
    names = ", ".join(tables[:-1]) + (" or " if len(tables) > 1 else "") + tables[-1]
    return f"the SSD extract has no {names} table"


# ---------------------------------------------------------------- plans

_PLAN_SOURCES = (
    ("ssd_cin_plans", "CIN", "cinp_cin_plan_id", "cinp_person_id", "cinp_cin_plan"),
    ("ssd_cp_plans", "CP", "cppl_cp_plan_id", "cppl_person_id", "cppl_cp_plan"),
    ("ssd_cla_care_plan", "CLA", "lacp_table_id", "lacp_person_id", "lacp_cla_care_plan"),
)


def _plans(ctx: _Context) -> pd.DataFrame | None:
    parts = []
    for table, plan_type, plan_id, person, stem in _PLAN_SOURCES:
        if not ctx.has(table):
            continue
        rows = _pick(
            ctx,
            table,
            {
                "plan_id": plan_id,
                "start_date": f"{stem}_start_date",
                "end_date": f"{stem}_end_date",
            },
            required=["plan_id", "start_date"],
        )
        rows["plan_id"] = _prefixed(plan_type, rows["plan_id"])
        rows["child_id"] = _child_ids(ctx, table, person, None)
        rows["plan_type"] = plan_type
        rows["plan_date"] = rows["start_date"]  # no versions: the plan as it started
        parts.append(rows)
        ctx.fed("plans", table)
    if not parts:
        ctx.absent["plans"] = _no_tables(*(s[0] for s in _PLAN_SOURCES))
        return None
    plans = pd.concat(parts, ignore_index=True)
    sources = {s[0]: f"{s[4]}_end_date" for s in _PLAN_SOURCES}
    _absent_fields(ctx, "plans", "end_date", sources, plans)
    return plans


# ---------------------------------------------------------------- assessments


def _assessments(ctx: _Context) -> pd.DataFrame | None:
    table = "ssd_cin_assessments"
    if not ctx.has(table):
        ctx.absent["assessments"] = _no_tables(table)
        return None
    rows = _pick(
        ctx,
        table,
        {
            "assessment_id": "cina_assessment_id",
            "start_date": "cina_assessment_start_date",
            "completed_date": "cina_assessment_auth_date",
            "worker_id": "cina_assessment_worker_id",
        },
        required=["assessment_id"],
    )
    rows["child_id"] = _child_ids(ctx, table, "cina_person_id", None)
    rows["assessment_type"] = "single"
    # Every SSD assessment reads as "single", so the type says nothing: a rule that needs
    # to find a risk or return-home assessment must be skipped, not told there is none.
    ctx.absent["assessments.assessment_type"] = (
        "the SSD's ssd_cin_assessments does not say what kind each assessment is, so a "
        "risk or return-home assessment cannot be told apart"
    )
    ctx.fed("assessments", table)
    _absent_fields(ctx, "assessments", "completed_date", {table: "cina_assessment_auth_date"}, rows)
    return rows


# ---------------------------------------------------------------- events


def _events(ctx: _Context) -> pd.DataFrame | None:
    parts = [part for part in (_placement_changes(ctx), _returns_home(ctx)) if part is not None]
    if not parts:
        ctx.absent["events"] = _no_tables("ssd_cla_placement", "ssd_cla_episodes")
        return None
    return pd.concat(parts, ignore_index=True)


def _placement_changes(ctx: _Context) -> pd.DataFrame | None:
    """Every placement of a child after their first (by start date, then file order)."""
    table = "ssd_cla_placement"
    if not ctx.has(table):
        return None
    rows = _pick(
        ctx,
        table,
        {
            "event_id": "clap_cla_placement_id",
            "event_date": "clap_cla_placement_start_date",
            "type": "clap_cla_placement_type",
            "reason": "clap_cla_placement_change_reason",
        },
        required=["event_id", "event_date"],
    )
    rows["child_id"] = _child_ids(ctx, table, "clap_person_id", "clap_cla_id")
    start, child = _dates(rows["event_date"]), _text(rows["child_id"])
    dated = rows[start.notna() & child.notna()].assign(_start=start, _child=child)
    firsts = dated.sort_values(["_start", ORDER]).drop_duplicates("_child", keep="first").index
    changes = rows.drop(index=firsts)
    changes["event_id"] = _prefixed("PLACEMENT", changes["event_id"])
    changes["event_type"] = "placement_change"
    changes["description"] = _describe_placement(changes)
    ctx.fed("events", table)
    ctx.notes.append(
        f"events: first placements of a child, not counted as changes: {len(firsts)}; "
        f"placement changes: {len(changes)}."
    )
    return changes.drop(columns=[c for c in ("type", "reason") if c in changes])


def _describe_placement(rows: pd.DataFrame) -> pd.Series:
    blank = pd.Series(pd.NA, index=rows.index, dtype="string")
    kind = _text(rows["type"]) if "type" in rows else blank
    reason = _text(rows["reason"]) if "reason" in rows else blank
    text = "New placement" + (" (type " + kind + ")").fillna("")
    return text + ("; reason for change " + reason).fillna("")


def _returns_home(ctx: _Context) -> pd.DataFrame | None:
    """CLA episodes ceased with reason E4A or E4B: the child returned home."""
    table = "ssd_cla_episodes"
    if not ctx.has(table):
        return None
    rows = _pick(
        ctx,
        table,
        {
            "event_id": "clae_cla_episode_id",
            "event_date": "clae_cla_episode_ceased_date",
            "reason": "clae_cla_episode_ceased_reason",
        },
        required=["event_id"],
    )
    if "event_date" not in rows or "reason" not in rows:
        ctx.notes.append(
            f"events: no return-home events: {ctx.labels[table]} needs both "
            "clae_cla_episode_ceased_date and clae_cla_episode_ceased_reason."
        )
        return None
    reason = _text(rows["reason"]).str.strip().str.upper()
    home = reason.str.contains(_RETURNED_HOME, regex=True).fillna(False).astype(bool)
    rows = rows[home].copy()
    rows["child_id"] = _child_ids(ctx, table, "clae_person_id", None)[home]
    rows["event_id"] = _prefixed("RETURN", rows["event_id"])
    rows["event_type"] = "return_home"
    rows["description"] = "Ceased to be looked after: returned home (" + reason[home] + ")"
    ctx.fed("events", table)
    return rows.drop(columns="reason")


# ---------------------------------------------------------------- reviews


def _reviews(ctx: _Context) -> pd.DataFrame | None:
    parts = [part for part in (_cla_reviews(ctx), _cp_reviews(ctx)) if part is not None]
    if not parts:
        ctx.absent["reviews"] = _no_tables("ssd_cla_reviews", "ssd_cp_reviews")
        return None
    reviews = pd.concat(parts, ignore_index=True)
    sources = {
        "ssd_cla_reviews": "clar_cla_review_participation",
        "ssd_cp_reviews": "cppr_cp_review_participation",
    }
    _absent_fields(ctx, "reviews", "participation_code", sources, reviews)
    return reviews


def _cla_reviews(ctx: _Context) -> pd.DataFrame | None:
    table = "ssd_cla_reviews"
    if not ctx.has(table):
        return None
    rows = _pick(
        ctx,
        table,
        {
            "review_id": "clar_cla_review_id",
            "review_date": "clar_cla_review_date",
            "participation_code": "clar_cla_review_participation",
            "cancelled": "clar_cla_review_cancelled",
        },
        required=["review_id", "review_date"],
    )
    rows["child_id"] = _child_ids(ctx, table, None, "clar_cla_id")
    cancelled = _yes(rows["cancelled"]) if "cancelled" in rows else pd.Series(False, rows.index)
    rows = rows[~cancelled].drop(columns=[c for c in ("cancelled",) if c in rows])
    rows["review_id"] = _prefixed("CLA", rows["review_id"])
    rows["review_type"] = "CLA"
    unlinked = int(_text(rows["child_id"]).isna().sum())
    ctx.notes.append(
        f"reviews: cancelled CLA reviews left out: {int(cancelled.sum())}; CLA reviews whose "
        f"clar_cla_id links to no child (rejected): {unlinked}."
    )
    ctx.fed("reviews", table, "ssd_cla_episodes")
    return rows


def _cp_reviews(ctx: _Context) -> pd.DataFrame | None:
    table = "ssd_cp_reviews"
    if not ctx.has(table):
        return None
    rows = _pick(
        ctx,
        table,
        {
            "review_id": "cppr_cp_review_id",
            "review_date": "cppr_cp_review_date",
            "participation_code": "cppr_cp_review_participation",
        },
        required=["review_id", "review_date"],
    )
    rows["child_id"] = _child_ids(ctx, table, "cppr_person_id", None)
    rows["review_id"] = _prefixed("CP", rows["review_id"])
    rows["review_type"] = "CP"
    ctx.fed("reviews", table)
    return rows


# ---------------------------------------------------------------- missing episodes


def _missing_episodes(ctx: _Context) -> pd.DataFrame | None:
    table = "ssd_missing"
    if not ctx.has(table):
        ctx.absent["missing_episodes"] = _no_tables(table)
        return None
    rows = _pick(
        ctx,
        table,
        {
            "episode_id": "miss_table_id",
            "start_date": "miss_missing_episode_start_date",
            "end_date": "miss_missing_episode_end_date",
            "rhi_offered": "miss_missing_rhi_offered",
            "rhi_accepted": "miss_missing_rhi_accepted",
            "type": "miss_missing_episode_type",
        },
        required=["episode_id", "start_date"],
    )
    rows["child_id"] = _child_ids(ctx, table, "miss_person_id", None)
    kind = (
        _text(rows["type"]).str.upper()
        if "type" in rows
        else pd.Series(pd.NA, rows.index, dtype="string")
    )
    away = kind.eq("A").fillna(False).astype(bool)
    ctx.notes.append(
        f"missing_episodes: 'away' (type A) episodes left out: {int(away.sum())}; return "
        "interviews are audited for missing episodes only."
    )
    ctx.fed("missing_episodes", table)
    for column, ssd_field in (
        ("end_date", "miss_missing_episode_end_date"),
        ("rhi_offered", "miss_missing_rhi_offered"),
        ("rhi_accepted", "miss_missing_rhi_accepted"),
    ):
        _absent_fields(ctx, "missing_episodes", column, {table: ssd_field}, rows)
    return rows[~away].drop(columns=[c for c in ("type",) if c in rows])


# ---------------------------------------------------------------- workers


def _workers(ctx: _Context) -> pd.DataFrame | None:
    table = "ssd_professionals"
    if not ctx.has(table):
        ctx.absent["workers"] = _no_tables(table)
        return None
    rows = _pick(
        ctx,
        table,
        {
            "worker_id": "prof_professional_id",
            "team": "prof_professional_department",
            "worker_name": "prof_professional_name",
            "role": "prof_professional_job_title",
        },
        required=["worker_id", "team"],
    )
    rows["team"] = _resolve_teams(ctx, rows["team"])
    if "role" in rows:
        rows["role"] = _roles(rows["role"])
    ctx.fed("workers", table, "ssd_department")
    return rows


def _roles(titles: pd.Series) -> pd.Series:
    """A job title as a contract role code where one fits, else the title as written."""
    text = _text(titles)
    conditions = [
        text.str.contains(pattern, case=False, regex=True).fillna(False).astype(bool)
        for _, pattern in _ROLES
    ]
    coded = np.select(conditions, [code for code, _ in _ROLES], default="")
    return pd.Series(coded, index=titles.index, dtype=object).where(coded != "", titles)


# ---------------------------------------------------------------- output


def _general_notes(ctx: _Context, built: Mapping[str, pd.DataFrame]) -> None:
    ctx.notes.append(
        f"Teams, workers and case types are as at {ctx.as_at:%d/%m/%Y}, from the "
        "involvement and the CLA episode or plan open on that date."
    )
    if "visits" in built:
        ctx.notes.append(
            "visits: every SSD visit counts as a statutory visit; the SSD records whether a "
            "child was seen alone, but not why they were not."
        )
    if "plans" in built:
        ctx.notes.append(
            "plans: the SSD keeps each plan's start and end dates only, so a plan update "
            "is seen only when a new plan starts."
        )
    if "assessments" in built and "events" in built:
        ctx.notes.append(
            "assessments: the SSD's CIN assessments carry no type, so all are 'single'; "
            "none counts as a risk assessment before a return home (CHG02)."
        )


def _grid(table: str, frame: pd.DataFrame, source_label: str) -> Grid:
    """The frame as a contract grid: contract columns in contract order, blanks as ''."""
    columns = [c for c in table_spec(table).column_names if c in frame]
    body = frame.loc[:, columns].astype(object)
    body = body.where(body.notna(), "")
    return grid_from_frame(body, source_label, frame[SHEET], frame[ROW], columns)
