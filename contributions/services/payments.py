"""Payments: recorded against a bill, reviewed by someone else, reversed by an opposite entry.

Nothing here edits an amount or deletes a row. Recording locks the bill, re-reads what is
already paid and refuses more than the outstanding amount, so two payments racing for one
bill can never overpay it.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from jamsostek.core.choices import Role
from jamsostek.core.errors import ApplicationError, ConflictError
from jamsostek.core.money import format_rupiah
from members.models import FundingSource
from villages.signals import figures_changed

from ..models import COUNTED_STATUSES, Bill, BillStatus, Payment, PaymentEvent, PaymentStatus
from ..periods import add_months, format_period
from .arrears import enrollments_reactivate_paid_up
from .billing.totals import bills_refresh

# What evidence files may be, known by their first bytes (not by their name).
# What evidence may be, by its first bytes (never by its name, which the sender chose).
_SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
}
ADVANCE_MONTHS = 12
_EXTENSIONS = {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}
# What an evidence download can be: one of the accepted kinds, or bytes of no known kind.
EVIDENCE_TYPES = (*_SIGNATURES.values(), "application/octet-stream")


def evidence_content_type(file) -> str | None:
    """The MIME type of an evidence file by its first bytes; None if it is none we accept."""
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    return next((kind for sig, kind in _SIGNATURES.items() if head.startswith(sig)), None)


def _check_evidence(upload) -> None:
    if upload is None:
        return
    if upload.size > settings.EVIDENCE_MAX_BYTES:
        raise ApplicationError(
            _("The evidence file is larger than %(size)s.")
            % {"size": filesizeformat(settings.EVIDENCE_MAX_BYTES)},
            code="evidence_too_large",
            attr="evidence",
        )
    kind = evidence_content_type(upload)
    if kind is None:
        raise ApplicationError(
            _("Evidence must be a photo (JPEG or PNG) or a PDF."),
            code="evidence_type",
            attr="evidence",
        )
    # Stored under a name of ours with the extension of what the file is, never under the
    # name and type the client gave (`bukti.pdf.html`, `../x`, a NIK in a file name).
    upload.name = f"{uuid.uuid4().hex}{_EXTENSIONS[kind]}"
    upload.content_type = kind


def _counted(bill: Bill) -> int:
    return sum(bill.payments.filter(status__in=COUNTED_STATUSES).values_list("amount", flat=True))


def _event(payment: Payment, action: str, actor, note: str = "", related=None) -> None:
    PaymentEvent.objects.create(
        payment=payment, action=action, actor=actor, note=note, related=related
    )


def _after_money_moved(bill: Bill) -> None:
    bills_refresh(Bill.objects.filter(pk=bill.pk))
    figures_changed.send(sender=Payment, village_ids=[bill.village_id])
    # Paid-up arrears may reactivate lapsed members of the village.
    enrollments_reactivate_paid_up(villages=[bill.village_id])


@transaction.atomic
def payment_record(
    *,
    actor,
    bill: Bill,
    amount: int,
    paid_on: datetime.date,
    method: str,
    funding_source: str,
    reference: str = "",
    note: str = "",
    evidence=None,
) -> Payment:
    """Record a payment against ``bill``; it counts at once and awaits review."""
    if paid_on > timezone.localdate():
        raise ApplicationError(
            _("The payment date cannot be in the future."), code="invalid_date", attr="paid_on"
        )
    # A month may be paid up to twelve months ahead (BPJS takes contributions in advance for
    # at most a year), so a payment dated earlier than that is a typo (0001-01-01), not money.
    earliest = add_months(bill.period, -ADVANCE_MONTHS)
    if paid_on < earliest:
        raise ApplicationError(
            _("A payment of the bill for %(period)s cannot be dated before %(date)s.")
            % {"period": format_period(bill.period), "date": earliest.isoformat()},
            code="invalid_date",
            attr="paid_on",
        )
    if funding_source != bill.funding_source:
        raise ApplicationError(
            _("This bill is paid from %(source)s, not from another source.")
            % {"source": FundingSource(bill.funding_source).label},
            code="funding_source_mismatch",
            attr="funding_source",
        )
    _check_evidence(evidence)
    # Lock, re-check, write: concurrent payments for this bill wait here in turn.
    bill = Bill.objects.select_for_update().get(pk=bill.pk)
    if bill.status == BillStatus.VOID:
        raise ConflictError(_("This bill was voided."), code="bill_void")
    outstanding = bill.amount - _counted(bill)
    if amount > outstanding:
        raise ConflictError(
            _("Rp %(amount)s is more than the Rp %(outstanding)s still outstanding on this bill.")
            % {
                "amount": format_rupiah(amount, prefix=""),
                "outstanding": format_rupiah(max(outstanding, 0), prefix=""),
            },
            code="overpayment",
            attr="amount",
        )
    payment = Payment.objects.create(
        village_id=bill.village_id,
        bill=bill,
        amount=amount,
        paid_on=paid_on,
        method=method,
        reference=reference,
        funding_source=funding_source,
        note=note,
        recorded_by=actor,
        evidence=evidence or "",
    )
    _event(payment, "recorded", actor, note)
    _after_money_moved(bill)
    return payment


@transaction.atomic
def payment_review(*, actor, payment: Payment, verdict: str, note: str = "") -> Payment:
    """Verify or reject a pending payment: maker–checker, never by who recorded it."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.recorded_by_id == actor.pk:
        raise ApplicationError(
            _("You recorded this payment: someone else must review it."),
            code="maker_checker",
            status_code=403,
        )
    if payment.status != PaymentStatus.PENDING_REVIEW:
        raise ConflictError(
            _("This payment was already reviewed (%(status)s).")
            % {"status": PaymentStatus(payment.status).label.lower()},
            code="already_reviewed",
        )
    if verdict == "reject" and not note.strip():
        raise ApplicationError(_("Say why the payment is rejected."), code="required", attr="note")
    payment.status = PaymentStatus.VERIFIED if verdict == "verify" else PaymentStatus.REJECTED
    payment.verified_by = actor
    payment.verified_at = timezone.now()
    payment.review_note = note
    payment.save(
        update_fields=["status", "verified_by", "verified_at", "review_note", "updated_at"]
    )
    _event(payment, "verified" if verdict == "verify" else "rejected", actor, note)
    _after_money_moved(payment.bill)
    return payment


@transaction.atomic
def payment_reverse(*, actor, payment: Payment, reason: str) -> Payment:
    """Undo a payment by an entry of the opposite amount; returns that entry."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if not reason.strip():
        raise ApplicationError(
            _("Say why the payment is reversed."), code="required", attr="reason"
        )
    if payment.status == PaymentStatus.VERIFIED and actor.role == Role.VILLAGE_OPERATOR:
        raise ApplicationError(
            _("The regency office verified this payment: ask it to reverse the payment."),
            code="reverse_verified",
            status_code=403,
        )
    if payment.reversal_of_id is not None:
        raise ConflictError(_("A reversal cannot itself be reversed."), code="not_reversible")
    if payment.status not in COUNTED_STATUSES:
        raise ConflictError(
            _("Only a payment that counts can be reversed; this one is %(status)s.")
            % {"status": PaymentStatus(payment.status).label.lower()},
            code="not_reversible",
        )
    Bill.objects.select_for_update().get(pk=payment.bill_id)
    reversal = Payment.objects.create(
        village_id=payment.village_id,
        bill_id=payment.bill_id,
        amount=-payment.amount,
        paid_on=timezone.localdate(),
        method=payment.method,
        reference=payment.reference,
        funding_source=payment.funding_source,
        note=reason,
        recorded_by=actor,
        status=PaymentStatus.REVERSED,
        reversal_of=payment,
    )
    payment.status = PaymentStatus.REVERSED
    payment.save(update_fields=["status", "updated_at"])
    _event(payment, "reversed", actor, reason, related=reversal)
    _event(reversal, "recorded", actor, reason, related=payment)
    _after_money_moved(payment.bill)
    return reversal
