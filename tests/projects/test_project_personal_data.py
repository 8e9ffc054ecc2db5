"""The GDPR export lists the projects a member owns or helps write."""

import json

import pytest

from tests.projects.factories import DraftFactory, ProjectFactory

pytestmark = pytest.mark.django_db


class TestProjectsInPersonalData:
    def test_it_lists_owned_and_coauthored_projects_only(self, client, world):
        ProjectFactory(title="Mine", owner=world.member, slug="mine-1")
        DraftFactory(title="Helping", owner=world.other_member, slug="helping").collaborators.add(world.member)
        ProjectFactory(title="Not mine", owner=world.other_member)
        client.force_login(world.member)
        data = json.loads(client.get("/accounts/privacy/my-data.json").content)
        assert [(p["title"], p["role"], p["status"]) for p in data["projects"]] == [
            ("Mine", "owner", "published"),
            ("Helping", "collaborator", "draft"),
        ]
