import pytest
import time_machine

from bookings.models import BookingStatus
from bookings.services import booking_create
from fablab.core.errors import DomainError
from fablab.credits.selectors import balance_minutes
from machines.models import MachineStatus, MaintenanceWindow
from machines.services import machine_set_status, maintenance_schedule
from tests.bookings.conftest import utc
from tests.factories import UserFactory, give_credits

pytestmark = pytest.mark.django_db


@pytest.fixture
def bookings(frozen_now, machine, member):
    other = UserFactory()
    give_credits(other, machine.lab, 600)
    return [
        booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10)),
        booking_create(member=other, machine=machine, start=utc(2026, 3, 25, 9), end=utc(2026, 3, 25, 11)),
        booking_create(member=member, machine=machine, start=utc(2026, 3, 26, 9), end=utc(2026, 3, 26, 10)),
    ]


class TestMachineOutOfOrder:
    def test_it_cancels_every_future_booking_with_a_full_refund_and_tells_each_member(
        self, bookings, machine, member, mailoutbox, django_capture_on_commit_callbacks
    ):
        staff = UserFactory()
        with time_machine.travel(utc(2026, 3, 24, 8, 30), tick=False), django_capture_on_commit_callbacks(execute=True):
            machine_set_status(machine=machine, status=MachineStatus.OUT_OF_ORDER, by=staff, reason="Tube broken")
        for booking in bookings:
            booking.refresh_from_db()
            assert (booking.status, booking.refunded_minutes) == (BookingStatus.CANCELLED, booking.credits_minutes)
        assert balance_minutes(user=member, lab=machine.lab) == 600
        cancellations = [message for message in mailoutbox if "Tube broken" in message.body]
        assert len(cancellations) == 3

    def test_it_does_nothing_more_when_the_status_does_not_change(self, bookings, machine):
        machine_set_status(machine=machine, status=MachineStatus.AVAILABLE, by=None)
        assert all(b.status == BookingStatus.CONFIRMED for b in bookings)

    def test_it_refuses_an_unknown_status(self, machine):
        with pytest.raises(DomainError):
            machine_set_status(machine=machine, status="melted", by=None)


class TestMaintenanceSchedule:
    def test_it_cancels_only_the_bookings_in_the_window(self, bookings, machine):
        maintenance_schedule(
            machine=machine, start=utc(2026, 3, 25, 10), end=utc(2026, 3, 25, 12), by=None, reason="Lens"
        )
        statuses = []
        for booking in bookings:
            booking.refresh_from_db()
            statuses.append(booking.status)
        assert statuses == [BookingStatus.CONFIRMED, BookingStatus.CANCELLED, BookingStatus.CONFIRMED]
        assert MaintenanceWindow.objects.get().reason == "Lens"

    def test_it_refuses_a_window_that_ends_before_it_starts_and_writes_nothing(self, bookings, machine):
        with pytest.raises(DomainError):
            maintenance_schedule(machine=machine, start=utc(2026, 3, 25, 12), end=utc(2026, 3, 25, 10), by=None)
        assert MaintenanceWindow.objects.count() == 0
        assert all(b.status == BookingStatus.CONFIRMED for b in bookings)


class TestMaintenanceFromTheAdmin:
    def test_adding_a_window_in_the_admin_cancels_the_bookings_it_hits(self, client, bookings, machine):
        admin = UserFactory(is_superuser=True, is_staff=True)
        client.force_login(admin)
        response = client.post(
            "/admin/machines/maintenancewindow/add/",
            {
                "machine": machine.pk,
                "start_0": "2026-03-25",
                "start_1": "10:00:00",
                "end_0": "2026-03-25",
                "end_1": "13:00:00",
                "reason": "Lens",
            },
        )
        assert response.status_code == 302, response.content.decode()[:500]
        assert MaintenanceWindow.objects.get().created_by == admin
        statuses = []
        for booking in bookings:
            booking.refresh_from_db()
            statuses.append(booking.status)
        assert statuses == [BookingStatus.CONFIRMED, BookingStatus.CANCELLED, BookingStatus.CONFIRMED]
