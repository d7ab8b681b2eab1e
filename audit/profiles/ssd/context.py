"""The shared build context: the SSD tables, the as-at date, and what the mapping learns.

Every contract table's module reads SSD fields through it (``pick``, ``child_ids``) and
reports to it: what the SSD could not give and why (``absent``), which SSD tables fed
each contract table (``fed_by``) and what a QA lead should know (``notes``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from audit.errors import InputError
from audit.lazy import pd
from audit.profiles.base import left_out_rows
from audit.profiles.ssd import cells
from audit.profiles.ssd.reading import ORDER, ROW, SHEET

# Tables holding both a CLA id (period of care) and a person id: (table, CLA id, person).
_CLA_LINKS = (
    ("ssd_cla_episodes", "clae_cla_id", "clae_person_id"),
    ("ssd_cla_visits", "clav_cla_id", "clav_person_id"),
    ("ssd_cla_placement", "clap_cla_id", "clap_person_id"),
)


@dataclass
class Context:
    """The SSD tables as frames of raw cells, and what the mapping learns on the way."""

    tables: dict[str, pd.DataFrame]  # SSD table -> field columns + SHEET, ROW, ORDER
    labels: dict[str, str]  # SSD table -> the file or sheet it was read from
    as_at: pd.Timestamp
    absent: dict[str, str] = field(default_factory=dict)
    fed_by: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    left_out: dict[str, list[pd.DataFrame]] = field(default_factory=dict)

    def leave_out(
        self, table: str, rows: pd.DataFrame, column: str, values: pd.Series, reason: str
    ) -> None:
        """Rows (with provenance) not passed on to a contract table: counted and listed."""
        if len(rows):
            part = left_out_rows(rows[SHEET], rows[ROW], column, values, reason)
            self.left_out.setdefault(table, []).append(part)

    def has(self, *tables: str) -> bool:
        return all(t in self.tables for t in tables)

    def fed(self, table: str, *sources: str) -> None:
        names = self.fed_by.setdefault(table, [])
        names += [s for s in sources if s in self.tables and s not in names]

    def pick(
        self, table: str, fields: Mapping[str, str], required: Iterable[str] = ()
    ) -> pd.DataFrame:
        """Contract-named raw columns of one SSD table (those present), with provenance.

        A contract column in ``required`` whose SSD field is missing stops the load: its
        rows could not be used at all.
        """
        frame = self.tables[table]
        for column in required:
            if fields[column] not in frame:
                raise InputError(
                    f"{self.labels[table]}: the SSD table {table} has no {fields[column]} "
                    f"column, needed for {column}. Export it again with the published SSD "
                    "field names."
                )
        out = pd.DataFrame(
            {c: frame[f] for c, f in fields.items() if f in frame}, index=frame.index
        )
        for column in (SHEET, ROW, ORDER):
            out[column] = frame[column]
        return out

    def child_ids(self, table: str, person: str | None, cla_id: str | None = None) -> pd.Series:
        """Each row's child: its person id, else the child its CLA id links to.

        A CLA id (period of care) is linked to a child through every table holding both
        ids; one linked to two different children is ambiguous and not used. A row whose
        child cannot be found keeps a blank child, so the loader rejects (and counts) it.
        """
        frame = self.tables[table]
        has_person = person is not None and person in frame
        if not has_person and (cla_id is None or cla_id not in frame):
            needed = " or ".join(f for f in (person, cla_id) if f)
            raise InputError(
                f"{self.labels[table]}: the SSD table {table} has no {needed} column, so its "
                "rows cannot be linked to a child. Export it again with the published SSD "
                "field names."
            )
        given = frame[person] if has_person else pd.Series(None, index=frame.index, dtype=object)
        child = cells.key(given)
        if cla_id is not None and cla_id in frame:
            child = child.fillna(cells.key(frame[cla_id]).map(self._cla_people()))
        return child.astype(object).where(child.notna(), "")

    def _cla_people(self) -> pd.Series:
        """CLA id -> person id, for the CLA ids linked to exactly one person."""
        parts = [
            pd.DataFrame({"cla": cells.key(frame[cla]), "person": cells.key(frame[person])})
            for table, cla, person in _CLA_LINKS
            if (frame := self.tables.get(table)) is not None and cla in frame and person in frame
        ]
        if not parts:
            return pd.Series(dtype="string")
        pairs = pd.concat(parts, ignore_index=True).dropna().drop_duplicates()
        unique = ~pairs["cla"].duplicated(keep=False)
        return pairs[unique].set_index("cla")["person"]

    def absent_fields(
        self, table: str, column: str, sources: Mapping[str, str], frame: pd.DataFrame
    ) -> None:
        """Say which SSD tables (of ``sources``: table -> field) lacked a contract column's field.

        When none of them had it the column is absent (a rule needing it is skipped with
        this reason); when only some lacked it, their rows are blank in it and a note says so.
        """
        gaps = [
            f"{self.labels[t]} has no {f} column"
            for t, f in sources.items()
            if t in self.tables and f not in self.tables[t]
        ]
        if not gaps:
            return
        if column not in frame:
            self.absent[f"{table}.{column}"] = f"the SSD extract: {'; '.join(gaps)}"
        else:
            self.notes.append(
                f"{table}.{column} is blank for the rows of tables lacking it: {'; '.join(gaps)}."
            )

    def absent_table(self, table: str, *sources: str) -> None:
        """Record that the extract has none of the SSD tables that would feed a contract table."""
        names = ", ".join(sources[:-1]) + (" or " if len(sources) > 1 else "") + sources[-1]
        self.absent[table] = f"the SSD extract has no {names} table"

    def combine(
        self, table: str, parts: Iterable[pd.DataFrame | None], sources: Sequence[str]
    ) -> pd.DataFrame | None:
        """The contract table from the parts its SSD tables gave, or None (and why) if none."""
        found = [part for part in parts if part is not None]
        if not found:
            self.absent_table(table, *sources)
            return None
        return pd.concat(found, ignore_index=True)
