"""Default benefit amounts as data (corrected in the admin, not in code)."""

import datetime

from django.db import migrations

DEFAULTS = [
    # JKM death benefit: Rp 20 M lump sum + Rp 10 M funeral + Rp 12 M periodic, paid at once.
    ("jkm", 42_000_000, datetime.date(2019, 12, 2), "PP 82/2019"),
]


def load(apps, schema_editor):
    BenefitDefault = apps.get_model("contributions", "BenefitDefault")
    for benefit, amount, start, source in DEFAULTS:
        BenefitDefault.objects.get_or_create(
            benefit=benefit, effective_from=start, defaults={"amount": amount, "source": source}
        )


def unload(apps, schema_editor):
    apps.get_model("contributions", "BenefitDefault").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("contributions", "0003_bills_payments_budgets_claims")]

    operations = [migrations.RunPython(load, unload)]
