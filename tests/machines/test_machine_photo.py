"""Machine photos: untrusted uploads are checked, stripped of metadata and re-encoded."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.urls import reverse
from PIL import Image, ImageCms

from machines.forms import MachineAdminForm
from machines.images import process_machine_photo
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NOT_ACCEPTED = "This file is not an image we accept (JPEG, PNG or WebP)."
TOO_MANY_PIXELS = "This image has too many pixels."
ORIENTATION, GPS_INFO = 0x0112, 0x8825
RED, BLUE = (255, 0, 0), (0, 0, 255)


def encoded(image, image_format, **params):
    buffer = io.BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


def phone_jpeg():
    """2000×1000 as stored, top half red: a phone held upright (orientation 6), with GPS and XMP."""
    image = Image.new("RGB", (2000, 1000), BLUE)
    image.paste(RED, (0, 0, 2000, 500))
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif.get_ifd(GPS_INFO).update({1: "N", 2: (48.0, 6.0, 50.0), 3: "W", 4: (1.0, 40.0, 30.0)})
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'
    return encoded(image, "JPEG", exif=exif, icc_profile=srgb, xmp=xmp, quality=90)


def png_claiming(width, height):
    """A PNG whose header claims `width`×`height` pixels, in a few hundred bytes.

    (Image.new("1", (50000, 50000)) would hold 2.5 GB in memory: Pillow keeps a byte per pixel.)
    """

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 4096))
        + chunk(b"IEND", b"")
    )


def upload(content, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def reopened(content_file):
    content_file.seek(0)
    image = Image.open(io.BytesIO(content_file.read()))
    image.load()
    return image


def stored_files(folder="machines"):
    """Every file under `folder` of the (in-memory) default storage."""
    if not default_storage.exists(folder):
        return set()
    folders, files = default_storage.listdir(folder)
    found = {f"{folder}/{name}" for name in files}
    for sub in folders:
        found |= stored_files(f"{folder}/{sub}")
    return found


def rejection(content, **upload_params):
    with pytest.raises(ValidationError) as error:
        process_machine_photo(upload(content, **upload_params))
    return error.value.messages


def admin_post_data(machine, **changes):
    """What the admin change form posts for `machine` as it is, with `changes`."""
    data = model_to_dict(machine, exclude=["id", "photo", "status"])
    data["specifications"] = "{}"
    data.update(changes)
    return {name: "" if value is None else value for name, value in data.items()}


class TestMachinePhoto:
    def test_it_stores_an_upright_webp_without_metadata(self, machine):
        source = Image.open(io.BytesIO(phone_jpeg()))
        assert source.getexif().get_ifd(GPS_INFO)
        assert {"exif", "xmp", "icc_profile"} <= set(source.info)
        form = MachineAdminForm(
            admin_post_data(machine), {"photo": upload(phone_jpeg(), name="holiday-gps.jpg")}, instance=machine
        )
        assert form.is_valid(), form.errors
        form.save()

        machine.refresh_from_db()
        for field_file, box in ((machine.photo, 1600), (machine.photo_thumbnail, 400)):
            stored = reopened(default_storage.open(field_file.name))
            assert stored.format == "WEBP"
            assert dict(stored.getexif()) == {}
            assert not {"exif", "xmp", "icc_profile"} & set(stored.info)
            # Orientation 6: turned a quarter clockwise, the red top ends on the right.
            assert stored.size == (box // 2, box)
            assert stored.getpixel((box // 2 - 5, box // 2))[:3] == pytest.approx(RED, abs=8)
            assert stored.getpixel((5, box // 2))[:3] == pytest.approx(BLUE, abs=8)
        assert (machine.photo_width, machine.photo_height) == (800, 1600)
        assert (machine.photo_thumbnail_width, machine.photo_thumbnail_height) == (200, 400)

    def test_it_names_files_after_the_slug_with_a_random_token(self, machine):
        photo = upload(phone_jpeg(), name="holiday-gps.jpg")
        form = MachineAdminForm(admin_post_data(machine), {"photo": photo}, instance=machine)
        assert form.is_valid(), form.errors
        form.save()
        first = machine.photo.name
        form = MachineAdminForm(admin_post_data(machine), {"photo": photo}, instance=machine)
        assert form.is_valid(), form.errors
        form.save()

        assert first.startswith("machines/laser-")
        assert first.endswith(".webp")
        assert "holiday" not in first
        assert machine.photo.name != first
        assert machine.photo_thumbnail.name.startswith("machines/thumbnails/laser-")

    def test_it_never_enlarges_a_small_image_and_keeps_transparency(self):
        image = Image.new("RGBA", (300, 200), (0, 128, 0, 0))
        photo, thumbnail = process_machine_photo(upload(encoded(image, "PNG"), name="a.png"))
        assert reopened(photo).size == (300, 200)
        assert reopened(thumbnail).size == (300, 200)
        assert reopened(photo).getpixel((10, 10))[3] == 0

    @pytest.mark.parametrize("image_format", ["PNG", "WEBP", "MPO"])
    def test_it_accepts_png_webp_and_multi_picture_jpeg(self, image_format):
        image = Image.new("RGB", (640, 480), RED)
        content = encoded(image, image_format, save_all=True, append_images=[image])
        photo, thumbnail = process_machine_photo(upload(content))
        assert (photo.width, photo.height, thumbnail.width, thumbnail.height) == (640, 480, 400, 300)

    @pytest.mark.parametrize(
        "content",
        [png_claiming(50000, 50000), encoded(Image.new("1", (8000, 5001)), "PNG")],
        ids=["header-claiming-2.5-gigapixels", "decodable-40-megapixels-and-a-bit"],
    )
    def test_it_rejects_an_image_with_too_many_pixels(self, content):
        assert rejection(content, name="bomb.png", content_type="image/png") == [TOO_MANY_PIXELS]

    def test_it_rejects_html_named_like_a_png(self):
        content = b"<!doctype html><script>alert(1)</script>"
        assert rejection(content, name="photo.png", content_type="image/png") == [NOT_ACCEPTED]

    def test_it_rejects_a_gif(self):
        content = encoded(Image.new("RGB", (64, 64), RED), "GIF")
        assert rejection(content, name="photo.png", content_type="image/png") == [NOT_ACCEPTED]

    def test_it_rejects_an_empty_file(self):
        assert rejection(b"") == [NOT_ACCEPTED]

    def test_it_rejects_a_truncated_jpeg(self):
        content = encoded(Image.effect_noise((800, 600), 64).convert("RGB"), "JPEG")
        assert rejection(content[: len(content) // 2]) == [NOT_ACCEPTED]

    def test_it_rejects_a_file_over_10_mb_before_reading_it(self):
        content = phone_jpeg()
        content += b"\0" * (10 * 1024 * 1024 + 1 - len(content))
        assert rejection(content) == ["This image is too large (10 MB at most)."]

    def test_it_shows_the_error_in_the_admin_and_changes_nothing(self, client, machine):
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        before = stored_files()
        data = admin_post_data(machine, name="Renamed laser")
        data["photo"] = upload(png_claiming(50000, 50000), name="bomb.png", content_type="image/png")

        response = client.post(reverse("admin:machines_machine_change", args=[machine.pk]), data, **EN)

        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {"photo": [TOO_MANY_PIXELS]}
        assert TOO_MANY_PIXELS in response.content.decode()
        machine.refresh_from_db()
        assert machine.name == "Laser"
        assert not machine.photo
        assert not machine.photo_thumbnail
        assert stored_files() == before

    def test_it_stores_both_sizes_from_the_admin(self, client, machine):
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
        data = admin_post_data(machine)
        data["photo"] = upload(phone_jpeg())

        response = client.post(reverse("admin:machines_machine_change", args=[machine.pk]), data, **EN)

        assert response.status_code == 302
        machine.refresh_from_db()
        assert default_storage.exists(machine.photo.name)
        assert default_storage.exists(machine.photo_thumbnail.name)

    def test_it_clears_the_thumbnail_with_the_photo(self, machine):
        machine.photo = ContentFile(b"old", name="old.webp")
        machine.photo_thumbnail = ContentFile(b"old", name="old.webp")
        machine.photo_width = machine.photo_height = machine.photo_thumbnail_width = 100
        machine.save()
        form = MachineAdminForm({**admin_post_data(machine), "photo-clear": "on"}, {}, instance=machine)
        assert form.is_valid(), form.errors
        form.save()

        machine.refresh_from_db()
        assert not machine.photo
        assert not machine.photo_thumbnail
        assert machine.photo_width is None
        assert machine.photo_thumbnail_width is None

    def test_it_shows_the_photo_on_the_machine_page_and_the_thumbnail_in_the_catalogue(self, client, machine):
        form = MachineAdminForm(admin_post_data(machine), {"photo": upload(phone_jpeg())}, instance=machine)
        assert form.is_valid(), form.errors
        form.save()
        photo_url, thumbnail_url = machine.photo.url, machine.photo_thumbnail.url

        page = client.get(reverse("machines:detail", args=[machine.pk]), **EN).content.decode()
        catalogue = client.get(reverse("machines:list"), **EN).content.decode()

        assert (
            f'<img class="machine-photo" src="{thumbnail_url}"\n'
            f'       srcset="{thumbnail_url} 200w, {photo_url} 800w"\n'
            '       sizes="(min-width: 40rem) 40rem, 100vw"\n'
            '       width="200" height="400" alt="Laser">'
        ) in page
        assert f'src="{thumbnail_url}" width="40" height="80" alt=""' in catalogue
