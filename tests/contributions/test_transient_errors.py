"""A regency's billing task that loses a deadlock runs again and bills its month.

The deadlock is real. Another session holds the regency's advisory lock for the month;
the task takes the month's lock (shared) and waits for the regency's; the other session
then asks for the month's lock alone. Each waits for the other: after ``deadlock_timeout``
(1 s) PostgreSQL cancels the statement of the one that waited first, the task's, with
SQLSTATE 40P01, and the other session gets its lock and ends. The task's attempt rolls
back, Celery retries it (eagerly here, without the countdown) and the retry bills the
month. Any other error of the database is not retried.
"""

from __future__ import annotations

import datetime
import threading
import time
from contextlib import contextmanager

import pytest
from celery.signals import task_retry
from django.db import OperationalError, connection, transaction
from freezegun import freeze_time

from contributions import tasks
from contributions.models import Bill
from contributions.services.billing.lines import period_lock_key, regency_lock_key
from jamsostek.core.batch import TransientDatabaseError, is_transient
from tests.conftest import KWAYANGAN
from tests.factories import CoveredMemberFactory
from villages.models import Region

from .helpers import lines_of, on_the_lines_insert

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("like_a_worker")]

JULY = datetime.date(2025, 7, 1)


@pytest.fixture
def like_a_worker():
    """Eager tasks as a worker runs them: a failure is the task's result, not raised in
    the middle of it, so a retry runs (at once here) instead of ending the call."""
    conf = tasks.bills_generate_regency.app.conf
    propagates = conf.task_eager_propagates
    conf.task_eager_propagates = False
    yield
    conf.task_eager_propagates = propagates


@contextmanager
def retries_noted():
    """The errors the tasks run in the block were retried for, in order."""
    errors: list[BaseException] = []

    def note(sender, reason, **kwargs):
        errors.append(reason.exc)

    task_retry.connect(note, weak=False)
    try:
        yield errors
    finally:
        task_retry.disconnect(note)


class OtherSession(threading.Thread):
    """A session of its own (this thread's connection) that takes the regency's lock
    for July, waits until ``task_pid`` waits for it, then asks for July's lock alone."""

    def __init__(self, task_pid: int, regency_id: int):
        super().__init__(daemon=True)
        self.task_pid, self.regency_id = task_pid, regency_id
        self.holding = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '20s'")  # never a hung suite
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s)", [regency_lock_key(JULY, self.regency_id)]
                )
                self.holding.set()
                self._wait_for_the_task(cursor)
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", list(period_lock_key(JULY)))
        except BaseException as error:  # noqa: BLE001 - handed to the test
            self.error = error
        finally:
            self.holding.set()
            connection.close()

    def _wait_for_the_task(self, cursor) -> None:
        for _ in range(2_000):  # 10 s at most
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM pg_locks "
                "WHERE pid = %s AND locktype = 'advisory' AND NOT granted)",
                [self.task_pid],
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.005)
        raise TimeoutError("the task never waited for the regency's lock")


@freeze_time("2025-07-01 02:00:00")
def test_a_regency_task_that_loses_a_deadlock_is_retried_and_bills_the_month(admin):
    # Given a member of Kwayangan, in Kab. Pekalongan
    member = CoveredMemberFactory(actor=admin)
    regency = Region.objects.get(code=KWAYANGAN).regency_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (task_pid,) = cursor.fetchone()
    # And another session holding the regency's lock for July, which will want July's
    other = OtherSession(task_pid, regency)
    other.start()
    assert other.holding.wait(10) and other.error is None

    # When Kab. Pekalongan's task for July runs
    with retries_noted() as retried:
        result = tasks.bills_generate_regency.delay("2025-07", regency).get()
    other.join(30)

    # Then its first attempt lost a deadlock to the other session, and was retried once
    assert not other.is_alive() and other.error is None
    assert len(retried) == 1
    assert isinstance(retried[0], TransientDatabaseError)
    assert retried[0].__cause__.__cause__.sqlstate == "40P01"  # deadlock_detected
    # And the retry billed the month: one bill, one line
    assert (result["bills_created"], result["lines_added"]) == (1, 1)
    assert lines_of(member) == ["2025-07"]
    assert Bill.objects.count() == 1


@freeze_time("2025-07-01 02:00:00")
def test_a_regency_task_failing_for_another_reason_is_not_retried(admin):
    # Given a member of Kwayangan, and a database whose disk is full
    CoveredMemberFactory(actor=admin)
    regency = Region.objects.get(code=KWAYANGAN).regency_id
    attempts = []

    def disk_full(sql, params):
        attempts.append(sql)
        return (
            "DO $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' "
            "USING ERRCODE = 'disk_full'; END $$",
            None,
        )

    # When Kab. Pekalongan's task for July runs
    with (
        retries_noted() as retried,
        connection.execute_wrapper(on_the_lines_insert(disk_full)),
        pytest.raises(OperationalError, match="No space left on device"),
    ):
        tasks.bills_generate_regency.delay("2025-07", regency).get()

    # Then it failed with the database's error after one attempt, and nothing was written
    assert (len(attempts), retried) == (1, [])
    assert not Bill.objects.exists()


def database_error(sqlstate: str) -> OperationalError:
    """The error Django raises when PostgreSQL answers with ``sqlstate``."""
    with (
        pytest.raises(OperationalError) as raised,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"DO $$ BEGIN RAISE EXCEPTION 'as told' USING ERRCODE = '{sqlstate}'; END $$"
        )
    return raised.value


@pytest.mark.parametrize(
    ("sqlstate", "transient"),
    [
        ("40P01", True),  # deadlock_detected
        ("40001", True),  # serialization_failure
        ("55P03", True),  # lock_not_available (lock_timeout)
        ("08006", True),  # connection_failure
        ("57P01", True),  # admin_shutdown: the server going down
        ("53100", False),  # disk_full
        ("57014", False),  # query_canceled (statement_timeout)
    ],
)
def test_which_database_errors_are_transient(sqlstate, transient):
    error = database_error(sqlstate)
    assert error.__cause__.sqlstate == sqlstate
    assert is_transient(error) is transient
