import pytest

from bookings.models import Booking
from bookings.services import booking_create
from fablab.credits.models import LedgerEntry
from tests.bookings.conftest import END, START, utc

pytestmark = pytest.mark.django_db


def book(api, user, machine, start=START, end=END):
    api.force_authenticate(user)
    return api.post("/api/v1/bookings/", {"machine": machine.pk, "start": start, "end": end}, format="json")


class TestCreateBookingApi:
    def test_it_creates_a_booking_and_answers_201_with_the_contract_fields(self, api, world, laser):
        response = book(api, world.member, laser)
        assert response.status_code == 201
        body = response.json()
        assert {"id", "machine", "start", "end", "status", "credits_minutes"} <= set(body)
        assert (body["machine"], body["status"], body["credits_minutes"]) == (laser.pk, "confirmed", 60)
        assert body["start"] == "2026-03-24T09:00:00+00:00"

    def test_it_answers_409_slot_taken_for_a_taken_slot(self, api, world, laser):
        book(api, world.member, laser)
        response = book(api, world.other_member, laser)
        assert response.status_code == 409
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "slot_taken"

    @pytest.mark.parametrize(
        "start, end, field",
        [
            ("2026-03-24T10:00:00", "2026-03-24T11:00:00", "start"),
            ("tomorrow", END, "start"),
            (START, None, "end"),
        ],
    )
    def test_it_answers_400_for_malformed_times_and_writes_nothing(self, api, world, laser, start, end, field):
        api.force_authenticate(world.member)
        payload = {"machine": laser.pk, "start": start, **({"end": end} if end else {})}
        response = api.post("/api/v1/bookings/", payload, format="json")
        assert response.status_code == 400
        assert field in response.json()["errors"]
        assert Booking.objects.count() == 0

    def test_it_answers_400_with_the_rule_code_when_a_rule_refuses(self, api, world, laser):
        response = book(api, world.member, laser, "2026-03-24T10:10:00+01:00", "2026-03-24T11:10:00+01:00")
        assert response.status_code == 400
        assert response.json()["code"] == "off_grid"
        assert LedgerEntry.objects.filter(kind="booking_debit").count() == 0

    def test_it_answers_400_for_an_unknown_machine(self, api, world, laser):
        api.force_authenticate(world.member)
        response = api.post("/api/v1/bookings/", {"machine": 999999, "start": START, "end": END}, format="json")
        assert response.status_code == 400
        assert "machine" in response.json()["errors"]

    def test_anonymous_callers_get_401(self, api, laser):
        response = api.post("/api/v1/bookings/", {"machine": laser.pk, "start": START, "end": END}, format="json")
        assert response.status_code == 401

    def test_staff_book_on_behalf_of_a_member(self, api, world, laser):
        api.force_authenticate(world.staff)
        response = api.post(
            "/api/v1/bookings/",
            {"machine": laser.pk, "start": START, "end": END, "member": world.member.pk},
            format="json",
        )
        assert response.status_code == 201
        assert Booking.objects.get().member == world.member

    @pytest.mark.parametrize("who", ["other_member", "other_staff", "trainer"])
    def test_only_the_labs_staff_book_on_behalf_of_someone_else(self, api, world, laser, who):
        api.force_authenticate(getattr(world, who))
        response = api.post(
            "/api/v1/bookings/",
            {"machine": laser.pk, "start": START, "end": END, "member": world.member.pk},
            format="json",
        )
        assert response.status_code == 403
        assert Booking.objects.count() == 0


class TestReadAndCancelBookingApi:
    @pytest.fixture
    def booking(self, world, laser):
        return booking_create(member=world.member, machine=laser, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))

    @pytest.mark.parametrize(
        "who, visible",
        [
            ("member", True),
            ("staff", True),
            ("superuser", True),
            ("other_member", False),
            ("other_staff", False),
            ("trainer", False),
        ],
    )
    def test_a_booking_is_visible_to_its_owner_and_the_labs_staff_only(self, api, world, booking, who, visible):
        api.force_authenticate(getattr(world, who))
        listed = [item["id"] for item in api.get("/api/v1/bookings/").json()["results"]]
        detail = api.get(f"/api/v1/bookings/{booking.pk}/")
        assert (booking.pk in listed) is visible
        assert detail.status_code == (200 if visible else 404)

    def test_the_owner_cancels_and_gets_the_booking_back(self, api, world, booking):
        api.force_authenticate(world.member)
        response = api.post(f"/api/v1/bookings/{booking.pk}/cancel/")
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["refunded_minutes"]) == ("cancelled", 60)

    def test_cancelling_twice_answers_409(self, api, world, booking):
        api.force_authenticate(world.member)
        api.post(f"/api/v1/bookings/{booking.pk}/cancel/")
        response = api.post(f"/api/v1/bookings/{booking.pk}/cancel/")
        assert response.status_code == 409
        assert response.json()["code"] == "not_active"

    @pytest.mark.parametrize("who", ["other_member", "other_staff"])
    def test_another_member_or_another_labs_staff_cannot_cancel(self, api, world, booking, who):
        api.force_authenticate(getattr(world, who))
        assert api.post(f"/api/v1/bookings/{booking.pk}/cancel/").status_code == 404
        booking.refresh_from_db()
        assert booking.status == "confirmed"

    def test_the_list_filters_by_machine_and_status(self, api, world, booking, laser):
        api.force_authenticate(world.member)
        assert api.get(f"/api/v1/bookings/?machine={laser.pk}&status=confirmed").json()["count"] == 1
        assert api.get("/api/v1/bookings/?status=cancelled").json()["count"] == 0

    def test_the_list_runs_a_constant_number_of_queries(self, api, world, laser, django_assert_max_num_queries):
        for hour in range(8, 16):
            booking_create(
                member=world.member, machine=laser, start=utc(2026, 3, 25, hour), end=utc(2026, 3, 25, hour, 30)
            )
        api.force_authenticate(world.member)
        with django_assert_max_num_queries(4):
            api.get("/api/v1/bookings/")
