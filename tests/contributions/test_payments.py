"""Payments: recorded, reviewed by someone else, reversed (never edited), idempotent, evidenced."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from contributions.models import Bill, Payment, PaymentEvent
from contributions.services.payments import payment_review
from jamsostek.core.choices import Role
from jamsostek.core.errors import ApplicationError
from jamsostek.core.models import IdempotencyKey
from tests.conftest import BLACANAN, CIRAHAB, KWAYANGAN, error_codes
from tests.factories import BillFactory, CoveredMemberFactory, PaymentFactory

from .helpers import (
    EXE_BYTES,
    jpeg_bytes,
    payment_body,
    pdf_bytes,
    png_bytes,
)

pytestmark = pytest.mark.django_db

PAYMENTS = "/api/v1/payments/"


@pytest.fixture(autouse=True)
def clock():
    """10 July 2025, 10:00 in Jakarta: July's BPU bills (due the 15th) are open."""
    with freeze_time("2025-07-10 03:00:00") as frozen:
        yield frozen


@pytest.fixture
def bill(admin) -> Bill:
    """Kwayangan's July 2025 BPU bill from ADD: two members, Rp 33,600, due 15 July."""
    CoveredMemberFactory(actor=admin)
    CoveredMemberFactory(actor=admin, category="linmas")
    return BillFactory(village=KWAYANGAN, period="2025-07")


def other_bill(admin, village: str) -> Bill:
    CoveredMemberFactory(actor=admin, village=village)
    return BillFactory(village=village, period="2025-07")


def record(client, target: Bill, **overrides):
    return client.post(PAYMENTS, payment_body(target, **overrides), format="multipart")


def act(client, payment_id: int, action: str, body: dict | None = None):
    return client.post(f"{PAYMENTS}{payment_id}/{action}/", body or {}, format="json")


def attrs(response) -> list[str | None]:
    return [e["attr"] for e in response.json()["errors"]]


def bill_state(bill: Bill) -> tuple[int, int, str]:
    bill.refresh_from_db()
    return bill.paid_amount, bill.outstanding, bill.status


# --- the states of a payment ---------------------------------------------------------------


def test_a_recorded_payment_awaits_review_and_counts_at_once(api, operator, bill):
    # When the village's operator records Rp 10,000 against the Rp 33,600 bill
    response = record(api(operator), bill, amount=10_000, note="transfer dari kas desa")

    # Then it is pending review, with the body API.md describes
    assert response.status_code == 201, response.json()
    body = response.json()
    payment = Payment.objects.get()
    assert body["id"] == payment.pk
    assert {k: body[k] for k in payment_body(bill)} == {
        **payment_body(bill),
        "village": KWAYANGAN,
        "note": "transfer dari kas desa",
    }
    assert body["period"] == "2025-07"
    assert body["status"] == "pending_review"
    assert body["recorded_by"] == operator.username
    assert (body["verified_by"], body["verified_at"], body["review_note"]) == (None, None, "")
    assert (body["reversal_of"], body["reversal"], body["evidence"]) == (None, None, None)
    assert [e["action"] for e in body["history"]] == ["recorded"]
    assert body["history"][0]["actor"] == operator.username
    # And the bill counts it already
    assert bill_state(bill) == (10_000, 23_600, "partially_paid")

    # When the rest is recorded
    assert record(api(operator), bill, amount=23_600).status_code == 201
    # Then the bill is paid
    assert bill_state(bill) == (33_600, 0, "paid")


def test_verifying_keeps_the_payment_counted(api, operator, auditor, bill):
    payment_id = record(api(operator), bill).json()["id"]

    response = act(api(auditor), payment_id, "verify", {"note": "cocok dengan rekening koran"})

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "verified"
    assert body["verified_by"] == auditor.username
    assert body["verified_at"] == "2025-07-10T10:00:00+07:00"
    assert body["review_note"] == "cocok dengan rekening koran"
    assert [e["action"] for e in body["history"]] == ["recorded", "verified"]
    assert bill_state(bill) == (10_000, 23_600, "partially_paid")


def test_rejecting_needs_a_note_and_uncounts_the_payment(api, operator, auditor, bill):
    payment_id = record(api(operator), bill).json()["id"]

    # When the auditor rejects without saying why
    response = act(api(auditor), payment_id, "reject")
    # Then it is refused and nothing changed
    assert response.status_code == 400
    assert attrs(response) == ["note"]
    assert Payment.objects.get().status == "pending_review"

    # When it says why
    response = act(api(auditor), payment_id, "reject", {"note": "Bukti transfer tidak terbaca"})
    # Then the payment is rejected and the bill no longer counts it
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["review_note"] == "Bukti transfer tidak terbaca"
    assert response.json()["verified_by"] == auditor.username
    assert bill_state(bill) == (0, 33_600, "open")


@pytest.mark.parametrize("reviewed", [None, "verify"])
def test_reversing_adds_the_opposite_entry_and_edits_nothing_else(
    api, operator, auditor, bill, reviewed
):
    # Given a payment of Rp 10,000 (pending, or verified)
    original_id = record(api(operator), bill).json()["id"]
    if reviewed:
        act(api(auditor), original_id, reviewed)

    # (a verified payment is the regency's to reverse: the village cannot undo it alone)
    if reviewed:
        refused = act(api(operator), original_id, "reverse", {"reason": "salah nominal"})
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["code"] == "reverse_verified"
    reverser = api(auditor) if reviewed else api(operator)

    # When it is reversed without a reason, then with one
    missing = act(reverser, original_id, "reverse")
    assert missing.status_code == 400
    assert attrs(missing) == ["reason"]
    response = act(reverser, original_id, "reverse", {"reason": "salah nominal"})

    # Then the original is reversed and a new entry of Rp -10,000 points back to it
    assert response.status_code == 200, response.json()
    body = response.json()
    reversal = Payment.objects.get(reversal_of_id=original_id)
    assert body["id"] == original_id
    assert body["status"] == "reversed"
    assert body["amount"] == 10_000
    assert body["reversal"] == reversal.pk
    assert (reversal.amount, reversal.status, reversal.note) == (
        -10_000,
        "reversed",
        "salah nominal",
    )
    assert Payment.objects.count() == 2

    # And the original's history shows both entries
    history = api(operator).get(f"{PAYMENTS}{original_id}/").json()["history"]
    actions = [(e["action"], e["related"]) for e in history]
    assert actions[-2:] == [("reversed", reversal.pk), ("recorded", original_id)]
    assert actions[0] == ("recorded", None)
    assert history[-1]["note"] == "salah nominal"

    # And the reversal reads as such
    entry = api(operator).get(f"{PAYMENTS}{reversal.pk}/").json()
    assert (entry["amount"], entry["reversal_of"], entry["status"]) == (
        -10_000,
        original_id,
        "reversed",
    )

    # And the bill no longer counts either
    assert bill_state(bill) == (0, 33_600, "open")


@pytest.mark.parametrize(
    ("first", "second"),
    [("verify", "verify"), ("verify", "reject"), ("reject", "verify"), ("reject", "reject")],
)
def test_a_payment_is_reviewed_once(api, operator, auditor, make_user, bill, first, second):
    payment_id = record(api(operator), bill).json()["id"]
    assert act(api(auditor), payment_id, first, {"note": "pertama"}).status_code == 200

    # When someone (even another auditor) reviews it again
    response = act(api(make_user(Role.PMD_AUDITOR)), payment_id, second, {"note": "kedua"})

    # Then it is a conflict and the first review stands
    assert response.status_code == 409
    assert error_codes(response) == ["already_reviewed"]
    payment = Payment.objects.get()
    assert payment.status == {"verify": "verified", "reject": "rejected"}[first]
    assert (payment.review_note, payment.verified_by) == ("pertama", auditor)


def test_what_cannot_be_reversed(api, operator, auditor, bill):
    # Given a rejected payment and a reversed one with its reversal
    rejected = record(api(operator), bill, amount=1_000).json()["id"]
    act(api(auditor), rejected, "reject", {"note": "ganda"})
    reversed_id = record(api(operator), bill, amount=2_000).json()["id"]
    act(api(operator), reversed_id, "reverse", {"reason": "keliru"})
    reversal = Payment.objects.get(reversal_of_id=reversed_id).pk
    count = Payment.objects.count()

    # When each is reversed (again)
    for payment_id in (rejected, reversed_id, reversal):
        response = act(api(auditor), payment_id, "reverse", {"reason": "coba lagi"})
        # Then it is a conflict and no entry is added
        assert response.status_code == 409, payment_id
        assert error_codes(response) == ["not_reversible"]
    assert Payment.objects.count() == count

    # And a reversed payment or a reversal cannot be reviewed either
    for payment_id in (reversed_id, reversal):
        assert act(api(auditor), payment_id, "verify").status_code == 409
    assert bill_state(bill) == (0, 33_600, "open")


# --- maker–checker --------------------------------------------------------------------------


def test_whoever_recorded_a_payment_can_never_review_it(api, admin, make_user, bill):
    # Given a payment an admin recorded
    payment_id = record(api(admin), bill).json()["id"]

    # When that admin verifies or rejects it
    for action in ("verify", "reject"):
        response = act(api(admin), payment_id, action, {"note": "sendiri"})
        # Then it is refused
        assert response.status_code == 403, action
        assert error_codes(response) == ["maker_checker"]
    assert Payment.objects.get().status == "pending_review"

    # And another admin may
    response = act(api(make_user(Role.ADMIN)), payment_id, "verify")
    assert response.status_code == 200
    assert response.json()["status"] == "verified"


def test_the_service_refuses_the_recorder_as_reviewer(admin, bill):
    payment = PaymentFactory(actor=admin, bill=bill, amount=5_000)
    with pytest.raises(ApplicationError) as refused:
        payment_review(actor=admin, payment=payment, verdict="verify")
    assert (refused.value.code, refused.value.status_code) == ("maker_checker", 403)


def test_the_database_refuses_the_recorder_as_reviewer(operator, bill):
    payment = PaymentFactory(actor=operator, bill=bill, amount=5_000)
    with (
        pytest.raises(IntegrityError, match="payment_reviewer_is_not_recorder|CHECK"),
        transaction.atomic(),
    ):
        Payment.objects.filter(pk=payment.pk).update(
            verified_by=F("recorded_by"), status="verified"
        )
    assert Payment.objects.get().verified_by is None


# --- what a payment may pay -------------------------------------------------------------------


def test_no_more_than_the_outstanding_amount(api, operator, auditor, bill):
    client = api(operator)
    # When a rupiah more than the bill is recorded
    response = client.post(PAYMENTS, payment_body(bill, amount=33_601), format="multipart")
    # Then it is refused as an overpayment, naming what is outstanding
    assert response.status_code == 409
    assert error_codes(response) == ["overpayment"]
    assert attrs(response) == ["amount"]
    assert "33.600" in response.json()["errors"][0]["detail"]

    # When Rp 20,000 is pending, the rest and a rupiah more is refused too
    first = record(client, bill, amount=20_000).json()["id"]
    assert record(client, bill, amount=13_601).status_code == 409

    # When exactly the rest is recorded, the bill is paid
    second = record(client, bill, amount=13_600)
    assert second.status_code == 201
    assert bill_state(bill) == (33_600, 0, "paid")
    assert record(client, bill, amount=1).status_code == 409

    # When a payment is rejected, its amount is outstanding again
    act(api(auditor), first, "reject", {"note": "tidak masuk rekening"})
    assert bill_state(bill) == (13_600, 20_000, "partially_paid")
    assert record(client, bill, amount=20_000).status_code == 201
    assert Payment.objects.filter(status__in=["pending_review", "verified"]).count() == 2


def test_the_funding_source_must_be_the_bills(api, operator, bill):
    response = record(api(operator), bill, funding_source="apbd")
    assert response.status_code == 400
    assert attrs(response) == ["funding_source"]
    assert error_codes(response) == ["funding_source_mismatch"]
    assert not Payment.objects.exists()


def test_dana_desa_and_unknown_values_are_400(api, operator, bill):
    for field, value in (
        ("funding_source", "dana_desa"),
        ("method", "cek"),
        ("amount", 0),
        ("amount", -500),
        ("paid_on", "10/07/2025"),
    ):
        response = record(api(operator), bill, **{field: value})
        assert response.status_code == 400, (field, value)
        assert attrs(response) == [field], (field, value)
    assert not Payment.objects.exists()


@pytest.mark.parametrize("amount", ["10.000", "20.000"])
def test_an_amount_written_with_separators_is_refused_not_misread(api, operator, bill, amount):
    # API.md: money is a JSON number, never a string with separators
    response = record(api(operator), bill, amount=amount)
    assert response.status_code == 400
    assert attrs(response) == ["amount"]
    assert not Payment.objects.exists()


@pytest.mark.parametrize("amount", ["33.600", "10,000", "Rp 10.000", "1.000.000", 10_000.5])
def test_other_amounts_with_separators_or_fractions_are_400(api, operator, bill, amount):
    response = record(api(operator), bill, amount=amount)
    assert response.status_code == 400
    assert attrs(response) == ["amount"]
    assert not Payment.objects.exists()


def test_a_bill_of_another_village_or_outside_the_scope_is_400(api, operator, admin, bill):
    blacanan = other_bill(admin, BLACANAN)
    cirahab = other_bill(admin, CIRAHAB)

    # The operator of Kwayangan cannot reach Blacanan's or Cirahab's bills at all
    for other in (blacanan, cirahab):
        response = record(api(operator), other, village=KWAYANGAN)
        assert response.status_code == 400
        assert attrs(response) == ["bill"]
        assert error_codes(response) == ["invalid_bill"]
    # Nor a bill that does not exist
    response = record(api(operator), bill, bill=bill.pk + 999)
    assert (response.status_code, attrs(response)) == (400, ["bill"])
    # A bill must be paid by the village it belongs to
    response = record(api(operator), bill, village=BLACANAN)
    assert response.status_code == 400
    assert error_codes(response) == ["village_mismatch"]
    response = record(api(admin), blacanan, village=KWAYANGAN)
    assert (response.status_code, attrs(response)) == (400, ["village"])
    assert not Payment.objects.exists()


def test_a_payment_cannot_be_dated_in_the_future(api, operator, bill):
    response = record(api(operator), bill, paid_on="2025-07-11")
    assert response.status_code == 400
    assert attrs(response) == ["paid_on"]
    assert not Payment.objects.exists()
    assert record(api(operator), bill, paid_on="2025-07-10").status_code == 201


# --- evidence --------------------------------------------------------------------------------


def multipart(client, bill: Bill, file: SimpleUploadedFile, headers=None, **overrides):
    return client.post(
        PAYMENTS,
        {**payment_body(bill, **overrides), "evidence": file},
        format="multipart",
        headers=headers or {},
    )


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("bukti.pdf", pdf_bytes(), "application/pdf"),
        ("bukti.png", png_bytes(), "image/png"),
        ("bukti.jpg", jpeg_bytes(), "image/jpeg"),
        ("IMG_20250710.jpeg", jpeg_bytes(), "application/octet-stream"),
    ],
)
def test_evidence_a_pdf_or_photo_is_kept(api, operator, bill, name, content, content_type):
    # When a payment is sent as multipart with its evidence
    file = SimpleUploadedFile(name, content, content_type=content_type)
    response = multipart(api(operator), bill, file)

    # Then it is kept, byte for byte, and the body links to it
    assert response.status_code == 201, response.json()
    assert response.json()["evidence"].startswith("http://testserver/")
    payment = Payment.objects.get()
    with payment.evidence.open("rb") as stored:
        assert stored.read() == content
    assert payment.amount == 10_000


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("bukti.pdf", b"Sudah dibayar lunas, terima kasih.\n"),
        ("bukti.pdf", EXE_BYTES),
        ("bukti.exe", EXE_BYTES),
        ("bukti.png", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        ("bukti.jpg", b""),
    ],
)
def test_evidence_that_is_not_a_pdf_or_photo_is_refused(api, operator, bill, name, content):
    response = multipart(api(operator), bill, SimpleUploadedFile(name, content))
    assert response.status_code == 400
    assert attrs(response) == ["evidence"]
    assert set(error_codes(response)) <= {"evidence_type", "empty"}
    assert not Payment.objects.exists()


def test_a_text_file_called_pdf_is_evidence_type(api, operator, bill):
    file = SimpleUploadedFile("bukti.pdf", b"bukan pdf", content_type="application/pdf")
    response = multipart(api(operator), bill, file)
    assert error_codes(response) == ["evidence_type"]


def test_evidence_larger_than_the_limit_is_refused(api, operator, bill, settings):
    content = pdf_bytes()
    # Given a limit one byte under the file
    settings.EVIDENCE_MAX_BYTES = len(content) - 1
    response = multipart(api(operator), bill, SimpleUploadedFile("bukti.pdf", content))
    assert response.status_code == 400
    assert error_codes(response) == ["evidence_too_large"]
    assert attrs(response) == ["evidence"]
    assert not Payment.objects.exists()
    # And a file of exactly the limit is accepted
    settings.EVIDENCE_MAX_BYTES = len(content)
    response = multipart(api(operator), bill, SimpleUploadedFile("bukti.pdf", content))
    assert response.status_code == 201


# --- Idempotency-Key ---------------------------------------------------------------------


def keyed(client, bill: Bill, key: str, **overrides):
    return client.post(
        PAYMENTS,
        payment_body(bill, **overrides),
        format="multipart",
        headers={"Idempotency-Key": key},
    )


def test_the_same_key_and_body_replay_the_first_answer(api, operator, bill):
    client = api(operator)
    first = keyed(client, bill, "bayar-juli-1")
    again = keyed(client, bill, "bayar-juli-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    # And only one payment exists, counted once
    assert Payment.objects.count() == 1
    assert PaymentEvent.objects.count() == 1
    assert bill_state(bill) == (10_000, 23_600, "partially_paid")


def test_a_retry_after_paying_the_whole_bill_is_not_an_overpayment(api, operator, bill):
    client = api(operator)
    first = keyed(client, bill, "lunas", amount=33_600)
    again = keyed(client, bill, "lunas", amount=33_600)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert Payment.objects.count() == 1


def test_the_same_key_with_another_body_is_409(api, operator, bill):
    client = api(operator)
    keyed(client, bill, "bayar-juli-1")
    response = keyed(client, bill, "bayar-juli-1", amount=12_000)
    assert response.status_code == 409
    assert error_codes(response) == ["idempotency_key_reused"]
    assert list(Payment.objects.values_list("amount", flat=True)) == [10_000]


def test_different_users_may_use_the_same_key(api, operator, make_user, bill):
    colleague = make_user(Role.VILLAGE_OPERATOR)
    first = keyed(api(operator), bill, "kunci-1")
    second = keyed(api(colleague), bill, "kunci-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert "Idempotent-Replayed" not in second
    assert Payment.objects.count() == 2
    assert IdempotencyKey.objects.filter(key="kunci-1").count() == 2


def test_a_key_whose_first_try_failed_can_be_retried_with_a_corrected_body(api, operator, bill):
    client = api(operator)
    # Given a first try refused (a date in the future): errors are not stored
    failed = keyed(client, bill, "coba-1", paid_on="2025-07-30")
    assert failed.status_code == 400
    assert not IdempotencyKey.objects.exists()
    # When the corrected body is sent with the same key
    fixed = keyed(client, bill, "coba-1")
    assert fixed.status_code == 201
    # Then a retry of that replays it
    again = keyed(client, bill, "coba-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == fixed.json()["id"]
    assert Payment.objects.count() == 1


def test_a_key_whose_first_try_was_refused_as_a_conflict_is_not_kept(api, operator, bill):
    client = api(operator)
    assert keyed(client, bill, "coba-2", amount=50_000).status_code == 409
    assert keyed(client, bill, "coba-2", amount=33_600).status_code == 201
    assert Payment.objects.count() == 1


def test_without_a_key_two_posts_are_two_payments(api, operator, bill):
    client = api(operator)
    assert record(client, bill).status_code == 201
    assert record(client, bill).status_code == 201
    assert Payment.objects.count() == 2
    assert bill_state(bill)[0] == 20_000


def test_a_multipart_retry_is_known_by_its_files_content(api, operator, bill):
    client = api(operator)
    headers = {"Idempotency-Key": "dengan-bukti"}
    first = multipart(client, bill, SimpleUploadedFile("a.pdf", pdf_bytes()), headers=headers)
    again = multipart(client, bill, SimpleUploadedFile("a.pdf", pdf_bytes()), headers=headers)
    other = multipart(client, bill, SimpleUploadedFile("a.png", png_bytes()), headers=headers)
    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 409)
    assert again.json()["id"] == first.json()["id"]
    assert Payment.objects.count() == 1


# --- never edited, never deleted ----------------------------------------------------------


@pytest.mark.parametrize("role", [Role.VILLAGE_OPERATOR, Role.PMD_AUDITOR, Role.ADMIN])
def test_a_payment_is_never_edited_or_deleted(api, make_user, operator, bill, role):
    payment = PaymentFactory(actor=operator, bill=bill, amount=10_000)
    client = api(make_user(role))
    for method in ("patch", "put", "delete"):
        response = getattr(client, method)(f"{PAYMENTS}{payment.pk}/", {"amount": 1}, format="json")
        assert response.status_code == 405, method
    payment.refresh_from_db()
    assert (payment.amount, payment.status) == (10_000, "pending_review")


# --- who may ---------------------------------------------------------------------------------


RECORD = {
    Role.VILLAGE_OPERATOR: 201,
    Role.DISTRICT_VIEWER: 403,
    Role.PMD_AUDITOR: 403,
    Role.BPJS_OFFICER: 403,
    Role.ADMIN: 201,
}
REVIEW = {
    Role.VILLAGE_OPERATOR: 403,
    Role.DISTRICT_VIEWER: 403,
    Role.PMD_AUDITOR: 200,
    Role.BPJS_OFFICER: 403,
    Role.ADMIN: 200,
}
REVERSE = {
    Role.VILLAGE_OPERATOR: 200,
    Role.DISTRICT_VIEWER: 403,
    Role.PMD_AUDITOR: 200,
    Role.BPJS_OFFICER: 403,
    Role.ADMIN: 200,
}


def test_who_may_record(api, make_user, bill):
    actual = {role: record(api(make_user(role)), bill, amount=1_000).status_code for role in RECORD}
    assert actual == RECORD
    assert Payment.objects.count() == 2


@pytest.mark.parametrize(
    ("action", "body", "expected"),
    [
        ("verify", {}, REVIEW),
        ("reject", {"note": "tidak sesuai"}, REVIEW),
        ("reverse", {"reason": "salah input"}, REVERSE),
    ],
)
def test_who_may_review_and_reverse(api, make_user, operator, bill, action, body, expected):
    actual = {}
    for role in expected:
        payment = PaymentFactory(actor=operator, bill=bill, amount=1_000)
        actual[role] = act(api(make_user(role)), payment.pk, action, body).status_code
    assert actual == expected


# --- lists -------------------------------------------------------------------------------------


@pytest.fixture
def ledger(api, admin, operator, auditor, bill, clock):
    """Payments in Kwayangan (July: pending, verified, rejected, reversed; June: one), Blacanan
    and Cirahab, recorded on 1 to 10 July."""
    blacanan, cirahab = other_bill(admin, BLACANAN), other_bill(admin, CIRAHAB)
    june = BillFactory(village=KWAYANGAN, period="2025-06")
    made = {}
    clock.move_to("2025-07-01 03:00:00")
    made["june"] = PaymentFactory(actor=operator, bill=june, amount=5_000)
    made["blacanan"] = PaymentFactory(actor=admin, bill=blacanan, amount=4_000)
    made["cirahab"] = PaymentFactory(actor=admin, bill=cirahab, amount=3_000)
    clock.move_to("2025-07-05 03:00:00")
    made["verified"] = PaymentFactory(actor=operator, bill=bill, amount=1_000)
    made["rejected"] = PaymentFactory(actor=operator, bill=bill, amount=2_000)
    made["reversed"] = PaymentFactory(actor=operator, bill=bill, amount=3_000)
    clock.move_to("2025-07-08 03:00:00")
    payment_review(actor=auditor, payment=made["verified"], verdict="verify")
    payment_review(actor=auditor, payment=made["rejected"], verdict="reject", note="ganda")
    clock.move_to("2025-07-10 03:00:00")
    made["pending"] = PaymentFactory(actor=operator, bill=bill, amount=4_000)
    act(api(operator), made["reversed"].pk, "reverse", {"reason": "keliru"})
    made["reversal"] = Payment.objects.get(reversal_of=made["reversed"])
    return {name: payment.pk for name, payment in made.items()}


def found(client, ledger, **params) -> set[str]:
    response = client.get(PAYMENTS, {**params, "page_size": 500})
    assert response.status_code == 200, response.json()
    names = {pk: name for name, pk in ledger.items()}
    return {names[row["id"]] for row in response.json()["results"]}


def test_payment_list_filters(api, make_user, ledger, bill):
    client = api(make_user(Role.PMD_AUDITOR))
    inside = {"june", "blacanan", "verified", "rejected", "reversed", "pending", "reversal"}
    assert found(client, ledger) == inside
    assert found(client, ledger, village=BLACANAN) == {"blacanan"}
    assert found(client, ledger, district="33.26.13") == inside - {"blacanan"}
    assert found(client, ledger, bill=bill.pk) == {
        "verified",
        "rejected",
        "reversed",
        "pending",
        "reversal",
    }
    assert found(client, ledger, period="2025-06") == {"june"}
    assert found(client, ledger, status="verified") == {"verified"}
    assert found(client, ledger, status="rejected") == {"rejected"}
    assert found(client, ledger, status="reversed") == {"reversed", "reversal"}
    assert found(client, ledger, status="pending_review") == {"june", "blacanan", "pending"}
    # Outside the scope: nothing, not an error
    assert found(client, ledger, village=CIRAHAB) == set()
    assert found(client, ledger, regency="33.02") == set()
    assert found(api(make_user(Role.ADMIN)), ledger, regency="33.02") == {"cirahab"}


def test_payment_list_updated_since(api, make_user, ledger):
    client = api(make_user(Role.PMD_AUDITOR))
    # Reviews and the reversal touched payments after they were recorded
    assert found(client, ledger, updated_since="2025-07-06T00:00:00+07:00") == {
        "verified",
        "rejected",
        "reversed",
        "pending",
        "reversal",
    }
    assert found(client, ledger, updated_since="2025-07-09T00:00:00+07:00") == {
        "reversed",
        "pending",
        "reversal",
    }
    rows = client.get(PAYMENTS, {"updated_since": "2025-07-09T00:00:00+07:00"}).json()["results"]
    assert all(r["updated_at"] == "2025-07-10T10:00:00+07:00" for r in rows)
    bad = client.get(PAYMENTS, {"updated_since": "kemarin"})
    assert (bad.status_code, attrs(bad)) == (400, ["updated_since"])
    bad = client.get(PAYMENTS, {"period": "2025-7"})
    assert (bad.status_code, attrs(bad)) == (400, ["period"])


def test_each_role_lists_the_payments_of_its_scope(api, make_user, ledger):
    kwayangan = {"june", "verified", "rejected", "reversed", "pending", "reversal"}
    expected = {
        Role.VILLAGE_OPERATOR: kwayangan,
        Role.DISTRICT_VIEWER: kwayangan,
        Role.PMD_AUDITOR: kwayangan | {"blacanan"},
        Role.BPJS_OFFICER: kwayangan | {"blacanan"},
        Role.ADMIN: set(ledger),
    }
    for role, names in expected.items():
        assert found(api(make_user(role)), ledger) == names, role
    operator_elsewhere = api(make_user(Role.VILLAGE_OPERATOR, CIRAHAB))
    assert found(operator_elsewhere, ledger) == {"cirahab"}
    response = operator_elsewhere.get(f"{PAYMENTS}{ledger['pending']}/")
    assert response.status_code == 404


def test_payment_list_queries_do_not_grow_with_the_payments(api, admin, operator, auditor, bill):
    client = api(auditor)

    def count(url) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    first = PaymentFactory(actor=operator, bill=bill, amount=1_000)
    few_list = count(PAYMENTS)
    few_detail = count(f"{PAYMENTS}{first.pk}/")

    # Given more payments in every state, on more bills and villages
    blacanan = other_bill(admin, BLACANAN)
    for target in (bill, blacanan):
        for amount in (1_000, 1_100, 1_200):
            payment = PaymentFactory(actor=admin, bill=target, amount=amount)
            payment_review(actor=auditor, payment=payment, verdict="verify")
        rejected = PaymentFactory(actor=admin, bill=target, amount=700)
        payment_review(actor=auditor, payment=rejected, verdict="reject", note="x")
        reverser = api(operator if target == bill else admin)
        act(
            reverser,
            PaymentFactory(actor=admin, bill=target, amount=500).pk,
            "reverse",
            {"reason": "x"},
        )
    assert Payment.objects.count() > 10

    assert count(PAYMENTS) == few_list
    reversed_one = Payment.objects.filter(reversal_of__isnull=False).first().reversal_of_id
    assert count(f"{PAYMENTS}{reversed_one}/") <= few_detail + 1  # the reversal's own events
    assert count(f"{PAYMENTS}{first.pk}/") == few_detail


def test_evidence_is_downloaded_through_the_api_not_a_public_url(api, operator, make_user, bill):
    # Given a payment recorded with a PDF as evidence
    body = {**payment_body(bill), "evidence": SimpleUploadedFile("bukti.pdf", pdf_bytes())}
    response = api(operator).post(PAYMENTS, body, format="multipart")
    assert response.status_code == 201, response.json()
    payment = response.json()
    # Then its evidence URL is the payment's own endpoint, not /media/
    assert payment["evidence"].endswith(f"{PAYMENTS}{payment['id']}/evidence/")
    # And the operator downloads the very bytes sent
    download = api(operator).get(f"{PAYMENTS}{payment['id']}/evidence/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf_bytes()
    assert "attachment" in download["Content-Disposition"]
    # While an operator of another village gets 404 and anonymous callers 401
    stranger = make_user(Role.VILLAGE_OPERATOR, scope=CIRAHAB)
    assert api(stranger).get(f"{PAYMENTS}{payment['id']}/evidence/").status_code == 404
    assert api().get(f"{PAYMENTS}{payment['id']}/evidence/").status_code == 401


# --- hostile details ---------------------------------------------------------------------------


def test_a_payment_dated_long_before_its_bill_is_refused(api, operator, bill):
    # Given the July 2025 bill, paid (says the form) on 1 January of the year 1
    response = record(api(operator, language="en"), bill, paid_on="0001-01-01")
    # Then the date is refused with the earliest one that makes sense
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "invalid_date",
        "detail": "A payment of the bill for 2025-07 cannot be dated before 2024-07-01.",
        "attr": "paid_on",
    }
    assert not Payment.objects.exists()
    # And a transfer up to a year ahead of the month (paid in advance) is fine
    assert record(api(operator), bill, paid_on="2024-06-30").status_code == 400
    assert record(api(operator), bill, paid_on="2024-07-01").status_code == 201


def test_evidence_is_stored_under_our_name_and_the_type_it_is(api, operator, bill):
    # Given a PDF uploaded under a name and a type meant to mislead
    upload = SimpleUploadedFile("../../3326134507850001.pdf.html", pdf_bytes(), "text/html")
    response = multipart(api(operator), bill, upload)
    assert response.status_code == 201
    # Then it is kept under a generated name with the extension of what it is
    stored = Payment.objects.get().evidence.name
    assert stored.endswith(".pdf") and "3326" not in stored and ".." not in stored
    # And it is served as a PDF
    download = api(operator).get(f"{PAYMENTS}{response.json()['id']}/evidence/")
    assert download["Content-Type"] == "application/pdf"
