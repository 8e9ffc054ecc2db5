"""Creating a project: a draft owned by its author, under a slug made unique from its title."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from fablab.core.errors import NotAllowedError
from projects.models import Project, ProjectStatus, Tag
from projects.services import ProjectError, project_create
from tests.factories import LabFactory, MachineFactory, UserFactory
from tests.projects.factories import ProjectFactory, TagFactory

pytestmark = pytest.mark.django_db


def create(world, **fields):
    return project_create(**{"owner": world.member, "lab": world.lab, "title": "Plywood lamp", **fields})


def jpeg_with_gps():
    image = Image.new("RGB", (800, 600), (200, 40, 40))
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 6.0, 50.0)})
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile("lamp.jpg", buffer.getvalue(), content_type="image/jpeg")


class TestProjectCreate:
    def test_it_creates_a_draft_owned_by_the_member(self, world):
        laser = MachineFactory(lab=world.lab)
        project = create(
            world,
            summary="A lamp from one sheet.",
            description="Cut, fold, light.",
            difficulty="intermediate",
            duration_minutes=90,
            licence="CC-BY-SA-4.0",
            machines=[laser],
            tags=["Lamp", "plywood"],
            what_went_wrong="The first kerf was too wide.",
        )
        project.refresh_from_db()
        assert project.status == ProjectStatus.DRAFT
        assert project.published_at is None
        assert project.owner == world.member
        assert project.lab == world.lab
        assert project.slug == "plywood-lamp"
        assert project.licence == "CC-BY-SA-4.0"
        assert project.duration_minutes == 90
        assert list(project.machines.all()) == [laser]
        assert sorted(tag.slug for tag in project.tags.all()) == ["lamp", "plywood"]
        assert "plywood lamp" in project.search_text

    def test_it_makes_the_slug_unique_with_a_number(self, world):
        ProjectFactory(slug="plywood-lamp")
        ProjectFactory(slug="plywood-lamp-2")
        assert create(world).slug == "plywood-lamp-3"

    def test_it_never_takes_a_slug_that_a_page_of_projects_uses(self, world):
        assert create(world, title="New").slug == "new-2"
        assert create(world, title="Export").slug == "export-2"

    def test_it_makes_a_slug_from_accents_and_falls_back_when_nothing_is_left(self, world):
        assert create(world, title="Lampe découpée à Rennes").slug == "lampe-decoupee-a-rennes"
        assert create(world, title="灯").slug == "project"

    def test_it_reuses_existing_tags_by_slug(self, world):
        existing = TagFactory(name="Laser cutting", slug="laser-cutting")
        project = create(world, tags=["laser  cutting", "laser cutting", " "])
        assert list(project.tags.all()) == [existing]
        assert Tag.objects.count() == 1

    def test_it_stores_a_cover_without_its_metadata(self, world):
        project = create(world, cover=jpeg_with_gps(), cover_alt="A red lamp")
        project.refresh_from_db()
        assert project.cover.name.startswith("projects/covers/plywood-lamp-")
        assert project.cover.name.endswith(".webp")
        assert (project.cover_width, project.cover_height) == (800, 600)
        assert project.cover_thumbnail_width == 400
        with project.cover.open() as stored:
            assert not Image.open(stored).getexif()

    def test_anonymous_visitors_cannot_create(self, world):
        from django.contrib.auth.models import AnonymousUser

        with pytest.raises(NotAllowedError):
            project_create(owner=AnonymousUser(), lab=world.lab, title="Nope")
        assert not Project.objects.exists()


class TestProjectCreateBadInput:
    """Each refusal says why and stores nothing: no project, no tag, no file."""

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"licence": "WTFPL"}, "licence", "“WTFPL” is not a licence we offer."),
            ({"title": ""}, "title", "This field cannot be blank."),
            ({"title": "x" * 121}, "title", "Ensure this value has at most 120 characters"),
            ({"difficulty": "expert"}, "difficulty", "Value 'expert' is not a valid choice."),
            ({"duration_minutes": 0}, "duration_minutes", "Ensure this value is greater than or equal to 1."),
            ({"tags": [f"tag{n}" for n in range(11)]}, "tags", "A project has at most 10 tags."),
            ({"tags": ["!!!"]}, "tags", "“!!!” cannot be a tag"),
            ({"tags": ["x" * 41]}, "tags", "A tag has at most 40 characters."),
            ({"machines": [999999]}, "machines", "One of the machines is not in the catalogue."),
            ({"summary": "s" * 301}, "summary", "Ensure this value has at most 300 characters"),
        ],
    )
    def test_it_refuses_bad_input_and_stores_nothing(self, world, fields, field, message):
        with pytest.raises(ProjectError) as error:
            create(world, **{"tags": ["kept-out"], **fields})
        assert error.value.field == field
        assert message in error.value.message
        assert not Project.objects.exists()
        assert not Tag.objects.exists()

    def test_it_refuses_a_machine_hidden_from_the_catalogue(self, world):
        hidden = MachineFactory(lab=world.lab, is_public=False)
        with pytest.raises(ProjectError):
            create(world, machines=[hidden])
        assert not Project.objects.exists()

    def test_it_refuses_a_closed_lab(self, world):
        closed = LabFactory(is_active=False)
        with pytest.raises(ProjectError) as error:
            create(world, lab=closed)
        assert error.value.code == "lab_closed"
        assert not Project.objects.exists()

    def test_it_refuses_a_file_that_is_not_an_image(self, world):
        fake = SimpleUploadedFile("lamp.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
        with pytest.raises(ProjectError) as error:
            create(world, cover=fake)
        assert error.value.field == "cover"
        assert error.value.message == "This file is not an image we accept (JPEG, PNG or WebP)."
        assert not Project.objects.exists()

    def test_an_inactive_account_cannot_create(self, world):
        closed = UserFactory(is_active=False)
        with pytest.raises(NotAllowedError):
            project_create(owner=closed, lab=world.lab, title="Nope")
        assert not Project.objects.exists()
