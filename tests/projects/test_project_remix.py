"""Remixing: a member copies a published project into a draft of their own, linked both ways."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from fablab.core.errors import NotAllowedError
from projects import attachments
from projects.models import Project, ProjectFile, ProjectStatus
from projects.services import ProjectError, project_publish, project_remix, project_update
from tests.factories import MachineFactory
from tests.projects.factories import DraftFactory, MaterialFactory, ProjectFactory, TagFactory
from tests.projects.uploads import GOOD, upload

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def lamp(world):
    project = ProjectFactory(
        title="Plywood lamp",
        summary="A lamp from one sheet.",
        description="Made **at the lab**.",
        what_went_wrong="The first kerf was too wide.",
        owner=world.member,
        lab=world.lab,
        licence="MIT",
        difficulty="advanced",
        duration_minutes=150,
        machines=[MachineFactory(lab=world.lab, name="Trotec")],
        tags=[TagFactory(name="lighting"), TagFactory(name="wood")],
        steps=["Cut the panels", "Glue", "Wire"],
    )
    project.collaborators.add(world.trainer)
    MaterialFactory(project=project, item="Birch plywood", quantity="2.500", unit="m²", link="https://example.org/p")
    MaterialFactory(project=project, item="Bulb", quantity=1, note="E27")
    return project


class TestProjectRemix:
    def test_it_copies_the_project_into_a_draft_of_the_remixer(self, world, lamp):
        remix = project_remix(project=lamp, by=world.other_member)
        remix.refresh_from_db()
        assert remix.pk != lamp.pk
        assert remix.status == ProjectStatus.DRAFT
        assert remix.published_at is None
        assert remix.owner == world.other_member
        assert list(remix.collaborators.all()) == []
        assert remix.lab == world.lab
        assert remix.remixed_from == lamp
        assert remix.title == "Remix of Plywood lamp"
        assert remix.slug == "remix-of-plywood-lamp"
        fields = ["summary", "description", "what_went_wrong", "difficulty", "duration_minutes", "licence"]
        assert {name: getattr(remix, name) for name in fields} == {name: getattr(lamp, name) for name in fields}
        assert list(remix.machines.all()) == list(lamp.machines.all())
        assert sorted(remix.tags.values_list("slug", flat=True)) == ["lighting", "wood"]
        assert list(remix.steps.values_list("position", "title", "body")) == [
            (1, "Cut the panels", "Do Cut the panels."),
            (2, "Glue", "Do Glue."),
            (3, "Wire", "Do Wire."),
        ]
        assert list(remix.materials.values_list("position", "item", "quantity", "unit", "link", "note")) == [
            (1, "Birch plywood", Decimal("2.500"), "m²", "https://example.org/p", ""),
            (2, "Bulb", Decimal("1.000"), "", "", "E27"),
        ]
        assert "plywood" in remix.search_text.lower()

    def test_it_leaves_the_original_unchanged(self, world, lamp):
        project_remix(project=lamp, by=world.other_member)
        lamp.refresh_from_db()
        assert lamp.steps.count() == 3
        assert lamp.materials.count() == 2
        assert lamp.owner == world.member

    def test_it_copies_the_files_each_into_a_stored_file_of_its_own(self, world, lamp):
        attachments.project_file_add(project=lamp, by=world.member, upload=upload("panel.svg", GOOD["drawing.svg"]))
        attachments.project_file_add(project=lamp, by=world.member, upload=upload("manual.pdf", GOOD["manual.pdf"]))
        remix = project_remix(project=lamp, by=world.other_member)
        originals, copies = list(lamp.files.order_by("position")), list(remix.files.order_by("position"))
        assert [(f.position, f.name, f.kind, f.size_bytes, f.sha256) for f in copies] == [
            (f.position, f.name, f.kind, f.size_bytes, f.sha256) for f in originals
        ]
        assert {f.uploaded_by for f in copies} == {world.other_member}
        for original, copy in zip(originals, copies, strict=True):
            assert copy.stored.name != original.stored.name
            assert copy.stored.read() == original.stored.read()
        attachments.project_file_remove(project_file=originals[0], by=world.member)
        assert remix.files.count() == 2 and copies[0].stored.storage.exists(copies[0].stored.name)

    def test_a_failed_copy_leaves_no_remix_and_no_stored_file(self, world, lamp, monkeypatch):
        attachments.project_file_add(project=lamp, by=world.member, upload=upload("panel.svg", GOOD["drawing.svg"]))
        attachments.project_file_add(project=lamp, by=world.member, upload=upload("manual.pdf", GOOD["manual.pdf"]))
        storage = lamp.files.first().stored.storage
        before = set(storage.listdir("projects/files")[1])
        real_create = ProjectFile.objects.create
        calls = []

        def create_then_fail(**fields):
            calls.append(fields)
            if len(calls) == 2:
                raise OSError("disk full")
            return real_create(**fields)

        monkeypatch.setattr(ProjectFile.objects, "create", create_then_fail)
        with pytest.raises(OSError):
            project_remix(project=lamp, by=world.other_member)
        assert Project.objects.filter(remixed_from=lamp).count() == 0
        assert set(storage.listdir("projects/files")[1]) == before

    def test_the_cover_is_not_copied(self, world, lamp):
        Project.objects.filter(pk=lamp.pk).update(cover="projects/covers/lamp.jpg", cover_alt="A lamp")
        remix = project_remix(project=lamp, by=world.other_member)
        remix.refresh_from_db()
        assert (remix.cover.name, remix.cover_alt) == ("", "")

    def test_slugs_stay_unique_and_the_owner_may_remix_too(self, world, lamp):
        first = project_remix(project=lamp, by=world.other_member)
        second = project_remix(project=lamp, by=world.member)
        assert (first.slug, second.slug) == ("remix-of-plywood-lamp", "remix-of-plywood-lamp-2")
        assert second.owner == world.member

    def test_a_long_title_is_cut_to_fit(self, world):
        original = ProjectFactory(title="L" * 120, lab=world.lab, steps=["Cut"])
        remix = project_remix(project=original, by=world.other_member)
        assert remix.title == ("Remix of " + "L" * 120)[:120]

    @pytest.mark.parametrize("status", [ProjectStatus.DRAFT, ProjectStatus.HIDDEN])
    def test_only_a_published_project_can_be_remixed(self, world, status):
        project = DraftFactory(owner=world.member, lab=world.lab, steps=["Cut"])
        Project.objects.filter(pk=project.pk).update(status=status, published_at=project.created_at)
        with pytest.raises(ProjectError) as error:
            project_remix(project=project, by=world.member)
        assert (error.value.code, error.value.message) == ("not_published", "Only a published project can be remixed.")
        assert Project.objects.count() == 1

    def test_an_inactive_member_cannot_remix(self, world, lamp):
        world.other_member.is_active = False
        world.other_member.save(update_fields=["is_active"])
        with pytest.raises(NotAllowedError):
            project_remix(project=lamp, by=world.other_member)
        assert Project.objects.count() == 1


class TestShareAlikeRemix:
    @pytest.fixture
    def remix(self, world):
        original = ProjectFactory(title="Clock", lab=world.lab, licence="CERN-OHL-S-2.0", steps=["Cut"])
        return project_remix(project=original, by=world.other_member)

    def test_the_remix_keeps_the_copyleft_licence(self, world, remix):
        assert remix.licence == "CERN-OHL-S-2.0"
        with pytest.raises(ProjectError) as error:
            project_update(project=remix, by=world.other_member, licence="MIT", summary="Changed")
        assert (error.value.code, error.value.field) == ("share_alike", "licence")
        assert "keep the same licence" in error.value.message
        remix.refresh_from_db()
        assert (remix.licence, remix.summary) == ("CERN-OHL-S-2.0", "A thing made at the lab.")

    def test_the_remix_is_edited_and_published_under_the_same_licence(self, world, remix):
        project_update(project=remix, by=world.other_member, licence="CERN-OHL-S-2.0", title="My clock")
        project_publish(project=remix, by=world.other_member)
        remix.refresh_from_db()
        assert (remix.status, remix.title) == (ProjectStatus.PUBLISHED, "My clock")

    def test_a_remix_of_a_permissive_project_may_change_its_licence(self, world, lamp):
        remix = project_remix(project=lamp, by=world.other_member)
        project_update(project=remix, by=world.other_member, licence="CC-BY-SA-4.0")
        remix.refresh_from_db()
        assert remix.licence == "CC-BY-SA-4.0"


class TestProjectRemixPage:
    def url(self, project):
        return reverse("projects:remix", args=[project.slug])

    def test_a_member_remixes_and_lands_in_the_editor(self, client, world, lamp):
        client.force_login(world.other_member)
        response = client.post(self.url(lamp), follow=True, **EN)
        remix = Project.objects.get(remixed_from=lamp)
        assert response.redirect_chain == [(reverse("projects:edit", args=[remix.slug]), 302)]
        assert "Your remix is a draft: make it your own, then publish it." in response.content.decode()
        assert remix.owner == world.other_member

    def test_anonymous_visitors_are_sent_to_log_in(self, client, lamp):
        response = client.post(self.url(lamp), **EN)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert Project.objects.count() == 1

    @pytest.mark.parametrize("status", [ProjectStatus.DRAFT, ProjectStatus.HIDDEN])
    def test_a_draft_or_hidden_project_is_a_404_even_for_its_author(self, client, world, lamp, status):
        Project.objects.filter(pk=lamp.pk).update(status=status)
        for user in (world.member, world.other_member, world.staff):
            client.force_login(user)
            assert client.post(self.url(lamp), **EN).status_code == 404
        assert Project.objects.count() == 1

    def test_get_is_not_allowed(self, client, world, lamp):
        client.force_login(world.other_member)
        assert client.get(self.url(lamp), **EN).status_code == 405
        assert Project.objects.count() == 1

    def test_the_button_shows_for_signed_in_members_only(self, client, world, lamp):
        detail = reverse("projects:detail", args=[lamp.slug])
        assert "Remix this project" not in client.get(detail, **EN).content.decode()
        client.force_login(world.other_member)
        content = client.get(detail, **EN).content.decode()
        assert f'action="{self.url(lamp)}"' in content
        assert "Remix this project" in content

    def test_both_directions_show_once_the_remix_is_published(self, client, world, lamp):
        remix = project_remix(project=lamp, by=world.other_member)
        original_page = reverse("projects:detail", args=[lamp.slug])
        remix_page = reverse("projects:detail", args=[remix.slug])
        assert remix_page not in client.get(original_page, **EN).content.decode()
        project_publish(project=remix, by=world.other_member)
        original = client.get(original_page, **EN).content.decode()
        assert "Remixed 1 time:" in original
        assert f'<a href="{remix_page}">Remix of Plywood lamp</a>' in original
        remixed = client.get(remix_page, **EN).content.decode()
        assert f'Remixed from: <a href="{original_page}">Plywood lamp</a>' in remixed


class TestProjectRemixApi:
    def api(self, user=None):
        client = APIClient(headers={"Accept-Language": "en"})
        if user is not None:
            client.force_authenticate(user)
        return client

    def test_a_member_remixes_through_the_api(self, world, lamp):
        response = self.api(world.other_member).post(f"/api/v1/projects/{lamp.slug}/remix/")
        assert response.status_code == 201, response.content
        body = response.json()
        assert (body["slug"], body["status"], body["title"]) == (
            "remix-of-plywood-lamp",
            "draft",
            "Remix of Plywood lamp",
        )
        assert body["remixed_from"] == lamp.slug
        assert [step["title"] for step in body["steps"]] == ["Cut the panels", "Glue", "Wire"]
        assert [material["item"] for material in body["materials"]] == ["Birch plywood", "Bulb"]
        assert Project.objects.get(slug=body["slug"]).owner == world.other_member

    def test_anonymous_visitors_get_a_401(self, lamp):
        assert self.api().post(f"/api/v1/projects/{lamp.slug}/remix/").status_code == 401
        assert Project.objects.count() == 1

    def test_a_draft_is_a_404_for_others_and_a_400_for_its_author(self, world):
        draft = DraftFactory(owner=world.member, lab=world.lab, steps=["Cut"])
        assert self.api(world.other_member).post(f"/api/v1/projects/{draft.slug}/remix/").status_code == 404
        response = self.api(world.member).post(f"/api/v1/projects/{draft.slug}/remix/")
        assert response.status_code == 400
        assert response.json()["code"] == "not_published"
        assert Project.objects.count() == 1
