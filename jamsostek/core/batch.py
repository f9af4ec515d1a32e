"""Batch transactions (the monthly bills): their settings, and the errors worth a retry.

The settings are set with ``SET LOCAL`` (``set_config(…, true)``), so they end with the
transaction however it ends, and nothing has to run after a failed statement to take them
back. The progress refresh runs without them: with this much memory PostgreSQL chose
in-memory hash joins for it, which were slower here than its merge joins in member order.

A batch transaction that lost a deadlock or a serialization conflict to another, or its
connection, may well succeed when run again: ``transient_errors()`` names those failures
``TransientDatabaseError``, the one error a task retries on (``autoretry_for``). Any other
failure (a full disk, a statement cancelled, a bug) is raised as it is and not retried.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from django.db import OperationalError, connection

# Memory for one sort or hash of a batch statement (PostgreSQL's default is 4 MB): a
# province's 1.5 M enrollments sort and hash in memory instead of spilling to disk.
BATCH_WORK_MEM = "256MB"


def _set_local(cursor, values: dict[str, str]) -> None:
    cursor.execute(
        "SELECT " + ", ".join(["set_config(%s, %s, true)"] * len(values)),
        [item for pair in values.items() for item in pair],
    )


@contextmanager
def local_settings(**values: str) -> Iterator[None]:
    """PostgreSQL's settings ``values`` (``work_mem="256MB"``) for the statements of the
    block, inside the caller's transaction, set with ``SET LOCAL``.

    When the block ends normally, the values it found are set back (locally too), so the
    transaction's later statements are planned as before. When it raises, nothing is sent:
    after a failed statement PostgreSQL answers any other with "current transaction is
    aborted", which would take the place of the error; the rollback that follows (of the
    transaction, or of the savepoint around the block) ends the settings anyway."""
    if not connection.in_atomic_block:
        # Outside a transaction, SET LOCAL would end with its own statement.
        raise RuntimeError("local_settings() needs a transaction (transaction.atomic)")
    names = list(values)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(["current_setting(%s)"] * len(names)), names)
        found = dict(zip(names, cursor.fetchone(), strict=True))
        _set_local(cursor, values)
    yield
    with connection.cursor() as cursor:
        _set_local(cursor, found)


def batch_settings():
    """Memory enough for a batch job's sorts and hashes not to spill to disk, for the
    statements of the block (see ``local_settings``)."""
    return local_settings(work_mem=BATCH_WORK_MEM)


# SQLSTATEs of a transaction that another got in the way of: a serialization failure, a
# deadlock it was chosen to lose, a lock not got within lock_timeout.
CONTENTION = {"40001", "40P01", "55P03"}
# SQLSTATEs of a connection lost: the server shut down or restarting (class 08 too).
CONNECTION_LOST = {"57P01", "57P02", "57P03"}


class TransientDatabaseError(Exception):
    """A batch transaction failed for a reason a later run may not meet (see
    ``is_transient``); the database's error is its ``__cause__``."""


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` (Django's, raised from psycopg's) is a contention or a lost
    connection: a serialization failure, a deadlock, a lock timeout, class 08, the server
    shutting down, or a failure of the connection itself (no SQLSTATE: nothing answered)."""
    cause = error.__cause__
    if not isinstance(error, OperationalError) or not isinstance(cause, psycopg.OperationalError):
        return False
    state = cause.sqlstate
    return state is None or state in CONTENTION | CONNECTION_LOST or state.startswith("08")


@contextmanager
def transient_errors() -> Iterator[None]:
    """Raise the block's transient database errors as ``TransientDatabaseError`` (from the
    original), any other as it is."""
    try:
        yield
    except OperationalError as error:
        if is_transient(error):
            raise TransientDatabaseError(str(error)) from error
        raise
