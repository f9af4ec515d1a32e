"""Delivering the outbox's notifications, one at a time, with retries and backoff; and
marking an in-app one read. reminders.py plans what goes into the outbox.

Delivery claims a row (``sending``) before sending and marks it ``sent`` after; failures
go back to ``pending`` with exponential backoff until ``NOTIFY_MAX_ATTEMPTS``. A row left
``sending`` by a crash is retried after ``NOTIFY_STALE_MINUTES`` (and given up once its
claims reached ``NOTIFY_MAX_ATTEMPTS``): the gateway receives the notification's ``id`` to
drop such a repeat.
"""

from __future__ import annotations

import datetime
import http.client
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from ..models import Channel, Delivery, Notification

log = logging.getLogger(__name__)


class TransientError(Exception):
    """A failure worth retrying (timeouts, 5xx, 429, a garbled answer, the mail server down)."""


class Undeliverable(Exception):
    """A message that must not go out any more (its recipient was deactivated)."""


def _send(notification: Notification) -> None:
    user = notification.recipient
    if not user.is_active:
        # Queued while the account was active: a deactivated user (someone who left the
        # village office) gets no more of its reminders, whatever the channel.
        raise Undeliverable("recipient deactivated")
    if notification.channel == Channel.EMAIL:
        try:
            send_mail(
                notification.subject, notification.body, settings.DEFAULT_FROM_EMAIL, [user.email]
            )
        except OSError as exc:
            raise TransientError(str(exc)) from exc
    elif notification.channel == Channel.GATEWAY:
        _post_gateway(notification)


def gateway_payload(notification: Notification) -> dict:
    """The JSON posted to NOTIFY_GATEWAY_URL (see README: a retry repeats the same ``id``)."""
    return {
        "id": notification.pk,
        "key": notification.key,
        "kind": notification.kind,
        "to": notification.recipient.phone,
        "channel": settings.NOTIFY_GATEWAY_CHANNEL,
        "subject": notification.subject,
        "text": notification.body,
        "data": notification.data,
    }


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is recorded as the gateway's answer. Following it would re-send the POST as a
    GET without the message (taking the token along), and count that as delivered."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError(code)


def _post_gateway(notification: Notification) -> None:
    request = urllib.request.Request(
        settings.NOTIFY_GATEWAY_URL,
        data=json.dumps(gateway_payload(notification)).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {settings.NOTIFY_GATEWAY_TOKEN}",
            "Idempotency-Key": f"notification-{notification.pk}",
        },
        method="POST",
    )
    try:
        opener = urllib.request.build_opener(_NoRedirect)
        with opener.open(request, timeout=10):  # a configured URL
            return
    except urllib.error.HTTPError as exc:
        if exc.code == 429 or exc.code >= 500:
            raise TransientError(f"gateway answered {exc.code}") from exc
        raise  # a 3xx or 4xx will not get better by retrying
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as exc:
        # HTTPException: an answer that is not HTTP (a proxy's hiccup), like a dropped line.
        raise TransientError(str(exc) or type(exc).__name__) from exc


def _claim(pk: int, now) -> Notification | None:
    with transaction.atomic():
        notification = (
            # Lock the notification only: the join would lock the recipient's user row too,
            # and skip the row whenever anything else holds that user (a login, an edit).
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient")
            .filter(pk=pk, status=Delivery.PENDING)
            .first()
        )
        if notification is None:
            return None
        notification.status = Delivery.SENDING
        notification.attempts += 1
        notification.next_attempt_at = now
        notification.save(update_fields=["status", "attempts", "next_attempt_at", "updated_at"])
        return notification


def notifications_deliver(*, now=None, limit: int = 500) -> dict[str, int]:
    """Send what is due: each row claimed, sent, then marked, one at a time."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(minutes=settings.NOTIFY_STALE_MINUTES)
    abandoned = Notification.objects.filter(status=Delivery.SENDING, next_attempt_at__lt=stale)
    # A claim counts as an attempt: a row that stopped the worker that often is given up,
    # rather than claimed (and crashing a worker) forever.
    abandoned.filter(attempts__gte=settings.NOTIFY_MAX_ATTEMPTS).update(
        status=Delivery.FAILED,
        last_error="no answer: the worker stopped while sending, on every attempt",
        updated_at=timezone.now(),
    )
    abandoned.update(status=Delivery.PENDING, updated_at=timezone.now())
    due = list(
        Notification.objects.filter(status=Delivery.PENDING, next_attempt_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for pk in due:
        notification = _claim(pk, now)
        if notification is None:
            continue  # another worker has it
        update = {"updated_at": timezone.now()}
        try:
            _send(notification)
        except TransientError as exc:
            if notification.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                update.update(status=Delivery.FAILED, last_error=str(exc)[:2000])
                counts["failed"] += 1
            else:
                backoff = datetime.timedelta(minutes=2**notification.attempts)
                update.update(
                    status=Delivery.PENDING,
                    last_error=str(exc)[:2000],
                    next_attempt_at=now + backoff,
                )
                counts["retry"] += 1
        except Exception as exc:  # noqa: BLE001 - a permanent refusal: record, don't retry
            log.warning("notification %s failed: %s", pk, exc)
            update.update(status=Delivery.FAILED, last_error=str(exc)[:2000])
            counts["failed"] += 1
        else:
            update.update(status=Delivery.SENT, sent_at=timezone.now(), last_error="")
            counts["sent"] += 1
        Notification.objects.filter(pk=pk).update(**update)
    return counts


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark an in-app reminder read; a second mark keeps the first one's time."""
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now, updated_at=now
        )
        notification.refresh_from_db()
    return notification
