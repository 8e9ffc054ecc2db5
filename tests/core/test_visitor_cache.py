"""Public pages kept for visitors who are not signed in, availability and the staff charts
(fablab/core/cache.py): served from the cache, fresh as soon as a write changes what they
show, and never one person's page served to another."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from fablab.core.cache import cached_for_visitors
from projects.models import Comment
from projects.services import project_update
from tests.bookings.test_calendar_feeds import book
from tests.factories import ClosureFactory, MachineFactory, UserFactory, give_credits
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db

WEEK = "2026-03-23"


@pytest.fixture
def mia(lab):
    user = UserFactory(email="mia@example.org", full_name="Mia Maker")
    give_credits(user, lab, 6000)
    return user


@pytest.fixture
def project(lab):
    return ProjectFactory(title="Lamp", lab=lab, steps=["Cut"])


@pytest.fixture
def urls(lab, machine, project):
    return [
        "/",
        f"/labs/{lab.slug}/",
        f"/machines/{machine.pk}/?week={WEEK}",
        "/projects/",
        "/projects/?q=lamp",
        f"/projects/{project.slug}/",
    ]


def visit(client, url, **headers):
    response = client.get(url, headers={"Accept-Language": "en", **headers})
    assert response.status_code == 200, url
    return response


def page_of(response):
    """The body without what each response has its own of (the CSP nonce, the CSRF token)."""
    content = re.sub(rb'nonce="[^"]+"', b'nonce=""', response.content)
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)


def queries_of(client, url, **headers):
    with CaptureQueriesContext(connection) as captured:
        visit(client, url, **headers)
    return len(captured.captured_queries)


class TestVisitorsShareOneCopy:
    def test_a_second_visit_runs_no_query(self, frozen_now, client, urls, django_assert_num_queries):
        for url in urls:
            first = visit(client, url)
            with django_assert_num_queries(0):
                second = visit(client, url)
            assert page_of(second) == page_of(first), url
            assert "no-cache" in second["Cache-Control"], url
            assert "Cookie" in second["Vary"], url

    def test_a_known_etag_gets_a_304(self, frozen_now, client, urls):
        for url in urls:
            etag = visit(client, url)["ETag"]
            response = client.get(url, headers={"Accept-Language": "en", "If-None-Match": etag})
            assert response.status_code == 304, url

    def test_each_response_has_its_own_nonce_in_the_header_and_the_page(self, frozen_now, client, urls):
        for url in urls:
            nonces = []
            for _visit in range(2):
                response = visit(client, url)
                nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
                assert f'nonce="{nonce}"' in response.content.decode(), url
                nonces.append(nonce)
            assert nonces[0] != nonces[1], url

    def test_each_visitor_gets_a_token_of_their_own_that_works(self, frozen_now):
        first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
        tokens = {}
        for name, visitor in (("first", first), ("second", second)):
            content = visit(visitor, "/").content.decode()
            tokens[name] = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', content).group(1)

        def switch(visitor, token):
            data = {"language": "fr", "next": "/", "csrfmiddlewaretoken": token}
            return visitor.post("/accounts/language/", data).status_code

        assert switch(first, tokens["second"]) == 403
        assert (switch(first, tokens["first"]), switch(second, tokens["second"])) == (302, 302)

    def test_each_language_has_its_own_copy(self, frozen_now, client):
        english = visit(client, "/")
        french = visit(client, "/", **{"Accept-Language": "fr"})
        assert english.content != french.content
        assert french["Content-Language"] == "fr"

    def test_the_week_calendar_keeps_the_htmx_fragment_apart_from_the_page(self, frozen_now, client, machine):
        url = f"/machines/{machine.pk}/?week={WEEK}"
        page = visit(client, url)
        fragment = visit(client, url, **{"HX-Request": "true"})
        assert b"<html" in page.content
        assert b"<html" not in fragment.content
        assert b"<html" in visit(client, url).content


class TestNobodyElsesPage:
    def test_a_signed_in_member_gets_a_page_built_for_them(self, frozen_now, client, urls, mia):
        for url in urls:
            visit(client, url)
        member = Client()
        member.force_login(mia)
        for url in urls:
            assert queries_of(member, url) > 0, url
            content = visit(member, url).content.decode()
            assert ">Mia</a>" in content and "csrfmiddlewaretoken" in content, url
        for url in urls:
            assert ">Mia</a>" not in visit(client, url).content.decode(), url

    def test_a_visitor_with_a_session_gets_a_fresh_page(self, frozen_now, client):
        visit(client, "/")
        client.cookies[settings.SESSION_COOKIE_NAME] = "whatever"
        assert queries_of(client, "/") > 0

    def test_a_message_waiting_for_a_visitor_is_shown(self, frozen_now, client):
        visit(client, "/")
        client.post("/accounts/language/", {"language": "xx", "next": "/"}, headers={"Accept-Language": "en"})
        assert "This language is not offered." in visit(client, "/").content.decode()

    def test_a_page_that_sets_a_cookie_of_its_own_is_not_kept(self):
        built = []

        @cached_for_visitors(lambda request: [], timeout=60)
        def page_with_a_cookie(request):
            built.append(request)
            response = HttpResponse("hello")
            response.set_cookie("seen", "yes")
            return response

        for _visit in range(2):
            request = RequestFactory().get("/hello/")
            request.user = AnonymousUser()
            page_with_a_cookie(request)
        assert len(built) == 2


class TestFreshAfterAWrite:
    def test_an_edited_project_shows_at_once(self, frozen_now, client, project):
        pages = [f"/projects/{project.slug}/", "/projects/", "/projects/?q=lamp"]
        for url in pages:
            visit(client, url)
        project_update(project=project, by=project.owner, title="Desk lamp")
        for url in pages:
            assert "Desk lamp" in visit(client, url).content.decode(), url

    def test_a_members_search_is_kept_too_and_shows_an_edit_at_once(self, frozen_now, project, mia):
        member = Client()
        member.force_login(mia)
        built = queries_of(member, "/projects/?q=lamp")
        assert queries_of(member, "/projects/?q=lamp") < built
        project_update(project=project, by=project.owner, title="Desk lamp")
        assert "Desk lamp" in visit(member, "/projects/?q=lamp").content.decode()

    def test_a_new_comment_shows_at_once(self, frozen_now, client, project, mia):
        url = f"/projects/{project.slug}/"
        visit(client, url)
        Comment.objects.create(project=project, author=mia, body="Lovely grain on that plywood")
        assert "Lovely grain on that plywood" in visit(client, url).content.decode()

    def test_a_new_booking_shows_on_the_week_at_once(self, frozen_now, client, machine, mia):
        url = f"/machines/{machine.pk}/?week={WEEK}"
        before = visit(client, url).content
        book(mia, machine, 2026, 3, 24, 10)
        assert visit(client, url).content != before

    def test_a_new_closure_shows_on_the_lab_page_at_once(self, frozen_now, client, lab):
        url = f"/labs/{lab.slug}/"
        visit(client, url)
        ClosureFactory(lab=lab, reason="Inventory day", first_day=dt.date(2026, 4, 2))
        assert "Inventory day" in visit(client, url).content.decode()


class TestAvailability:
    def url(self, machine):
        week = "start=2026-03-23T00:00:00%2B01:00&end=2026-03-30T00:00:00%2B01:00"
        return f"/api/v1/machines/{machine.pk}/availability/?{week}"

    def test_it_is_computed_once_until_a_booking_changes_it(self, frozen_now, client, machine, mia):
        first = client.get(self.url(machine))
        computed = queries_of(client, self.url(machine))
        assert client.get(self.url(machine)).json() == first.json()
        book(mia, machine, 2026, 3, 24, 10)
        with CaptureQueriesContext(connection) as captured:
            fresh = client.get(self.url(machine)).json()
        assert len(captured.captured_queries) > computed
        assert {"start": "2026-03-24T09:00:00+00:00", "end": "2026-03-24T10:00:00+00:00"} in fresh["busy"]
        assert fresh != first.json()

    def test_a_hit_reads_no_row(self, frozen_now, client, machine, django_assert_num_queries):
        client.get(self.url(machine))
        with django_assert_num_queries(0):
            assert client.get(self.url(machine)).status_code == 200

    def test_a_closure_of_the_lab_shows_at_once(self, frozen_now, client, lab, machine):
        before = client.get(self.url(machine)).json()
        ClosureFactory(lab=lab, first_day=dt.date(2026, 3, 25))
        after = client.get(self.url(machine)).json()
        assert after != before
        assert not any(interval["start"].startswith("2026-03-25") for interval in after["free"])

    def test_a_machine_taken_off_the_catalogue_is_a_404_at_once(self, frozen_now, client, machine):
        client.get(self.url(machine))
        machine.is_public = False
        machine.save(update_fields=["is_public"])
        assert client.get(self.url(machine)).status_code == 404


class TestStaffCharts:
    def test_they_are_built_once_until_a_booking_changes_them(self, frozen_now, world):
        laser = MachineFactory(lab=world.lab, name="Laser")
        give_credits(world.member, world.lab, 600)
        staff = Client()
        staff.force_login(world.staff)
        params = "?date_from=2026-03-01&date_to=2026-03-31"
        first = queries_of(staff, "/staff/" + params)
        cached = queries_of(staff, "/staff/" + params)
        assert cached < first
        book(world.member, laser, 2026, 3, 24, 10)
        with CaptureQueriesContext(connection) as captured:
            content = visit(staff, "/staff/" + params).content.decode()
        assert len(captured.captured_queries) > cached
        assert "Laser" in content
