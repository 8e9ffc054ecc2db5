"""/projects/<slug>/: the whole documentation, sharing metadata, and who may see a draft."""

import pytest
from django.urls import reverse

from projects.models import Comment, Project, ProjectStatus
from tests.factories import MachineFactory, UserFactory
from tests.projects.factories import (
    DraftFactory,
    MaterialFactory,
    ProjectFactory,
    ProjectFileFactory,
    StepFactory,
    StepImageFactory,
    TagFactory,
)
from tests.projects.test_project_create import jpeg_with_gps

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def get(client, project):
    return client.get(reverse("projects:detail", args=[project.slug]), **EN)


@pytest.fixture
def lamp(world):
    laser = MachineFactory(lab=world.lab, name="Trotec")
    project = ProjectFactory(
        title="Plywood lamp",
        summary="A lamp from one sheet.",
        owner=world.member,
        lab=world.lab,
        licence="CERN-OHL-W-2.0",
        difficulty="advanced",
        duration_minutes=150,
        machines=[laser],
        tags=[TagFactory(name="lighting")],
        description="Made **at the lab**.",
        what_went_wrong="The *first* kerf was too wide.",
        steps=["Cut the panels", "Glue"],
    )
    project.collaborators.add(world.trainer)
    MaterialFactory(project=project, item="Birch plywood", quantity="2.500", unit="m²", link="https://example.org/p")
    return project


class TestProjectDetailPage:
    def test_it_shows_the_whole_documentation(self, client, world, lamp):
        response = get(client, lamp)
        content = response.content.decode()
        assert response.status_code == 200
        assert '<h1 id="project-title">Plywood lamp</h1>' in content
        assert "A lamp from one sheet." in content
        assert "Mia Member, Tina Trainer" in content
        assert "member@example.org" not in content
        assert f'<a href="/labs/{world.lab.slug}/">Lab A</a>' in content
        assert "Advanced" in content
        assert "2 h 30 min" in content
        assert '<a href="https://ohwr.org/cern_ohl_w_v2.txt" rel="license">' in content
        machine = lamp.machines.get()
        assert f'<a href="/machines/{machine.pk}/">Trotec</a>' in content
        assert 'href="/projects/?tag=lighting"' in content
        assert "<p>Made <strong>at the lab</strong>.</p>" in content
        assert "Step 1: Cut the panels" in content and "Step 2: Glue" in content
        assert content.index("Step 1: Cut the panels") < content.index("Step 2: Glue")
        assert '<a href="https://example.org/p" rel="nofollow noopener ugc">Birch plywood</a>' in content
        assert "2.5 m²" in content
        assert "The <em>first</em> kerf was too wide." in content
        assert "Edit this project" not in content

    def test_it_carries_open_graph_metadata_and_a_canonical_link(self, client, world, lamp):
        from projects.services import project_update

        project_update(project=lamp, by=world.member, cover=jpeg_with_gps(), cover_alt="A red lamp")
        lamp.refresh_from_db()
        content = get(client, lamp).content.decode()
        url = f"http://testserver/projects/{lamp.slug}/"
        assert f'<link rel="canonical" href="{url}">' in content
        assert '<meta property="og:type" content="article">' in content
        assert '<meta property="og:title" content="Plywood lamp">' in content
        assert '<meta property="og:description" content="A lamp from one sheet.">' in content
        assert f'<meta property="og:url" content="{url}">' in content
        assert f'<meta property="og:image" content="http://testserver/media/{lamp.cover.name}">' in content
        assert '<meta property="og:image:alt" content="A red lamp">' in content
        assert '<meta name="twitter:card" content="summary_large_image">' in content
        assert 'alt="A red lamp"' in content

    def test_it_has_no_og_image_without_a_cover(self, client, lamp):
        content = get(client, lamp).content.decode()
        assert "og:image" not in content
        assert '<meta name="twitter:card" content="summary">' in content

    def test_it_shows_the_lineage_both_ways(self, client, world, lamp):
        remix = ProjectFactory(title="Lamp, smaller", remixed_from=lamp)
        DraftFactory(title="Draft remix", remixed_from=lamp)
        content = get(client, lamp).content.decode()
        assert f'<a href="/projects/{remix.slug}/">Lamp, smaller</a>' in content
        assert "Remixed 1 time" in content
        assert "Draft remix" not in content
        content = get(client, remix).content.decode()
        assert f'Remixed from: <a href="/projects/{lamp.slug}/">Plywood lamp</a>' in content

    def test_it_renders_member_markdown_safely(self, client, world):
        project = ProjectFactory(
            description='<script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror="alert(3)">',
            steps=["Step"],
        )
        StepFactory(project=project, body="<iframe src=https://evil.example></iframe>")
        content = get(client, project).content.decode()
        assert "<script>alert(1)" not in content
        assert "javascript:alert" not in content
        assert "<img src=x" not in content
        assert "<iframe" not in content

    def test_it_runs_the_same_number_of_queries_for_few_or_many_steps(
        self, client, world, django_assert_num_queries, built_every_time
    ):
        project = ProjectFactory(lab=world.lab, steps=["A"], tags=[TagFactory(name="a")])
        get(client, project)
        # project, collaborators, machines, tags, steps, their pictures, materials, files, comments, remixes
        with django_assert_num_queries(10):
            get(client, project)
        for index in range(20):
            step = StepFactory(project=project)
            StepImageFactory(step=step)
            ProjectFileFactory(project=project)
            Comment.objects.create(project=project, author=UserFactory(), body=f"Comment {index}")
            MaterialFactory(project=project)
            ProjectFactory(remixed_from=project)
            project.tags.add(TagFactory(name=f"tag {index}"))
            project.machines.add(MachineFactory(lab=world.other_lab))
            project.collaborators.add(UserFactory())
        with django_assert_num_queries(10):
            content = get(client, project).content.decode()
        assert content.count('class="project-comment"') == 20
        assert content.count('class="project-step"') == 21
        assert content.count("The parts laid out") == 40  # in its step and in the gallery
        assert content.count("/files/") == 20


class TestDraftVisibility:
    """A draft is seen by its authors and its lab's moderators; everyone else gets a 404."""

    @pytest.fixture
    def draft(self, world):
        draft = DraftFactory(title="Work in progress", owner=world.member, lab=world.lab)
        draft.collaborators.add(world.trainer)
        return draft

    @pytest.mark.parametrize("who", ["member", "trainer", "staff", "superuser"])
    def test_authors_and_moderators_see_it_with_a_notice(self, client, world, draft, who):
        client.force_login(getattr(world, who))
        response = get(client, draft)
        content = response.content.decode()
        assert response.status_code == 200
        assert "This is a draft" in content
        assert '<meta name="robots" content="noindex">' in content

    @pytest.mark.parametrize("who", ["other_member", "other_staff", None])
    def test_others_get_a_404(self, client, world, draft, who):
        if who:
            client.force_login(getattr(world, who))
        assert get(client, draft).status_code == 404

    def test_a_hidden_project_is_gone_for_the_public_but_not_for_its_author(self, client, world, draft):
        Project.objects.filter(pk=draft.pk).update(
            status=ProjectStatus.HIDDEN, summary="s", licence="MIT", published_at="2026-01-01T00:00Z"
        )
        assert get(client, draft).status_code == 404
        client.force_login(world.member)
        assert "The moderators hid this project" in get(client, draft).content.decode()

    def test_an_unknown_slug_is_a_404(self, client, world):
        assert client.get("/projects/nothing-here/").status_code == 404

    def test_authors_get_an_edit_link(self, client, world, draft):
        client.force_login(world.trainer)
        assert reverse("projects:edit", args=[draft.slug]) in get(client, draft).content.decode()
