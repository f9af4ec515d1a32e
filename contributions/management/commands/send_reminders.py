from contributions.tasks import send_reminders
from jamsostek.core.jobs import JobCommand


class Command(JobCommand):
    help = "Plan the day's reminders and deliver what is due (each morning)."
    task = staticmethod(send_reminders)
    takes = "date"
