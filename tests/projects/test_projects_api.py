"""/api/v1/projects/: public reads with search and facets; writes by authors through the services."""

import pytest
from rest_framework.test import APIClient

from projects.models import Project, ProjectStatus
from tests.factories import LabFactory, MachineFactory
from tests.projects.factories import DraftFactory, ProjectFactory, TagFactory

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def api(user=None):
    client = APIClient(headers={"Accept-Language": "en"})
    if user is not None:
        client.force_authenticate(user)
    return client


def assert_problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM)
    assert response.json()["code"] == code
    return response.json()


@pytest.fixture
def draft(world):
    draft = DraftFactory(title="Plywood lamp", owner=world.member, lab=world.lab, steps=["Cut"])
    draft.collaborators.add(world.trainer)
    return draft


class TestProjectsApiRead:
    def test_it_lists_published_projects_with_search_and_facets(self, world):
        laser = MachineFactory(lab=world.lab)
        ProjectFactory(
            title="Laser lamp", machines=[laser], tags=[TagFactory(name="lighting")], lab=world.lab, licence="MIT"
        )
        ProjectFactory(title="Printed vase", lab=LabFactory(slug="brest"), difficulty="advanced")
        DraftFactory(title="Draft lamp", lab=world.lab)

        def titles(query=""):
            response = api().get(f"/api/v1/projects/{query}")
            assert response.status_code == 200
            return [project["title"] for project in response.json()["results"]]

        assert sorted(titles()) == ["Laser lamp", "Printed vase"]
        assert titles("?search=lamp") == ["Laser lamp"]
        assert titles(f"?machine={laser.pk}") == ["Laser lamp"]
        assert titles("?tag=lighting") == ["Laser lamp"]
        assert titles("?licence=MIT") == ["Laser lamp"]
        assert titles("?difficulty=advanced") == ["Printed vase"]
        assert titles("?lab=brest") == ["Printed vase"]
        assert titles("?lab=atlantis") == []

    def test_it_lists_in_the_same_number_of_queries_for_3_or_30_projects(self, world, django_assert_num_queries):
        tags = [TagFactory(name="lighting"), TagFactory(name="wood")]
        machine = MachineFactory(lab=world.lab)
        for count in (3, 27):
            for _ in range(count):
                ProjectFactory(lab=world.lab, tags=tags, machines=[machine])
            with django_assert_num_queries(5):  # the matches, count, page, tags, machines
                response = api().get("/api/v1/projects/?search=project&tag=lighting")
            assert len(response.json()["results"]) == (3 if count == 3 else 30)

    @pytest.mark.parametrize("query", ["?licence=WTFPL", "?difficulty=expert", "?machine=abc", "?sort=random"])
    def test_it_answers_400_for_a_bad_filter(self, world, query):
        body = assert_problem(api().get(f"/api/v1/projects/{query}"), 400, "invalid")
        assert set(body["errors"]) == {query[1:].split("=")[0]}

    def test_it_returns_a_published_project_in_full(self, world):
        project = ProjectFactory(title="Lamp", description="**Bold** <script>x</script>", steps=["Cut"], licence="MIT")
        response = api().get(f"/api/v1/projects/{project.slug}/")
        assert response.status_code == 200
        data = response.json()
        assert data["licence"] == "MIT"
        assert data["licence_details"]["url"] == "https://opensource.org/license/mit"
        assert data["description_html"] == "<p><strong>Bold</strong> &lt;script&gt;x&lt;/script&gt;</p>"
        assert [step["title"] for step in data["steps"]] == ["Cut"]
        assert data["url"] == f"http://testserver/projects/{project.slug}/"

    @pytest.mark.parametrize(
        ("who", "status"),
        [("member", 200), ("trainer", 200), ("staff", 200), ("other_member", 404), ("other_staff", 404), (None, 404)],
    )
    def test_a_draft_is_seen_by_its_authors_and_moderators_only(self, world, draft, who, status):
        response = api(getattr(world, who) if who else None).get(f"/api/v1/projects/{draft.slug}/")
        assert response.status_code == status


class TestProjectsApiCreate:
    def test_a_member_creates_a_draft_they_own(self, world):
        laser = MachineFactory(lab=world.lab)
        response = api(world.member).post(
            "/api/v1/projects/",
            {
                "title": "Lamp",
                "lab": "lab-a",
                "licence": "MIT",
                "tags": ["Lighting"],
                "machines": [laser.pk],
                "description": "Hi",
            },
            format="json",
        )
        assert response.status_code == 201, response.content
        data = response.json()
        assert (data["slug"], data["status"], data["owner"]) == ("lamp", "draft", "Mia Member")
        assert data["tags"] == [{"slug": "lighting", "name": "Lighting"}]
        project = Project.objects.get()
        assert (project.owner, project.description, list(project.machines.all())) == (world.member, "Hi", [laser])

    def test_anonymous_visitors_get_a_401(self, world):
        assert_problem(
            api().post("/api/v1/projects/", {"title": "Lamp", "lab": "lab-a"}, format="json"), 401, "not_authenticated"
        )
        assert not Project.objects.exists()

    def test_an_unknown_licence_is_a_clear_400_and_creates_nothing(self, world):
        response = api(world.member).post(
            "/api/v1/projects/", {"title": "Lamp", "lab": "lab-a", "licence": "WTFPL"}, format="json"
        )
        body = assert_problem(response, 400, "unknown_licence")
        assert body["errors"]["licence"][0].startswith("“WTFPL” is not a licence we offer.")
        assert not Project.objects.exists()

    def test_a_status_sent_by_the_client_is_ignored(self, world):
        response = api(world.member).post(
            "/api/v1/projects/", {"title": "Lamp", "lab": "lab-a", "status": "published"}, format="json"
        )
        assert response.json()["status"] == "draft"


class TestProjectsApiUpdate:
    @pytest.mark.parametrize("who", ["member", "trainer"])
    def test_authors_change_their_project(self, world, draft, who):
        response = api(getattr(world, who)).patch(
            f"/api/v1/projects/{draft.slug}/", {"summary": "Better", "tags": ["wood"]}, format="json"
        )
        assert response.status_code == 200, response.content
        assert response.json()["summary"] == "Better"
        draft.refresh_from_db()
        assert draft.summary == "Better"
        assert list(draft.tags.values_list("slug", flat=True)) == ["wood"]

    @pytest.mark.parametrize(
        ("who", "status", "code"),
        [("other_member", 404, "not_found"), ("other_staff", 404, "not_found"), ("staff", 403, "permission_denied")],
    )
    def test_others_cannot_change_a_draft(self, world, draft, who, status, code):
        assert_problem(
            api(getattr(world, who)).patch(f"/api/v1/projects/{draft.slug}/", {"title": "Mine"}, format="json"),
            status,
            code,
        )
        draft.refresh_from_db()
        assert draft.title == "Plywood lamp"

    @pytest.mark.parametrize("who", ["other_member", "staff", "other_staff"])
    def test_others_get_403_on_a_published_project(self, world, who):
        project = ProjectFactory(owner=world.member, lab=world.lab, title="Lamp")
        assert_problem(
            api(getattr(world, who)).patch(f"/api/v1/projects/{project.slug}/", {"title": "Mine"}, format="json"),
            403,
            "permission_denied",
        )
        project.refresh_from_db()
        assert project.title == "Lamp"

    def test_put_is_not_offered(self, world, draft):
        assert (
            api(world.member)
            .put(f"/api/v1/projects/{draft.slug}/", {"title": "X", "lab": "lab-a"}, format="json")
            .status_code
            == 405
        )

    def test_authors_add_steps_materials_and_publish(self, world, draft):
        client = api(world.member)
        response = client.post(
            f"/api/v1/projects/{draft.slug}/steps/", {"title": "Glue", "body": "Wait."}, format="json"
        )
        assert response.status_code == 201
        assert [step["title"] for step in response.json()["steps"]] == ["Cut", "Glue"]
        response = client.post(
            f"/api/v1/projects/{draft.slug}/materials/", {"item": "Plywood", "quantity": "2"}, format="json"
        )
        assert response.status_code == 201
        assert response.json()["materials"][0]["quantity"] == "2.000"
        assert_problem(
            client.post(f"/api/v1/projects/{draft.slug}/materials/", {"item": "Glue", "quantity": "0"}, format="json"),
            400,
            "invalid",
        )
        response = client.post(f"/api/v1/projects/{draft.slug}/publish/")
        assert response.status_code == 200
        assert response.json()["status"] == "published"
        assert client.post(f"/api/v1/projects/{draft.slug}/unpublish/").json()["status"] == "draft"

    def test_publishing_an_incomplete_project_is_a_400_problem(self, world, draft):
        Project.objects.filter(pk=draft.pk).update(summary="")
        body = assert_problem(api(world.member).post(f"/api/v1/projects/{draft.slug}/publish/"), 400, "summary_missing")
        assert body["errors"] == {"summary": ["Write a summary before publishing."]}
        draft.refresh_from_db()
        assert draft.status == ProjectStatus.DRAFT

    def test_others_cannot_add_steps(self, world):
        project = ProjectFactory(owner=world.member, lab=world.lab, steps=["Cut"])
        assert_problem(
            api(world.other_member).post(f"/api/v1/projects/{project.slug}/steps/", {"title": "X"}, format="json"),
            403,
            "permission_denied",
        )
        assert project.steps.count() == 1
