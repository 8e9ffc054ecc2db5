"""Reordering steps: a step moves to a position, the others shift; positions stay 1..n."""

import pytest

from fablab.core.errors import NotAllowedError
from projects.services import ProjectError, step_delete, step_move
from tests.projects.factories import DraftFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world):
    return DraftFactory(owner=world.member, lab=world.lab, steps=["A", "B", "C", "D"])


def titles(project):
    return "".join(project.steps.order_by("position").values_list("title", flat=True))


def positions(project):
    return list(project.steps.order_by("position").values_list("position", flat=True))


class TestStepMove:
    @pytest.mark.parametrize(
        ("title", "position", "expected"),
        [("B", 1, "BACD"), ("A", 2, "BACD"), ("A", 4, "BCDA"), ("D", 1, "DABC"), ("C", 3, "ABCD")],
    )
    def test_it_moves_a_step_and_shifts_the_others(self, world, project, title, position, expected):
        step = project.steps.get(title=title)
        moved = step_move(step=step, by=world.member, position=position)
        assert moved.position == position
        assert titles(project) == expected
        assert positions(project) == [1, 2, 3, 4]

    @pytest.mark.parametrize("position", [0, 5, -1, "2"])
    def test_it_refuses_a_position_outside_the_list(self, world, project, position):
        with pytest.raises(ProjectError) as error:
            step_move(step=project.steps.get(title="A"), by=world.member, position=position)
        assert error.value.message == "A step can only move to a position from 1 to 4."
        assert titles(project) == "ABCD"

    @pytest.mark.parametrize("who", ["other_member", "staff", "other_staff"])
    def test_others_may_not(self, world, project, who):
        with pytest.raises(NotAllowedError):
            step_move(step=project.steps.get(title="A"), by=getattr(world, who), position=2)
        assert titles(project) == "ABCD"


class TestStepDelete:
    def test_it_deletes_the_step_and_closes_the_gap(self, world, project):
        step_delete(step=project.steps.get(title="B"), by=world.member)
        assert titles(project) == "ACD"
        assert positions(project) == [1, 2, 3]
        project.refresh_from_db()
        assert "do b." not in project.search_text

    def test_others_may_not(self, world, project):
        with pytest.raises(NotAllowedError):
            step_delete(step=project.steps.get(title="B"), by=world.other_staff)
        assert titles(project) == "ABCD"
