from jamsostek.core.jobs import JobCommand
from members.tasks import end_expired_terms


class Command(JobCommand):
    help = "End roles past their term and enrollments no role keeps (nightly)."
    task = staticmethod(end_expired_terms)
    takes = "date"
