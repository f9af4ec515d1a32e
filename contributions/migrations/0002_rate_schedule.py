"""The rate schedule of ../shared/DOMAIN.md as data: corrected in the admin, not in code."""

import datetime
from decimal import Decimal

from django.db import migrations

START = datetime.date(2015, 7, 1)  # PP 44/2015: JKK and JKM as they stand today
BPU = "PP 44/2015 jo. PP 82/2019; Permenaker 5/2021"
PU = "PP 44/2015 jo. PP 82/2019 (JKK, JKM); PP 46/2015 (JHT); PP 45/2015 (JP)"

# (program, segment, risk_class, basis, employer %, worker %, base_min, base_max, from, to, source)
RATES = [
    # BPU: the participant's own contribution; declared income within the brackets.
    ("jkk", "bpu", None, "percent_of_income", "0", "1.00", 1_000_000, 20_700_000, START, None, BPU),
    ("jkm", "bpu", None, "flat", "0", "6800", None, None, START, None, BPU),
    ("jht", "bpu", None, "percent_of_income", "0", "2.00", 1_000_000, 20_700_000, START, None, BPU),
    # PU: the village is the employer.
    ("jkk", "pu", "very_low", "percent_of_wage", "0.24", "0", None, None, START, None, PU),
    ("jkk", "pu", "low", "percent_of_wage", "0.54", "0", None, None, START, None, PU),
    ("jkk", "pu", "medium", "percent_of_wage", "0.89", "0", None, None, START, None, PU),
    ("jkk", "pu", "high", "percent_of_wage", "1.27", "0", None, None, START, None, PU),
    ("jkk", "pu", "very_high", "percent_of_wage", "1.74", "0", None, None, START, None, PU),
    ("jkm", "pu", None, "percent_of_wage", "0.30", "0", None, None, START, None, PU),
    ("jht", "pu", None, "percent_of_wage", "3.70", "2.00", None, None, START, None, PU),
    # JP: wage capped, the cap revised every March.
    ("jp", "pu", None, "percent_of_wage", "2.00", "1.00", None, 9_559_600,
     datetime.date(2023, 1, 1), datetime.date(2024, 2, 29), PU + "; cap 2023"),
    ("jp", "pu", None, "percent_of_wage", "2.00", "1.00", None, 10_042_300,
     datetime.date(2024, 3, 1), datetime.date(2025, 2, 28), PU + "; cap from March 2024"),
    ("jp", "pu", None, "percent_of_wage", "2.00", "1.00", None, 10_547_400,
     datetime.date(2025, 3, 1), None, PU + "; cap from March 2025 (unverified)"),
]


def load(apps, schema_editor):
    Rate = apps.get_model("contributions", "Rate")
    Rate.objects.bulk_create(
        Rate(program=program, segment=segment, risk_class=risk_class, basis=basis,
             employer_value=Decimal(employer), worker_value=Decimal(worker),
             base_min=base_min, base_max=base_max, effective_from=start, effective_to=end,
             source=source)
        for (program, segment, risk_class, basis, employer, worker, base_min, base_max, start,
             end, source) in RATES
    )


def unload(apps, schema_editor):
    apps.get_model("contributions", "Rate").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("contributions", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
