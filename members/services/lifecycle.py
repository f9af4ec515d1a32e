"""The enrollment lifecycle: every status change, by the table in ``members.rules``.

One enrollment at a time (submit, activate, reactivate, end) goes through
:func:`enrollment_transition`; the nightly lapse of many at once through
:func:`enrollments_lapse`, the lapse's only writer; roles past their term end (and the
enrollments no role keeps any more) through :func:`roles_end_expired`. Each change writes
a history entry and tells the apps above (``members.signals``).
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jamsostek.core.errors import ApplicationError, ConflictError
from villages.signals import figures_changed

from .. import rules, signals
from ..models import EndReason, Enrollment, Member, MemberEvent, MemberRole, Status
from ..selectors import enrollment_open
from .history import as_json, member_event_record, member_touch, role_json


@transaction.atomic
def enrollment_transition(
    *,
    enrollment: Enrollment,
    to: str,
    actor,
    reason: str = "",
    kpj_number: str | None = None,
    effective_from: datetime.date | None = None,
    ended_on: datetime.date | None = None,
    end_reason: str | None = None,
    action: str | None = None,
) -> Enrollment:
    """Move one enrollment along the lifecycle, by ``members.rules.TRANSITIONS`` only.

    ``action`` names what the caller means (``"activate"``): a pair the table gives another
    name (lapsed → active is a reactivation, by paying arrears) is then refused too. A
    lapse is not made here: the nightly rules lapse through :func:`enrollments_lapse`.
    """
    enrollment = (
        Enrollment.objects.select_for_update().select_related("member").get(pk=enrollment.pk)
    )
    source = enrollment.status
    allowed = rules.transition_action(source, to)
    if allowed == rules.LAPSE:
        raise ValueError("An enrollment lapses through enrollments_lapse (the nightly rules).")
    if allowed is None or (action is not None and action != allowed):
        raise ApplicationError(
            _("An enrollment that is %(from)s cannot become %(to)s.")
            % {"from": Status(source).label.lower(), "to": Status(to).label.lower()},
            code="invalid_transition",
            status_code=409,
        )
    action = allowed
    changes: dict[str, list] = {"status": [source, to]}
    if action == "activate":
        # A KPJ number is a person's card: theirs again when they come back, nobody else's.
        if (
            Enrollment.objects.filter(kpj_number=kpj_number)
            .exclude(member_id=enrollment.member_id)
            .exists()
        ):
            raise ConflictError(
                _("KPJ number %(kpj)s belongs to another participant.") % {"kpj": kpj_number},
                code="kpj_taken",
            )
        if effective_from < enrollment.member.birth_date:
            raise ApplicationError(
                _("Coverage cannot start before the member was born."),
                code="invalid_date",
                attr="effective_from",
            )
        changes["kpj_number"] = [enrollment.kpj_number, kpj_number]
        changes["effective_from"] = [as_json(enrollment.effective_from), as_json(effective_from)]
        enrollment.kpj_number = kpj_number
        enrollment.effective_from = effective_from
    elif action == "reactivate":
        changes["lapsed_on"] = [as_json(enrollment.lapsed_on), None]
        enrollment.lapsed_on = None
    elif action == "end":
        if ended_on > timezone.localdate():
            raise ApplicationError(
                _("The end date cannot be in the future."), code="invalid_date", attr="date"
            )
        if enrollment.effective_from and ended_on < enrollment.effective_from:
            raise ApplicationError(
                _("The end date cannot come before coverage started."),
                code="invalid_date",
                attr="date",
            )
        enrollment.ended_on, enrollment.end_reason = ended_on, end_reason
        changes["end_reason"] = [None, end_reason]
        changes["ended_on"] = [None, as_json(ended_on)]
        enrollment.member.roles.filter(ended_on__isnull=True).update(ended_on=ended_on)
    enrollment.status = to
    try:
        with transaction.atomic():
            enrollment.save()
    except IntegrityError as exc:
        # Only a KPJ taken meanwhile by a concurrent activation is the caller's conflict.
        taken = kpj_number and (
            Enrollment.objects.filter(kpj_number=kpj_number).exclude(pk=enrollment.pk).exists()
        )
        if not taken:
            raise
        raise ConflictError(
            _("KPJ number %(kpj)s belongs to another participant.") % {"kpj": kpj_number},
            code="kpj_taken",
        ) from exc
    member_touch(enrollment.member)
    if action == "end":
        # Its unpaid bills of later months go (contributions).
        signals.enrollment_ended.send(sender=Enrollment, enrollment=enrollment)
    if action in ("activate", "reactivate"):
        # The months it is now covered for are billed (a mid-month activation joins that bill).
        signals.enrollment_activated.send(sender=Enrollment, enrollment=enrollment)
    member_event_record(
        enrollment.member,
        actor=actor,
        action=MemberEvent.Action.STATUS,
        changes=changes,
        reason=reason or (EndReason(end_reason).label if end_reason else ""),
        enrollment=enrollment,
    )
    return enrollment


def enrollment_submit(*, actor, member: Member) -> Enrollment:
    enrollment = _open_enrollment_or_error(member)
    return enrollment_transition(enrollment=enrollment, to=Status.SUBMITTED, actor=actor)


def enrollment_activate(
    *, actor, member: Member, kpj_number: str, effective_from: datetime.date
) -> Enrollment:
    enrollment = _open_enrollment_or_error(member)
    return enrollment_transition(
        enrollment=enrollment,
        to=Status.ACTIVE,
        actor=actor,
        kpj_number=kpj_number,
        effective_from=effective_from,
        action="activate",
    )


def enrollment_end(
    *, actor, member: Member, reason: str, date: datetime.date, note: str = ""
) -> Enrollment:
    enrollment = _open_enrollment_or_error(member)
    return enrollment_transition(
        enrollment=enrollment,
        to=Status.ENDED,
        actor=actor,
        ended_on=date,
        end_reason=reason,
        reason=note,
    )


def _open_enrollment_or_error(member: Member) -> Enrollment:
    enrollment = enrollment_open(member)
    if enrollment is None:
        raise ApplicationError(
            _("This member has no open enrollment."), code="no_enrollment", status_code=409
        )
    return enrollment


def enrollments_lapse(*, ids, on: datetime.date, reasons: dict[int, str]) -> int:
    """Lapse many active enrollments at once (the nightly rules): the lifecycle's
    active → lapsed step as a few set-based statements per chunk, each with its history."""
    ids = list(ids)
    now = timezone.now()
    lapsed = 0
    for start in range(0, len(ids), 1000):
        with transaction.atomic():
            rows = list(
                Enrollment.objects.select_for_update()
                .filter(pk__in=ids[start : start + 1000], status__in=rules.sources_of(rules.LAPSE))
                .values_list("pk", "member_id", "member__village_id")
            )
            if not rows:
                continue
            Enrollment.objects.filter(pk__in=[pk for pk, _m, _v in rows]).update(
                status=Status.LAPSED, lapsed_on=on, updated_at=now
            )
            Member.objects.filter(pk__in=[m for _p, m, _v in rows]).update(updated_at=now)
            MemberEvent.objects.bulk_create(
                MemberEvent(
                    member_id=member,
                    enrollment_id=pk,
                    actor=None,
                    action=MemberEvent.Action.STATUS,
                    changes={
                        "status": [Status.ACTIVE, Status.LAPSED],
                        "lapsed_on": [None, on.isoformat()],
                    },
                    reason=reasons.get(pk, ""),
                )
                for pk, member, _v in rows
            )
            figures_changed.send(
                sender=Enrollment, village_ids={village for _p, _m, village in rows}
            )
            lapsed += len(rows)
    return lapsed


def roles_end_expired(*, today: datetime.date | None = None) -> dict[str, int]:
    """End roles whose term has passed; end the enrollments no open role keeps any more.

    The roles end set-based, on their ``term_end``, each member with one history entry
    (``roles`` before → after, no actor), ``updated_at`` bumped for the apps' sync and the
    village's progress marked stale; each enrollment left without a role then ends through
    the lifecycle as ``term_ended``. One transaction: a crash leaves all or nothing, and a
    second run finds nothing left to end.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    with transaction.atomic():
        expired = list(
            MemberRole.objects.select_for_update()
            .filter(ended_on__isnull=True, term_end__lt=today)
            .values_list("pk", "member_id")
        )
        if not expired:
            return {"roles": 0, "enrollments": 0}
        members = {member for _pk, member in expired}
        ending = {pk for pk, _m in expired}
        before: dict[int, list[dict]] = {pk: [] for pk in members}
        after: dict[int, list[dict]] = {pk: [] for pk in members}
        for row in (
            MemberRole.objects.filter(member_id__in=members)
            .order_by("pk")
            .values("pk", "member_id", "category", "position", "term_start", "term_end", "ended_on")
        ):
            pk, member = row.pop("pk"), row.pop("member_id")
            before[member].append(row)
            after[member].append({**row, "ended_on": row["term_end"]} if pk in ending else row)
        roles = MemberRole.objects.filter(pk__in=ending).update(ended_on=F("term_end"))
        Member.objects.filter(pk__in=members).update(updated_at=now)
        MemberEvent.objects.bulk_create(
            [
                MemberEvent(
                    member_id=member,
                    actor=None,
                    action=MemberEvent.Action.UPDATED,
                    changes={
                        "roles": [
                            [role_json(r) for r in before[member]],
                            [role_json(r) for r in after[member]],
                        ]
                    },
                    reason=_("Term ended"),
                )
                for member in sorted(members)
            ],
            batch_size=1000,
        )
        figures_changed.send(
            sender=MemberRole,
            village_ids=Member.objects.filter(pk__in=members).values_list("village_id", flat=True),
        )
        orphaned = (
            Enrollment.objects.filter(
                member_id__in=members, status__in=[Status.SUBMITTED, Status.ACTIVE, Status.LAPSED]
            )
            .exclude(member__roles__ended_on__isnull=True)
            .select_related("member")
        )
        ended = 0
        for enrollment in orphaned:
            last = max(r["term_end"] for r in after[enrollment.member_id] if r["term_end"])
            on = max(last, enrollment.effective_from or last)
            enrollment_transition(
                enrollment=enrollment,
                to=Status.ENDED,
                actor=None,
                ended_on=min(on, today),
                end_reason=EndReason.TERM_ENDED,
            )
            ended += 1
    return {"roles": roles, "enrollments": ended}
