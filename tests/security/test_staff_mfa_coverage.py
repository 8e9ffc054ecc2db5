"""Every staff page sends staff without two-factor authentication to its set-up page
(the rule itself: tests/accounts/test_staff_two_factor.py)."""

import pytest
from django.test import Client

from fablab.accounts.models import User
from tests.security import pages

pytestmark = pytest.mark.django_db


class TestStaffMfaCoverage:
    def test_no_staff_page_opens_without_totp(self, settings):
        settings.STAFF_MFA_REQUIRED = True
        pages.seed()
        client = Client()
        client.force_login(User.objects.get(email=pages.STAFF_EMAIL))
        open_pages = []
        for url in pages.staff_pages() + ["/admin/"]:
            response = client.get(url)
            if response.status_code != 302 or response["Location"] != "/accounts/2fa/totp/activate/":
                open_pages.append((url, response.status_code))
        assert open_pages == []
