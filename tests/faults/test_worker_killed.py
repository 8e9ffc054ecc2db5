"""A gunicorn worker SIGKILLed in the middle of a booking or an enrollment: nothing
half-written survives, and the retried request succeeds exactly once.

The test stops the worker inside its transaction by holding a lock the worker needs:
on PostgreSQL the member's credit account (taken after the booking row is inserted)
or the session row; on SQLite the database's write lock (BEGIN IMMEDIATE).
"""

import datetime as dt
import json
import sqlite3
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token

from bookings.models import Booking
from fablab.credits.models import CreditAccount
from fablab.credits.selectors import balance_minutes
from tests.factories import LabFactory, MachineFactory, UserFactory, give_credits
from tests.training.conftest import SessionFactory
from training.models import Enrollment

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.faults]


def tomorrow_at(lab, hour):
    day = timezone.localdate(timezone=lab.tz) + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=lab.tz)


class HeldLock:
    """Hold a lock from another connection while a request runs into it."""

    def __init__(self, pg_sql=None, pg_params=()):
        self.pg_sql, self.pg_params = pg_sql, pg_params

    def __enter__(self):
        if connection.vendor == "sqlite":
            self.holder = sqlite3.connect(connection.settings_dict["NAME"], timeout=30, isolation_level=None)
            self.holder.execute("BEGIN IMMEDIATE")
        else:
            import psycopg

            settings = connection.settings_dict
            self.holder = psycopg.connect(
                host=settings["HOST"] or "127.0.0.1",
                port=settings["PORT"] or 5432,
                user=settings["USER"] or "postgres",
                dbname=settings["NAME"],
            )
            self.holder.execute(self.pg_sql, self.pg_params)
        return self

    def wait_until_blocked(self, timeout=20):
        """Return once the worker waits on the lock (a second on SQLite, where none can tell)."""
        if connection.vendor == "sqlite":
            time.sleep(1.5)
            return None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
                row = cursor.fetchone()
            if row:
                return row[0]
            time.sleep(0.1)
        raise AssertionError("the worker never waited on the lock")

    def __exit__(self, *exc):
        self.holder.rollback() if connection.vendor != "sqlite" else self.holder.execute("ROLLBACK")
        self.holder.close()


def in_background(function):
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", function()))
    thread.start()
    return thread, result


@pytest.fixture
def setting(transactional_db):
    lab = LabFactory(slug="rennes", hours=[(day, "08:00", "20:00") for day in range(7)])
    machine = MachineFactory(lab=lab, name="Laser")
    member = UserFactory(email="maker@example.org")
    give_credits(member, lab, 600)
    token = Token.objects.create(user=member)
    return lab, machine, member, {"Authorization": f"Token {token.key}", "Content-Type": "application/json"}


def account_lock(member, lab):
    account = CreditAccount.objects.get(user=member, lab=lab)
    return HeldLock(f"SELECT 1 FROM {CreditAccount._meta.db_table} WHERE id = %s FOR UPDATE", (account.pk,))


class TestWorkerKilledDuringBooking:
    def test_nothing_is_half_written_and_the_retry_books_once(self, server, setting):
        lab, machine, member, headers = setting
        start = tomorrow_at(lab, 10)
        body = json.dumps(
            {"machine": machine.pk, "start": start.isoformat(), "end": (start + dt.timedelta(hours=1)).isoformat()}
        ).encode()

        with account_lock(member, lab) as lock:
            thread, result = in_background(
                lambda: server.request("POST", "/api/v1/bookings/", body=body, headers=headers)
            )
            lock.wait_until_blocked()
            killed = server.kill_worker()
            thread.join(30)
        assert result["value"][0] is None  # the client saw the connection die

        server.wait_for_a_new_worker(killed)
        assert Booking.objects.filter(member=member).count() == 0
        assert balance_minutes(user=member, lab=lab) == 600

        status, _body = server.request("POST", "/api/v1/bookings/", body=body, headers=headers)
        assert status == 201
        again, _body = server.request("POST", "/api/v1/bookings/", body=body, headers=headers)
        assert again == 409
        assert Booking.objects.filter(member=member).count() == 1
        assert balance_minutes(user=member, lab=lab) == 540


class TestWorkerKilledDuringEnrollment:
    def test_no_seat_is_taken_and_the_retry_enrolls_once(self, server, setting):
        lab, machine, member, headers = setting
        session = SessionFactory(lab=lab, start=tomorrow_at(lab, 14), end=tomorrow_at(lab, 16), capacity=1)
        body = json.dumps({"session": session.pk, "payment_mode": "on_site"}).encode()
        path = "/api/v1/trainings/enrollments/"

        lock = HeldLock(f"SELECT 1 FROM {session._meta.db_table} WHERE id = %s FOR UPDATE", (session.pk,))
        with lock:
            thread, result = in_background(lambda: server.request("POST", path, body=body, headers=headers))
            lock.wait_until_blocked()
            killed = server.kill_worker()
            thread.join(30)
        assert result["value"][0] is None

        server.wait_for_a_new_worker(killed)
        assert Enrollment.objects.filter(session=session).count() == 0

        status, _body = server.request("POST", path, body=body, headers=headers)
        assert status == 201, _body
        again, _body = server.request("POST", path, body=body, headers=headers)
        assert again in (400, 409)
        assert Enrollment.objects.filter(session=session, member=member).count() == 1


@pytest.mark.skipif("connection.vendor != 'postgresql'")
class TestDatabaseConnectionLost:
    def test_a_connection_killed_mid_request_answers_503_and_saves_nothing(self, server, setting):
        lab, machine, member, headers = setting
        start = tomorrow_at(lab, 11)
        body = json.dumps(
            {"machine": machine.pk, "start": start.isoformat(), "end": (start + dt.timedelta(hours=1)).isoformat()}
        ).encode()

        with account_lock(member, lab) as lock:
            thread, result = in_background(
                lambda: server.request("POST", "/api/v1/bookings/", body=body, headers=headers)
            )
            backend = lock.wait_until_blocked()
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [backend])
            thread.join(30)

        status, response_body = result["value"]
        assert status == 503
        problem = json.loads(response_body)
        assert problem["code"] == "service_unavailable"
        assert Booking.objects.filter(member=member).count() == 0
        assert balance_minutes(user=member, lab=lab) == 600
        # The next request gets a fresh connection and books.
        status, _body = server.request("POST", "/api/v1/bookings/", body=body, headers=headers)
        assert status == 201
