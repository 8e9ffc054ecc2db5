"""Check-in: the member's QR code on "My bookings", the staff's check-in page, and the code typed at the desk."""

import io
import re

import pytest
import segno
import time_machine
from django.urls import reverse

from bookings.models import BookingStatus
from bookings.services import booking_cancel, booking_create
from tests.bookings.conftest import NOW, utc
from tests.factories import MachineFactory, give_credits

pytestmark = pytest.mark.django_db

# Check-in opens 30 minutes before the start: Tuesday 24 March, 09:45 in Paris.
AT_THE_DESK = utc(2026, 3, 24, 8, 45)


@pytest.fixture
def desk(world):
    """Lab A's laser, booked by the member on Tuesday 24 March 10:00–11:00 in Paris."""
    with time_machine.travel(NOW, tick=False):
        world.laser = MachineFactory(lab=world.lab, name="Laser A")
        give_credits(world.member, world.lab, 600)
        world.booking = booking_create(
            member=world.member, machine=world.laser, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10)
        )
        yield world


def check_in_url(booking):
    return reverse("bookings:check_in", args=[booking.check_in_code])


class TestCheckInPage:
    def test_staff_of_the_lab_see_the_member_machine_and_times(self, client, desk):
        client.force_login(desk.staff)
        response = client.get(check_in_url(desk.booking))
        content = response.content.decode()
        assert response.status_code == 200
        assert "Check in Mia Member" in content
        assert "Laser A, Lab A" in content
        assert "Tuesday 24 March 2026" in content
        assert "10:00–11:00" in content
        assert f'action="{check_in_url(desk.booking)}"' in content

    def test_staff_check_the_member_in(self, client, desk):
        client.force_login(desk.staff)
        with time_machine.travel(AT_THE_DESK, tick=False):
            response = client.post(check_in_url(desk.booking))
            assert response.status_code == 302
            assert response["Location"] == f"{reverse('bookings:staff_day')}?lab=lab-a&date=2026-03-24"
            content = client.get(response["Location"]).content.decode()
        desk.booking.refresh_from_db()
        assert (desk.booking.status, desk.booking.checked_in_at) == (BookingStatus.CHECKED_IN, AT_THE_DESK)
        assert "Mia Member is checked in on Laser A." in content

    def test_it_shows_why_check_in_is_refused(self, client, desk):
        client.force_login(desk.staff)
        response = client.post(check_in_url(desk.booking))  # Monday: a day early
        assert response.status_code == 400
        assert "Check-in opens 30 minutes before the start and closes at the end." in response.content.decode()
        desk.booking.refresh_from_db()
        assert desk.booking.status == BookingStatus.CONFIRMED

    def test_a_cancelled_booking_answers_409(self, client, desk):
        booking_cancel(booking=desk.booking, by=desk.member)
        client.force_login(desk.staff)
        assert "Only a confirmed booking can be checked in." in client.get(check_in_url(desk.booking)).content.decode()
        with time_machine.travel(AT_THE_DESK, tick=False):
            response = client.post(check_in_url(desk.booking))
        assert response.status_code == 409
        desk.booking.refresh_from_db()
        assert desk.booking.status == BookingStatus.CANCELLED

    def test_a_lowercase_code_finds_the_booking(self, client, desk):
        client.force_login(desk.staff)
        url = reverse("bookings:check_in", args=[desk.booking.check_in_code.lower()])
        assert client.get(url).status_code == 200

    def test_staff_of_another_lab_get_404(self, client, desk):
        client.force_login(desk.other_staff)
        with time_machine.travel(AT_THE_DESK, tick=False):
            assert client.get(check_in_url(desk.booking)).status_code == 404
            assert client.post(check_in_url(desk.booking)).status_code == 404
        desk.booking.refresh_from_db()
        assert desk.booking.status == BookingStatus.CONFIRMED

    def test_members_and_trainers_get_404_even_for_their_own_booking(self, client, desk):
        for user in (desk.member, desk.other_member, desk.trainer):
            client.force_login(user)
            with time_machine.travel(AT_THE_DESK, tick=False):
                assert client.get(check_in_url(desk.booking)).status_code == 404
                assert client.post(check_in_url(desk.booking)).status_code == 404
        desk.booking.refresh_from_db()
        assert desk.booking.status == BookingStatus.CONFIRMED

    def test_anonymous_visitors_are_sent_to_the_login_page(self, client, desk):
        response = client.get(check_in_url(desk.booking))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


class TestQrCodeOnMyBookings:
    def test_each_coming_confirmed_booking_shows_its_code_and_qr_code(self, client, desk):
        client.force_login(desk.member)
        with time_machine.travel(NOW, tick=False):
            content = client.get(reverse("bookings:list")).content.decode()
        code = desk.booking.check_in_code
        svgs = re.findall(r"<svg\b.*?</svg>", content, flags=re.S)
        assert len(svgs) == 1
        svg = svgs[0]
        assert svg.startswith(f'<svg role="img" aria-label="QR code of the check-in code {code}" ')
        assert "<script" not in svg.lower() and "style=" not in svg.lower()
        assert "<script" not in content.split('id="check-in"')[1].lower()
        assert f'<code class="check-in-code">{code}</code>' in content
        # The QR code encodes the absolute URL of the staff's check-in page.
        expected = io.BytesIO()
        segno.make(f"http://testserver/bookings/check-in/{code}/", error="m", micro=False).save(
            expected, kind="svg", xmldecl=False, svgns=True, nl=False, scale=4
        )
        modules = re.search(r'stroke="#000" d="([^"]+)"', expected.getvalue().decode()).group(1)
        assert modules in svg

    def test_cancelled_bookings_have_no_qr_code(self, client, desk):
        booking_cancel(booking=desk.booking, by=desk.member)
        client.force_login(desk.member)
        with time_machine.travel(NOW, tick=False):
            content = client.get(reverse("bookings:list")).content.decode()
        assert "<svg" not in content
        assert desk.booking.check_in_code not in content


def staff_day(client, **params):
    return client.get(reverse("bookings:staff_day"), params)


class TestCodeTypedAtTheDesk:
    def test_the_day_view_has_a_labelled_code_field(self, client, desk):
        client.force_login(desk.staff)
        content = staff_day(client, lab="lab-a").content.decode()
        assert '<label for="check-in-code">Check-in code' in content
        assert 'name="code"' in content

    def test_a_typed_code_leads_to_the_check_in_page(self, client, desk):
        client.force_login(desk.staff)
        typed = " " + desk.booking.check_in_code[:5].lower() + "-" + desk.booking.check_in_code[5:] + " "
        response = staff_day(client, lab="lab-a", code=typed)
        assert response.status_code == 302
        assert response["Location"] == check_in_url(desk.booking)

    def test_an_unknown_code_is_reported_on_the_field(self, client, desk):
        client.force_login(desk.staff)
        response = staff_day(client, lab="lab-a", code="ABCDEF0123")
        assert response.status_code == 404
        assert "No booking of the labs you manage has this code." in response.content.decode()

    def test_the_code_of_another_labs_booking_is_not_found(self, client, desk):
        client.force_login(desk.other_staff)
        response = staff_day(client, lab="lab-b", code=desk.booking.check_in_code)
        assert response.status_code == 404

    def test_a_malformed_code_answers_400(self, client, desk):
        client.force_login(desk.staff)
        response = staff_day(client, lab="lab-a", code="<script>")
        assert response.status_code == 400
        assert "A check-in code has letters and digits only" in response.content.decode()

    def test_members_cannot_look_codes_up(self, client, desk):
        client.force_login(desk.member)
        assert staff_day(client, code=desk.booking.check_in_code).status_code == 403
