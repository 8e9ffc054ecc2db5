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


class TestCommentsInPersonalData:
    def test_the_export_holds_comments_and_reports(self, client, world):
        from projects import moderation

        project = ProjectFactory(owner=world.other_member, slug="lamp")
        moderation.comment_add(project=project, by=world.member, body="Lovely")
        moderation.report_create(by=world.member, project=project, reason="Copied")
        client.force_login(world.member)
        data = json.loads(client.get("/accounts/privacy/my-data.json").content)["project_comments"]
        assert [(c["project"], c["body"]) for c in data["comments"]] == [("lamp", "Lovely")]
        assert [(r["project"], r["reason"], r["status"]) for r in data["reports"]] == [("lamp", "Copied", "open")]

    def test_erasure_deletes_them(self, world):
        from fablab.accounts.services import account_erase
        from projects import moderation
        from projects.models import Comment, Report

        project = ProjectFactory(owner=world.other_member)
        moderation.comment_add(project=project, by=world.member, body="Lovely")
        moderation.comment_add(project=project, by=world.other_member, body="Thanks")
        moderation.report_create(by=world.member, project=project, reason="Copied")
        account_erase(user=world.member)
        assert list(Comment.objects.values_list("body", flat=True)) == ["Thanks"]
        assert not Report.objects.exists()
