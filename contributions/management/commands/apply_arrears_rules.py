from contributions.tasks import arrears_rules_apply
from jamsostek.core.jobs import JobCommand


class Command(JobCommand):
    help = "Overdue bills, BPU lapses and reactivations (nightly)."
    task = staticmethod(arrears_rules_apply)
    takes = "date"
