"""Re-pricing months billed before a rate or relief row was added or corrected.

Each line's terms (held by its price row) are priced again at the rules now in force for
its month. Where the price changed:

- a bill nobody has paid yet moves its lines to the new price in place, and its history
  says why;
- a bill already paid or partly paid is never edited: the difference becomes an adjustment
  (a credit, or a debit) on the village's next open bill of the same funding source and
  segment, with the reason and the month it covers; a credit larger than that bill is
  split, the rest carried to the next open bill, or kept pending until generation makes one.

Idempotent: a second run finds every line at its price, and every paid bill's difference
already adjusted. Budgets, arrears, penalties and reports follow from the bills' totals.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from jamsostek.core.errors import ApplicationError
from jamsostek.core.money import format_rupiah
from villages.models import Region

from ..models import Bill, BillAdjustment, BillEvent, BillLine, BillStatus, Price
from ..periods import billing_start, format_period, months_between
from ..rates import RateTable
from .billing.adjustments import bill_adjustment_place, bill_credits_release
from .billing.totals import bills_flag_over_budget, bills_refresh
from .prices import prices_for, terms_of_price


@dataclass
class RepriceResult:
    months: int = 0
    prices_revised: int = 0
    lines_repriced: int = 0  # lines of unpaid bills moved to their new price
    bills_repriced: int = 0  # unpaid bills whose amount changed in place
    adjustments: int = 0  # credits and debits written for paid bills
    credit: int = 0  # rupiah credited (a positive figure)
    debit: int = 0


def _rules_named(prices) -> str:
    """The reliefs the new prices carry, or "the rate schedule" when none do."""
    names = sorted({p.relief.name for p in prices if p.relief_id})
    return ", ".join(names) if names else _("the rate schedule")


@transaction.atomic
def bills_reprice(
    *,
    actor,
    period_from: datetime.date,
    period_to: datetime.date,
    regency: Region | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> RepriceResult:
    """Re-price the months from ``period_from`` to ``period_to`` (a regency's, or all).

    ``on_progress(done, total)``, if given, counts the months, then the paid bills to
    adjust (which add to ``total`` once the months are done)."""
    if period_to < period_from:
        raise ApplicationError(
            _("The last month cannot come before the first."),
            code="period_order",
            attr="period_to",
        )
    if period_from < billing_start():
        period_from = billing_start()
    result = RepriceResult()
    paid_bills: set[int] = set()
    touched: set[int] = set()
    months = months_between(period_from, period_to)
    for period in months:
        if on_progress:
            on_progress(result.months, len(months))
        result.months += 1
        lines = BillLine.objects.filter(period=period).exclude(bill__status=BillStatus.VOID)
        if regency is not None:
            lines = lines.filter(bill__village__regency=regency)
        old = {p.pk: p for p in Price.objects.filter(pk__in=lines.values("price_id").distinct())}
        terms = {pk: terms_of_price(p) for pk, p in old.items()}
        current = prices_for(period, RateTable.for_month(period), terms.values())
        moved = {pk: current[terms[pk]] for pk in old if current[terms[pk]].pk != pk}
        if not moved:
            continue
        result.prices_revised += len({p.pk for p in moved.values()})
        reason = _("Re-priced at the rules in force for %(period)s (%(rules)s).") % {
            "period": format_period(period),
            "rules": _rules_named(moved.values()),
        }
        unpaid = lines.filter(price_id__in=moved, bill__paid_amount=0)
        before = dict(
            Bill.objects.filter(pk__in=unpaid.values("bill_id")).values_list("pk", "lines_amount")
        )
        for old_pk, price in moved.items():
            result.lines_repriced += unpaid.filter(price_id=old_pk).update(
                price=price,
                employer_amount=price.employer_amount,
                worker_amount=price.worker_amount,
                amount=price.amount,
            )
        # Credits already on these bills may now exceed them: they wait for another bill.
        bill_credits_release(before)
        bills_refresh(Bill.objects.filter(pk__in=before))
        after = dict(Bill.objects.filter(pk__in=before).values_list("pk", "lines_amount"))
        changed = [pk for pk in before if before[pk] != after[pk]]
        BillEvent.objects.bulk_create(
            BillEvent(
                bill_id=pk,
                action=BillEvent.Action.REPRICED,
                actor=actor,
                changes={"lines_amount": [before[pk], after[pk]]},
                reason=reason,
            )
            for pk in changed
        )
        result.bills_repriced += len(changed)
        touched.update(before)
        paid_bills.update(
            lines.filter(price_id__in=moved, bill__paid_amount__gt=0).values_list(
                "bill_id", flat=True
            )
        )
    total = len(months) + len(paid_bills)
    if on_progress:
        on_progress(len(months), total)
    for done, bill in enumerate(
        Bill.objects.filter(pk__in=paid_bills).select_related("village").order_by("period", "pk"),
        start=len(months) + 1,
    ):
        for adjustment in _adjust_paid_bill(bill, actor=actor):
            result.adjustments += 1
            if adjustment.amount < 0:
                result.credit -= adjustment.amount
            else:
                result.debit += adjustment.amount
        if on_progress:
            on_progress(done, total)
    if touched:
        bills_flag_over_budget(Bill.objects.filter(pk__in=touched))
    return result


def _adjust_paid_bill(bill: Bill, *, actor) -> list[BillAdjustment]:
    """What ``bill`` (paid, never edited) should have cost at today's rules, less what it
    was billed and what earlier re-pricings already adjusted, onto the next open bill."""
    table = RateTable.for_month(bill.period)
    prices = defaultdict(int)
    for price_id in bill.lines.values_list("price_id", flat=True):
        prices[price_id] += 1
    olds = Price.objects.in_bulk(list(prices))
    current = prices_for(bill.period, table, [terms_of_price(p) for p in olds.values()])
    should_be = sum(current[terms_of_price(olds[pk])].amount * n for pk, n in prices.items())
    adjusted = bill.adjustments_caused.aggregate(s=Sum("amount"))["s"] or 0
    difference = should_be - bill.lines_amount - adjusted
    if not difference:
        return []
    rules = _rules_named(current.values())
    kind = _("credit") if difference < 0 else _("debit")
    reason = _(
        "A %(kind)s of %(amount)s for %(period)s, already paid: re-priced at the rules in "
        "force for that month (%(rules)s)."
    ) % {
        "kind": kind,
        "amount": format_rupiah(abs(difference)),
        "period": format_period(bill.period),
        "rules": rules,
    }
    return bill_adjustment_place(bill, difference, reason=reason, actor=actor)[0]
