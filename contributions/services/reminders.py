"""Reminders: planned into the outbox (unique per recipient, channel and key), then
delivered with retries and backoff.

Planning, run daily, looks at what is unpaid and what ends soon:
- a bill group (village, period, segment) still unpaid: a few days before its due date
  (``before``), on it (``due``), and after it while unpaid (``after-1``, ``after-7``,
  ``after-14``, ``after-30``), to the village's operators;
- once a month, a digest of the regency's villages in arrears to its pmd_auditors;
- 30 days before a role's term ends, to the village's operators.
A key names the stage, so a run that is repeated or resumed plans nothing twice.

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
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from jamsostek.core.choices import Role
from jamsostek.core.money import format_rupiah
from members.models import MemberRole

from ..models import Bill, BillStatus, Channel, Delivery, Notification
from ..periods import format_period

log = logging.getLogger(__name__)

BEFORE_DAYS = 3
AFTER_STAGES = [30, 14, 7, 1]  # days after the due date, largest first
TERM_NOTICE_DAYS = 30


@dataclass
class PlanResult:
    planned: int = 0


def _stage(due: datetime.date, today: datetime.date) -> str | None:
    days = (due - today).days
    if 1 <= days <= BEFORE_DAYS:
        return "before"
    if days == 0:
        return "due"
    for threshold in AFTER_STAGES:
        if -days >= threshold:
            return f"after-{threshold}"
    return None


def _channels(user: User) -> list[str]:
    channels = [Channel.IN_APP]
    if user.email:
        channels.append(Channel.EMAIL)
    if user.phone and getattr(settings, "NOTIFY_GATEWAY_URL", ""):
        channels.append(Channel.GATEWAY)
    return channels


def _outbox(rows: list[tuple[User, str, str, str, str, dict]]) -> int:
    """Queue (recipient, key, kind, subject, body, data) on each of the recipient's channels;
    keys already queued are skipped by the unique constraint."""
    now = timezone.now()
    notifications = [
        Notification(
            recipient=user,
            channel=channel,
            key=key,
            kind=kind,
            subject=subject,
            body=body,
            data=data,
            next_attempt_at=now,
            # In the app, queuing is delivering: it shows in /notifications/ at once.
            status=Delivery.SENT if channel == Channel.IN_APP else Delivery.PENDING,
            sent_at=now if channel == Channel.IN_APP else None,
        )
        for user, key, kind, subject, body, data in rows
        for channel in _channels(user)
    ]
    before = Notification.objects.count()
    Notification.objects.bulk_create(notifications, batch_size=1000, ignore_conflicts=True)
    return Notification.objects.count() - before


def _operators(village_ids) -> dict[int, list[User]]:
    found: dict[int, list[User]] = defaultdict(list)
    for user in User.objects.filter(
        role=Role.VILLAGE_OPERATOR, is_active=True, scope_id__in=village_ids
    ):
        found[user.scope_id].append(user)
    return found


@transaction.atomic
def reminders_plan(*, today: datetime.date | None = None) -> PlanResult:
    """Queue today's reminders; running it again the same day (or resuming) adds nothing."""
    today = today or timezone.localdate()
    with translation.override("id"):
        rows = _bill_reminders(today) + _digests(today) + _term_reminders(today)
        return PlanResult(planned=_outbox(rows))


def _bill_reminders(today: datetime.date) -> list[tuple]:
    groups = (
        Bill.objects.filter(
            status__in=[BillStatus.OPEN, BillStatus.PARTIALLY_PAID, BillStatus.OVERDUE],
            due_date__gte=today - datetime.timedelta(days=400),
            due_date__lte=today + datetime.timedelta(days=BEFORE_DAYS),
        )
        .values("village_id", "village__code", "village__name", "period", "segment", "due_date")
        .annotate(outstanding=Sum(F("amount") - F("paid_amount")))
        .filter(outstanding__gt=0)
    )
    groups = [g for g in groups if _stage(g["due_date"], today)]
    operators = _operators({g["village_id"] for g in groups})
    rows = []
    for g in groups:
        stage = _stage(g["due_date"], today)
        period = format_period(g["period"])
        key = f"arrears:{g['village__code']}:{period}:{g['segment']}:{stage}"
        values = {
            "village": g["village__name"],
            "period": period,
            "segment": g["segment"].upper(),
            "amount": format_rupiah(g["outstanding"]),
            "due": g["due_date"].strftime("%d-%m-%Y"),
        }
        if stage == "before":
            subject = _("Contributions due on %(due)s") % values
            body = (
                _(
                    "The %(segment)s contributions of %(village)s for %(period)s, "
                    "%(amount)s, are due on %(due)s."
                )
                % values
            )
        elif stage == "due":
            subject = _("Contributions due today") % values
            body = (
                _(
                    "Today, %(due)s, is the last day to pay the %(segment)s contributions of "
                    "%(village)s for %(period)s: %(amount)s."
                )
                % values
            )
        else:
            subject = _("Contributions for %(period)s are overdue") % values
            body = (
                _(
                    "The %(segment)s contributions of %(village)s for %(period)s were due on "
                    "%(due)s and %(amount)s is still unpaid. Members lose protection while "
                    "contributions are unpaid; pay as soon as possible."
                )
                % values
            )
        data = {
            **values,
            "village_code": g["village__code"],
            "outstanding": g["outstanding"],
            "stage": stage,
        }
        rows += [
            (user, key, "arrears", subject, body, data)
            for user in operators.get(g["village_id"], [])
        ]
    return rows


def _digests(today: datetime.date) -> list[tuple]:
    month = format_period(today)
    per_village = (
        Bill.objects.filter(status=BillStatus.OVERDUE)
        .values("village__regency_id", "village__code", "village__name")
        .annotate(outstanding=Sum(F("amount") - F("paid_amount")))
        .order_by("-outstanding")
    )
    by_regency: dict[int, list[dict]] = defaultdict(list)
    for row in per_village:
        by_regency[row["village__regency_id"]].append(row)
    auditors = defaultdict(list)
    for user in User.objects.filter(
        role=Role.PMD_AUDITOR, is_active=True, scope_id__in=list(by_regency)
    ):
        auditors[user.scope_id].append(user)
    rows = []
    for regency_id, villages in by_regency.items():
        total = sum(v["outstanding"] for v in villages)
        lines = "\n".join(
            f"- {v['village__name']} ({v['village__code']}): {format_rupiah(v['outstanding'])}"
            for v in villages[:20]
        )
        values = {"count": len(villages), "amount": format_rupiah(total), "month": month}
        subject = _("Arrears digest %(month)s: %(count)s villages, %(amount)s") % values
        body = (
            _("%(count)s villages of your regency are in arrears, %(amount)s in all:") % values
            + "\n"
            + lines
        )
        data = {
            **values,
            "outstanding": total,
            "villages": [
                {"code": v["village__code"], "outstanding": v["outstanding"]} for v in villages
            ],
        }
        rows += [
            (user, f"digest:{user.scope.code}:{month}", "digest", subject, body, data)
            for user in auditors.get(regency_id, [])
        ]
    return rows


def _term_reminders(today: datetime.date) -> list[tuple]:
    roles = MemberRole.objects.select_related("member").filter(
        ended_on__isnull=True,
        term_end__gt=today,
        term_end__lte=today + datetime.timedelta(days=TERM_NOTICE_DAYS),
    )
    operators = _operators({role.member.village_id for role in roles})
    rows = []
    for role in roles:
        values = {
            "name": role.member.full_name,
            "position": role.position or role.get_category_display(),
            "end": role.term_end.strftime("%d-%m-%Y"),
        }
        subject = _("A term ends on %(end)s") % values
        body = (
            _(
                "The term of %(name)s as %(position)s ends on %(end)s. Register the "
                "successor so that the seat stays covered."
            )
            % values
        )
        rows += [
            (
                user,
                f"term:{role.pk}:{TERM_NOTICE_DAYS}d",
                "term",
                subject,
                body,
                {**values, "member": role.member_id, "role": role.pk},
            )
            for user in operators.get(role.member.village_id, [])
        ]
    return rows


# --- delivery ---------------------------------------------------------------------------


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


def reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Each morning: plan the day's reminders into the outbox, then deliver what is due."""
    planned = reminders_plan(today=today).planned
    return {"planned": planned, **notifications_deliver()}


def notification_mark_read(*, notification: Notification) -> Notification:
    """Mark an in-app reminder read; a second mark keeps the first one's time."""
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=now, updated_at=now
        )
        notification.refresh_from_db()
    return notification
