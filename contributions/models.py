"""Rates, bills, payments, budgets and benefit claims: the money side."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import FundingSource, Program, RiskClass, Segment


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


# --- bills ------------------------------------------------------------------------------


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
                condition=Q(amount=models.F("lines_amount") + models.F("penalty_amount")),
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


class BillLine(models.Model):
    """One enrollment's contribution in a bill, per program with both shares."""

    SCOPE_PATH = "bill__village"

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="lines")
    enrollment = models.ForeignKey(
        "members.Enrollment", on_delete=models.PROTECT, related_name="bill_lines"
    )
    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="bill_lines"
    )
    period = models.DateField(_("period"))
    # {program: {"employer": n, "worker": n}} at the rates in force on the period's first day.
    detail = models.JSONField(_("per program"))
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
        return f"{self.bill_id}: {self.member_id} {self.amount}"


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


class PaymentMethod(models.TextChoices):
    TRANSFER = "transfer", _("Bank transfer")
    VIRTUAL_ACCOUNT = "virtual_account", _("Virtual account")
    CASH = "cash", _("Cash")
    OTHER = "other", _("Other")


class PaymentStatus(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("Pending review")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    REVERSED = "reversed", _("Reversed")


# Payments that count toward a bill.
COUNTED_STATUSES = [PaymentStatus.PENDING_REVIEW, PaymentStatus.VERIFIED]


class Payment(models.Model):
    """Money a village says it paid against a bill. Never edited or deleted: a mistake is
    reversed by an entry of the opposite sign (``reversal_of``), and the review (verify or
    reject) is recorded once, by someone other than who recorded it."""

    SCOPE_PATH = "village"

    village = models.ForeignKey(
        "villages.Region", on_delete=models.PROTECT, related_name="payments"
    )
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="payments")
    amount = models.BigIntegerField(_("amount"), help_text=_("Negative for a reversal."))
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(_("method"), max_length=16, choices=PaymentMethod.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    funding_source = models.CharField(
        _("funding source"), max_length=10, choices=FundingSource.choices
    )
    note = models.TextField(_("note"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to="evidence/%Y/%m/", blank=True)
    status = models.CharField(
        _("status"),
        max_length=14,
        choices=PaymentStatus.choices,
        default=PaymentStatus.PENDING_REVIEW,
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True)
    reversal_of = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversal"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["bill", "status"], name="payment_bill_status_idx")]
        constraints = [
            models.CheckConstraint(
                name="payment_sign_matches_kind",
                condition=Q(reversal_of__isnull=True, amount__gt=0)
                | Q(reversal_of__isnull=False, amount__lt=0),
            ),
            models.CheckConstraint(
                name="payment_status_valid", condition=Q(status__in=PaymentStatus.values)
            ),
            models.CheckConstraint(
                name="payment_reviewer_is_not_recorder",
                condition=Q(verified_by__isnull=True) | ~Q(verified_by=models.F("recorded_by")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bill_id}: {self.amount} ({self.status})"


class PaymentEvent(models.Model):
    """The audit trail of a payment: recorded, verified, rejected, reversed."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(_("action"), max_length=10)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)
    related = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        ordering = ["payment_id", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.payment_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


# --- budgets and benefits ---------------------------------------------------------------


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


class Benefit(models.TextChoices):
    JKM = "jkm", _("Death benefit (JKM)")
    JKK = "jkk", _("Work accident benefit (JKK)")
    JHT = "jht", _("Old-age savings paid out (JHT)")
    JP = "jp", _("Pension (JP)")
    BEASISWA = "beasiswa", _("Scholarship for children (beasiswa)")


class BenefitDefault(models.Model):
    """The usual amount of a benefit, dated (the JKM death benefit: Rp 42,000,000)."""

    benefit = models.CharField(_("benefit"), max_length=10, choices=Benefit.choices)
    amount = models.PositiveBigIntegerField(_("amount"))
    effective_from = models.DateField(_("effective from"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("benefit default")
        verbose_name_plural = _("benefit defaults")
        ordering = ["benefit", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["benefit", "effective_from"], name="benefitdefault_one_per_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.benefit} {self.amount} from {self.effective_from}"


class BenefitClaim(models.Model):
    """A benefit BPJS paid to a member's beneficiary."""

    SCOPE_PATH = "member__village"

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="claims")
    benefit = models.CharField(_("benefit"), max_length=10, choices=Benefit.choices)
    event_date = models.DateField(_("event date"))
    amount = models.PositiveBigIntegerField(_("amount"))
    paid_on = models.DateField(_("paid on"))
    beneficiary_name = models.CharField(_("beneficiary"), max_length=150)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("benefit claim")
        verbose_name_plural = _("benefit claims")
        ordering = ["-paid_on", "-pk"]
        constraints = [
            models.CheckConstraint(name="benefitclaim_amount_positive", condition=Q(amount__gt=0)),
            # A person dies once: one death benefit per member.
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(benefit="jkm"),
                name="benefitclaim_one_jkm_per_member",
            ),
            models.CheckConstraint(
                name="benefitclaim_paid_after_event",
                condition=Q(paid_on__gte=models.F("event_date")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.benefit} {self.amount}"


# --- reminders --------------------------------------------------------------------------


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    GATEWAY = "gateway", _("SMS/WhatsApp gateway")


class Delivery(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(models.Model):
    """The outbox: one row per recipient, channel and reminder key, so a reminder planned
    twice (a repeated or resumed run) exists, and is sent, once."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    key = models.CharField(
        _("reminder key"), max_length=200, help_text=_("e.g. arrears:33.26.13.2008:2026-11:bpu:due")
    )
    kind = models.CharField(_("kind"), max_length=10)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    data = models.JSONField(_("data"), default=dict)
    status = models.CharField(
        _("delivery"), max_length=8, choices=Delivery.choices, default=Delivery.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
            models.Index(fields=["recipient", "channel", "read_at"], name="notification_inbox_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "channel", "key"],
                name="notification_once_per_recipient_channel_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.channel} {self.key}"
