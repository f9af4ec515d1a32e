from contributions.tasks import apply_arrears_rules_task
from jamsostek.core.jobs import JobCommand


class Command(JobCommand):
    help = "Overdue bills, BPU lapses and reactivations (nightly)."
    task = staticmethod(apply_arrears_rules_task)
    takes = "date"
