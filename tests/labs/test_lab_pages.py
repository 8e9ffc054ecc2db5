import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from tests.factories import ClosureFactory, LabFactory

pytestmark = pytest.mark.django_db


class TestHomePage:
    def test_it_lists_active_labs_with_their_main_lab(self, client):
        main = LabFactory(name="Fab Lab Rennes", slug="rennes")
        LabFactory(name="Les Champs Libres", slug="champs-libres", main_lab=main)
        LabFactory(name="Closed down", slug="gone", is_active=False)
        response = client.get("/")
        assert response.status_code == 200
        content = response.content.decode()
        assert "Fab Lab Rennes" in content
        assert "Les Champs Libres" in content
        assert "Closed down" not in content

    def test_it_says_whether_each_lab_is_open_now(self, client):
        LabFactory(name="Open lab", hours=[(2, "09:00", "18:00")])  # Wednesday
        with time_machine.travel(dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC), tick=False):
            assert "Open now" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        with time_machine.travel(dt.datetime(2026, 11, 25, 20, tzinfo=dt.UTC), tick=False):
            assert "Closed now" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    def test_it_runs_the_same_number_of_queries_for_3_or_12_labs(
        self, client, django_assert_num_queries, built_every_time
    ):
        for _ in range(3):
            ClosureFactory(lab=LabFactory())
        client.get("/")  # warm up sessions and content types
        with django_assert_num_queries(3) as small:
            client.get("/")
        for _ in range(9):
            ClosureFactory(lab=LabFactory())
        with django_assert_num_queries(len(small.captured_queries)):
            client.get("/")


class TestLabPage:
    def test_it_shows_hours_closures_and_contact(self, client):
        lab = LabFactory(slug="rennes", email="hello@lab.test", hours=[(0, "10:00", "19:00")])
        ClosureFactory(lab=lab, reason="Inventory day")
        response = client.get(reverse("frontend:lab", args=["rennes"]), HTTP_ACCEPT_LANGUAGE="en")
        content = response.content.decode()
        assert response.status_code == 200
        assert "10:00–19:00" in content
        assert "Inventory day" in content
        assert "hello@lab.test" in content

    def test_it_answers_404_for_an_unknown_or_inactive_lab(self, client):
        LabFactory(slug="asleep", is_active=False)
        assert client.get("/labs/nowhere/").status_code == 404
        assert client.get("/labs/asleep/").status_code == 404

    @pytest.mark.parametrize("path", ["/legal/", "/accessibility/"])
    def test_it_serves_the_legal_and_accessibility_pages(self, client, path):
        LabFactory(legal_name="Association Test", registration_number="123 456 789 00012")
        response = client.get(path)
        assert response.status_code == 200
