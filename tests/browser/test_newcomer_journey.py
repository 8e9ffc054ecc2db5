"""A newcomer's first visit, in a real browser: sign up, verify, log in, pick a
language, reach a lab with the keyboard; every page passes axe-core; the core
flows work with JavaScript off.

Labels are not translated into French yet, so elements are found by id, name or
form action, and the language is read from `<html lang>`, never from visible text.
"""

import re
import time
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from fablab.accounts.models import User
from tests.factories import PASSWORD, LabFactory, UserFactory

pytestmark = pytest.mark.browser

LAB_SLUG = "rennes"
MEMBER_EMAIL = "member@example.org"


def html_lang(page):
    return page.locator("html").get_attribute("lang")


def submit(page, form_action, *, match="="):
    """Press the submit button of the form posting to `form_action` and wait for the next page.

    `match="^="` accepts any action that starts with `form_action`.
    """
    with page.expect_navigation():
        page.locator(f'form[action{match}"{form_action}"] button[type="submit"]').click()


def log_in(page, email, password=PASSWORD):
    login_url = reverse("account_login")
    page.goto(login_url)
    page.fill("#id_login", email)
    page.fill("#id_password", password)
    submit(page, login_url)
    assert urlsplit(page.url).path == reverse("frontend:home")


def switch_language(page, language):
    page.select_option("#language-select", language)
    submit(page, reverse("accounts:set_language"))


def focused_matches(page, selector):
    return page.evaluate("selector => document.activeElement.matches(selector)", selector)


def tab_until_focused(page, selector, *, within=None, limit=15):
    """Press Tab until `selector` has the focus; every element passed on the way must lie in `within`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if within is not None:
            assert focused_matches(page, f"{within}, {within} *"), (
                f"Tab left {within} for {page.evaluate('document.activeElement.outerHTML')}"
            )
        if focused_matches(page, selector):
            return
    raise AssertionError(f"{selector} never got the focus in {limit} presses of Tab")


def wait_for_email(outbox, *, timeout=5.0):
    """The verification email is sent by a task after the live server's transaction commits."""
    deadline = time.monotonic() + timeout
    while not outbox and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(outbox) == 1
    return outbox[0]


class TestNewcomerJourney:
    def test_it_signs_up_verifies_logs_in_switches_language_and_reaches_a_lab_by_keyboard(self, page, mailoutbox):
        LabFactory(slug=LAB_SLUG, name="Fab Lab Rennes")
        signup_url = reverse("account_signup")

        page.goto(signup_url)
        page.fill("#id_full_name", "Nina Newcomer")
        page.fill("#id_email", "nina@example.org")
        page.fill("#id_password1", PASSWORD)
        page.fill("#id_password2", PASSWORD)
        page.select_option("#id_preferred_language", "fr")
        submit(page, signup_url)
        assert urlsplit(page.url).path == reverse("account_email_verification_sent")

        message = wait_for_email(mailoutbox)
        assert message.to == ["nina@example.org"]
        confirm_prefix = reverse("account_confirm_email", args=["key"]).removesuffix("key/")
        link = re.search(rf"https?://\S+{re.escape(confirm_prefix)}\S+/", message.body).group(0)
        # The link carries the production scheme (https); the live server speaks plain HTTP.
        page.goto(urlsplit(link).path)
        # The page signs a fresh key into its form: the action differs from the link once a second ticks.
        submit(page, confirm_prefix, match="^=")
        assert urlsplit(page.url).path == reverse("account_login")
        newcomer = User.objects.get(email="nina@example.org")
        assert (newcomer.full_name, newcomer.preferred_language) == ("Nina Newcomer", "fr")
        assert newcomer.emailaddress_set.get().verified is True

        log_in(page, "nina@example.org")
        assert html_lang(page) == "fr"

        switch_language(page, "en")
        assert html_lang(page) == "en"
        newcomer.refresh_from_db()
        assert newcomer.preferred_language == "en"

        # From here on, the keyboard only: no click, no page.goto.
        tab_until_focused(page, 'a[href="#main"]', limit=3)
        assert page.evaluate("document.activeElement.getBoundingClientRect().top >= 0"), "skip link stays hidden"
        page.keyboard.press("Enter")
        assert focused_matches(page, "main#main")
        lab_url = reverse("frontend:lab", args=[LAB_SLUG])
        tab_until_focused(page, f'a[href="{lab_url}"]', within="main")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert urlsplit(page.url).path == lab_url
        assert page.locator("h1").inner_text() == "Fab Lab Rennes"
        assert html_lang(page) == "en"


ANONYMOUS_PAGES = [
    reverse("frontend:home"),
    reverse("frontend:lab", args=[LAB_SLUG]),
    reverse("frontend:legal"),
    reverse("frontend:accessibility"),
    reverse("account_login"),
    reverse("account_signup"),
    reverse("account_reset_password"),
]
MEMBER_PAGES = [
    reverse("accounts:profile"),
    reverse("accounts:privacy"),
    reverse("accounts:delete"),
]
BLOCKING_IMPACTS = {"serious", "critical"}


def axe_violations(page, axe_source):
    """Run axe-core in the page; the serious and critical violations, one readable line each."""
    page.add_script_tag(content=axe_source)
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {[node['target'] for node in violation['nodes']]}"
        f" — {violation['helpUrl']}"
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


@pytest.fixture
def axe_page(new_page):
    """axe is injected as an inline script: the site's CSP, rightly, would refuse it."""
    LabFactory(slug=LAB_SLUG, name="Fab Lab Rennes", email="hello@lab.test", phone="+33 2 00 00 00 00")
    return new_page(bypass_csp=True)


class TestAccessibility:
    @pytest.mark.parametrize("url", ANONYMOUS_PAGES)
    def test_it_finds_no_serious_violation_on_public_pages(self, axe_page, axe_source, url):
        response = axe_page.goto(url)
        assert response.status == 200
        violations = axe_violations(axe_page, axe_source)
        assert violations == [], f"axe on {url}:\n" + "\n".join(violations)

    @pytest.mark.parametrize("url", MEMBER_PAGES)
    def test_it_finds_no_serious_violation_on_member_pages(self, axe_page, axe_source, url):
        UserFactory(email=MEMBER_EMAIL)
        log_in(axe_page, MEMBER_EMAIL)
        response = axe_page.goto(url)
        assert response.status == 200
        violations = axe_violations(axe_page, axe_source)
        assert violations == [], f"axe on {url}:\n" + "\n".join(violations)


class TestWithoutJavaScript:
    def test_it_logs_in_and_switches_language(self, new_page):
        page = new_page(java_script_enabled=False)
        member = UserFactory(email=MEMBER_EMAIL, preferred_language="fr")

        log_in(page, MEMBER_EMAIL)
        # htmx is loaded on every page: it never ran, so no script of the page did.
        assert page.evaluate("() => typeof window.htmx") == "undefined"
        assert html_lang(page) == "fr"
        assert page.locator(f'a[href="{reverse("accounts:profile")}"]').count() == 1

        switch_language(page, "en")
        assert html_lang(page) == "en"
        member.refresh_from_db()
        assert member.preferred_language == "en"
