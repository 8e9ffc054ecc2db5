"""Pictures of a step: re-encoded without EXIF/GPS, upright, in two sizes; authors only; nothing kept when refused."""

import io

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from fablab.core.errors import NotAllowedError
from projects import attachments
from projects.models import StepImage
from projects.services import ProjectError, step_delete
from tests.projects.factories import ProjectFactory
from tests.projects.test_project_create import jpeg_with_gps
from tests.projects.uploads import BAD, claimed_upload, decompression_bomb, upload

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def step(world):
    project = ProjectFactory(owner=world.member, lab=world.lab, steps=["Cut", "Glue"])
    return project.steps.get(position=1)


def sideways_jpeg():
    """A 300 × 100 JPEG whose EXIF says "rotate 90°": upright it is 100 × 300."""
    image = Image.new("RGB", (300, 100), (0, 200, 0))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return upload("sideways.jpg", buffer.getvalue(), "image/jpeg")


class TestStepImageAdd:
    def test_it_stores_a_webp_without_gps_in_two_sizes(self, world, step):
        image = attachments.step_image_add(step=step, by=world.member, upload=jpeg_with_gps(), alt="The red sheet")
        image.refresh_from_db()
        assert image.position == 1
        assert image.alt == "The red sheet"
        stored = Image.open(default_storage.open(image.image.name))
        assert stored.format == "WEBP"
        assert not stored.getexif()
        assert (image.width, image.height) == (800, 600)
        assert (image.thumbnail_width, image.thumbnail_height) == (400, 300)
        assert default_storage.exists(image.thumbnail.name)
        assert "lamp" not in image.image.name

    def test_it_turns_the_picture_upright(self, world, step):
        image = attachments.step_image_add(step=step, by=world.member, upload=sideways_jpeg())
        assert (image.width, image.height) == (100, 300)

    @pytest.mark.parametrize(
        "data",
        [BAD["html-as-png"][1], decompression_bomb(), b"GIF89a not accepted"],
        ids=["html-as-png", "decompression-bomb", "gif"],
    )
    def test_it_refuses_what_is_not_an_accepted_image(self, world, step, data):
        with pytest.raises(ProjectError) as refused:
            attachments.step_image_add(step=step, by=world.member, upload=upload("picture.png", data))
        assert refused.value.code == "invalid_image"
        assert not StepImage.objects.exists()

    @pytest.mark.parametrize("who", ["other_member", "staff", "other_staff"])
    def test_it_refuses_anyone_but_the_authors(self, world, step, who):
        with pytest.raises(NotAllowedError):
            attachments.step_image_add(step=step, by=getattr(world, who), upload=jpeg_with_gps())
        assert not StepImage.objects.exists()

    def test_removing_one_renumbers_the_others(self, world, step, django_capture_on_commit_callbacks):
        first = attachments.step_image_add(step=step, by=world.member, upload=jpeg_with_gps())
        second = attachments.step_image_add(step=step, by=world.member, upload=jpeg_with_gps())
        with django_capture_on_commit_callbacks(execute=True):
            attachments.step_image_remove(image=first, by=world.member)
        second.refresh_from_db()
        assert second.position == 1
        assert not default_storage.exists(first.image.name)

    def test_deleting_the_step_deletes_its_pictures(self, world, step, django_capture_on_commit_callbacks):
        image = attachments.step_image_add(step=step, by=world.member, upload=jpeg_with_gps())
        with django_capture_on_commit_callbacks(execute=True):
            step_delete(step=step, by=world.member)
        assert not StepImage.objects.exists()
        assert not default_storage.exists(image.image.name)


class TestStepImagePages:
    def url(self, step):
        return reverse("projects:step_image_add", args=[step.project.slug, step.pk])

    def test_the_author_uploads_from_the_step_page(self, client, world, step):
        client.force_login(world.member)
        response = client.post(self.url(step), {"image": jpeg_with_gps(), "alt": "Red sheet"}, **EN)
        assert response.status_code == 302
        page = client.get(reverse("projects:step_edit", args=[step.project.slug, step.pk]), **EN).content.decode()
        assert 'alt="Red sheet"' in page
        assert 'data-preview="image-preview"' in page and "js/image-preview.js" in page
        public = client.get(step.project.get_absolute_url(), **EN).content.decode()
        assert 'id="gallery-title"' in public
        assert 'srcset="' in public and 'alt="Red sheet"' in public

    def test_a_refused_picture_is_explained(self, client, world, step):
        client.force_login(world.member)
        response = client.post(self.url(step), {"image": upload("x.png", b"<html></html>")}, **EN)
        assert response.status_code == 400
        assert "This file is not an image we accept" in response.content.decode()
        assert not StepImage.objects.exists()

    def test_a_huge_upload_is_refused_early(self, client, world, step):
        client.force_login(world.member)
        extra, body, content_type = claimed_upload({"image": jpeg_with_gps()}, claimed_length=2 * 1024**3)
        response = client.generic("POST", self.url(step), b"", content_type, **EN, **extra)
        assert response.status_code == 413
        assert body.bytes_read < 100_000
        assert not StepImage.objects.exists()

    @pytest.mark.parametrize("who", ["other_member", "other_staff"])
    def test_it_is_forbidden_to_others(self, client, world, step, who):
        client.force_login(getattr(world, who))
        assert client.post(self.url(step), {"image": jpeg_with_gps()}).status_code == 403
        assert not StepImage.objects.exists()

    def test_anonymous_visitors_log_in_first(self, client, step):
        response = client.post(self.url(step), {"image": jpeg_with_gps()})
        assert response.status_code == 302
        assert not StepImage.objects.exists()

    def test_the_api_takes_pictures_too(self, client, world, step):
        client.force_login(world.member)
        url = f"/api/v1/projects/{step.project.slug}/steps/{step.pk}/images/"
        response = client.post(url, {"image": jpeg_with_gps(), "alt": "Red"})
        assert response.status_code == 201
        assert response.json()["alt"] == "Red"
        client.force_login(world.other_member)
        assert client.post(url, {"image": jpeg_with_gps()}).status_code == 403
        assert StepImage.objects.count() == 1
