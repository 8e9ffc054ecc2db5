"""The project editor with JavaScript: adding and moving steps swap the steps section in place (htmx)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from projects.models import Step
from tests.browser.test_newcomer_journey import MEMBER_EMAIL, log_in
from tests.factories import UserFactory
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def editor(page):
    owner = UserFactory(email=MEMBER_EMAIL)
    project = ProjectFactory(owner=owner, steps=["Cut the plywood", "Glue the box"])
    log_in(page, MEMBER_EMAIL)
    page.goto(reverse("projects:edit", args=[project.slug]))
    # Set on this page only: a full reload would forget it.
    page.evaluate("window.stillTheSamePage = true")
    return project


def step_titles(page):
    return page.locator("#steps .project-editor-step-title").all_inner_texts()


class TestProjectEditorWithHtmx:
    def test_moving_a_step_reorders_the_list_without_reloading(self, page, editor):
        page.locator(
            f'form[action="{reverse("projects:step_move", args=[editor.slug, editor.steps.first().pk])}"]'
        ).locator("button").click()
        expect(page.locator("#steps li").first).to_contain_text("Glue the box")
        assert step_titles(page) == ["Glue the box", "Cut the plywood"]
        assert page.evaluate("window.stillTheSamePage") is True
        assert "Cut the plywood" in page.locator("#messages").inner_text()
        assert list(Step.objects.filter(project=editor).order_by("position").values_list("title", flat=True)) == [
            "Glue the box",
            "Cut the plywood",
        ]

    def test_adding_a_step_shows_it_in_place_and_a_refused_one_shows_why(self, page, editor):
        page.fill("#step-title", "Sand the edges")
        page.fill("#step-body", "Use 120 grit paper.")
        page.locator("#steps form.project-form button[type=submit]").click()
        expect(page.locator("#steps li")).to_have_count(3)
        assert step_titles(page)[-1] == "Sand the edges"
        assert page.evaluate("window.stillTheSamePage") is True

        page.fill("#step-title", "")
        page.fill("#step-body", "A step without a title.")
        page.evaluate("document.querySelector('#step-title').removeAttribute('required')")  # past the browser's check
        page.locator("#steps form.project-form button[type=submit]").click()
        expect(page.locator("#steps .errorlist")).to_be_visible()
        assert page.evaluate("window.stillTheSamePage") is True
        assert Step.objects.filter(project=editor).count() == 3
