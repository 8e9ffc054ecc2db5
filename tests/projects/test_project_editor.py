"""The member-side editor: plain POST forms, authors only, the same services as the API."""

import pytest
from django.urls import reverse

from projects.models import Project, ProjectStatus
from tests.factories import UserFactory
from tests.projects.factories import DraftFactory, MaterialFactory, ProjectFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def draft(world):
    draft = DraftFactory(title="Plywood lamp", owner=world.member, lab=world.lab, steps=["A", "B", "C"])
    draft.collaborators.add(world.trainer)
    return draft


def url(name, project, *args):
    return reverse(f"projects:{name}", args=[project.slug, *args])


def titles(project):
    return "".join(project.steps.order_by("position").values_list("title", flat=True))


class TestNewProjectPage:
    def test_it_asks_anonymous_visitors_to_log_in(self, client, world):
        response = client.get(reverse("projects:new"))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")

    def test_a_member_creates_a_draft_and_lands_in_the_editor(self, client, world):
        client.force_login(world.member)
        assert client.get(reverse("projects:new"), **EN).status_code == 200
        response = client.post(
            reverse("projects:new"),
            {"title": "Plywood lamp", "lab": "lab-a", "difficulty": "beginner", "tags": "lamp, wood", "licence": "MIT"},
            **EN,
        )
        project = Project.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("projects:edit", args=[project.slug])
        assert (project.owner, project.status, project.licence) == (world.member, ProjectStatus.DRAFT, "MIT")
        assert sorted(project.tags.values_list("slug", flat=True)) == ["lamp", "wood"]

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"title": "", "lab": "lab-a", "difficulty": "beginner"}, "This field is required."),
            ({"title": "Lamp", "lab": "lab-a", "difficulty": "beginner", "licence": "WTFPL"}, "Select a valid choice."),
            ({"title": "Lamp", "lab": "atlantis", "difficulty": "beginner"}, "Select a valid choice."),
            (
                {
                    "title": "Lamp",
                    "lab": "lab-a",
                    "difficulty": "beginner",
                    "tags": ", ".join(f"t{n}" for n in range(11)),
                },
                "A project has at most 10 tags.",
            ),
        ],
    )
    def test_bad_input_gets_a_message_and_creates_nothing(self, client, world, data, message):
        client.force_login(world.member)
        response = client.post(reverse("projects:new"), data, **EN)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not Project.objects.exists()


class TestEditorAccess:
    @pytest.mark.parametrize("who", ["member", "trainer"])
    def test_authors_open_the_editor(self, client, world, draft, who):
        client.force_login(getattr(world, who))
        response = client.get(url("edit", draft), **EN)
        assert response.status_code == 200
        assert "Edit “Plywood lamp”" in response.content.decode()

    @pytest.mark.parametrize(("who", "status"), [("other_member", 404), ("other_staff", 404), ("staff", 403)])
    def test_others_get_404_for_a_draft_and_moderators_403(self, client, world, draft, who, status):
        client.force_login(getattr(world, who))
        assert client.get(url("edit", draft)).status_code == status
        assert client.post(url("step_add", draft), {"title": "Sneaky"}).status_code == status
        assert titles(draft) == "ABC"

    @pytest.mark.parametrize("who", ["other_member", "staff", "other_staff"])
    def test_others_get_403_for_a_published_project(self, client, world, who):
        published = ProjectFactory(owner=world.member, lab=world.lab)
        client.force_login(getattr(world, who))
        assert client.get(url("edit", published)).status_code == 403
        assert client.post(url("unpublish", published)).status_code == 403
        published.refresh_from_db()
        assert published.status == ProjectStatus.PUBLISHED

    def test_anonymous_visitors_are_asked_to_log_in(self, client, world, draft):
        response = client.post(url("publish", draft))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


class TestEditorForms:
    def test_it_saves_the_details(self, client, world, draft):
        client.force_login(world.trainer)
        data = {"title": "Birch lamp", "summary": "Better.", "lab": "lab-b", "difficulty": "advanced", "licence": ""}
        response = client.post(url("edit", draft), data, **EN)
        assert response.status_code == 302
        draft.refresh_from_db()
        assert (draft.title, draft.summary, draft.lab, draft.difficulty) == (
            "Birch lamp",
            "Better.",
            world.other_lab,
            "advanced",
        )

    def test_a_refused_change_shows_the_message_and_changes_nothing(self, client, world):
        published = ProjectFactory(title="Lamp", owner=world.member, lab=world.lab, steps=["A"])
        client.force_login(world.member)
        data = {"title": "Lamp 2", "summary": "", "lab": "lab-a", "difficulty": "beginner", "licence": "MIT"}
        response = client.post(url("edit", published), data, **EN)
        assert response.status_code == 400
        assert "A published project needs a summary and a licence." in response.content.decode()
        published.refresh_from_db()
        assert published.title == "Lamp"

    def test_it_adds_edits_moves_and_deletes_steps(self, client, world, draft):
        client.force_login(world.member)
        assert client.post(url("step_add", draft), {"title": "D", "body": "Sand"}).status_code == 302
        assert titles(draft) == "ABCD"
        step_d = draft.steps.get(title="D")
        assert client.get(url("step_edit", draft, step_d.pk), **EN).status_code == 200
        assert client.post(url("step_edit", draft, step_d.pk), {"title": "Sanding", "body": ""}).status_code == 302
        assert client.post(url("step_move", draft, step_d.pk), {"direction": "up"}).status_code == 302
        assert titles(draft) == "ABSandingC"
        step_a = draft.steps.get(title="A")
        assert client.post(url("step_move", draft, step_a.pk), {"direction": "down"}).status_code == 302
        assert titles(draft) == "BASandingC"
        assert "Delete step 2: A?" in client.get(url("step_delete", draft, step_a.pk), **EN).content.decode()
        assert client.post(url("step_delete", draft, step_a.pk)).status_code == 302
        assert titles(draft) == "BSandingC"
        assert list(draft.steps.values_list("position", flat=True)) == [1, 2, 3]

    def test_it_refuses_to_move_the_first_step_up(self, client, world, draft):
        client.force_login(world.member)
        response = client.post(url("step_move", draft, draft.steps.get(title="A").pk), {"direction": "up"}, **EN)
        assert response.status_code == 400
        assert "A step can only move to a position from 1 to 3." in response.content.decode()
        assert (
            client.post(url("step_move", draft, draft.steps.get(title="A").pk), {"direction": "sideways"}).status_code
            == 400
        )
        assert titles(draft) == "ABC"

    def test_a_step_of_another_project_is_a_404(self, client, world, draft):
        other = DraftFactory(owner=world.member, lab=world.lab, steps=["X"])
        client.force_login(world.member)
        foreign = other.steps.get().pk
        assert client.post(url("step_delete", draft, foreign)).status_code == 404
        assert client.post(url("step_edit", draft, foreign), {"title": "Y"}).status_code == 404
        assert other.steps.get().title == "X"

    def test_a_bad_step_shows_the_errors_in_the_editor(self, client, world, draft):
        client.force_login(world.member)
        response = client.post(url("step_add", draft), {"title": ""}, **EN)
        assert response.status_code == 400
        assert "This field is required." in response.content.decode()
        assert titles(draft) == "ABC"

    def test_it_adds_and_removes_materials(self, client, world, draft):
        client.force_login(world.member)
        data = {"item": "Plywood", "quantity": "2.5", "unit": "m²", "link": "https://example.org/p", "note": ""}
        assert client.post(url("material_add", draft), data).status_code == 302
        material = draft.materials.get()
        assert (material.item, str(material.quantity)) == ("Plywood", "2.500")
        response = client.post(url("material_add", draft), {**data, "link": "javascript:alert(1)"}, **EN)
        assert response.status_code == 400
        assert draft.materials.count() == 1
        assert client.post(url("material_delete", draft, material.pk)).status_code == 302
        assert not draft.materials.exists()

    def test_it_refuses_a_material_of_another_project(self, client, world, draft):
        material = MaterialFactory(project=DraftFactory(owner=world.member))
        client.force_login(world.member)
        assert client.post(url("material_delete", draft, material.pk)).status_code == 404
        material.refresh_from_db()

    def test_it_publishes_and_unpublishes(self, client, world, draft):
        Project.objects.filter(pk=draft.pk).update(licence="")
        client.force_login(world.member)
        response = client.post(url("publish", draft), **EN)
        assert response.status_code == 400
        assert "Choose a licence before publishing." in response.content.decode()
        Project.objects.filter(pk=draft.pk).update(licence="MIT")
        response = client.post(url("publish", draft))
        assert response.status_code == 302
        assert response["Location"] == draft.get_absolute_url()
        draft.refresh_from_db()
        assert draft.status == ProjectStatus.PUBLISHED
        assert client.post(url("unpublish", draft)).status_code == 302
        draft.refresh_from_db()
        assert draft.status == ProjectStatus.DRAFT


class TestCollaborators:
    def test_the_owner_invites_and_removes_a_collaborator(self, client, world, draft):
        client.force_login(world.member)
        response = client.post(url("collaborator_add", draft), {"email": "OTHER@example.org"})
        assert response.status_code == 302
        assert set(draft.collaborators.all()) == {world.trainer, world.other_member}
        assert client.post(url("collaborator_remove", draft, world.other_member.pk)).status_code == 302
        assert set(draft.collaborators.all()) == {world.trainer}

    def test_it_says_when_nobody_has_the_email(self, client, world, draft):
        client.force_login(world.member)
        response = client.post(url("collaborator_add", draft), {"email": "nobody@example.org"}, **EN)
        assert response.status_code == 400
        assert "No member has this email address." in response.content.decode()

    def test_a_collaborator_cannot_invite_but_can_leave(self, client, world, draft):
        client.force_login(world.trainer)
        response = client.post(url("collaborator_add", draft), {"email": UserFactory().email})
        assert response.status_code == 403
        assert set(draft.collaborators.all()) == {world.trainer}
        assert client.post(url("collaborator_remove", draft, world.trainer.pk)).status_code == 302
        assert not draft.collaborators.exists()
