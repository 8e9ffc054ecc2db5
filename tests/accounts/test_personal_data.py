import json

import pytest

from fablab.accounts import privacy

pytestmark = pytest.mark.django_db


class TestPersonalDataDownload:
    def test_it_gives_the_member_all_their_data_as_a_json_attachment(self, client, world):
        client.force_login(world.member)
        response = client.get("/accounts/privacy/my-data.json")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        data = json.loads(response.content)
        assert data["account"]["email"] == "member@example.org"
        assert data["account"]["full_name"] == "Mia Member"
        assert data["email_addresses"] == [{"email": "member@example.org", "verified": True, "primary": True}]
        assert [m["lab"] for m in data["memberships"]] == ["lab-a"]

    def test_it_never_contains_another_members_data(self, client, world):
        client.force_login(world.member)
        content = client.get("/accounts/privacy/my-data.json").content.decode()
        assert "other@example.org" not in content
        assert "Oscar" not in content

    def test_it_includes_the_sections_other_apps_register(self, client, world, monkeypatch):
        monkeypatch.setattr(privacy, "_exporters", {"bookings": lambda user: [{"machine": "Laser", "who": user.pk}]})
        client.force_login(world.member)
        data = json.loads(client.get("/accounts/privacy/my-data.json").content)
        assert data["bookings"] == [{"machine": "Laser", "who": world.member.pk}]

    def test_it_requires_a_login(self, client):
        assert client.get("/accounts/privacy/my-data.json").status_code == 302

    def test_the_privacy_page_explains_what_deletion_keeps(self, client, world):
        client.force_login(world.member)
        content = client.get("/accounts/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "invoices" in content.lower()
