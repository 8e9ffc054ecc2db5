"""Concurrent writes: slugs stay unique and step positions stay 1..n, on PostgreSQL and SQLite."""

import pytest

from projects.models import Project
from projects.services import project_create, step_add, step_move
from tests.concurrency import race
from tests.factories import LabFactory, UserFactory
from tests.projects.factories import DraftFactory

pytestmark = pytest.mark.django_db(transaction=True)


class TestProjectRace:
    def test_twelve_members_creating_the_same_title_get_twelve_slugs(self):
        lab = LabFactory()
        members = [UserFactory() for _ in range(12)]
        results = race(
            [lambda member=member: project_create(owner=member, lab=lab, title="Plywood lamp") for member in members]
        )
        assert not [result for result in results if isinstance(result, Exception)], results
        slugs = sorted(Project.objects.values_list("slug", flat=True))
        assert len(set(slugs)) == 12
        assert "plywood-lamp" in slugs
        assert all(slug.startswith("plywood-lamp") for slug in slugs)

    def test_concurrent_step_edits_keep_positions_without_gaps(self):
        owner = UserFactory()
        project = DraftFactory(owner=owner, steps=["A", "B", "C"])
        first = project.steps.get(title="A")
        calls = [lambda n=n: step_add(project=project, by=owner, title=f"New {n}") for n in range(8)]
        calls += [lambda: step_move(step=first, by=owner, position=3) for _ in range(4)]
        results = race(calls)
        assert not [result for result in results if isinstance(result, Exception)], results
        assert list(project.steps.order_by("position").values_list("position", flat=True)) == list(range(1, 12))


class TestProjectFileRace:
    def test_concurrent_uploads_never_pass_the_projects_limit(self, settings):
        from projects import attachments
        from projects.models import ProjectFile
        from projects.services import ProjectError
        from tests.projects.uploads import upload

        settings.PROJECT_FILES_MAX_BYTES = 450
        owner = UserFactory()
        project = DraftFactory(owner=owner)
        data = b"%PDF-" + bytes(95)
        results = race(
            [
                lambda index=index: attachments.project_file_add(
                    project=project, by=owner, upload=upload(f"{index}.pdf", data)
                )
                for index in range(8)
            ]
        )
        refused = [result for result in results if isinstance(result, ProjectError)]
        assert len(refused) == 4, results
        assert {error.code for error in refused} == {"project_files_too_large"}
        positions = sorted(ProjectFile.objects.filter(project=project).values_list("position", flat=True))
        assert positions == [1, 2, 3, 4]
