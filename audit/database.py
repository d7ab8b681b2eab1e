"""Case records read straight from a database, as councils keep the SSD.

A database source is any SQLAlchemy URL (``postgresql://auditor@reporting/ssd``,
``mssql+pyodbc://auditor@REPORTING/ssd?driver=ODBC+Driver+18+for+SQL+Server``), given
as the input on the command line or as a named connection in ``audit.toml``::

    [connections.reporting]
    url = "mssql+pyodbc://auditor@REPORTING/ssd?driver=ODBC+Driver+18+for+SQL+Server"
    password_env = "SSD_DB_PASSWORD"   # the password lives only in this variable
    schema = "ssd_development"         # optional: where the SSD tables are

Safety, in order of what could go wrong for a council:

* **The password** is only ever read from an environment variable (``password_env``, or
  ``CASEAUDIT_DB_PASSWORD`` for a URL on the command line); a URL holding one is refused,
  and every URL shown (errors, logs, ``run.json``) has its secrets masked.
* **Read only**: PostgreSQL, MySQL and SQLite sessions are set read-only, so even a
  login that could write cannot; every read ends in a rollback. SQL Server has no
  read-only session: give caseaudit a login with only ``db_datareader``.
* **One query per table**, naming only the columns the profile reads, built by
  SQLAlchemy for the server's own dialect (identifiers quoted by it; no values in SQL).

Rows arrive as Arrow. PostgreSQL is read through ADBC (``adbc-driver-postgresql``), which
streams the server's binary COPY output into Arrow: measured 3x faster than rows through
SQLAlchemy and 2.5x faster than connectorx (README, "Databases"); all its tables are read
in one repeatable-read snapshot. Every other database is read through SQLAlchemy in
batches.

Each row cites its table as the sheet and its key as the row (``source_row``): the key
when every key in the table is a distinct whole number, else the row's position in key
order (1-based; the key itself is still in the finding's record id).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.errors import InputError, UsageError
from audit.lazy import np, pa, pd
from audit.table_source import SourceTable

PASSWORD_ENV = "CASEAUDIT_DB_PASSWORD"  # for a URL given on the command line
CONNECT_TIMEOUT = 15  # seconds before an unreachable PostgreSQL server is reported
BATCH_ROWS = 50_000  # rows per fetch through SQLAlchemy: bounded memory on a large table

# A URL's scheme: "postgresql://", "mssql+pyodbc://". A Windows path ("C:\\...") has none.
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")
# Secrets that can hide in a URL's query or an ODBC connection string.
_SECRET_PAIR = re.compile(r"(?i)\b(password|pwd|passwd|secret|token)=([^;&]*)")

# Statements that make a session read-only, by SQLAlchemy dialect name.
_READ_ONLY = {
    "postgresql": "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
    "mysql": "SET SESSION TRANSACTION READ ONLY",
    "mariadb": "SET SESSION TRANSACTION READ ONLY",
    "sqlite": "PRAGMA query_only = ON",
}


def is_url(text: str) -> bool:
    """Whether an input names a database (``scheme://…``) rather than a file or folder."""
    return bool(_SCHEME.match(text))


def resolve_input(
    given: Path | str, connections: Mapping[str, Connection]
) -> Path | DatabaseSource:
    """What a command-line input names: a database URL, a named connection, or a path.

    A name defined under ``[connections]`` is that connection, even if a file of that
    name exists: the config says what the name means.
    """
    text = str(given)
    if text in connections or (isinstance(given, str) and is_url(given)):
        return DatabaseSource.from_input(text, connections)
    return Path(given)


def redact(text: str) -> str:
    """A URL or message with its password and any secret-looking parameters masked."""
    masked = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}=***", text)
    # user:password@host -> user:***@host
    return re.sub(r"(://[^/:@\s]*):[^@/\s]*@", r"\1:***@", masked)


@dataclass(frozen=True)
class Connection:
    """A named connection from ``audit.toml`` ``[connections.<name>]``."""

    name: str
    url: str
    password_env: str | None = None
    schema: str | None = None

    @classmethod
    def all_from_config(cls, raw: Mapping[str, Any]) -> dict[str, Connection]:
        section = raw.get("connections", {})
        if not isinstance(section, Mapping):
            raise UsageError("[connections] must hold named tables: [connections.<name>]")
        found = {}
        for name, values in section.items():
            where = f"[connections.{name}]"
            if not isinstance(values, Mapping):
                raise UsageError(f"{where} must be a table with url = ... and password_env = ...")
            unknown = sorted(set(values) - {"url", "password_env", "schema"})
            if unknown:
                raise UsageError(
                    f"{where}: unknown key '{unknown[0]}'. Valid keys: password_env, schema, url"
                )
            url = values.get("url")
            if not isinstance(url, str) or not is_url(url):
                raise UsageError(f"{where}: url must be a database URL such as postgresql://…")
            _no_password_in(url, where)
            for key in ("password_env", "schema"):
                if key in values and not isinstance(values[key], str):
                    raise UsageError(f"{where}: {key} must be text")
            found[name] = cls(name, url, values.get("password_env"), values.get("schema"))
        return found

    def summary(self) -> dict[str, str | None]:
        """What run.json says about it: never the password, only where it comes from."""
        return {"url": redact(self.url), "password_env": self.password_env, "schema": self.schema}


def _no_password_in(url: str, where: str) -> None:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise UsageError(f"{where}: not a database URL: {redact(url)}") from exc
    if parsed.password is not None or _SECRET_PAIR.search(url):
        raise UsageError(
            f"{where}: the URL holds a password. Remove it and put the password in an "
            f"environment variable instead (password_env, or {PASSWORD_ENV} for a URL on "
            "the command line), so it is never written in a file or shown."
        )


@dataclass
class DatabaseSource:
    """A database to read tables from; remembers what it read for run.json."""

    url: str
    password_env: str | None = PASSWORD_ENV
    schema: str | None = None
    name: str | None = None  # the named connection it came from
    read_log: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_input(cls, text: str, connections: Mapping[str, Connection]) -> DatabaseSource:
        """The source for a command-line input: a URL, or the name of a connection."""
        if text in connections:
            c = connections[text]
            return cls(c.url, c.password_env, c.schema, c.name)
        _no_password_in(text, "the input URL")
        return cls(text)

    @property
    def label(self) -> str:
        """The URL as shown to people: secrets masked; the connection name when it has one."""
        shown = redact(self.url)
        return f"{self.name} ({shown})" if self.name else shown

    def __str__(self) -> str:
        return self.label

    # ------------------------------------------------------------ reading

    def read(self, wanted: Mapping[str, Sequence[str]]) -> dict[str, SourceTable]:
        """Each wanted table with those of its wanted columns it has; the first is its key.

        A table the database lacks, a server that cannot be reached or a refused login is
        an :class:`InputError` naming it.
        """
        import sqlalchemy as sa

        engine = self._engine()
        try:
            with engine.connect() as conn:
                tables = self._find_tables(conn, list(wanted))
                selects = {
                    table: self._select(conn, table, real, wanted[table])
                    for table, real in tables.items()
                }
                if engine.dialect.name == "postgresql":
                    arrow = self._fetch_adbc(engine, selects)
                else:
                    arrow = {t: _fetch_rows(conn, s) for t, s in selects.items()}
                conn.rollback()
        except sa.exc.DBAPIError as exc:
            raise InputError(f"{self.label}: {_reason(exc, self._password())}") from exc
        finally:
            engine.dispose()
        return {t: self._source_table(t, data, wanted[t][0]) for t, data in arrow.items()}

    def _password(self) -> str | None:
        if self.password_env is None:
            return None
        password = os.environ.get(self.password_env)
        if password is None and self.name is not None:
            raise UsageError(
                f"connection '{self.name}': set the environment variable {self.password_env} "
                "to the database password (it is never read from a file)"
            )
        return password

    def _url(self) -> Any:
        from sqlalchemy.engine import make_url

        url = make_url(self.url)
        if url.drivername == "postgresql":  # psycopg 3 is the driver caseaudit installs
            url = url.set(drivername="postgresql+psycopg")
        password = self._password()
        return url.set(password=password) if password is not None else url

    def _engine(self) -> Any:
        import sqlalchemy as sa

        try:
            url = self._url()
            connect_args = (
                {"connect_timeout": CONNECT_TIMEOUT}
                if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query
                else {}
            )
            engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args=connect_args)
        except (sa.exc.NoSuchModuleError, ImportError) as exc:
            raise UsageError(
                f"{self.label}: no database driver for this URL ({exc}). caseaudit installs "
                "PostgreSQL's; for SQL Server install pyodbc and Microsoft's ODBC driver."
            ) from exc
        statement = _READ_ONLY.get(engine.dialect.name)
        if statement is not None:

            @sa.event.listens_for(engine, "connect")
            def _read_only(dbapi_connection: Any, _record: Any) -> None:
                cursor = dbapi_connection.cursor()
                cursor.execute(statement)
                cursor.close()
                if engine.dialect.name == "postgresql":  # SET is transactional there
                    dbapi_connection.commit()

        return engine

    def _find_tables(self, conn: Any, wanted: Sequence[str]) -> dict[str, str]:
        """Wanted table -> its name in the database (matched in any case)."""
        import sqlalchemy as sa

        present = sa.inspect(conn).get_table_names(schema=self.schema)
        present += sa.inspect(conn).get_view_names(schema=self.schema)
        by_lower = {name.lower(): name for name in present}
        missing = [t for t in wanted if t.lower() not in by_lower]
        if missing:
            where = f"schema {self.schema}" if self.schema else "its default schema"
            named = (
                f"no SSD tables (such as {missing[0]})"
                if len(missing) == len(wanted)
                else f"no table {', '.join(missing)}"
            )
            raise InputError(
                f"{self.label}: {named} in {where}. Run the SSD scripts that build them, or "
                "name the schema holding the SSD tables (schema = ... in the connection)."
            )
        return {t: by_lower[t.lower()] for t in wanted}

    def _select(self, conn: Any, table: str, real: str, fields: Sequence[str]) -> Any:
        import sqlalchemy as sa

        present = [c["name"] for c in sa.inspect(conn).get_columns(real, self.schema)]
        if not {c.lower() for c in present} & {f.lower() for f in fields}:
            raise InputError(
                f"{self.label}: the table {real} has none of the columns "
                f"{', '.join(fields[:3])} …; is it the SSD table?"
            )
        return select_fields(real, present, fields, self.schema)

    def _adbc_uri(self) -> str:
        """A libpq URI for the same server whose sessions are read-only from the start."""
        url = self._url()
        # Read-only, and one snapshot for every table: a nightly rebuild of the SSD part
        # way through the read cannot mix old and new tables.
        options = {
            "connect_timeout": str(CONNECT_TIMEOUT),
            **url.query,
            "options": "-c default_transaction_read_only=on "
            "-c default_transaction_isolation=repeatable\\ read",
        }
        uri = url.set(drivername="postgresql", query={}).render_as_string(hide_password=False)
        return uri + "?" + "&".join(f"{k}={_quote(v)}" for k, v in options.items())

    def _fetch_adbc(self, engine: Any, selects: Mapping[str, Any]) -> dict[str, pa.Table]:
        """PostgreSQL through ADBC: binary COPY straight into Arrow, in a read-only session."""
        import adbc_driver_postgresql.dbapi as adbc

        try:
            conn = adbc.connect(self._adbc_uri())
        except adbc.Error as exc:
            raise InputError(f"{self.label}: {_first_line(str(exc), self._password())}") from exc
        out = {}
        try:
            with conn.cursor() as cursor:
                for table, statement in selects.items():
                    try:
                        cursor.execute(str(statement.compile(dialect=engine.dialect)))
                        out[table] = cursor.fetch_arrow_table()
                    except adbc.Error as exc:
                        why = _first_line(_server_says(str(exc)), self._password())
                        raise InputError(f"{self.label}: could not read {table}: {why}") from exc
            conn.rollback()
            return out
        finally:
            conn.close()

    def _source_table(self, table: str, data: pa.Table, key: str) -> SourceTable:
        self.read_log.append(
            {
                "path": f"{self.label} table {table}",
                "rows": data.num_rows,
                "bytes": data.nbytes,
                "sha256": _digest(data),
            }
        )
        cells = data.to_pandas(date_as_object=True).astype(object)
        cells = cells.where(cells.notna(), None)
        return SourceTable(cells, table, _row_ids(cells.get(key.lower()), len(cells)))


def select_fields(
    table: str, present: Sequence[str], fields: Sequence[str], schema: str | None
) -> Any:
    """SELECT the wanted fields the table has (any case), named in lower case, in key order.

    Built by SQLAlchemy, so each dialect quotes the names its own way; it holds no values.
    """
    import sqlalchemy as sa

    columns = {name.lower(): name for name in present}
    chosen = [columns[f.lower()] for f in fields if f.lower() in columns]
    source = sa.table(table, *(sa.column(c) for c in chosen), schema=schema)
    statement = sa.select(*(source.c[c].label(c.lower()) for c in chosen))
    key = columns.get(fields[0].lower())
    return statement.order_by(source.c[key]) if key is not None else statement


def _fetch_rows(conn: Any, statement: Any) -> pa.Table:
    """Rows through SQLAlchemy, a batch at a time, into one Arrow table."""
    result = conn.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(statement)
    names = list(result.keys())
    batches = [
        pa.RecordBatch.from_pylist([dict(zip(names, row, strict=True)) for row in part])
        for part in result.partitions()
    ]
    if not batches:
        return pa.table({n: pa.array([], pa.null()) for n in names})
    return pa.Table.from_batches(batches)


def _row_ids(keys: pd.Series | None, count: int) -> pd.Series:
    """The key as a row number when every key is a distinct whole number; else the position."""
    positions = pd.Series(np.arange(1, count + 1), dtype="int64")
    if keys is None or count == 0:
        return positions
    numbers = pd.to_numeric(keys.astype("string").str.strip(), errors="coerce")
    whole = numbers.notna().all() and (numbers % 1 == 0).all() and numbers.abs().max() < 2**62
    if whole and not numbers.duplicated().any():
        return numbers.astype("int64").reset_index(drop=True)
    return positions


def _digest(data: pa.Table) -> str:
    """A checksum of what was read, so run.json can show whether the data changed."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, data.schema) as writer:
        writer.write_table(data)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()


def _quote(value: object) -> str:
    from urllib.parse import quote

    return quote(str(value), safe="")


def _reason(exc: Exception, password: str | None) -> str:
    """The driver's own first line (why it failed), never a password or a traceback."""
    original = getattr(exc, "orig", None) or exc
    return _first_line(str(original), password)


def _server_says(message: str) -> str:
    """The server's own words in an ADBC error, without the driver's prefix or the query."""
    said = message.rsplit("ERROR:", 1)[-1]
    return said.split("Query was:", 1)[0]


def _first_line(message: str, password: str | None) -> str:
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    text = " ".join(lines[:2]) if lines else "the database refused the connection"
    if password:
        text = text.replace(password, "***")
    return redact(text)
