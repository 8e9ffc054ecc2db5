"""The waiting list in the browser: join from the calendar, my waiting lists, and the offer page."""

import html

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Booking, BookingStatus, WaitlistEntry, WaitlistStatus
from bookings.services import booking_cancel, booking_create
from bookings.waitlist import waitlist_expire_offers, waitlist_join
from fablab.credits.models import LedgerEntry
from fablab.credits.selectors import balance_minutes
from machines.models import MachineStatus
from tests.bookings.conftest import utc
from tests.factories import UserFactory, give_credits

pytestmark = pytest.mark.django_db

# Tuesday 24 March 2026, 10:00–11:00 in Paris (UTC+1).
SLOT = (utc(2026, 3, 24, 9), utc(2026, 3, 24, 10))
START, END = "2026-03-24T10:00:00+01:00", "2026-03-24T11:00:00+01:00"


def join_url(machine, **query):
    url = f"{reverse('bookings:waitlist_join')}?machine={machine.pk}"
    return url + "".join(f"&{key}={value.replace('+', '%2B')}" for key, value in query.items())


def written():
    return WaitlistEntry.objects.count(), Booking.objects.count(), LedgerEntry.objects.count()


@pytest.fixture
def holder(machine):
    """The member whose booking takes the slot."""
    user = UserFactory(full_name="Holder")
    give_credits(user, machine.lab, 600)
    return user


@pytest.fixture
def taken(frozen_now, machine, holder):
    return booking_create(member=holder, machine=machine, start=SLOT[0], end=SLOT[1])


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


@pytest.fixture
def offered(taken, machine, member, holder):
    """`member` waits for the taken slot, then its holder cancels: the slot is held for `member`."""
    entry = waitlist_join(member=member, machine=machine, start=SLOT[0], end=SLOT[1])
    booking_cancel(booking=taken, by=holder)
    entry.refresh_from_db()
    assert entry.status == WaitlistStatus.OFFERED
    return entry


class TestJoinFromTheCalendar:
    def test_it_links_busy_cells_to_the_waiting_list_for_members(self, signed_in, taken, machine):
        content = signed_in.get(reverse("machines:detail", args=[machine.pk])).content.decode()
        link = html.escape(
            f"{reverse('bookings:waitlist_join')}?machine={machine.pk}"
            "&start=2026-03-24T10%3A00%3A00%2B01%3A00&end=2026-03-24T10%3A30%3A00%2B01%3A00"
        )
        assert f'href="{link}"' in content
        assert "join the waiting list for Tuesday 24 March, 10:00" in content
        assert content.count('class="cell cell-busy cell-waitlist"') == 2  # 10:00 and 10:30

    def test_it_shows_no_waiting_list_link_to_anonymous_visitors(self, client, taken, machine):
        content = client.get(reverse("machines:detail", args=[machine.pk])).content.decode()
        assert 'class="cell cell-busy"' in content
        assert reverse("bookings:waitlist_join") not in content
        assert "cell-waitlist" not in content

    def test_it_shows_no_waiting_list_link_when_the_machine_cannot_be_booked(self, signed_in, taken, machine):
        machine.status = MachineStatus.OUT_OF_ORDER
        machine.save()
        content = signed_in.get(reverse("machines:detail", args=[machine.pk])).content.decode()
        assert reverse("bookings:waitlist_join") not in content

    def test_the_page_explains_first_come_first_served_and_the_two_hour_hold(self, signed_in, taken, machine):
        response = signed_in.get(join_url(machine, start=START))
        content = response.content.decode()
        assert response.status_code == 200
        assert "Waiting list for Laser" in content
        assert "Tuesday 24 March 2026" in content
        assert "10:00–10:30" in content  # the machine's shortest booking by default
        assert "First come, first served" in content
        assert "held for you for 2 hours" in content
        assert '<option value="60">1 hour — 60 credit minutes</option>' in content
        assert 'type="hidden" name="start" value="2026-03-24T10:00:00+01:00"' in content

    def test_it_joins_and_redirects_to_my_bookings(self, signed_in, taken, machine, member):
        response = signed_in.post(join_url(machine), {"start": START, "length_minutes": "60"})
        assert response.status_code == 302
        assert response["Location"] == reverse("bookings:list")
        entry = WaitlistEntry.objects.get()
        assert (entry.member, entry.start, entry.end, entry.status) == (member, *SLOT, WaitlistStatus.WAITING)
        content = signed_in.get(response["Location"]).content.decode()
        assert "You are on the waiting list for Laser on Tue 24 Mar 2026 10:00–11:00." in content
        waiting = content.split('id="waitlist"')[1].split('id="past"')[0]
        assert "Tue 24 Mar 2026" in waiting and "Waiting" in waiting
        assert reverse("bookings:waitlist_leave", args=[entry.pk]) in waiting

    def test_joining_a_free_slot_answers_400_with_a_message_and_writes_nothing(self, signed_in, frozen_now, machine):
        page = signed_in.get(join_url(machine, start=START, end=END)).content.decode()
        assert "This slot is free: book it directly." in page
        assert reverse("machines:book", args=[machine.pk]) in page
        before = written()
        response = signed_in.post(join_url(machine), {"start": START, "length_minutes": "60"})
        assert response.status_code == 400
        assert "This slot is free: book it directly." in response.content.decode()
        assert 'role="alert"' in response.content.decode()
        assert written() == before

    def test_joining_twice_answers_409(self, signed_in, taken, machine):
        signed_in.post(join_url(machine), {"start": START, "length_minutes": "60"})
        before = written()
        response = signed_in.post(join_url(machine), {"start": START, "length_minutes": "60"})
        assert response.status_code == 409
        assert "You are already on the waiting list for this slot." in response.content.decode()
        assert written() == before

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"start": "garbage", "length_minutes": "60"}, "is not a date and time in ISO 8601 format"),
            ({"start": START, "length_minutes": "45"}, "Select a valid choice."),
            ({"start": "2026-03-24T10:10:00+01:00", "length_minutes": "60"}, "Bookings start on the 30-minute grid"),
        ],
    )
    def test_it_refuses_bad_input_with_400_and_writes_nothing(self, signed_in, taken, machine, data, message):
        before = written()
        response = signed_in.post(join_url(machine), data)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert written() == before

    def test_a_bad_link_answers_400(self, signed_in, taken, machine):
        response = signed_in.get(join_url(machine, start="tomorrow"))
        assert response.status_code == 400
        assert 'name="length_minutes"' not in response.content.decode()

    def test_an_unknown_or_hidden_machine_is_not_found(self, signed_in, taken, machine):
        assert signed_in.get(f"{reverse('bookings:waitlist_join')}?machine=999999&start={START}").status_code == 404
        assert signed_in.get(f"{reverse('bookings:waitlist_join')}?machine=laser").status_code == 404
        machine.is_public = False
        machine.save()
        assert signed_in.post(join_url(machine), {"start": START, "length_minutes": "60"}).status_code == 404

    def test_anonymous_visitors_are_sent_to_the_login_page(self, client, taken, machine):
        response = client.post(join_url(machine), {"start": START, "length_minutes": "60"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert WaitlistEntry.objects.count() == 0


class TestMyWaitingLists:
    def test_a_member_leaves_a_waiting_list(self, signed_in, taken, machine, member):
        entry = waitlist_join(member=member, machine=machine, start=SLOT[0], end=SLOT[1])
        response = signed_in.post(reverse("bookings:waitlist_leave", args=[entry.pk]))
        assert response.status_code == 302
        assert response["Location"] == reverse("bookings:list")
        entry.refresh_from_db()
        assert entry.status == WaitlistStatus.CANCELLED
        content = signed_in.get(response["Location"]).content.decode()
        assert "You left the waiting list for Laser on Tue 24 Mar 2026 10:00–11:00." in content
        assert "You are on no waiting list." in content

    def test_leaving_twice_answers_409(self, signed_in, taken, machine, member):
        entry = waitlist_join(member=member, machine=machine, start=SLOT[0], end=SLOT[1])
        signed_in.post(reverse("bookings:waitlist_leave", args=[entry.pk]))
        response = signed_in.post(reverse("bookings:waitlist_leave", args=[entry.pk]))
        assert response.status_code == 409
        assert "You are no longer on this waiting list." in response.content.decode()

    def test_another_members_entry_is_not_found(self, client, taken, machine, member):
        entry = waitlist_join(member=member, machine=machine, start=SLOT[0], end=SLOT[1])
        client.force_login(UserFactory())
        assert client.post(reverse("bookings:waitlist_leave", args=[entry.pk])).status_code == 404
        entry.refresh_from_db()
        assert entry.status == WaitlistStatus.WAITING

    def test_leaving_is_a_post(self, signed_in, taken, machine, member):
        entry = waitlist_join(member=member, machine=machine, start=SLOT[0], end=SLOT[1])
        assert signed_in.get(reverse("bookings:waitlist_leave", args=[entry.pk])).status_code == 405

    def test_an_offer_is_shown_first_and_its_held_booking_has_no_cancel_button(self, signed_in, offered):
        content = signed_in.get(reverse("bookings:list")).content.decode()
        offers, rest = content.split('id="balances"')
        assert "A slot is free for you until 11:00" in offers  # 08:00 UTC + 2 hours, in Paris
        assert reverse("bookings:offer", args=[offered.pk]) in offers
        upcoming = rest.split('id="upcoming"')[1].split('id="waitlist"')[0]
        assert "Offered to you (waiting list)" in upcoming
        assert "Answer the offer" in upcoming
        assert reverse("bookings:cancel", args=[offered.hold_id]) not in content
        assert "Offered to you until 11:00" in content.split('id="waitlist"')[1]

    def test_a_held_booking_cannot_be_cancelled_through_the_cancel_page(self, signed_in, offered):
        page = signed_in.get(reverse("bookings:cancel", args=[offered.hold_id])).content.decode()
        assert "it is accepted or declined, not cancelled" in page
        assert reverse("bookings:offer", args=[offered.pk]) in page
        response = signed_in.post(reverse("bookings:cancel", args=[offered.hold_id]))
        assert response.status_code == 409
        offered.hold.refresh_from_db()
        assert offered.hold.status == BookingStatus.HELD


class TestOfferPage:
    def test_the_member_sees_the_machine_times_cost_balance_and_expiry(self, signed_in, offered):
        response = signed_in.get(reverse("bookings:offer", args=[offered.pk]))
        content = response.content.decode()
        assert response.status_code == 200
        assert "A slot is free for you" in content
        assert "Tuesday 24 March 2026" in content
        assert "10:00–11:00" in content
        assert "<dd>60 credit minutes</dd>" in content  # the cost
        assert "<dd>600 credit minutes</dd>" in content  # the balance
        assert "Monday 23 March, 11:00" in content  # the expiry, in Paris
        assert 'name="answer" value="accept"' in content and 'name="answer" value="decline"' in content

    def test_another_member_gets_404(self, client, offered):
        client.force_login(UserFactory())
        assert client.get(reverse("bookings:offer", args=[offered.pk])).status_code == 404
        assert client.post(reverse("bookings:offer", args=[offered.pk]), {"answer": "accept"}).status_code == 404
        offered.refresh_from_db()
        assert offered.status == WaitlistStatus.OFFERED

    def test_anonymous_visitors_are_sent_to_the_login_page(self, client, offered):
        response = client.get(reverse("bookings:offer", args=[offered.pk]))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")

    def test_accepting_books_the_slot_debits_the_credits_and_redirects(self, signed_in, offered, machine, member):
        response = signed_in.post(reverse("bookings:offer", args=[offered.pk]), {"answer": "accept"})
        assert response.status_code == 302
        assert response["Location"] == reverse("bookings:list")
        booking = Booking.objects.get(pk=offered.hold_id)
        assert (booking.status, booking.member, booking.credits_minutes) == (BookingStatus.CONFIRMED, member, 60)
        assert balance_minutes(user=member, lab=machine.lab) == 540
        content = signed_in.get(response["Location"]).content.decode()
        assert "Booked: Laser on Tue 24 Mar 2026 10:00–11:00. 60 credit minutes were debited." in content
        assert "A slot is free for you" not in content

    def test_declining_passes_the_slot_to_the_next_in_line(self, signed_in, taken, machine, member, holder):
        entry = waitlist_join(member=member, machine=machine, start=SLOT[0], end=SLOT[1])
        second = UserFactory()
        give_credits(second, machine.lab, 600)
        waitlist_join(member=second, machine=machine, start=SLOT[0], end=SLOT[1])
        booking_cancel(booking=taken, by=holder)
        response = signed_in.post(reverse("bookings:offer", args=[entry.pk]), {"answer": "decline"})
        assert response.status_code == 302
        entry.refresh_from_db()
        assert entry.status == WaitlistStatus.CANCELLED
        assert WaitlistEntry.objects.get(member=second).status == WaitlistStatus.OFFERED
        assert balance_minutes(user=member, lab=machine.lab) == 600
        assert "it goes to the next in line" in signed_in.get(response["Location"]).content.decode()

    def test_an_expired_offer_answers_409_with_a_message(self, signed_in, offered, member, machine):
        before = written()
        with time_machine.travel(utc(2026, 3, 23, 10, 1), tick=False):
            page = signed_in.get(reverse("bookings:offer", args=[offered.pk])).content.decode()
            response = signed_in.post(reverse("bookings:offer", args=[offered.pk]), {"answer": "accept"})
        assert "This offer has expired." in page
        assert 'value="accept"' not in page
        assert response.status_code == 409
        assert "This offer has expired." in response.content.decode()
        assert written() == before
        assert balance_minutes(user=member, lab=machine.lab) == 600

    def test_an_offer_released_by_the_expiry_task_answers_409(self, signed_in, offered):
        with time_machine.travel(utc(2026, 3, 23, 10, 1), tick=False):
            waitlist_expire_offers()
            response = signed_in.post(reverse("bookings:offer", args=[offered.pk]), {"answer": "accept"})
        assert response.status_code == 409
        assert "This offer is no longer open." in response.content.decode()

    def test_accepting_without_enough_credits_keeps_the_offer(self, client, taken, machine, holder):
        poor = UserFactory()
        give_credits(poor, machine.lab, 30)
        entry = waitlist_join(member=poor, machine=machine, start=SLOT[0], end=SLOT[1])
        booking_cancel(booking=taken, by=holder)
        client.force_login(poor)
        assert (
            "Your balance is too low for this slot."
            in client.get(reverse("bookings:offer", args=[entry.pk])).content.decode()
        )
        response = client.post(reverse("bookings:offer", args=[entry.pk]), {"answer": "accept"})
        assert response.status_code == 400
        assert "Not enough credits" in response.content.decode()
        entry.refresh_from_db()
        assert entry.status == WaitlistStatus.OFFERED

    def test_an_unknown_answer_answers_400(self, signed_in, offered):
        response = signed_in.post(reverse("bookings:offer", args=[offered.pk]), {"answer": "maybe"})
        assert response.status_code == 400
        offered.refresh_from_db()
        assert offered.status == WaitlistStatus.OFFERED


class TestMyBookingsQueries:
    def test_it_runs_the_same_number_of_queries_for_1_or_8_entries_offers_and_qr_codes(
        self, signed_in, frozen_now, machine, member, holder, django_assert_num_queries
    ):
        def wait_for(day, *, offer):
            start, end = utc(2026, 3, day, 9), utc(2026, 3, day, 10)
            taken = booking_create(member=holder, machine=machine, start=start, end=end)
            waitlist_join(member=member, machine=machine, start=start, end=end)
            if offer:
                booking_cancel(booking=taken, by=holder)
            booking_create(member=member, machine=machine, start=start.replace(hour=13), end=end.replace(hour=14))

        wait_for(24, offer=True)
        signed_in.get(reverse("bookings:list"))
        with django_assert_num_queries(7) as small:
            signed_in.get(reverse("bookings:list"))
        for day in range(25, 32):
            wait_for(day, offer=day % 2 == 0)
        with django_assert_num_queries(len(small.captured_queries)):
            content = signed_in.get(reverse("bookings:list")).content.decode()
        assert content.count("<svg ") == 8
        assert content.count('class="offer-card"') == 4
