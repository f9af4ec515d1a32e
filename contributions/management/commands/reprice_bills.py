"""Re-price months after a rate or relief row was added or closed (see services/repricing)."""

from django.core.management.base import BaseCommand, CommandError

from contributions.periods import parse_period
from contributions.services.repricing import bills_reprice
from jamsostek.core.choices import Level
from jamsostek.core.errors import ApplicationError
from jamsostek.core.money import format_rupiah
from jamsostek.core.progress import progress
from villages.models import Region


class Command(BaseCommand):
    help = (
        "Re-price the bills of months whose rules changed: unpaid bills in place, paid ones "
        "by a credit or debit on the next open bill. Running it twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="period_from", required=True, help="YYYY-MM")
        parser.add_argument("--to", dest="period_to", required=True, help="YYYY-MM")
        parser.add_argument("--regency", help="a regency's code (default: every regency)")

    def handle(self, *args, period_from, period_to, regency=None, verbosity=1, **options):
        try:
            first, last = parse_period(period_from), parse_period(period_to)
            region = None
            if regency:
                region = Region.objects.filter(code=regency, level=Level.REGENCY).first()
                if region is None:
                    raise CommandError(f"{regency} is not a regency's code")
            with progress(
                desc="Re-pricing", unit=" steps", stream=self.stderr, verbosity=verbosity
            ) as bar:
                result = bills_reprice(
                    actor=None,
                    period_from=first,
                    period_to=last,
                    regency=region,
                    on_progress=bar.advance_to,
                )
        except ApplicationError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(
            f"{result.months} months: {result.prices_revised} prices revised, "
            f"{result.lines_repriced} lines of {result.bills_repriced} unpaid bills re-priced, "
            f"{result.adjustments} adjustments on paid bills "
            f"(credit {format_rupiah(result.credit)}, debit {format_rupiah(result.debit)})"
        )
