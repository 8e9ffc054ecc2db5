"""axe-core on one page of every type, as a visitor, a member, a trainer and staff, on the
demo data; and a booking made with the keyboard alone.
"""

from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from bookings.models import Booking, BookingStatus
from fablab.labs.demo import DEMO_PASSWORD
from machines.models import Machine
from tests.browser.test_newcomer_journey import axe_violations, focused_matches, log_in
from tests.security import pages

pytestmark = pytest.mark.browser


def audit(page, axe_source, urls):
    """The serious and critical violations of every page, by URL."""
    found = {}
    for url in urls:
        response = page.goto(url)
        assert response.status in (200, 404), url
        violations = axe_violations(page, axe_source)
        if violations:
            found[url] = violations
    return found


def report(found):
    return "\n".join(f"{url}:\n  " + "\n  ".join(violations) for url, violations in found.items())


@pytest.fixture
def seeded(transactional_db):
    pages.seed()


class TestAccessibilityOfEveryPageType:
    def test_public_pages(self, seeded, new_page, axe_source):
        found = audit(new_page(bypass_csp=True), axe_source, pages.public_pages())
        assert found == {}, report(found)

    @pytest.mark.parametrize(
        ("email", "urls"),
        [
            (pages.MEMBER_EMAIL, pages.member_pages),
            (pages.TRAINER_EMAIL, pages.trainer_pages),
            (pages.STAFF_EMAIL, pages.staff_pages),
        ],
        ids=["member", "trainer", "staff"],
    )
    def test_signed_in_pages(self, seeded, new_page, axe_source, email, urls):
        page = new_page(bypass_csp=True)
        log_in(page, email, DEMO_PASSWORD)
        found = audit(page, axe_source, urls())
        assert found == {}, report(found)


def press_tab_until(page, selector, limit=150):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_matches(page, selector):
            return
    raise AssertionError(f"{selector} never got the focus in {limit} presses of Tab")


class TestKeyboardOnlyBooking:
    def test_a_member_books_a_slot_with_the_keyboard_alone(self, seeded, new_page):
        machine = Machine.objects.filter(lab__slug="rennes", qualifications__user__email=pages.MEMBER_EMAIL).first()
        page = new_page()
        log_in(page, pages.MEMBER_EMAIL, DEMO_PASSWORD)
        before = Booking.objects.filter(member__email=pages.MEMBER_EMAIL, status=BookingStatus.CONFIRMED).count()
        page.goto(reverse("machines:detail", args=[machine.pk]))

        # From here on, the keyboard only: the week after, a free slot, the confirmation.
        press_tab_until(page, "#week-next")
        heading = page.locator("#calendar-heading").inner_text()
        page.keyboard.press("Enter")
        page.wait_for_function(
            "before => document.querySelector('#calendar-heading').innerText !== before", arg=heading
        )
        press_tab_until(page, "td.cell-bookable a")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert urlsplit(page.url).path == reverse("machines:book", args=[machine.pk])
        press_tab_until(page, f'form[action="{reverse("machines:book", args=[machine.pk])}"] button[type="submit"]')
        with page.expect_navigation():
            page.keyboard.press("Enter")

        assert urlsplit(page.url).path == reverse("bookings:list")
        after = Booking.objects.filter(member__email=pages.MEMBER_EMAIL, status=BookingStatus.CONFIRMED).count()
        assert after == before + 1
