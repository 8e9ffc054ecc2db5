"""Changing a project: its authors only; a refused change leaves everything as it was."""

import pytest
from django.contrib.auth.models import AnonymousUser

from fablab.core.errors import NotAllowedError
from projects.models import Project
from projects.services import ProjectError, project_update
from tests.factories import MachineFactory
from tests.projects.factories import DraftFactory, ProjectFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world):
    project = DraftFactory(
        owner=world.member, lab=world.lab, title="Plywood lamp", summary="A lamp.", tags=[TagFactory(name="lamp")]
    )
    project.collaborators.add(world.trainer)
    return project


def snapshot(project):
    project = Project.objects.get(pk=project.pk)
    return (
        project.title,
        project.summary,
        project.licence,
        project.updated_at,
        project.search_text,
        sorted(project.tags.values_list("slug", flat=True)),
        sorted(project.machines.values_list("pk", flat=True)),
    )


class TestProjectUpdate:
    def test_the_owner_changes_fields_tags_and_machines(self, world, project):
        laser = MachineFactory(lab=world.lab)
        slug = project.slug
        updated = project_update(
            project=project,
            by=world.member,
            title="Birch lamp",
            licence="CERN-OHL-S-2.0",
            tags=["birch", "light"],
            machines=[laser],
        )
        project.refresh_from_db()
        assert updated.title == project.title == "Birch lamp"
        assert project.slug == slug  # links keep working
        assert project.licence == "CERN-OHL-S-2.0"
        assert sorted(project.tags.values_list("slug", flat=True)) == ["birch", "light"]
        assert list(project.machines.all()) == [laser]
        assert project.search_text.startswith("birch lamp\n")

    def test_a_collaborator_may_change_it(self, world, project):
        project_update(project=project, by=world.trainer, summary="Improved.")
        project.refresh_from_db()
        assert project.summary == "Improved."

    @pytest.mark.parametrize("who", ["other_member", "staff", "other_staff"])
    def test_other_people_may_not_change_it(self, world, project, who):
        before = snapshot(project)
        with pytest.raises(NotAllowedError) as error:
            project_update(project=project, by=getattr(world, who), title="Mine now")
        assert error.value.status == 403
        assert error.value.message == "Only the project's authors can change it."
        assert snapshot(project) == before

    def test_anonymous_visitors_may_not_change_it(self, world, project):
        before = snapshot(project)
        with pytest.raises(NotAllowedError):
            project_update(project=project, by=AnonymousUser(), title="Anonymous")
        assert snapshot(project) == before

    def test_it_refuses_an_unknown_licence_and_changes_nothing(self, world, project):
        before = snapshot(project)
        with pytest.raises(ProjectError) as error:
            project_update(project=project, by=world.member, title="New title", tags=["new"], licence="Proprietary")
        assert error.value.code == "unknown_licence"
        assert error.value.field == "licence"
        assert "CC-BY-4.0" in error.value.message  # says what to choose instead
        assert snapshot(project) == before

    def test_it_refuses_a_bad_field_after_good_ones_and_changes_nothing(self, world, project):
        before = snapshot(project)
        with pytest.raises(ProjectError) as error:
            project_update(project=project, by=world.member, summary="Fine", title="", tags=["new"])
        assert error.value.field == "title"
        assert snapshot(project) == before
        assert project.summary == "A lamp."  # the caller's object is untouched too

    def test_a_published_project_keeps_its_summary_and_licence(self, world):
        published = ProjectFactory(owner=world.member, lab=world.lab, steps=["Cut"])
        with pytest.raises(ProjectError) as error:
            project_update(project=published, by=world.member, summary="")
        assert error.value.message == "A published project needs a summary and a licence."
        with pytest.raises(ProjectError):
            project_update(project=published, by=world.member, licence="")
        published.refresh_from_db()
        assert published.summary and published.licence

    def test_it_refuses_fields_that_are_not_for_authors(self, world, project):
        with pytest.raises(TypeError):
            project_update(project=project, by=world.member, status="published")
        with pytest.raises(TypeError):
            project_update(project=project, by=world.member, owner=world.other_member)
