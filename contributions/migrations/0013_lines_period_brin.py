"""A BRIN index on the bill lines' month.

Lines are written a month at a time, so their months lie in order on disk and a BRIN index
(a few pages for 20 M rows, next to nothing to keep up) finds a month's lines without
reading the others: the generation's "not billed for this month yet" check and re-pricing's
"the lines of this month" no longer grow with the months behind them. The model does not
declare it; the migration makes it.
"""

from django.db import migrations

NAME = "billline_period_brin"


def create(apps, schema_editor):
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {NAME} ON contributions_billline USING brin (period)"
    )


def drop(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {NAME}")


class Migration(migrations.Migration):
    dependencies = [("contributions", "0012_lines_checked_on_delete")]

    operations = [migrations.RunPython(create, drop)]
