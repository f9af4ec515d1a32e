"""Benefit claims BPJS paid, and the benefits' default amounts."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
