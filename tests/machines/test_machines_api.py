import pytest

from bookings.services import booking_create
from machines.models import MachineStatus
from tests.bookings.conftest import utc
from tests.factories import (
    CategoryFactory,
    LabFactory,
    MachineFactory,
    MaintenanceWindowFactory,
    UserFactory,
    give_credits,
)

pytestmark = pytest.mark.django_db


class TestMachinesApi:
    def test_it_lists_public_machines_filtered_by_lab_category_and_status(self, client):
        rennes, other = LabFactory(slug="rennes"), LabFactory(slug="other")
        printer = CategoryFactory(slug="3d-printer", name="3D printer")
        MachineFactory(lab=rennes, name="Laser")
        MachineFactory(lab=rennes, name="Prusa", category=printer, status=MachineStatus.MAINTENANCE)
        MachineFactory(lab=other, name="Elsewhere")
        MachineFactory(lab=rennes, name="Hidden", is_public=False)

        def names(query):
            return sorted(m["name"] for m in client.get(f"/api/v1/machines/{query}").json()["results"])

        assert names("") == ["Elsewhere", "Laser", "Prusa"]
        assert names("?lab=rennes") == ["Laser", "Prusa"]
        assert names("?category=3d-printer") == ["Prusa"]
        assert names("?status=maintenance") == ["Prusa"]
        assert client.get("/api/v1/machines/?status=broken").status_code == 400

    def test_an_unknown_machine_is_a_404(self, client):
        assert client.get("/api/v1/machines/424242/").status_code == 404


class TestAvailabilityApi:
    def test_it_returns_free_and_busy_time_in_utc(self, client, frozen_now):
        lab = LabFactory(hours=[(1, "09:00", "12:00")])  # Tuesdays
        machine = MachineFactory(lab=lab, buffer_minutes=30)
        member = UserFactory()
        give_credits(member, lab, 600)
        booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))
        MaintenanceWindowFactory(machine=machine, start=utc(2026, 3, 24, 10, 30), end=utc(2026, 3, 24, 10, 45))
        response = client.get(
            f"/api/v1/machines/{machine.pk}/availability/",
            {"start": "2026-03-24T00:00:00+01:00", "end": "2026-03-25T00:00:00+01:00"},
        )
        assert response.status_code == 200
        assert response.json() == {
            "machine": machine.pk,
            "free": [
                {"start": "2026-03-24T08:00:00+00:00", "end": "2026-03-24T09:00:00+00:00"},
                {"start": "2026-03-24T10:45:00+00:00", "end": "2026-03-24T11:00:00+00:00"},
            ],
            "busy": [{"start": "2026-03-24T09:00:00+00:00", "end": "2026-03-24T10:45:00+00:00"}],
        }

    @pytest.mark.parametrize(
        "params",
        [
            {},
            {"start": "2026-03-24T00:00:00", "end": "2026-03-25T00:00:00"},
            {"start": "2026-03-25T00:00:00+01:00", "end": "2026-03-24T00:00:00+01:00"},
            {"start": "2026-01-01T00:00:00+01:00", "end": "2026-12-31T00:00:00+01:00"},
            {"start": "garbage", "end": "2026-03-24T00:00:00+01:00"},
        ],
    )
    def test_it_answers_400_for_bad_ranges(self, client, params):
        machine = MachineFactory()
        response = client.get(f"/api/v1/machines/{machine.pk}/availability/", params)
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"

    def test_it_runs_the_same_queries_for_few_or_many_bookings(self, client, frozen_now, django_assert_num_queries):
        lab = LabFactory(hours=[(day, "08:00", "20:00") for day in range(7)])
        machine = MachineFactory(lab=lab, max_minutes=720)
        member = UserFactory()
        give_credits(member, lab, 100_000)
        params = {"start": "2026-03-23T00:00:00+01:00", "end": "2026-03-30T00:00:00+02:00"}
        url = f"/api/v1/machines/{machine.pk}/availability/"
        booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))
        with django_assert_num_queries(5) as few:
            client.get(url, params)
        for day in range(25, 30):
            for hour in range(8, 16, 2):
                booking_create(
                    member=member, machine=machine, start=utc(2026, 3, day, hour), end=utc(2026, 3, day, hour, 30)
                )
        with django_assert_num_queries(len(few.captured_queries)):
            client.get(url, params)
