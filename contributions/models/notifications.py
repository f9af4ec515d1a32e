"""The reminders' outbox: one row per recipient, channel and reminder key."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
