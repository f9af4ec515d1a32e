import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from jamsostek.core.progress import progress
from villages.models import LEVEL_ORDER
from villages.services import DEFAULT_SOURCE, RegionSourceError, regions_load


class Command(BaseCommand):
    help = (
        "Load the Kemendagri region tree (provinces, regencies, districts, villages). "
        "Idempotent: adds new codes, renames changed names and marks codes the source no "
        "longer lists inactive; never deletes. Data: idn-area-data 4.0.1 (ODbL)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--source",
            type=Path,
            default=DEFAULT_SOURCE,
            help="folder with provinces/regencies/districts/villages .csv or .csv.gz "
            "(default: the copy shipped with the code)",
        )
        parser.add_argument(
            "--province",
            action="append",
            default=[],
            metavar="CODE",
            help="load only this province (two digits); repeat for more",
        )

    def handle(self, *args, source: Path, province: list[str], verbosity: int, **options):
        bad = [code for code in province if not (len(code) == 2 and code.isdigit())]
        if bad:
            raise CommandError(f"--province takes two-digit codes, not {', '.join(bad)}")
        if not source.is_dir():
            raise CommandError(f"{source} is not a folder")
        started = time.perf_counter()
        try:
            with progress(
                desc="Regions", unit=" regions", stream=self.stderr, verbosity=verbosity
            ) as bar:
                results = regions_load(
                    source=source, provinces=province, on_progress=bar.advance_to
                )
        except RegionSourceError as exc:
            raise CommandError(f"{exc}. Nothing was changed.") from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"{'level':<10}{'created':>9}{'renamed':>9}{'reactiv.':>9}"
            f"{'retired':>9}{'unchanged':>11}"
        )
        for level in LEVEL_ORDER:
            r = results[level]
            self.stdout.write(
                f"{level:<10}{r.created:>9}{r.renamed:>9}{r.reactivated:>9}"
                f"{r.retired:>9}{r.unchanged:>11}"
            )
        changed = sum(r.changed for r in results.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Regions loaded in {elapsed:.1f}s ({changed} changes) from {source}."
            )
        )
