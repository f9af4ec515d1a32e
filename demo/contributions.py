"""Demo money for the demo villages: a year of bills and payments, so every endpoint shows
something after `make run`.

Most bills are paid on time, some late (PU penalties follow), a few payments are rejected
and paid again, the latest wait for the regency's review, and one village stopped paying
its BPU bills long enough for those members to lapse. The bills of 2026 are at PP 50/2025's
relieved rates (half JKK and JKM for BPU; not for the APBD-funded), and the relief's first
month shows a re-pricing: the admin entered it a month late, so that month went out at full
price and was re-priced, the paid bills by a credit on the next month's. Budgets are set a little short, so
some villages run out before December. Deterministic and idempotent: villages that already
have bills are left alone. Everything goes through the services, as a user's would.
"""

from __future__ import annotations

import datetime
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from contributions.models import Benefit, Bill, Budget, PaymentMethod, Relief, RuleChange
from contributions.periods import add_months
from contributions.services.arrears import arrears_rules_apply
from contributions.services.billing.generation import bills_generate
from contributions.services.budgets import budget_create
from contributions.services.claims import claim_record
from contributions.services.payments import payment_record, payment_review
from contributions.services.repricing import bills_reprice
from contributions.services.schedule import relief_create
from jamsostek.core.choices import Role
from jamsostek.core.money import format_rupiah
from members.models import EndReason, Enrollment, Segment
from villages.models import Region

MONTHS = 12
# The village that stopped paying its BPU bills (its BPU members lapse).
IN_ARREARS = "33.26.17.2012"  # Blacanan
UNPAID_MONTHS = 5


def _operator(village: Region) -> User | None:
    return User.objects.filter(role=Role.VILLAGE_OPERATOR, scope=village).order_by("pk").first()


def _auditor(village: Region) -> User | None:
    return User.objects.filter(role=Role.PMD_AUDITOR, scope_id=village.regency_id).first()


@transaction.atomic
def seed_money(village_codes: list[str], *, today: datetime.date | None = None) -> int:
    """Bill and pay a year for each village without bills; returns how many bills exist."""
    today = today or timezone.localdate()
    villages = [
        v
        for v in Region.objects.select_related("regency").filter(code__in=village_codes)
        if not Bill.objects.filter(village=v).exists()
    ]
    if not villages:
        return 0
    first = add_months(today.replace(day=1), -(MONTHS - 1))
    scope = Region.objects.filter(pk__in=[v.pk for v in villages])
    late = _relief_entered_late(first, today)
    for month in range(MONTHS):
        period = add_months(first, month)
        if late is not None and period == add_months(late["effective_from"], 1):
            admin = User.objects.filter(role=Role.ADMIN).order_by("pk").first()
            relief_create(actor=admin, **late)
            bills_reprice(actor=admin, period_from=late["effective_from"], period_to=period)
        bills_generate(period=period, villages=scope)
        for village in villages:
            _pay_month(village, period, today)
    for village in villages:
        _budgets(village, today)
        _death_claims(village)
    arrears_rules_apply(today=today, villages=[v.pk for v in villages])
    return Bill.objects.filter(village__in=scope).count()


def _relief_entered_late(first: datetime.date, today: datetime.date) -> dict | None:
    """When a relief's first month falls inside the demo's year, take it out for now (as
    if not yet entered) and return what enters it again the month after."""
    relief = (
        Relief.objects.filter(effective_from__gt=first, effective_from__lt=today.replace(day=1))
        .order_by("-effective_from")
        .first()
    )
    if relief is None:
        return None
    fields = {name: getattr(relief, name) for name in [*Relief.FIGURES, "effective_to"]}
    RuleChange.objects.filter(relief=relief).delete()
    relief.delete()
    return fields


def _pay_month(village: Region, period: datetime.date, today: datetime.date) -> None:
    operator, auditor = _operator(village), _auditor(village)
    if operator is None or auditor is None:
        return
    rng = random.Random(f"{village.code}:{period}")
    recent = period >= add_months(today.replace(day=1), -1)
    for bill in Bill.objects.filter(village=village, period=period).order_by("segment", "pk"):
        if bill.amount == 0 or bill.due_date > today + datetime.timedelta(days=20):
            continue
        stopped = (
            village.code == IN_ARREARS
            and bill.segment == Segment.BPU
            and period >= add_months(today.replace(day=1), -(UNPAID_MONTHS - 1))
        )
        if stopped or (recent and rng.random() < 0.3):
            continue
        roll = rng.random()
        if roll < 0.9:
            paid_on = bill.due_date - datetime.timedelta(days=rng.randint(1, 10))
        else:  # late, by up to six weeks
            paid_on = bill.due_date + datetime.timedelta(days=rng.randint(3, 45))
        paid_on = min(paid_on, today)
        reference = f"TRF{bill.pk:06d}"
        if rng.random() < 0.08:  # a payment the regency rejects, then paid again properly
            wrong = payment_record(
                actor=operator,
                bill=bill,
                amount=bill.amount,
                paid_on=paid_on,
                method=PaymentMethod.TRANSFER,
                funding_source=bill.funding_source,
                reference=reference + "-A",
                note="Transfer dari rekening kas desa",
            )
            payment_review(
                actor=auditor,
                payment=wrong,
                verdict="reject",
                note="Bukti transfer tidak terbaca dan nominal tidak sesuai",
            )
            paid_on = min(paid_on + datetime.timedelta(days=3), today)
        method = rng.choice([PaymentMethod.TRANSFER, PaymentMethod.VIRTUAL_ACCOUNT])
        payment = payment_record(
            actor=operator,
            bill=bill,
            amount=bill.amount,
            paid_on=paid_on,
            method=method,
            funding_source=bill.funding_source,
            reference=reference,
            note="Iuran BPJS Ketenagakerjaan",
            # The payments the auditor still has to check carry their transfer slip.
            evidence=_transfer_slip(village, bill, paid_on, reference) if recent else None,
        )
        if not recent:  # the latest payments wait in the auditor's queue
            payment_review(actor=auditor, payment=payment, verdict="verify", note="Sesuai")


def _budgets(village: Region, today: datetime.date) -> None:
    """A budget a little short of the year's bills for each source the village bills."""
    year = today.year
    auditor = _auditor(village)
    billed = {}
    for source, amount in Bill.objects.filter(village=village, period__year=year).values_list(
        "funding_source", "amount"
    ):
        billed[source] = billed.get(source, 0) + amount
    months = max(today.month, 1)
    for source, amount in billed.items():
        if Budget.objects.filter(village=village, year=year, funding_source=source).exists():
            continue
        yearly = amount * 12 // months
        rng = random.Random(f"{village.code}:{source}:budget")
        budget_create(
            actor=auditor,
            village=village,
            year=year,
            funding_source=source,
            amount=round(yearly * rng.uniform(0.85, 1.1), -5),
        )


def _death_claims(village: Region) -> None:
    """The JKM benefit for each demo member who died (their enrollment ended as deceased)."""
    officer = User.objects.filter(role=Role.BPJS_OFFICER, scope_id=village.regency_id).first()
    if officer is None:
        return
    for enrollment in Enrollment.objects.select_related("member").filter(
        member__village=village, end_reason=EndReason.DECEASED
    ):
        if enrollment.member.claims.exists():
            continue
        claim_record(
            actor=officer,
            member=enrollment.member,
            benefit=Benefit.JKM,
            event_date=enrollment.ended_on,
            paid_on=enrollment.ended_on + datetime.timedelta(days=14),
            beneficiary_name=f"Ahli waris {enrollment.member.full_name}",
            note="Santunan kematian dibayarkan sekaligus",
        )


def _transfer_slip(village: Region, bill: Bill, paid_on: datetime.date, reference: str):
    """A one-page PDF transfer slip for ``bill``, as a village's bank would print it."""
    lines = [
        ("F2", 14, "BUKTI TRANSFER"),
        ("F1", 10, f"Tanggal      : {paid_on:%d-%m-%Y}"),
        ("F1", 10, f"Referensi    : {reference}"),
        ("F1", 10, f"Dari         : Rekening Kas Desa {village.name}"),
        ("F1", 10, "Ke           : BPJS Ketenagakerjaan"),
        ("F1", 10, f"Keterangan   : Iuran {bill.segment.upper()} {bill.period:%m-%Y}"),
        ("F2", 12, f"Jumlah       : {format_rupiah(bill.amount)}"),
        ("F1", 10, "Status       : BERHASIL"),
    ]
    text = ["BT", "24 250 Td"]
    for number, (font, size, line) in enumerate(lines):
        if number:
            text.append("0 -24 Td")
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        text.append(f"/{font} {size} Tf ({escaped}) Tj")
    text.append("ET")
    stream = "\n".join(text).encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 400 300] /Contents 6 0 R"
        b" /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier-Bold >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    pdf = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    pdf += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return SimpleUploadedFile(f"bukti-{reference}.pdf", bytes(pdf), "application/pdf")
