"""The audit history on a real SQLite file, fed by real audit runs over a real workbook."""

from __future__ import annotations

import dataclasses
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from contextlib import closing
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from audit.engine.runner import RuleStatus
from audit.history import FAILED, SCHEMA_VERSION, SENT, History, HistoryError, TrendPoint
from audit.period import AuditPeriod
from audit.reports.model import Score
from audit.results import AuditRun, Thresholds
from audit.run import audit

ROOT = Path(__file__).resolve().parents[1]
RAG = Thresholds(green=0.9, amber=0.8, min_judged=0)
JUL, AUG, SEP = (AuditPeriod.parse(p) for p in ("2026-07", "2026-08", "2026-09"))
TABLES = ("schema_version", "runs", "results", "rule_status", "deliveries")

CHILDREN = [
    ["child_id", "allocated_team", "allocated_worker", "ethnicity"],
    ["C1", "North", "W1", "WBRI"],
    ["C2", "North", "W1", None],
    ["C3", "South", "W2", "WBRI"],
]
VISIT_HEADER = [
    "visit_id",
    "child_id",
    "visit_date",
    "visit_type",
    "child_seen",
    "seen_alone",
    "not_seen_alone_reason",
]
# SEE01 (seen alone recorded), North / South, met-not met: July 1-1 / 1-0, August 2-0 / 0-1,
# September 2-0 / 0-1.
VISITS = [
    ["V1", "C1", date(2026, 7, 3), "statutory", "Y", "Y", None],
    ["V2", "C2", date(2026, 7, 8), "statutory", "Y", None, None],
    ["V3", "C3", date(2026, 7, 9), "statutory", "Y", "Y", None],
    ["V4", "C1", date(2026, 8, 4), "statutory", "Y", "Y", None],
    ["V5", "C2", date(2026, 8, 5), "statutory", "Y", "Y", None],
    ["V6", "C3", date(2026, 8, 6), "statutory", "Y", "N", None],
    ["V7", "C1", date(2026, 9, 1), "statutory", "Y", "N", "refused"],
    ["V8", "C2", date(2026, 9, 2), "statutory", "Y", "Y", None],
    ["V9", "C3", date(2026, 9, 3), "statutory", "Y", None, None],
]


def write_workbook(path: Path, visits: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in {"children": CHILDREN, "visits": [VISIT_HEADER, *visits]}.items():
        sheet = wb.create_sheet(name)
        for row in rows:
            sheet.append(row)
    wb.save(path)
    return path


def corrected_september(visits: list[list[object]]) -> list[list[object]]:
    """The export after South recorded that C3 was seen alone in September."""
    return [[*v[:5], "Y", None] if v[0] == "V9" else v for v in visits]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, AuditRun]:
    """July and September audited; August, present in the export, deliberately not.

    ``corrected`` is September again, from the export after South corrected a visit.
    """
    folder = tmp_path_factory.mktemp("export")
    export = write_workbook(folder / "export.xlsx", VISITS)
    corrected = write_workbook(folder / "corrected.xlsx", corrected_september(VISITS))
    return {p.label: audit(export, p) for p in (JUL, SEP)} | {"corrected": audit(corrected, SEP)}


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "reports" / "history.sqlite"


def snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in a stable order."""
    conn = sqlite3.connect(path)
    try:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}"), key=repr) for t in TABLES}
    finally:
        conn.close()


def score(met: int, not_met: int, na: int = 0) -> Score:
    rate = met / (met + not_met)
    return Score(
        met, not_met, na, rate, "green" if rate >= 0.9 else "amber" if rate >= 0.8 else "red"
    )


# ---------------------------------------------------------------- trends


def test_two_months_make_a_trend_with_a_gap_not_a_zero_for_the_month_not_audited(runs, db):
    with History.open(db) as history:
        history.record(runs["2026-09"])
        history.record(runs["2026-07"])
        assert history.periods() == [JUL, SEP]
        north = history.team_trend("North", "SEE01", SEP, months=3, thresholds=RAG)
        assert north == [
            TrendPoint(JUL, score(1, 1)),
            TrendPoint(AUG, None),
            TrendPoint(SEP, score(2, 0)),
        ]
        assert north[0].score is not None and north[0].score.rag == "red"
        six = history.team_trend("South", "SEE01", SEP, thresholds=RAG)
        assert [p.period.label for p in six] == [f"2026-{m:02d}" for m in range(4, 10)]
        assert [p.score for p in six] == [None, None, None, score(1, 0), None, score(0, 1)]
        # A rule that was skipped (no first_language column) has no results: gaps only.
        assert history.rule_statuses(SEP)["IDN02"][0] == "SKIPPED"
        assert all(
            p.score is None for p in history.team_trend("North", "IDN02", SEP, thresholds=RAG)
        )


def test_the_organisation_trend_sums_each_recommendations_rules_over_all_teams(runs, db):
    run = runs["2026-09"]
    recommendations = {r.code: r.recommendation for r in run.rules}
    with History.open(db) as history:
        history.record(runs["2026-07"])
        history.record(run)
        trends = history.org_trend(recommendations, SEP, months=3, thresholds=RAG)
    assert list(trends) == list(dict.fromkeys(recommendations.values()))
    # Expected from the run's own per-rule totals, independently of the per-team rows.
    ran = [s for s in run.statuses if s.status == "RAN" and recommendations[s.code] == "xi"]
    assert {s.code for s in ran} == {"SEE01", "SEE02"}
    met = sum(s.counts["met"] for s in ran)
    not_met = sum(s.counts["not_met"] for s in ran)
    na = sum(s.counts["not_applicable"] for s in ran)
    xi = trends["xi"]
    assert [p.period for p in xi] == [JUL, AUG, SEP]
    assert xi[1].score is None
    assert xi[2].score == score(met, not_met, na)
    # Recommendations whose rules never ran are gaps in every month.
    assert all(p.score is None for p in trends["v"])


def test_previous_score_is_the_latest_audited_month_before_and_names_it(runs, db):
    with History.open(db) as history:
        history.record(runs["2026-07"])
        history.record(runs["2026-09"])
        assert history.previous_score("North", "SEE01", SEP, thresholds=RAG) == TrendPoint(
            JUL, score(1, 1)
        )
        assert history.previous_score("North", "SEE01", JUL, thresholds=RAG) is None
        assert history.previous_score("Nowhere", "SEE01", SEP, thresholds=RAG) == TrendPoint(
            JUL, None
        )


# ---------------------------------------------------------------- replacing a month


def test_rerunning_a_month_replaces_its_rows_without_duplicates(runs, db):
    with History.open(db) as history:
        history.record(runs["2026-07"])
        history.record(runs["2026-09"])
        before = snapshot(db)
        history.record(runs["corrected"])
        after = snapshot(db)
        assert history.periods() == [JUL, SEP]
        assert history.team_trend("South", "SEE01", SEP, months=1, thresholds=RAG) == [
            TrendPoint(SEP, score(1, 0))
        ]

    def rows(state, table, period):
        return [r for r in state[table] if r[0] == period]

    for table in ("results", "rule_status"):
        assert len(rows(after, table, "2026-09")) == len(rows(before, table, "2026-09"))
        assert rows(after, table, "2026-07") == rows(before, table, "2026-07")
    assert len(after["runs"]) == 2
    (new_run,) = rows(after, "runs", "2026-09")
    (old_run,) = rows(before, "runs", "2026-09")
    assert new_run[2] != old_run[2]  # the input checksums moved with the input


def test_a_record_that_fails_on_a_bad_value_leaves_the_history_as_it_was(runs, db):
    with History.open(db) as history:
        history.record(runs["2026-07"])
        history.record(runs["2026-09"])
        before = snapshot(db)
        # rule_status is written last, so runs and results (which the corrected export
        # changes) are already replaced when the bad status fails its check.
        corrected = runs["corrected"]
        broken = dataclasses.replace(
            corrected, statuses=[*corrected.statuses, RuleStatus("ZZZ99", "bogus", "MAYBE")]
        )
        with pytest.raises(HistoryError, match=r"could not record 2026-09.*unchanged"):
            history.record(broken)
        assert snapshot(db) == before
        history.record(runs["2026-09"])  # and the file is still usable
    assert len(snapshot(db)["runs"]) == 2


class _InterruptedConnection:
    """The real connection, except that writing rule statuses is interrupted."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __getattr__(self, name: str) -> object:
        return getattr(self._conn, name)

    def executemany(self, sql: str, rows: object) -> object:
        if sql.startswith("INSERT INTO rule_status"):
            raise KeyboardInterrupt
        return self._conn.executemany(sql, rows)


def test_an_exception_mid_transaction_rolls_back_and_is_not_swallowed(runs, db):
    with History.open(db) as history:
        history.record(runs["2026-09"])
    before = snapshot(db)
    with History.open(db) as history:
        real = history._conn
        history._conn = _InterruptedConnection(real)  # type: ignore[assignment]
        with pytest.raises(KeyboardInterrupt):
            history.record(runs["corrected"])
        assert not real.in_transaction
        history._conn = real
    assert snapshot(db) == before


CHILD = """
import sys, time
from pathlib import Path
from audit.history import History
from audit.period import AuditPeriod
from audit.run import audit

db, export, marker = (Path(a) for a in sys.argv[1:4])
run = audit(export, AuditPeriod.parse("2026-09"))
history = History.open(db)

class Slow:
    # The real connection, stalling once the month's results are written.
    def __init__(self, conn):
        self._conn = conn
    def __getattr__(self, name):
        return getattr(self._conn, name)
    def executemany(self, sql, rows):
        out = self._conn.executemany(sql, rows)
        if sql.startswith("INSERT INTO results"):
            marker.write_text("inside the transaction")
            time.sleep(300)
        return out

history._conn = Slow(history._conn)
history.record(run)
"""


def test_a_run_killed_inside_the_transaction_leaves_the_history_intact(runs, db, tmp_path):
    with History.open(db) as history:
        history.record(runs["2026-07"])
        history.record(runs["2026-09"])
        history.record_delivery(SEP, "north", "lead@example.org", "<m1@x>", SENT)
    before = snapshot(db)
    export = write_workbook(tmp_path / "corrected.xlsx", corrected_september(VISITS))
    marker = tmp_path / "marker"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(db), str(export), str(marker)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert child.poll() is None, child.stderr.read().decode() if child.stderr else ""
            assert time.monotonic() < deadline, "the child never reached the transaction"
            time.sleep(0.05)
        # The child has deleted September and inserted its results: its journal is live.
        assert db.with_name(db.name + "-journal").exists()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        if child.stderr:
            child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    with History.open(db) as history:  # opening rolls the hot journal back
        assert history.schema_version == SCHEMA_VERSION
        assert history.periods() == [JUL, SEP]
        assert history.was_delivered(SEP, "north", "lead@example.org")
    assert snapshot(db) == before
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


# ---------------------------------------------------------------- schema and file


def test_the_schema_version_is_recorded_once_and_reopening_does_not_migrate_again(db):
    with History.open(db) as history:
        assert history.schema_version == SCHEMA_VERSION
    first = snapshot(db)["schema_version"]
    assert [row[0] for row in first] == list(range(1, SCHEMA_VERSION + 1))
    time.sleep(1.1)  # so a re-applied migration would carry a different timestamp
    with History.open(db) as history:
        assert history.schema_version == SCHEMA_VERSION
    assert snapshot(db)["schema_version"] == first


def test_a_history_from_a_newer_caseaudit_is_refused_with_one_line(db):
    History.open(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute(
            "INSERT INTO schema_version VALUES (?, '2030-01-01T00:00:00+00:00', '9.0')",
            (SCHEMA_VERSION + 1,),
        )
    conn.close()
    with pytest.raises(HistoryError, match="newer caseaudit") as caught:
        History.open(db)
    assert "\n" not in str(caught.value)
    assert str(db) in str(caught.value)


def test_files_that_are_not_a_history_are_refused_not_taken_over(tmp_path):
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database, just some notes " * 100)
    with pytest.raises(HistoryError, match="cannot use the history file"):
        History.open(text)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE mine (x)")
    conn.close()
    with pytest.raises(HistoryError, match="not a caseaudit history"):
        History.open(other)
    assert [r[0] for r in sqlite3.connect(other).execute("SELECT name FROM sqlite_master")] == [
        "mine"
    ]


def test_the_file_is_owner_only_and_missing_folders_are_created_owner_only(tmp_path):
    path = tmp_path / "new" / "deeper" / "history.sqlite"
    History.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    os.chmod(path, 0o644)
    History.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# ---------------------------------------------------------------- the send log


def test_the_send_log_says_what_was_sent_and_survives_a_rerun(runs, db):
    with History.open(db) as history:
        history.record(runs["2026-09"])
        history.record_delivery(SEP, "north", "lead@example.org", None, FAILED, "SMTP 451")
        assert not history.was_delivered(SEP, "north", "lead@example.org")
        history.record_delivery(SEP, "north", "lead@example.org", "<m1@x>", SENT)
        assert history.was_delivered(SEP, "north", "lead@example.org")
        assert not history.was_delivered(SEP, "north", "other@example.org")
        assert not history.was_delivered(SEP, "overview", "lead@example.org")
        assert not history.was_delivered(AUG, "north", "lead@example.org")
        history.record(runs["2026-09"])
        assert history.was_delivered(SEP, "north", "lead@example.org")
        with pytest.raises(ValueError, match="sent"):
            history.record_delivery(SEP, "north", "lead@example.org", None, "bounced")
    assert len(snapshot(db)["deliveries"]) == 2


def test_a_send_log_from_schema_2_keeps_its_rows_and_can_record_unknown(db):
    from audit.history import MIGRATIONS, UNKNOWN

    db.parent.mkdir()
    with closing(sqlite3.connect(db, isolation_level=None)) as conn:
        for version, statements in enumerate(MIGRATIONS[:2], start=1):
            for statement in statements:
                conn.execute(statement)
            conn.execute(
                "INSERT INTO schema_version VALUES (?, '2026-10-01T00:00:00+00:00', '0.9')",
                (version,),
            )
        conn.execute(
            "INSERT INTO deliveries (period, report_key, recipient, message_id, sent_at, status)"
            " VALUES ('2026-09', 'north', 'lead@example.org', '<m1@x>', '2026-10-01', 'sent')"
        )
    with History.open(db) as history:
        assert history.schema_version == SCHEMA_VERSION
        assert history.delivery_state(SEP, "north", "lead@example.org") == SENT
        history.record_delivery(SEP, "south", "lead@example.org", "<m2@x>", UNKNOWN, "dropped")
        assert history.delivery_state(SEP, "south", "lead@example.org") == UNKNOWN
        assert history.delivery_state(SEP, "east", "lead@example.org") is None
