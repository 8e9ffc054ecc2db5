"""The HTML booking flow: confirm a slot, book, my bookings, cancel, and the staff's day view."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Booking, BookingKind, BookingStatus
from bookings.services import booking_create
from fablab.credits.models import LedgerEntry
from fablab.credits.selectors import balance_minutes
from tests.bookings.conftest import NOW, utc
from tests.factories import MachineFactory, QualificationFactory, UserFactory, give_credits

pytestmark = pytest.mark.django_db

# Tuesday 24 March 2026, 10:00–11:00 in Paris (UTC+1).
START, END = "2026-03-24T10:00:00+01:00", "2026-03-24T11:00:00+01:00"


def book_url(machine):
    return reverse("machines:book", args=[machine.pk])


def written():
    return Booking.objects.count(), LedgerEntry.objects.count()


def hold(machine, start, end, *, member=None, status=BookingStatus.CONFIRMED):
    return Booking.objects.create(
        machine=machine,
        member=member,
        kind=BookingKind.MEMBER if member else BookingKind.BLOCK,
        start=start,
        end=end,
        blocked_until=end,
        status=status,
    )


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


class TestBookingConfirmationPage:
    def test_it_shows_the_machine_local_times_cost_and_balance(self, signed_in, frozen_now, machine):
        response = signed_in.get(book_url(machine), {"start": START, "end": END})
        content = response.content.decode()
        assert response.status_code == 200
        assert "Book Laser" in content
        assert "Tuesday 24 March 2026" in content
        assert "10:00–11:00" in content
        assert "Europe/Paris" in content
        assert "<dd>60 credit minutes</dd>" in content  # the cost
        assert "<dd>600 credit minutes</dd>" in content  # the balance
        assert '<option value="60" selected>1 hour — 60 credit minutes</option>' in content
        assert '<option value="240">4 hours — 240 credit minutes</option>' in content
        assert 'type="hidden" name="start" value="2026-03-24T10:00:00+01:00"' in content
        assert '<label for="id_length_minutes">' in content

    def test_it_shows_times_given_in_utc_in_the_labs_zone(self, signed_in, frozen_now, machine):
        content = signed_in.get(book_url(machine), {"start": "2026-03-24T09:00:00Z"}).content.decode()
        assert "10:00–10:30" in content  # the shortest booking by default

    def test_it_reads_a_plus_sign_that_was_not_url_encoded(self, signed_in, frozen_now, machine):
        response = signed_in.get(f"{book_url(machine)}?start={START}&end={END}")
        assert response.status_code == 200
        assert "10:00–11:00" in response.content.decode()

    def test_it_warns_when_the_balance_is_too_low(self, client, frozen_now, machine):
        poor = UserFactory()
        give_credits(poor, machine.lab, 30)
        client.force_login(poor)
        content = client.get(book_url(machine), {"start": START, "end": END}).content.decode()
        assert "Your balance is too low for this booking." in content

    @pytest.mark.parametrize(
        ("query", "message"),
        [
            ({"start": "tomorrow at ten"}, "is not a date and time in ISO 8601 format"),
            ({"start": "2026-03-24T10:00:00"}, "Give the time with its UTC offset"),
            ({"start": START, "end": "2026-03-24T11:00:00"}, "Give the time with its UTC offset"),
            ({}, "Pick a start time."),
            (
                {"start": "2026-03-24T10:10:00+01:00", "end": "2026-03-24T11:10:00+01:00"},
                "Bookings start on the 30-minute grid",
            ),
            ({"start": START, "end": "2026-03-24T09:00:00+01:00"}, "The end must be after the start."),
            ({"start": START, "end": "2026-03-24T16:00:00+01:00"}, "A booking lasts between 30 and 240 minutes."),
        ],
    )
    def test_it_answers_400_with_a_clear_message_for_a_bad_slot(self, signed_in, frozen_now, machine, query, message):
        response = signed_in.get(book_url(machine), query)
        content = response.content.decode()
        assert response.status_code == 400
        assert message in content
        assert 'role="alert"' in content
        assert 'name="length_minutes"' not in content  # nothing to confirm

    def test_it_sends_anonymous_visitors_to_the_login_page(self, client, frozen_now, machine):
        response = client.get(book_url(machine), {"start": START, "end": END})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")

    def test_it_answers_404_for_a_hidden_machine(self, signed_in, frozen_now, lab):
        hidden = MachineFactory(lab=lab, is_public=False)
        assert signed_in.get(book_url(hidden), {"start": START, "end": END}).status_code == 404


class TestBookThroughTheForm:
    def test_it_books_debits_the_credits_and_redirects_to_my_bookings(
        self, signed_in, frozen_now, machine, member, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in.post(book_url(machine), {"start": START, "length_minutes": "90", "note": "Plywood"})
        assert response.status_code == 302
        assert response["Location"] == reverse("bookings:list")
        booking = Booking.objects.get()
        assert (booking.member, booking.start, booking.end) == (member, utc(2026, 3, 24, 9), utc(2026, 3, 24, 10, 30))
        assert (booking.credits_minutes, booking.note) == (90, "Plywood")
        assert balance_minutes(user=member, lab=machine.lab) == 510
        assert len(mailoutbox) == 1
        content = signed_in.get(response["Location"]).content.decode()
        assert "Booked: Laser on" in content
        assert "90 credit minutes were debited." in content

    def test_it_refuses_an_off_grid_start_with_400_and_writes_nothing(self, signed_in, frozen_now, machine):
        before = written()
        response = signed_in.post(book_url(machine), {"start": "2026-03-24T10:10:00+01:00", "length_minutes": "60"})
        assert response.status_code == 400
        assert "Bookings start on the 30-minute grid" in response.content.decode()
        assert "Nothing was booked." in response.content.decode()
        assert written() == before

    def test_it_refuses_a_taken_slot_with_409_and_writes_nothing(self, signed_in, frozen_now, machine):
        other = UserFactory()
        give_credits(other, machine.lab, 600)
        booking_create(member=other, machine=machine, start=utc(2026, 3, 24, 9, 30), end=utc(2026, 3, 24, 10, 30))
        before = written()
        response = signed_in.post(book_url(machine), {"start": START, "length_minutes": "60"})
        assert response.status_code == 409
        assert "This slot is no longer free. Pick another time." in response.content.decode()
        assert written() == before

    def test_it_refuses_without_enough_credits_with_400_and_writes_nothing(self, client, frozen_now, machine):
        poor = UserFactory()
        give_credits(poor, machine.lab, 30)
        client.force_login(poor)
        before = written()
        response = client.post(book_url(machine), {"start": START, "length_minutes": "60"})
        assert response.status_code == 400
        assert "Not enough credits" in response.content.decode()
        assert written() == before
        assert balance_minutes(user=poor, lab=machine.lab) == 30

    def test_it_refuses_a_machine_that_needs_a_qualification(self, signed_in, frozen_now, lab, member):
        laser = MachineFactory(lab=lab, requires_qualification=True)
        before = written()
        response = signed_in.post(book_url(laser), {"start": START, "length_minutes": "60"})
        assert response.status_code == 400
        assert "needs a qualification" in response.content.decode()
        assert written() == before
        QualificationFactory(user=member, machine=laser)
        assert signed_in.post(book_url(laser), {"start": START, "length_minutes": "60"}).status_code == 302

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"start": "garbage", "length_minutes": "60"}, "is not a date and time in ISO 8601 format"),
            ({"start": "2026-03-24T10:00:00", "length_minutes": "60"}, "Give the time with its UTC offset"),
            ({"start": START, "length_minutes": "45"}, "Select a valid choice."),
            ({"start": START}, "This field is required."),
        ],
    )
    def test_it_refuses_malformed_input_with_400_and_writes_nothing(
        self, signed_in, frozen_now, machine, data, message
    ):
        before = written()
        response = signed_in.post(book_url(machine), data)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert written() == before

    def test_it_refuses_a_time_in_the_past(self, signed_in, frozen_now, machine):
        response = signed_in.post(book_url(machine), {"start": "2026-03-23T08:00:00+01:00", "length_minutes": "60"})
        assert response.status_code == 400
        assert "This time is in the past." in response.content.decode()

    def test_anonymous_visitors_cannot_book(self, client, frozen_now, machine):
        response = client.post(book_url(machine), {"start": START, "length_minutes": "60"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert Booking.objects.count() == 0


class TestMyBookings:
    def test_it_lists_only_my_upcoming_and_past_bookings_with_local_times(self, signed_in, frozen_now, machine, member):
        booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))
        hold(machine, utc(2026, 3, 20, 9), utc(2026, 3, 20, 10), member=member)
        stranger = UserFactory(full_name="Someone Else")
        hold(machine, utc(2026, 3, 25, 13), utc(2026, 3, 25, 14), member=stranger)
        response = signed_in.get(reverse("bookings:list"))
        content = response.content.decode()
        assert response.status_code == 200
        upcoming, past = content.split('id="past"')
        assert "Tue 24 Mar 2026" in upcoming and "10:00–11:00" in upcoming
        assert "Fri 20 Mar 2026" in past
        assert "Wed 25 Mar 2026" not in content  # the other member's booking
        assert "Confirmed" in content
        assert "<td>600</td>" not in content and "<td>540</td>" in content  # balance after the debit

    def test_it_offers_cancel_only_for_active_bookings_still_to_come(self, signed_in, frozen_now, machine, member):
        coming = booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))
        cancelled = hold(
            machine, utc(2026, 3, 26, 9), utc(2026, 3, 26, 10), member=member, status=BookingStatus.CANCELLED
        )
        content = signed_in.get(reverse("bookings:list")).content.decode()
        assert reverse("bookings:cancel", args=[coming.pk]) in content
        assert reverse("bookings:cancel", args=[cancelled.pk]) not in content
        assert "Cancelled" in content

    def test_it_shows_the_last_50_past_bookings(self, signed_in, frozen_now, machine, member):
        for day in range(55):
            start = utc(2026, 1, 1, 9) + dt.timedelta(days=day)
            hold(machine, start, start + dt.timedelta(hours=1), member=member)
        content = signed_in.get(reverse("bookings:list")).content.decode()
        past = content.split('id="past"')[1]
        assert past.count("<tr>") == 1 + 50
        assert "Tue 24 Feb 2026" in past  # the newest
        assert "Tue 6 Jan 2026" in past
        assert "Mon 5 Jan 2026" not in past

    def test_it_runs_the_same_number_of_queries_for_2_or_30_bookings(
        self, signed_in, frozen_now, machine, member, django_assert_num_queries
    ):
        for day in (1, 2):
            hold(machine, utc(2026, 3, day, 9), utc(2026, 3, day, 10), member=member)
        with django_assert_num_queries(7) as small:
            signed_in.get(reverse("bookings:list"))
        for day in range(3, 31):
            hold(
                machine,
                utc(2026, 1, 1, 9) + dt.timedelta(days=day),
                utc(2026, 1, 1, 10) + dt.timedelta(days=day),
                member=member,
            )
        with django_assert_num_queries(len(small.captured_queries)):
            signed_in.get(reverse("bookings:list"))

    def test_it_sends_anonymous_visitors_to_the_login_page(self, client):
        response = client.get(reverse("bookings:list"))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


@pytest.fixture
def booking(frozen_now, machine, member):
    return booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))


class TestCancelBooking:
    def test_the_confirmation_states_the_full_refund_before_the_deadline(self, signed_in, booking):
        response = signed_in.get(reverse("bookings:cancel", args=[booking.pk]))
        content = response.content.decode()
        assert response.status_code == 200
        assert "If you cancel now, 60 credit minutes come back to your balance: all you paid." in content
        assert "10:00–11:00" in content

    def test_the_confirmation_states_the_late_refund_after_the_deadline(self, signed_in, booking):
        lab = booking.machine.lab
        lab.late_cancellation_refund_percent = 50
        lab.save()
        with time_machine.travel(utc(2026, 3, 24, 8), tick=False):
            content = signed_in.get(reverse("bookings:cancel", args=[booking.pk])).content.decode()
        assert "has passed: if you cancel now, 30 credit minutes come back to your balance." in content

    def test_the_confirmation_says_when_nothing_comes_back(self, signed_in, booking):
        with time_machine.travel(utc(2026, 3, 24, 8), tick=False):
            content = signed_in.get(reverse("bookings:cancel", args=[booking.pk])).content.decode()
        assert "has passed: if you cancel now, no credits come back." in content

    def test_it_cancels_refunds_and_redirects(
        self, signed_in, booking, member, mailoutbox, django_capture_on_commit_callbacks
    ):
        assert balance_minutes(user=member, lab=booking.machine.lab) == 540
        with django_capture_on_commit_callbacks(execute=True):
            response = signed_in.post(reverse("bookings:cancel", args=[booking.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("bookings:list")
        booking.refresh_from_db()
        assert (booking.status, booking.refunded_minutes) == (BookingStatus.CANCELLED, 60)
        assert balance_minutes(user=member, lab=booking.machine.lab) == 600
        assert "cancelled" in mailoutbox[-1].subject.lower()
        assert "60 credit minutes came back to your balance." in signed_in.get(response["Location"]).content.decode()

    def test_another_members_booking_is_not_found_on_the_page_or_on_cancel(self, client, booking, member):
        client.force_login(UserFactory())
        before = written()
        assert client.get(reverse("bookings:cancel", args=[booking.pk])).status_code == 404
        assert client.post(reverse("bookings:cancel", args=[booking.pk])).status_code == 404
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CONFIRMED
        assert written() == before

    def test_cancelling_twice_answers_409_and_moves_no_credits(self, signed_in, booking, member):
        signed_in.post(reverse("bookings:cancel", args=[booking.pk]))
        before = written()
        page = signed_in.get(reverse("bookings:cancel", args=[booking.pk])).content.decode()
        assert "This booking can no longer be cancelled here." in page
        response = signed_in.post(reverse("bookings:cancel", args=[booking.pk]))
        assert response.status_code == 409
        assert "already cancelled" in response.content.decode()
        assert written() == before
        assert balance_minutes(user=member, lab=booking.machine.lab) == 600

    def test_a_started_booking_cannot_be_cancelled_by_its_member(self, signed_in, booking):
        with time_machine.travel(utc(2026, 3, 24, 9, 15), tick=False):
            response = signed_in.post(reverse("bookings:cancel", args=[booking.pk]))
        assert response.status_code == 400
        assert "already started" in response.content.decode()
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CONFIRMED

    def test_anonymous_visitors_are_sent_to_the_login_page(self, client, booking):
        response = client.post(reverse("bookings:cancel", args=[booking.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CONFIRMED


@pytest.fixture
def day_world(world):
    """The world's lab A with a laser booked by the member on Tuesday 24 March 10:00–11:00 in Paris."""
    with time_machine.travel(NOW, tick=False):
        world.laser = MachineFactory(lab=world.lab, name="Laser A")
        world.printer = MachineFactory(lab=world.lab, name="Printer A")
        world.booking = hold(world.laser, utc(2026, 3, 24, 9), utc(2026, 3, 24, 10), member=world.member)
        yield world


def staff_day(client, **params):
    return client.get(reverse("bookings:staff_day"), params)


class TestStaffDayView:
    def test_staff_of_the_lab_see_every_machine_and_the_days_bookings(self, client, day_world):
        client.force_login(day_world.staff)
        response = staff_day(client, lab="lab-a", date="2026-03-24")
        content = response.content.decode()
        assert response.status_code == 200
        assert "Laser A" in content and "Printer A" in content
        assert "Mia Member" in content
        assert "10:00–11:00" in content
        assert "Confirmed" in content
        assert '<th scope="row">' in content

    def test_it_defaults_to_the_first_staffed_lab_and_today(self, client, day_world):
        client.force_login(day_world.staff)
        response = staff_day(client)
        content = response.content.decode()
        assert response.status_code == 200
        assert "Lab A: bookings of Monday 23 March 2026" in content
        assert "10:00–11:00" not in content  # the booking is on Tuesday
        assert 'aria-current="date">Today' in content

    def test_staff_of_another_lab_are_refused(self, client, day_world):
        client.force_login(day_world.other_staff)
        assert staff_day(client, lab="lab-a").status_code == 403
        own = staff_day(client)
        assert own.status_code == 200
        assert "Lab B: bookings of" in own.content.decode()

    def test_members_and_trainers_are_refused(self, client, day_world):
        for user in (day_world.member, day_world.trainer):
            client.force_login(user)
            assert staff_day(client).status_code == 403
            assert staff_day(client, lab="lab-a").status_code == 403

    def test_anonymous_visitors_are_sent_to_the_login_page(self, client, day_world):
        response = staff_day(client, lab="lab-a")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_a_superuser_may_look_at_any_lab(self, client, day_world):
        client.force_login(day_world.superuser)
        assert staff_day(client, lab="lab-b").status_code == 200

    def test_an_unknown_lab_is_not_found(self, client, day_world):
        client.force_login(day_world.staff)
        assert staff_day(client, lab="atlantis").status_code == 404

    def test_a_bad_date_shows_today_with_a_message(self, client, day_world):
        client.force_login(day_world.staff)
        response = staff_day(client, lab="lab-a", date="someday")
        assert response.status_code == 400
        assert "is not a date like 2026-03-23; here is today." in response.content.decode()

    def test_it_runs_the_same_number_of_queries_for_2_or_12_machines(
        self, client, day_world, django_assert_num_queries
    ):
        client.force_login(day_world.staff)
        staff_day(client, lab="lab-a", date="2026-03-24")
        with django_assert_num_queries(8) as small:
            staff_day(client, lab="lab-a", date="2026-03-24")
        for _ in range(10):
            machine = MachineFactory(lab=day_world.lab)
            hold(machine, utc(2026, 3, 24, 9), utc(2026, 3, 24, 10), member=day_world.other_member)
        with django_assert_num_queries(len(small.captured_queries)):
            content = staff_day(client, lab="lab-a", date="2026-03-24").content.decode()
        # Ten bookings, plus the member's name in the "book for a member" list.
        assert content.count("Oscar Other") == 11
