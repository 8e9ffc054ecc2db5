"""manage.py seed_demo: sample labs, accounts and data so every page has something to show."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from bookings import demo as bookings_demo
from fablab.billing import demo as billing_demo
from fablab.labs import demo as labs_demo
from machines import demo as machines_demo
from projects import demo as projects_demo
from training import demo as training_demo

QUIET_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}


class Command(BaseCommand):
    help = "Load the demo data (idempotent). Never run it on a production database."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the demo logins.")

    def handle(self, *args, **options):
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError("seed_demo loads known passwords: run it with DEBUG=true only.")
        # The demo's confirmations would only flood the console: they are not sent.
        with override_settings(MAILERS=QUIET_MAILERS), transaction.atomic():
            labs = labs_demo.seed_labs()
            users = labs_demo.seed_accounts(labs)
            billing_demo.seed_billing(labs, users)
            machines = machines_demo.seed_machines(labs, users)
            bookings_demo.seed_bookings(labs, users, machines)
            training_demo.seed_trainings(labs, users, machines)
            training_demo.seed_workshops(labs, users)
            projects_demo.seed_projects(labs, users, machines)
        self.stdout.write(self.style.SUCCESS(f"Demo data ready: {len(labs)} labs, {len(machines)} machines."))
        if not options["quiet_logins"]:
            self.stdout.write(f"Demo logins (password for all: {labs_demo.DEMO_PASSWORD}):")
            for email, full_name, _superuser, _roles in labs_demo.ACCOUNTS:
                self.stdout.write(f"  {email:<24} {full_name}")
