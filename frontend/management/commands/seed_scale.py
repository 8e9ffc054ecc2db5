"""manage.py seed_scale: a whole network with years of activity, to measure the platform at scale."""

import contextlib
import dataclasses
import datetime as dt
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from bookings.models import Booking
from fablab.accounts.models import User
from fablab.credits.models import CreditAccount, LedgerEntry
from fablab.labs.models import Closure, Lab, Membership, OpeningHours
from frontend.scale import PRESETS, activity, network, projects
from frontend.scale.writer import IndexesDeferred, Progress, is_postgresql, reset_sequences
from machines.models import Category, Machine
from projects.models import Material, Project, Step, Tag
from training.models import Course, Enrollment, Session

OPTIONS = {
    "labs": "labs (the first is the main lab, the others its satellites)",
    "machines": "machines, a quarter of them in the main lab",
    "members": "members (one in ten also belongs to a second lab)",
    "bookings": "bookings spread over the years, on the slot grid",
    "ledger_entries": "credit ledger entries",
    "sessions": "training sessions",
    "projects": "published projects, with steps and tags",
    "bench_users": "members of the main lab with API tokens, for `manage.py bench`",
}


class Command(BaseCommand):
    help = (
        "Fill the database with a whole network (labs, machines, members, years of bookings, ledgers, sessions, "
        "projects) in bulk. For benchmarks: never on a production database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--preset",
            choices=sorted(PRESETS),
            default=None,
            help="Sizes to start from: full (the default on PostgreSQL) or small (SQLite's).",
        )
        for name, help_text in OPTIONS.items():
            parser.add_argument(f"--{name.replace('_', '-')}", type=int, help=f"How many {help_text}.")
        parser.add_argument("--years", type=int, help="Years of history, ending four weeks from today.")
        parser.add_argument("--seed", type=int, help="Random seed: the same seed gives the same data.")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw the progress bars.")

    def handle(self, *args, **options):
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError("seed_scale writes made-up people: run it with DEBUG=true or ALLOW_DEMO_DATA=true.")
        preset = options["preset"] or ("full" if is_postgresql() else "small")
        changes = {name: options[name] for name in [*OPTIONS, "years", "seed"] if options.get(name) is not None}
        sizes = dataclasses.replace(PRESETS[preset], **changes)
        if sizes.labs < 1 or sizes.machines < 1 or sizes.members < 1:
            raise CommandError("A network needs at least one lab, one machine and one member.")
        if Lab.objects.filter(slug__startswith="scale-").exists():
            raise CommandError("This database already holds scale data: seed an empty, migrated database.")
        started = time.monotonic()
        counts = build(sizes, progress=not options["no_progress"], stream=self.stderr)
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data ready in {time.monotonic() - started:.0f} s: "
                + ", ".join(f"{count:,} {name}" for name, count in counts.items())
            )
        )


def build(sizes, *, progress=True, stream=None):
    """Write the network described by `sizes`; returns what was written, by kind."""
    rng = network.random_generator(sizes.seed)
    now = timezone.now()
    today = now.date()
    period = (today - dt.timedelta(days=365 * sizes.years - 28), today + dt.timedelta(days=28))

    def bar(label, total):
        return Progress(label, total, stream=stream, enabled=progress)

    with transaction.atomic():
        step = bar("labs and machines", sizes.labs + sizes.machines)
        labs = network.build_labs(sizes, rng, period, step)
        machines = network.build_machines(sizes, rng, labs, step)
        step.close()
        step = bar("people", sizes.members + 3 * sizes.labs + sizes.bench_users)
        memberships, bench_users = network.build_people(sizes, rng, labs, period, step)
        step.close()
        with rebuilt_after(bar, Booking):
            step = bar("bookings", sizes.bookings)
            kept, bookings = activity.build_bookings(sizes, rng, labs, machines, period, now, step)
            step.close()
        with rebuilt_after(bar, LedgerEntry):
            step = bar("ledger entries", sizes.ledger_entries)
            accounts = activity.build_credits(sizes, rng, labs, memberships, bench_users, kept, now, step)
            step.close()
        step = bar("training sessions", sizes.sessions)
        enrollments = activity.build_sessions(sizes, rng, labs, period, now, step)
        step.close()
        with rebuilt_after(bar, Project, Step, Material, Project.tags.through):
            step = bar("projects", sizes.projects)
            projects.build_projects(sizes, rng, labs, period, now, step)
            step.close()
        reset_sequences(_models())
    if is_postgresql() and not connection.in_atomic_block:
        # Fresh statistics, or the planner guesses on millions of rows; VACUUM for index-only scans.
        step = bar("vacuum analyze", 1)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        step.add()
        step.close()
    return {
        "labs": sizes.labs,
        "machines": sizes.machines,
        "members": sizes.members,
        "bookings": bookings,
        "credit accounts": accounts,
        "training sessions": sizes.sessions,
        "enrollments": enrollments,
        "projects": sizes.projects,
    }


@contextlib.contextmanager
def rebuilt_after(bar, *models):
    """Fill `models` without their secondary indexes (PostgreSQL), then show the rebuild as its own step."""
    deferred = IndexesDeferred(*models)
    with deferred:
        yield
        step = bar("  indexes", 1)
    step.add()
    step.close()


def _models():
    return [
        Lab,
        OpeningHours,
        Closure,
        Membership,
        User,
        Category,
        Machine,
        Booking,
        CreditAccount,
        LedgerEntry,
        Course,
        Session,
        Enrollment,
        Project,
        Step,
        Material,
        Tag,
        Project.tags.through,
        Project.machines.through,
    ]
