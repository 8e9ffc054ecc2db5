"""Comments, reports and the moderation queue: who may do what, what the authors hear, what stays."""

import pytest
from django.urls import reverse

from fablab.core.errors import ConflictError, NotAllowedError
from projects import moderation
from projects.models import Comment, ProjectStatus, Report, ReportOutcome, ReportStatus
from projects.services import ProjectError
from tests.projects.factories import DraftFactory, ProjectFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def project(world):
    project = ProjectFactory(title="Plywood lamp", owner=world.member, lab=world.lab, steps=["Cut"])
    project.collaborators.add(world.trainer)
    return project


@pytest.fixture
def comment(world, project):
    return moderation.comment_add(project=project, by=world.other_member, body="Nice <b>lamp</b>!")


class TestCommentAdd:
    def test_it_publishes_a_comment_and_tells_the_authors(
        self, client, world, project, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(world.other_member)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("projects:comment_add", args=[project.slug]), {"body": "Nice <b>lamp</b>!"}, **EN
            )
        comment = Comment.objects.get()
        assert response.status_code == 302
        assert response["Location"].endswith(f"#comment-{comment.pk}")
        assert sorted(message.to[0] for message in mailoutbox) == ["member@example.org", "trainer@example.org"]
        assert "Plywood lamp" in mailoutbox[0].subject
        page = client.get(project.get_absolute_url(), **EN).content.decode()
        assert "Nice &lt;b&gt;lamp&lt;/b&gt;!" in page
        assert "<b>lamp</b>" not in page

    def test_an_author_is_not_told_of_their_own_comment(
        self, world, project, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            moderation.comment_add(project=project, by=world.member, body="Thanks all")
        assert [message.to[0] for message in mailoutbox] == ["trainer@example.org"]

    @pytest.mark.parametrize("body", ["", "   ", "x" * 5_001])
    def test_it_refuses_an_empty_or_too_long_comment(self, world, project, body):
        with pytest.raises(ProjectError):
            moderation.comment_add(project=project, by=world.other_member, body=body)
        assert not Comment.objects.exists()

    def test_it_refuses_a_draft(self, world):
        draft = DraftFactory(owner=world.member, lab=world.lab)
        with pytest.raises(ProjectError):
            moderation.comment_add(project=draft, by=world.member, body="Hello")
        assert not Comment.objects.exists()

    def test_anonymous_visitors_log_in_first(self, client, project):
        response = client.post(reverse("projects:comment_add", args=[project.slug]), {"body": "Hi"})
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]
        assert not Comment.objects.exists()

    def test_a_bad_comment_is_explained_on_the_page(self, client, world, project):
        client.force_login(world.other_member)
        response = client.post(reverse("projects:comment_add", args=[project.slug]), {"body": ""}, **EN)
        assert response.status_code == 400
        assert "This field is required" in response.content.decode()


class TestReport:
    def test_a_member_reports_a_project_once(self, client, world, project):
        client.force_login(world.other_member)
        url = reverse("projects:report", args=[project.slug])
        assert client.get(url, **EN).status_code == 200
        assert client.post(url, {"reason": "Copied from elsewhere"}, **EN).status_code == 302
        response = client.post(url, {"reason": "Again"}, **EN)
        assert response.status_code == 409
        assert "You already reported this" in response.content.decode()
        report = Report.objects.get()
        assert (report.reporter, report.project, report.comment, report.status) == (
            world.other_member,
            project,
            None,
            ReportStatus.OPEN,
        )

    def test_a_member_reports_a_comment(self, client, world, project, comment):
        client.force_login(world.member)
        url = reverse("projects:report", args=[project.slug]) + f"?comment={comment.pk}"
        assert "Nice &lt;b&gt;lamp&lt;/b&gt;!" in client.get(url, **EN).content.decode()
        response = client.post(url, {"reason": "Spam", "comment": comment.pk}, **EN)
        assert response.status_code == 302
        assert Report.objects.get().comment == comment

    def test_reporting_the_project_and_one_of_its_comments_are_two_reports(self, world, project, comment):
        moderation.report_create(by=world.member, project=project, reason="a")
        moderation.report_create(by=world.member, project=project, comment=comment, reason="b")
        with pytest.raises(ConflictError):
            moderation.report_create(by=world.member, project=project, comment=comment, reason="c")
        assert Report.objects.count() == 2

    def test_it_refuses_an_empty_reason(self, world, project):
        with pytest.raises(ProjectError):
            moderation.report_create(by=world.member, project=project, reason="  ")
        assert not Report.objects.exists()

    def test_anonymous_visitors_cannot_report(self, client, project):
        response = client.post(reverse("projects:report", args=[project.slug]), {"reason": "x"})
        assert response.status_code == 302
        assert not Report.objects.exists()

    def test_a_comment_of_another_project_is_not_found(self, client, world, project, comment):
        other = ProjectFactory(owner=world.member, lab=world.lab)
        client.force_login(world.member)
        url = reverse("projects:report", args=[other.slug]) + f"?comment={comment.pk}"
        assert client.post(url, {"reason": "x", "comment": comment.pk}).status_code == 404
        assert not Report.objects.exists()


class TestProjectHide:
    def test_staff_of_the_lab_hide_with_a_reason_and_the_authors_hear_it(
        self, client, world, project, mailoutbox, django_capture_on_commit_callbacks
    ):
        report = moderation.report_create(by=world.other_member, project=project, reason="Unsafe")
        client.force_login(world.staff)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("projects:project_hide", args=[project.slug]), {"reason": "Unsafe wiring"}, **EN
            )
        assert response.status_code == 302
        project.refresh_from_db()
        report.refresh_from_db()
        assert project.status == ProjectStatus.HIDDEN
        assert project.hidden_reason == "Unsafe wiring"
        assert (report.status, report.outcome, report.resolved_by) == (
            ReportStatus.RESOLVED,
            ReportOutcome.HIDDEN,
            world.staff,
        )
        assert sorted(message.to[0] for message in mailoutbox) == ["member@example.org", "trainer@example.org"]
        assert "Unsafe wiring" in mailoutbox[0].body
        client.logout()
        assert client.get(project.get_absolute_url()).status_code == 404
        client.force_login(world.member)
        assert "Unsafe wiring" in client.get(project.get_absolute_url(), **EN).content.decode()

    def test_it_restores_the_project(self, world, project, mailoutbox, django_capture_on_commit_callbacks):
        moderation.project_hide(project=project, by=world.staff, reason="Check")
        with django_capture_on_commit_callbacks(execute=True):
            moderation.project_restore(project=project, by=world.superuser)
        project.refresh_from_db()
        assert (project.status, project.hidden_reason) == (ProjectStatus.PUBLISHED, "")
        assert "public again" in mailoutbox[-1].subject

    @pytest.mark.parametrize("who", ["member", "other_member", "trainer", "other_staff"])
    def test_no_one_else_may_hide(self, client, world, project, who):
        with pytest.raises(NotAllowedError):
            moderation.project_hide(project=project, by=getattr(world, who), reason="x")
        client.force_login(getattr(world, who))
        response = client.post(reverse("projects:project_hide", args=[project.slug]), {"reason": "x"})
        assert response.status_code == 403
        project.refresh_from_db()
        assert project.status == ProjectStatus.PUBLISHED

    def test_a_reason_is_required(self, world, project):
        with pytest.raises(ProjectError):
            moderation.project_hide(project=project, by=world.staff, reason=" ")
        project.refresh_from_db()
        assert project.status == ProjectStatus.PUBLISHED

    def test_the_authors_cannot_publish_it_again(self, world, project):
        from projects.services import project_publish

        moderation.project_hide(project=project, by=world.staff, reason="x")
        with pytest.raises(ProjectError):
            project_publish(project=project, by=world.member)


class TestCommentHide:
    def test_staff_hide_and_restore_a_comment(
        self, client, world, project, comment, mailoutbox, django_capture_on_commit_callbacks
    ):
        report = moderation.report_create(by=world.member, project=project, comment=comment, reason="Rude")
        client.force_login(world.staff)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("projects:comment_hide", args=[comment.pk]), {"reason": "Rude"}, **EN)
        assert response.status_code == 302
        comment.refresh_from_db()
        report.refresh_from_db()
        assert (comment.hidden, comment.hidden_reason, comment.hidden_by) == (True, "Rude", world.staff)
        assert report.status == ReportStatus.RESOLVED
        assert mailoutbox[-1].to == ["other@example.org"]
        assert "Nice" not in client.get(project.get_absolute_url(), **EN).content.decode()
        client.post(reverse("projects:comment_restore", args=[comment.pk]))
        comment.refresh_from_db()
        assert (comment.hidden, comment.hidden_reason) == (False, "")

    @pytest.mark.parametrize("who", ["member", "other_member", "other_staff"])
    def test_no_one_else_may_hide_a_comment(self, client, world, comment, who):
        client.force_login(getattr(world, who))
        response = client.post(reverse("projects:comment_hide", args=[comment.pk]), {"reason": "x"})
        assert response.status_code == 403
        comment.refresh_from_db()
        assert not comment.hidden


class TestModerationQueue:
    def test_staff_see_the_open_reports_of_their_labs_only(self, client, world, project, comment):
        elsewhere = ProjectFactory(title="Far away", lab=world.other_lab)
        moderation.report_create(by=world.member, project=project, comment=comment, reason="Rude words")
        moderation.report_create(by=world.member, project=elsewhere, reason="Other lab")
        client.force_login(world.staff)
        content = client.get(reverse("projects:moderation"), **EN).content.decode()
        assert "Rude words" in content
        assert "Other lab" not in content
        client.force_login(world.other_staff)
        content = client.get(reverse("projects:moderation"), **EN).content.decode()
        assert "Other lab" in content and "Rude words" not in content

    def test_a_dismissed_report_leaves_the_queue(self, client, world, project):
        report = moderation.report_create(by=world.member, project=project, reason="Meh")
        client.force_login(world.other_staff)
        assert (
            client.post(reverse("projects:dismiss_report", args=[report.pk])).status_code == 404
        )  # private: as unknown as a missing one
        client.force_login(world.staff)
        client.post(reverse("projects:dismiss_report", args=[report.pk]))
        report.refresh_from_db()
        assert (report.status, report.outcome) == (ReportStatus.RESOLVED, ReportOutcome.DISMISSED)
        assert "Meh" not in client.get(reverse("projects:moderation"), **EN).content.decode()

    @pytest.mark.parametrize("who", ["member", "trainer"])
    def test_members_and_trainers_have_no_queue(self, client, world, who):
        client.force_login(getattr(world, who))
        assert client.get(reverse("projects:moderation")).status_code == 403

    def test_anonymous_visitors_log_in_first(self, client):
        assert client.get(reverse("projects:moderation")).status_code == 302

    def test_its_queries_do_not_grow_with_the_reports(self, client, world, django_assert_max_num_queries):
        from tests.factories import UserFactory

        client.force_login(world.staff)
        for index in range(3):
            project = ProjectFactory(lab=world.lab)
            moderation.report_create(by=world.member, project=project, reason=f"r{index}")
        client.get(reverse("projects:moderation"))
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            client.get(reverse("projects:moderation"))
        for index in range(10):
            project = ProjectFactory(lab=world.lab)
            comment = moderation.comment_add(project=project, by=world.member, body="b")
            moderation.report_create(by=UserFactory(), project=project, comment=comment, reason=f"c{index}")
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("projects:moderation"))
        assert len(many) == len(few)


class TestModerationRedirect:
    @pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/"])
    def test_it_never_sends_the_moderator_off_site(self, client, world, project, target):
        client.force_login(world.staff)
        response = client.post(reverse("projects:project_hide", args=[project.slug]), {"reason": "x", "next": target})
        assert response["Location"] == reverse("projects:moderation")

    def test_it_comes_back_to_the_page_it_was_sent_from(self, client, world, project):
        client.force_login(world.staff)
        response = client.post(
            reverse("projects:project_hide", args=[project.slug]), {"reason": "x", "next": project.get_absolute_url()}
        )
        assert response["Location"] == project.get_absolute_url()
