"""The staff's tools on the day view: no-shows, blocking time (once or weekly), cancelling blocks."""

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Booking, BookingKind, BookingStatus
from bookings.services import block_create, booking_create
from fablab.credits.models import LedgerEntry
from fablab.credits.selectors import balance_minutes
from tests.bookings.conftest import NOW, utc
from tests.factories import MachineFactory, give_credits

pytestmark = pytest.mark.django_db

STARTED = utc(2026, 3, 24, 9, 15)  # Tuesday 24 March, 10:15 in Paris: the booking has started


@pytest.fixture
def tools(world):
    """Lab A with a laser booked by the member on Tuesday 24 March 10:00–11:00 in Paris; lab B's printer."""
    with time_machine.travel(NOW, tick=False):
        world.lab.late_cancellation_refund_percent = 50
        world.lab.save()
        world.laser = MachineFactory(lab=world.lab, name="Laser A")
        world.other_machine = MachineFactory(lab=world.other_lab, name="Printer B")
        give_credits(world.member, world.lab, 600)
        world.booking = booking_create(
            member=world.member, machine=world.laser, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10)
        )
        yield world


def written():
    return Booking.objects.count(), LedgerEntry.objects.count()


def no_show_url(booking):
    return reverse("bookings:no_show", args=[booking.pk])


def block(client, **data):
    fields = {"lab": "lab-a", "date": "2026-03-25", "start_time": "14:00", "end_time": "16:00", "note": "Class"}
    return client.post(reverse("bookings:block"), {**fields, **data})


class TestNoShow:
    def test_the_day_view_offers_check_in_and_no_show_once_the_booking_started(self, client, tools):
        client.force_login(tools.staff)
        before = client.get(reverse("bookings:staff_day"), {"lab": "lab-a", "date": "2026-03-24"}).content.decode()
        assert reverse("bookings:check_in", args=[tools.booking.check_in_code]) in before
        assert no_show_url(tools.booking) not in before
        with time_machine.travel(STARTED, tick=False):
            during = client.get(reverse("bookings:staff_day"), {"lab": "lab-a", "date": "2026-03-24"}).content.decode()
        assert reverse("bookings:check_in", args=[tools.booking.check_in_code]) in during
        assert no_show_url(tools.booking) in during

    def test_staff_mark_a_no_show_and_the_lab_policy_refunds(self, client, tools):
        client.force_login(tools.staff)
        with time_machine.travel(STARTED, tick=False):
            response = client.post(no_show_url(tools.booking))
            assert response.status_code == 302
            assert response["Location"] == f"{reverse('bookings:staff_day')}?lab=lab-a&date=2026-03-24"
            content = client.get(response["Location"]).content.decode()
        tools.booking.refresh_from_db()
        assert (tools.booking.status, tools.booking.refunded_minutes) == (BookingStatus.NO_SHOW, 30)
        assert balance_minutes(user=tools.member, lab=tools.lab) == 570
        assert "Mia Member is marked as a no-show on Laser A; 30 credit minutes were refunded." in content

    def test_a_booking_that_has_not_started_answers_400_and_stays(self, client, tools):
        client.force_login(tools.staff)
        before = written()
        response = client.post(no_show_url(tools.booking))
        assert response.status_code == 400
        assert "The booking has not started yet." in response.content.decode()
        tools.booking.refresh_from_db()
        assert tools.booking.status == BookingStatus.CONFIRMED
        assert written() == before

    def test_members_staff_of_another_lab_and_anonymous_cannot_mark_a_no_show(self, client, tools):
        with time_machine.travel(STARTED, tick=False):
            for user in (tools.member, tools.other_member, tools.trainer, tools.other_staff):
                client.force_login(user)
                assert client.post(no_show_url(tools.booking)).status_code == 404
            client.logout()
            response = client.post(no_show_url(tools.booking))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        tools.booking.refresh_from_db()
        assert tools.booking.status == BookingStatus.CONFIRMED

    def test_marking_a_no_show_is_a_post(self, client, tools):
        client.force_login(tools.staff)
        assert client.get(no_show_url(tools.booking)).status_code == 405


class TestBlockTime:
    def test_the_day_view_has_the_block_form_limited_to_the_lab(self, client, tools):
        client.force_login(tools.staff)
        content = client.get(reverse("bookings:staff_day"), {"lab": "lab-a", "date": "2026-03-24"}).content.decode()
        form = content.split(f'action="{reverse("bookings:block")}"')[1].split("</form>")[0]
        assert f'<option value="{tools.laser.pk}">Laser A</option>' in form
        assert "Printer B" not in form
        assert 'value="2026-03-24"' in form  # the day shown
        for field in ("machine", "date", "start_time", "end_time", "note", "repeat_until"):
            assert f'<label for="block-{field}">' in form

    def test_staff_block_time_in_the_labs_zone(self, client, tools):
        client.force_login(tools.staff)
        with time_machine.travel(NOW, tick=False):
            response = block(client, machine=tools.laser.pk)
            assert response.status_code == 302
            assert response["Location"] == f"{reverse('bookings:staff_day')}?lab=lab-a&date=2026-03-25"
            content = client.get(response["Location"]).content.decode()
        created = Booking.objects.get(kind=BookingKind.BLOCK)
        assert (created.machine, created.start, created.end) == (
            tools.laser,
            utc(2026, 3, 25, 13),
            utc(2026, 3, 25, 15),
        )
        assert (created.member, created.note, created.credits_minutes) == (None, "Class", 0)
        assert "1 block of Laser A was created." in content
        assert "14:00–16:00" in content
        assert "Blocked by staff" in content and "— Class" in content
        assert reverse("bookings:cancel", args=[created.pk]) in content

    def test_a_weekly_series_reports_the_dates_it_skipped(self, client, tools):
        client.force_login(tools.staff)
        with time_machine.travel(NOW, tick=False):
            # Tuesdays 10:00–11:00 from 24 March to 14 April; the first one is booked by the member.
            response = block(
                client,
                machine=tools.laser.pk,
                date="2026-03-24",
                start_time="10:00",
                end_time="11:00",
                repeat_until="2026-04-14",
            )
            assert response.status_code == 302
            content = client.get(response["Location"]).content.decode()
        blocks = Booking.objects.filter(kind=BookingKind.BLOCK).order_by("start")
        assert [b.start for b in blocks] == [utc(2026, 3, 31, 8), utc(2026, 4, 7, 8), utc(2026, 4, 14, 8)]
        assert len({b.series for b in blocks}) == 1
        assert "3 blocks of Laser A were created." in content
        assert "Skipped because the machine is already booked then: Tue 24 Mar 2026 10:00–11:00." in content
        assert 'class="message message-warning"' in content

    @pytest.mark.parametrize(
        ("data", "status", "message"),
        [
            ({"start_time": "16:00", "end_time": "14:00"}, 400, "The end must be after the start."),
            ({"date": "someday"}, 400, "Enter a valid date."),
            ({"end_time": ""}, 400, "This field is required."),
            ({"repeat_until": "2026-03-01"}, 400, "The series must end after its first date."),
            ({"repeat_until": "2027-06-01"}, 400, "A series lasts one year at most."),
            ({"date": "2026-03-24", "start_time": "10:30", "end_time": "12:00"}, 409, "This slot is no longer free."),
        ],
    )
    def test_bad_input_shows_form_errors_and_writes_nothing(self, client, tools, data, status, message):
        client.force_login(tools.staff)
        before = written()
        with time_machine.travel(NOW, tick=False):
            response = block(client, **{"machine": tools.laser.pk, **data})
        content = response.content.decode()
        assert response.status_code == status
        assert message in content
        assert "Nothing was blocked." in content
        assert written() == before

    def test_a_machine_of_another_lab_is_refused_on_the_field(self, client, tools):
        client.force_login(tools.staff)
        before = written()
        response = block(client, machine=tools.other_machine.pk)
        assert response.status_code == 400
        assert "Select a valid choice." in response.content.decode()
        assert written() == before
        # Staff of lab B cannot send lab A's machine through their own lab either.
        client.force_login(tools.other_staff)
        response = block(client, lab="lab-b", machine=tools.laser.pk)
        assert response.status_code == 400
        assert written() == before

    def test_members_and_staff_of_another_lab_cannot_block(self, client, tools):
        before = written()
        for user in (tools.member, tools.trainer, tools.other_staff):
            client.force_login(user)
            assert block(client, machine=tools.laser.pk).status_code == 403
        client.logout()
        response = block(client, machine=tools.laser.pk)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert written() == before


class TestCancelFromTheDayView:
    @pytest.fixture
    def a_block(self, tools):
        with time_machine.travel(NOW, tick=False):
            start, end = utc(2026, 3, 25, 13), utc(2026, 3, 25, 15)
            return block_create(machine=tools.laser, start=start, end=end, by=tools.staff, note="Repair")

    def test_staff_cancel_a_block(self, client, tools, a_block):
        client.force_login(tools.staff)
        with time_machine.travel(NOW, tick=False):
            page = client.get(reverse("bookings:cancel", args=[a_block.pk])).content.decode()
            response = client.post(reverse("bookings:cancel", args=[a_block.pk]))
            assert response.status_code == 302
            assert response["Location"] == f"{reverse('bookings:staff_day')}?lab=lab-a&date=2026-03-25"
            content = client.get(response["Location"]).content.decode()
        assert "Blocked by staff" in page and "Repair" in page
        assert "Cancel this block" in page
        a_block.refresh_from_db()
        assert a_block.status == BookingStatus.CANCELLED
        assert "The block of Laser A on Wed 25 Mar 2026 14:00–16:00 is cancelled." in content

    def test_staff_cancel_a_members_booking_with_a_full_refund(self, client, tools):
        client.force_login(tools.staff)
        with time_machine.travel(STARTED, tick=False):
            page = client.get(reverse("bookings:cancel", args=[tools.booking.pk])).content.decode()
            response = client.post(reverse("bookings:cancel", args=[tools.booking.pk]))
            content = client.get(response["Location"]).content.decode()
        assert "60 credit minutes go back to the member." in page
        assert balance_minutes(user=tools.member, lab=tools.lab) == 600
        assert "The booking of Mia Member on Laser A (Tue 24 Mar 2026 10:00–11:00) is cancelled" in content

    def test_staff_of_another_lab_and_members_cannot_cancel_a_block(self, client, tools, a_block):
        for user in (tools.other_staff, tools.member, tools.trainer):
            client.force_login(user)
            assert client.get(reverse("bookings:cancel", args=[a_block.pk])).status_code == 404
            assert client.post(reverse("bookings:cancel", args=[a_block.pk])).status_code == 404
        a_block.refresh_from_db()
        assert a_block.status == BookingStatus.CONFIRMED


class TestBookForMember:
    def post(self, client, world, laser, **changes):
        data = {
            "lab": "lab-a",
            "member": world.member.pk,
            "machine": laser.pk,
            "date": "2026-03-24",
            "start_time": "10:00",
            "end_time": "11:00",
        } | changes
        return client.post("/bookings/staff/book/", data)

    def test_staff_book_for_a_member_who_pays_with_their_credits(self, client, world, laser):
        client.force_login(world.staff)
        response = self.post(client, world, laser)
        assert response.status_code == 302
        booking = Booking.objects.get()
        assert (booking.member, booking.created_by) == (world.member, world.staff)
        assert balance_minutes(user=world.member, lab=world.lab) == 540

    def test_a_rule_refusal_is_shown_and_nothing_is_booked(self, client, world, laser):
        client.force_login(world.staff)
        response = self.post(client, world, laser, start_time="10:10", end_time="11:10")
        assert response.status_code == 400
        assert Booking.objects.count() == 0

    @pytest.mark.parametrize("who, status", [("member", 403), ("other_staff", 403), ("trainer", 403)])
    def test_only_the_labs_staff_book_for_others(self, client, world, laser, who, status):
        client.force_login(getattr(world, who))
        assert self.post(client, world, laser).status_code == status
        assert Booking.objects.count() == 0

    def test_someone_outside_the_lab_cannot_be_chosen(self, client, world, laser):
        client.force_login(world.staff)
        response = self.post(client, world, laser, member=world.other_staff.pk)
        assert response.status_code == 400
        assert Booking.objects.count() == 0
