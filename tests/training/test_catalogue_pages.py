"""The public training catalogue: courses, prices, qualifications and upcoming sessions, per lab."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import LabFactory, MachineFactory, UserFactory
from tests.training.conftest import CourseFactory, SessionFactory, utc
from training.models import SessionStatus
from training.services import enrollment_create

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
URL = reverse("training:list")


@pytest.fixture
def laser_course(course):
    course.title = "Laser safety"
    course.description = "Bring closed shoes."
    course.audience = "Adults"
    course.save()
    return course


class TestCatalogue:
    def test_it_shows_courses_with_prices_qualifications_and_upcoming_sessions(
        self, client, frozen_now, laser_course, lab, machine
    ):
        upcoming = SessionFactory(course=laser_course, lab=lab)  # Thu 26 March, 14:00 in Paris
        enrollment_create(session=upcoming, member=UserFactory())
        SessionFactory(course=laser_course, lab=lab, start=utc(2026, 3, 20, 13))  # past
        SessionFactory(course=laser_course, lab=lab, start=utc(2026, 3, 27, 13), status=SessionStatus.CANCELLED)
        response = client.get(URL, **EN)
        content = response.content.decode()
        assert response.status_code == 200
        assert "Laser safety" in content and "Bring closed shoes." in content and "Adults" in content
        assert "2 hours" in content
        assert "€40.00" in content and "members of the lab: €20.00" in content
        assert reverse("machines:detail", args=[machine.pk]) in content
        assert "Thu 26 Mar 2026" in content and "14:00–16:00" in content
        assert reverse("training:session", args=[upcoming.pk]) in content
        sessions = content.split("<tbody>")[1].split("</tbody>")[0]
        assert sessions.count("<tr>") == 1  # neither the past nor the cancelled session
        assert "<td>2</td>" in sessions  # seats left: 3 minus 1

    def test_it_formats_prices_the_french_way_in_french(self, client, frozen_now, laser_course):
        content = client.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert "40,00\u00a0€" in content

    def test_it_says_when_a_session_is_full(self, client, frozen_now, laser_course, lab):
        session = SessionFactory(course=laser_course, lab=lab, capacity=1)
        enrollment_create(session=session, member=UserFactory())
        assert "Full: waiting list" in client.get(URL, **EN).content.decode()

    def test_it_leaves_unpublished_courses_out(self, client, frozen_now, laser_course):
        CourseFactory(title="Secret course", is_published=False)
        content = client.get(URL, **EN).content.decode()
        assert "Laser safety" in content and "Secret course" not in content

    def test_it_filters_by_lab(self, client, frozen_now, laser_course, lab):
        other_lab = LabFactory(slug="maurepas", name="Maurepas")
        embroidery = CourseFactory(title="Embroidery")
        SessionFactory(course=laser_course, lab=lab)
        SessionFactory(course=embroidery, lab=other_lab, start=utc(2026, 3, 24, 15))
        content = client.get(URL, {"lab": "maurepas"}, **EN).content.decode()
        assert "Embroidery" in content
        assert "Laser safety" not in content  # no session at Maurepas, no machine of Maurepas
        content = client.get(URL, {"lab": "rennes"}, **EN).content.decode()
        assert "Laser safety" in content and "Embroidery" not in content

    def test_a_course_qualifying_for_a_machine_of_the_lab_shows_without_a_session(
        self, client, frozen_now, laser_course, lab
    ):
        content = client.get(URL, {"lab": "rennes"}, **EN).content.decode()
        assert "Laser safety" in content and "No session planned at" in content

    def test_an_unknown_lab_is_a_400_with_every_course(self, client, frozen_now, laser_course):
        response = client.get(URL, {"lab": "atlantis"}, **EN)
        assert response.status_code == 400
        assert 'role="alert"' in response.content.decode()
        assert "Laser safety" in response.content.decode()

    def test_it_runs_the_same_queries_for_3_or_20_sessions(self, client, frozen_now, laser_course, lab):
        other_course = CourseFactory()
        other_course.qualifies_for.add(MachineFactory(lab=lab))
        other_course.prerequisites.add(laser_course)

        def add_sessions(count):
            for n in range(count):
                for course in (laser_course, other_course):
                    SessionFactory(course=course, lab=lab, start=utc(2026, 4, 1, 8) + dt.timedelta(days=n))

        def queries():
            with CaptureQueriesContext(connection) as captured:
                assert client.get(URL, **EN).status_code == 200
            return len(captured)

        add_sessions(3)
        few = queries()
        add_sessions(17)
        assert queries() == few
        assert few == 5  # labs for the filter, courses, machines, prerequisites, sessions
