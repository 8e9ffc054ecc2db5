"""manage.py run_periodic_jobs: call it every few minutes from cron or a systemd timer."""

from django.core.management.base import BaseCommand, CommandError

from fablab.core.periodic import jobs, run_job


class Command(BaseCommand):
    help = "Run the periodic jobs (no-show release, waiting-list expiry, …). Safe to run at any time, twice."

    def add_arguments(self, parser):
        parser.add_argument("names", nargs="*", help="Only these jobs (default: all).")
        parser.add_argument("--list", action="store_true", help="List the jobs and exit.")
        parser.add_argument(
            "--enqueue", action="store_true", help="Queue each job for the task worker instead of running it here."
        )

    def handle(self, *args, names, list, enqueue, **options):
        available = jobs()
        if list:
            for name in available:
                self.stdout.write(name)
            return
        unknown = set(names) - set(available)
        if unknown:
            raise CommandError(f"Unknown job(s): {', '.join(sorted(unknown))}. Known: {', '.join(available)}.")
        for name, job in available.items():
            if names and name not in names:
                continue
            if enqueue:
                result = run_job.enqueue(name)
                self.stdout.write(f"{name}: queued ({result.id})")
            else:
                self.stdout.write(f"{name}: {job()}")
