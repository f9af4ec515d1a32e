"""Budgets: what a village sets aside each year for premiums, per funding source."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jamsostek.core.errors import ApplicationError, ConflictError
from members import rules
from villages.models import Region

from ..models import Bill, Budget
from .billing.totals import bills_flag_over_budget


def _check_source(village: Region, funding_source: str) -> None:
    for attr, message, code in rules.funding_refusals(village, funding_source):
        raise ApplicationError(message, code=code, attr=attr)


@transaction.atomic
def budget_create(*, actor, village: Region, year: int, funding_source: str, amount: int) -> Budget:
    _check_source(village, funding_source)
    try:
        with transaction.atomic():
            budget = Budget.objects.create(
                village=village,
                year=year,
                funding_source=funding_source,
                amount=amount,
                updated_by=actor,
            )
    except IntegrityError as exc:
        raise ConflictError(
            _("%(village)s already has a %(year)s budget from this source: change that one.")
            % {"village": village.name, "year": year},
            code="budget_exists",
        ) from exc
    bills_flag_over_budget(Bill.objects.filter(village=village, period__year=year))
    return budget


@transaction.atomic
def budget_update(*, actor, budget: Budget, amount: int) -> Budget:
    budget.amount = amount
    budget.updated_by = actor
    budget.save(update_fields=["amount", "updated_by", "updated_at"])
    bills_flag_over_budget(Bill.objects.filter(village=budget.village, period__year=budget.year))
    return budget
