import pytest
from rest_framework.test import APIClient

from fablab.labs.models import Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


class TestMe:
    def test_it_shows_the_profile_and_roles_per_lab(self, api, world):
        MembershipFactory(user=world.staff, lab=world.other_lab, role=Role.MEMBER)
        api.force_authenticate(world.staff)
        body = api.get("/api/v1/me/").json()
        assert body["email"] == world.staff.email
        assert body["labs"] == [
            {"lab": "lab-a", "roles": ["staff"]},
            {"lab": "lab-b", "roles": ["member"]},
        ]

    def test_it_updates_name_phone_and_language(self, api, world):
        api.force_authenticate(world.member)
        response = api.patch("/api/v1/me/", {"full_name": "Mia M.", "preferred_language": "fr"}, format="json")
        assert response.status_code == 200
        world.member.refresh_from_db()
        assert (world.member.full_name, world.member.preferred_language) == ("Mia M.", "fr")

    def test_it_refuses_an_unknown_language_and_changes_nothing(self, api, world):
        api.force_authenticate(world.member)
        response = api.patch("/api/v1/me/", {"full_name": "Changed", "preferred_language": "de"}, format="json")
        assert response.status_code == 400
        assert "preferred_language" in response.json()["errors"]
        world.member.refresh_from_db()
        assert world.member.full_name == "Mia Member"

    def test_it_ignores_attempts_to_change_the_email(self, api, world):
        api.force_authenticate(world.member)
        api.patch("/api/v1/me/", {"email": "evil@example.org"}, format="json")
        world.member.refresh_from_db()
        assert world.member.email == "member@example.org"
