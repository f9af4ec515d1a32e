from contributions.tasks import generate_bills
from jamsostek.core.jobs import JobCommand


class Command(JobCommand):
    help = "Bill a month for every village (the job beat runs on the 1st)."
    task = staticmethod(generate_bills)
    takes = "period"
