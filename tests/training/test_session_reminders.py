"""The day-before reminder of a training seat: a periodic job, idempotent, with the seat's .ics."""

import io

import pytest
import time_machine
from django.core.management import call_command
from icalendar import Calendar

from fablab.core.periodic import jobs
from fablab.notifications.models import NotificationOptOut
from tests.bookings.conftest import utc
from training.models import EnrollmentStatus
from training.reminders import enrollments_send_reminders
from training.services import enrollment_create

pytestmark = pytest.mark.django_db

# Enrolled on Monday 23 March at 08:00 UTC for the session of Thursday 26 March, 13:00 UTC.
DAY_BEFORE = utc(2026, 3, 25, 15)  # 22 hours before
TOO_EARLY = utc(2026, 3, 25, 12)  # 25 hours before


@pytest.fixture
def seat(session, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return enrollment_create(session=session, member=people[0])


@pytest.fixture
def run_at(django_capture_on_commit_callbacks, mailoutbox):
    """Run the job at `when` as the scheduler would; returns the reminders it sent."""

    def run(when):
        mailoutbox.clear()
        with time_machine.travel(when, tick=False), django_capture_on_commit_callbacks(execute=True):
            enrollments_send_reminders()
        return list(mailoutbox)

    return run


class TestSessionReminder:
    def test_it_reminds_the_member_the_day_before_with_the_ics(self, seat, people, run_at):
        [message] = run_at(DAY_BEFORE)
        assert message.to == [people[0].email]
        assert message.subject.startswith(f"Reminder: {seat.session.course.title}")
        [(filename, content, mimetype)] = message.attachments
        assert mimetype == "text/calendar; method=REQUEST" and filename.endswith(".ics")
        [event] = Calendar.from_ical(content).walk("VEVENT")
        assert event["DTSTART"].dt == seat.session.start
        assert "<html" in message.alternatives[0][0]

    def test_it_writes_in_the_members_language(self, seat, people, run_at):
        people[0].preferred_language = "fr"
        people[0].save(update_fields=["preferred_language"])
        [message] = run_at(DAY_BEFORE)
        assert message.body.startswith("Bonjour")
        assert message.subject.startswith("Rappel")

    def test_it_waits_until_the_day_before(self, seat, run_at):
        assert run_at(TOO_EARLY) == []

    def test_running_it_twice_sends_one_reminder(self, seat, run_at):
        assert len(run_at(DAY_BEFORE)) == 1
        assert run_at(DAY_BEFORE) == []

    def test_only_a_confirmed_seat_is_reminded(self, seat, session, people, run_at):
        others = [enrollment_create(session=session, member=person) for person in people[1:4]]
        assert [other.status for other in others][-1] == EnrollmentStatus.WAITLISTED  # three seats
        seated = {seat.member.email, *(other.member.email for other in others[:2])}
        assert {message.to[0] for message in run_at(DAY_BEFORE)} == seated

    def test_a_seat_taken_within_the_day_gets_no_reminder(self, session, people, run_at):
        with time_machine.travel(DAY_BEFORE, tick=False):
            enrollment_create(session=session, member=people[0])
        assert run_at(DAY_BEFORE) == []

    def test_it_sends_nothing_to_a_member_who_turned_reminders_off(self, seat, people, run_at):
        NotificationOptOut.objects.create(user=people[0], kind="session_reminder")
        assert run_at(DAY_BEFORE) == []

    def test_the_manage_py_entry_point_runs_it(self, seat, mailoutbox, django_capture_on_commit_callbacks):
        assert "training.send_reminders" in jobs()
        with time_machine.travel(DAY_BEFORE, tick=False), django_capture_on_commit_callbacks(execute=True):
            call_command("run_periodic_jobs", "training.send_reminders", stdout=io.StringIO())
            call_command("run_periodic_jobs", "training.send_reminders", stdout=io.StringIO())
        assert len([m for m in mailoutbox if m.subject.startswith("Reminder")]) == 1
