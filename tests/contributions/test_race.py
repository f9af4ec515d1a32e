"""Payments racing for one bill: the bill's row lock makes them take turns, so none overpays.

The races are real: N threads, each with its own API client and its own database
connection, wait at a barrier and POST /api/v1/payments/ at the same moment. The tests
are transactional (each thread must see what the others commit): the flush after a
transactional test empties every table, so ``committed_basics`` (tests/conftest.py) puts
back the regions the session loaded and the rows the migrations wrote, and each test
builds the rest itself.
"""

from __future__ import annotations

import datetime
import threading
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from contributions.models import Bill, BillLine, BillStatus, Payment, PaymentEvent
from contributions.services.billing.generation import bills_generate
from jamsostek.core.models import IdempotencyKey
from jamsostek.core.money import total
from members.models import Status
from tests.conftest import KWAYANGAN, error_codes
from tests.factories import MemberFactory
from villages.models import Region

PAYMENTS = "/api/v1/payments/"
MEMBERS = 3  # BPU, income Rp 1,000,000, JKK + JKM: Rp 16,800 each (8,400 while relieved)


# --- given --------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def basics(committed_basics) -> None:
    """Before any user or member of the test is made: the regions and rates it needs."""


@pytest.fixture
def bill(admin) -> Bill:
    """Kwayangan with active BPU members and this month's BPU bill (committed).

    Activating a member already bills its months (``bills_generate_for_enrollment``, eager here);
    generating the month again must change nothing.
    """
    for index in range(MEMBERS):
        MemberFactory(
            actor=admin,
            village=KWAYANGAN,
            full_name=f"Peserta Balapan {index + 1}",
            status=Status.ACTIVE,
        )
    period = timezone.localdate().replace(day=1)
    village = Region.objects.filter(code=KWAYANGAN)
    assert bills_generate(period=period, villages=village).lines_added == 0
    bill = Bill.objects.get(village__code=KWAYANGAN, period=period, segment="bpu")
    package = total(bill.lines.first().price.detail)  # this month's, relief or not
    assert package in (16_800, 8_400)
    assert bill.amount == MEMBERS * package and bill.paid_amount == 0
    assert bill.amount % 10 == 0  # so 60 % and a fifth of it are whole rupiah
    return bill


def body(bill: Bill, amount: int) -> dict:
    return {
        "village": KWAYANGAN,
        "bill": bill.pk,
        "amount": amount,
        "paid_on": timezone.localdate().isoformat(),
        "method": "transfer",
        "funding_source": bill.funding_source,
        "reference": "TRX-RACE",
    }


# --- when: N requests at the same moment ----------------------------------------------------


def race(user: User, bodies: list[dict], headers: dict | None = None) -> list:
    """POST each body from a thread of its own, all released at once; the responses in order."""
    barrier = threading.Barrier(len(bodies))
    responses: list = [None] * len(bodies)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            # Each thread: its own user instance, client and (Django's thread-local)
            # connection, opened before the barrier so the start is as even as it gets.
            own = User.objects.select_related("scope").get(pk=user.pk)
            client = APIClient()
            client.force_authenticate(own)
            barrier.wait(timeout=30)
            responses[index] = client.post(
                PAYMENTS, bodies[index], format="multipart", headers=headers or {}
            )
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a request never finished"
    assert not failures, failures
    return responses


def statuses(responses) -> list[int]:
    return sorted(r.status_code for r in responses)


# --- then -----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("threads", [2, 8])
def test_racing_payments_never_overpay_a_bill(bill, operator, threads):
    # Given a bill of amount A and N payments of 60 % of A each, sent at the same moment
    share = bill.amount * 6 // 10

    # When they race
    responses = race(operator, [body(bill, share)] * threads)

    # Then exactly one is recorded and every other is refused as an overpayment
    assert statuses(responses) == [201] + [409] * (threads - 1), [
        (r.status_code, r.content[:300]) for r in responses
    ]
    for response in responses:
        if response.status_code == 409:
            assert error_codes(response) == ["overpayment"]
            assert response.json()["errors"][0]["attr"] == "amount"
    winner = next(r for r in responses if r.status_code == 201).json()
    assert Payment.objects.filter(bill=bill).count() == 1
    assert Payment.objects.get().pk == winner["id"]
    assert PaymentEvent.objects.filter(payment_id=winner["id"]).count() == 1
    bill.refresh_from_db()
    assert bill.paid_amount == share <= bill.amount
    assert bill.status != BillStatus.PAID


@pytest.mark.django_db(transaction=True)
def test_racing_payments_that_fit_are_all_recorded(bill, operator):
    # Given a bill of amount A and five payments of exactly A/5, sent at the same moment
    fifth = bill.amount // 5

    # When they race
    responses = race(operator, [body(bill, fifth)] * 5)

    # Then all five are recorded, and together they pay the bill exactly
    assert statuses(responses) == [201] * 5, [(r.status_code, r.content[:300]) for r in responses]
    assert len({r.json()["id"] for r in responses}) == 5
    assert Payment.objects.filter(bill=bill).count() == 5
    bill.refresh_from_db()
    assert bill.paid_amount == bill.amount
    assert bill.status == BillStatus.PAID
    assert bill.outstanding == 0


@pytest.mark.django_db(transaction=True)
def test_one_idempotency_key_sent_twice_at_once_records_one_payment(bill, operator):
    # Given one request (a fifth of the bill) sent twice at the same moment with one key
    key = str(uuid.uuid4())
    fifth = bill.amount // 5

    # When both copies race
    responses = race(operator, [body(bill, fifth)] * 2, headers={"Idempotency-Key": key})

    # Then one payment is recorded and both answers are that payment's 201
    assert statuses(responses) == [201, 201], [(r.status_code, r.content[:300]) for r in responses]
    assert responses[0].json()["id"] == responses[1].json()["id"]
    assert Payment.objects.filter(bill=bill).count() == 1
    assert IdempotencyKey.objects.filter(key=key).count() == 1
    assert sorted(r.headers.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
    bill.refresh_from_db()
    assert bill.paid_amount == fifth


@pytest.mark.django_db(transaction=True)
def test_one_idempotency_key_for_the_whole_bill_sent_twice_at_once_replays(bill, operator):
    # Given a request paying the whole bill, sent twice at the same moment with one key
    # (a client retrying after a timeout while the first attempt is still running)
    key = str(uuid.uuid4())

    # When both copies race
    responses = race(operator, [body(bill, bill.amount)] * 2, headers={"Idempotency-Key": key})

    # Then one payment is recorded and both answers are that payment's 201
    assert Payment.objects.filter(bill=bill).count() == 1
    bill.refresh_from_db()
    assert bill.paid_amount == bill.amount
    assert statuses(responses) == [201, 201], [(r.status_code, r.content[:300]) for r in responses]
    assert responses[0].json()["id"] == responses[1].json()["id"]


@pytest.mark.django_db(transaction=True)
def test_recording_a_payment_locks_the_bill_row(bill, operator):
    # Given a bill
    client = APIClient()
    client.force_authenticate(operator)

    # When one payment is recorded
    with CaptureQueriesContext(connection) as queries:
        response = client.post(PAYMENTS, body(bill, bill.amount // 5), format="multipart")

    # Then the bill's row was read with SELECT ... FOR UPDATE before the payment was written
    assert response.status_code == 201, response.content
    sql = [q["sql"] for q in queries.captured_queries]
    locks = [
        i
        for i, s in enumerate(sql)
        if s.startswith("SELECT")
        and 'FROM "contributions_bill"' in s
        and s.rstrip().endswith("FOR UPDATE")
        and f'"contributions_bill"."id" = {bill.pk}' in s
    ]
    assert locks, "no SELECT ... FOR UPDATE on contributions_bill:\n" + "\n".join(sql)
    insert = next(
        i for i, s in enumerate(sql) if s.startswith('INSERT INTO "contributions_payment"')
    )
    assert locks[0] < insert
    # And the payment's total was read after the lock, inside the same transaction
    counted = [
        i
        for i, s in enumerate(sql)
        if 'FROM "contributions_payment"' in s and i > locks[0] and i < insert
    ]
    assert counted, "the counted payments were not re-read under the lock"
    assert datetime.date.fromisoformat(response.json()["paid_on"]) == timezone.localdate()


@pytest.mark.django_db(transaction=True)
def test_racing_generations_each_report_what_they_created(bill):
    # Given the month's bills and lines gone again (members still active, nothing billed)
    period = bill.period
    BillLine.objects.filter(bill__period=period).delete()
    Bill.objects.filter(period=period).delete()
    village = Region.objects.filter(code=KWAYANGAN)
    barrier = threading.Barrier(2)
    results: list = []
    failures: list[BaseException] = []

    def generate() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(bills_generate(period=period, villages=village))
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)
        finally:
            connection.close()

    # When two generations of the month run at the same moment
    threads = [threading.Thread(target=generate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures

    # Then one created the bill and its lines and the other reports nothing new
    created = sorted((r.bills_created, r.lines_added) for r in results)
    assert created == [(0, 0), (1, MEMBERS)]
    assert Bill.objects.filter(period=period, village__code=KWAYANGAN).count() == 1
