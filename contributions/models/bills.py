"""Bills: what a village owes for a month, its lines per enrollment, late penalties."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import FundingSource, Segment


class BillStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    OVERDUE = "overdue", _("Overdue")
    VOID = "void", _("Void")


class Bill(models.Model):
    """What a village owes for one month, one funding source and one segment.

    PU and BPU are billed apart because they fall due apart (BPU by the 15th of the month
    itself, PU by the 15th of the next) and only PU is charged for lateness.
    ``paid_amount`` counts payments pending review and verified; ``status`` follows from it
    and the due date. Both are kept up to date by the services.
    """

    SCOPE_PATH = "village"

    village = models.ForeignKey("villages.Region", on_delete=models.PROTECT, related_name="bills")
    period = models.DateField(_("period"), help_text=_("The first day of the month billed."))
    funding_source = models.CharField(
        _("funding source"), max_length=10, choices=FundingSource.choices
    )
    segment = models.CharField(_("segment"), max_length=3, choices=Segment.choices)
    due_date = models.DateField(_("due date"))
    lines_amount = models.PositiveBigIntegerField(_("contributions"), default=0)
    penalty_amount = models.PositiveBigIntegerField(_("late penalty"), default=0)
    # Credits (negative) and debits from re-pricing bills already paid (BillAdjustment).
    adjustment_amount = models.BigIntegerField(_("adjustments"), default=0)
    amount = models.PositiveBigIntegerField(_("amount"), default=0)
    paid_amount = models.PositiveBigIntegerField(_("paid"), default=0)
    status = models.CharField(
        _("status"), max_length=14, choices=BillStatus.choices, default=BillStatus.OPEN
    )
    over_budget = models.BooleanField(
        _("over budget"),
        default=False,
        help_text=_("Billing this took the village past its budget for the year."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("bill")
        verbose_name_plural = _("bills")
        ordering = ["-period", "village_id", "segment", "funding_source"]
        indexes = [
            models.Index(fields=["village", "period"], name="bill_village_period_idx"),
            models.Index(fields=["status", "due_date"], name="bill_status_due_idx"),
            models.Index(fields=["village", "status"], name="bill_village_status_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "period", "funding_source", "segment"],
                name="bill_one_per_village_period_source_segment",
            ),
            models.CheckConstraint(
                name="bill_amount_adds_up",
                condition=Q(
                    amount=models.F("lines_amount")
                    + models.F("penalty_amount")
                    + models.F("adjustment_amount")
                ),
            ),
            models.CheckConstraint(
                name="bill_status_valid", condition=Q(status__in=BillStatus.values)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village_id} {self.period:%Y-%m} {self.segment}/{self.funding_source}"

    @property
    def outstanding(self) -> int:
        return max(self.amount - self.paid_amount, 0)


class Price(models.Model):
    """What one month costs one set of terms, priced once for all the lines that have them
    (a few hundred sets a month for a whole regency).

    The terms are the money-relevant part of an enrollment (absent income or wage: 0,
    absent risk class or occupation: blank). A price is never edited: when the rules of a
    month change, re-pricing gives those terms a new ``revision`` and moves the lines of
    unpaid bills to it; paid bills keep the price they were billed at.
    """

    period = models.DateField(_("period"))
    segment = models.CharField(_("segment"), max_length=3, choices=Segment.choices)
    programs = models.CharField(_("programs"), max_length=15, help_text=_("jkk,jkm,…"))
    declared_income = models.PositiveBigIntegerField(_("declared income"), default=0)
    wage = models.PositiveBigIntegerField(_("wage"), default=0)
    risk_class = models.CharField(_("risk class"), max_length=10, blank=True)
    funding_source = models.CharField(
        _("funding source"), max_length=10, choices=FundingSource.choices
    )
    occupation = models.CharField(_("occupation"), max_length=20, blank=True)
    revision = models.PositiveSmallIntegerField(_("revision"), default=1)
    # {program: {"employer": n, "worker": n, "normal": n, "relief": n}}: the shares due, both
    # shares without a relief, and what the relief took off, each program rounded half up.
    detail = models.JSONField(_("per program"))
    relief = models.ForeignKey(
        "contributions.Relief",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("relief"),
    )
    employer_amount = models.PositiveBigIntegerField(_("employer share"))
    worker_amount = models.PositiveBigIntegerField(_("worker share"))
    amount = models.PositiveBigIntegerField(_("amount"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        ordering = ["period", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "period",
                    "segment",
                    "programs",
                    "declared_income",
                    "wage",
                    "risk_class",
                    "funding_source",
                    "occupation",
                    "revision",
                ],
                name="price_one_per_month_terms_and_revision",
            ),
            models.CheckConstraint(
                name="price_amount_adds_up",
                condition=Q(amount=models.F("employer_amount") + models.F("worker_amount")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.segment} {self.programs} r{self.revision}: {self.amount}"


class BillLine(models.Model):
    """One enrollment's contribution in a bill, at a month's price for its terms.

    The table grows by one row per enrollment and month (15 M a month for the nation), so
    it holds only what the money needs: its bill (a foreign key), its enrollment (the member
    is the enrollment's), its month, its price (the per-program breakdown lives there, once
    per month and terms) and the amounts, guarded by the constraints below. The unique
    ``(enrollment, period)`` index also serves every lookup by enrollment, so the
    enrollment's foreign key has no index of its own.
    """

    SCOPE_PATH = "bill__village"

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="lines")
    # Checked by the database when deleted, not when a line is written: a foreign key's
    # check of each new row (1.5 M a month for a province) cost 15 s apiece, and every line
    # is written by a join on the enrollment and price it names (services/billing.py).
    # Deleting an enrollment or a price that has lines is refused by triggers on PostgreSQL
    # (migration 0012), as PROTECT refuses it in Django.
    enrollment = models.ForeignKey(
        "members.Enrollment",
        on_delete=models.PROTECT,
        related_name="bill_lines",
        db_index=False,
        db_constraint=False,
    )
    period = models.DateField(_("period"))
    price = models.ForeignKey(
        Price, on_delete=models.PROTECT, related_name="lines", db_constraint=False
    )
    employer_amount = models.PositiveBigIntegerField(_("employer share"))
    worker_amount = models.PositiveBigIntegerField(_("worker share"))
    amount = models.PositiveBigIntegerField(_("amount"))

    class Meta:
        verbose_name = _("bill line")
        verbose_name_plural = _("bill lines")
        ordering = ["bill_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "period"], name="billline_one_per_enrollment_and_month"
            ),
            models.CheckConstraint(
                name="billline_amount_adds_up",
                condition=Q(amount=models.F("employer_amount") + models.F("worker_amount")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id}: {self.enrollment_id} {self.amount}"


class BillPenalty(models.Model):
    """A late-payment charge put on ``bill`` for an earlier PU bill paid late or not yet."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="penalties")
    late_bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="penalties_caused")
    months = models.PositiveSmallIntegerField(_("months late charged"))
    percent = models.DecimalField(_("percent per month"), max_digits=5, decimal_places=2)
    amount = models.PositiveBigIntegerField(_("amount"))

    class Meta:
        verbose_name = _("late penalty")
        verbose_name_plural = _("late penalties")
        constraints = [
            models.UniqueConstraint(
                fields=["bill", "late_bill"], name="billpenalty_once_per_bill_pair"
            ),
        ]

    # --- payments ---------------------------------------------------------------------------

    def __str__(self) -> str:
        return f"{self.bill_id} <- {self.late_bill_id}: {self.amount}"


class BillAdjustment(models.Model):
    """A credit (negative) or debit put on a village's open bill: what re-pricing found a
    bill already paid or partly paid owed less or more. The paid bill is never edited.

    ``bill`` is the open bill it counts on, of the same village, funding source and segment;
    None while no open bill can take it (a credit larger than the bills there are): the next
    generation gives it one. A credit larger than its bill is split, the rest carried on.
    """

    origin = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="adjustments_caused")
    bill = models.ForeignKey(
        Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="adjustments"
    )
    amount = models.BigIntegerField(_("amount"), help_text=_("Negative: a credit."))
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("bill adjustment")
        verbose_name_plural = _("bill adjustments")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(name="billadjustment_not_zero", condition=~Q(amount=0)),
        ]

    def __str__(self) -> str:
        return f"{self.origin_id} → {self.bill_id}: {self.amount}"


class BillEvent(models.Model):
    """One entry of a bill's history: re-priced, adjusted; who, when, why, old → new."""

    class Action(models.TextChoices):
        REPRICED = "repriced", _("Re-priced")
        ADJUSTED = "adjusted", _("Adjusted")

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    changes = models.JSONField(_("changes"), default=dict)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("bill history entry")
        verbose_name_plural = _("bill history")
        ordering = ["bill_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.bill_id} {self.action} {self.at:%Y-%m-%d}"
