"""Bill lines in monthly partitions on PostgreSQL (migration 0014, services/partitions.py)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection, transaction
from django.utils import timezone

from contributions.models import BillLine
from contributions.periods import add_months
from contributions.services.partitions import bill_line_partitions_ensure, partition_name
from members.models import Status
from tests.conftest import KWAYANGAN
from tests.factories import MemberFactory

from .helpers import generate

# Partitions are made outside any transaction: these tests commit, as the jobs do.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def basics(committed_basics) -> None:
    """The regions and rates, put back when an earlier transactional test flushed them."""


def without_partition(month: datetime.date) -> None:
    """No partition for ``month`` (one a test before may have made, empty since)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {partition_name(month)}")


def tables_holding(month: datetime.date) -> dict[str, int]:
    """The month's lines counted by the table (partition) that holds them."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text, COUNT(*) FROM {BillLine._meta.db_table} "
            "WHERE period = %s GROUP BY 1",
            [month],
        )
        return dict(cursor.fetchall())


def active_member(admin, name: str):
    """An active BPU member of Kwayangan: its activation bills its months (eager here)."""
    return MemberFactory(actor=admin, village=KWAYANGAN, full_name=name, status=Status.ACTIVE)


def test_each_month_is_written_into_a_partition_of_its_own_when_it_can_be(admin):
    # Given two active members of Kwayangan (activation bills their months up to this one)
    # and no partition yet for the next two months
    next_month = add_months(timezone.localdate().replace(day=1), 1)
    later = add_months(next_month, 1)
    for month in (next_month, later):
        without_partition(month)
    active_member(admin, "Peserta Partisi Satu")
    active_member(admin, "Peserta Partisi Dua")

    # When next month is billed as the monthly job bills it (outside any transaction)
    first = generate(f"{next_month:%Y-%m}", KWAYANGAN)
    again = generate(f"{next_month:%Y-%m}", KWAYANGAN)
    # And the month after inside a transaction, where no partition can be made
    with transaction.atomic():
        generate(f"{later:%Y-%m}", KWAYANGAN)
    made = bill_line_partitions_ensure([later])
    later_again = generate(f"{later:%Y-%m}", KWAYANGAN)

    # Then next month's lines are in its own partition, and the second run added nothing
    assert first.lines_added == 2
    assert again.lines_added == 0
    assert tables_holding(next_month) == {partition_name(next_month): 2}
    # And the month billed inside a transaction keeps its lines in the default partition:
    # no partition is made over them, nothing is added or lost
    assert made == []
    assert later_again.lines_added == 0
    assert tables_holding(later) == {"contributions_billline_default": 2}
