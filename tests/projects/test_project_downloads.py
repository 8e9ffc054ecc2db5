"""/projects/<slug>/documentation.pdf and files.zip: the whole project, for whoever may read it."""

import io
import urllib.request
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from projects import attachments
from tests.projects.factories import DraftFactory, MaterialFactory, ProjectFactory
from tests.projects.test_project_create import jpeg_with_gps
from tests.projects.uploads import GOOD, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def lamp(world):
    project = ProjectFactory(
        title="Plywood lamp",
        summary="A lamp from one sheet.",
        owner=world.member,
        lab=world.lab,
        licence="CERN-OHL-W-2.0",
        description="Made **at the lab**.",
        steps=["Cut the panels", "Glue"],
    )
    project.collaborators.add(world.trainer)
    MaterialFactory(project=project, item="Birch plywood", quantity="2.500", unit="m²")
    step = project.steps.get(position=1)
    attachments.step_image_add(step=step, by=world.member, upload=jpeg_with_gps(), alt="The panels")
    attachments.project_file_add(project=project, by=world.member, upload=upload("panel.svg", GOOD["drawing.svg"]))
    attachments.project_file_add(project=project, by=world.member, upload=upload("panel.svg", GOOD["drawing.svg"]))
    attachments.project_file_add(project=project, by=world.member, upload=upload("manual.pdf", GOOD["manual.pdf"]))
    return project


def pdf_text(response):
    reader = PdfReader(io.BytesIO(response.content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


class TestDocumentationPdf:
    def test_it_holds_the_whole_documentation(self, client, lamp):
        response = client.get(reverse("projects:documentation_pdf", args=[lamp.slug]), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == f'attachment; filename="{lamp.slug}.pdf"'
        reader, text = pdf_text(response)
        for expected in (
            "Plywood lamp",
            "A lamp from one sheet.",
            "Mia Member, Tina Trainer",
            "Step 1: Cut the panels",
            "Step 2: Glue",
            "Birch plywood",
            "CERN Open Hardware Licence Version 2 - Weakly Reciprocal",
            "CERN-OHL-W-2.0",
            f"http://testserver/projects/{lamp.slug}/",
            "panel.svg",
        ):
            assert expected in text
        assert "member@example.org" not in text
        assert sum(len(page.images) for page in reader.pages) >= 1

    def test_it_speaks_the_readers_language(self, client, lamp):
        response = client.get(reverse("projects:documentation_pdf", args=[lamp.slug]), HTTP_ACCEPT_LANGUAGE="fr")
        _reader, text = pdf_text(response)
        assert "Étape 1 : Cut the panels" in text
        assert "Matériaux" in text

    def test_it_fetches_nothing_from_the_network(self, client, world, monkeypatch):
        project = ProjectFactory(owner=world.member, lab=world.lab, steps=["Cut"])
        step = project.steps.get()
        step.body = "![tracker](http://127.0.0.1:9/pixel.png) ![local](file:///etc/passwd)"
        step.save()

        def refuse(*args, **kwargs):
            raise AssertionError("the PDF must not fetch anything")

        monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
        response = client.get(reverse("projects:documentation_pdf", args=[project.slug]))
        assert response.status_code == 200

    def test_a_draft_is_for_its_authors_and_moderators_only(self, client, world):
        draft = DraftFactory(owner=world.member, lab=world.lab, steps=["Cut"])
        url = reverse("projects:documentation_pdf", args=[draft.slug])
        assert client.get(url).status_code == 404
        client.force_login(world.other_staff)
        assert client.get(url).status_code == 404
        client.force_login(world.other_member)
        assert client.get(url).status_code == 404
        client.force_login(world.staff)
        assert client.get(url).status_code == 200


class TestFilesZip:
    def test_it_holds_the_files_a_readme_and_the_licence(self, client, lamp):
        response = client.get(reverse("projects:files_zip", args=[lamp.slug]), HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 200
        assert response["Content-Disposition"] == f'attachment; filename="{lamp.slug}.zip"'
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        folder = lamp.slug
        assert sorted(archive.namelist()) == sorted(
            [
                f"{folder}/README.md",
                f"{folder}/LICENCE.txt",
                f"{folder}/files/panel.svg",
                f"{folder}/files/panel-2.svg",
                f"{folder}/files/manual.pdf",
            ]
        )
        assert archive.read(f"{folder}/files/manual.pdf") == GOOD["manual.pdf"]
        readme = archive.read(f"{folder}/README.md").decode()
        assert readme.startswith("# Plywood lamp")
        assert "Mia Member, Tina Trainer" in readme
        assert "### Step 1: Cut the panels" in readme
        assert "files/panel-2.svg" in readme
        assert "2.5 m² × Birch plywood" in readme or "2,5 m² × Birch plywood" in readme
        licence = archive.read(f"{folder}/LICENCE.txt").decode()
        assert "SPDX-License-Identifier: CERN-OHL-W-2.0" in licence
        assert "https://ohwr.org/cern_ohl_w_v2.txt" in licence

    def test_a_draft_is_not_found_by_others(self, client, world):
        draft = DraftFactory(owner=world.member, lab=world.lab)
        url = reverse("projects:files_zip", args=[draft.slug])
        assert client.get(url).status_code == 404
        client.force_login(world.other_staff)
        assert client.get(url).status_code == 404
        client.force_login(world.member)
        assert client.get(url).status_code == 200

    def test_the_project_page_links_both_downloads(self, client, lamp):
        content = client.get(lamp.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f'href="/projects/{lamp.slug}/documentation.pdf"' in content
        assert f'href="/projects/{lamp.slug}/files.zip"' in content
