import pytest
from rest_framework.test import APIClient

from tests.training.conftest import SessionFactory, utc
from training.models import Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


class TestTrainingsApi:
    def test_the_public_lists_courses_and_upcoming_sessions_with_seats_left(self, api, session, people):
        from training.services import enrollment_create

        enrollment_create(session=session, member=people[0])
        SessionFactory(course=session.course, lab=session.lab, start=utc(2026, 3, 1, 9))  # past
        courses = api.get("/api/v1/trainings/courses/").json()
        assert [course["slug"] for course in courses["results"]] == [session.course.slug]
        sessions = api.get("/api/v1/trainings/sessions/").json()["results"]
        assert [(s["id"], s["seats_left"]) for s in sessions] == [(session.pk, 2)]

    def test_a_member_enrolls_and_cancels(self, api, session, people):
        api.force_authenticate(people[0])
        response = api.post("/api/v1/trainings/enrollments/", {"session": session.pk}, format="json")
        assert response.status_code == 201
        assert response.json()["status"] == "confirmed"
        enrollment_id = response.json()["id"]
        again = api.post("/api/v1/trainings/enrollments/", {"session": session.pk}, format="json")
        assert again.status_code == 409
        assert again.json()["code"] == "already_enrolled"
        assert api.post(f"/api/v1/trainings/enrollments/{enrollment_id}/cancel/").json()["status"] == "cancelled"

    def test_another_members_enrollment_is_invisible(self, api, session, people):
        api.force_authenticate(people[0])
        enrollment_id = api.post("/api/v1/trainings/enrollments/", {"session": session.pk}, format="json").json()["id"]
        api.force_authenticate(people[1])
        assert api.get(f"/api/v1/trainings/enrollments/{enrollment_id}/").status_code == 404
        assert api.post(f"/api/v1/trainings/enrollments/{enrollment_id}/cancel/").status_code == 404
        assert Enrollment.objects.get().status == "confirmed"

    def test_anonymous_cannot_enroll(self, api, session):
        assert api.post("/api/v1/trainings/enrollments/", {"session": session.pk}, format="json").status_code == 401
