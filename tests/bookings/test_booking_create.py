import datetime as dt

import pytest

from bookings.models import Booking, BookingStatus
from bookings.services import SlotTaken, booking_create
from fablab.core.errors import DomainError
from fablab.credits.models import EntryKind, LedgerEntry
from fablab.credits.selectors import balance_minutes
from fablab.labs.models import Role
from machines.models import MachineStatus
from tests.bookings.conftest import utc
from tests.factories import (
    ClosureFactory,
    MachineFactory,
    MaintenanceWindowFactory,
    MembershipFactory,
    QualificationFactory,
    UserFactory,
    give_credits,
)

pytestmark = pytest.mark.django_db


def assert_refused(code, **kwargs):
    before = (Booking.objects.count(), LedgerEntry.objects.count())
    with pytest.raises(DomainError) as error:
        booking_create(**kwargs)
    assert error.value.code == code
    assert (Booking.objects.count(), LedgerEntry.objects.count()) == before
    return error.value


class TestBookingCreate:
    def test_it_books_and_debits_the_credits_in_one_go(
        self, frozen_now, machine, member, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            booking = booking_create(
                member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10, 30)
            )
        assert booking.status == BookingStatus.CONFIRMED
        assert booking.credits_minutes == 90
        assert balance_minutes(user=member, lab=machine.lab) == 510
        entry = LedgerEntry.objects.get(kind=EntryKind.BOOKING_DEBIT)
        assert (entry.minutes, entry.reference) == (-90, booking)
        assert len(mailoutbox) == 1
        assert "Laser" in mailoutbox[0].subject

    def test_it_charges_the_machines_hourly_cost(self, frozen_now, lab, member):
        printer = MachineFactory(lab=lab, credits_per_hour=30)
        booking = booking_create(member=member, machine=printer, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 11))
        assert booking.credits_minutes == 60

    def test_it_refuses_an_overlapping_slot_with_409(self, frozen_now, machine, member):
        booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))
        other = UserFactory()
        give_credits(other, machine.lab, 600)
        error = assert_refused(
            "slot_taken", member=other, machine=machine, start=utc(2026, 3, 24, 9, 30), end=utc(2026, 3, 24, 10, 30)
        )
        assert isinstance(error, SlotTaken)
        assert error.status == 409

    def test_it_keeps_the_buffer_free_after_a_booking(self, frozen_now, lab, member):
        laser = MachineFactory(lab=lab, buffer_minutes=30)
        booking_create(member=member, machine=laser, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))
        assert_refused("slot_taken", member=member, machine=laser, start=utc(2026, 3, 24, 10), end=utc(2026, 3, 24, 11))
        assert booking_create(member=member, machine=laser, start=utc(2026, 3, 24, 10, 30), end=utc(2026, 3, 24, 11))

    def test_it_allows_back_to_back_bookings_without_buffer(self, frozen_now, machine, member):
        booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))
        assert booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 10), end=utc(2026, 3, 24, 11))

    def test_a_cancelled_booking_frees_its_slot(self, frozen_now, machine, member):
        first = booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))
        Booking.objects.filter(pk=first.pk).update(status=BookingStatus.CANCELLED)
        assert booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))

    def test_it_refuses_outside_opening_hours(self, frozen_now, machine, member):
        # 17:30 to 18:30 in Paris (CET): the lab closes at 18:00.
        assert_refused(
            "lab_closed", member=member, machine=machine, start=utc(2026, 3, 24, 16, 30), end=utc(2026, 3, 24, 17, 30)
        )

    def test_it_refuses_a_closed_day(self, frozen_now, machine, member):
        ClosureFactory(lab=machine.lab, first_day=dt.date(2026, 3, 25), last_day=dt.date(2026, 3, 25))
        assert_refused(
            "lab_closed", member=member, machine=machine, start=utc(2026, 3, 25, 9), end=utc(2026, 3, 25, 10)
        )

    def test_it_follows_local_opening_hours_across_the_daylight_saving_change(self, frozen_now, machine, member):
        # Saturday 28 March (CET, UTC+1): 09:00 local is 08:00 UTC.
        assert booking_create(member=member, machine=machine, start=utc(2026, 3, 28, 8), end=utc(2026, 3, 28, 9))
        # Sunday 29 March (CEST, UTC+2): 09:00 local is 07:00 UTC; 06:30 UTC is 08:30, still closed.
        assert booking_create(member=member, machine=machine, start=utc(2026, 3, 29, 7), end=utc(2026, 3, 29, 8))
        assert_refused(
            "lab_closed", member=member, machine=machine, start=utc(2026, 3, 29, 6, 30), end=utc(2026, 3, 29, 7, 30)
        )
        # 18:00 local closing is 16:00 UTC on the 29th.
        assert_refused(
            "lab_closed", member=member, machine=machine, start=utc(2026, 3, 29, 15, 30), end=utc(2026, 3, 29, 16, 30)
        )

    def test_it_keeps_the_local_slot_grid_in_a_half_hour_offset_zone(self, frozen_now, lab, member):
        lab.time_zone = "Asia/Kolkata"  # UTC+05:30: local 10:00 is 04:30 UTC
        lab.save()
        machine = MachineFactory(lab=lab, slot_minutes=60, min_minutes=60)
        assert booking_create(
            member=member, machine=machine, start=utc(2026, 3, 24, 4, 30), end=utc(2026, 3, 24, 5, 30)
        )
        assert_refused("off_grid", member=member, machine=machine, start=utc(2026, 3, 24, 5), end=utc(2026, 3, 24, 6))

    @pytest.mark.parametrize(
        "start, end, code",
        [
            (utc(2026, 3, 24, 9, 10), utc(2026, 3, 24, 10, 10), "off_grid"),
            (utc(2026, 3, 24, 9), utc(2026, 3, 24, 9, 45), "off_grid"),
            (utc(2026, 3, 24, 9), utc(2026, 3, 24, 14), "bad_length"),
            (utc(2026, 3, 24, 10), utc(2026, 3, 24, 9), "end_before_start"),
            (utc(2026, 3, 23, 7), utc(2026, 3, 23, 8), "in_past"),
            (utc(2026, 3, 23, 8, 30), utc(2026, 3, 23, 9), "too_short_notice"),
            (utc(2026, 4, 24, 9), utc(2026, 4, 24, 10), "beyond_horizon"),
        ],
    )
    def test_it_refuses_times_that_break_a_rule_and_writes_nothing(self, frozen_now, machine, member, start, end, code):
        assert_refused(code, member=member, machine=machine, start=start, end=end)
        assert balance_minutes(user=member, lab=machine.lab) == 600

    def test_it_refuses_naive_datetimes(self, frozen_now, machine, member):
        assert_refused(
            "naive_time",
            member=member,
            machine=machine,
            start=dt.datetime(2026, 3, 24, 10),
            end=dt.datetime(2026, 3, 24, 11),
        )

    def test_it_refuses_a_machine_in_maintenance_or_out_of_order(self, frozen_now, machine, member):
        for status in (MachineStatus.MAINTENANCE, MachineStatus.OUT_OF_ORDER):
            machine.status = status
            machine.save()
            assert_refused(
                "machine_unavailable",
                member=member,
                machine=machine,
                start=utc(2026, 3, 24, 9),
                end=utc(2026, 3, 24, 10),
            )

    def test_it_refuses_time_during_a_maintenance_window(self, frozen_now, machine, member):
        MaintenanceWindowFactory(machine=machine, start=utc(2026, 3, 24, 9, 30), end=utc(2026, 3, 24, 11))
        assert_refused(
            "maintenance", member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10)
        )

    def test_it_requires_a_live_qualification_when_the_machine_needs_one(self, frozen_now, machine, member):
        machine.requires_qualification = True
        machine.save()
        assert_refused(
            "qualification_required",
            member=member,
            machine=machine,
            start=utc(2026, 3, 24, 9),
            end=utc(2026, 3, 24, 10),
        )
        QualificationFactory(user=member, machine=machine, expires_at=utc(2026, 3, 24, 8))
        assert_refused(
            "qualification_required",
            member=member,
            machine=machine,
            start=utc(2026, 3, 24, 9),
            end=utc(2026, 3, 24, 10),
        )
        QualificationFactory(user=member, machine=MachineFactory(lab=machine.lab))  # another machine's
        machine.qualifications.update(expires_at=None)
        assert booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))

    def test_it_enforces_the_weekly_quota_in_the_labs_week(self, frozen_now, machine, member):
        machine.weekly_quota_minutes = 120
        machine.save()
        booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))
        booking_create(member=member, machine=machine, start=utc(2026, 3, 25, 9), end=utc(2026, 3, 25, 10))
        error = assert_refused(
            "weekly_quota", member=member, machine=machine, start=utc(2026, 3, 26, 9), end=utc(2026, 3, 26, 9, 30)
        )
        assert "0 left" in str(error)
        # Monday 30 March starts a new week in the lab.
        assert booking_create(member=member, machine=machine, start=utc(2026, 3, 30, 7), end=utc(2026, 3, 30, 8))

    def test_it_refuses_when_credits_are_short_and_writes_nothing(self, frozen_now, machine):
        poor = UserFactory()
        give_credits(poor, machine.lab, 30)
        assert_refused(
            "insufficient_credits", member=poor, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10)
        )
        assert balance_minutes(user=poor, lab=machine.lab) == 30

    def test_staff_book_on_behalf_without_the_notice_rule(self, frozen_now, machine, member):
        staff = UserFactory()
        MembershipFactory(user=staff, lab=machine.lab, role=Role.STAFF)
        booking = booking_create(
            member=member, machine=machine, start=utc(2026, 3, 23, 8, 30), end=utc(2026, 3, 23, 9), by=staff
        )
        assert (booking.member, booking.created_by) == (member, staff)
        assert LedgerEntry.objects.filter(kind=EntryKind.BOOKING_DEBIT).get().author == staff
