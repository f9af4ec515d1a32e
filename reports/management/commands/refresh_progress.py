from jamsostek.core.jobs import JobCommand
from reports.tasks import progress_refresh


class Command(JobCommand):
    help = "Refresh the progress figures of every village (nightly)."
    task = staticmethod(progress_refresh)
    takes = None
