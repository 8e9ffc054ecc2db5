import pytest
import time_machine

from bookings.models import Booking, BookingStatus, WaitlistEntry, WaitlistStatus
from bookings.services import booking_cancel, booking_create
from bookings.waitlist import (
    waitlist_expire_offers,
    waitlist_join,
    waitlist_leave,
    waitlist_offer_accept,
    waitlist_offer_decline,
)
from fablab.core.errors import ConflictError, DomainError
from fablab.credits.selectors import balance_minutes
from tests.bookings.conftest import utc
from tests.concurrency import race
from tests.factories import UserFactory, give_credits

pytestmark = pytest.mark.django_db

SLOT = (utc(2026, 3, 24, 9), utc(2026, 3, 24, 10))


@pytest.fixture
def taken(frozen_now, machine, member):
    return booking_create(member=member, machine=machine, start=SLOT[0], end=SLOT[1])


@pytest.fixture
def waiting(machine):
    """Three members, in the order they joined the waiting list."""
    members = [UserFactory() for _ in range(3)]
    for user in members:
        give_credits(user, machine.lab, 600)
    return members


class TestWaitlistJoin:
    def test_it_queues_a_member_for_a_taken_slot(self, taken, machine, waiting):
        entry = waitlist_join(member=waiting[0], machine=machine, start=SLOT[0], end=SLOT[1])
        assert entry.status == WaitlistStatus.WAITING

    def test_it_refuses_a_free_slot(self, frozen_now, machine, waiting):
        with pytest.raises(DomainError) as error:
            waitlist_join(member=waiting[0], machine=machine, start=SLOT[0], end=SLOT[1])
        assert error.value.code == "slot_free"

    def test_it_refuses_to_queue_twice(self, taken, machine, waiting):
        waitlist_join(member=waiting[0], machine=machine, start=SLOT[0], end=SLOT[1])
        with pytest.raises(ConflictError) as error:
            waitlist_join(member=waiting[0], machine=machine, start=SLOT[0], end=SLOT[1])
        assert error.value.code == "already_waiting"
        assert WaitlistEntry.objects.count() == 1


class TestWaitlistOffers:
    def test_a_freed_slot_is_held_for_the_first_in_line_and_they_are_told(
        self, taken, machine, member, waiting, mailoutbox, django_capture_on_commit_callbacks
    ):
        for user in waiting:
            waitlist_join(member=user, machine=machine, start=SLOT[0], end=SLOT[1])
        with django_capture_on_commit_callbacks(execute=True):
            booking_cancel(booking=taken, by=member)
        first = WaitlistEntry.objects.get(member=waiting[0])
        assert first.status == WaitlistStatus.OFFERED
        assert first.hold.status == BookingStatus.HELD
        assert first.hold.hold_expires_at == utc(2026, 3, 23, 10)  # two hours to answer
        assert WaitlistEntry.objects.filter(status=WaitlistStatus.WAITING).count() == 2
        assert [message.to for message in mailoutbox][-1] == [waiting[0].email]
        assert f"/bookings/offers/{first.pk}/" in mailoutbox[-1].body

    def test_nobody_else_can_book_a_held_slot(self, taken, machine, member, waiting):
        waitlist_join(member=waiting[0], machine=machine, start=SLOT[0], end=SLOT[1])
        booking_cancel(booking=taken, by=member)
        with pytest.raises(DomainError) as error:
            booking_create(member=waiting[1], machine=machine, start=SLOT[0], end=SLOT[1])
        assert error.value.code == "slot_taken"

    def test_accepting_books_the_slot_and_debits_the_credits(self, taken, machine, member, waiting):
        entry = waitlist_join(member=waiting[0], machine=machine, start=SLOT[0], end=SLOT[1])
        booking_cancel(booking=taken, by=member)
        entry.refresh_from_db()
        booking = waitlist_offer_accept(entry=entry, member=waiting[0])
        assert (booking.status, booking.credits_minutes) == (BookingStatus.CONFIRMED, 60)
        assert balance_minutes(user=waiting[0], lab=machine.lab) == 540
        entry.refresh_from_db()
        assert entry.status == WaitlistStatus.BOOKED

    def test_an_expired_offer_goes_to_the_next_in_line(self, taken, machine, member, waiting):
        for user in waiting[:2]:
            waitlist_join(member=user, machine=machine, start=SLOT[0], end=SLOT[1])
        booking_cancel(booking=taken, by=member)
        first = WaitlistEntry.objects.get(member=waiting[0])
        with time_machine.travel(utc(2026, 3, 23, 10, 1), tick=False):
            assert waitlist_expire_offers() == 1
            assert waitlist_expire_offers() == 0  # idempotent
            with pytest.raises(ConflictError):
                waitlist_offer_accept(entry=first, member=waiting[0])
        first.refresh_from_db()
        assert first.status == WaitlistStatus.EXPIRED
        second = WaitlistEntry.objects.get(member=waiting[1])
        assert second.status == WaitlistStatus.OFFERED
        assert Booking.objects.filter(status=BookingStatus.HELD).count() == 1

    def test_declining_passes_the_offer_on(self, taken, machine, member, waiting):
        for user in waiting[:2]:
            waitlist_join(member=user, machine=machine, start=SLOT[0], end=SLOT[1])
        booking_cancel(booking=taken, by=member)
        waitlist_offer_decline(entry=WaitlistEntry.objects.get(member=waiting[0]), member=waiting[0])
        assert WaitlistEntry.objects.get(member=waiting[1]).status == WaitlistStatus.OFFERED

    def test_only_the_offered_member_can_accept(self, taken, machine, member, waiting):
        entry = waitlist_join(member=waiting[0], machine=machine, start=SLOT[0], end=SLOT[1])
        booking_cancel(booking=taken, by=member)
        with pytest.raises(ConflictError):
            waitlist_offer_accept(entry=entry, member=waiting[1])

    def test_accepting_without_enough_credits_keeps_the_offer_open(self, taken, machine, member):
        poor = UserFactory()
        give_credits(poor, machine.lab, 30)
        entry = waitlist_join(member=poor, machine=machine, start=SLOT[0], end=SLOT[1])
        booking_cancel(booking=taken, by=member)
        with pytest.raises(DomainError) as error:
            waitlist_offer_accept(entry=WaitlistEntry.objects.get(pk=entry.pk), member=poor)
        assert error.value.code == "insufficient_credits"
        entry.refresh_from_db()
        assert (entry.status, entry.hold.status) == (WaitlistStatus.OFFERED, BookingStatus.HELD)

    def test_leaving_the_queue(self, taken, machine, waiting):
        entry = waitlist_join(member=waiting[0], machine=machine, start=SLOT[0], end=SLOT[1])
        waitlist_leave(entry=entry, member=waiting[0])
        entry.refresh_from_db()
        assert entry.status == WaitlistStatus.CANCELLED


@pytest.mark.django_db(transaction=True)
class TestWaitlistRace:
    def test_concurrent_accept_and_expiry_leave_exactly_one_outcome(self, frozen_now, machine, member):
        members = [UserFactory() for _ in range(2)]
        for user in members:
            give_credits(user, machine.lab, 600)
        give_credits(member, machine.lab, 600)
        taken = booking_create(member=member, machine=machine, start=SLOT[0], end=SLOT[1])
        for user in members:
            waitlist_join(member=user, machine=machine, start=SLOT[0], end=SLOT[1])
        booking_cancel(booking=taken, by=member)
        entry = WaitlistEntry.objects.get(member=members[0])

        results = race(
            [lambda: waitlist_offer_accept(entry=entry, member=members[0])] * 5
            + [lambda: waitlist_offer_decline(entry=entry, member=members[0])] * 5
        )

        outcomes = [type(result).__name__ for result in results]
        assert outcomes.count("Booking") + outcomes.count("WaitlistEntry") == 1, outcomes
        active = Booking.objects.filter(machine=machine, status__in=["held", "confirmed"])
        assert active.count() == 1


class TestHeldSlotsAndCancellation:
    def test_a_member_cannot_cancel_an_offer_as_if_it_were_a_booking(self, taken, machine, member, waiting):
        entry = waitlist_join(member=waiting[0], machine=machine, start=SLOT[0], end=SLOT[1])
        booking_cancel(booking=taken, by=member)
        entry.refresh_from_db()
        with pytest.raises(ConflictError) as error:
            booking_cancel(booking=entry.hold, by=waiting[0])
        assert error.value.code == "offer_not_booking"

    def test_a_machine_out_of_order_ends_the_offers_on_it(self, taken, machine, member, waiting):
        from machines.models import MachineStatus
        from machines.services import machine_set_status

        entry = waitlist_join(member=waiting[0], machine=machine, start=SLOT[0], end=SLOT[1])
        booking_cancel(booking=taken, by=member)
        machine_set_status(machine=machine, status=MachineStatus.OUT_OF_ORDER, by=None, reason="Broken")
        entry.refresh_from_db()
        assert (entry.status, entry.hold.status) == (WaitlistStatus.CANCELLED, BookingStatus.CANCELLED)

    def test_joining_the_waiting_list_for_ones_own_slot_is_refused(self, taken, machine, member):
        with pytest.raises(DomainError) as error:
            waitlist_join(member=member, machine=machine, start=SLOT[0], end=SLOT[1])
        assert error.value.code == "own_slot"
