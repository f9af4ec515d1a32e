from contributions.tasks import deliver_notifications
from jamsostek.core.jobs import JobCommand


class Command(JobCommand):
    help = "Deliver due notifications and retry failed ones (every few minutes)."
    task = staticmethod(deliver_notifications)
    takes = None
