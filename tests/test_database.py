"""The SSD read straight from a real PostgreSQL server, as councils keep it.

The suite starts a throwaway PostgreSQL cluster of its own (``tests/postgres.py``) and
loads the SSD test extract of ``test_profile_ssd`` into it as typed tables (dates as
``date`` columns, blanks as NULL), the way the SSD scripts build them. Without a
PostgreSQL server these tests skip, except in CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd
import pytest

from audit.cli import main
from audit.database import DatabaseSource, is_url, redact, select_fields
from audit.period import AuditPeriod
from audit.profiles.ssd import cells
from audit.run import audit
from tests import postgres
from tests.test_profile_ssd import TABLES, write_folder

PASSWORD_ENV = "CASEAUDIT_DB_PASSWORD"
PERIOD = "2026-09"


def ssd_frames(tables: dict[str, list[list[str]]] = TABLES) -> dict[str, pd.DataFrame]:
    """Each SSD table as a frame under its field names: title rows dropped, blanks None."""
    frames = {}
    for name, rows in tables.items():
        header_at = next(i for i, row in enumerate(rows) if len(row) > 1)
        header, body = rows[header_at], rows[header_at + 1 :]
        frame = pd.DataFrame(body, columns=header, dtype=object)
        frames[name] = frame.where(frame.ne(""), None)
    return frames


def is_date_field(field: str) -> bool:
    return field.endswith(("_date", "_dob", "_due")) or field == "pers_dob"


def load_into(engine_url: str, frames: dict[str, pd.DataFrame], schema: str | None = None) -> None:
    """Create the SSD tables with real types: dates as ``date``, everything else as text."""
    import sqlalchemy as sa

    engine = sa.create_engine(engine_url)
    with engine.begin() as conn:
        if schema:
            conn.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {schema}"))
            conn.execute(sa.text(f"GRANT USAGE ON SCHEMA {schema} TO auditor"))
        for name, frame in frames.items():
            typed = frame.copy()
            types: dict[str, sa.types.TypeEngine] = {}
            for field in typed.columns:
                if is_date_field(field):
                    typed[field] = cells.dates(typed[field]).dt.date.astype(object)
                    typed[field] = typed[field].where(typed[field].notna(), None)
                    types[field] = sa.Date()
                else:
                    types[field] = sa.Text()
            typed.to_sql(name, conn, schema=schema, index=False, dtype=types, if_exists="replace")
            if schema:
                conn.execute(sa.text(f"GRANT SELECT ON {schema}.{name} TO auditor"))
    engine.dispose()


@pytest.fixture(scope="session")
def server() -> Iterator[postgres.Server]:
    missing = postgres.missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"database tests must run in CI, but {missing}")
        pytest.skip(f"database tests skipped: {missing}")
    with postgres.running_server() as running:
        load_into(running.url("owner", postgres.OWNER_PASSWORD), ssd_frames())
        yield running


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(PASSWORD_ENV, postgres.AUDITOR_PASSWORD)
    return postgres.AUDITOR_PASSWORD


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_cli(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    env: dict[str, str] | None = None,
) -> Ran:
    """caseaudit as a user runs it, with only the given password variables set."""
    with monkeypatch.context() as patched:
        for name in (PASSWORD_ENV, "SSD_DB_PASSWORD", "PW"):
            patched.delenv(name, raising=False)
        for name, value in (env or {}).items():
            patched.setenv(name, value)
        code = main(list(args))
    out, err = capsys.readouterr()
    return Ran(code, out, err)


# ---------------------------------------------------------------- the same findings


def assert_same_findings(left: pd.DataFrame, right: pd.DataFrame) -> None:
    def comparable(findings: pd.DataFrame) -> pd.DataFrame:
        out = findings.drop(columns=["source_table", "source_row"])
        return out.sort_values(["rule_code", "subject_id"]).reset_index(drop=True)

    pd.testing.assert_frame_equal(comparable(left), comparable(right))


def test_files_and_postgresql_give_identical_findings(server, password, tmp_path):
    period = AuditPeriod.parse(PERIOD)
    from_files = audit(write_folder(tmp_path / "extract"), period)
    from_db = audit(server.url(), period, profile="ssd")

    assert from_db.loaded.profile == "ssd"
    assert [(s.code, s.status, s.counts, s.reason) for s in from_db.statuses] == [
        (s.code, s.status, s.counts, s.reason) for s in from_files.statuses
    ]
    # The same findings; only where each row is cited differs (table and key, not file
    # and line), and so the order rows come in (key order, not file order).
    assert_same_findings(from_db.findings, from_files.findings)
    assert len(from_db.findings) > 20
    # Every row accounted for exactly as from the files.
    counts = {
        t: (load.rows_read, load.rows_loaded, load.rows_rejected)
        for t, load in from_files.loaded.loads.items()
    }
    assert {
        t: (load.rows_read, load.rows_loaded, load.rows_rejected)
        for t, load in from_db.loaded.loads.items()
    } == counts
    assert from_db.loaded.notes == from_files.loaded.notes


def test_findings_cite_the_table_and_its_key(server, password):
    run = audit(server.url(), AuditPeriod.parse(PERIOD), profile="ssd")
    see01 = run.findings[run.findings["rule_code"] == "SEE01"].set_index("subject_id")
    # cppv_cp_visit_id 13 is row 13 of ssd_cp_visits; a CSV would have said line 5.
    assert see01.loc["CP-13", ["source_table", "source_row", "reason_code"]].tolist() == [
        "ssd_cp_visits",
        13,
        "child_not_seen",
    ]
    # Involvement ids (I1, I10 …) are not numbers: their position in key order instead.
    children = run.loaded.loads["children"].frame.set_index("child_id")
    assert children.loc["1001", "source_sheet"] == "ssd_person"
    assert children.loc["1001", "source_row"] == 1001


def test_a_named_connection_reads_its_password_from_the_environment(
    server, tmp_path, monkeypatch, capsys
):
    config = tmp_path / "audit.toml"
    config.write_text(
        f'[connections.reporting]\nurl = "{server.url()}"\npassword_env = "SSD_DB_PASSWORD"\n',
        encoding="utf-8",
    )
    out, log = tmp_path / "reports", tmp_path / "audit.log"
    args = ["--log", str(log), "run", "reporting", "--period", PERIOD, "--config", str(config)]
    done = run_cli(
        monkeypatch,
        capsys,
        *args,
        "--out",
        str(out),
        env={"SSD_DB_PASSWORD": postgres.AUDITOR_PASSWORD},
    )
    assert done.returncode == 0, done.stderr
    assert "IDN01 " in done.stdout

    record = json.loads((out / PERIOD / "run.json").read_text(encoding="utf-8"))
    assert record["profile"] == "ssd"
    assert record["config"]["connections"]["reporting"] == {
        "url": server.url(),
        "password_env": "SSD_DB_PASSWORD",
        "schema": None,
    }
    tables = {i["path"].rsplit(" ", 1)[-1]: i["rows"] for i in record["inputs"]}
    assert tables["ssd_person"] == 6 and tables["ssd_cp_visits"] == 2
    assert all(len(i["sha256"]) == 64 for i in record["inputs"])
    for written in [*out.rglob("*"), log]:
        if written.is_file() and written.suffix in (".json", ".csv", ".html", ".log", ""):
            assert postgres.AUDITOR_PASSWORD not in written.read_text(errors="replace")

    # Without the variable: a clear usage error naming it.
    done = run_cli(monkeypatch, capsys, *args, "--out", str(out))
    assert done.returncode == 2
    assert "set the environment variable SSD_DB_PASSWORD" in done.stderr


def test_a_password_written_in_a_url_is_refused_and_never_shown(
    server, tmp_path, monkeypatch, capsys
):
    secret_url = server.url("auditor", postgres.AUDITOR_PASSWORD)
    done = run_cli(
        monkeypatch, capsys, "run", secret_url, "--period", PERIOD, "--out", str(tmp_path / "r")
    )
    assert done.returncode == 2
    assert "holds a password" in done.stderr and "CASEAUDIT_DB_PASSWORD" in done.stderr
    assert postgres.AUDITOR_PASSWORD not in done.stderr + done.stdout

    config = tmp_path / "audit.toml"
    config.write_text(f'[connections.reporting]\nurl = "{secret_url}"\n', encoding="utf-8")
    done = run_cli(monkeypatch, capsys, "check", "reporting", "--config", str(config))
    assert done.returncode == 2
    assert "[connections.reporting]: the URL holds a password" in done.stderr
    assert postgres.AUDITOR_PASSWORD not in done.stderr


# ---------------------------------------------------------------- one line, exit 3


def one_line_error(done: Ran) -> str:
    assert done.returncode == 3, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("caseaudit: error: "), done.stderr
    assert "Traceback" not in done.stderr
    return lines[0]


def test_a_wrong_password_is_one_line_and_exit_3(server, tmp_path, monkeypatch, capsys):
    done = run_cli(
        monkeypatch,
        capsys,
        "check",
        server.url(),
        "--csv",
        str(tmp_path / "dq.csv"),
        env={PASSWORD_ENV: "wrong-pw"},
    )
    line = one_line_error(done)
    assert 'password authentication failed for user "auditor"' in line
    assert "wrong-pw" not in line


def test_a_server_that_is_down_is_one_line_and_exit_3(server, tmp_path, monkeypatch, capsys):
    down = postgres.Server("127.0.0.1", postgres._free_port())  # nothing listens there
    done = run_cli(
        monkeypatch, capsys, "check", down.url(), env={PASSWORD_ENV: postgres.AUDITOR_PASSWORD}
    )
    line = one_line_error(done)
    assert f"127.0.0.1:{down.port}" in line and "Connection refused" in line


def test_a_missing_table_is_one_line_and_exit_3(server, tmp_path, monkeypatch, capsys):
    frames = ssd_frames()
    del frames["ssd_cla_reviews"], frames["ssd_missing"]
    load_into(server.url("owner", postgres.OWNER_PASSWORD), frames, schema="partial")
    config = tmp_path / "audit.toml"
    config.write_text(
        f'[connections.partial]\nurl = "{server.url()}"\npassword_env = "PW"\nschema = "partial"\n',
        encoding="utf-8",
    )
    done = run_cli(
        monkeypatch,
        capsys,
        "check",
        "partial",
        "--config",
        str(config),
        env={"PW": "auditor-fictional-pw"},
    )
    line = one_line_error(done)
    assert "no table ssd_cla_reviews, ssd_missing in schema partial" in line


# ---------------------------------------------------------------- read only


def test_the_session_is_read_only_even_for_a_login_that_may_write(server, password):
    import sqlalchemy as sa

    source = DatabaseSource(server.url())
    # The auditor role was granted INSERT: only the read-only session stops the write.
    engine = source._engine()
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="read-only"):
        conn.execute(sa.text("DELETE FROM ssd_person"))
    engine.dispose()

    import adbc_driver_postgresql.dbapi as adbc

    with adbc.connect(source._adbc_uri()) as conn, conn.cursor() as cursor:
        # Every table is read in one read-only snapshot.
        cursor.execute(
            "SELECT current_setting('transaction_isolation'), "
            "current_setting('transaction_read_only')"
        )
        assert cursor.fetchall() == [("repeatable read", "on")]
        with pytest.raises(adbc.Error, match="read-only"):
            cursor.execute("DELETE FROM ssd_person")


# ---------------------------------------------------------------- URLs


def test_urls_are_told_from_paths_and_their_secrets_masked():
    assert is_url("postgresql://auditor@db/ssd")
    assert is_url("mssql+pyodbc://auditor@REPORTING/ssd?driver=ODBC+Driver+18+for+SQL+Server")
    assert not is_url("C:\\exports\\ssd")
    assert not is_url("sample_cases/authority.xlsx")
    assert redact("postgresql://auditor:s3cret@db/ssd") == "postgresql://auditor:***@db/ssd"
    assert (
        redact("mssql+pyodbc:///?odbc_connect=DRIVER%3DX%3BUID%3Da;PWD=s3cret;DATABASE=ssd")
        == "mssql+pyodbc:///?odbc_connect=DRIVER%3DX%3BUID%3Da;PWD=***;DATABASE=ssd"
    )


# ---------------------------------------------------------------- any SQLAlchemy database


def test_sqlite_through_sqlalchemy_gives_the_same_findings_read_only(tmp_path, monkeypatch):
    """The path every database but PostgreSQL takes: rows through SQLAlchemy into Arrow."""
    import sqlalchemy as sa

    path = tmp_path / "ssd.sqlite"
    load_into(f"sqlite:///{path}", ssd_frames())
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    period = AuditPeriod.parse(PERIOD)
    from_db = audit(f"sqlite:///{path}", period)  # auto: a database is the SSD
    from_files = audit(write_folder(tmp_path / "extract"), period)
    assert [(s.code, s.counts) for s in from_db.statuses] == [
        (s.code, s.counts) for s in from_files.statuses
    ]
    assert_same_findings(from_db.findings, from_files.findings)

    engine = DatabaseSource(f"sqlite:///{path}")._engine()
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="readonly"):
        conn.execute(sa.text("DELETE FROM ssd_person"))
    engine.dispose()


def test_queries_name_only_the_profiles_columns_quoted_by_each_dialect():
    from sqlalchemy.dialects import mssql, postgresql

    present = ["PERS_PERSON_ID", "pers_forename", "pers_dob", "Pers Sex"]
    fields = ["pers_person_id", "pers_sex", "pers_dob", "pers_ethnicity"]
    statement = select_fields("ssd_person", present, fields, "ssd development")
    sql = " ".join(str(statement.compile(dialect=mssql.dialect())).split())
    assert sql == (
        "SELECT [ssd development].ssd_person.[PERS_PERSON_ID] AS pers_person_id, "
        "[ssd development].ssd_person.pers_dob AS pers_dob FROM [ssd development].ssd_person "
        "ORDER BY [ssd development].ssd_person.[PERS_PERSON_ID]"
    )
    sql = " ".join(str(statement.compile(dialect=postgresql.dialect())).split())
    assert '"ssd development".ssd_person."PERS_PERSON_ID" AS pers_person_id' in sql
    assert "forename" not in sql  # a column the profile does not read is never fetched


def test_a_table_the_login_may_not_read_is_one_line_and_exit_3(
    server, tmp_path, monkeypatch, capsys
):
    import sqlalchemy as sa

    load_into(server.url("owner", postgres.OWNER_PASSWORD), ssd_frames(), schema="locked")
    engine = sa.create_engine(server.url("owner", postgres.OWNER_PASSWORD))
    with engine.begin() as conn:
        conn.execute(sa.text("REVOKE SELECT ON locked.ssd_cin_visits FROM auditor"))
    engine.dispose()
    config = tmp_path / "audit.toml"
    config.write_text(
        f'[connections.locked]\nurl = "{server.url()}"\npassword_env = "PW"\nschema = "locked"\n',
        encoding="utf-8",
    )
    done = run_cli(
        monkeypatch,
        capsys,
        "check",
        "locked",
        "--config",
        str(config),
        env={"PW": "auditor-fictional-pw"},
    )
    line = one_line_error(done)
    assert line.endswith(
        "could not read ssd_cin_visits: permission denied for table ssd_cin_visits"
    )
