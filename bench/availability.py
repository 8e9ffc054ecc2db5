"""Benchmark: a machine's availability for one week, with millions of bookings in the table.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fablab_bench \
        .venv/bin/python bench/availability.py --machines 400 --bookings 2000000

Fills the database once (PostgreSQL COPY; kept between runs, topped up if
smaller), then calls `machine_availability` for random machines and weeks and
prints p50/p95/p99 and the number of queries per call. Not a test: figures
depend on the machine; docs/performance.md records them with the date.
"""

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
import zoneinfo
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fablab.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bookings.models import Booking  # noqa: E402
from bookings.selectors import machine_availability  # noqa: E402
from fablab.accounts.models import User  # noqa: E402
from fablab.labs.models import Lab, OpeningHours  # noqa: E402
from machines.models import Category, Machine  # noqa: E402

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
FIRST_DAY = dt.date(2024, 1, 1)
SLOTS_PER_DAY = 5  # 09:00, 11:00, 13:00, 15:00, 17:00 local, one hour each


def build(machines_wanted, bookings_wanted):
    lab, created = Lab.objects.get_or_create(slug="bench", defaults={"name": "Bench lab", "invoice_prefix": "BENCH"})
    if created:
        OpeningHours.objects.bulk_create(
            OpeningHours(lab=lab, weekday=day, opens=dt.time(9), closes=dt.time(19)) for day in range(7)
        )
    category, _ = Category.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    member, _ = User.objects.get_or_create(email="bench@example.org")
    existing = Machine.objects.filter(lab=lab).count()
    Machine.objects.bulk_create(
        Machine(lab=lab, category=category, name=f"Machine {n}", slug=f"machine-{n}")
        for n in range(existing, machines_wanted)
    )
    machine_ids = list(Machine.objects.filter(lab=lab).order_by("pk").values_list("pk", flat=True))[:machines_wanted]
    have = Booking.objects.filter(machine_id__in=machine_ids).count()
    if have >= bookings_wanted:
        return machine_ids
    per_machine = bookings_wanted // len(machine_ids)
    started = time.perf_counter()
    columns = (
        'machine_id, member_id, kind, start, "end", blocked_until, status, credits_minutes, '
        "refunded_minutes, note, created_at, sequence"
    )
    raw = connection.connection
    with raw.cursor() as cursor, cursor.copy(f"COPY bookings_booking ({columns}) FROM STDIN") as copy:
        for machine_id in machine_ids:
            done = Booking.objects.filter(machine_id=machine_id).count() if have else 0
            for index in range(done, per_machine):
                day = FIRST_DAY + dt.timedelta(days=index // SLOTS_PER_DAY)
                local = dt.datetime.combine(day, dt.time(9 + 2 * (index % SLOTS_PER_DAY)), tzinfo=PARIS)
                start = local.astimezone(dt.UTC)
                end = start + dt.timedelta(hours=1)
                status = "cancelled" if index % 10 == 0 else "confirmed"
                copy.write_row((machine_id, member.pk, "member", start, end, end, status, 60, 0, "", start, 0))
    raw.commit()
    print(f"inserted bookings in {time.perf_counter() - started:.0f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE bookings_booking")
    return machine_ids


def measure(machine_ids, calls, bookings_per_machine):
    machines = {machine.pk: machine for machine in Machine.objects.select_related("lab").filter(pk__in=machine_ids)}
    last_day = FIRST_DAY + dt.timedelta(days=bookings_per_machine // SLOTS_PER_DAY - 7)
    timings, query_counts = [], set()
    rng = random.Random(42)
    for _ in range(calls):
        machine = machines[rng.choice(machine_ids)]
        monday = FIRST_DAY + dt.timedelta(weeks=rng.randrange((last_day - FIRST_DAY).days // 7))
        start = dt.datetime.combine(monday, dt.time(), tzinfo=PARIS)
        end = start + dt.timedelta(days=7)
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            availability = machine_availability(machine, start, end)
            timings.append((time.perf_counter() - began) * 1000)
        query_counts.add(len(queries.captured_queries))
        assert availability["busy"], "a benchmark week without bookings measures nothing"
    timings.sort()

    def pct(p):
        return timings[min(len(timings) - 1, int(p / 100 * len(timings)))]

    return {
        "calls": calls,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(pct(95), 2),
        "p99_ms": round(pct(99), 2),
        "queries_per_call": sorted(query_counts),
    }


def measure_api(machine_ids, calls, bookings_per_machine):
    """The same question through the HTTP API, in process (middleware, serialisation, JSON)."""
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1", headers={"X-Forwarded-Proto": "https"})
    last_day = FIRST_DAY + dt.timedelta(days=bookings_per_machine // SLOTS_PER_DAY - 7)
    rng = random.Random(7)
    timings = []
    for _ in range(calls):
        monday = FIRST_DAY + dt.timedelta(weeks=rng.randrange((last_day - FIRST_DAY).days // 7))
        start = dt.datetime.combine(monday, dt.time(), tzinfo=PARIS)
        params = {"start": start.isoformat(), "end": (start + dt.timedelta(days=7)).isoformat()}
        began = time.perf_counter()
        response = client.get(f"/api/v1/machines/{rng.choice(machine_ids)}/availability/", params, secure=True)
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.content
    timings.sort()
    return {
        "calls": calls,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(timings[int(0.95 * len(timings))], 2),
        "p99_ms": round(timings[int(0.99 * len(timings))], 2),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--machines", type=int, default=400)
    parser.add_argument("--bookings", type=int, default=2_000_000)
    parser.add_argument("--calls", type=int, default=500)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this benchmark on PostgreSQL (DATABASE_URL=postgres://…).")
    call_command("migrate", verbosity=0)
    machine_ids = build(args.machines, args.bookings)
    total = Booking.objects.count()
    result = measure(machine_ids, args.calls, args.bookings // args.machines)
    print(f"bookings in table: {total:,}; machines: {len(machine_ids)}")
    print(f"machine_availability for one week: {result}")
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = []
    from rest_framework.settings import api_settings

    api_settings.reload()
    api_result = measure_api(machine_ids, args.calls, args.bookings // args.machines)
    print(f"GET /api/v1/machines/<id>/availability/ (one week): {api_result}")


if __name__ == "__main__":
    main()
