"""The day-before reminder of a booking: a periodic job, idempotent, with the booking's .ics."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from icalendar import Calendar

from bookings.models import BookingStatus
from bookings.services import booking_cancel, booking_create
from bookings.tasks import bookings_send_reminders
from fablab.core.periodic import jobs
from fablab.notifications.models import NotificationOptOut
from tests.bookings.conftest import utc

pytestmark = pytest.mark.django_db

# Booked on Monday 23 March at 08:00 UTC for Tuesday 24 March, 09:00–10:00 UTC (10:00 in Paris).
START = utc(2026, 3, 24, 9)
DAY_BEFORE = utc(2026, 3, 23, 12)  # 21 hours before
TOO_EARLY = utc(2026, 3, 23, 8, 30)  # 24.5 hours before


@pytest.fixture
def booking(frozen_now, machine, member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return booking_create(member=member, machine=machine, start=START, end=START + dt.timedelta(hours=1))


@pytest.fixture
def run_at(django_capture_on_commit_callbacks, mailoutbox):
    """Run the job at `when` as the scheduler would; returns the reminders it sent."""

    def run(when):
        mailoutbox.clear()
        with time_machine.travel(when, tick=False), django_capture_on_commit_callbacks(execute=True):
            bookings_send_reminders()
        return list(mailoutbox)

    return run


class TestBookingReminder:
    def test_it_reminds_the_member_the_day_before_with_the_ics(self, booking, member, run_at):
        [message] = run_at(DAY_BEFORE)
        assert message.to == [member.email]
        assert message.subject.startswith("Reminder: Laser")
        [(filename, content, mimetype)] = message.attachments
        assert (filename, mimetype) == ("booking.ics", "text/calendar; method=REQUEST")
        [event] = Calendar.from_ical(content).walk("VEVENT")
        assert event["STATUS"] == "CONFIRMED"
        assert "<html" in message.alternatives[0][0]

    def test_it_writes_in_the_members_language(self, booking, member, run_at):
        member.preferred_language = "fr"
        member.save(update_fields=["preferred_language"])
        [message] = run_at(DAY_BEFORE)
        assert message.body.startswith("Bonjour")
        assert '<html lang="fr">' in message.alternatives[0][0]

    def test_it_waits_until_the_day_before(self, booking, run_at):
        assert run_at(TOO_EARLY) == []

    def test_running_it_twice_sends_one_reminder(self, booking, run_at):
        assert len(run_at(DAY_BEFORE)) == 1
        assert run_at(DAY_BEFORE) == []
        assert run_at(DAY_BEFORE + dt.timedelta(hours=2)) == []

    def test_the_manage_py_entry_point_is_idempotent_too(self, booking, mailoutbox, django_capture_on_commit_callbacks):
        assert "bookings.send_reminders" in jobs()
        with time_machine.travel(DAY_BEFORE, tick=False), django_capture_on_commit_callbacks(execute=True):
            call_command("run_periodic_jobs", "bookings.send_reminders", stdout=io.StringIO())
            call_command("run_periodic_jobs", "bookings.send_reminders", stdout=io.StringIO())
        assert [m.subject for m in mailoutbox if m.subject.startswith("Reminder")] == [mailoutbox[-1].subject]

    def test_it_sends_nothing_to_a_member_who_turned_reminders_off(self, booking, member, run_at):
        NotificationOptOut.objects.create(user=member, kind="booking_reminder")
        assert run_at(DAY_BEFORE) == []

    def test_it_forgets_cancelled_bookings(self, booking, member, run_at):
        with time_machine.travel(utc(2026, 3, 23, 9), tick=False):
            booking = booking_cancel(booking=booking, by=member)
        assert booking.status == BookingStatus.CANCELLED
        assert run_at(DAY_BEFORE) == []

    def test_a_booking_made_less_than_a_day_ahead_gets_none(self, frozen_now, machine, member, run_at):
        booking_create(member=member, machine=machine, start=utc(2026, 3, 23, 14), end=utc(2026, 3, 23, 15))
        assert run_at(utc(2026, 3, 23, 9)) == []

    def test_a_rollback_sends_nothing_and_a_later_run_sends_it(
        self, booking, run_at, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
    ):
        from bookings import tasks

        real = tasks.notify_booking_reminder

        def notify_then_fail(booking):
            real(booking)
            raise RuntimeError("mail server down mid-run")

        monkeypatch.setattr(tasks, "notify_booking_reminder", notify_then_fail)
        mailoutbox.clear()
        with django_capture_on_commit_callbacks(execute=True), time_machine.travel(DAY_BEFORE, tick=False):
            with pytest.raises(RuntimeError):
                bookings_send_reminders()
        assert mailoutbox == []
        monkeypatch.setattr(tasks, "notify_booking_reminder", real)
        assert len(run_at(DAY_BEFORE)) == 1


@pytest.mark.django_db(transaction=True)
class TestBookingReminderRace:
    def test_four_runs_at_once_send_one_reminder(self, machine, member, mailoutbox):
        from tests.bookings.conftest import NOW
        from tests.concurrency import race

        with time_machine.travel(NOW, tick=False):
            booking_create(member=member, machine=machine, start=START, end=START + dt.timedelta(hours=1))
        mailoutbox.clear()
        with time_machine.travel(DAY_BEFORE, tick=False):
            results = race([bookings_send_reminders] * 4)
        assert sorted(results) == [0, 0, 0, 1]
        assert [m.subject for m in mailoutbox if m.subject.startswith("Reminder")] == [mailoutbox[0].subject]
