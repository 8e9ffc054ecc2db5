"""Concurrent requests for the same and overlapping slots: exactly one winner per slot.

Runs on whichever database the suite runs on (`make test` runs it on SQLite and
on PostgreSQL).
"""

import pytest
from django.db.models import Sum
from rest_framework.test import APIClient

from bookings.models import ACTIVE_STATUSES, Booking
from fablab.credits.models import CreditAccount, LedgerEntry
from tests.bookings.conftest import utc
from tests.concurrency import race
from tests.factories import MachineFactory, UserFactory, give_credits

pytestmark = pytest.mark.django_db(transaction=True)


def post_booking(member, machine, start, end):
    def call():
        client = APIClient()
        client.force_authenticate(member)
        response = client.post(
            "/api/v1/bookings/",
            {"machine": machine.pk, "start": start.isoformat(), "end": end.isoformat()},
            format="json",
        )
        return response.status_code, response.json()

    return call


def assert_every_balance_is_its_ledger_sum():
    for account in CreditAccount.objects.all():
        total = LedgerEntry.objects.filter(account=account).aggregate(total=Sum("minutes"))["total"] or 0
        assert account.balance_minutes == total
        assert account.balance_minutes >= 0


class TestBookingRace:
    def test_it_gives_each_contested_slot_to_exactly_one_of_24_racers(self, frozen_now, machine):
        members = [UserFactory() for _ in range(24)]
        for member in members:
            give_credits(member, machine.lab, 600)
        # Two contested groups: 09:00–10:00 vs 09:30–10:30, and 11:00–12:00 vs 11:00–11:30.
        wanted = [
            (utc(2026, 3, 24, 8), utc(2026, 3, 24, 9)),
            (utc(2026, 3, 24, 8, 30), utc(2026, 3, 24, 9, 30)),
            (utc(2026, 3, 24, 10), utc(2026, 3, 24, 11)),
            (utc(2026, 3, 24, 10), utc(2026, 3, 24, 10, 30)),
        ]
        calls = [post_booking(member, machine, *wanted[index % 4]) for index, member in enumerate(members)]

        results = race(calls)

        statuses = sorted(status for status, _body in results)
        assert statuses == [201, 201] + [409] * 22, results
        assert {body["code"] for status, body in results if status == 409} == {"slot_taken"}
        active = list(Booking.objects.filter(status__in=ACTIVE_STATUSES).order_by("start"))
        assert len(active) == 2
        assert active[0].blocked_until <= active[1].start
        assert LedgerEntry.objects.filter(kind="booking_debit").count() == 2
        assert_every_balance_is_its_ledger_sum()

    def test_concurrent_debits_never_overspend_a_balance(self, frozen_now, lab):
        member = UserFactory()
        give_credits(member, lab, 60)
        machines = [MachineFactory(lab=lab) for _ in range(20)]
        calls = [post_booking(member, machine, utc(2026, 3, 24, 9), utc(2026, 3, 24, 10)) for machine in machines]

        results = race(calls)

        statuses = sorted(status for status, _body in results)
        assert statuses == [201] + [400] * 19, results
        assert {body["code"] for status, body in results if status == 400} == {"insufficient_credits"}
        assert CreditAccount.objects.get(user=member).balance_minutes == 0
        assert_every_balance_is_its_ledger_sum()
