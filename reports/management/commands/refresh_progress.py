from jamsostek.core.jobs import JobCommand
from reports.tasks import refresh_progress


class Command(JobCommand):
    help = "Refresh the progress figures of every village (nightly)."
    task = staticmethod(refresh_progress)
    takes = None
