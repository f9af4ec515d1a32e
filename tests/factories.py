"""factory_boy factories whose rows are made by the production services, never written here.

- ``MemberFactory``: registered by ``registration.member_create`` (one role of ``category``,
  BPU terms) and walked by :func:`bring_to` to ``status``: ``enrollment_submit``,
  ``enrollment_activate``, then ``enrollment_end`` for ``ended``, or for ``lapsed``
  ``enrollments_lapse``, the lapse's one writer, as the nightly rules
  (``arrears_rules_apply``) call it. A draft unless told; coverage from 1 January 2024.
- ``CoveredMemberFactory``: the money tests' member, active from 1 January 2025.
- ``BillFactory``: ``billing.bills_generate`` for one village and month, and the bill of
  ``segment`` and ``funding_source`` it wrote.
- ``PaymentFactory``: ``payments.payment_record``, the whole outstanding amount unless told.

Each runs the queries of the services it calls and no other (a member in every status is
built with the same statements as the helpers it replaced, the lapse with one fewer).
Activation schedules billing with ``on_commit``, which tests do not run unless they capture
it: no bill appears from a factory's member alone. Dates may be given as ``"YYYY-MM-DD"``
and periods as ``"YYYY-MM"``. ``actor`` (who registers, moves or pays) is always given: a
factory makes no user of its own.

    MemberFactory(actor=admin)                                    # a draft RT head of Kwayangan
    MemberFactory(actor=admin, status=Status.LAPSED, category="bpd")
    CoveredMemberFactory(actor=admin, village=BLACANAN, enrollment=pu_terms())
    bill = BillFactory(village=KWAYANGAN, period="2025-07")       # its BPU bill from ADD
    PaymentFactory(actor=operator, bill=bill, amount=5_000)
"""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from contributions.models import Bill, Payment
from contributions.periods import parse_period
from contributions.services.billing.generation import bills_generate
from contributions.services.payments import payment_record
from members.models import EndReason, Member, Status
from members.services import lifecycle, registration
from tests.conftest import KWAYANGAN
from tests.members.helpers import bpu_terms, kpj_for, make_nik
from villages.models import Region

# The members tests' dates: covered from 1 January 2024, resigned on 30 June 2024.
EFFECTIVE_FROM = datetime.date(2024, 1, 1)
ENDED_ON = datetime.date(2024, 6, 30)


def as_date(value: datetime.date | str) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


class _ServicesOnly:
    """No ``build()``: a row of these exists only as the services write it."""

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError(f"{cls.__name__} only creates, through the services: call it.")


# --- members and their enrollments ---------------------------------------------------------


def bring_to(
    member: Member,
    status: str,
    actor,
    *,
    effective_from: datetime.date | str = EFFECTIVE_FROM,
    ended_on: datetime.date | str | None = ENDED_ON,
    lapsed_on: datetime.date | str | None = None,
    kpj_number: str | None = None,
) -> Member:
    """Walk ``member``'s draft enrollment along the lifecycle to ``status``: the one walker.

    draft → submitted → active (``kpj_number``, default :func:`kpj_for`, from
    ``effective_from``), then ended (resigned on ``ended_on``) or lapsed on ``lapsed_on``
    (default: today) by ``enrollments_lapse``, as the nightly rules lapse it.
    """
    status = Status(status)
    if status == Status.DRAFT:
        return member
    lifecycle.enrollment_submit(actor=actor, member=member)
    if status == Status.SUBMITTED:
        return member
    enrollment = lifecycle.enrollment_activate(
        actor=actor,
        member=member,
        kpj_number=kpj_number or kpj_for(member),
        effective_from=as_date(effective_from),
    )
    if status == Status.LAPSED:
        # arrears_rules_apply → enrollments_lapse, for this one enrollment.
        lifecycle.enrollments_lapse(
            ids=[enrollment.pk],
            on=as_date(lapsed_on) if lapsed_on else timezone.localdate(),
            reasons={},
        )
    elif status == Status.ENDED:
        if ended_on is None:
            raise TypeError("An ended member needs ended_on, the day its enrollment ended.")
        lifecycle.enrollment_end(
            actor=actor, member=member, reason=EndReason.RESIGNED, date=as_date(ended_on)
        )
    return member


class MemberFactory(_ServicesOnly, factory.Factory):
    """A member registered by ``actor`` and brought to ``status`` (default: draft).

    Slamet Riyadi, a man born 14 March 1980, RT head (``category``) of Kwayangan, with a
    valid NIK of the village's district and a draft BPU enrollment (``bpu_terms()``); any
    of it overridden by name. ``roles`` replaces the one role of ``category``;
    ``enrollment=None`` registers nobody's enrollment (then ``status`` stays draft).
    ``effective_from``, ``ended_on``, ``lapsed_on`` and ``kpj_number``: see :func:`bring_to`.
    """

    class Meta:
        model = Member

    class Params:
        category = "rt"

    actor = None
    village = KWAYANGAN
    nik = factory.LazyAttribute(lambda m: make_nik(m.village[:8], m.birth_date, m.sex))
    full_name = "Slamet Riyadi"
    birth_date = datetime.date(1980, 3, 14)
    sex = "male"
    roles = factory.LazyAttribute(
        lambda m: [{"category": m.category, "position": m.category.upper()}]
    )
    occupation = factory.LazyAttribute(
        lambda m: "petani" if m.category == "pekerja_rentan" else None
    )
    is_perisai = False
    enrollment = factory.LazyFunction(bpu_terms)
    status = Status.DRAFT
    effective_from = EFFECTIVE_FROM
    ended_on = ENDED_ON
    lapsed_on = None
    kpj_number = None

    @classmethod
    def _create(
        cls,
        model_class,
        *,
        actor,
        status,
        effective_from,
        ended_on,
        lapsed_on,
        kpj_number,
        **registration_fields,
    ) -> Member:
        if actor is None:
            raise TypeError(f"{cls.__name__} needs actor=, the user who registers the member.")
        member = registration.member_create(actor=actor, **registration_fields).member
        return bring_to(
            member,
            status,
            actor,
            effective_from=effective_from,
            ended_on=ended_on,
            lapsed_on=lapsed_on,
            kpj_number=kpj_number,
        )


class CoveredMemberFactory(MemberFactory):
    """The money tests' member: covered (active) from 1 January 2025 unless told.

    ``ended`` needs ``ended_on`` (not in the future of the frozen clock).
    """

    status = Status.ACTIVE
    effective_from = datetime.date(2025, 1, 1)
    ended_on = None


# --- bills and payments ----------------------------------------------------------------------


class BillFactory(_ServicesOnly, factory.Factory):
    """``village``'s bill for ``period``: the month billed for that village by
    ``bills_generate`` (nothing new if it already was), and its bill of ``segment`` paid
    from ``funding_source``."""

    class Meta:
        model = Bill

    village = KWAYANGAN
    period = "2025-07"
    segment = "bpu"
    funding_source = "add"

    @classmethod
    def _create(cls, model_class, *, village, period, segment, funding_source) -> Bill:
        month = parse_period(period) if isinstance(period, str) else period
        bills_generate(period=month, villages=Region.objects.filter(code__in=[village]))
        return Bill.objects.get(
            village__code=village, period=month, segment=segment, funding_source=funding_source
        )


class PaymentFactory(_ServicesOnly, factory.Factory):
    """A payment of ``bill`` recorded by ``actor`` through ``payment_record``.

    ``amount``: what the bill still owes (read afresh) unless told; ``paid_on``: today
    unless told; ``funding_source``: the bill's unless told.
    """

    class Meta:
        model = Payment

    actor = None
    bill = None
    amount = None
    paid_on = None
    method = "transfer"
    funding_source = None
    reference = ""
    note = ""
    evidence = None

    @classmethod
    def _create(
        cls, model_class, *, actor, bill, amount, paid_on, funding_source, **fields
    ) -> Payment:
        if actor is None or bill is None:
            raise TypeError(f"{cls.__name__} needs actor= and bill=.")
        bill.refresh_from_db()
        return payment_record(
            actor=actor,
            bill=bill,
            amount=bill.outstanding if amount is None else amount,
            paid_on=as_date(paid_on) if paid_on else timezone.localdate(),
            funding_source=bill.funding_source if funding_source is None else funding_source,
            **fields,
        )
