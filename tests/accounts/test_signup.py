import re

import pytest
from allauth.account.models import EmailAddress

from fablab.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def signup(client, django_capture_on_commit_callbacks):
    """Post the sign-up form and run what waits for the commit (the verification email)."""

    def post(data=SIGNUP):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/accounts/signup/", data)

    return post


SIGNUP = {
    "email": "new@example.org",
    "full_name": "Nina Newcomer",
    "preferred_language": "fr",
    "password1": "a-long-and-unusual-passphrase",
    "password2": "a-long-and-unusual-passphrase",
}


class TestSignup:
    def test_it_creates_the_account_with_name_and_language_and_sends_a_verification(self, signup, mailoutbox):
        response = signup()
        assert response.status_code == 302
        user = User.objects.get(email="new@example.org")
        assert (user.full_name, user.preferred_language) == ("Nina Newcomer", "fr")
        assert EmailAddress.objects.get(user=user).verified is False
        assert len(mailoutbox) == 1
        assert mailoutbox[0].to == ["new@example.org"]
        assert "/accounts/confirm-email/" in mailoutbox[0].body

    def test_it_does_not_log_in_before_the_email_is_verified(self, client, signup, mailoutbox):
        signup()
        client.logout()
        client.post("/accounts/login/", {"login": SIGNUP["email"], "password": SIGNUP["password1"]})
        assert client.get("/accounts/profile/").status_code == 302

    def test_the_emailed_link_verifies_the_address(self, client, signup, mailoutbox):
        signup()
        link = re.search(r"https?://[^/]+(/accounts/confirm-email/\S+/)", mailoutbox[0].body).group(1)
        assert client.post(link).status_code == 302
        assert EmailAddress.objects.get(email="new@example.org").verified is True

    def test_it_creates_no_second_account_for_a_taken_email_and_reveals_nothing(self, signup, world, mailoutbox):
        response = signup({**SIGNUP, "email": "MEMBER@example.org"})
        # Same answer as a fresh sign-up (no account enumeration); the owner gets told by email.
        assert response.status_code == 302
        assert User.objects.filter(email__iexact="member@example.org").count() == 1
        assert [message.to for message in mailoutbox] == [["member@example.org"]]

    @pytest.mark.parametrize(
        "field, value",
        [("full_name", ""), ("preferred_language", "de"), ("password2", "different"), ("email", "nope")],
    )
    def test_it_shows_a_form_error_and_creates_nothing_on_bad_input(self, signup, field, value, mailoutbox):
        response = signup({**SIGNUP, field: value})
        assert response.status_code == 200
        assert response.context["form"].errors
        assert User.objects.count() == 0
        assert mailoutbox == []


class TestLogin:
    def test_a_verified_member_logs_in_with_email_and_password(self, client, world):
        response = client.post("/accounts/login/", {"login": world.member.email, "password": "correct-horse-battery"})
        assert response.status_code == 302
        assert client.get("/accounts/profile/").status_code == 200

    def test_a_wrong_password_is_refused_with_a_message(self, client, world):
        response = client.post("/accounts/login/", {"login": world.member.email, "password": "wrong"})
        assert response.status_code == 200
        assert response.context["form"].errors
