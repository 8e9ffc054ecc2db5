"""Adding and changing steps: numbered after the last, authors only, bad input changes nothing."""

import pytest

from fablab.core.errors import NotAllowedError
from projects.models import MAX_STEPS, Step
from projects.services import ProjectError, step_add, step_update
from tests.projects.factories import DraftFactory, StepFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world):
    project = DraftFactory(owner=world.member, lab=world.lab, steps=["Cut"])
    project.collaborators.add(world.trainer)
    return project


class TestStepAdd:
    def test_it_appends_the_step_and_indexes_its_text(self, world, project):
        step = step_add(project=project, by=world.member, title="Glue", body="Wood glue, **30 minutes**.")
        assert step.position == 2
        assert list(project.steps.values_list("title", flat=True)) == ["Cut", "Glue"]
        project.refresh_from_db()
        assert "wood glue, 30 minutes." in project.search_text

    def test_a_collaborator_may_add_one(self, world, project):
        assert step_add(project=project, by=world.trainer, title="Sand").position == 2

    @pytest.mark.parametrize("who", ["other_member", "staff", "other_staff"])
    def test_others_may_not(self, world, project, who):
        with pytest.raises(NotAllowedError):
            step_add(project=project, by=getattr(world, who), title="Sneaky")
        assert project.steps.count() == 1

    @pytest.mark.parametrize(
        ("fields", "field"),
        [({"title": ""}, "title"), ({"title": "t" * 121}, "title"), ({"body": "b" * 20_001}, "body")],
    )
    def test_it_refuses_bad_input_and_adds_nothing(self, world, project, fields, field):
        project.refresh_from_db()
        before = project.search_text
        with pytest.raises(ProjectError) as error:
            step_add(project=project, by=world.member, **{"title": "Fine", **fields})
        assert error.value.field == field
        assert project.steps.count() == 1
        project.refresh_from_db()
        assert project.search_text == before

    def test_it_stops_at_the_maximum_number_of_steps(self, world, project):
        Step.objects.bulk_create(
            Step(project=project, position=position, title=f"Step {position}") for position in range(2, MAX_STEPS + 1)
        )
        with pytest.raises(ProjectError) as error:
            step_add(project=project, by=world.member, title="One too many")
        assert error.value.code == "too_many_steps"
        assert project.steps.count() == MAX_STEPS


class TestStepUpdate:
    def test_the_author_changes_title_and_body(self, world, project):
        step = project.steps.get()
        step_update(step=step, by=world.member, title="Cut the plywood", body="With the laser.")
        step.refresh_from_db()
        assert (step.title, step.body) == ("Cut the plywood", "With the laser.")
        project.refresh_from_db()
        assert "cut the plywood with the laser." in project.search_text

    def test_others_may_not_and_nothing_changes(self, world, project):
        step = project.steps.get()
        with pytest.raises(NotAllowedError):
            step_update(step=step, by=world.other_member, title="Mine")
        with pytest.raises(ProjectError):
            step_update(step=step, by=world.member, title="")
        step.refresh_from_db()
        assert step.title == "Cut"

    def test_it_says_when_the_step_was_deleted_meanwhile(self, world, project):
        step = StepFactory(project=project)
        Step.objects.filter(pk=step.pk).delete()
        with pytest.raises(ProjectError) as error:
            step_update(step=step, by=world.member, title="Ghost")
        assert error.value.code == "gone"
