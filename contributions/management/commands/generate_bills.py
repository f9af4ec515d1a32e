from contributions.tasks import bills_generate
from jamsostek.core.jobs import JobCommand
from jamsostek.core.progress import progress


class Command(JobCommand):
    help = "Bill a month for every village (the job beat runs on the 1st)."
    takes = "period"

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        return super().handle(*args, **options)

    def task(self, **kwargs) -> dict:
        """beat's task, in this process, with a bar on a terminal as the lines are written."""
        with progress(
            desc="Bill lines", unit=" lines", stream=self.stderr, verbosity=self.verbosity
        ) as bar:
            return bills_generate(**kwargs, on_progress=bar.advance_to)
