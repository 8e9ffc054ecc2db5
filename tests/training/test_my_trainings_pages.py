"""My trainings: coming and past enrollments with their actions, and my qualifications."""

import datetime as dt

import pytest
from django.urls import reverse

from machines.services import qualification_grant, qualification_revoke
from tests.factories import MachineFactory
from tests.training.conftest import SessionFactory, utc
from training.models import Enrollment, EnrollmentStatus
from training.services import enrollment_cancel, enrollment_create

pytestmark = pytest.mark.django_db

URL = reverse("training:mine")


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


class TestMyTrainings:
    def test_it_lists_coming_and_past_enrollments_with_their_status(self, signed_in, session, member, lab):
        coming = enrollment_create(session=session, member=member)
        past_session = SessionFactory(course=session.course, lab=lab, start=utc(2026, 3, 2, 13))
        past = Enrollment.objects.create(session=past_session, member=member, status=EnrollmentStatus.ATTENDED)
        content = signed_in.get(URL).content.decode()
        upcoming_part, past_part = content.split('id="upcoming"')[1].split('id="past"')
        assert "Thu 26 Mar 2026" in upcoming_part and "Seat confirmed" in upcoming_part
        assert reverse("training:enrollment_cancel", args=[coming.pk]) in upcoming_part
        assert "Mon 2 Mar 2026" in past_part and "Attended" in past_part
        assert reverse("training:enrollment_cancel", args=[past.pk]) not in content

    def test_an_offered_seat_can_be_taken_from_the_list(self, signed_in, session, member, people):
        seats = [enrollment_create(session=session, member=person) for person in people[:3]]
        waiting = enrollment_create(session=session, member=member)
        enrollment_cancel(enrollment=seats[0], by=people[0])
        content = signed_in.get(URL).content.decode()
        accept = reverse("training:enrollment_accept", args=[waiting.pk])
        assert accept in content
        response = signed_in.post(accept, {"next": URL})
        assert response["Location"] == URL
        waiting.refresh_from_db()
        assert waiting.status == EnrollmentStatus.CONFIRMED

    def test_it_shows_the_live_qualifications_with_their_expiry(self, signed_in, frozen_now, member, lab):
        laser = MachineFactory(lab=lab, name="Trotec")
        printer = MachineFactory(lab=lab, name="Prusa")
        cnc = MachineFactory(lab=lab, name="Shaper")
        qualification_grant(user=member, machine=laser, expires_at=frozen_now + dt.timedelta(days=365))
        qualification_grant(user=member, machine=printer)
        revoked = qualification_grant(user=member, machine=cnc)
        qualification_revoke(qualification=revoked, by=None, reason="Unsafe use")
        part = signed_in.get(URL).content.decode().split('id="qualifications"')[1].split('id="past"')[0]
        assert "Trotec" in part and "23 Mar 2027" in part
        assert "Prusa" in part and "No expiry" in part
        assert "Shaper" not in part

    def test_other_members_enrollments_are_not_shown(self, signed_in, session, people):
        enrollment_create(session=session, member=people[0])
        assert "No training coming up." in signed_in.get(URL).content.decode()

    def test_anonymous_visitors_are_sent_to_log_in(self, client):
        assert client.get(URL)["Location"].startswith("/accounts/login/?next=")
