"""The audit history: every month's figures in one SQLite file, for trends and the send log.

One file, owner-only, whose schema the tool creates and migrates itself. Each audited month
is recorded whole or not at all: re-running a month replaces its rows in one transaction,
and a run that fails or is killed part-way leaves the history exactly as it was (SQLite's
rollback journal undoes a half-written transaction the next time the file is opened).

Tables (schema version 4):

- ``runs``: one row per audited month: when it ran, the input files' checksums, a hash of
  the configuration in force, whether every rule ran, and the caseaudit version.
- ``results``: per month, team and rule that ran: met / not met / not applicable counts.
  Compliance and RAG are computed when read, with the thresholds the caller passes in.
- ``rule_status``: per month and rule: RAN, SKIPPED or ERROR, and why. A rule that did not
  run has no ``results`` rows, so its trend shows a gap, never a zero.
- ``deliveries``: the e-mail send log, one row per attempt; kept when a month is re-run.
- ``actions`` (version 2): per month, team, rule and subject: the actions the team was
  given and the month each was first not met (new this month, or outstanding since then).
- ``action_returns`` (version 2): what the team manager wrote back in the returned action
  workbook (status, owner, due date, comment), read in by ``caseaudit collect``; kept when
  a month is re-run.
- version 3: a delivery may be ``unknown`` (taken by the server, never confirmed).
- version 4: ``results`` and ``actions`` say each team's ``authority`` (a region's run,
  ``audit.region``; "" for one authority's). A region's team names are "authority / team".
- ``schema_version``: one row per migration applied.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from audit import __version__
from audit.engine.runner import ERROR, RAN, SKIPPED
from audit.errors import OutputError
from audit.output import DIR_MODE, FILE_MODE
from audit.period import AuditPeriod
from audit.results import (
    RUN_COMPLETE,
    RUN_ERROR,
    RUN_INCOMPLETE,
    AuditRun,
    Score,
    Thresholds,
    TrendPoint,
)

SENT, FAILED, UNKNOWN = "sent", "failed", "unknown"
OVERVIEW = "overview"  # the report_key of the organisation overview; teams use their slug

# Each migration is applied once, in order, in its own transaction; its position (from 1)
# is the schema version it produces. Append new migrations; never edit a released one.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE schema_version (
            version INTEGER PRIMARY KEY,
            applied_at TEXT NOT NULL,
            caseaudit_version TEXT NOT NULL
        ) STRICT""",
        f"""CREATE TABLE runs (
            period TEXT PRIMARY KEY CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]'),
            run_at TEXT NOT NULL,
            inputs TEXT NOT NULL CHECK (json_valid(inputs)),
            config_hash TEXT NOT NULL CHECK (length(config_hash) = 64),
            status TEXT NOT NULL
                CHECK (status IN ('{RUN_COMPLETE}', '{RUN_INCOMPLETE}', '{RUN_ERROR}')),
            caseaudit_version TEXT NOT NULL
        ) STRICT""",
        """CREATE TABLE results (
            period TEXT NOT NULL REFERENCES runs (period) ON DELETE CASCADE,
            team TEXT NOT NULL,
            rule_code TEXT NOT NULL,
            met INTEGER NOT NULL CHECK (met >= 0),
            not_met INTEGER NOT NULL CHECK (not_met >= 0),
            not_applicable INTEGER NOT NULL CHECK (not_applicable >= 0),
            PRIMARY KEY (period, team, rule_code)
        ) STRICT""",
        "CREATE INDEX results_by_team ON results (team, rule_code, period)",
        f"""CREATE TABLE rule_status (
            period TEXT NOT NULL REFERENCES runs (period) ON DELETE CASCADE,
            rule_code TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('{RAN}', '{SKIPPED}', '{ERROR}')),
            reason TEXT,
            PRIMARY KEY (period, rule_code)
        ) STRICT""",
        f"""CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY,
            period TEXT NOT NULL,
            report_key TEXT NOT NULL,
            recipient TEXT NOT NULL,
            message_id TEXT,
            sent_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('{SENT}', '{FAILED}')),
            error TEXT
        ) STRICT""",
        "CREATE INDEX deliveries_by_report ON deliveries (period, report_key, recipient)",
    ),
    (
        # The actions each team was given, so next month can tell new from outstanding.
        """CREATE TABLE actions (
            period TEXT NOT NULL REFERENCES runs (period) ON DELETE CASCADE,
            team TEXT NOT NULL,
            rule_code TEXT NOT NULL,
            subject_id TEXT NOT NULL,
            child TEXT NOT NULL,
            since TEXT NOT NULL,
            PRIMARY KEY (period, team, rule_code, subject_id)
        ) STRICT""",
        # What each team's manager wrote back in the returned action workbook.
        """CREATE TABLE action_returns (
            period TEXT NOT NULL,
            team TEXT NOT NULL,
            rule_code TEXT NOT NULL,
            subject_id TEXT NOT NULL,
            child TEXT NOT NULL,
            status TEXT NOT NULL,
            owner TEXT NOT NULL,
            due_by TEXT,
            comment TEXT NOT NULL,
            source TEXT NOT NULL,
            collected_at TEXT NOT NULL,
            PRIMARY KEY (period, team, rule_code, subject_id)
        ) STRICT""",
    ),
    (
        # A delivery can be 'unknown': the server took the message but never confirmed it.
        # SQLite cannot change a CHECK, so the send log is copied into a new table.
        f"""CREATE TABLE deliveries_v3 (
            id INTEGER PRIMARY KEY,
            period TEXT NOT NULL,
            report_key TEXT NOT NULL,
            recipient TEXT NOT NULL,
            message_id TEXT,
            sent_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('{SENT}', '{FAILED}', '{UNKNOWN}')),
            error TEXT
        ) STRICT""",
        "INSERT INTO deliveries_v3 SELECT * FROM deliveries",
        "DROP TABLE deliveries",
        "ALTER TABLE deliveries_v3 RENAME TO deliveries",
        "CREATE INDEX deliveries_by_report ON deliveries (period, report_key, recipient)",
    ),
    (
        # A region's run (audit.region) records each team's authority, the level above the
        # team; a team's name is then unique across the region ("authority / team"), so the
        # keys stay as they were. One authority's months keep "" here.
        "ALTER TABLE results ADD COLUMN authority TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE actions ADD COLUMN authority TEXT NOT NULL DEFAULT ''",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)
_TABLES = ("runs", "results", "rule_status", "deliveries")

# One action a team was given: team, rule code, subject, child (as the team sees it), and
# the month it was first not met (None when new this month).
ActionRecord = tuple[str, str, str, str, AuditPeriod | None]

# A second run waiting for the first to finish writing: long enough for any real record().
_BUSY_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Returned:
    """One row as the manager returned it."""

    team: str
    rule_code: str
    subject_id: str
    child: str
    status: str
    owner: str
    due_by: str | None  # YYYY-MM-DD
    comment: str


class HistoryError(OutputError):
    """The history file cannot be opened, is from a newer caseaudit, or cannot be written."""


class History:
    """An open history file. Use :meth:`open`, ideally as a context manager."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._conn = connection
        self.path = path

    # ------------------------------------------------------------ opening

    @classmethod
    def open(cls, path: Path) -> History:
        """Open (creating if need be) the history at ``path`` and bring its schema up to date.

        A missing folder is created owner-only (0700) and the file is owner-only (0600).
        """
        path = Path(path)
        try:
            _make_private_dirs(path.parent)
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, FILE_MODE)
            os.close(fd)
            os.chmod(path, FILE_MODE)  # an existing file keeps a wider mode otherwise
            connection = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_SECONDS, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise HistoryError(f"cannot open the history file {path}: {exc}") from exc
        history = cls(connection, path)
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            history._migrate()
            history._check_tables()
        except BaseException as exc:
            connection.close()
            if isinstance(exc, sqlite3.Error):
                raise HistoryError(f"cannot use the history file {path}: {exc}") from exc
            raise
        return history

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> History:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._version()

    def _version(self) -> int:
        has_table = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
        ).fetchone()
        if not has_table:
            return 0
        row = self._conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version")
        return int(row.fetchone()[0])

    def _migrate(self) -> None:
        version = self._version()
        if version == 0 and self._conn.execute("SELECT 1 FROM sqlite_master").fetchone():
            raise HistoryError(
                f"{self.path} is an SQLite file but not a caseaudit history; "
                "choose another history path"
            )
        self._refuse_newer(version)
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self._transaction():
                # Another process may have migrated while this one waited for the lock.
                current = self._version()
                self._refuse_newer(current)
                if current >= target:
                    continue
                for statement in MIGRATIONS[target - 1]:
                    self._conn.execute(statement)
                self._conn.execute(
                    "INSERT INTO schema_version (version, applied_at, caseaudit_version) "
                    "VALUES (?, ?, ?)",
                    (target, _now(), __version__),
                )

    def _check_tables(self) -> None:
        """A history whose tables were dropped or lost cannot give trends or a send log."""
        present = {name for (name,) in self._conn.execute("SELECT name FROM sqlite_master")}
        missing = [t for t in _TABLES if t not in present]
        if missing:
            raise HistoryError(
                f"the history file {self.path} has lost its {', '.join(missing)} "
                f"table{'s' if len(missing) > 1 else ''}: restore it from a backup, or move "
                "it aside to start a new history"
            )

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"the history file {self.path} has schema version {version}, written by a "
                f"newer caseaudit (this one knows up to {SCHEMA_VERSION}); upgrade caseaudit"
            )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT; anything raised (even KeyboardInterrupt) rolls back."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    # ------------------------------------------------------------ recording a month

    def record(self, run: AuditRun, actions: Iterable[ActionRecord] = ()) -> None:
        """Record the month, replacing whatever the history held for it, all or nothing.

        ``actions`` are the actions each team was given, as the reports cut them:
        (team, rule code, subject, child as the team sees it, month first not met).
        """
        period = run.period.label
        run_row = (
            period,
            run.started.isoformat(timespec="seconds"),
            json.dumps(_inputs(run), ensure_ascii=False),
            run.config_hash(),
            run.status,
            __version__,
        )
        result_rows = [
            (period, run.authority_of(team), team, code, s.met, s.not_met, s.not_applicable)
            for team, rules in run.team_rule_scores().items()
            for code, s in rules.items()
        ]
        status_rows = [(period, s.code, s.status, s.reason) for s in run.statuses]
        action_rows = [
            (period, run.authority_of(team), team, rule, subject, child, _since(since, period))
            for team, rule, subject, child, since in actions
        ]
        try:
            with self._transaction():
                for table in ("actions", "results", "rule_status", "runs"):
                    self._conn.execute(f"DELETE FROM {table} WHERE period = ?", (period,))
                self._conn.execute(
                    "INSERT INTO runs (period, run_at, inputs, config_hash, status, "
                    "caseaudit_version) VALUES (?, ?, ?, ?, ?, ?)",
                    run_row,
                )
                self._conn.executemany(
                    "INSERT INTO results (period, authority, team, rule_code, met, not_met, "
                    "not_applicable) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    result_rows,
                )
                self._conn.executemany(
                    "INSERT INTO rule_status (period, rule_code, status, reason) "
                    "VALUES (?, ?, ?, ?)",
                    status_rows,
                )
                # OR IGNORE: one subject judged twice by a rule is one action to the team.
                self._conn.executemany(
                    "INSERT OR IGNORE INTO actions (period, authority, team, rule_code, "
                    "subject_id, child, since) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    action_rows,
                )
        except sqlite3.Error as exc:
            raise HistoryError(
                f"could not record {period} in the history file {self.path}; "
                f"the history is unchanged: {exc}"
            ) from exc

    # ------------------------------------------------------------ reading

    def periods(self) -> list[AuditPeriod]:
        """The audited months, oldest first."""
        rows = self._conn.execute("SELECT period FROM runs ORDER BY period")
        return [_month(p) for (p,) in rows]

    def teams(self, period: AuditPeriod) -> list[tuple[str, str]]:
        """(authority, team) of every team with figures in an audited month, in order; the
        authority is "" for a month of one authority's run (see ``audit.region``)."""
        rows = self._conn.execute(
            "SELECT DISTINCT authority, team FROM results WHERE period = ? ORDER BY 1, 2",
            (period.label,),
        )
        return [(authority, team) for authority, team in rows]

    def authority_trend(
        self,
        authority: str,
        rule_code: str,
        end: AuditPeriod,
        months: int = 6,
        *,
        thresholds: Thresholds,
    ) -> list[TrendPoint]:
        """One authority's figure for a rule over all its teams, the ``months`` calendar
        months ending at ``end``, oldest first; a month without figures is a gap."""
        window = _window(end, months)
        rows = self._conn.execute(
            "SELECT period, SUM(met), SUM(not_met), SUM(not_applicable) FROM results "
            "WHERE authority = ? AND rule_code = ? AND period BETWEEN ? AND ? GROUP BY period",
            (authority, rule_code, window[0].label, window[-1].label),
        )
        found = {p: Score.of(m, n, na, thresholds) for p, m, n, na in rows}
        return [TrendPoint(p, found.get(p.label)) for p in window]

    def team_trend(
        self,
        team: str,
        rule_code: str,
        end: AuditPeriod,
        months: int = 6,
        *,
        thresholds: Thresholds,
    ) -> list[TrendPoint]:
        """The ``months`` calendar months ending at ``end``, oldest first.

        A month that was not audited, in which the rule did not run, or in which the team had
        nothing for the rule is a gap (score None), never a zero.
        """
        window = _window(end, months)
        rows = self._conn.execute(
            "SELECT period, met, not_met, not_applicable FROM results "
            "WHERE team = ? AND rule_code = ? AND period BETWEEN ? AND ?",
            (team, rule_code, window[0].label, window[-1].label),
        )
        found = {p: Score.of(m, n, na, thresholds) for p, m, n, na in rows}
        return [TrendPoint(p, found.get(p.label)) for p in window]

    def org_trend(
        self,
        recommendation_codes: Mapping[str, str],
        end: AuditPeriod,
        months: int = 6,
        *,
        thresholds: Thresholds,
    ) -> dict[str, list[TrendPoint]]:
        """Per recommendation, the organisation's trend over all teams.

        ``recommendation_codes`` maps rule code to recommendation; each month sums met and
        not met over the recommendation's rules that ran. Recommendations come out in the
        order they first appear in the mapping.
        """
        window = _window(end, months)
        rows = self._conn.execute(
            "SELECT period, rule_code, SUM(met), SUM(not_met), SUM(not_applicable) "
            "FROM results WHERE period BETWEEN ? AND ? GROUP BY period, rule_code",
            (window[0].label, window[-1].label),
        )
        totals: dict[tuple[str, str], tuple[int, int, int]] = {}
        for period, code, met, not_met, na in rows:
            recommendation = recommendation_codes.get(code)
            if recommendation is None:
                continue
            m, n, a = totals.get((recommendation, period), (0, 0, 0))
            totals[(recommendation, period)] = (m + met, n + not_met, a + na)
        trends: dict[str, list[TrendPoint]] = {}
        for recommendation in dict.fromkeys(recommendation_codes.values()):
            points = []
            for period in window:
                counts = totals.get((recommendation, period.label))
                score = Score.of(*counts, thresholds) if counts else None
                points.append(TrendPoint(period, score))
            trends[recommendation] = points
        return trends

    def previous_score(
        self,
        team: str,
        rule_code: str,
        period: AuditPeriod,
        *,
        thresholds: Thresholds,
    ) -> TrendPoint | None:
        """The team's score in the latest audited month before ``period``.

        None when no earlier month was audited; a point with score None when that month was
        audited but the team had nothing for the rule. The point names its month, so a
        report can say "since July" rather than assume the month before was audited.
        """
        previous = self._audited_before(period)
        if previous is None:
            return None
        row = self._conn.execute(
            "SELECT met, not_met, not_applicable FROM results "
            "WHERE period = ? AND team = ? AND rule_code = ?",
            (previous, team, rule_code),
        ).fetchone()
        if row is None:
            return TrendPoint(_month(previous), None)
        met, not_met, not_applicable = row
        return TrendPoint(_month(previous), Score.of(met, not_met, not_applicable, thresholds))

    def _audited_before(self, period: AuditPeriod) -> str | None:
        """The latest audited month before ``period`` (its label), or None."""
        row = self._conn.execute(
            "SELECT MAX(period) FROM runs WHERE period < ?", (period.label,)
        ).fetchone()
        return None if row is None or row[0] is None else str(row[0])

    def previous_total(
        self,
        team: str | None,
        period: AuditPeriod,
        *,
        thresholds: Thresholds,
    ) -> TrendPoint | None:
        """The team's (None: every team's) overall score in the latest audited month before
        ``period``, over every rule that ran then; None when no earlier month was audited."""
        previous = self._audited_before(period)
        if previous is None:
            return None
        row = self._conn.execute(
            "SELECT SUM(met), SUM(not_met), SUM(not_applicable), COUNT(*) FROM results "
            "WHERE period = ? AND (? IS NULL OR team = ?)",
            (previous, team, team),
        ).fetchone()
        if not row[3]:
            return TrendPoint(_month(previous), None)
        return TrendPoint(_month(previous), Score.of(row[0], row[1], row[2], thresholds))

    def previous_period(self, period: AuditPeriod) -> AuditPeriod | None:
        """The latest audited month before ``period``, or None."""
        previous = self._audited_before(period)
        return None if previous is None else _month(previous)

    def actions_of(self, period: AuditPeriod) -> dict[tuple[str, str, str], AuditPeriod]:
        """(team, rule code, subject) -> the month it was first not met, for one month."""
        rows = self._conn.execute(
            "SELECT team, rule_code, subject_id, since FROM actions WHERE period = ?",
            (period.label,),
        )
        months: dict[str, AuditPeriod] = {}  # a handful of distinct months, parsed once each
        return {
            (t, r, s): months.get(since) or months.setdefault(since, _month(since))
            for t, r, s, since in rows
        }

    def action_children(self, period: AuditPeriod, team: str) -> dict[tuple[str, str], str]:
        """(rule code, subject) -> child, for the actions one team was given in one month."""
        rows = self._conn.execute(
            "SELECT rule_code, subject_id, child FROM actions WHERE period = ? AND team = ?",
            (period.label, team),
        )
        return {(r, s): c for r, s, c in rows}

    @property
    def connection(self) -> sqlite3.Connection:
        """For modules that keep their own rows here (``audit.collect``)."""
        return self._conn

    def transaction(self) -> Any:
        """All-or-nothing writes for those modules: BEGIN IMMEDIATE ... COMMIT."""
        return self._transaction()

    def rule_statuses(self, period: AuditPeriod) -> dict[str, tuple[str, str | None]]:
        """Rule code -> (RAN / SKIPPED / ERROR, reason) for an audited month."""
        rows = self._conn.execute(
            "SELECT rule_code, status, reason FROM rule_status WHERE period = ? ORDER BY rule_code",
            (period.label,),
        )
        return {code: (status, reason) for code, status, reason in rows}

    def returns(self, period: AuditPeriod, team: str) -> list[Returned]:
        """What one team's manager returned for one month (``caseaudit collect``)."""
        rows = self._conn.execute(
            "SELECT rule_code, subject_id, child, status, owner, due_by, comment "
            "FROM action_returns WHERE period = ? AND team = ? ORDER BY rule_code, subject_id",
            (period.label, team),
        )
        return [Returned(team, *row) for row in rows]

    # ------------------------------------------------------------ the send log

    def record_delivery(
        self,
        period: AuditPeriod,
        report_key: str,
        recipient: str,
        message_id: str | None,
        status: str,
        error: str | None = None,
        sent_at: datetime | None = None,
    ) -> None:
        """Log one send attempt (``sent`` or ``failed``); every attempt is kept."""
        if status not in (SENT, FAILED, UNKNOWN):
            raise ValueError(
                f"delivery status must be {SENT!r}, {FAILED!r} or {UNKNOWN!r}, got {status!r}"
            )
        at = (sent_at or datetime.now(UTC)).isoformat(timespec="seconds")
        try:
            with self._transaction():
                self._conn.execute(
                    "INSERT INTO deliveries (period, report_key, recipient, message_id, "
                    "sent_at, status, error) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (period.label, report_key, recipient, message_id, at, status, error),
                )
        except sqlite3.Error as exc:
            raise HistoryError(
                f"could not log the delivery in the history file {self.path}: {exc}"
            ) from exc

    def delivery_state(self, period: AuditPeriod, report_key: str, recipient: str) -> str | None:
        """``sent`` if this month's report reached this recipient, ``unknown`` if the server
        took it but never confirmed (it may have), else None."""
        states = {
            status
            for (status,) in self._conn.execute(
                "SELECT DISTINCT status FROM deliveries WHERE period = ? AND report_key = ? "
                "AND recipient = ? AND status IN (?, ?)",
                (period.label, report_key, recipient, SENT, UNKNOWN),
            )
        }
        return SENT if SENT in states else UNKNOWN if UNKNOWN in states else None

    def was_delivered(self, period: AuditPeriod, report_key: str, recipient: str) -> bool:
        """Whether this month's report has been sent to this recipient (exact address)."""
        row = self._conn.execute(
            "SELECT 1 FROM deliveries WHERE period = ? AND report_key = ? AND recipient = ? "
            "AND status = ? LIMIT 1",
            (period.label, report_key, recipient, SENT),
        ).fetchone()
        return row is not None


# ---------------------------------------------------------------- helpers


def _inputs(run: AuditRun) -> list[dict[str, Any]]:
    return [{"path": f["path"], "sha256": f["sha256"], "bytes": f["bytes"]} for f in run.inputs]


def _month(label: str) -> AuditPeriod:
    """A month as the history stores it (checked ``YYYY-MM`` by the schema), typed again."""
    return AuditPeriod.parse(label)


def _since(since: AuditPeriod | None, period: str) -> str:
    """The month an action was first not met, as stored: this month when it is new."""
    return since.label if since else period


def _window(end: AuditPeriod, months: int) -> list[AuditPeriod]:
    """The ``months`` calendar months ending at ``end``, oldest first."""
    if months < 1:
        raise ValueError(f"a trend needs at least one month, got {months}")
    window = [end]
    for _ in range(months - 1):
        window.append(window[-1].previous())
    return window[::-1]


def _make_private_dirs(folder: Path) -> None:
    """Create ``folder`` and any missing parents owner-only; existing folders are left be."""
    missing: Sequence[Path] = [p for p in (folder, *folder.parents) if not p.exists()]
    for path in reversed(missing):
        path.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(path, DIR_MODE)  # mkdir's mode is filtered by the umask


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
