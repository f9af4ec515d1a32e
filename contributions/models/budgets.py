"""Budgets: what a village sets aside each year for premiums, per funding source."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import FundingSource


class Budget(models.Model):
    """What a village set aside for premiums in a year from one funding source."""

    SCOPE_PATH = "village"

    village = models.ForeignKey("villages.Region", on_delete=models.PROTECT, related_name="budgets")
    year = models.PositiveSmallIntegerField(_("year"))
    funding_source = models.CharField(
        _("funding source"), max_length=10, choices=FundingSource.choices
    )
    amount = models.PositiveBigIntegerField(_("amount"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["-year", "village_id", "funding_source"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year", "funding_source"],
                name="budget_one_per_village_year_source",
            ),
            models.CheckConstraint(
                name="budget_year_plausible", condition=Q(year__gte=2015, year__lte=2100)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.year} {self.funding_source}: {self.amount}"
