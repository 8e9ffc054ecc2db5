"""/projects/: the public list with search, facets and pages, in a fixed number of queries."""

import datetime as dt

import pytest
from django.urls import reverse

from projects.views import PAGE_SIZE
from tests.factories import LabFactory, MachineFactory
from tests.projects.factories import DraftFactory, ProjectFactory, TagFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def page(client, **params):
    return client.get(reverse("projects:list"), params, **EN)


class TestProjectListPage:
    def test_it_shows_published_projects_as_cards(self, client, world):
        lamp = ProjectFactory(
            title="Plywood lamp",
            summary="A lamp from one sheet.",
            lab=world.lab,
            licence="CC-BY-SA-4.0",
            difficulty="intermediate",
            tags=[TagFactory(name="lighting")],
        )
        DraftFactory(title="Secret draft", lab=world.lab)
        response = page(client)
        content = response.content.decode()
        assert response.status_code == 200
        assert f'<a href="/projects/{lamp.slug}/">Plywood lamp</a>' in content
        assert "A lamp from one sheet." in content
        assert "Lab A" in content
        assert '<abbr title="Creative Commons Attribution-ShareAlike 4.0 International">CC-BY-SA-4.0</abbr>' in content
        assert "Intermediate" in content
        assert 'href="/projects/?tag=lighting"' in content
        assert "Secret draft" not in content
        assert "1 project" in content

    def test_it_searches_and_filters_with_a_plain_get_form(self, client, world):
        laser = MachineFactory(lab=world.lab, name="Trotec")
        ProjectFactory(title="Laser lamp", machines=[laser], lab=world.lab, licence="MIT")
        ProjectFactory(title="Printed vase", lab=LabFactory(slug="brest", name="Brest"), difficulty="advanced")
        assert "Printed vase" not in page(client, q="lamp").content.decode()
        content = page(client, machine=laser.pk, licence="MIT", lab="lab-a").content.decode()
        assert "Laser lamp" in content
        assert "Printed vase" not in content
        assert f'<option value="{laser.pk}" selected>Trotec (Lab A)</option>' in content
        assert '<option value="MIT" selected>' in content
        content = page(client, difficulty="advanced").content.decode()
        assert "Printed vase" in content and "Laser lamp" not in content
        assert 'href="/projects/">Show all projects</a>' in content

    def test_it_labels_every_field_of_the_form(self, client, world):
        ProjectFactory(lab=world.lab)
        content = page(client).content.decode()
        assert 'role="search"' in content
        assert '<input type="search" name="q"' in content
        for name in ("q", "machine", "tag", "licence", "difficulty", "lab", "sort"):
            assert f'<label for="id_{name}">' in content

    def test_it_answers_400_for_an_unknown_facet_and_keeps_the_others(self, client, world):
        ProjectFactory(title="Laser lamp", lab=world.lab, licence="MIT")
        response = page(client, lab="atlantis", licence="MIT")
        assert response.status_code == 400
        content = response.content.decode()
        assert "Some filters could not be used" in content
        assert "Laser lamp" in content

    def test_it_says_when_nothing_matches(self, client, world):
        ProjectFactory(lab=world.lab)
        assert "No project matches this search." in page(client, q="zeppelin").content.decode()

    def test_it_pages_results_and_keeps_the_search_in_the_links(self, client, world):
        start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        for index in range(PAGE_SIZE + 2):
            ProjectFactory(title=f"Lamp {index:02d}", lab=world.lab, published_at=start + dt.timedelta(days=index))
        content = page(client, q="lamp").content.decode()
        assert content.count('class="project-card"') == PAGE_SIZE
        assert "Page 1 of 2" in content
        assert 'href="?q=lamp&amp;page=2" rel="next"' in content
        content = page(client, q="lamp", page=2).content.decode()
        assert content.count('class="project-card"') == 2
        assert 'href="?q=lamp&amp;page=1" rel="prev"' in content

    def test_it_escapes_what_members_wrote(self, client, world):
        ProjectFactory(title="<script>alert(1)</script>", summary='"><img src=x onerror=alert(1)>', lab=world.lab)
        content = page(client).content.decode()
        assert "<script>alert(1)" not in content
        assert "<img src=x" not in content
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content

    @pytest.mark.parametrize(
        ("params", "queries"),
        [
            # The page and its count, the cards' tags and machines, the lab and machine
            # facets (the most used tags are cached).
            ({}, 6),
            # The same, plus reading the matches once.
            ({"q": "lamp", "tag": "lighting", "sort": "remixed"}, 7),
        ],
    )
    def test_it_runs_the_same_number_of_queries_for_3_or_30_projects(
        self, client, world, django_assert_num_queries, params, queries, built_every_time
    ):
        tags = [TagFactory(name="lighting"), TagFactory(name="wood")]
        machines = [MachineFactory(lab=world.lab), MachineFactory(lab=world.other_lab)]

        def add(count):
            for index in range(count):
                ProjectFactory(title=f"Lamp {index}", lab=world.lab, tags=tags, machines=machines)

        add(3)
        page(client, **params)  # warm up content types and the like
        with django_assert_num_queries(queries):
            assert page(client, **params).status_code == 200
        add(27)
        with django_assert_num_queries(queries):
            content = page(client, **params).content.decode()
        assert content.count('class="project-card"') == 24


class TestTagFacet:
    def test_it_offers_the_most_used_tags_and_keeps_a_rarer_one_from_a_link(self, client, world):
        from projects.forms import TAG_OPTIONS

        common = [TagFactory(name=f"common {n:02d}") for n in range(TAG_OPTIONS)]
        ProjectFactory(title="Common", tags=common)
        ProjectFactory(title="Common too", tags=common)
        ProjectFactory(title="Rare", tags=[TagFactory(name="rare")])
        content = page(client).content.decode()
        assert '<option value="common-00">' in content
        assert '<option value="rare">' not in content
        response = page(client, tag="rare")
        assert response.status_code == 200
        content = response.content.decode()
        assert '<option value="rare" selected>rare</option>' in content
        assert "Rare" in content and "Common too" not in content
