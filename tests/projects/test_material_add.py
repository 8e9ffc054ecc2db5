"""The bill of materials: lines added at the end, removed with the gap closed, authors only."""

from decimal import Decimal

import pytest

from fablab.core.errors import NotAllowedError
from projects.services import ProjectError, material_add, material_remove
from tests.projects.factories import DraftFactory, MaterialFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(world):
    project = DraftFactory(owner=world.member, lab=world.lab)
    project.collaborators.add(world.trainer)
    return project


class TestMaterialAdd:
    def test_it_adds_a_line_and_indexes_it(self, world, project):
        material = material_add(
            project=project,
            by=world.member,
            item="Birch plywood 3 mm",
            quantity="2.5",
            unit="m²",
            link="https://example.org/plywood",
            note="Laser grade",
        )
        material.refresh_from_db()
        assert (material.position, material.quantity, material.unit) == (1, Decimal("2.500"), "m²")
        assert material_add(project=project, by=world.trainer, item="Screws", quantity=4).position == 2
        project.refresh_from_db()
        assert "birch plywood 3 mm laser grade" in project.search_text

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"quantity": 0}, None, "The quantity must be more than zero."),
            ({"quantity": -1}, None, "The quantity must be more than zero."),
            ({"quantity": "lots"}, "quantity", "“lots” value must be a decimal number."),
            (
                {"quantity": "12345678.5"},
                "quantity",
                "Ensure that there are no more than 7 digits before the decimal point.",
            ),
            ({"item": ""}, "item", "This field cannot be blank."),
            ({"link": "javascript:alert(1)"}, "link", "Enter a valid URL."),
            ({"link": "data:text/html,hi"}, "link", "Enter a valid URL."),
            ({"link": "ftp://example.org/x"}, "link", "Enter a valid URL."),
        ],
    )
    def test_it_refuses_bad_input_and_adds_nothing(self, world, project, fields, field, message):
        with pytest.raises(ProjectError) as error:
            material_add(project=project, by=world.member, **{"item": "Glue", "quantity": 1, **fields})
        assert error.value.field == field
        assert error.value.message == message
        assert not project.materials.exists()

    @pytest.mark.parametrize("who", ["other_member", "staff", "other_staff"])
    def test_others_may_not(self, world, project, who):
        with pytest.raises(NotAllowedError):
            material_add(project=project, by=getattr(world, who), item="Glue", quantity=1)
        assert not project.materials.exists()


class TestMaterialRemove:
    def test_it_removes_the_line_and_closes_the_gap(self, world, project):
        first, second, third = (MaterialFactory(project=project, item=name) for name in ("A", "B", "C"))
        material_remove(material=second, by=world.member)
        assert list(project.materials.values_list("item", "position")) == [("A", 1), ("C", 2)]

    def test_others_may_not(self, world, project):
        material = MaterialFactory(project=project)
        with pytest.raises(NotAllowedError):
            material_remove(material=material, by=world.other_member)
        assert project.materials.count() == 1
