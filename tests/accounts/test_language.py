import pytest

pytestmark = pytest.mark.django_db


class TestLanguageSwitch:
    def test_it_sets_the_language_cookie_and_returns_to_the_page(self, client):
        response = client.post("/accounts/language/", {"language": "en", "next": "/legal/"})
        assert response.status_code == 302
        assert response["Location"] == "/legal/"
        assert response.cookies["django_language"].value == "en"
        assert client.get("/legal/").content.decode().count('<html lang="en">') == 1

    def test_it_saves_a_signed_in_members_preference(self, client, world):
        client.force_login(world.member)
        client.post("/accounts/language/", {"language": "fr", "next": "/"})
        world.member.refresh_from_db()
        assert world.member.preferred_language == "fr"

    def test_a_members_preference_wins_over_the_browser_on_a_new_visit(self, client, world):
        world.member.preferred_language = "fr"
        world.member.save()
        client.force_login(world.member)
        response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
        assert '<html lang="fr">' in response.content.decode()

    def test_it_refuses_an_unknown_language_without_changing_anything(self, client, world):
        client.force_login(world.member)
        response = client.post("/accounts/language/", {"language": "xx", "next": "/"})
        assert response.status_code == 302
        assert "django_language" not in response.cookies
        world.member.refresh_from_db()
        assert world.member.preferred_language == "en"

    def test_it_never_redirects_to_another_site(self, client):
        response = client.post("/accounts/language/", {"language": "en", "next": "https://evil.example/"})
        assert response["Location"] == "/"

    def test_it_only_accepts_post(self, client):
        assert client.get("/accounts/language/").status_code == 405


class TestProfile:
    def test_it_saves_name_phone_and_language(self, client, world):
        client.force_login(world.member)
        response = client.post(
            "/accounts/profile/", {"full_name": "Mia M.", "phone": "+33 6 00 00 00 00", "preferred_language": "fr"}
        )
        assert response.status_code == 302
        world.member.refresh_from_db()
        assert (world.member.full_name, world.member.phone, world.member.preferred_language) == (
            "Mia M.",
            "+33 6 00 00 00 00",
            "fr",
        )

    def test_it_shows_errors_and_saves_nothing_on_bad_input(self, client, world):
        client.force_login(world.member)
        response = client.post("/accounts/profile/", {"full_name": "x" * 300, "preferred_language": "zz"})
        assert response.status_code == 200
        assert set(response.context["form"].errors) == {"full_name", "preferred_language"}
        world.member.refresh_from_db()
        assert world.member.full_name == "Mia Member"

    def test_it_sends_anonymous_visitors_to_the_login_page(self, client):
        response = client.get("/accounts/profile/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


class TestCalendarLink:
    def test_the_profile_shows_the_personal_feed_and_replacing_it_revokes_the_old_one(self, client, world):
        client.force_login(world.member)
        old_token = world.member.calendar_token
        assert f"/calendar/me/{old_token}.ics" in client.get("/accounts/profile/").content.decode()
        assert client.get(f"/calendar/me/{old_token}.ics").status_code == 200
        response = client.post("/accounts/calendar-token/revoke/")
        assert response.status_code == 302
        world.member.refresh_from_db()
        assert world.member.calendar_token != old_token
        assert client.get(f"/calendar/me/{old_token}.ics").status_code == 404
        assert client.get(f"/calendar/me/{world.member.calendar_token}.ics").status_code == 200
