"""The back office lists projects with filters and search; content changes go through the editor."""

import pytest

from tests.projects.factories import ProjectFactory, StepFactory

pytestmark = pytest.mark.django_db


class TestProjectAdmin:
    def test_it_lists_filters_and_searches_projects(self, client, world):
        lamp = ProjectFactory(title="Plywood lamp", lab=world.lab, licence="MIT")
        ProjectFactory(title="Printed vase", lab=world.other_lab)
        client.force_login(world.superuser)
        content = client.get("/admin/projects/project/", {"q": "lamp"}).content.decode()
        assert "Plywood lamp" in content and "Printed vase" not in content
        content = client.get("/admin/projects/project/", {"lab__id__exact": world.other_lab.pk}).content.decode()
        assert "Printed vase" in content and "Plywood lamp" not in content
        content = client.get(
            "/admin/projects/project/", {"licence__exact": "MIT", "status__exact": "published"}
        ).content.decode()
        assert "Plywood lamp" in content and "Printed vase" not in content
        StepFactory(project=lamp, title="Cut")
        response = client.get(f"/admin/projects/project/{lamp.pk}/change/")
        assert response.status_code == 200
        assert "Cut" in response.content.decode()

    def test_it_offers_no_add_form(self, client, world):
        client.force_login(world.superuser)
        assert client.get("/admin/projects/project/add/").status_code == 403
