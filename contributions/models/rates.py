"""The rate schedule: what a program costs a segment per month, as dated rows; the reliefs
beside them; the sector each occupation belongs to; who changed which row."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import Occupation, Program, RiskClass, Segment


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

    # What a row is made of: added whole, never edited (only its end can come earlier).
    FIGURES = [
        "program",
        "segment",
        "risk_class",
        "basis",
        "employer_value",
        "worker_value",
        "base_min",
        "base_max",
        "effective_from",
        "source",
    ]

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


class OccupationSector(models.Model):
    """The sector a participant works in, by occupation: reliefs are given per sector.

    A blank ``occupation`` is the row for members with none (the village's officials).
    Data, not code: a new regulation's sectors are new rows.
    """

    occupation = models.CharField(
        _("occupation"), max_length=20, choices=Occupation.choices, blank=True, unique=True
    )
    sector = models.CharField(_("sector"), max_length=30)
    source = models.CharField(_("source"), max_length=300, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("sector of an occupation")
        verbose_name_plural = _("sectors of occupations")
        ordering = ["occupation"]

    def __str__(self) -> str:
        return f"{self.occupation or '-'} → {self.sector}"


class Relief(models.Model):
    """A reduction of what some participants pay for some programs, for the contribution
    months from ``effective_from`` to ``effective_to`` (PP 50/2025: BPU pay half of JKK and
    JKM). It applies to a segment's participants in one of ``sectors`` (every sector when
    empty) whose enrollment is not funded from one of ``excluded_funding_sources``, to each
    of ``programs``, both shares, before each program is rounded.
    """

    FIGURES = [
        "name",
        "segment",
        "programs",
        "percent_off",
        "sectors",
        "excluded_funding_sources",
        "effective_from",
        "source",
        "note",
    ]

    name = models.CharField(_("name"), max_length=120)
    segment = models.CharField(_("segment"), max_length=3, choices=Segment.choices)
    programs = models.JSONField(_("programs"), default=list)
    percent_off = models.DecimalField(_("percent off"), max_digits=5, decimal_places=2)
    sectors = models.JSONField(_("sectors"), default=list, blank=True)
    excluded_funding_sources = models.JSONField(
        _("excluded funding sources"), default=list, blank=True
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective to"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=300)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("relief")
        verbose_name_plural = _("reliefs")
        ordering = ["segment", "effective_from", "pk"]
        constraints = [
            models.CheckConstraint(
                name="relief_period_in_order",
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
            ),
            models.CheckConstraint(
                name="relief_percent_off_within_0_100",
                condition=Q(percent_off__gt=0, percent_off__lte=100),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.percent_off}% from {self.effective_from})"


class RuleChange(models.Model):
    """Who added or closed a rate or relief row, when, and on what authority."""

    class Action(models.TextChoices):
        CREATED = "created", _("Added")
        CLOSED = "closed", _("Closed")

    rate = models.ForeignKey(
        Rate, on_delete=models.PROTECT, null=True, blank=True, related_name="changes"
    )
    relief = models.ForeignKey(
        Relief, on_delete=models.PROTECT, null=True, blank=True, related_name="changes"
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict)

    class Meta:
        verbose_name = _("rule change")
        verbose_name_plural = _("rule changes")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="rulechange_one_row",
                condition=Q(rate__isnull=False, relief__isnull=True)
                | Q(rate__isnull=True, relief__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.rate_id or self.relief_id} at {self.at:%Y-%m-%d}"
