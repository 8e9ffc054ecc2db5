import pytest
from allauth.mfa.models import Authenticator

pytestmark = pytest.mark.django_db


class TestStaffTwoFactor:
    def test_it_sends_staff_without_totp_to_the_setup_page(self, client, settings, world):
        settings.STAFF_MFA_REQUIRED = True
        client.force_login(world.staff)
        response = client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/2fa/totp/activate/"

    def test_it_lets_staff_with_totp_through(self, client, settings, world):
        settings.STAFF_MFA_REQUIRED = True
        Authenticator.objects.create(user=world.superuser, type=Authenticator.Type.TOTP, data={"secret": "x"})
        client.force_login(world.superuser)
        assert client.get("/admin/").status_code == 200

    def test_members_are_not_asked(self, client, settings, world):
        settings.STAFF_MFA_REQUIRED = True
        client.force_login(world.member)
        assert client.get("/accounts/profile/").status_code == 200
        assert client.get("/admin/").status_code == 302  # the admin's own login, not the MFA setup
        assert "/accounts/2fa/" not in client.get("/admin/")["Location"]

    def test_it_can_be_switched_off_for_the_demo(self, client, settings, world):
        settings.STAFF_MFA_REQUIRED = False
        client.force_login(world.superuser)
        assert client.get("/admin/").status_code == 200
