"""A throwaway PostgreSQL server for tests and the benchmark: a real server, never a mock.

The cluster lives in a temporary folder, listens on a free localhost port, and is removed
when the block ends. It uses the distribution's own server binaries
(``/usr/lib/postgresql/<version>/bin``, installed by ``.ci/run``). PostgreSQL refuses to
run as root, and CI runs as root: then the server runs as the unprivileged ``postgres``
user the distribution's package creates, through ``runuser``.

Two login roles: ``owner`` (creates and fills the tables) and ``auditor`` (may only read
them, as a council's reporting account would), both with passwords over TCP, so a wrong
password is refused as on a real server.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

OWNER_PASSWORD = "owner-fictional-pw"
AUDITOR_PASSWORD = "auditor-fictional-pw"
DATABASE = "ssd"
RUN_AS = "postgres"  # the distribution package's unprivileged user, when we are root
PREFIX = "caseaudit-pg-"
OWNER_FILE = "owner.pid"  # the test process a cluster belongs to


def server_bin() -> Path | None:
    """The newest installed PostgreSQL server's binaries folder, or None."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return found[-1].parent if found else None


def missing() -> str | None:
    """Why a test server cannot start here, or None when it can."""
    if server_bin() is None:
        return "no PostgreSQL server in /usr/lib/postgresql/*/bin (apt-get install postgresql)"
    if os.geteuid() == 0 and not _user_exists(RUN_AS):
        return f"running as root and there is no '{RUN_AS}' user to run PostgreSQL as"
    if shutil.which("runuser") is None and os.geteuid() == 0:
        return "running as root and there is no runuser to drop privileges"
    return None


@dataclass(frozen=True)
class Server:
    host: str
    port: int

    def url(
        self, user: str = "auditor", password: str | None = None, database: str = DATABASE
    ) -> str:
        """A SQLAlchemy URL for a database of the server; a password only when one is given."""
        secret = f":{password}" if password is not None else ""
        return f"postgresql+psycopg://{user}{secret}@{self.host}:{self.port}/{database}"


@contextmanager
def running_server() -> Iterator[Server]:
    """Start a new cluster, yield its address, and stop and delete it afterwards."""
    bin_dir = server_bin()
    assert bin_dir is not None, missing()
    base = _base_dir()
    _reap_abandoned(bin_dir, Path(base))
    root = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))
    (root / OWNER_FILE).write_text(str(os.getpid()))
    data, sockets = root / "data", root / "sockets"
    sockets.mkdir()
    pwfile = root / "pw"
    pwfile.write_text(OWNER_PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(root, RUN_AS)
        shutil.chown(sockets, RUN_AS)
        shutil.chown(pwfile, RUN_AS)
    port = _free_port()
    try:
        _as_server_user(
            bin_dir / "initdb",
            "-D",
            str(data),
            "-U",
            "owner",
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
        )
        _as_server_user(
            bin_dir / "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(root / "server.log"),
            "-w",
            "-o",
            f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        )
        server = Server("127.0.0.1", port)
        _create_roles(server)
        yield server
    finally:
        if (data / "postmaster.pid").exists():
            _as_server_user(bin_dir / "pg_ctl", "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


def _reap_abandoned(bin_dir: Path, base: Path) -> None:
    """Stop and delete clusters whose test process died without stopping them (a test run
    killed by a timeout), so they do not pile up on a developer's machine."""
    for root in base.glob(f"{PREFIX}*"):
        try:
            owner = int((root / OWNER_FILE).read_text())
            os.kill(owner, 0)
            continue  # its test run is still going
        except ProcessLookupError:
            pass
        except (OSError, ValueError):
            continue  # not one this helper can vouch for
        if (root / "data" / "postmaster.pid").exists():
            _as_server_user(bin_dir / "pg_ctl", "-D", root / "data", "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)


def _base_dir() -> str:
    """A temporary folder the server's user can reach (a 0700 /tmp would stop it)."""
    candidates = [tempfile.gettempdir(), "/var/tmp", "/dev/shm"]
    if os.geteuid() != 0:
        return candidates[0]
    for candidate in candidates:
        path = Path(candidate)
        if path.is_dir() and all(p.stat().st_mode & 0o001 for p in [path, *path.parents]):
            return candidate
    raise RuntimeError(f"none of {', '.join(candidates)} can be reached by the {RUN_AS} user")


def _create_roles(server: Server) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(
        server.url("owner", OWNER_PASSWORD, "postgres"), isolation_level="AUTOCOMMIT"
    )
    with engine.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {DATABASE}"))
    engine.dispose()
    engine = sa.create_engine(server.url("owner", OWNER_PASSWORD))
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE ROLE auditor LOGIN PASSWORD '{AUDITOR_PASSWORD}'"))
        # The auditor reads whatever the owner creates; it can also write, so that the
        # read-only session, not the grants, is what a test shows stops writes.
        conn.execute(
            sa.text(
                "ALTER DEFAULT PRIVILEGES FOR ROLE owner IN SCHEMA public "
                "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO auditor"
            )
        )
        conn.execute(sa.text("GRANT USAGE ON SCHEMA public TO auditor"))
    engine.dispose()


def _as_server_user(*command: object) -> None:
    args = [str(c) for c in command]
    if os.geteuid() == 0:
        args = ["runuser", "-u", RUN_AS, "--", *args]
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {done.stderr.strip() or done.stdout}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _user_exists(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
