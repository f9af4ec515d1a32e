from jamsostek.core.jobs import JobCommand
from members.tasks import roles_end_expired


class Command(JobCommand):
    help = "End roles past their term and enrollments no role keeps (nightly)."
    task = staticmethod(roles_end_expired)
    takes = "date"
