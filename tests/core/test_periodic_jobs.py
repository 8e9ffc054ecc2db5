import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from bookings.models import BookingStatus
from bookings.services import booking_create
from tests.bookings.conftest import utc

pytestmark = pytest.mark.django_db


class TestRunPeriodicJobs:
    def test_it_lists_the_registered_jobs(self, capsys):
        call_command("run_periodic_jobs", list=True)
        out = capsys.readouterr().out.split()
        assert "bookings.release_no_shows" in out
        assert "bookings.expire_waitlist_offers" in out

    def test_it_releases_no_shows_once_whatever_the_number_of_runs(self, frozen_now, machine, member, capsys):
        machine.no_show_release_minutes = 10
        machine.save()
        booking = booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))
        with time_machine.travel(utc(2026, 3, 24, 9, 15), tick=False):
            call_command("run_periodic_jobs")
            call_command("run_periodic_jobs")
        out = capsys.readouterr().out
        assert "bookings.release_no_shows: 1 booking(s) released" in out
        assert "bookings.release_no_shows: 0 booking(s) released" in out
        booking.refresh_from_db()
        assert booking.status == BookingStatus.NO_SHOW

    def test_it_refuses_an_unknown_job(self):
        with pytest.raises(CommandError):
            call_command("run_periodic_jobs", "nope")

    def test_it_hands_the_jobs_to_the_task_worker_on_request(self, frozen_now, machine, member, capsys):
        """With the immediate backend the queued job runs at once; with django-tasks-db, in `db_worker`."""
        machine.no_show_release_minutes = 10
        machine.save()
        booking = booking_create(member=member, machine=machine, start=utc(2026, 3, 24, 9), end=utc(2026, 3, 24, 10))
        with time_machine.travel(utc(2026, 3, 24, 9, 15), tick=False):
            call_command("run_periodic_jobs", "bookings.release_no_shows", enqueue=True)
        assert "bookings.release_no_shows: queued" in capsys.readouterr().out
        booking.refresh_from_db()
        assert booking.status == BookingStatus.NO_SHOW
