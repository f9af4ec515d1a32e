"""Benefit claims BPJS paid; a death ends the member's enrollment."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jamsostek.core.errors import ApplicationError, ConflictError
from members.models import EndReason, Member, Status
from members.selectors import enrollment_open
from members.services.lifecycle import enrollment_transition

from ..models import Benefit, BenefitClaim
from ..selectors import benefit_default_amount


@transaction.atomic
def claim_record(
    *,
    actor,
    member: Member,
    benefit: str,
    event_date: datetime.date,
    paid_on: datetime.date,
    beneficiary_name: str,
    amount: int | None = None,
    note: str = "",
) -> BenefitClaim:
    """Record a benefit paid. A JKM (death) claim ends the open enrollment as deceased."""
    today = timezone.localdate()
    if event_date > today or paid_on > today:
        raise ApplicationError(
            _("Dates cannot be in the future."),
            code="invalid_date",
            attr="paid_on" if paid_on > today else "event_date",
        )
    if paid_on < event_date:
        raise ApplicationError(
            _("A benefit is paid after the event, not before."), code="invalid_date", attr="paid_on"
        )
    if benefit == Benefit.JKM and member.claims.filter(benefit=Benefit.JKM).exists():
        raise ConflictError(
            _("The death benefit (JKM) of this member was already recorded."),
            code="already_claimed",
            attr="benefit",
        )
    if amount is None:
        amount = benefit_default_amount(benefit, event_date)
        if amount is None:
            raise ApplicationError(
                _("Give the amount paid: this benefit has no default."),
                code="required",
                attr="amount",
            )
    claim = BenefitClaim.objects.create(
        member=member,
        benefit=benefit,
        event_date=event_date,
        amount=amount,
        paid_on=paid_on,
        beneficiary_name=beneficiary_name,
        note=note,
        recorded_by=actor,
    )
    if benefit == Benefit.JKM:
        enrollment = enrollment_open(member)
        if enrollment is not None and enrollment.status != Status.DRAFT:
            ended_on = max(event_date, enrollment.effective_from or event_date)
            enrollment_transition(
                enrollment=enrollment,
                to=Status.ENDED,
                actor=actor,
                ended_on=ended_on,
                end_reason=EndReason.DECEASED,
                reason=_("Death benefit (JKM) paid"),
            )
    return claim
