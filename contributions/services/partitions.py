"""The monthly partitions of bill lines (migration 0014 made the table a partitioned one).

Each month's lines go to a partition of their own, so the unique ``(enrollment, period)``
index a month's lines are written into holds that month alone and does not grow with the
history. Generation asks for the month's partition before its transaction begins
(``bill_line_partitions_ensure``): creating a partition locks the whole line table, which
inside the month's transaction would keep every reader of bills waiting until it commits.
A month whose partition could not be made (asked inside a transaction, or a lock not got
in time) has its lines in the default partition, where they stay: correct, only not apart.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import OperationalError, connection, transaction

from ..models import BillLine
from ..periods import add_months

# pg_advisory_xact_lock's first key while a month's partition is made: "part" in ASCII.
_PARTITION_LOCK = 0x70617274
# How long to wait for the line table's lock (readers finishing) before giving up.
_LOCK_TIMEOUT = "5s"


def partition_name(month: datetime.date) -> str:
    return f"{BillLine._meta.db_table}_{month:%Y_%m}"


def _partitioned(cursor) -> bool:
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))",
        [BillLine._meta.db_table],
    )
    return cursor.fetchone()[0]


def _exists(cursor, name: str) -> bool:
    # pg_class read as a table (this statement's snapshot), not to_regclass: its cache
    # need not have seen a partition another session just made while this one waited on
    # an advisory lock.
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_class "
        "WHERE relname = %s AND relnamespace = current_schema()::regnamespace)",
        [name],
    )
    return cursor.fetchone()[0]


def bill_line_partitions_ensure(periods: Iterable[datetime.date]) -> list[str]:
    """Make the monthly partitions of ``periods`` that are missing, each in a short
    transaction of its own; returns the names of those made. Nothing inside a transaction,
    or for a month whose lines are already in the default partition."""
    if connection.in_atomic_block:
        return []
    table = BillLine._meta.db_table
    made = []
    for month in sorted({period.replace(day=1) for period in periods}):
        name = partition_name(month)
        bounds = [month, add_months(month, 1)]
        with connection.cursor() as cursor:
            if not _partitioned(cursor) or _exists(cursor, name):
                continue
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)",
                    [_PARTITION_LOCK, month.year * 100 + month.month],
                )
                if _exists(cursor, name):  # made while this one waited
                    continue
                cursor.execute(
                    f"SELECT EXISTS (SELECT 1 FROM {table}_default "
                    "WHERE period >= %s AND period < %s)",
                    bounds,
                )
                if cursor.fetchone()[0]:
                    continue
                cursor.execute(f"SET LOCAL lock_timeout = '{_LOCK_TIMEOUT}'")
                cursor.execute(
                    f"CREATE TABLE {name} PARTITION OF {table} "
                    f"FOR VALUES FROM ('{bounds[0]:%Y-%m-%d}') TO ('{bounds[1]:%Y-%m-%d}')"
                )
                made.append(name)
        except OperationalError:
            continue  # the lock was not got in time: this month's lines go to the default
    return made
