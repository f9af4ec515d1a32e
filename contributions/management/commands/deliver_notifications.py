from contributions.tasks import notifications_deliver
from jamsostek.core.jobs import JobCommand


class Command(JobCommand):
    help = "Deliver due notifications and retry failed ones (every few minutes)."
    task = staticmethod(notifications_deliver)
    takes = None
