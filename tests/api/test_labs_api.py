import pytest

from tests.factories import ClosureFactory, LabFactory

pytestmark = pytest.mark.django_db


class TestLabsApi:
    def test_it_lists_labs_with_hours_and_coming_closures_paginated(self, client):
        main = LabFactory(slug="rennes", hours=[(0, "10:00", "19:00")])
        LabFactory(slug="satellite", main_lab=main)
        ClosureFactory(lab=main, reason="Holidays")
        body = client.get("/api/v1/labs/").json()
        assert body["count"] == 2
        assert {"count", "next", "previous", "results"} <= set(body)
        rennes = next(lab for lab in body["results"] if lab["slug"] == "rennes")
        assert rennes["opening_hours"] == [{"weekday": 0, "opens": "10:00:00", "closes": "19:00:00"}]
        assert rennes["closures"][0]["reason"] == "Holidays"
        assert rennes["time_zone"] == "Europe/Paris"

    def test_it_filters_satellites_by_main_lab(self, client):
        main = LabFactory(slug="rennes")
        LabFactory(slug="satellite", main_lab=main)
        LabFactory(slug="elsewhere")
        body = client.get("/api/v1/labs/?main_lab__slug=rennes").json()
        assert [lab["slug"] for lab in body["results"]] == ["satellite"]

    def test_it_shows_one_lab_by_slug_and_hides_inactive_ones(self, client):
        LabFactory(slug="rennes")
        LabFactory(slug="asleep", is_active=False)
        assert client.get("/api/v1/labs/rennes/").json()["slug"] == "rennes"
        assert client.get("/api/v1/labs/asleep/").status_code == 404

    def test_it_keeps_a_constant_number_of_queries(self, client, django_assert_max_num_queries):
        for _ in range(15):
            ClosureFactory(lab=LabFactory())
        with django_assert_max_num_queries(4):
            client.get("/api/v1/labs/")

    def test_it_serves_the_openapi_schema_and_its_docs(self, client):
        schema = client.get("/api/v1/schema/")
        assert schema.status_code == 200
        assert b"/api/v1/labs/" in schema.content
        docs = client.get("/api/v1/docs/")
        assert docs.status_code == 200
        assert b"swagger" in docs.content.lower()
        assert b"cdn" not in docs.content.lower()
