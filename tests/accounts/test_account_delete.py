import pytest
from allauth.account.models import EmailAddress
from rest_framework.authtoken.models import Token

from fablab.accounts.models import User
from fablab.accounts.privacy import account_erasing
from fablab.labs.models import Membership
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


class TestAccountDelete:
    def test_it_explains_what_happens_before_asking_to_confirm(self, client, world):
        client.force_login(world.member)
        content = client.get("/accounts/delete/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "invoices already issued" in content
        assert 'name="password"' in content

    def test_it_erases_personal_data_and_signs_the_member_out(self, client, world):
        Token.objects.create(user=world.member)
        client.force_login(world.member)
        response = client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})
        assert response.status_code == 302
        user = User.objects.get(pk=world.member.pk)
        assert user.email == f"erased-{user.pk}@erased.invalid"
        assert (user.full_name, user.phone, user.is_active) == ("", "", False)
        assert user.erased_at is not None
        assert not user.has_usable_password()
        assert not EmailAddress.objects.filter(user=user).exists()
        assert not Membership.objects.filter(user=user).exists()
        assert not Token.objects.filter(user=user).exists()
        assert client.get("/accounts/profile/").status_code == 302

    def test_the_erased_member_can_no_longer_log_in(self, client, world):
        client.force_login(world.member)
        client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})
        response = client.post("/accounts/login/", {"login": "member@example.org", "password": PASSWORD})
        assert response.status_code == 200
        assert not response.wsgi_request.user.is_authenticated

    def test_other_apps_are_told_inside_the_transaction(self, client, world):
        seen = []

        def receiver(sender, user, **kwargs):
            seen.append(user.email)

        account_erasing.connect(receiver)
        try:
            client.force_login(world.member)
            client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})
        finally:
            account_erasing.disconnect(receiver)
        assert seen == ["member@example.org"]

    def test_a_failing_app_rolls_the_whole_erasure_back(self, client, world):
        def receiver(sender, user, **kwargs):
            Membership.objects.filter(user=user).delete()
            raise RuntimeError("storage down")

        account_erasing.connect(receiver)
        try:
            client.force_login(world.member)
            client.raise_request_exception = False
            response = client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})
        finally:
            account_erasing.disconnect(receiver)
        assert response.status_code == 500
        world.member.refresh_from_db()
        assert world.member.is_active is True
        assert Membership.objects.filter(user=world.member).exists()

    @pytest.mark.parametrize("data", [{"password": "wrong", "confirm": "on"}, {"password": PASSWORD}])
    def test_it_changes_nothing_without_the_password_and_the_confirmation(self, client, world, data):
        client.force_login(world.member)
        response = client.post("/accounts/delete/", data)
        assert response.status_code == 200
        assert response.context["form"].errors
        world.member.refresh_from_db()
        assert world.member.is_active is True

    def test_it_refuses_to_erase_a_superuser(self, client, world):
        client.force_login(world.superuser)
        response = client.post("/accounts/delete/", {"password": PASSWORD, "confirm": "on"})
        assert response.status_code == 302
        world.superuser.refresh_from_db()
        assert world.superuser.is_active is True
