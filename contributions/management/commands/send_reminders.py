from contributions.tasks import reminders_send
from jamsostek.core.jobs import JobCommand


class Command(JobCommand):
    help = "Plan the day's reminders and deliver what is due (each morning)."
    task = staticmethod(reminders_send)
    takes = "date"
