"""The history entry every change to a member writes, and the values it records."""

from __future__ import annotations

import datetime

from villages.signals import figures_changed

from ..models import Enrollment, Member, MemberEvent


def member_event_record(
    member: Member,
    *,
    actor,
    action: str,
    changes: dict | None = None,
    reason: str = "",
    enrollment: Enrollment | None = None,
) -> MemberEvent:
    """Write a history entry; every recorded change may move the village's figures."""
    figures_changed.send(sender=Member, village_ids=[member.village_id])
    return MemberEvent.objects.create(
        member=member,
        enrollment=enrollment,
        actor=actor,
        action=action,
        changes=changes or {},
        reason=reason,
    )


def as_json(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def role_json(role: dict) -> dict:
    return {k: as_json(v) for k, v in role.items()}


def terms_of(enrollment: Enrollment | None) -> dict:
    """The money-relevant terms of an enrollment, as the history and the checks read them."""
    if enrollment is None:
        return {}
    return {
        "segment": enrollment.segment,
        "programs": enrollment.programs,
        "declared_income": enrollment.declared_income,
        "wage": enrollment.wage,
        "risk_class": enrollment.risk_class,
        "funding_source": enrollment.funding_source,
    }


def member_touch(member: Member) -> None:
    """Bump ``updated_at`` so apps syncing by ``updated_since`` fetch the member again."""
    member.save(update_fields=["updated_at"])
