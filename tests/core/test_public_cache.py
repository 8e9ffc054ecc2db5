"""Cached public feeds (fablab/core/cache.py): served from the cache, 304 on a known ETag,
fresh as soon as a service changes what they show, and the same for every visitor."""

import datetime as dt

import pytest

from fablab.core import cache as public_cache
from projects.services import project_update
from tests.bookings.test_calendar_feeds import book, fetch, paris, uid
from tests.factories import ClosureFactory, UserFactory, give_credits
from tests.projects.factories import ProjectFactory
from training.services import session_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def mia(lab):
    user = UserFactory(email="mia@example.org", full_name="Mia Maker")
    give_credits(user, lab, 6000)
    return user


class TestScopeVersions:
    def test_it_changes_the_version_now_and_again_after_the_commit(self, django_capture_on_commit_callbacks):
        (first,) = public_cache.scope_versions(["machine:1"])
        with django_capture_on_commit_callbacks(execute=True):
            public_cache.bump("machine:1")
            (during,) = public_cache.scope_versions(["machine:1"])
        (after,) = public_cache.scope_versions(["machine:1"])
        assert first < during < after

    def test_it_leaves_other_scopes_alone(self):
        before = public_cache.scope_versions(["machine:1", "machine:2"])
        public_cache.bump("machine:1")
        after = public_cache.scope_versions(["machine:1", "machine:2"])
        assert after[0] != before[0]
        assert after[1] == before[1]


class TestMachineFeedCache:
    def test_it_serves_the_second_fetch_from_the_cache(
        self, frozen_now, client, machine, mia, django_assert_num_queries
    ):
        book(mia, machine, 2026, 3, 24, 10)
        url = f"/calendar/machines/{machine.pk}.ics"
        first = fetch(client, url)
        with django_assert_num_queries(0):
            second = fetch(client, url)
        assert second.content == first.content
        assert second["ETag"] == first["ETag"]
        assert "public" in second["Cache-Control"]

    def test_it_answers_304_to_a_known_etag_without_building_the_feed(
        self, frozen_now, client, machine, mia, django_assert_num_queries
    ):
        url = f"/calendar/machines/{machine.pk}.ics"
        etag = fetch(client, url)["ETag"]
        with django_assert_num_queries(0):
            response = client.get(url, headers={"if-none-match": etag, "Accept-Language": "en"})
        assert response.status_code == 304
        assert response["ETag"] == etag

    def test_it_shows_a_new_booking_at_once(self, frozen_now, client, machine, mia, django_capture_on_commit_callbacks):
        url = f"/calendar/machines/{machine.pk}.ics"
        etag = fetch(client, url)["ETag"]
        with django_capture_on_commit_callbacks(execute=True):
            booking = book(mia, machine, 2026, 3, 24, 10)
        response = client.get(url, headers={"if-none-match": etag, "Accept-Language": "en"})
        assert response.status_code == 200
        assert response["ETag"] != etag
        assert uid("machine-busy", booking.pk).encode() in response.content

    def test_it_stops_serving_a_machine_taken_off_the_public_catalogue(self, frozen_now, client, machine):
        fetch(client, f"/calendar/machines/{machine.pk}.ics")
        machine.is_public = False
        machine.save(update_fields=["is_public"])
        assert client.get(f"/calendar/machines/{machine.pk}.ics").status_code == 404

    def test_it_gives_signed_in_visitors_the_same_public_feed(self, frozen_now, client, machine, mia):
        book(mia, machine, 2026, 3, 24, 10)
        url = f"/calendar/machines/{machine.pk}.ics"
        anonymous = fetch(client, url)
        client.force_login(mia)
        signed_in = fetch(client, url)
        assert signed_in.content == anonymous.content
        assert b"Mia" not in signed_in.content
        assert "Cookie" in signed_in["Vary"]


class TestMemberFeedIsNotShared:
    def test_it_builds_the_private_feed_on_every_fetch(
        self, frozen_now, client, machine, mia, django_assert_num_queries
    ):
        book(mia, machine, 2026, 3, 24, 10)
        fetch(client, f"/calendar/me/{mia.calendar_token}.ics")
        with django_assert_num_queries(2):  # the member, their bookings: nothing came from the cache
            response = fetch(client, f"/calendar/me/{mia.calendar_token}.ics")
        assert "private" in response["Cache-Control"]


class TestLabFeedCache:
    def test_it_shows_a_new_closure_and_a_new_session(self, frozen_now, client, lab, machine, mia):
        from tests.training.conftest import CourseFactory

        url = f"/calendar/labs/{lab.slug}.ics"
        etag = fetch(client, url)["ETag"]
        closure = ClosureFactory(lab=lab, first_day=dt.date(2026, 4, 6), last_day=dt.date(2026, 4, 6))
        response = fetch(client, url)
        assert response["ETag"] != etag
        assert uid("closure", closure.pk).encode() in response.content
        staff = UserFactory(is_superuser=True)
        session = session_schedule(
            course=CourseFactory(title="Laser basics"),
            lab=lab,
            start=paris(2026, 3, 30, 14),
            end=paris(2026, 3, 30, 16),
            by=staff,
        )
        assert uid("training-session", session.pk).encode() in fetch(client, url).content


class TestProjectFeedCache:
    def test_it_shows_an_edited_title_at_once(self, client, django_assert_num_queries):
        project = ProjectFactory(title="Lamp", steps=["Cut"])
        first = client.get("/projects/feed/", headers={"Accept-Language": "en"})
        assert b"Lamp" in first.content
        with django_assert_num_queries(0):
            assert client.get("/projects/feed/", headers={"Accept-Language": "en"}).content == first.content
        project_update(project=project, by=project.owner, title="Desk lamp")
        second = client.get("/projects/feed/", headers={"Accept-Language": "en", "if-none-match": first["ETag"]})
        assert second.status_code == 200
        assert b"Desk lamp" in second.content

    def test_it_forgets_an_erased_author_at_once(self, client):
        from fablab.accounts.services import account_erase

        project = ProjectFactory(title="Lamp", steps=["Cut"], owner=UserFactory(full_name="Zoé Unique"))
        assert "Zoé Unique" in client.get("/projects/feed/").content.decode()
        account_erase(user=project.owner)
        assert "Zoé Unique" not in client.get("/projects/feed/").content.decode()

    def test_it_keeps_one_copy_per_language(self, client):
        ProjectFactory(title="Lamp", steps=["Cut"])
        english = client.get("/projects/feed/", headers={"Accept-Language": "en"})
        french = client.get("/projects/feed/", headers={"Accept-Language": "fr"})
        assert english.content != french.content
        assert "Accept-Language" in french["Vary"]

    def test_it_answers_304_to_a_known_etag(self, client):
        ProjectFactory(title="Lamp", steps=["Cut"])
        etag = client.get("/projects/feed/")["ETag"]
        assert client.get("/projects/feed/", headers={"if-none-match": etag}).status_code == 304
