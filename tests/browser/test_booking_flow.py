"""A member books machine time in a real browser, from the week calendar to their bookings,
with htmx (next week without a reload) and without JavaScript; then cancels.
"""

import pytest
from django.urls import reverse

from bookings.models import Booking, BookingStatus
from fablab.credits.selectors import balance_minutes
from tests.browser.test_newcomer_journey import log_in, submit
from tests.factories import LabFactory, MachineFactory, UserFactory, give_credits

pytestmark = pytest.mark.browser


@pytest.fixture
def setting(transactional_db):
    lab = LabFactory(slug="rennes", hours=[(day, "09:00", "18:00") for day in range(7)])
    machine = MachineFactory(lab=lab, name="Trotec Speedy 400", horizon_days=21)
    member = UserFactory(email="maker@example.org")
    give_credits(member, lab, 600)
    return lab, machine, member


def book_first_free_slot_next_week(page, machine, *, htmx):
    page.goto(reverse("machines:detail", args=[machine.pk]))
    heading_before = page.locator("#calendar-heading").inner_text()
    if htmx:
        page.locator("#week-next").click()
        page.wait_for_function(
            "before => document.querySelector('#calendar-heading').innerText !== before", arg=heading_before
        )
    else:
        with page.expect_navigation():
            page.locator("#week-next").click()
    assert page.locator("#calendar-heading").inner_text() != heading_before
    with page.expect_navigation():
        page.locator("td.cell-bookable a").first.click()
    submit(page, reverse("machines:book", args=[machine.pk]))


class TestBookingFlow:
    def test_it_books_a_slot_from_the_week_calendar_with_htmx_and_cancels_it(self, new_page, setting):
        lab, machine, member = setting
        page = new_page()
        log_in(page, member.email)

        book_first_free_slot_next_week(page, machine, htmx=True)

        assert page.url.endswith(reverse("bookings:list"))
        booking = Booking.objects.get()
        assert (booking.member, booking.status, booking.credits_minutes) == (member, BookingStatus.CONFIRMED, 30)
        assert balance_minutes(user=member, lab=lab) == 570
        assert page.locator("svg[role=img]").count() == 1  # the check-in QR code

        page.goto(reverse("bookings:cancel", args=[booking.pk]))
        submit(page, reverse("bookings:cancel", args=[booking.pk]))
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CANCELLED
        assert balance_minutes(user=member, lab=lab) == 600

    def test_it_books_without_javascript(self, new_page, setting):
        lab, machine, member = setting
        page = new_page(java_script_enabled=False)
        log_in(page, member.email)

        book_first_free_slot_next_week(page, machine, htmx=False)

        assert Booking.objects.filter(member=member, status=BookingStatus.CONFIRMED).count() == 1
