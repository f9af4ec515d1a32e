"""Bills and payments: a village's bills and their lines, recording a payment with its
transfer evidence (once, however often the form is sent), and the regency's audit queue."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from contributions import selectors
from contributions.api.bills import BillFilter
from contributions.api.payments import PaymentWriteSerializer
from contributions.models import BillStatus, PaymentMethod, PaymentStatus
from contributions.permissions import CONTRIBUTIONS
from contributions.services.payments import (
    evidence_content_type,
    payment_record,
    payment_reverse,
    payment_review,
)
from jamsostek.core.errors import ApplicationError
from jamsostek.core.idempotency import fingerprint, run_once

from ..access import permit

PAGE_SIZE = 50


@permit(CONTRIBUTIONS, "bill.list")
def bill_list(request):
    filters = BillFilter(request.GET, queryset=selectors.bills_for(request.user), request=request)
    try:
        bills = filters.qs
    except ApplicationError as exc:  # a month the period filter cannot read: shown, ignored
        filters.form.add_error(exc.attr, exc.message)
        bills = filters.qs
    page = Paginator(bills.order_by("-period", "village__code", "segment"), PAGE_SIZE)
    page = page.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "console/bills.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "statuses": BillStatus.choices,
        },
    )


def _bill_page(request, bill, *, errors=None, values=None, status=200):
    payable = (
        CONTRIBUTIONS["payment.create"].allows(request.user)
        and bill.status not in (BillStatus.PAID, BillStatus.VOID)
        and bill.outstanding > 0
    )
    return render(
        request,
        "console/bill.html",
        {
            "bill": bill,
            "payments": list(selectors.payments_for(request.user).filter(bill=bill).order_by("pk")),
            "payable": payable,
            "errors": errors or {},
            "values": values
            or {"amount": bill.outstanding, "paid_on": timezone.localdate().isoformat()},
            "methods": PaymentMethod.choices,
            # A new key each time the form is shown: sent twice, it makes one payment.
            "idempotency_key": uuid.uuid4().hex,
        },
        status=status,
    )


@permit(CONTRIBUTIONS, "bill.retrieve")
def bill_detail(request, pk: int):
    bill = selectors.bill_detail_for(request.user).filter(pk=pk).first()
    if bill is None:
        raise Http404
    return _bill_page(request, bill)


@require_POST
@permit(CONTRIBUTIONS, "payment.create")
def bill_pay(request, pk: int):
    """Record a payment against the bill, with its evidence. The form carries a key made
    when it was shown: a double click or a resent form replays the first payment (the API's
    Idempotency-Key, the same table and rules)."""
    bill = selectors.bill_detail_for(request.user).filter(pk=pk).first()
    if bill is None:
        raise Http404
    body = PaymentWriteSerializer(
        data={
            "village": bill.village.code,
            "bill": bill.pk,
            "funding_source": bill.funding_source,
            "amount": request.POST.get("amount", ""),
            "paid_on": request.POST.get("paid_on", ""),
            "method": request.POST.get("method", ""),
            "reference": request.POST.get("reference", ""),
            "note": request.POST.get("note", ""),
            "evidence": request.FILES.get("evidence"),
        },
        context={"request": request},
    )
    if not body.is_valid():
        errors = {field: [str(e) for e in problems] for field, problems in body.errors.items()}
        return _bill_page(request, bill, errors=errors, values=request.POST, status=400)
    data = dict(body.validated_data)
    del data["village"]

    def work():
        payment = payment_record(actor=request.user, **data)
        return 201, {"payment": payment.pk}, payment

    try:
        _status, stored, _payment, replayed = run_once(
            user=request.user,
            key=request.POST.get("idempotency_key") or uuid.uuid4().hex,
            path=request.path,
            request_hash=fingerprint(request),
            work=work,
        )
    except ApplicationError as exc:
        errors = {exc.attr or "amount": [exc.message]}
        return _bill_page(request, bill, errors=errors, values=request.POST, status=exc.status_code)
    if replayed:
        messages.info(request, _("This payment was already recorded."))
    else:
        messages.success(request, _("The payment is recorded and awaits the regency's review."))
    return redirect("console:bill", pk=bill.pk)


# --- the audit queue ----------------------------------------------------------------------


@permit(CONTRIBUTIONS, "payment.verify")  # who reviews payments has their queue
def audit_queue(request):
    """Payments awaiting review in the caller's regency, oldest first, evidence inline."""
    pending = selectors.payments_for(request.user).filter(status=PaymentStatus.PENDING_REVIEW)
    page = Paginator(pending.order_by("created_at", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "console/audit.html", {"page": page, "query": ""})


@require_GET
@permit(CONTRIBUTIONS, "payment.evidence")
@xframe_options_sameorigin  # the audit queue embeds PDFs; other sites still may not
def payment_evidence(request, pk: int):
    """A payment's evidence shown in the browser (the API's endpoint downloads it), typed by
    its first bytes, so a file named ``.html`` is never served as a page."""
    payment = selectors.payments_for(request.user).filter(pk=pk).first()
    if payment is None or not payment.evidence:
        raise Http404
    handle = payment.evidence.open("rb")
    content_type = evidence_content_type(handle)
    if content_type is None:  # stored before the check, or altered on disk: do not show it
        handle.close()
        raise Http404
    return FileResponse(
        handle,
        content_type=content_type,
        filename=payment.evidence.name.rsplit("/", 1)[-1],
    )


def _review(request, pk: int, verdict: str):
    payment = selectors.payments_for(request.user).filter(pk=pk).first()
    if payment is None:
        raise Http404
    try:
        payment_review(
            actor=request.user,
            payment=payment,
            verdict=verdict,
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Payment %(id)s verified.") % {"id": payment.pk}
            if verdict == "verify"
            else _("Payment %(id)s rejected.") % {"id": payment.pk},
        )
    return redirect("console:audit")


@require_POST
@permit(CONTRIBUTIONS, "payment.verify")
def payment_verify(request, pk: int):
    return _review(request, pk, "verify")


@require_POST
@permit(CONTRIBUTIONS, "payment.reject")
def payment_reject(request, pk: int):
    return _review(request, pk, "reject")


@require_POST
@permit(CONTRIBUTIONS, "payment.reverse")
def payment_reverse_view(request, pk: int):
    payment = selectors.payments_for(request.user).filter(pk=pk).first()
    if payment is None:
        raise Http404
    try:
        payment_reverse(actor=request.user, payment=payment, reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The payment was reversed by an opposite entry."))
    return redirect("console:bill", pk=payment.bill_id)
