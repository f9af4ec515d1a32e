from contributions.tasks import bills_generate
from jamsostek.core.jobs import JobCommand


class Command(JobCommand):
    help = "Bill a month for every village (the job beat runs on the 1st)."
    task = staticmethod(bills_generate)
    takes = "period"
