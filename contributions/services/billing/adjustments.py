"""Adjustments and credits: what re-pricing found paid bills owe, on the next open bills.

A paid bill is never edited: the difference re-pricing finds is placed on the village's
next open bills of the same source and segment (a credit no larger than each bill's total),
and what no bill takes waits, pending, for the next generation. A credit larger than what
its bill now holds (lines taken off, lines re-priced lower) is released to wait again.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Sum

from ...models import Bill, BillAdjustment, BillEvent, BillLine, BillPenalty, BillStatus
from .totals import bills_refresh


def _open_bills_after(origin: Bill):
    """The bills that may take ``origin``'s adjustment: later, same village, source and
    segment, nobody has paid anything on them yet."""
    return (
        Bill.objects.filter(
            village_id=origin.village_id,
            funding_source=origin.funding_source,
            segment=origin.segment,
            period__gt=origin.period,
            paid_amount=0,
        )
        .exclude(status=BillStatus.VOID)
        .order_by("period")
    )


def bill_adjustment_place(
    origin: Bill, amount: int, *, reason: str, actor, keep_pending: bool = True
) -> tuple[list[BillAdjustment], int]:
    """Put ``amount`` on ``origin``'s next open bills: a debit whole on the first; a credit
    no larger than each bill's total, the rest on the next. What no bill takes stays
    pending (written unless ``keep_pending`` is off); returns the rows and that rest."""
    written = []
    remaining = amount
    for target in _open_bills_after(origin):
        if remaining == 0:
            break
        take = remaining if remaining > 0 else max(remaining, -target.amount)
        if take:
            written.append(_adjustment_attach(origin, target, take, reason=reason, actor=actor))
            remaining -= take
    if remaining and keep_pending:
        written.append(
            BillAdjustment.objects.create(origin=origin, amount=remaining, reason=reason)
        )
    return written, remaining


def _adjustment_attach(
    origin: Bill, target: Bill, amount: int, *, reason: str, actor
) -> BillAdjustment:
    before = target.adjustment_amount
    adjustment = BillAdjustment.objects.create(
        origin=origin, bill=target, amount=amount, reason=reason
    )
    bills_refresh(Bill.objects.filter(pk=target.pk))
    target.refresh_from_db()
    BillEvent.objects.create(
        bill=target,
        action=BillEvent.Action.ADJUSTED,
        actor=actor,
        changes={"adjustment_amount": [before, target.adjustment_amount]},
        reason=reason,
    )
    return adjustment


def bill_adjustments_attach_pending(*, village_ids) -> int:
    """Give pending adjustments of these villages the bills generation just made (of their
    source and segment, after their month, unpaid): what re-pricing could not place."""
    attached = 0
    pending = BillAdjustment.objects.filter(
        bill__isnull=True, origin__village_id__in=village_ids
    ).select_related("origin")
    for adjustment in pending.order_by("pk"):
        placed, remaining = bill_adjustment_place(
            adjustment.origin,
            adjustment.amount,
            reason=adjustment.reason,
            actor=None,
            keep_pending=False,
        )
        if not placed:
            continue
        # The pending row gives way to where it went, and to what is still pending.
        adjustment.delete()
        if remaining:
            BillAdjustment.objects.create(
                origin=adjustment.origin, amount=remaining, reason=adjustment.reason
            )
        attached += len(placed)
    return attached


def bill_credits_release(bill_ids) -> int:
    """Re-pricing credits larger than what their bills now hold (lines taken off, lines
    re-priced lower) leave those bills and wait, pending, for the next open one; returns
    how many left. Call before ``bills_refresh``: a bill's total is never below zero."""
    lines = dict(
        BillLine.objects.filter(bill_id__in=bill_ids)
        .values("bill_id")
        .annotate(s=Sum("amount"))
        .values_list("bill_id", "s")
    )
    penalties = dict(
        BillPenalty.objects.filter(bill_id__in=bill_ids)
        .values("bill_id")
        .annotate(s=Sum("amount"))
        .values_list("bill_id", "s")
    )
    released = 0
    credited = BillAdjustment.objects.filter(bill_id__in=bill_ids)
    totals: dict[int, int] = defaultdict(int)
    for bill_id, amount in credited.values_list("bill_id", "amount"):
        totals[bill_id] += amount
    for bill_id, adjustments in totals.items():
        held = lines.get(bill_id, 0) + penalties.get(bill_id, 0)
        for credit in credited.filter(bill_id=bill_id, amount__lt=0).order_by("-pk"):
            if held + adjustments >= 0:
                break
            BillAdjustment.objects.filter(pk=credit.pk).update(bill=None)
            adjustments -= credit.amount
            released += 1
    return released
