"""Payments against bills: append-only, reviewed, reversed by an opposite entry."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from members.models import FundingSource


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
    bill = models.ForeignKey(
        "contributions.Bill", on_delete=models.PROTECT, related_name="payments"
    )
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
