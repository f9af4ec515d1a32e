"""Settings for the batch statements of a transaction (the monthly bills).

The progress refresh runs without them: with this much memory PostgreSQL chose in-memory
hash joins for it, which were slower here than its merge joins in member order."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

# Memory for one sort or hash of a batch statement (PostgreSQL's default is 4 MB): a
# province's 1.5 M enrollments sort and hash in memory instead of spilling to disk.
BATCH_WORK_MEM = "256MB"


@contextmanager
def batch_settings():
    """Inside a transaction (PostgreSQL): memory enough for a batch job's sorts and hashes
    not to spill to disk, until the block ends. Elsewhere, nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = %s", [BATCH_WORK_MEM])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET work_mem")
