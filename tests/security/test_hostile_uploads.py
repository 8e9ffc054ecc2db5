"""Hostile files at every upload point (project cover, machine photo in the admin).

Each refused file: a clear form error, a 4xx, nothing of the request stored (not even
the other fields posted with it). Each accepted one: only re-encoded pixels are kept,
under a name of ours, without metadata.
"""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from projects.models import Project
from tests.factories import MachineFactory, UserFactory
from tests.machines.test_machine_photo import admin_post_data
from tests.projects.factories import DraftFactory
from tests.security import hostile

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
REFUSAL_MESSAGES = (
    "This file is not an image we accept (JPEG, PNG or WebP).",
    "This image is too large (10 MB at most).",
    "This image has too many pixels.",
    "The submitted file is empty.",
)


def all_stored_files(folder=""):
    folders, files = default_storage.listdir(folder) if default_storage.exists(folder or ".") else ([], [])
    found = {f"{folder}/{name}".lstrip("/") for name in files}
    for sub in folders:
        found |= all_stored_files(f"{folder}/{sub}".lstrip("/"))
    return found


def as_upload(case):
    _label, name, content_type, content = case
    return SimpleUploadedFile(name, content, content_type=content_type)


def assert_clean_webp(name, content):
    assert name.endswith(".webp")
    assert ".." not in name and "<" not in name and "passwd" not in name
    assert b"<script" not in content and b"<html" not in content
    image = Image.open(io.BytesIO(content))
    assert image.format == "WEBP"
    assert not image.getexif()
    assert "exif" not in image.info and "xmp" not in image.info


@pytest.fixture
def draft(world):
    return DraftFactory(title="Plywood lamp", owner=world.member, lab=world.lab)


def edit_project(client, project, upload, title="Renamed by the upload"):
    data = {"title": title, "summary": "", "lab": project.lab.slug, "difficulty": "beginner", "licence": ""}
    data["cover"] = upload
    return client.post(reverse("projects:edit", args=[project.slug]), data, **EN)


class TestProjectCoverUploads:
    @pytest.mark.parametrize("case", hostile.REFUSED_FILES, ids=[case[0] for case in hostile.REFUSED_FILES])
    def test_it_refuses_the_file_and_stores_nothing(self, client, world, draft, case):
        client.force_login(world.member)
        before = all_stored_files()
        response = edit_project(client, draft, as_upload(case))
        assert response.status_code == 400
        assert any(message in response.content.decode() for message in REFUSAL_MESSAGES)
        draft.refresh_from_db()
        assert (draft.title, draft.cover.name) == ("Plywood lamp", "")
        assert all_stored_files() == before

    @pytest.mark.parametrize("case", hostile.SANITISED_FILES, ids=[case[0] for case in hostile.SANITISED_FILES])
    def test_it_keeps_only_re_encoded_pixels(self, client, world, draft, case):
        client.force_login(world.member)
        response = edit_project(client, draft, as_upload(case))
        assert response.status_code == 302
        draft.refresh_from_db()
        assert draft.cover.name.startswith("projects/covers/")
        for stored in (draft.cover, draft.cover_thumbnail):
            with default_storage.open(stored.name) as file:
                assert_clean_webp(stored.name, file.read())

    def test_a_refused_cover_on_a_new_project_creates_no_project(self, client, world):
        client.force_login(world.member)
        before = all_stored_files()
        data = {"title": "Bomb", "summary": "", "lab": world.lab.slug, "difficulty": "beginner", "licence": ""}
        data["cover"] = as_upload(hostile.REFUSED_FILES[0])
        response = client.post(reverse("projects:new"), data, **EN)
        assert response.status_code == 400
        assert not Project.objects.filter(title="Bomb").exists()
        assert all_stored_files() == before


class TestMachinePhotoUploads:
    @pytest.fixture
    def machine(self, db):
        return MachineFactory(name="Laser")

    @pytest.fixture
    def admin(self, client):
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        return client

    @pytest.mark.parametrize("case", hostile.REFUSED_FILES, ids=[case[0] for case in hostile.REFUSED_FILES])
    def test_it_refuses_the_file_and_stores_nothing(self, admin, machine, case):
        before = all_stored_files()
        data = admin_post_data(machine, name="Renamed by the upload")
        data["photo"] = as_upload(case)
        response = admin.post(reverse("admin:machines_machine_change", args=[machine.pk]), data, **EN)
        assert response.status_code == 200
        assert response.context["adminform"].form.errors.keys() == {"photo"}
        machine.refresh_from_db()
        assert (machine.name, machine.photo.name) == ("Laser", "")
        assert all_stored_files() == before

    @pytest.mark.parametrize("case", hostile.SANITISED_FILES, ids=[case[0] for case in hostile.SANITISED_FILES])
    def test_it_keeps_only_re_encoded_pixels(self, admin, machine, case):
        data = admin_post_data(machine)
        data["photo"] = as_upload(case)
        response = admin.post(reverse("admin:machines_machine_change", args=[machine.pk]), data, **EN)
        assert response.status_code == 302
        machine.refresh_from_db()
        for stored in (machine.photo, machine.photo_thumbnail):
            with default_storage.open(stored.name) as file:
                assert_clean_webp(stored.name, file.read())
