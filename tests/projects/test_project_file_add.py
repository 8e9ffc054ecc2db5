"""Uploading a project's files: content checked, limits, permissions, nothing stored when refused."""

import pytest
from django.core.files.storage import storages
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from fablab.core.errors import NotAllowedError
from projects import attachments
from projects.models import ProjectFile
from projects.services import ProjectError
from tests.projects.factories import DraftFactory, ProjectFactory
from tests.projects.test_project_create import jpeg_with_gps
from tests.projects.uploads import BAD, GOOD, claimed_upload, upload

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def _empty_private_storage():
    """The in-memory storage lives as long as the test session: start each test with none."""
    from django.utils.functional import empty

    from projects.models import project_files_storage

    storages._storages.pop("project_files", None)
    project_files_storage._wrapped = empty


def stored_files():
    storage = storages["project_files"]
    try:
        _dirs, files = storage.listdir("projects/files")
    except FileNotFoundError:
        return []
    return files


@pytest.fixture
def project(world):
    return ProjectFactory(owner=world.member, lab=world.lab, steps=["Cut"])


class TestProjectFileAdd:
    @pytest.mark.parametrize("name", sorted(GOOD))
    def test_it_stores_each_accepted_type(self, world, project, name):
        added = attachments.project_file_add(project=project, by=world.member, upload=upload(name, GOOD[name]))
        added.refresh_from_db()
        assert added.name == name
        assert added.position == 1
        assert added.size_bytes == len(GOOD[name])
        assert len(added.sha256) == 64
        assert added.stored.read() == GOOD[name]
        assert added.uploaded_by == world.member

    @pytest.mark.parametrize("case", sorted(BAD))
    def test_it_refuses_bad_content_and_stores_nothing(self, world, project, case):
        name, data, code = BAD[case]
        with pytest.raises(ProjectError) as refused:
            attachments.project_file_add(project=project, by=world.member, upload=upload(name, data))
        if code != "content":
            assert refused.value.code == code
        assert refused.value.field == "file"
        assert not ProjectFile.objects.exists()
        assert stored_files() == []

    def test_it_reencodes_an_image_without_its_gps_data(self, world, project):
        added = attachments.project_file_add(project=project, by=world.member, upload=jpeg_with_gps())
        assert added.kind == "image"
        assert added.name == "lamp.webp"
        image = Image.open(added.stored)
        assert image.format == "WEBP"
        assert not image.getexif()

    def test_it_cleans_the_uploaded_name(self, world, project):
        added = attachments.project_file_add(
            project=project, by=world.member, upload=upload('..\\..\\evil<script>"\x00.SVG', GOOD["drawing.svg"])
        )
        assert added.name == "evilscript.svg"
        assert not added.stored.name.endswith(".svg")

    def test_it_refuses_an_empty_file(self, world, project):
        with pytest.raises(ProjectError) as refused:
            attachments.project_file_add(project=project, by=world.member, upload=upload("a.pdf", b""))
        assert refused.value.code == "file_missing"

    @override_settings(PROJECT_FILE_MAX_BYTES=100)
    def test_it_refuses_a_file_over_the_limit(self, world, project):
        with pytest.raises(ProjectError) as refused:
            attachments.project_file_add(
                project=project, by=world.member, upload=upload("a.pdf", b"%PDF-" + bytes(200))
            )
        assert refused.value.code == "file_too_large"
        assert refused.value.status == 413
        assert not ProjectFile.objects.exists()

    @override_settings(PROJECT_FILES_MAX_BYTES=250)
    def test_it_refuses_passing_the_project_total(self, world, project):
        attachments.project_file_add(project=project, by=world.member, upload=upload("a.pdf", b"%PDF-" + bytes(200)))
        with pytest.raises(ProjectError) as refused:
            attachments.project_file_add(
                project=project, by=world.member, upload=upload("b.pdf", b"%PDF-" + bytes(100))
            )
        assert refused.value.code == "project_files_too_large"
        assert ProjectFile.objects.count() == 1
        assert len(stored_files()) == 1

    @pytest.mark.parametrize("who", ["other_member", "staff", "other_staff", "superuser"])
    def test_it_refuses_anyone_but_the_authors(self, world, project, who):
        with pytest.raises(NotAllowedError):
            attachments.project_file_add(
                project=project, by=getattr(world, who), upload=upload("a.pdf", GOOD["manual.pdf"])
            )
        assert not ProjectFile.objects.exists()
        assert stored_files() == []

    def test_a_collaborator_may_add_and_remove(self, world, project):
        project.collaborators.add(world.trainer)
        added = attachments.project_file_add(
            project=project, by=world.trainer, upload=upload("a.pdf", GOOD["manual.pdf"])
        )
        second = attachments.project_file_add(
            project=project, by=world.trainer, upload=upload("b.dxf", GOOD["plan.dxf"])
        )
        with django_capture_on_commit():
            attachments.project_file_remove(project_file=added, by=world.trainer)
        second.refresh_from_db()
        assert second.position == 1
        assert list(ProjectFile.objects.values_list("name", flat=True)) == ["b.dxf"]


def django_capture_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


class TestProjectFileAddPage:
    def post(self, client, project, data, **extra):
        return client.post(reverse("projects:file_add", args=[project.slug]), {"file": data}, **EN, **extra)

    def test_it_adds_a_file_from_the_editor(self, client, world, project):
        client.force_login(world.member)
        response = self.post(client, project, upload("drawing.svg", GOOD["drawing.svg"]))
        assert response.status_code == 302
        assert response["Location"].endswith("#files")
        page = client.get(reverse("projects:edit", args=[project.slug]), **EN).content.decode()
        assert "drawing.svg" in page

    def test_it_shows_why_a_file_is_refused(self, client, world, project):
        client.force_login(world.member)
        name, data, _code = BAD["svg-script"]
        response = self.post(client, project, upload(name, data))
        assert response.status_code == 400
        assert "This SVG holds scripts" in response.content.decode()
        assert not ProjectFile.objects.exists()

    def test_it_refuses_a_two_gigabyte_upload_before_reading_it(self, client, world, project):
        client.force_login(world.member)
        extra, body, content_type = claimed_upload(
            {"file": upload("huge.zip", GOOD["sources.zip"])}, claimed_length=2 * 1024**3
        )
        response = client.generic(
            "POST", reverse("projects:file_add", args=[project.slug]), b"", content_type, **EN, **extra
        )
        assert response.status_code == 413
        assert body.bytes_read < 100_000
        assert "This file is too large" in response.content.decode()
        assert not ProjectFile.objects.exists()
        assert stored_files() == []

    @override_settings(PROJECT_FILE_MAX_BYTES=1000)
    def test_it_stops_reading_a_file_past_the_limit(self, client, world, project):
        client.force_login(world.member)
        response = self.post(client, project, upload("big.pdf", b"%PDF-" + bytes(5000)))
        assert response.status_code == 413
        assert not ProjectFile.objects.exists()

    @pytest.mark.parametrize(("who", "status"), [("other_member", 403), ("other_staff", 403)])
    def test_it_refuses_who_may_not_edit(self, client, world, project, who, status):
        client.force_login(getattr(world, who))
        response = self.post(client, project, upload("a.pdf", GOOD["manual.pdf"]))
        assert response.status_code == status
        assert not ProjectFile.objects.exists()

    def test_it_sends_anonymous_visitors_to_log_in(self, client, project):
        response = self.post(client, project, upload("a.pdf", GOOD["manual.pdf"]))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
        assert not ProjectFile.objects.exists()

    def test_a_draft_is_not_found_for_staff_of_another_lab(self, client, world):
        draft = DraftFactory(owner=world.member, lab=world.lab)
        client.force_login(world.other_staff)
        assert self.post(client, draft, upload("a.pdf", GOOD["manual.pdf"])).status_code == 404


class TestProjectFileDownload:
    def test_it_serves_the_file_as_an_attachment_with_a_strict_policy(self, client, world, project):
        added = attachments.project_file_add(
            project=project, by=world.member, upload=upload("d.svg", GOOD["drawing.svg"])
        )
        response = client.get(added.get_absolute_url())
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="d.svg"'
        assert response["Content-Type"] == "application/octet-stream"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]
        assert b"".join(response.streaming_content) == GOOD["drawing.svg"]

    def test_a_draft_file_is_only_for_authors_and_moderators(self, client, world):
        draft = DraftFactory(owner=world.member, lab=world.lab)
        added = attachments.project_file_add(project=draft, by=world.member, upload=upload("a.pdf", GOOD["manual.pdf"]))
        url = added.get_absolute_url()
        assert client.get(url).status_code == 404
        client.force_login(world.other_member)
        assert client.get(url).status_code == 404
        client.force_login(world.other_staff)
        assert client.get(url).status_code == 404
        client.force_login(world.staff)
        assert client.get(url).status_code == 200
        client.force_login(world.member)
        assert client.get(url).status_code == 200

    def test_a_file_of_another_project_is_not_found(self, client, world, project):
        other = ProjectFactory(owner=world.member, lab=world.lab)
        added = attachments.project_file_add(project=other, by=world.member, upload=upload("a.pdf", GOOD["manual.pdf"]))
        url = reverse("projects:file_download", args=[project.slug, added.pk, "a.pdf"])
        assert client.get(url).status_code == 404


class TestProjectFileApi:
    def url(self, project):
        return f"/api/v1/projects/{project.slug}/files/"

    def test_it_uploads_through_the_same_checks(self, client, world, project):
        client.force_login(world.member)
        response = client.post(self.url(project), {"file": upload("plan.dxf", GOOD["plan.dxf"])})
        assert response.status_code == 201
        assert response.json()["name"] == "plan.dxf"
        assert response.json()["kind"] == "dxf"
        detail = client.get(f"/api/v1/projects/{project.slug}/").json()
        assert [item["name"] for item in detail["files"]] == ["plan.dxf"]

    def test_it_answers_a_problem_for_bad_content(self, client, world, project):
        client.force_login(world.member)
        name, data, _code = BAD["zip-bomb"]
        response = client.post(self.url(project), {"file": upload(name, data)})
        assert response.status_code == 400
        assert response.json()["code"] == "zip_bomb"
        assert not ProjectFile.objects.exists()

    def test_it_refuses_a_huge_upload_with_413(self, client, world, project):
        client.force_login(world.member)
        extra, _body, content_type = claimed_upload(
            {"file": upload("a.zip", GOOD["sources.zip"])}, claimed_length=2 * 1024**3
        )
        response = client.generic("POST", self.url(project), b"", content_type, **extra)
        assert response.status_code == 413
        assert not ProjectFile.objects.exists()

    def test_other_members_are_refused(self, client, world, project):
        client.force_login(world.other_member)
        response = client.post(self.url(project), {"file": upload("a.pdf", GOOD["manual.pdf"])})
        assert response.status_code == 403
        assert not ProjectFile.objects.exists()
