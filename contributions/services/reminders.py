"""Reminders: planned into the outbox (unique per recipient, channel and key); delivery,
with retries and backoff, is notifications.py's.

Planning, run daily, looks at what is unpaid and what ends soon:
- a bill group (village, period, segment) still unpaid: a few days before its due date
  (``before``), on it (``due``), and after it while unpaid (``after-1``, ``after-7``,
  ``after-14``, ``after-30``), to the village's operators;
- once a month, a digest of the regency's villages in arrears to its pmd_auditors;
- 30 days before a role's term ends, to the village's operators.
A key names the stage, so a run that is repeated or resumed plans nothing twice.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
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
from .notifications import notifications_deliver

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


def reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Each morning: plan the day's reminders into the outbox, then deliver what is due."""
    planned = reminders_plan(today=today).planned
    return {"planned": planned, **notifications_deliver()}
