"""/projects/feed/: Atom feeds of published projects, all of them or one lab's or one tag's."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tests.projects.factories import DraftFactory, ProjectFactory, TagFactory

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client, url):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content).findall(f"{ATOM}entry")


class TestProjectFeed:
    def test_it_lists_published_projects_newest_first(self, client, world):
        start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
        old = ProjectFactory(
            title="Old lamp", published_at=start, owner=world.member, tags=[TagFactory(name="lighting")]
        )
        ProjectFactory(title="New vase", published_at=start + dt.timedelta(days=1), summary="<b>Vase</b> & co")
        DraftFactory(title="Draft")
        items = entries(client, reverse("projects:feed"))
        assert [item.find(f"{ATOM}title").text for item in items] == ["New vase", "Old lamp"]
        assert items[0].find(f"{ATOM}summary").text == "&lt;b&gt;Vase&lt;/b&gt; &amp; co"  # text, not markup
        assert items[1].find(f"{ATOM}author/{ATOM}name").text == "Mia Member"
        assert items[1].find(f"{ATOM}category").get("term") == "lighting"
        assert items[1].find(f"{ATOM}link").get("href").endswith(f"/projects/{old.slug}/")

    def test_it_has_a_feed_per_lab_and_per_tag(self, client, world):
        ProjectFactory(title="Lamp", lab=world.lab, tags=[TagFactory(name="lighting")])
        ProjectFactory(title="Vase", lab=world.other_lab)
        assert [e.find(f"{ATOM}title").text for e in entries(client, reverse("projects:lab_feed", args=["lab-b"]))] == [
            "Vase"
        ]
        assert [
            e.find(f"{ATOM}title").text for e in entries(client, reverse("projects:tag_feed", args=["lighting"]))
        ] == ["Lamp"]
        assert client.get(reverse("projects:tag_feed", args=["nothing"])).status_code == 404

    def test_the_list_page_points_to_it(self, client, world):
        assert (
            'type="application/atom+xml" href="/projects/feed/"'
            in client.get(reverse("projects:list")).content.decode()
        )
