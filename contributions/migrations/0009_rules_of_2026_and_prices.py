"""The money rules of 2026 as data (../shared/DOMAIN.md), each row with its source.

- PP 50/2025 (promulgated 22 Dec 2025), Penyesuaian Iuran JKK dan JKM bagi Peserta BPU:
  BPU pay 50% of JKK and JKM for contribution months January 2026 – March 2027 in the
  transport sector and April – December 2026 in all other sectors; BPU funded from APBN
  or APBD are excluded. JHT is not reduced.
- The JP wage cap from 1 March 2026: Rp 11,086,300 (BPJS letter B/1226/022026); the
  2025 row closes on 28 February 2026.
- The occupation → sector mapping: ojek is transport; every other occupation, and members
  with none (the village's officials on BPU), other sectors.

Lines billed before this migration get their price rows: the terms are their enrollment's
(the best there is), the detail the one they were billed with (no relief then).
"""

import json

import datetime
from decimal import Decimal

from django.db import migrations

PP_50 = (
    "PP 50/2025 (22 Dec 2025), Penyesuaian Iuran JKK dan JKM bagi Peserta BPU"
)
PP_50_NOTE = (
    "Periods as reported by January–February 2026 news and two independent public "
    "simulators. The exclusion of BPU funded from APBN/APBD comes from one news report: "
    "confirm with BPJS."
)
RELIEFS = [
    (
        "PP 50/2025, transport sector",
        ["transport"],
        datetime.date(2026, 1, 1),
        datetime.date(2027, 3, 31),
    ),
    (
        "PP 50/2025, other sectors",
        ["other"],
        datetime.date(2026, 4, 1),
        datetime.date(2026, 12, 31),
    ),
]
SECTOR_SOURCE = "issue 10: ojek is the transport sector; every other BPU participant, other sectors"
SECTORS = {
    "ojek": "transport",
    "petani": "other",
    "nelayan": "other",
    "buruh_tani": "other",
    "buruh_harian": "other",
    "pedagang": "other",
    "umkm": "other",
    "pengrajin": "other",
    "lainnya": "other",
    "": "other",  # members without an occupation: the village's officials
}
JP_CAP_2026 = 11_086_300
JP_SOURCE = "PP 45/2015; cap from March 2026: BPJS letter B/1226/022026 (+5.11%)"


def load(apps, schema_editor):
    Rate = apps.get_model("contributions", "Rate")
    Relief = apps.get_model("contributions", "Relief")
    RuleChange = apps.get_model("contributions", "RuleChange")
    OccupationSector = apps.get_model("contributions", "OccupationSector")

    OccupationSector.objects.bulk_create(
        OccupationSector(occupation=occupation, sector=sector, source=SECTOR_SOURCE)
        for occupation, sector in SECTORS.items()
    )
    for name, sectors, start, end in RELIEFS:
        relief = Relief.objects.create(
            name=name,
            segment="bpu",
            programs=["jkk", "jkm"],
            percent_off=Decimal("50.00"),
            sectors=sectors,
            excluded_funding_sources=["apbn", "apbd"],
            effective_from=start,
            effective_to=end,
            source=PP_50,
            note=PP_50_NOTE,
        )
        RuleChange.objects.create(relief=relief, action="created", source=PP_50)

    cap_2025 = Rate.objects.filter(
        program="jp", segment="pu", effective_from=datetime.date(2025, 3, 1)
    ).first()
    if cap_2025 is not None and cap_2025.effective_to is None:
        cap_2025.effective_to = datetime.date(2026, 2, 28)
        cap_2025.save(update_fields=["effective_to"])
        RuleChange.objects.create(
            rate=cap_2025,
            action="closed",
            source=JP_SOURCE,
            changes={"effective_to": [None, "2026-02-28"]},
        )
    cap_2026 = Rate.objects.create(
        program="jp",
        segment="pu",
        basis="percent_of_wage",
        employer_value=Decimal("2.00"),
        worker_value=Decimal("1.00"),
        base_max=JP_CAP_2026,
        effective_from=datetime.date(2026, 3, 1),
        source=JP_SOURCE,
    )
    RuleChange.objects.create(rate=cap_2026, action="created", source=JP_SOURCE)


def unload(apps, schema_editor):
    Rate = apps.get_model("contributions", "Rate")
    apps.get_model("contributions", "RuleChange").objects.all().delete()
    apps.get_model("contributions", "Relief").objects.all().delete()
    apps.get_model("contributions", "OccupationSector").objects.all().delete()
    Rate.objects.filter(program="jp", effective_from=datetime.date(2026, 3, 1)).delete()
    Rate.objects.filter(program="jp", effective_from=datetime.date(2025, 3, 1)).update(
        effective_to=None
    )


PROGRAMS = ["jkk", "jkm", "jht", "jp"]


def price_billed_lines(apps, schema_editor):
    BillLine = apps.get_model("contributions", "BillLine")
    Price = apps.get_model("contributions", "Price")
    prices: dict[tuple, object] = {}
    revisions: dict[tuple, int] = {}
    lines = BillLine.objects.select_related("enrollment__member").order_by("pk")
    for line in lines.iterator(chunk_size=2000):
        enrollment = line.enrollment
        terms = (
            line.period,
            enrollment.segment,
            ",".join(p for p in PROGRAMS if getattr(enrollment, p)),
            enrollment.declared_income or 0,
            enrollment.wage or 0,
            enrollment.risk_class or "",
            enrollment.funding_source,
            enrollment.member.occupation or "",
        )
        detail = {
            program: {**shares, "normal": shares["employer"] + shares["worker"], "relief": 0}
            for program, shares in line.detail.items()
        }
        key = (terms, json.dumps(detail, sort_keys=True))
        if key not in prices:
            revisions[terms] = revisions.get(terms, 0) + 1
            fields = dict(
                zip(
                    ["period", "segment", "programs", "declared_income", "wage", "risk_class",
                     "funding_source", "occupation"],
                    terms,
                    strict=True,
                )
            )
            prices[key] = Price.objects.create(
                **fields,
                revision=revisions[terms],
                detail=detail,
                employer_amount=line.employer_amount,
                worker_amount=line.worker_amount,
                amount=line.amount,
            )
        BillLine.objects.filter(pk=line.pk).update(price=prices[key])


def unprice_billed_lines(apps, schema_editor):
    apps.get_model("contributions", "BillLine").objects.update(price=None)
    apps.get_model("contributions", "Price").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("contributions", "0008_rules_prices_adjustments")]

    operations = [
        migrations.RunPython(load, unload),
        migrations.RunPython(price_billed_lines, unprice_billed_lines),
    ]
