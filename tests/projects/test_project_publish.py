"""Publishing: a summary, a licence and a step make a project public; unpublishing takes it back."""

import datetime as dt

import pytest
import time_machine

from fablab.core.errors import NotAllowedError
from projects.models import Project, ProjectStatus
from projects.services import ProjectError, project_publish, project_unpublish
from tests.projects.factories import DraftFactory, StepFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 23, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def draft(world):
    project = DraftFactory(owner=world.member, lab=world.lab, summary="A lamp.", licence="MIT", steps=["Cut"])
    project.collaborators.add(world.trainer)
    return project


class TestProjectPublish:
    def test_it_publishes_a_complete_draft_and_dates_it(self, world, draft):
        with time_machine.travel(NOW, tick=False):
            published = project_publish(project=draft, by=world.member)
        draft.refresh_from_db()
        assert published.status == draft.status == ProjectStatus.PUBLISHED
        assert draft.published_at == NOW

    def test_a_collaborator_may_publish(self, world, draft):
        project_publish(project=draft, by=world.trainer)
        draft.refresh_from_db()
        assert draft.status == ProjectStatus.PUBLISHED

    @pytest.mark.parametrize(
        ("fields", "code", "message"),
        [
            ({"summary": ""}, "summary_missing", "Write a summary before publishing."),
            ({"summary": "   "}, "summary_missing", "Write a summary before publishing."),
            ({"licence": ""}, "licence_missing", "Choose a licence before publishing."),
        ],
    )
    def test_it_needs_a_summary_and_a_licence(self, world, draft, fields, code, message):
        Project.objects.filter(pk=draft.pk).update(**fields)
        with pytest.raises(ProjectError) as error:
            project_publish(project=draft, by=world.member)
        assert (error.value.code, error.value.message) == (code, message)
        draft.refresh_from_db()
        assert draft.status == ProjectStatus.DRAFT
        assert draft.published_at is None

    def test_it_needs_a_step(self, world):
        empty = DraftFactory(owner=world.member, lab=world.lab)
        with pytest.raises(ProjectError) as error:
            project_publish(project=empty, by=world.member)
        assert error.value.message == "Add at least one step before publishing."
        empty.refresh_from_db()
        assert empty.status == ProjectStatus.DRAFT

    @pytest.mark.parametrize("who", ["other_member", "staff", "other_staff"])
    def test_only_authors_publish(self, world, draft, who):
        with pytest.raises(NotAllowedError):
            project_publish(project=draft, by=getattr(world, who))
        draft.refresh_from_db()
        assert draft.status == ProjectStatus.DRAFT

    def test_a_hidden_project_stays_hidden(self, world, draft):
        Project.objects.filter(pk=draft.pk).update(status=ProjectStatus.HIDDEN, published_at=NOW)
        with pytest.raises(ProjectError) as error:
            project_publish(project=draft, by=world.member)
        assert error.value.code == "project_hidden"
        with pytest.raises(ProjectError):
            project_unpublish(project=draft, by=world.member)
        draft.refresh_from_db()
        assert draft.status == ProjectStatus.HIDDEN

    def test_the_database_refuses_a_published_project_without_a_licence(self, world, draft):
        from django.db import IntegrityError, transaction

        with pytest.raises(IntegrityError), transaction.atomic():
            Project.objects.filter(pk=draft.pk).update(status=ProjectStatus.PUBLISHED, published_at=NOW, licence="")


class TestProjectUnpublish:
    def test_it_goes_back_to_draft_and_keeps_its_first_publication_date(self, world, draft):
        with time_machine.travel(NOW, tick=False):
            project_publish(project=draft, by=world.member)
        project_unpublish(project=draft, by=world.member)
        draft.refresh_from_db()
        assert draft.status == ProjectStatus.DRAFT
        with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
            project_publish(project=draft, by=world.member)
        draft.refresh_from_db()
        assert draft.published_at == NOW

    def test_only_authors_unpublish(self, world, draft):
        project_publish(project=draft, by=world.member)
        with pytest.raises(NotAllowedError):
            project_unpublish(project=draft, by=world.other_member)
        draft.refresh_from_db()
        assert draft.status == ProjectStatus.PUBLISHED

    def test_it_refuses_to_delete_the_last_step_of_a_published_project(self, world, draft):
        from projects.services import step_delete

        project_publish(project=draft, by=world.member)
        with pytest.raises(ProjectError) as error:
            step_delete(step=draft.steps.get(), by=world.member)
        assert error.value.code == "last_step"
        assert draft.steps.count() == 1
        StepFactory(project=draft)
        step_delete(step=draft.steps.get(position=1), by=world.member)
        assert list(draft.steps.values_list("position", flat=True)) == [1]
