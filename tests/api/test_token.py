import pytest
from rest_framework.authtoken.models import Token

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


class TestTokenEndpoint:
    def test_it_exchanges_email_and_password_for_a_token(self, client, world):
        response = client.post(
            "/api/v1/auth/token/", {"email": world.member.email, "password": PASSWORD}, content_type="application/json"
        )
        assert response.status_code == 200
        assert response.json() == {"token": Token.objects.get(user=world.member).key}

    def test_it_matches_the_email_whatever_its_case(self, client, world):
        response = client.post(
            "/api/v1/auth/token/",
            {"email": world.member.email.upper(), "password": PASSWORD},
            content_type="application/json",
        )
        assert response.status_code == 200

    def test_it_refuses_a_wrong_password_and_creates_no_token(self, client, world):
        response = client.post(
            "/api/v1/auth/token/", {"email": world.member.email, "password": "wrong"}, content_type="application/json"
        )
        assert response.status_code == 400
        assert Token.objects.count() == 0

    def test_it_refuses_an_inactive_account(self, client, world):
        world.member.is_active = False
        world.member.save()
        response = client.post(
            "/api/v1/auth/token/", {"email": world.member.email, "password": PASSWORD}, content_type="application/json"
        )
        assert response.status_code == 400

    def test_the_token_authenticates_later_requests(self, client, world):
        token = Token.objects.create(user=world.member)
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
        assert response.status_code == 200
        assert response.json()["email"] == world.member.email
