import pytest
import time_machine

from bookings.models import BookingStatus
from bookings.services import booking_cancel, booking_create
from fablab.core.errors import ConflictError, DomainError
from fablab.credits.models import EntryKind, LedgerEntry
from fablab.credits.selectors import balance_minutes
from fablab.labs.models import Role
from tests.bookings.conftest import utc
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booking(frozen_now, machine, member):
    # Tuesday 24 March 10:00–11:00 in Paris; the free-cancellation deadline is 24 hours before.
    return booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))


class TestBookingCancel:
    def test_it_refunds_in_full_before_the_deadline(
        self, booking, member, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            cancelled = booking_cancel(booking=booking, by=member)
        assert cancelled.status == BookingStatus.CANCELLED
        assert (cancelled.refunded_minutes, cancelled.sequence) == (60, 1)
        assert balance_minutes(user=member, lab=booking.machine.lab) == 600
        refund = LedgerEntry.objects.get(kind=EntryKind.CANCELLATION_REFUND)
        assert (refund.minutes, refund.reference) == (60, cancelled)
        assert "cancelled" in mailoutbox[-1].subject.lower()

    def test_it_applies_the_labs_policy_after_the_deadline(self, booking, member):
        lab = booking.machine.lab
        lab.late_cancellation_refund_percent = 50
        lab.save()
        with time_machine.travel(utc(2026, 3, 24, 8), tick=False):
            cancelled = booking_cancel(booking=booking, by=member)
        assert cancelled.refunded_minutes == 30
        assert balance_minutes(user=member, lab=lab) == 570

    def test_it_refunds_nothing_late_when_the_policy_says_so(self, booking, member):
        with time_machine.travel(utc(2026, 3, 24, 8), tick=False):
            cancelled = booking_cancel(booking=booking, by=member)
        assert cancelled.refunded_minutes == 0
        assert not LedgerEntry.objects.filter(kind=EntryKind.CANCELLATION_REFUND).exists()

    def test_staff_cancellations_always_refund_in_full(self, booking, member):
        staff = UserFactory()
        MembershipFactory(user=staff, lab=booking.machine.lab, role=Role.STAFF)
        with time_machine.travel(utc(2026, 3, 24, 9, 30), tick=False):
            cancelled = booking_cancel(booking=booking, by=staff)
        assert cancelled.refunded_minutes == 60
        assert cancelled.cancelled_by == staff

    def test_it_refuses_to_cancel_twice_and_moves_no_credits(self, booking, member):
        booking_cancel(booking=booking, by=member)
        entries = LedgerEntry.objects.count()
        with pytest.raises(ConflictError) as error:
            booking_cancel(booking=booking, by=member)
        assert error.value.code == "not_active"
        assert LedgerEntry.objects.count() == entries

    def test_a_member_cannot_cancel_a_booking_that_has_started(self, booking, member):
        with time_machine.travel(utc(2026, 3, 24, 9, 15), tick=False), pytest.raises(DomainError) as error:
            booking_cancel(booking=booking, by=member)
        assert error.value.code == "started"
