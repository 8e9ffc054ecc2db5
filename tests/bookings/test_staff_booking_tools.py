import datetime as dt

import pytest
import time_machine

from bookings.models import Booking, BookingKind, BookingStatus
from bookings.services import (
    block_create,
    block_series_create,
    booking_check_in,
    booking_create,
    booking_mark_no_show,
    bookings_release_no_shows,
)
from fablab.core.errors import ConflictError, DomainError, NotAllowedError
from fablab.credits.selectors import balance_minutes
from fablab.labs.models import Role
from tests.bookings.conftest import utc
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(lab):
    user = UserFactory()
    MembershipFactory(user=user, lab=lab, role=Role.STAFF)
    return user


class TestBlocks:
    def test_staff_block_time_without_moving_credits(self, frozen_now, machine, staff):
        block = block_create(
            machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 12), by=staff, note="Class"
        )
        assert (block.kind, block.member, block.credits_minutes) == (BookingKind.BLOCK, None, 0)

    def test_a_block_takes_the_slot_from_members(self, frozen_now, machine, member, staff):
        block_create(machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 12), by=staff)
        with pytest.raises(DomainError) as error:
            booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 10), end=utc(2026, 3, 24, 11))
        assert error.value.code == "slot_taken"

    def test_members_and_other_labs_staff_cannot_block(self, frozen_now, machine, member):
        other_staff = UserFactory()
        MembershipFactory(user=other_staff, role=Role.STAFF)
        for user in (member, other_staff):
            with pytest.raises(NotAllowedError):
                block_create(machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 12), by=user)
        assert Booking.objects.count() == 0

    def test_a_weekly_series_keeps_local_time_and_skips_clashing_dates(self, frozen_now, machine, member, staff):
        # Tuesday 24 March 09:00 UTC is 10:00 in Paris; from 31 March (summer time) 10:00 is 08:00 UTC.
        clash = booking_create(member=member, machine=machine, start=utc(2026, 3, 31, 8), end=utc(2026, 3, 31, 9))
        blocks, skipped = block_series_create(
            machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10), until=dt.date(2026, 4, 14), by=staff
        )
        assert [b.start for b in blocks] == [utc(2026, 3, 24, 9), utc(2026, 4, 7, 8), utc(2026, 4, 14, 8)]
        assert skipped == [(clash.start, clash.end)]
        assert len({b.series for b in blocks}) == 1

    def test_a_series_must_end_after_it_starts(self, frozen_now, machine, staff):
        with pytest.raises(DomainError):
            block_series_create(
                machine=machine,
                start=utc(2026, 3, 24, 9),
                end=utc(2026, 3, 24, 10),
                until=dt.date(2026, 3, 1),
                by=staff,
            )


class TestCheckInAndNoShow:
    @pytest.fixture
    def booking(self, frozen_now, machine, member):
        return booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))

    def test_every_booking_gets_a_check_in_code(self, booking):
        assert len(booking.check_in_code) == 10

    def test_staff_check_a_member_in_around_the_start(self, booking, staff):
        with time_machine.travel(utc(2026, 3, 24, 8, 45), tick=False):
            checked = booking_check_in(booking=booking, by=staff)
            assert booking_check_in(booking=booking, by=staff).status == BookingStatus.CHECKED_IN  # twice is fine
        assert checked.status == BookingStatus.CHECKED_IN
        assert checked.checked_in_at == utc(2026, 3, 24, 8, 45)

    def test_check_in_is_refused_too_early_and_by_non_staff(self, booking, staff, member):
        with pytest.raises(DomainError) as error:
            booking_check_in(booking=booking, by=staff)
        assert error.value.code == "check_in_closed"
        with pytest.raises(NotAllowedError):
            booking_check_in(booking=booking, by=member)

    def test_a_no_show_frees_the_slot_and_follows_the_late_policy(self, booking, staff, member, machine):
        machine.lab.late_cancellation_refund_percent = 50
        machine.lab.save()
        with time_machine.travel(utc(2026, 3, 24, 9, 20), tick=False):
            released = booking_mark_no_show(booking=booking, by=staff)
        assert (released.status, released.refunded_minutes) == (BookingStatus.NO_SHOW, 30)
        assert balance_minutes(user=member, lab=machine.lab) == 570
        with pytest.raises(ConflictError):
            booking_mark_no_show(booking=booking, by=staff)

    def test_bookings_not_checked_in_are_released_automatically_once(self, booking, machine):
        machine.no_show_release_minutes = 15
        machine.save()
        with time_machine.travel(utc(2026, 3, 24, 9, 10), tick=False):
            assert bookings_release_no_shows() == []
        with time_machine.travel(utc(2026, 3, 24, 9, 16), tick=False):
            assert [b.pk for b in bookings_release_no_shows()] == [booking.pk]
            assert bookings_release_no_shows() == []
        booking.refresh_from_db()
        assert booking.status == BookingStatus.NO_SHOW
