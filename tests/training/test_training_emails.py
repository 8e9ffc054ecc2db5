"""Training messages added with the notification service: seats in the member's calendar, staff told of
sessions cancelled for lack of participants, qualifications about to expire."""

import datetime as dt

import pytest
import time_machine
from icalendar import Calendar

from fablab.labs.models import Role
from fablab.notifications.models import NotificationOptOut
from machines.services import qualification_grant
from tests.factories import LabFactory, MachineFactory, MembershipFactory, UserFactory
from tests.training.conftest import utc
from training.lapse import qualifications_expiry_remind
from training.services import enrollment_cancel, enrollment_create, session_cancel, sessions_cancel_under_minimum

pytestmark = pytest.mark.django_db


def ics_event(message):
    [(filename, content, mimetype)] = message.attachments
    assert filename == "event.ics"
    [event] = Calendar.from_ical(content).walk("VEVENT")
    return event, mimetype


class TestEnrollmentCalendar:
    def test_a_confirmed_seat_carries_an_ics_request(
        self, session, people, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            enrollment_create(session=session, member=people[0])
        event, mimetype = ics_event(mailoutbox[0])
        assert mimetype == "text/calendar; method=REQUEST"
        assert event["STATUS"] == "CONFIRMED"
        assert event.decoded("DTSTART") == session.start
        assert str(event["ATTENDEE"]) == f"mailto:{people[0].email}"

    def test_a_place_on_the_waiting_list_carries_none(
        self, session, people, mailoutbox, django_capture_on_commit_callbacks
    ):
        for person in people[:3]:
            enrollment_create(session=session, member=person)
        with django_capture_on_commit_callbacks(execute=True):
            enrollment_create(session=session, member=people[3])
        assert mailoutbox[0].attachments == []

    def test_a_cancelled_seat_and_a_cancelled_session_carry_an_ics_cancel(
        self, session, people, lab, mailoutbox, django_capture_on_commit_callbacks
    ):
        staff = UserFactory()
        MembershipFactory(user=staff, lab=lab, role=Role.STAFF)
        first = enrollment_create(session=session, member=people[0])
        enrollment_create(session=session, member=people[1])
        with django_capture_on_commit_callbacks(execute=True):
            enrollment_cancel(enrollment=first, by=people[0])
            session_cancel(session=session, by=staff, reason="Trainer ill")
        assert [ics_event(message)[1] for message in mailoutbox] == ["text/calendar; method=CANCEL"] * 2
        assert all(ics_event(message)[0]["STATUS"] == "CANCELLED" for message in mailoutbox)


class TestSessionUnderMinimum:
    @pytest.fixture
    def thin_session(self, session, people, lab):
        session.course.min_headcount = 2
        session.course.save()
        session.trainer = UserFactory(email="trainer@example.org", preferred_language="fr")
        session.save()
        self.staff = UserFactory(email="staff@example.org")
        MembershipFactory(user=self.staff, lab=lab, role=Role.STAFF)
        other_lab_staff = UserFactory(email="elsewhere@example.org")
        MembershipFactory(user=other_lab_staff, lab=LabFactory(), role=Role.STAFF)
        enrollment_create(session=session, member=people[0])
        return session

    def run(self, capture):
        with time_machine.travel(utc(2026, 3, 24, 14), tick=False), capture(execute=True):
            return sessions_cancel_under_minimum()

    def test_the_trainer_and_the_labs_staff_are_told(
        self, thin_session, people, mailoutbox, django_capture_on_commit_callbacks
    ):
        self.run(django_capture_on_commit_callbacks)
        told = {m.to[0]: m for m in mailoutbox if m.to[0] != people[0].email}
        assert set(told) == {"trainer@example.org", "staff@example.org"}
        assert "1 participant(s) for a minimum of 2" in told["staff@example.org"].body
        assert told["trainer@example.org"].body.startswith("Bonjour")
        assert '<html lang="fr">' in told["trainer@example.org"].alternatives[0][0]

    def test_running_it_twice_tells_them_once(
        self, thin_session, people, mailoutbox, django_capture_on_commit_callbacks
    ):
        self.run(django_capture_on_commit_callbacks)
        self.run(django_capture_on_commit_callbacks)
        assert sorted(m.to[0] for m in mailoutbox) == sorted(
            [people[0].email, "trainer@example.org", "staff@example.org"]
        )

    def test_staff_who_turned_it_off_are_not_told(
        self, thin_session, people, mailoutbox, django_capture_on_commit_callbacks
    ):
        NotificationOptOut.objects.create(user=self.staff, kind="session_under_minimum")
        self.run(django_capture_on_commit_callbacks)
        assert "staff@example.org" not in [m.to[0] for m in mailoutbox]


# Expires on Wednesday 15 April 2026 at 10:00 UTC; the lab warns 14 days before (its default).
EXPIRES = utc(2026, 4, 15, 10)
IN_WINDOW = utc(2026, 4, 2, 8)
BEFORE_WINDOW = utc(2026, 3, 30, 8)


class TestQualificationExpiring:
    @pytest.fixture
    def qualification(self, world):
        machine = MachineFactory(lab=world.lab, name="Trotec Speedy 400", requires_qualification=True)
        with time_machine.travel(utc(2026, 1, 5, 10), tick=False):
            return qualification_grant(user=world.member, machine=machine, expires_at=EXPIRES)

    @pytest.fixture
    def run_at(self, django_capture_on_commit_callbacks, mailoutbox):
        def run(when):
            mailoutbox.clear()
            with time_machine.travel(when, tick=False), django_capture_on_commit_callbacks(execute=True):
                qualifications_expiry_remind()
            return list(mailoutbox)

        return run

    def test_it_tells_the_member_before_the_date_once(self, world, qualification, run_at):
        [message] = run_at(IN_WINDOW)
        assert message.to == ["member@example.org"]
        assert message.subject == "Your qualification for Trotec Speedy 400 expires soon"
        assert run_at(IN_WINDOW) == []
        assert run_at(IN_WINDOW + dt.timedelta(days=3)) == []

    def test_it_waits_for_the_labs_window(self, qualification, run_at):
        assert run_at(BEFORE_WINDOW) == []

    def test_it_writes_in_the_members_language(self, world, qualification, run_at):
        world.member.preferred_language = "fr"
        world.member.save(update_fields=["preferred_language"])
        [message] = run_at(IN_WINDOW)
        assert message.body.startswith("Bonjour")

    def test_a_member_who_turned_it_off_hears_nothing(self, world, qualification, run_at):
        NotificationOptOut.objects.create(user=world.member, kind="qualification_expiring")
        assert run_at(IN_WINDOW) == []

    def test_an_already_expired_qualification_is_not_announced(self, world, qualification, run_at):
        assert run_at(EXPIRES + dt.timedelta(hours=1)) == []

    def test_a_lab_that_sets_no_reminder_sends_none(self, world, qualification, run_at):
        world.lab.qualification_reminder_days = 0
        world.lab.save()
        assert run_at(IN_WINDOW) == []

    def test_the_job_is_registered(self):
        from fablab.core.periodic import jobs

        assert "training.qualifications_expiring" in jobs()
