"""Trainer pages: the sessions I run, a session's roster and attendance, the sign-in sheet."""

import pytest
import time_machine
from django.urls import reverse

from fablab.labs.models import Role
from machines.models import Qualification
from tests.factories import MachineFactory, MembershipFactory, UserFactory
from tests.training.conftest import CourseFactory, SessionFactory, utc
from training.models import Enrollment, EnrollmentStatus, SessionStatus
from training.services import enrollment_create

pytestmark = pytest.mark.django_db

DURING = utc(2026, 3, 26, 14)  # the session runs 13:00–15:00 UTC


@pytest.fixture
def machine(world):
    return MachineFactory(lab=world.lab, name="Trotec", requires_qualification=True)


@pytest.fixture
def session(world, frozen_now, machine):
    course = CourseFactory(title="Laser safety", qualification_valid_days=365)
    course.qualifies_for.add(machine)
    return SessionFactory(course=course, lab=world.lab, trainer=world.trainer)


@pytest.fixture
def seats(world, session):
    """Mia and Oscar have seats; a third person waits."""
    waiting = UserFactory(full_name="Wanda Waiting")
    enrollments = [enrollment_create(session=session, member=person) for person in (world.member, world.other_member)]
    session.capacity = 2
    session.save()
    enrollments.append(enrollment_create(session=session, member=waiting))
    return enrollments


def roster_url(session):
    return reverse("training:roster", args=[session.pk])


def sheet_url(session):
    return reverse("training:sign_in_sheet", args=[session.pk])


def written():
    return list(Enrollment.objects.order_by("pk").values_list("status", flat=True)), Qualification.objects.count()


class TestRosterAccess:
    def test_the_sessions_trainer_and_the_labs_staff_see_it(self, client, world, session, seats):
        for user in (world.trainer, world.staff, world.superuser):
            client.force_login(user)
            for url in (roster_url(session), sheet_url(session)):
                assert client.get(url).status_code == 200, (user, url)

    def test_everyone_else_gets_a_404(self, client, world, session, seats):
        other_trainer = UserFactory()
        MembershipFactory(user=other_trainer, lab=world.lab, role=Role.TRAINER)
        for user in (other_trainer, world.other_staff, world.member):
            client.force_login(user)
            for url in (roster_url(session), sheet_url(session)):
                assert client.get(url).status_code == 404, (user, url)
                assert client.post(url).status_code in (404, 405)

    def test_a_trainer_who_left_the_lab_loses_the_roster(self, client, world, session):
        world.trainer.memberships.all().delete()
        client.force_login(world.trainer)
        assert client.get(roster_url(session)).status_code == 404

    def test_anonymous_visitors_are_sent_to_log_in(self, client, session):
        for url in (roster_url(session), sheet_url(session), reverse("training:teach")):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


class TestRoster:
    def test_it_lists_the_seats_and_the_waiting_list(self, client, world, session, seats):
        client.force_login(world.trainer)
        content = client.get(roster_url(session)).content.decode()
        assert "Mia Member" in content and "Oscar Other" in content
        assert content.index("Wanda Waiting") > content.index('id="waiting"')
        assert "Attendance opens when the session starts" in content  # before 14:00 Paris
        assert 'name="present"' not in content

    def test_it_shows_one_large_checkbox_per_seat_once_started(self, client, world, session, seats):
        client.force_login(world.trainer)
        with time_machine.travel(DURING, tick=False):
            content = client.get(roster_url(session)).content.decode()
        assert content.count('type="checkbox" name="present"') == 2
        assert f'<label class="roster-mark" for="present-{seats[0].pk}">' in content
        assert f'value="{seats[2].pk}"' not in content  # waiting: no seat to mark

    def test_attendance_grants_the_qualification(self, client, world, session, seats, machine):
        client.force_login(world.trainer)
        data = {"enrollment": [seats[0].pk, seats[1].pk], "present": [seats[0].pk]}
        with time_machine.travel(DURING, tick=False):
            response = client.post(roster_url(session), data)
            assert response.status_code == 302 and response["Location"] == roster_url(session)
            content = client.get(response["Location"]).content.decode()
        assert "Attendance recorded (present: 1, absent: 1)." in content
        assert "Those present are now qualified for Trotec." in content
        assert [Enrollment.objects.get(pk=e.pk).status for e in seats] == ["attended", "absent", "waitlisted"]
        qualification = Qualification.objects.get()
        assert (qualification.user, qualification.machine, qualification.granted_by) == (
            world.member,
            machine,
            world.trainer,
        )
        assert qualification.expires_at == DURING.replace(year=2027)
        assert f'id="present-{seats[0].pk}" checked' in content

    def test_staff_of_the_lab_record_attendance_too(self, client, world, session, seats):
        client.force_login(world.staff)
        with time_machine.travel(DURING, tick=False):
            response = client.post(roster_url(session), {"enrollment": [seats[0].pk], "present": [seats[0].pk]})
        assert response.status_code == 302
        assert Enrollment.objects.get(pk=seats[0].pk).status == EnrollmentStatus.ATTENDED

    def test_an_unknown_enrollment_is_a_400_and_writes_nothing(self, client, world, session, seats):
        other_session = SessionFactory(course=session.course, lab=world.lab, start=utc(2026, 3, 26, 9))
        stranger = enrollment_create(session=other_session, member=UserFactory())
        client.force_login(world.trainer)
        before = written()
        with time_machine.travel(DURING, tick=False):
            for data in (
                {"enrollment": [seats[0].pk, stranger.pk], "present": [seats[0].pk, stranger.pk]},
                {"enrollment": [seats[0].pk, 999999], "present": [seats[0].pk]},
                {"enrollment": [seats[0].pk, "x"], "present": [seats[0].pk]},
                {"enrollment": [seats[0].pk], "present": [seats[1].pk]},
                {},
            ):
                response = client.post(roster_url(session), data)
                assert response.status_code == 400, data
                assert 'role="alert"' in response.content.decode()
        assert written() == before
        assert Enrollment.objects.get(pk=stranger.pk).status == EnrollmentStatus.CONFIRMED

    def test_a_waiting_enrollment_cannot_be_marked(self, client, world, session, seats):
        client.force_login(world.trainer)
        before = written()
        with time_machine.travel(DURING, tick=False):
            data = {"enrollment": [seats[0].pk, seats[2].pk], "present": [seats[0].pk]}
            response = client.post(roster_url(session), data)
        assert response.status_code == 400
        assert "Only confirmed seats can be marked." in response.content.decode()
        assert written() == before

    def test_attendance_before_the_start_is_refused(self, client, world, session, seats):
        client.force_login(world.trainer)
        response = client.post(roster_url(session), {"enrollment": [seats[0].pk], "present": [seats[0].pk]})
        assert response.status_code == 400
        assert "Attendance is recorded once the session has started." in response.content.decode()
        assert Enrollment.objects.get(pk=seats[0].pk).status == EnrollmentStatus.CONFIRMED


class TestSignInSheet:
    def test_it_lists_the_seated_people_with_room_to_sign(self, client, world, session, seats):
        client.force_login(world.trainer)
        content = client.get(sheet_url(session)).content.decode()
        assert "Mia Member" in content and "Oscar Other" in content
        assert "Wanda Waiting" not in content
        assert content.count('class="sheet-signature"') == 1 + 2 + 3  # header, two people, three blank rows
        assert "css/training.css" in content


class TestTeach:
    def test_the_trainer_sees_their_sessions_only(self, client, world, session):
        not_mine = SessionFactory(course=session.course, lab=world.lab, start=utc(2026, 3, 27, 13))
        client.force_login(world.trainer)
        content = client.get(reverse("training:teach")).content.decode()
        assert roster_url(session) in content and roster_url(not_mine) not in content

    def test_staff_see_every_session_of_their_lab(self, client, world, session):
        not_mine = SessionFactory(course=session.course, lab=world.lab, start=utc(2026, 3, 27, 13))
        elsewhere = SessionFactory(course=session.course, lab=world.other_lab, start=utc(2026, 3, 27, 13))
        client.force_login(world.staff)
        content = client.get(reverse("training:teach")).content.decode()
        assert roster_url(session) in content and roster_url(not_mine) in content
        assert roster_url(elsewhere) not in content

    def test_recent_sessions_stay_listed_for_attendance(self, client, world, session):
        client.force_login(world.trainer)
        with time_machine.travel(utc(2026, 3, 30, 8), tick=False):
            content = client.get(reverse("training:teach")).content.decode()
        assert content.index(roster_url(session)) > content.index('id="recent"')

    def test_members_are_refused(self, client, world):
        client.force_login(world.member)
        assert client.get(reverse("training:teach")).status_code == 403

    def test_a_cancelled_session_shows_its_status(self, client, world, session):
        session.status = SessionStatus.CANCELLED
        session.save()
        client.force_login(world.trainer)
        assert "Cancelled" in client.get(reverse("training:teach")).content.decode()
