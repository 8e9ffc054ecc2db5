"""Headers, CSRF, brute force, session fixation, password reset, and a database outage.

The suite runs with DEBUG off (production settings), served over plain HTTP: HSTS is
checked on a request marked secure, as the proxy would mark it.
"""

import re
import time
from html.parser import HTMLParser

import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse

from fablab.accounts.models import User
from tests.factories import PASSWORD, UserFactory
from tests.security import pages

pytestmark = pytest.mark.django_db


class FormParser(HTMLParser):
    """The POST forms of a page: their action and whether they carry the CSRF token."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            self.forms.append({"action": attrs.get("action") or "", "token": False})
        elif tag == "input" and attrs.get("name") == "csrfmiddlewaretoken" and self.forms:
            self.forms[-1]["token"] = True


def post_forms(client, url):
    parser = FormParser()
    parser.feed(client.get(url).content.decode())
    return [{**form, "action": form["action"] or url} for form in parser.forms]


def logged_in(email, **options):
    client = Client(**options)
    client.force_login(User.objects.get(email=email))
    return client


class TestSecurityHeaders:
    @pytest.mark.parametrize("url", ["/", "/machines/", "/accounts/login/", "/api/v1/labs/", "/no-such-page/"])
    def test_it_sends_the_security_headers(self, client, url):
        response = client.get(url, secure=True)
        assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert "camera=()" in response["Permissions-Policy"]
        assert "geolocation=()" in response["Permissions-Policy"]

    def test_the_content_security_policy_is_strict_with_a_nonce_per_response(self, client):
        first = client.get("/")["Content-Security-Policy"]
        second = client.get("/")["Content-Security-Policy"]
        directives = dict((part.split()[0], part.split()[1:]) for part in first.split(";") if part.strip())
        assert "unsafe-inline" not in first and "unsafe-eval" not in first
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["object-src"] == ["'none'"]
        assert directives["default-src"] == ["'self'"]
        nonce = re.search(r"'nonce-([^']+)'", " ".join(directives["script-src"])).group(1)
        assert nonce not in second

    def test_every_script_tag_carries_the_nonce_and_no_inline_handler_exists(self):
        pages.seed()
        member, staff = logged_in(pages.MEMBER_EMAIL), logged_in(pages.STAFF_EMAIL)
        visits = [(member, url) for url in pages.public_pages() + pages.member_pages()]
        visits += [(staff, url) for url in pages.staff_pages()]
        for client, url in visits:
            response = client.get(url)
            # Django puts the nonce in the header only when the page used it.
            match = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
            nonce = match.group(1) if match else "no nonce in the header"
            html = response.content.decode()
            for tag in re.findall(r"<script\b[^>]*>", html):
                if re.search(r'type="application/(ld\+)?json"', tag):
                    continue  # data, not run
                assert f'nonce="{nonce}"' in tag, f"{url}: {tag}"
            assert not re.search(r"\son(click|load|submit|change|error)=", html), url
            # style-src 'self' without 'unsafe-inline': inline styles would be silently dropped.
            assert not re.search(r"<style|\sstyle=", html), url
            assert "javascript:" not in html, url


class TestCsrf:
    def test_every_post_form_on_every_page_carries_the_token_and_is_refused_without_it(self):
        pages.seed()
        audiences = [
            (None, pages.public_pages()),
            (pages.MEMBER_EMAIL, pages.member_pages()),
            (pages.STAFF_EMAIL, pages.staff_pages()),
            (pages.TRAINER_EMAIL, pages.trainer_pages()),
        ]
        checked = set()
        for email, urls in audiences:
            reader = logged_in(email) if email else Client()
            attacker = logged_in(email, enforce_csrf_checks=True) if email else Client(enforce_csrf_checks=True)
            for url in urls:
                for form in post_forms(reader, url):
                    assert form["token"], f"the form posting to {form['action']} on {url} has no CSRF token"
                    if (email, form["action"]) in checked:
                        continue
                    checked.add((email, form["action"]))
                    response = attacker.post(form["action"], {})
                    assert response.status_code == 403, f"{form['action']} accepted a POST without a CSRF token"
        assert len(checked) >= 20, sorted(checked)

    def test_the_stripe_webhook_is_the_one_form_free_endpoint_and_checks_its_signature(self, settings):
        settings.STRIPE_WEBHOOK_SECRET = "whsec_test"
        response = Client(enforce_csrf_checks=True).post(
            reverse("billing:stripe_webhook"), b"{}", content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=x"
        )
        assert response.status_code == 400


class TestLoginThrottling:
    def test_it_locks_an_account_out_after_five_failures_even_for_the_right_password(self, client):
        user = UserFactory(email="target@example.org")
        for _attempt in range(5):
            response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong-guess"})
            assert response.status_code == 200
        response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
        assert "_auth_user_id" not in client.session
        assert response.status_code in (200, 429)
        # Another account from the same address is not locked by these five failures.
        other = UserFactory(email="bystander@example.org")
        response = Client().post(reverse("account_login"), {"login": other.email, "password": PASSWORD})
        assert response.status_code == 302

    def test_the_lockout_lifts_after_five_minutes(self, client):
        user = UserFactory(email="target@example.org")
        with time_machine.travel(time.time(), tick=False) as traveller:
            for _attempt in range(5):
                client.post(reverse("account_login"), {"login": user.email, "password": "wrong-guess"})
            traveller.shift(6 * 60)
            response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)


class TestSessionFixation:
    def test_the_session_key_changes_when_signing_in(self, client):
        user = UserFactory(email="member@example.org")
        session = client.session
        session["planted"] = "by an attacker"
        session.save()
        planted_key = session.session_key
        client.cookies[settings.SESSION_COOKIE_NAME] = planted_key
        response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
        assert response.status_code == 302
        assert client.session.session_key != planted_key
        assert client.session["_auth_user_id"] == str(user.pk)

    def test_the_session_cookie_is_http_only_and_same_site(self, client):
        user = UserFactory(email="member@example.org")
        client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


def request_reset_link(client, mailoutbox, django_capture_on_commit_callbacks, email):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mailoutbox[-1].body).group(1)
    return link


class TestPasswordResetToken:
    NEW = {"password1": "an-entirely-new-passphrase", "password2": "an-entirely-new-passphrase"}

    def test_the_link_works_once(self, client, mailoutbox, django_capture_on_commit_callbacks):
        user = UserFactory(email="member@example.org")
        link = request_reset_link(client, mailoutbox, django_capture_on_commit_callbacks, user.email)
        form_page = client.get(link, follow=True)
        response = client.post(form_page.redirect_chain[-1][0] if form_page.redirect_chain else link, self.NEW)
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.check_password(self.NEW["password1"])

        again = Client()
        form_page = again.get(link, follow=True)
        assert form_page.context["token_fail"] is True
        target = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
        again.post(target, {"password1": "a-third-passphrase-xyz", "password2": "a-third-passphrase-xyz"})
        user.refresh_from_db()
        assert user.check_password(self.NEW["password1"])

    def test_the_link_expires(self, client, mailoutbox, django_capture_on_commit_callbacks):
        user = UserFactory(email="member@example.org")
        with time_machine.travel(time.time(), tick=False) as traveller:
            link = request_reset_link(client, mailoutbox, django_capture_on_commit_callbacks, user.email)
            traveller.shift(settings.PASSWORD_RESET_TIMEOUT + 60)
            form_page = client.get(link, follow=True)
            assert form_page.context["token_fail"] is True
            target = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
            client.post(target, self.NEW)
        user.refresh_from_db()
        assert user.check_password(PASSWORD)

    def test_it_does_not_tell_whether_an_address_has_an_account(self, client):
        known = UserFactory(email="member@example.org")
        first = client.post(reverse("account_reset_password"), {"email": known.email})
        second = Client().post(reverse("account_reset_password"), {"email": "nobody@example.org"})
        assert (first.status_code, first["Location"]) == (second.status_code, second["Location"])


class TestDatabaseOutage:
    """A lost connection is answered 503 "try again, nothing was saved", never a 500 trace."""

    @pytest.fixture
    def broken_database(self, monkeypatch):
        def broken_cursor(*args, **kwargs):
            raise OperationalError("server closed the connection unexpectedly")

        def break_it():
            monkeypatch.setattr(connection, "cursor", broken_cursor)

        return break_it

    def test_a_page_answers_503_with_a_clear_page(self, broken_database):
        client = Client(raise_request_exception=False)
        broken_database()
        response = client.get("/machines/")
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        body = response.content.decode()
        assert "Nothing was saved" in body
        assert "Traceback" not in body and "OperationalError" not in body

    def test_the_api_answers_a_503_problem(self, broken_database):
        client = Client(raise_request_exception=False)
        broken_database()
        response = client.get("/api/v1/labs/")
        assert response.status_code == 503
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "service_unavailable"

    def test_an_outage_met_before_the_view_also_answers_503(self, broken_database):
        """A signed-in visitor's session is read by the middleware, before any view runs."""
        client = Client(raise_request_exception=False)
        client.force_login(UserFactory())
        broken_database()
        response = client.get("/")
        assert response.status_code == 503
        assert "Nothing was saved" in response.content.decode()

    def test_other_errors_stay_500(self, monkeypatch):
        import frontend.views

        def broken(*args, **kwargs):
            raise ValueError("a bug")

        monkeypatch.setattr(frontend.views, "labs_for_public", broken)
        response = Client(raise_request_exception=False).get("/")
        assert response.status_code == 500
