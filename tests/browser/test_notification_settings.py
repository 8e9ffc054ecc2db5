"""The notification settings page in a real browser: no serious axe-core violation, works without JavaScript."""

import pytest
from django.urls import reverse

from fablab.notifications.models import NotificationOptOut
from tests.browser.test_newcomer_journey import MEMBER_EMAIL, axe_violations, log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

URL = reverse("notifications:preferences")


class TestNotificationSettingsPage:
    def test_it_finds_no_serious_violation(self, new_page, axe_source):
        page = new_page(bypass_csp=True)
        UserFactory(email=MEMBER_EMAIL)
        log_in(page, MEMBER_EMAIL)
        assert page.goto(URL).status == 200
        violations = axe_violations(page, axe_source)
        assert violations == [], f"axe on {URL}:\n" + "\n".join(violations)

    def test_it_turns_a_reminder_off_without_javascript(self, new_page):
        page = new_page(java_script_enabled=False)
        member = UserFactory(email=MEMBER_EMAIL)
        log_in(page, MEMBER_EMAIL)
        page.goto(URL)
        page.locator('input[name="receive"][value="booking_reminder"]').uncheck()
        with page.expect_navigation():
            page.locator('form:has(input[name="receive"]) button[type="submit"]').click()
        assert page.url.endswith(URL)
        assert not page.locator('input[value="booking_reminder"]').is_checked()
        assert list(NotificationOptOut.objects.filter(user=member).values_list("kind", flat=True)) == [
            "booking_reminder"
        ]
