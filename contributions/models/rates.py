"""The rate schedule: what a program costs a segment per month, as dated rows."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import Program, RiskClass, Segment


class Basis(models.TextChoices):
    PERCENT_OF_INCOME = "percent_of_income", _("Percent of declared income")
    PERCENT_OF_WAGE = "percent_of_wage", _("Percent of wage")
    FLAT = "flat", _("Flat amount")


class Rate(models.Model):
    """What one program costs a segment per month, from ``effective_from`` to ``effective_to``.

    Percentages apply to the declared income (BPU) or wage (PU), first brought within
    [``base_min``, ``base_max``] when those are set: the BPU income brackets, the JP wage cap.
    A flat rate is an amount in rupiah. ``employer_value`` and ``worker_value`` are the two
    shares (for BPU there is no employer: the participant's share is the worker's).
    """

    program = models.CharField(_("program"), max_length=3, choices=Program.choices)
    segment = models.CharField(_("segment"), max_length=3, choices=Segment.choices)
    risk_class = models.CharField(  # noqa: DJ001 - null is the API's 'not applicable', checked by constraints
        _("risk class"),
        max_length=10,
        choices=RiskClass.choices,
        null=True,
        blank=True,
        help_text=_("PU JKK only: the rate of the work's risk class."),
    )
    basis = models.CharField(_("basis"), max_length=20, choices=Basis.choices)
    employer_value = models.DecimalField(
        _("employer share"), max_digits=12, decimal_places=4, default=0
    )
    worker_value = models.DecimalField(
        _("worker share"), max_digits=12, decimal_places=4, default=0
    )
    base_min = models.PositiveBigIntegerField(_("lowest base"), null=True, blank=True)
    base_max = models.PositiveBigIntegerField(_("highest base (cap)"), null=True, blank=True)
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("The regulation the figures come from."),
    )

    class Meta:
        verbose_name = _("rate")
        verbose_name_plural = _("rates")
        ordering = ["segment", "program", "risk_class", "effective_from"]
        constraints = [
            models.CheckConstraint(
                name="rate_period_in_order",
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
            ),
            models.CheckConstraint(
                name="rate_values_not_negative",
                condition=Q(employer_value__gte=0, worker_value__gte=0),
            ),
            models.CheckConstraint(
                name="rate_risk_class_only_for_pu_jkk",
                condition=Q(risk_class__isnull=True) | Q(segment="pu", program="jkk"),
            ),
            models.UniqueConstraint(
                fields=["program", "segment", "effective_from"],
                condition=Q(risk_class__isnull=True),
                name="rate_one_per_start",
            ),
            models.UniqueConstraint(
                fields=["program", "segment", "risk_class", "effective_from"],
                condition=Q(risk_class__isnull=False),
                name="rate_one_per_start_and_class",
            ),
        ]

    def __str__(self) -> str:
        rc = f" {self.risk_class}" if self.risk_class else ""
        return f"{self.segment} {self.program}{rc} from {self.effective_from}"

    @property
    def value(self):
        """Employer and worker shares together (the API's ``value``)."""
        return self.employer_value + self.worker_value
