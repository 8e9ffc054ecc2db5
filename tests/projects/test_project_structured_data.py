"""The project page carries schema.org HowTo data; /sitemap.xml lists the public pages."""

import json
import re

import pytest

from tests.projects.factories import DraftFactory, StepFactory
from tests.projects.test_project_detail_page import get, lamp  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def howto(response):
    match = re.search(
        r'<script type="application/ld\+json" nonce="[^"]+">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


class TestHowTo:
    def test_it_describes_the_steps_supplies_tools_and_licence(self, client, lamp):  # noqa: F811
        data = howto(get(client, lamp))
        assert (data["@type"], data["name"], data["totalTime"]) == ("HowTo", "Plywood lamp", "PT150M")
        assert [step["name"] for step in data["step"]] == ["Cut the panels", "Glue"]
        assert data["supply"] == [{"@type": "HowToSupply", "name": "Birch plywood"}]
        assert data["tool"] == [{"@type": "HowToTool", "name": "Trotec"}]
        assert data["license"].startswith("https://")

    def test_a_step_cannot_break_out_of_the_script_element(self, client, lamp):  # noqa: F811
        StepFactory(project=lamp, position=3, title="</script><script>alert(1)</script>")
        content = get(client, lamp).content.decode()
        assert "</script><script>alert(1)" not in content
        assert howto(get(client, lamp))["step"][2]["name"] == "</script><script>alert(1)</script>"


class TestSitemap:
    def test_it_lists_published_projects_and_public_pages_only(self, client, lamp, world):  # noqa: F811
        draft = DraftFactory(owner=world.member, lab=world.lab, title="Secret draft")
        index = client.get("/sitemap.xml")
        assert index.status_code == 200
        sections = re.findall(r"<loc>[^<]*/(sitemap-\w+\.xml)</loc>", index.content.decode())
        assert set(sections) == {
            "sitemap-pages.xml",
            "sitemap-labs.xml",
            "sitemap-machines.xml",
            "sitemap-projects.xml",
        }
        projects = client.get("/sitemap-projects.xml").content.decode()
        assert f"/projects/{lamp.slug}/" in projects
        assert f"/projects/{draft.slug}/" not in projects
        assert "/labs/lab-a/" in client.get("/sitemap-labs.xml").content.decode()
