"""/projects/export.json and .csv: open data on every published project, streamed, safe in spreadsheets."""

import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse
from django.urls import reverse

from fablab.core.csv import csv_safe
from tests.factories import MachineFactory, UserFactory
from tests.projects.factories import DraftFactory, ProjectFactory, ProjectFileFactory, TagFactory

pytestmark = pytest.mark.django_db


def body(response):
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode()


@pytest.fixture
def lamp(world):
    project = ProjectFactory(
        title="Plywood lamp",
        summary="A lamp.",
        owner=world.member,
        lab=world.lab,
        licence="CC-BY-NC-SA-4.0",
        difficulty="intermediate",
        duration_minutes=90,
        tags=[TagFactory(name="lighting")],
        machines=[MachineFactory(lab=world.lab, name="Trotec")],
    )
    project.collaborators.add(world.trainer, UserFactory(full_name=""))
    return project


class TestJsonExport:
    def test_it_lists_published_projects_with_their_licence(self, client, world, lamp):
        DraftFactory(title="Secret draft")
        ProjectFactory(title="Smaller lamp", remixed_from=lamp, licence="MIT")
        response = client.get(reverse("projects:export_json"))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json; charset=utf-8"
        data = json.loads(body(response))
        assert [project["title"] for project in data["projects"]] == ["Plywood lamp", "Smaller lamp"]
        record = data["projects"][0]
        assert record["url"] == f"http://testserver/projects/{lamp.slug}/"
        assert record["licence"] == {
            "spdx": "CC-BY-NC-SA-4.0",
            "name": "Creative Commons Attribution-NonCommercial-ShareAlike 4.0 International",
            "url": "https://creativecommons.org/licenses/by-nc-sa/4.0/",
        }
        assert record["lab"] == {"slug": "lab-a", "name": "Lab A"}
        assert record["authors"] == ["Mia Member", "Tina Trainer"]  # names only, never an email
        assert record["tags"] == ["lighting"]
        assert record["machines"][0]["name"] == "Trotec"
        assert (record["difficulty"], record["duration_minutes"]) == ("intermediate", 90)
        assert record["published_at"].endswith("+00:00")
        assert data["projects"][1]["remixed_from"] == record["url"]
        assert "example.org" not in json.dumps(data)
        assert record["documentation_pdf"] == f"http://testserver/projects/{lamp.slug}/documentation.pdf"
        assert record["files_zip"] == f"http://testserver/projects/{lamp.slug}/files.zip"
        assert record["files"] == []

    def test_it_lists_each_projects_files(self, client, world, lamp):
        item = ProjectFileFactory(project=lamp, name="panel.stl", size_bytes=99)
        record = json.loads(body(client.get(reverse("projects:export_json"))))["projects"][0]
        assert record["files"] == [
            {
                "name": "panel.stl",
                "kind": "stl",
                "size_bytes": 99,
                "sha256": "0" * 64,
                "url": f"http://testserver/projects/{lamp.slug}/files/{item.pk}/panel.stl",
            }
        ]

    def test_it_is_valid_json_when_nothing_is_published(self, client, world):
        assert json.loads(body(client.get(reverse("projects:export_json"))))["projects"] == []

    def test_it_reads_in_chunks_with_a_fixed_number_of_queries_per_chunk(
        self, client, world, django_assert_num_queries
    ):
        for _ in range(5):
            ProjectFileFactory(project=ProjectFactory(tags=[TagFactory(name="a")]))
        # One chunk: the projects, then their collaborators, tags, machines and files.
        with django_assert_num_queries(5):
            assert len(json.loads(body(client.get(reverse("projects:export_json"))))["projects"]) == 5


class TestCsvExport:
    def test_it_lists_published_projects_with_their_licence(self, client, world, lamp):
        DraftFactory(title="Secret draft")
        response = client.get(reverse("projects:export_csv"))
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="projects.csv"'
        rows = list(csv.DictReader(io.StringIO(body(response))))
        assert len(rows) == 1
        row = rows[0]
        assert row["title"] == "Plywood lamp"
        assert row["licence"] == "CC-BY-NC-SA-4.0"
        assert row["licence_url"] == "https://creativecommons.org/licenses/by-nc-sa/4.0/"
        assert row["authors"] == "Mia Member; Tina Trainer"
        assert row["lab"] == "lab-a"
        assert row["tags"] == "lighting"
        assert row["machines"] == "Trotec"

    def test_it_defuses_cells_a_spreadsheet_would_run_as_formulas(self, client, world):
        ProjectFactory(
            title='=HYPERLINK("http://evil.example","click")', summary="+1+1", tags=[TagFactory(name="@cmd")]
        )
        ProjectFactory(title="-2+3", summary="\tTabbed", owner=UserFactory(full_name="=Mallory"))
        rows = list(csv.DictReader(io.StringIO(body(client.get(reverse("projects:export_csv"))))))
        by_title = {row["title"]: row for row in rows}
        evil = by_title['\'=HYPERLINK("http://evil.example","click")']
        assert evil["summary"] == "'+1+1"
        assert evil["tags"] == "'@cmd"
        minus = by_title["'-2+3"]
        assert minus["summary"] == "'\tTabbed"
        assert minus["authors"] == "'=Mallory"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+2", "'=1+2"), ("+33 6", "'+33 6"), ("-5", "'-5"), ("@SUM(A1)", "'@SUM(A1)"), ("\r=x", "'\r=x"),
     ("Lamp = light", "Lamp = light"), ("", ""), (None, ""), (90, 90), (-5, -5)],
)  # fmt: skip
def test_csv_safe(value, expected):
    assert csv_safe(value) == expected
