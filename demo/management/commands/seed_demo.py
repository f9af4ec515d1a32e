from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import DEMO_PASSWORD, seed_demo
from jamsostek.core.progress import progress


class Command(BaseCommand):
    help = (
        "Create demo users of every role for the seeds' regencies and seat counts for their "
        "villages. Idempotent. Refused when DEBUG is off: demo users share one password."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="run even though DEBUG is off (a staging server, say)",
        )
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/",
            help="where the server will answer, for the banner (make run passes its own)",
        )

    def handle(self, *args, force: bool, url: str, verbosity: int, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "DEBUG is off: this looks like production. Use --force to seed "
                "demo users with a shared password anyway."
            )
        try:
            with progress(
                desc="Demo data", unit=" steps", stream=self.stderr, verbosity=verbosity
            ) as bar:
                accounts, seats, members = seed_demo(on_progress=bar.advance_to)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        created = sum(a.created for a in accounts)
        self.stdout.write(
            f"Demo data: {created} users created, {len(accounts) - created} "
            f"already there; {seats} village seat counts and {members} members added."
        )
        self.stdout.write("")
        root = url.rstrip("/")
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"The console: {root}/ (the API: {root}/api/v1/docs/, the admin: {root}/admin/)."
                f" Every demo account's password is '{DEMO_PASSWORD}':"
            )
        )
        for account in accounts:
            self.stdout.write(f"  {account.username:<22} {account.role:<17} {account.scope}")
        self.stdout.write("")
        self.stdout.write(
            f"  curl -s -X POST {root}/api/v1/auth/token/ "
            "-H 'Content-Type: application/json' "
            f'-d \'{{"username": "op_kwayangan", "password": "{DEMO_PASSWORD}"}}\''
        )
