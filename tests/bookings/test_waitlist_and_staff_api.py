import pytest
import time_machine

from bookings.models import Booking, WaitlistEntry
from bookings.services import booking_create
from tests.bookings.conftest import END, START, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def taken(world, laser):
    return booking_create(member=world.member, machine=laser, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))


class TestWaitlistApi:
    def test_a_member_joins_is_offered_and_accepts(self, api, world, laser, taken):
        api.force_authenticate(world.other_member)
        response = api.post("/api/v1/waitlist/", {"machine": laser.pk, "start": START, "end": END}, format="json")
        assert response.status_code == 201
        entry_id = response.json()["id"]
        api.force_authenticate(world.member)
        api.post(f"/api/v1/bookings/{taken.pk}/cancel/")
        api.force_authenticate(world.other_member)
        entry = api.get(f"/api/v1/waitlist/{entry_id}/").json()
        assert entry["status"] == "offered"
        assert entry["offer_expires_at"]
        accepted = api.post(f"/api/v1/waitlist/{entry_id}/accept/")
        assert accepted.status_code == 200
        assert (accepted.json()["status"], accepted.json()["credits_minutes"]) == ("confirmed", 60)

    def test_joining_a_free_slot_is_a_400(self, api, world, laser):
        api.force_authenticate(world.other_member)
        response = api.post("/api/v1/waitlist/", {"machine": laser.pk, "start": START, "end": END}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "slot_free"

    def test_joining_twice_is_a_409(self, api, world, laser, taken):
        api.force_authenticate(world.other_member)
        payload = {"machine": laser.pk, "start": START, "end": END}
        api.post("/api/v1/waitlist/", payload, format="json")
        response = api.post("/api/v1/waitlist/", payload, format="json")
        assert response.status_code == 409
        assert response.json()["code"] == "already_waiting"

    def test_another_members_entry_is_invisible(self, api, world, laser, taken):
        entry = WaitlistEntry.objects.create(machine=laser, member=world.other_member, start=taken.start, end=taken.end)
        api.force_authenticate(world.staff)
        assert api.get(f"/api/v1/waitlist/{entry.pk}/").status_code == 404
        assert api.post(f"/api/v1/waitlist/{entry.pk}/leave/").status_code == 404


class TestStaffToolsApi:
    def test_staff_block_time_weekly_and_see_skipped_dates(self, api, world, laser, taken):
        api.force_authenticate(world.staff)
        response = api.post(
            "/api/v1/blocks/",
            {
                "machine": laser.pk,
                "start": "2026-03-17T10:00:00+01:00",
                "end": "2026-03-17T11:00:00+01:00",
                "repeat_weekly_until": "2026-03-31",
                "note": "Course",
            },
            format="json",
        )
        assert response.status_code == 400  # the first date is in the past

        response = api.post(
            "/api/v1/blocks/",
            {
                "machine": laser.pk,
                "start": "2026-03-24T10:00:00+01:00",
                "end": "2026-03-24T11:00:00+01:00",
                "repeat_weekly_until": "2026-04-07",
                "note": "Course",
            },
            format="json",
        )
        assert response.status_code == 201
        body = response.json()
        assert [block["start"] for block in body["blocks"]] == [
            "2026-03-31T08:00:00+00:00",
            "2026-04-07T08:00:00+00:00",
        ]
        assert body["skipped"] == [{"start": "2026-03-24T10:00:00+01:00", "end": "2026-03-24T11:00:00+01:00"}]

    @pytest.mark.parametrize("who", ["member", "other_staff", "trainer"])
    def test_only_the_labs_staff_block_time(self, api, world, laser, who):
        api.force_authenticate(getattr(world, who))
        response = api.post("/api/v1/blocks/", {"machine": laser.pk, "start": START, "end": END}, format="json")
        assert response.status_code == 403
        assert Booking.objects.count() == 0

    def test_staff_check_in_and_members_cannot(self, api, world, taken):
        with time_machine.travel(utc(2026, 3, 24, 9, 5), tick=False):
            api.force_authenticate(world.member)
            assert api.post(f"/api/v1/bookings/{taken.pk}/check-in/").status_code == 403
            api.force_authenticate(world.other_staff)
            assert api.post(f"/api/v1/bookings/{taken.pk}/check-in/").status_code == 404
            api.force_authenticate(world.staff)
            response = api.post(f"/api/v1/bookings/{taken.pk}/check-in/")
        assert response.status_code == 200
        assert response.json()["status"] == "checked_in"

    def test_staff_mark_a_no_show(self, api, world, taken):
        with time_machine.travel(utc(2026, 3, 24, 9, 30), tick=False):
            api.force_authenticate(world.staff)
            response = api.post(f"/api/v1/bookings/{taken.pk}/no-show/")
        assert response.status_code == 200
        assert response.json()["status"] == "no_show"
